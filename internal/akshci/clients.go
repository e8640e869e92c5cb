// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "time"

// Client describes one holder of a MOC identity (a login token and a client
// certificate). The catalog below is shared by every Host so that the emulator and a
// real host classify credentials the same way.
type Client struct {
	Name  string
	Scope Scope
	// CertificateAutoRenew is true for clients that run the SDK's background renewal
	// loop, which renews the client certificate once 30% of its lifetime remains.
	CertificateAutoRenew bool
}

// The documentation lists which clients each cmdlet renews
// (learn.microsoft.com/azure/aks/hybrid/certificates-update-after-sixty-days) but not
// which of them renew their certificate on their own; it only says "some" do. The
// choice here follows the documented failures: KVA (aksArc#145/#146), KMS (aksArc#127)
// and CertManager (aksArc#237) were locked out after their certificates expired, so they
// do not auto-renew; the long-running controllers (node agent, cloud operator, CAPH,
// CSI, cloud provider) embed the SDK's renewal loop and do. Tokens never rotate by
// themselves (aksArc#292).

// ManagementClients are the clients renewed by Update-AksHciCertificates.
var ManagementClients = []Client{
	{Name: "NodeAgent", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "KVA", Scope: ScopeCloud},
	{Name: "KMS", Scope: ScopeCloud},
	{Name: "CloudOperator", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "CSI", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "CertManager", Scope: ScopeCloud},
	{Name: "CAPH", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "CloudProvider", Scope: ScopeCloud, CertificateAutoRenew: true},
}

// ClusterClients are the MOC identities of one workload cluster, renewed by
// Update-AksHciClusterCertificates -fixCloudCredentials (and -patchLoadBalancer for the
// load balancer).
var ClusterClients = []Client{
	{Name: "KMS", Scope: ScopeCloud},
	{Name: "CSI", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "CertManager", Scope: ScopeCloud},
	{Name: "CloudProvider", Scope: ScopeCloud, CertificateAutoRenew: true},
	{Name: "LoadBalancer", Scope: ScopeLoadBalancer},
}

// KubeletClient is the Kubernetes control-plane certificate set of a workload cluster
// (the API server serving certificate among them): 4-day certificates renewed by the
// certificate-renewal controller while the cluster runs, reissued by
// -fixKubeletCredentials. It has no token.
var KubeletClient = Client{Name: "Kubelet", Scope: ScopeKubelet, CertificateAutoRenew: true}

// KubeletServerClient is the kubelet server (serving) certificate of the control-plane
// nodes. It is "not managed": the renewal controller does not renew it
// [d:secure-communication.md], and it cannot be revoked [d:certificates-overview.md].
// -fixKubeletCredentials "reissues certificates on the control-plane nodes"
// [ps:update-akshciclustercertificates], so it is in kubelet scope (inferred: no page
// lists the certificates that switch reissues). Worker nodes are not modelled: a worker
// whose certificates expire is replaced [d:secure-communication.md].
var KubeletServerClient = Client{Name: "KubeletServer", Scope: ScopeKubelet}

// KubeconfigAdminClient is the client certificate of an admin kubeconfig: for a
// workload cluster the file Get-AksHciCredential writes, for the management cluster
// kubeconfig-mgmt ((Get-AksHciConfig).Kva.kubeconfig). A real-host inventory reads it
// from the kubeconfig's client-certificate-data (real-host-expiry.md C1, B7).
//
// It is informational: reported, counted in the data sources' expires_at, never a reason
// to renew. The sources say it is "not managed", i.e. not auto-renewed
// [d:secure-communication.md], [d:certificates-overview.md], and name no cmdlet that
// renews it: -fixKubeletCredentials "reissues certificates on the control-plane nodes"
// [ps:update-akshciclustercertificates], and this certificate is handed out by
// Get-AksHciCredential, not kept on a node; after -fixKubeletCredentials the documented
// step is to fetch a new kubeconfig [#233], which shows the user's file is not updated,
// not that its certificate was reissued. real-host-expiry.md §5 step 5, the more
// specific of the research files, calls the kubeconfig expiry "informational". Scoping it
// to kubelet would be a guess with a cost: were the guess wrong, a resource would be due
// on every plan until the certificate expired, since its renewal could not change it. So
// the emulator never renews it either (its renewal is listed as not modelled there).
var KubeconfigAdminClient = Client{Name: "KubeconfigAdmin", Scope: ScopeInformational}

// KubernetesClients are the Kubernetes-layer certificates of a workload cluster, in
// inventory order: the two kubelet-scope ones, then the informational admin kubeconfig.
var KubernetesClients = []Client{KubeletClient, KubeletServerClient, KubeconfigAdminClient}

// KubeletLifetime is the documented lifetime of Kubernetes non-root certificates.
const KubeletLifetime = 4 * 24 * time.Hour

// KubeconfigLifetime is the lifetime of the certificates that are not managed (kubelet
// server, admin kubeconfig client). No Microsoft page gives it; one user saw one year on
// the management cluster's admin kubeconfig [#145] (observed, not a contract). Hosts
// report the real value from the certificate; only the emulator issues with this one.
const KubeconfigLifetime = 365 * 24 * time.Hour

// LookupClient finds a client of the given scope list by name.
func LookupClient(clients []Client, name string) (Client, bool) {
	for _, c := range clients {
		if c.Name == name {
			return c, true
		}
	}
	return Client{}, false
}

// CatalogCredentials expands the client catalog into the credentials a host reports, in
// the one order every host uses: for each MOC client of the management cluster
// (ManagementClients) or of a workload cluster (ClusterClients) its certificate then its
// token, then, for a workload cluster, each Kubernetes certificate (KubernetesClients).
// Expiries are left for the host to fill in.
func CatalogCredentials(cluster bool) []Credential {
	catalog := ManagementClients
	if cluster {
		catalog = ClusterClients
	}
	out := make([]Credential, 0, 2*len(catalog)+len(KubernetesClients))
	for _, c := range catalog {
		out = append(out,
			Credential{Client: c.Name, Type: Certificate, Scope: c.Scope, AutoRenew: c.CertificateAutoRenew},
			Credential{Client: c.Name, Type: Token, Scope: c.Scope})
	}
	if cluster {
		for _, k := range KubernetesClients {
			out = append(out, Credential{Client: k.Name, Type: Certificate, Scope: k.Scope, AutoRenew: k.CertificateAutoRenew})
		}
	}
	return out
}

// Credentials returns the credentials of the management cluster (cluster "") or of one
// workload cluster, as the inventory holds them.
func (inv *Inventory) Credentials(cluster string) ([]Credential, error) {
	if cluster == "" {
		return inv.Management, nil
	}
	if err := inv.CheckWorkloadCluster(cluster); err != nil {
		return nil, err
	}
	if err := inv.ClusterListUnavailable(); err != nil {
		return nil, err
	}
	c, ok := inv.Cluster(cluster)
	if !ok {
		return nil, &ClusterNotFoundError{Name: cluster, Existing: inv.ClusterNames()}
	}
	return c.Credentials, nil
}
