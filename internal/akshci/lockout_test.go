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
