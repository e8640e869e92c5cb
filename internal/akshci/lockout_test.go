// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"strings"
	"testing"
)

func TestBlockingSelectsTheLockoutsThatBreakEachCmdlet(t *testing.T) {
	kvaToken := KVATokenLockout()
	kms := ManagementKMSLockout("mgmt")
	node := NodeAgentLockout()
	lb := ClientLockout("demo", "LoadBalancer", "VIP unreachable", "-patchLoadBalancer", "[d:update-certificates.md]")
	inv := &Inventory{Lockouts: []Lockout{kvaToken, node, lb}}

	// kvactl's token: Update-AksHciCertificates is the fix [#169], so it is not blocked;
	// every cluster cmdlet is.
	if got := inv.Blocking(""); len(got) != 1 || got[0].Kind != LockoutNodeAgent {
		t.Errorf("management: %v", got)
	}
	if got := inv.Blocking("demo"); len(got) != 1 || got[0].Kind != LockoutKVAToken {
		t.Errorf("demo: %v", got)
	}
	if l, ok := inv.ClusterListBlocked(); !ok || l.Kind != LockoutKVAToken {
		t.Errorf("cluster list: %v %v", ok, l)
	}
	// A cluster's own lockouts are repaired by its own update, so they block nothing;
	// a cluster's lockouts include what blocks the cluster list.
	if got := inv.LockoutsOf("demo"); len(got) != 2 {
		t.Errorf("lockouts of demo: %v", got)
	}
	inv.Lockouts = []Lockout{kms}
	if got := inv.Blocking(""); len(got) != 1 || !got[0].Manual {
		t.Errorf("KMS: %v", got)
	}
	msg := (&LockoutError{Operation: "Update-AksHciCertificates", Lockout: kms}).Error()
	for _, want := range []string{"failed to repair cluster certificates", `"KMSPlugin-mgmt-moc-kms-plugin"`, "/opt/wssd/k8s/cloudlogin.yaml", "[#127]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

func TestNameAloneIsTheKubeletScope(t *testing.T) {
	alone := ClusterOptions{Force: true}
	if !alone.NameOnly() || !alone.InScope(Credential{Scope: ScopeKubelet}) || alone.InScope(Credential{Scope: ScopeCloud}) ||
		alone.InScope(Credential{Scope: ScopeLoadBalancer}) {
		t.Errorf("-name alone: %+v", alone)
	}
	if (ClusterOptions{FixCloudCredentials: true}).InScope(Credential{Scope: ScopeKubelet}) {
		t.Error("-fixCloudCredentials covers the kubelet scope")
	}
}

// A lockout's diagnostic names whose client is locked out: the management cluster's when
// Cluster is empty, the workload cluster's otherwise.
func TestLockoutErrorNamesTheClusterWhoseClientIsLockedOut(t *testing.T) {
	mgmt := ClientLockout("", "CloudOperator", "login failed.", "run Update-AksHciCertificates.", "[#1]").Error()
	if want := "the management cluster's CloudOperator is locked out: login failed. Recovery: run Update-AksHciCertificates. (sources: [#1])"; mgmt != want {
		t.Errorf("management lockout:\n got %q\nwant %q", mgmt, want)
	}
	wl := ClientLockout("demo", "LoadBalancer", "VIP unreachable.", "run -patchLoadBalancer.", "[#2]").Error()
	if want := `workload cluster "demo"'s LoadBalancer is locked out: VIP unreachable. Recovery: run -patchLoadBalancer. (sources: [#2])`; wl != want {
		t.Errorf("workload lockout:\n got %q\nwant %q", wl, want)
	}
}

// The management cluster's lockouts are its own only: a cluster's lockout that blocks the
// cluster list belongs to every workload cluster, not to the management cluster.
func TestLockoutsOfTheManagementClusterLeaveOutClusterListBlocks(t *testing.T) {
	listBlock := Lockout{Kind: LockoutClient, Cluster: "other", Client: "KVA", BlocksClusterList: true}
	own := ClientLockout("", "KMS", "s", "r", "[#3]")
	inv := &Inventory{Lockouts: []Lockout{listBlock, own}}
	if got := inv.LockoutsOf(""); len(got) != 1 || got[0].Client != "KMS" {
		t.Errorf("management lockouts: %+v, want only the KMS one", got)
	}
	if got := inv.LockoutsOf("demo"); len(got) != 1 || got[0].Cluster != "other" {
		t.Errorf("lockouts of demo: %+v, want the cluster-list block", got)
	}
}
