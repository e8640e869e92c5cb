// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Lifetime is the documented default lifetime of MOC identity tokens and client
// certificates. A renewal window must be shorter than this, or every apply renews.
const Lifetime = 90 * 24 * time.Hour

// CALifetime is the documented lifetime of the cloud agent CA.
const CALifetime = 365 * 24 * time.Hour

// Inventory is everything a host reports in one round trip.
type Inventory struct {
	// Now is the host's clock when the inventory was taken. Renewal decisions use it,
	// never the clock of the machine Terraform runs on.
	Now time.Time
	// CAExpiresAt is the cloud agent CA's expiry; zero when unknown. After a rotation it
	// is the current CA's (the one with the latest expiry, see CurrentCA).
	CAExpiresAt time.Time
	// CAs are the cloud agent CAs the host reports: the current one and, after a
	// rotation, the replaced one while it is still trusted. Empty when the host reports
	// no certificate (then only CAExpiresAt, if anything, is known).
	CAs []CA
	// CASource says where the CA's expiry was read.
	CASource Source
	// DeploymentID identifies the deployment behind the host: it changes only when the
	// deployment is replaced (for the emulator, a new state file), never when
	// credentials or the CA are renewed. Empty when the host cannot tell.
	DeploymentID string
	// Management holds the credentials of the management cluster's clients.
	Management []Credential
	// Clusters holds each workload cluster, sorted by name. The management cluster is
	// never one of them. Empty, and meaningless, while a lockout blocks the cluster list
	// (see ClusterListBlocked).
	Clusters []Cluster
	// Lockouts are the documented lockouts the host detected, in a stable order.
	Lockouts []Lockout
	// ClusterListFailure is set when the host could not list its workload clusters for a
	// reason other than a lockout; Clusters is then empty and meaningless, as under a
	// lockout that blocks the list (see ClusterListUnavailable).
	ClusterListFailure *ClusterListError
	// ManagementCluster is the management cluster's name ((Get-AksHciConfig).Kva.kvaName
	// [d:azure-hybrid-benefit.md]), which Get-AksHciCluster lists too
	// [d:reference/ps/get-akshcicluster.md]. Empty when the host has none to report (the
	// emulator).
	ManagementCluster string
	// Cmdlets is what the host's AksHci module accepts; nil when it was not probed (the
	// emulator, which accepts every documented switch).
	Cmdlets *CmdletProbe
	// Warnings are host conditions the user should hear about, such as a session without
	// network credentials. They never stop a plan.
	Warnings []string
}

// UnknownClusters lists the workload clusters whose every credential has an unknown
// expiry, in name order: the host answered but no source worked for them.
func (inv *Inventory) UnknownClusters() []Cluster {
	var out []Cluster
	for _, c := range inv.Clusters {
		if c.Unknown() {
			out = append(out, c)
		}
	}
	return out
}

// Unknown reports whether no credential of the cluster has a known expiry.
func (c Cluster) Unknown() bool {
	for _, cr := range c.Credentials {
		if cr.Known() {
			return false
		}
	}
	return true
}

