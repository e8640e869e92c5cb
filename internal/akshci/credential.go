// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"sort"
	"time"
)

// CredentialType says whether a credential is a client certificate or a login token.
type CredentialType string

const (
	// Certificate is an X.509 client certificate signed by the cloud agent CA, or a
	// Kubernetes control-plane certificate.
	Certificate CredentialType = "certificate"
	// Token is a MOC identity login token, used once to log in and obtain a certificate.
	Token CredentialType = "token"
)

// Scope says which renewal operation renews a workload cluster credential, and so which
// switch of Update-AksHciClusterCertificates brings it into a resource's scope.
// Management-cluster credentials are all renewed by Update-AksHciCertificates and carry
// ScopeCloud.
type Scope string

const (
	// ScopeCloud credentials are the MOC identities of the cluster's clients (KMS, CSI,
	// CertManager, CloudProvider): -fixCloudCredentials.
	ScopeCloud Scope = "cloud"
	// ScopeLoadBalancer credentials belong to the load balancer VM (HAProxy and lbagent):
	// -patchLoadBalancer, only together with -fixCloudCredentials.
	ScopeLoadBalancer Scope = "load_balancer"
	// ScopeKubelet credentials are the Kubernetes control-plane certificates:
	// -fixKubeletCredentials.
	ScopeKubelet Scope = "kubelet"
	// ScopeInformational credentials are renewed by no operation of this provider (an
	// admin kubeconfig's client certificate, KubeconfigAdminClient; a host tool's
	// access-file certificate):
	// they are reported, and count for the data source's expiry, but never make a
	// renewal resource due, since its renewal could not change them.
	ScopeInformational Scope = "informational"
	// ScopeCA is the cloud agent CA itself: Invoke-AksHciRotateCACertificate.
	ScopeCA Scope = "ca"
)

// Renewable reports whether some renewal operation renews the credential.
func (c Credential) Renewable() bool { return c.Scope != ScopeInformational }

// Credential is one certificate or token of one client, as a host reports it.
type Credential struct {
	// Client names the holder, e.g. "KMS", "NodeAgent", "Kubelet".
	Client string
	Type   CredentialType
	Scope  Scope
	// NotAfter is the expiry. The zero time means the host could not report it: it is
	// never guessed.
	NotAfter time.Time
	// AutoRenew is true for credentials that renew themselves while their holder runs
	// (client certificates of clients with a renewal loop, 4-day kubelet certificates).
	AutoRenew bool
	// Source says where NotAfter was read (one of the Source constants); empty when the
	// host reported nothing for this credential.
	Source Source
	// Origin says which file or object the source read, when a host can tell (an access
	// file's path and the location it was found in); empty otherwise.
	Origin string
	// UnknownReason says why NotAfter is zero (a per-source error code and what it means);
	// empty when NotAfter is known.
	UnknownReason string
	// Revoked is true when the host reports the identity as revoked: it is unusable
	// whatever its expiry (mocctl's revoked field [sdk services/security/security.go]).
	Revoked bool
	// IssuerFingerprint is the fingerprint (Fingerprint) of the cloud agent CA that
	// signed a client certificate; empty when the host did not say.
	IssuerFingerprint string
	// Fingerprint is the credential's own fingerprint when the host reports one: today
	// only the cloud agent CA's (CACredential). A renewal that re-issues a credential
	// with the same dates still changes it.
	Fingerprint string
}

// Source says where a credential's expiry came from.
type Source string

const (
	// SourceAccessFile is a certificate in a MOC access file (cloudconfig) of a host tool.
	SourceAccessFile Source = "access-file"
	// SourceKubeconfig is the client certificate of a kubeconfig (client-certificate-data).
	SourceKubeconfig Source = "kubeconfig"
	// SourceTLSHandshake is the certificate a server presented in a TLS handshake.
	SourceTLSHandshake Source = "tls-handshake"
	// SourceTokenExp is the exp claim of a login token, decoded on the host.
	SourceTokenExp Source = "token-exp"
	// SourceEmulator is the emulator's own record of the credential.
	SourceEmulator Source = "emulator"
)

// Name is how the credential is shown to users, e.g. "KMS token".
func (c Credential) Name() string { return c.Client + " " + string(c.Type) }

// Known reports whether the host reported an expiry for the credential.
func (c Credential) Known() bool { return !c.NotAfter.IsZero() }

// Expired reports whether the credential's expiry is known and not after now.
func (c Credential) Expired(now time.Time) bool { return c.Known() && !c.NotAfter.After(now) }

// SortByExpiry orders credentials by NotAfter, soonest first, with unknown expiries last;
// ties keep a stable order by name so output never flaps between runs.
func SortByExpiry(creds []Credential) {
	sort.SliceStable(creds, func(i, j int) bool {
		a, b := creds[i], creds[j]
		if a.Known() != b.Known() {
			return a.Known()
		}
		if !a.NotAfter.Equal(b.NotAfter) {
			return a.NotAfter.Before(b.NotAfter)
		}
		return a.Name() < b.Name()
	})
}
