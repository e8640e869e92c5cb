// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "testing"

// The catalog is checked against the documentation, written out here, never against itself: a client moved to
// the wrong list, a wrong scope, or a client marked as renewing its certificate on its own would make plans miss
// a credential that breaks a cluster.
func TestClientCatalog_matchesTheDocumentedClients(t *testing.T) {
	type want struct {
		scope     Scope
		autoRenew bool
	}
	tests := []struct {
		name    string
		catalog []Client
		// Management: the clients Update-AksHciCertificates renews [d:certificates-update-after-sixty-days.md].
		// Workload clusters: the clients Update-AksHciClusterCertificates renews, plus the load balancer
		// (-patchLoadBalancer) [ps:update-akshciclustercertificates], [d:update-certificates.md].
		// Auto-renewal: KVA [#145]/[#146], KMS [#127] and CertManager [#237] were locked out once their
		// certificates expired, so they do not renew on their own; the others run the SDK's renewal loop.
		want map[string]want
	}{
		{
			name:    "management cluster",
			catalog: ManagementClients,
			want: map[string]want{
				"NodeAgent":     {ScopeCloud, true},
				"KVA":           {ScopeCloud, false},
				"KMS":           {ScopeCloud, false},
				"CloudOperator": {ScopeCloud, true},
				"CSI":           {ScopeCloud, true},
				"CertManager":   {ScopeCloud, false},
				"CAPH":          {ScopeCloud, true},
				"CloudProvider": {ScopeCloud, true},
			},
		},
		{
			name:    "workload cluster",
			catalog: ClusterClients,
			want: map[string]want{
				"KMS":           {ScopeCloud, false},
				"CSI":           {ScopeCloud, true},
				"CertManager":   {ScopeCloud, false},
				"CloudProvider": {ScopeCloud, true},
				"LoadBalancer":  {ScopeLoadBalancer, false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.catalog) != len(tt.want) {
				t.Errorf("%d clients in the catalog, the documentation lists %d", len(tt.catalog), len(tt.want))
			}
			for _, c := range tt.catalog {
				w, ok := tt.want[c.Name]
				if !ok {
					t.Errorf("client %q is not in the documented list", c.Name)
					continue
				}
				if c.Scope != w.scope || c.CertificateAutoRenew != w.autoRenew {
					t.Errorf("client %q: scope %q, auto-renew %v; want scope %q, auto-renew %v",
						c.Name, c.Scope, c.CertificateAutoRenew, w.scope, w.autoRenew)
				}
			}
		})
	}
}

// The Kubernetes control-plane certificates live four days and are renewed by the certificate-renewal
// controller [d:secure-communication.md]; -fixKubeletCredentials reissues them.
func TestKubeletClient_isFourDaysAndSelfRenewing(t *testing.T) {
	if KubeletLifetime.Hours() != 96 {
		t.Errorf("KubeletLifetime = %v, want 96h (4 days)", KubeletLifetime)
	}
	if KubeletClient.Scope != ScopeKubelet || !KubeletClient.CertificateAutoRenew {
		t.Errorf("KubeletClient = %+v, want scope %q and auto-renewal", KubeletClient, ScopeKubelet)
	}
}

// The documented lifetimes: 90-day tokens and client certificates, a 365-day cloud agent CA
// [d:certificates-overview.md].
func TestLifetimes_areTheDocumentedOnes(t *testing.T) {
	if Lifetime.Hours() != 90*24 {
		t.Errorf("Lifetime = %v, want 2160h (90 days)", Lifetime)
	}
	if CALifetime.Hours() != 365*24 {
		t.Errorf("CALifetime = %v, want 8760h (365 days)", CALifetime)
	}
}

func TestLookupClient(t *testing.T) {
	catalog := []Client{{Name: "A", Scope: ScopeCloud}, {Name: "B", Scope: ScopeKubelet}}
	if c, ok := LookupClient(catalog, "B"); !ok || c.Scope != ScopeKubelet {
		t.Errorf("LookupClient(B) = %+v, %v; want the second client", c, ok)
	}
	if _, ok := LookupClient(catalog, "C"); ok {
		t.Error("LookupClient(C) found a client that is not there")
	}
}

func TestCatalogCredentialsOrder(t *testing.T) {
	// A workload cluster: KMS, CSI, CertManager, CloudProvider and the load balancer, each a
	// certificate then a token [d:certificates-update-after-sixty-days.md], then the
	// three Kubernetes certificates.
	got := CatalogCredentials(true)
	if len(got) != 2*5+3 {
		t.Fatalf("%d credentials, want 13", len(got))
	}
	if got[0].Client != "KMS" || got[0].Type != Certificate || got[1].Type != Token || got[10].Scope != ScopeKubelet {
		t.Errorf("order: %+v", got)
	}
	if m := CatalogCredentials(false); len(m) != 2*8 {
		t.Errorf("management: %d credentials, want 16 (8 clients)", len(m))
	}
}
