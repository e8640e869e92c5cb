// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package emulator is an emulated AKS hybrid deployment kept in one bbolt file. It
// implements akshci.Host faithfully enough to try the provider, run demos and test
// pipelines without hardware: a real X.509 cloud agent CA signs real client
// certificates, every MOC identity has a login token, and credentials expire, renew and
// lock clients out the way the platform facts (shared/research/akshybrid-facts.md)
// describe. It is never a production target.
//
// # Deployment
//
// The cloud agent CA (365 days, akshci.CALifetime) and the management cluster are created
// on first use. The management cluster has one MOC identity per client of
// akshci.ManagementClients; each workload cluster one per client of
// akshci.ClusterClients (KMS, CSI, CertManager, CloudProvider, LoadBalancer) plus the
// Kubernetes certificates of akshci.KubernetesClients: the 4-day control-plane set
// ("Kubelet", which stands for the API server's serving certificate and the other
// auto-renewed certificates), and the two certificates that are not managed, the
// kubelet server certificate ("KubeletServer") and the admin kubeconfig client
// certificate ("KubeconfigAdmin"), issued for one year (akshci.KubeconfigLifetime,
// observed [#145]). A MOC identity holds a login token (90 days, akshci.Lifetime) and an
// ECDSA P-256 client certificate signed by the cloud agent CA (90 days). The real MOC
// uses RSA keys; the algorithm plays no part in expiry, and P-256 keeps the emulator
// fast. Login tokens are JWTs signed by the cloud agent CA (ES256) with the claims exp
// (the stored token expiry, in Unix seconds), iat, jti, iss and name, so code that reads
// exp from a real token reads emulated ones the same way. Whether a client certificate
// renews itself comes from the catalog (CertificateAutoRenew); tokens never rotate by
// themselves [#292]. The Kubernetes certificates are signed by a per-cluster Kubernetes
// CA (10 years), so they keep renewing after the cloud agent CA has expired.
// No certificate outlives its issuer: every certificate ends at its CA's expiry when
// that comes first (TestNoCertificateOutlivesItsCA walks 800 days to prove it).
//
// Inventory reports each certificate's NotAfter as read from the stored certificate,
// each token's expiry, the CA's expiry, and the lockouts (akshci.Lockout). Snapshot
// returns the same evaluation with the public material (certificate PEMs, token expiry
// times, lockouts). Tokens and private keys live in separate records that Inventory and
// Snapshot never read; Secrets lists them for leak tests.
//
// # Time
//
// The emulated time is Config.Clock.Now() + Config.TimeOffset, in whole seconds (the
// precision of X.509 validity times; every issuance moment is a whole second). Each
// update persists it (reads do not: see State file), and it never moves backwards: a configured time up to one
// minute behind the persisted one is clamped to it (clock jitter, two processes with a
// slightly different idea of now), anything further behind is a *ClockError naming the
// time_offset that would work. Nothing reads the machine's clock except through
// Config.Clock.
//
// # Dynamics
//
// Nothing runs in the background. Every operation first replays, per cluster record,
// everything that happened between the record's last evaluation and now, in order, so a
// jump of 400 days performs every renewal in between. Records are independent (they
// share only the cloud agent CA, whose expiry is fixed), so each is replayed lazily when
// an operation reads it. Only the final certificate of a replay is actually signed:
// intermediate ones could never be observed.
//
//   - A running client whose certificate renews itself renews it when 30% of its
//     lifetime remains (day 63 of 90, [moc] certrenew.go), provided the certificate has
//     not expired and the issuing CA is still valid at that moment. The new certificate
//     has the same lifetime and begins at the renewal moment.
//   - An expired certificate is never renewed [moc pkg/certs]. A running client whose
//     certificate expired logs in again with its token when the token is still valid
//     (and the CA too), which issues a certificate with the standard 90-day lifetime.
//   - Expiry alone stops nothing: a client whose certificate and token have both
//     expired keeps running ("a cluster not updated for 90 days keeps running"
//     [d:certificates-overview.md]); it fails at its next start (Restarts below).
//   - The Kubernetes control-plane set is renewed by the certificate-renewal controller
//     at the same 70% point (every 2.8 days) while the cluster runs. The kubelet server
//     and admin kubeconfig certificates are never renewed by themselves
//     [d:secure-communication.md].
//   - kvactl (the KVA identity) is a command-line tool: nothing of it runs between
//     calls. Every kvactl call renews its certificate first when 30% or less of its life
//     remains ([moc] certrenew.go via NewAuthorizerFromEnvironment, V-src); the
//     inventory's Get-AksHciCluster is such a call, so an inventory past day 63 shows a
//     renewed KVA certificate. That renewal is computed again on every read and never
//     written (a pure function of the state and the time, so plans and refreshes can
//     leave the file alone); a cluster update, which writes anyway, keeps it. The price:
//     a deployment read only by plans between day 63 and day 90 still has its stored
//     day-90 KVA certificate afterwards, where a real host would have kept the renewal.
//   - After the cloud agent CA expires (day 365) no renewal or login succeeds, and every
//     update fails with a *CAExpiredError naming Invoke-AksHciRotateCACertificate, as
//     does creating a cluster (AddCluster, or a configured cluster on first use). A
//     client that restarts then cannot log in and is locked out. Only the rotation gets
//     out of it.
//
// # CA rotation
//
// RotateCACertificate emulates Invoke-AksHciRotateCACertificate: a new 365-day CA from
// the emulated now, whether or not the old one has expired. The replaced CA stays
// trusted until its own expiry (an overlap: derived, since the sources only name
// CredentialMonitor's Single/Overlap status); Inventory.CAs lists it until then and
// every client certificate names its issuer (akshci.Credential.IssuerFingerprint).
// Certificates issued after the rotation are signed by the new CA; a client whose token
// predates the rotation can log in again only while the replaced CA is trusted (its
// login file holds that CA). kvactl logs in again during the rotation (derived). The
// follow-up renewals (Update-AksHciCertificates, then Update-AksHciClusterCertificates
// per cluster) rotate every client whose certificate the replaced CA signed, whatever
// its dates.
//
// # Restarts and power
//
// Restart(name) restarts every component of the management cluster (Management) or of a
// workload cluster, as a reboot does. A client logs in with its token when its
// certificate has expired, and always for CAPH and CSI (their access file is on an
// emptyDir volume, [caph] config/default, [#186]) and the node agent
// ([d-old:known-issues-upgrade.md]). The login succeeds while the token and the CA are
// valid; otherwise the client is locked out until a new token reaches it. kvactl does
// not run, so a restart does nothing to it.
//
// PowerOff / PowerOn stop and start a workload cluster's VMs, PowerOffManagement /
// PowerOnManagement the management cluster's; nothing renews or logs in while they are
// stopped, and power-on is a restart. While the management cluster is off, Inventory
// and both updates fail with a *PoweredOffError. This follows the documented shutdown
// matrix [d:update-certificates.md]:
//
//   - Kubernetes control-plane certificates simply run out: they expire between 1.2 and
//     4 days after power-off, and always when the cluster was off for more than 4 days.
//     An expired one stays expired after power-on until -fixKubeletCredentials (or -name
//     alone) [#233].
//   - MOC credentials are not affected by up to 30 days off. Once a cluster has been off
//     for more than 30 days, the cloud agent has invalidated its identities: the
//     emulator ends every MOC certificate and token of the cluster at the 30-day mark
//     (re-signing certificate and token with that expiry, so the stored material still
//     tells the truth). At power-on those clients are locked out.
//
// # Lockouts
//
// Inventory.Lockouts lists what is broken, with the documented text and recovery
// (akshci.Lockout; the constructors there cite the sources):
//
//   - the management KMS plugin locked out at a restart [#127]: the management API
//     server is down, Update-AksHciCertificates fails with "failed to repair cluster
//     certificates", and Get-AksHciCluster and the cluster cmdlet fail too (inferred: they
//     go through that API server). Manual recovery: RecoverKMSPlugin (mocctl security
//     identity rotate for "KMSPlugin-<cluster>-moc-kms-plugin", copy the login file to
//     /opt/wssd/k8s/cloudlogin.yaml, restart the plugin) [d-old:known-issues.md];
//   - the node agent locked out at a restart: stuck in Starting; manual recovery RepairMoc
//     (kill wssdagent, Start-ClusterGroup, Repair-Moc) [d-old:known-issues-upgrade.md].
//     That Update-AksHciCertificates fails meanwhile is inferred from the documented
//     steps;
//   - kvactl whose certificate (after the call's own renewal) has expired: with a valid
//     token, every kvactl-backed cmdlet, both updates included, fails with "Certificate
//     has expired: Expired" until its access file is deleted (DeleteKvactlAccessFile)
//     [#146]; with an expired token, Get-AksHciCluster, Get-AksHciCredential and the
//     cluster cmdlet fail with "Valid Token Required" and Update-AksHciCertificates (the
//     documented fix, Repair-AksHciCerts [#169]) repairs it. While the cluster list is
//     blocked, Inventory lists no workload cluster;
//   - any other client locked out at a restart: the update cmdlet of its scope repairs
//     it (CAPH [#107], CertManager [#237], the load balancer with -patchLoadBalancer).
//
// # Updates
//
// UpdateManagementCertificates (Update-AksHciCertificates) gives every management client
// a new token and a new certificate. UpdateClusterCertificates
// (Update-AksHciClusterCertificates) does the same for KMS, CSI, CertManager and
// CloudProvider with FixCloudCredentials, for the load balancer too with
// PatchLoadBalancer, and re-issues the kubelet-scope Kubernetes certificates (the
// control-plane set and the kubelet server certificate) with FixKubeletCredentials, or
// with neither fix (-name alone, see akshci.ClusterOptions); the Kubernetes fix runs
// first. No update renews the admin kubeconfig certificate (akshci.KubeconfigAdminClient
// says why), so it expires a year after the cluster was created. PatchLoadBalancer without FixCloudCredentials is an
// error; a missing cluster is a *akshci.ClusterNotFoundError; a powered-off cluster a
// *PoweredOffError; a lockout that blocks the cmdlet an *akshci.LockoutError, and a
// failed update leaves the state file as it was.
//
// Without Force a fix rotates only when something in its scope is due: a token or
// certificate with less than two thirds of its lifetime left (60 days of a 90-day
// credential, Microsoft's "update within 60 days" guidance; 2.67 days of a 4-day
// certificate) or already expired, or a client in scope is locked out. Otherwise it
// succeeds without changing anything, like a cmdlet that finds nothing to do. With Force
// it always rotates.
//
// # Not modelled
//
// TestFacts reproduces the documented behaviours about lifetimes, lockouts, restarts and
// the update cmdlets, one subtest each. These are deliberately left out:
//
//   - The outage during Invoke-AksHciRotateCACertificate itself (every client loses
//     the cloud agent while it runs): the rotation is one instant here. Tokens are not
//     tied to a CA: only certificates are.
//   - mocctl's own 60-day login and Repair-MocLogin [#168]: the provider never runs
//     mocctl against the emulator, so there is no mocctl identity.
//   - The 60-day KVA certificates of releases up to 1.0.4.10928 [#146]: the emulator
//     issues 90-day certificates with their tokens, so kvactl's certificate never
//     expires before its token through emulated operations; that lockout's decision
//     (kvaLockout) and its workaround (DeleteKvactlAccessFile) are tested directly.
//   - Update-AksHci / Update-AksHciCluster (upgrades, which also reset validity to 90
//     days) and "upgrading needs Microsoft support" after 90 days: no upgrades exist.
//   - Repair-AksHciCerts / Repair-AksHciClusterCerts as separate names (aliases of the
//     update cmdlets in 1.1.59-1.1.60 [gallery-psm1]), -sshPrivateKeyFile, and the
//     module/kvactl version mismatch "unknown flag: --tags" [#145].
//   - Trust mismatches ("certificate signed by unknown authority" [#160]), revocation
//     (Identity_Revoke, the RenewRevocation CRD) and 2/30/60-day token options.
//   - Worker nodes (replaced when their certificates expire), the
//     certificate-renewal pod CrashLoop after a scale-out, and the SDK's retry back-off
//     of 2% of the lifetime: nothing fails transiently here.
//   - Consequences outside credentials: exhausted host ports and VM creation failing
//     ([#365]), Update-AksHci hanging ([#107]), kubectl log failures ([#237]) appear only
//     as lockout symptoms; Get-AksHciCredential is not an operation (the inventory
//     reports the kubeconfig certificate).
//   - Any renewal of the admin kubeconfig client certificate: no source names the
//     operation that issues a new one (perhaps Get-AksHciCredential itself, or the
//     cluster API controllers), so it is issued once, with the cluster, and never again.
//   - Automatic token rotation in current releases ([#292], unverified), and the
//     autoRotate/loginFilePath identity fields.
//
// # State file
//
// One bbolt file (mode 0600 when created) holds everything: a top-level
// "akshybrid-emulator" bucket with a schema version, the deployment record (JSON:
// emulated time, CA certificate, a random deployment ID), one record per cluster (a
// compact binary encoding, since every inventory reads them all: 100 clusters take a few
// milliseconds), and the secrets as JSON in a separate bucket.
//
// Reads and updates. Inventory, Snapshot, ClientStatus, Secrets, Kubeconfig and Prepare
// are reads: they open the file read-only with a shared lock, in a read-only bbolt
// transaction, and replay the dynamics up to now, create missing configured clusters and
// move the clock in memory only, so plans and refreshes write nothing and work on a
// read-only file; a what-if read far in the future leaves the file byte for byte as it
// was. The updates (and the test operations AddCluster, DeleteCluster, PowerOff,
// PowerOn) open it read-write with an exclusive lock and commit, and only when something
// changed; a failed one commits nothing, so for example an update refused because the CA
// expired leaves the file byte-identical. An update refuses a file whose mode grants no
// write permission (even to root, who could write it anyway), or that this user or the
// file system cannot write, with a *ReadOnlyError naming the file.
//
// First use. The one write a read makes is first use: a missing file is created (mode
// 0600) with a new deployment, with a new deployment ID (Inventory.DeploymentID) and the
// configured clusters, so a plan against a new state file path works. It is written under
// a temporary name next to the state file (<state_path>.new-<random>, removed afterwards)
// and linked into place when complete, so no
// process ever sees a half-written or empty state file, and of two processes creating it
// at once one wins and the other uses its file. A file that exists is never initialised:
// an empty one (0 bytes) is a *StateFileError with Empty set that says how to restore the
// backup or start over (delete the file), and an empty bbolt database is refused too (as
// damaged next to a backup, otherwise as not ours). The provider compares the deployment
// ID with the one its resources recorded, so a deleted file is reported rather than
// silently replaced. A file written before the ID was recorded is named after its cloud
// agent CA; its first committed update records that name, so that a CA rotation, which
// replaces the CA, keeps the deployment's identity.
//
// Opening. Every operation opens the file, takes its lock, runs one transaction and
// closes it again, so several Terraform commands in one process (flock is per open file,
// even within a process) never conflict. Another process holding the file is waited for
// up to Config.LockTimeout (10 s by default) and never beyond the operation's context
// deadline, then a *LockedError says which limit ended the wait. Before bbolt maps the
// file, checkFile verifies every structure bbolt will dereference (meta pages, page
// bounds, page types, key order, nested and inline buckets, the freelist), because a
// damaged file would otherwise crash the process in ways recover cannot catch (see
// filecheck.go). Both meta pages must be valid: with one damaged bbolt would silently
// go back to the commit before (or, in a file committed once, to an empty database); the
// backup holds the last commit. And an update decodes every record first, with the decoders reads use
// (each cluster's Kubernetes CA included) and every stored key besides, so it never
// writes into a file of which another part is damaged, and a file a read refuses as
// damaged is refused by every update with the same reason. A damaged file, or one that is not ours
// (garbage, or a bbolt database without the marker bucket), is a *StateFileError that
// names the file, says it was left untouched and how to recover; the file is opened
// without freelist syncing so even opening it writes nothing.
//
// Backup. After every committed update the emulator copies the file to
// <state_path>.backup (written to a temporary file and renamed, so never half-written;
// best effort: the update has already succeeded). A damaged file's diagnostic names the
// copy to restore. First use of a missing file keeps an existing backup, since it is
// then the way back to the deployment that was deleted.
//
// The configured workload clusters are created, when missing, by the first committed
// operation of an Emulator value (until then each read shows them as just created);
// clusters missing from the list are never deleted.
package emulator