// UnknownReasons lists, per credential, why its expiry is unknown, in the order the
// credentials appear.
func (c Cluster) UnknownReasons() []string {
	var out []string
	seen := map[string]bool{}
	for _, cr := range c.Credentials {
		r := cr.Name() + ": " + cr.UnknownReason
		if cr.UnknownReason != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// ManagementClusterError reports a workload cluster operation aimed at the management
// cluster, which Update-AksHciClusterCertificates must never be given.
type ManagementClusterError struct{ Name string }

func (e *ManagementClusterError) Error() string {
	return quote(e.Name) + " is the management cluster (AKS host, (Get-AksHciConfig).Kva.kvaName), not a workload " +
		"cluster: Update-AksHciClusterCertificates must not be run for it. Renew it with " +
		"akshybrid_management_certificates (Update-AksHciCertificates), and read it with akshybrid_certificates " +
		"without cluster_name"
}

// CheckWorkloadCluster refuses the management cluster's name as a workload cluster.
func (inv *Inventory) CheckWorkloadCluster(name string) error {
	if inv.ManagementCluster != "" && name == inv.ManagementCluster {
		return &ManagementClusterError{Name: name}
	}
	return nil
}

// Cluster is one workload cluster and its credentials.
type Cluster struct {
	Name        string
	Credentials []Credential
}

// Cluster returns the named workload cluster.
func (inv *Inventory) Cluster(name string) (Cluster, bool) {
	i := sort.Search(len(inv.Clusters), func(i int) bool { return inv.Clusters[i].Name >= name })
	if i < len(inv.Clusters) && inv.Clusters[i].Name == name {
		return inv.Clusters[i], true
	}
	return Cluster{}, false
}

// ClusterNames lists the workload clusters in name order.
func (inv *Inventory) ClusterNames() []string {
	names := make([]string, len(inv.Clusters))
	for i, c := range inv.Clusters {
		names[i] = c.Name
	}
	return names
}

// SortClusters puts Clusters in name order, which Cluster relies on. Hosts call it
// before returning an inventory.
func (inv *Inventory) SortClusters() {
	sort.Slice(inv.Clusters, func(i, j int) bool { return inv.Clusters[i].Name < inv.Clusters[j].Name })
}

// ManagementOptions are the switches of Update-AksHciCertificates.
type ManagementOptions struct {
	// Force rotates even when nothing is close to expiry (-force).
	Force bool
}

// ClusterOptions are the switches of Update-AksHciClusterCertificates. With neither fix
// set the cmdlet runs with -name alone, as documented in [d:secure-communication.md]
// ("Repair-AksHciClusterCerts -Name mytargetcluster" when "the cluster begins to fail
// because of expired certificates" of the control plane). The 2021 reference page, from
// before the two switches existed, describes that call as fixing "expired certificates
// for Kubernetes built-in components" [d-old:repair-akshciclustercerts.md]; so -name
// alone renews the Kubernetes (kubelet-scope) certificates, like -fixKubeletCredentials
// (inferred: no page says what the current cmdlet does without a switch).
type ClusterOptions struct {
	FixCloudCredentials   bool // -fixCloudCredentials
	FixKubeletCredentials bool // -fixKubeletCredentials; runs before the cloud fix
	PatchLoadBalancer     bool // -patchLoadBalancer; only with FixCloudCredentials
	Force                 bool // -force
}

// InScope reports whether a cluster renewal with these options renews c.
func (o ClusterOptions) InScope(c Credential) bool {
	switch c.Scope {
	case ScopeCloud:
		return o.FixCloudCredentials
	case ScopeLoadBalancer:
		return o.FixCloudCredentials && o.PatchLoadBalancer
	case ScopeKubelet:
		return o.FixKubeletCredentials || o.NameOnly()
	}
	return false
}

// Validate applies the cmdlet's parameter sets: -patchLoadBalancer is documented only
// together with -fixCloudCredentials [d:update-certificates.md].
func (o ClusterOptions) Validate() error {
	if o.PatchLoadBalancer && !o.FixCloudCredentials {
		return ErrPatchLoadBalancerAlone
	}
	return nil
}

// ErrPatchLoadBalancerAlone is ClusterOptions.Validate's refusal.
var ErrPatchLoadBalancerAlone = errors.New("Update-AksHciClusterCertificates: -patchLoadBalancer works only together with -fixCloudCredentials")

// clusterNamePattern is a DNS label: what AKS hybrid cluster names are, and what keeps
// any other text from ever reaching a remote shell.
var clusterNamePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateClusterName accepts workload cluster names that are DNS labels: lowercase
// letters, digits and '-', starting with a letter, ending with a letter or digit, at
// most 63 characters. The one rule for the provider and the emulator; the PowerShell
// host adds its own last line of defence for what reaches a shell.
func ValidateClusterName(name string) error {
	if clusterNamePattern.MatchString(name) {
		return nil
	}
	return fmt.Errorf("workload cluster names are DNS labels: lowercase letters, digits and '-', starting with a "+
		"letter, ending with a letter or digit, at most 63 characters; got %q", name)
}

// NameOnly reports a call with -name alone (no fix switch, so no -patchLoadBalancer).
func (o ClusterOptions) NameOnly() bool {
	return !o.FixCloudCredentials && !o.FixKubeletCredentials && !o.PatchLoadBalancer
}

// Scoped returns the credentials a cluster renewal with these options renews.
func (o ClusterOptions) Scoped(creds []Credential) []Credential {
	out := make([]Credential, 0, len(creds))
	for _, c := range creds {
		if o.InScope(c) {
			out = append(out, c)
		}
	}
	return out
}

// Host is an AKS hybrid deployment: the emulator, or a real host reached through
// PowerShell. Implementations must be safe for concurrent use.
type Host interface {
	// Inventory reports the host time, the CA and every credential in one round trip.
	Inventory(ctx context.Context) (*Inventory, error)
	// UpdateManagementCertificates runs Update-AksHciCertificates.
	UpdateManagementCertificates(ctx context.Context, opts ManagementOptions) error
	// UpdateClusterCertificates runs Update-AksHciClusterCertificates for one cluster.
	// A missing cluster is an error of type *ClusterNotFoundError.
	UpdateClusterCertificates(ctx context.Context, cluster string, opts ClusterOptions) error
}

// ErrOutcomeUnknown is wrapped by a host's errors when an update may or may not have
// taken effect: the connection broke, or a timeout ended it without the host
// confirming that it stopped.
var ErrOutcomeUnknown = errors.New("the outcome on the host is unknown")

// ClusterNotFoundError reports a workload cluster the host does not have.
type ClusterNotFoundError struct {
	Name     string
	Existing []string
}

func (e *ClusterNotFoundError) Error() string {
	if len(e.Existing) == 0 {
		return "workload cluster " + quote(e.Name) + " not found: the deployment has no workload clusters"
	}
	s := "workload cluster " + quote(e.Name) + " not found; existing clusters: "
	for i, n := range e.Existing {
		if i > 0 {
			s += ", "
		}
		s += quote(n)
	}
	return s
}

func quote(s string) string { return "\"" + s + "\"" }
