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
// Kubernetes control-plane certificate set akshci.KubeletClient. A MOC identity holds a
// random opaque login token (256 bits, 90 days, akshci.Lifetime) and an ECDSA P-256
// client certificate signed by the cloud agent CA (90 days). The real MOC uses RSA keys;
// the algorithm plays no part in expiry, and P-256 keeps the emulator fast. Whether a
// client certificate renews itself comes from the catalog (CertificateAutoRenew); tokens
// never rotate by themselves. The kubelet certificate (4 days, akshci.KubeletLifetime)
// is signed by a per-cluster Kubernetes CA (10 years, the documented lifetime of the
// Kubernetes root CAs), so it keeps renewing after the cloud agent CA has expired.
// Certificates are not capped at their issuer's expiry.
//
// Inventory reports each certificate's NotAfter as read from the stored certificate,
// each token's expiry, and the CA's expiry. Snapshot returns the same evaluation with the
// public material (certificate PEMs, token expiry times). Tokens and private keys live in
// separate records that Inventory and Snapshot never read; Secrets lists them for leak
// tests.
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
//   - A client certificate that renews itself is renewed when 30% of its lifetime
//     remains (day 63 of 90, the SDK's rule), provided the client runs, the certificate
//     has not expired, and the issuing CA is still valid at that moment. The new
//     certificate has the same lifetime and begins at the renewal moment.
//   - An expired certificate is never renewed. A running client whose certificate
//     expired logs in again with its token when the token is still valid (and the CA too),
//     which issues a certificate with the standard 90-day lifetime. With the emulator's
//     operations a token never outlives its certificate (updates issue both together,
//     renewals only extend certificates), so this rule is there for fidelity and is
//     exercised by unit tests of the replay.
//   - A client whose certificate and token have both expired is locked out ("rpc error:
//     code = Unauthenticated desc = Valid Token Required.") until an update.
//   - Kubelet certificates are renewed by the certificate-renewal controller at the same
//     70% point (every 2.8 days) while the cluster runs.
//   - After the cloud agent CA expires (day 365) no renewal or login succeeds, and every
//     update fails with a *CAExpiredError naming Invoke-AksHciRotateCACertificate, as
//     does creating a cluster (AddCluster, or a configured cluster on first use). The
//     rotation itself is not emulated: delete the state file to start over. Client
//     status then reads "cannot reach the cloud agent", or "locked out" once a client's
//     certificate and token have both expired.
//
// # Power
//
// PowerOff stops a workload cluster's VMs; nothing renews or logs in while they are
// stopped and ClientStatus reports the clients as stopped. This follows the documented
// shutdown matrix:
//
//   - Kubelet certificates simply run out: since they renew every 2.8 days, they expire
//     between 1.2 and 4 days after power-off, and always when the cluster was off for
//     more than 4 days. An expired kubelet certificate stays expired after PowerOn until
//     -fixKubeletCredentials.
//   - MOC credentials are not affected by up to 30 days off. Once a cluster has been off
//     for more than 30 days, the cloud agent has invalidated its identities: the
//     emulator ends every cloud-scope and load-balancer certificate and token of the
//     cluster at the 30-day mark (the certificate is re-signed with that NotAfter, so
//     the stored certificate still tells the truth). After PowerOn those clients are
//     locked out until -fixCloudCredentials (with -patchLoadBalancer for the load
//     balancer).
//   - At PowerOn, renewals that fell due while the cluster was off happen at once, and
//     clients whose certificate expired but whose token is valid log in again.
//
// The management cluster always runs.
//
// # Updates
//
// UpdateManagementCertificates (Update-AksHciCertificates) gives every management client
// a new token and a new certificate. UpdateClusterCertificates
// (Update-AksHciClusterCertificates) does the same for KMS, CSI, CertManager and
// CloudProvider with FixCloudCredentials, for the load balancer too with
// PatchLoadBalancer, and re-issues the kubelet certificate with FixKubeletCredentials,
// which runs first when both are set. PatchLoadBalancer without FixCloudCredentials, or
// neither fix, is an error naming the switches; a missing cluster is a
// *akshci.ClusterNotFoundError; a powered-off cluster a *PoweredOffError.
//
// Without Force a fix rotates only when something in its scope is due: a token or
// certificate with less than two thirds of its lifetime left (60 days of a 90-day
// credential, Microsoft's "update within 60 days" guidance; 2.67 days of a kubelet
// certificate, so that fix re-issues kubelet certificates older than 1.33 days) or
// already expired. Otherwise it succeeds without changing anything, like
// a cmdlet that finds nothing to do: the provider verifies after a renewal that the
// credentials moved and tells the user to set force otherwise. With Force it always
// rotates.
//
// # State file
//
// One bbolt file (mode 0600 when created) holds everything: a top-level
// "akshybrid-emulator" bucket with a schema version, the deployment record (JSON:
// emulated time, CA certificate, a random deployment ID), one record per cluster (a
// compact binary encoding, since every inventory reads them all: 100 clusters take a few
// milliseconds), and the secrets as JSON in a separate bucket.
//
// Reads and updates. Inventory, Snapshot, ClientStatus, Secrets and Prepare are reads:
// they replay the dynamics up to now, create missing configured clusters and move the
// clock in a transaction that is always rolled back, so plans and refreshes write
// nothing; a what-if read far in the future leaves the file byte for byte as it was.
// The updates (and the test operations AddCluster, DeleteCluster, PowerOff, PowerOn)
// commit, and only when something changed; a failed one commits nothing, so for
// example an update refused because the CA expired leaves the file byte-identical. The
// one write a read makes is first use: a missing or empty file, or an empty bbolt
// database, is initialised as a new deployment with a new deployment ID
// (Inventory.DeploymentID), which the provider compares with the one its resources
// recorded, so a deleted or emptied file is reported rather than silently replaced.
//
// Opening. Every operation opens the file, takes its lock, runs one transaction and
// closes it again, so several Terraform commands in one process (flock is per open file,
// even within a process) never conflict. Another process holding the file is waited for
// up to Config.LockTimeout (10 s by default) and never beyond the operation's context
// deadline, then a *LockedError says which limit ended the wait. Before bbolt maps the
// file, checkFile verifies every structure bbolt will dereference (meta pages, page
// bounds, page types, key order, nested and inline buckets, the freelist), because a
// damaged file would otherwise crash the process in ways recover cannot catch (see
// filecheck.go); and an update decodes every record first, so it never writes into a
// file of which another part is damaged. A damaged file, or one that is not ours
// (garbage, or a bbolt database without the marker bucket), is a *StateFileError that
// names the file, says it was left untouched and how to recover; the file is opened
// without freelist syncing so even opening it writes nothing.
//
// Backup. After every committed update the emulator copies the file to
// <state_path>.backup (written to a temporary file and renamed, so never half-written;
// best effort: the update has already succeeded). A damaged file's diagnostic names the
// copy to restore. First use of a missing or empty file keeps an existing backup, since
// it is then the way back to the deployment that was deleted.
//
// The configured workload clusters are created, when missing, by the first committed
// operation of an Emulator value (until then each read shows them as just created);
// clusters missing from the list are never deleted.
package emulator
