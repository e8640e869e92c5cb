package akshci

import (
	"context"
	"errors"
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
	// CAExpiresAt is the cloud agent CA's expiry; zero when unknown.
	CAExpiresAt time.Time
	// DeploymentID identifies the deployment behind the host: it changes only when the
	// deployment is replaced (for the emulator, a new state file), never when
	// credentials or the CA are renewed. Empty when the host cannot tell.
	DeploymentID string
	// Management holds the credentials of the management cluster's clients.
	Management []Credential
	// Clusters holds each workload cluster, sorted by name.
	Clusters []Cluster
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

// ClusterOptions are the switches of Update-AksHciClusterCertificates.
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
		return o.FixKubeletCredentials
	}
	return false
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
