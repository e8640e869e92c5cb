// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// kubeletAt is the kubelet certificate's NotAfter (from t0) for a cluster running since
// t0: renewed every 70% of 4 days.
func kubeletAt(elapsed time.Duration) time.Duration {
	step := akshci.KubeletLifetime * 7 / 10
	return elapsed - elapsed%step + akshci.KubeletLifetime
}

// certAt overrides checkMOC's expectation for one client's certificate.
type certAt struct {
	client string
	at     time.Duration
}

// checkMOC checks every MOC identity of a group: the certificates of auto-renewing
// clients, those of the others, and the tokens (offsets from t0), except for the
// certificates given in overrides.
func checkMOC(t *testing.T, inv *akshci.Inventory, cluster string, auto, manual, token time.Duration, overrides ...certAt) {
	t.Helper()
	for _, c := range catalogFor(cluster != "") {
		want := manual
		if c.CertificateAutoRenew {
			want = auto
		}
		for _, o := range overrides {
			if o.client == c.Name {
				want = o.at
			}
		}
		wantNotAfter(t, inv, cluster, c.Name, akshci.Certificate, want)
		wantNotAfter(t, inv, cluster, c.Name, akshci.Token, token)
	}
}

// checkStatus checks that every client of a group has the wanted status, by whether its
// certificate renews itself. kvactl, a command-line tool with a lifecycle of its own, is
// checked separately.
func checkStatus(t *testing.T, st map[string]string, cluster, auto, manual string) {
	t.Helper()
	prefix := "management/"
	if cluster != "" {
		prefix = "cluster/" + cluster + "/"
	}
	for _, c := range catalogFor(cluster != "") {
		if c.Name == kvaClient && cluster == "" {
			continue
		}
		want := manual
		if c.CertificateAutoRenew {
			want = auto
		}
		if got := st[prefix+c.Name]; !strings.HasPrefix(got, want) {
			t.Errorf("%s%s status %q, want %q", prefix, c.Name, got, want)
		}
	}
}

func TestNewDeployment(t *testing.T) {
	f := newFixture(t, "demo")
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	inv := f.inventory()
	if !inv.Now.Equal(t0) || !inv.CAExpiresAt.Equal(t0.Add(akshci.CALifetime)) {
		t.Errorf("Now %s CA %s", inv.Now, inv.CAExpiresAt)
	}
	if len(inv.Management) != 2*len(akshci.ManagementClients) {
		t.Errorf("%d management credentials", len(inv.Management))
	}
	if got := inv.ClusterNames(); len(got) != 1 || got[0] != "demo" {
		t.Fatalf("clusters %v", got)
	}
	if n := len(creds(t, inv, "demo")); n != 2*len(akshci.ClusterClients)+len(akshci.KubernetesClients) {
		t.Errorf("%d demo credentials", n)
	}
	checkMOC(t, inv, "", 90*day, 90*day, 90*day)
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 4*day)

	for _, cluster := range []string{"", "demo"} {
		for _, c := range creds(t, inv, cluster) {
			client, ok := akshci.LookupClient(catalogFor(cluster != ""), c.Client)
			if !ok {
				client, _ = akshci.LookupClient(akshci.KubernetesClients, c.Client)
			}
			if c.Scope != client.Scope {
				t.Errorf("%q %s scope %s, want %s", cluster, c.Name(), c.Scope, client.Scope)
			}
			wantAuto := c.Type == akshci.Certificate && client.CertificateAutoRenew
			if c.AutoRenew != wantAuto {
				t.Errorf("%q %s AutoRenew %v, want %v", cluster, c.Name(), c.AutoRenew, wantAuto)
			}
		}
	}
	if got := cred(t, inv, "demo", "LoadBalancer", akshci.Token).Scope; got != akshci.ScopeLoadBalancer {
		t.Errorf("LoadBalancer scope %s", got)
	}
	st := f.status()
	if len(st) != len(akshci.ManagementClients)+len(akshci.ClusterClients)+len(akshci.KubernetesClients) {
		t.Errorf("statuses: %v", st)
	}
	for k, v := range st {
		if v != statusOK {
			t.Errorf("%s: %q", k, v)
		}
	}
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotMatchesInventory parses every certificate PEM and compares it with what
// Inventory reports, after renewals and updates have mixed things up.
func TestSnapshotMatchesInventory(t *testing.T) {
	f := newFixture(t, "demo", "other")
	f.advance(70 * day)
	f.must(f.e.UpdateClusterCertificates(ctx, "other", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}))
	f.advance(30 * day)
	inv, snap := f.inventory(), f.snapshot()
	if !snap.Now.Equal(inv.Now) {
		t.Errorf("snapshot at %s, inventory at %s", snap.Now, inv.Now)
	}
	ca := parsePEM(t, snap.CACertificatePEM)
	if !ca.IsCA || !ca.NotAfter.Equal(inv.CAExpiresAt) {
		t.Errorf("CA %v %s", ca.IsCA, ca.NotAfter)
	}
	compare := func(cluster string, mats []Material, cs []akshci.Credential) {
		if len(mats) != len(cs) {
			t.Fatalf("%q: %d materials, %d credentials", cluster, len(mats), len(cs))
		}
		for i, m := range mats {
			c := cs[i]
			if m.Client != c.Client || m.Type != c.Type {
				t.Fatalf("%q #%d: %s %s vs %s", cluster, i, m.Client, m.Type, c.Name())
			}
			if m.Type == akshci.Token {
				if m.CertificatePEM != nil || !m.NotAfter.Equal(c.NotAfter) {
					t.Errorf("%q %s: token material %v", cluster, c.Name(), m)
				}
				continue
			}
			cert := parsePEM(t, m.CertificatePEM)
			if !cert.NotAfter.Equal(c.NotAfter) {
				t.Errorf("%q %s: certificate NotAfter %s, inventory %s", cluster, c.Name(), cert.NotAfter, c.NotAfter)
			}
			if _, kube := akshci.LookupClient(akshci.KubernetesClients, c.Client); !kube {
				if err := cert.CheckSignatureFrom(ca); err != nil {
					t.Errorf("%q %s: %v", cluster, c.Name(), err)
				}
			}
		}
	}
	compare("", snap.Management, inv.Management)
	for _, cm := range snap.Clusters {
		compare(cm.Name, cm.Credentials, creds(t, inv, cm.Name))
	}
	if len(snap.Clusters) != 2 {
		t.Errorf("%d clusters in snapshot", len(snap.Clusters))
	}
	// Renewed at day 63 with the same lifetime and NotBefore at the renewal moment.
	csi := certOf(t, snap, "demo", "CSI")
	if !csi.NotBefore.Equal(t0.Add(63*day)) || !csi.NotAfter.Equal(t0.Add(153*day)) {
		t.Errorf("CSI certificate %s..%s", csi.NotBefore, csi.NotAfter)
	}
}

func TestJump45Days(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(45 * day)
	inv := f.inventory()
	checkMOC(t, inv, "", 90*day, 90*day, 90*day)
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, kubeletAt(45*day))
	k := certOf(t, f.snapshot(), "demo", "Kubelet")
	if want := t0.Add(kubeletAt(45*day) - akshci.KubeletLifetime); !k.NotBefore.Equal(want) {
		t.Errorf("kubelet NotBefore %s, want the last rotation %s", k.NotBefore, want)
	}
	st := f.status()
	checkStatus(t, st, "", statusOK, statusOK)
	checkStatus(t, st, "demo", statusOK, statusOK)
}

func TestJump61Days(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(61 * day)
	inv := f.inventory()
	checkMOC(t, inv, "", 90*day, 90*day, 90*day)
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, kubeletAt(61*day))
	// 29 days left: due without force.
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	inv = f.inventory()
	checkMOC(t, inv, "", 151*day, 151*day, 151*day)
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)
}

func TestJump89Days(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(89 * day)
	inv := f.inventory()
	// Auto-renewing certificates renewed at day 63 for another 90 days; kvactl's
	// certificate renewed by this inventory's own kvactl call, past 70% of its life
	// ([moc] certrenew.go).
	checkMOC(t, inv, "", 153*day, 90*day, 90*day, certAt{"KVA", 179 * day})
	checkMOC(t, inv, "demo", 153*day, 90*day, 90*day)
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, kubeletAt(89*day))
	st := f.status()
	checkStatus(t, st, "", statusOK, statusOK)
	checkStatus(t, st, "demo", statusOK, statusOK)
}

// TestJump91DaysKeepsRunning: nothing updated for 91 days and nothing restarted. The
// clients without auto-renewal have expired credentials but keep running
// [d:certificates-overview.md]; kvactl, unused since day 0, must log in and its token
// has expired, so every kvactl-backed cmdlet fails [#169] while Update-AksHciCertificates,
// the documented fix, repairs it in one apply.
func TestJump91DaysKeepsRunning(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(91 * day)
	inv := f.inventory()
	checkMOC(t, inv, "", 153*day, 90*day, 90*day)
	if got := lockoutKinds(inv); !equalStrings(got, []string{"/KVA:kva-token"}) {
		t.Fatalf("lockouts %v, want kvactl's token lockout only", got)
	}
	if l, ok := inv.ClusterListBlocked(); !ok || len(inv.Clusters) != 0 || l.Manual || l.BlocksManagementUpdate {
		t.Errorf("cluster list: blocked %v by %+v, %d clusters", ok, l, len(inv.Clusters))
	}
	st := f.status()
	checkStatus(t, st, "", statusOK, statusExpiredRunning)
	checkStatus(t, st, "demo", statusOK, statusExpiredRunning)
	if got := st["management/KVA"]; !strings.Contains(got, "failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.") {
		t.Errorf("KVA status %q", got)
	}
	checkMOC(t, f.modelInventory(), "demo", 153*day, 90*day, 90*day)

	before := f.bytes()
	err := f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true})
	var le *akshci.LockoutError
	if !errors.As(err, &le) || le.Lockout.Kind != akshci.LockoutKVAToken ||
		!strings.Contains(err.Error(), "[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.]") {
		t.Fatalf("cluster update while kvactl is locked out: %v", err)
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("a refused update changed the state file")
	}

	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	inv = f.inventory()
	checkMOC(t, inv, "", 181*day, 181*day, 181*day)
	checkStatus(t, f.status(), "", statusOK, statusOK)
	if len(inv.Lockouts) != 0 || len(inv.Clusters) != 1 {
		t.Fatalf("after the update: lockouts %v, clusters %v", lockoutKinds(inv), inv.ClusterNames())
	}

	// Without -patchLoadBalancer the load balancer keeps its expired credentials.
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}))
	inv = f.inventory()
	for _, c := range []string{"KMS", "CSI", "CertManager", "CloudProvider"} {
		wantNotAfter(t, inv, "demo", c, akshci.Certificate, 181*day)
		wantNotAfter(t, inv, "demo", c, akshci.Token, 181*day)
	}
	wantNotAfter(t, inv, "demo", "LoadBalancer", akshci.Token, 90*day)
	st = f.status()
	if st["cluster/demo/LoadBalancer"] != statusExpiredRunning || st["cluster/demo/KMS"] != statusOK {
		t.Errorf("statuses %v", st)
	}
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
	checkStatus(t, f.status(), "demo", statusOK, statusOK)
	wantNotAfter(t, f.inventory(), "demo", "LoadBalancer", akshci.Certificate, 181*day)
}

// TestJump91DaysThenRestartLocksOut replaces the test that recovered from day 91 with
// one update: a restart of the management cluster after its KMS plugin lost its
// certificate and token takes the API server down, Update-AksHciCertificates then fails
// with "failed to repair cluster certificates", and only the documented manual steps
// bring it back [#127], [d-old:known-issues.md]; the node agent is stuck in Starting
// until Repair-Moc [d-old:known-issues-upgrade.md].
func TestJump91DaysThenRestartLocksOut(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(91 * day)
	f.must(f.e.Restart(ctx, Management))
	inv := f.inventory()
	want := []string{"/KVA:kva-token", "/NodeAgent:node-agent", "/KMS:management-kms", "/CSI:client", "/CertManager:client", "/CAPH:client"}
	if got := lockoutKinds(inv); !equalStrings(got, want) {
		t.Fatalf("lockouts %v, want %v", got, want)
	}
	st := f.status()
	for client, want := range map[string]string{"KMS": statusLockedOut, "CSI": statusLockedOut, "CAPH": statusLockedOut,
		"CertManager": statusLockedOut, "NodeAgent": statusStarting, "CloudOperator": statusOK, "CloudProvider": statusOK} {
		if got := st["management/"+client]; got != want {
			t.Errorf("%s status %q, want %q", client, got, want)
		}
	}

	before := f.bytes()
	err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
	var le *akshci.LockoutError
	if !errors.As(err, &le) || !le.Lockout.Manual || !strings.Contains(err.Error(), "failed to repair cluster certificates") ||
		!strings.Contains(err.Error(), "mocctl.exe security identity rotate --name \"KMSPlugin-management-moc-kms-plugin\"") ||
		!strings.Contains(err.Error(), "/opt/wssd/k8s/cloudlogin.yaml") {
		t.Fatalf("update during the KMS lockout: %v", err)
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("a refused update changed the state file")
	}

	f.must(f.e.RecoverKMSPlugin(ctx, Management))
	if st := f.status(); st["management/KMS"] != statusOK {
		t.Errorf("KMS after the manual recovery: %q", st["management/KMS"])
	}
	err = f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
	if !errors.As(err, &le) || le.Lockout.Kind != akshci.LockoutNodeAgent || !strings.Contains(err.Error(), "Repair-Moc") {
		t.Fatalf("update with the node agent stuck in Starting: %v", err)
	}
	f.must(f.e.RepairMoc(ctx))
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	inv = f.inventory()
	if len(inv.Lockouts) != 0 {
		t.Errorf("lockouts after recovery: %v", lockoutKinds(inv))
	}
	checkStatus(t, f.status(), "", statusOK, statusOK)

	// A workload cluster restarted with expired tokens: its clients are locked out, and
	// -fixCloudCredentials -patchLoadBalancer repairs them [#237], [d:update-certificates.md].
	f.must(f.e.Restart(ctx, "demo"))
	inv = f.inventory()
	want = []string{"demo/KMS:client", "demo/CSI:client", "demo/CertManager:client", "demo/LoadBalancer:client"}
	if got := lockoutKinds(inv); !equalStrings(got, want) {
		t.Fatalf("lockouts %v, want %v", got, want)
	}
	if got := inv.Blocking("demo"); len(got) != 0 {
		t.Errorf("the cluster's own lockouts block its update: %v", got)
	}
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
	checkStatus(t, f.status(), "demo", statusOK, statusOK)
}

func TestJump400DaysCAExpired(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(400 * day)
	if got := lockoutKinds(f.inventory()); !equalStrings(got, []string{"/KVA:kva-token"}) {
		t.Errorf("lockouts %v", got)
	}
	inv := f.modelInventory() // kvactl is locked out: read the clusters from the model
	if !inv.CAExpiresAt.Before(inv.Now) {
		t.Fatalf("CA expires %s, now %s", inv.CAExpiresAt, inv.Now)
	}
	// Renewed at 63, 126, 189, 252 and 315; the day-315 certificate ends with the CA at day
	// 365 (no certificate outlives its CA), and nothing renews after that.
	checkMOC(t, inv, "", 365*day, 90*day, 90*day)
	checkMOC(t, inv, "demo", 365*day, 90*day, 90*day)
	csi := certOf(t, f.snapshot(), "", "CSI")
	if !csi.NotBefore.Equal(t0.Add(315 * day)) {
		t.Errorf("CSI NotBefore %s", csi.NotBefore)
	}
	// The Kubernetes CA is separate (10 years): kubelet certificates keep rotating.
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, kubeletAt(400*day))
	st := f.status()
	checkStatus(t, st, "", "cannot reach the cloud agent", "cannot reach the cloud agent")

	before := f.bytes()
	caExpiry := t0.Add(akshci.CALifetime).Format(time.RFC3339)
	for name, err := range map[string]error{
		"management": f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}),
		"cluster":    f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, Force: true}),
		"add":        f.e.AddCluster(ctx, "new"),
	} {
		var caErr *CAExpiredError
		if !errors.As(err, &caErr) {
			t.Errorf("%s: error %v, want *CAExpiredError", name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "Invoke-AksHciRotateCACertificate") || !strings.Contains(msg, caExpiry) {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("a failed update changed the state file")
	}
	if inv2 := f.modelInventory(); !sameCredentials(inv, inv2) {
		t.Error("inventory changed after failed updates")
	}
}

func sameCredentials(a, b *akshci.Inventory) bool {
	eq := func(x, y []akshci.Credential) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			// Two fixtures have two different CAs: compare what the issuer is, not its key.
			xi, yi := x[i], y[i]
			xi.IssuerFingerprint, yi.IssuerFingerprint = issuerRole(a, xi), issuerRole(b, yi)
			if xi != yi {
				return false
			}
		}
		return true
	}
	if !a.CAExpiresAt.Equal(b.CAExpiresAt) || !eq(a.Management, b.Management) || len(a.Clusters) != len(b.Clusters) {
		return false
	}
	for i := range a.Clusters {
		if a.Clusters[i].Name != b.Clusters[i].Name || !eq(a.Clusters[i].Credentials, b.Clusters[i].Credentials) {
			return false
		}
	}
	return true
}

// TestReplayInSteps: one jump of 400 days gives exactly what 40 steps of 10 days give.
func TestReplayInSteps(t *testing.T) {
	jump := newFixture(t, "demo")
	jump.advance(400 * day)
	steps := newFixture(t, "demo")
	for range 40 {
		steps.advance(10 * day)
		steps.inventory()
	}
	a, b := jump.inventory(), steps.inventory()
	if !a.Now.Equal(b.Now) || !sameCredentials(a, b) {
		t.Errorf("jump and steps differ:\n%+v\n%+v", a, b)
	}
}

func TestUpdateForceRule(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(10 * day)
	// The first updates persist the replay up to now (the kubelet renewal at day 8.4)
	// and rotate nothing; the same updates must then change nothing at all.
	// The kubelet certificate is left out: renewed at day 8.4, it has 2.4 of its 4 days
	// left and so is due (TestClusterOptions covers it).
	noForce := func() {
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
	}
	noForce()
	inv, secrets := f.inventory(), mustSecrets(t, f.e)
	before := f.bytes()
	noForce()
	if !sameCredentials(inv, f.inventory()) || !equalStrings(secrets, mustSecrets(t, f.e)) || !bytes.Equal(before, f.bytes()) {
		t.Error("an update without force rotated credentials that were not due")
	}

	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	inv = f.inventory()
	checkMOC(t, inv, "", 100*day, 100*day, 100*day)
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)
	after := mustSecrets(t, f.e)
	if n := len(diff(secrets, after)); n != 2*len(akshci.ManagementClients) {
		t.Errorf("force replaced %d secrets, want %d (management tokens and keys)", n, 2*len(akshci.ManagementClients))
	}

	// The threshold: a credential is due with less than 60 of its 90 days left.
	g := newFixture(t)
	g.advance(30 * day)
	g.must(g.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	checkMOC(t, g.inventory(), "", 90*day, 90*day, 90*day)
	g.advance(time.Second)
	g.must(g.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	d := 30*day + time.Second + akshci.Lifetime
	checkMOC(t, g.inventory(), "", d, d, d)
}

func mustSecrets(t *testing.T, e *Emulator) []string {
	t.Helper()
	s, err := e.Secrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }

// diff returns the entries of a missing from b.
func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func TestClusterOptions(t *testing.T) {
	f := newFixture(t, "demo")
	for _, tc := range []struct {
		opts akshci.ClusterOptions
		want []string
	}{
		{akshci.ClusterOptions{PatchLoadBalancer: true}, []string{"-fixCloudCredentials"}},
		{akshci.ClusterOptions{PatchLoadBalancer: true, FixKubeletCredentials: true}, []string{"-patchLoadBalancer", "-fixCloudCredentials"}},
	} {
		err := f.e.UpdateClusterCertificates(ctx, "demo", tc.opts)
		if err == nil {
			t.Errorf("%+v: no error", tc.opts)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q does not name %s", tc.opts, err, w)
			}
		}
	}

	// Kubelet only, not due yet at day 1 (3 of 4 days left), due at day 1.5.
	f.advance(day)
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
	wantNotAfter(t, f.inventory(), "demo", "Kubelet", akshci.Certificate, 4*day)
	f.advance(day / 2)
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
	inv := f.inventory()
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 36*time.Hour+4*day)
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)

	// Cloud without the load balancer.
	f.advance(day / 2) // day 2
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
	inv = f.inventory()
	for _, c := range akshci.ClusterClients {
		want := 92 * day
		if c.Scope == akshci.ScopeLoadBalancer {
			want = 90 * day
		}
		wantNotAfter(t, inv, "demo", c.Name, akshci.Certificate, want)
		wantNotAfter(t, inv, "demo", c.Name, akshci.Token, want)
	}
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 36*time.Hour+4*day)

	// Everything, kubelet included.
	f.advance(day) // day 3
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: true, Force: true}))
	inv = f.inventory()
	checkMOC(t, inv, "demo", 93*day, 93*day, 93*day)
	wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 7*day)
	checkMOC(t, inv, "", 90*day, 90*day, 90*day)
}

func TestMissingCluster(t *testing.T) {
	f := newFixture(t, "demo", "other")
	ops := map[string]func() error{
		"update": func() error {
			return f.e.UpdateClusterCertificates(ctx, "nope", akshci.ClusterOptions{FixCloudCredentials: true})
		},
		"poweroff": func() error { return f.e.PowerOff(ctx, "nope") },
		"poweron":  func() error { return f.e.PowerOn(ctx, "nope") },
		"delete":   func() error { return f.e.DeleteCluster(ctx, "nope") },
	}
	for name, op := range ops {
		err := op()
		var nf *akshci.ClusterNotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("%s: %v, want *akshci.ClusterNotFoundError", name, err)
			continue
		}
		if nf.Name != "nope" || !equalStrings(nf.Existing, []string{"demo", "other"}) {
			t.Errorf("%s: %+v", name, nf)
		}
		if msg := err.Error(); !strings.Contains(msg, `"nope"`) || !strings.Contains(msg, `"demo", "other"`) {
			t.Errorf("%s: %q", name, msg)
		}
	}
}

func TestPowerOff5Days(t *testing.T) {
	f := newFixture(t, "demo", "other")
	f.advance(day)
	f.must(f.e.PowerOff(ctx, "demo"))
	f.must(f.e.PowerOff(ctx, "demo")) // idempotent
	f.advance(5 * day)

	inv := f.inventory()
	if k := cred(t, inv, "demo", "Kubelet", akshci.Certificate); !k.Expired(inv.Now) || !k.NotAfter.Equal(t0.Add(4*day)) {
		t.Errorf("kubelet of a cluster off for 5 days: %s", k.NotAfter)
	}
	if k := cred(t, inv, "other", "Kubelet", akshci.Certificate); k.Expired(inv.Now) {
		t.Errorf("kubelet of a running cluster expired")
	}
	checkMOC(t, inv, "demo", 90*day, 90*day, 90*day)
	st := f.status()
	checkStatus(t, st, "demo", "stopped", "stopped")
	if !strings.HasPrefix(st["cluster/demo/Kubelet"], "stopped") {
		t.Errorf("kubelet %q", st["cluster/demo/Kubelet"])
	}

	err := f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true, Force: true})
	var off *PoweredOffError
	if !errors.As(err, &off) || !strings.HasPrefix(err.Error(), `workload cluster "demo" is powered off`) {
		t.Fatalf("update while off: %v", err)
	}

	f.must(f.e.PowerOn(ctx, "demo"))
	f.must(f.e.PowerOn(ctx, "demo")) // idempotent
	f.advance(3 * day)
	st = f.status()
	checkStatus(t, st, "demo", statusOK, statusOK)
	if got := st["cluster/demo/Kubelet"]; !strings.HasPrefix(got, "expired: x509: certificate has expired or is not yet valid") {
		t.Errorf("kubelet after power-on %q", got)
	}
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
	wantNotAfter(t, f.inventory(), "demo", "Kubelet", akshci.Certificate, 13*day)
	if got := f.status()["cluster/demo/Kubelet"]; got != statusOK {
		t.Errorf("kubelet after fix %q", got)
	}
}

func TestNoRenewalWhileOff(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(60 * day)
	f.must(f.e.PowerOff(ctx, "demo"))
	f.advance(10 * day)
	inv := f.inventory()
	wantNotAfter(t, inv, "demo", "CSI", akshci.Certificate, 90*day)            // due at 63, not renewed while off
	wantNotAfter(t, inv, "", "CSI", akshci.Certificate, 153*day)               // the management cluster runs
	f.must(f.e.PowerOn(ctx, "demo"))                                           // day 70
	wantNotAfter(t, f.inventory(), "demo", "CSI", akshci.Certificate, 160*day) // renewed at power-on
}

func TestPowerOff31Days(t *testing.T) {
	f := newFixture(t, "demo", "edge")
	f.advance(day)
	f.must(f.e.PowerOff(ctx, "demo"))
	f.must(f.e.PowerOff(ctx, "edge"))
	f.advance(30 * day) // both off exactly 30 days: not impacted
	checkMOC(t, f.inventory(), "edge", 90*day, 90*day, 90*day)
	f.must(f.e.PowerOn(ctx, "edge"))
	f.advance(time.Second) // demo off for more than 30 days
	inv := f.inventory()
	checkMOC(t, inv, "demo", 31*day, 31*day, 31*day)
	// CSI keeps its certificate on an emptyDir: it logged in again at power-on.
	checkMOC(t, inv, "edge", 90*day, 90*day, 90*day, certAt{"CSI", 121 * day})
	checkMOC(t, inv, "", 90*day, 90*day, 90*day)
	kms := certOf(t, f.snapshot(), "demo", "KMS")
	if !kms.NotAfter.Equal(t0.Add(31*day)) || !kms.NotBefore.Equal(t0) {
		t.Errorf("invalidated KMS certificate %s..%s", kms.NotBefore, kms.NotAfter)
	}
	f.advance(day)
	f.must(f.e.PowerOn(ctx, "demo"))
	st := f.status()
	checkStatus(t, st, "demo", statusLockedOut, statusLockedOut)
	checkStatus(t, st, "edge", statusOK, statusOK)
	checkStatus(t, st, "", statusOK, statusOK)
	if !strings.HasPrefix(st["cluster/demo/Kubelet"], "expired") {
		t.Errorf("kubelet %q", st["cluster/demo/Kubelet"])
	}
	// The documented order, without force: everything in scope is expired, so due.
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
	st = f.status()
	checkStatus(t, st, "demo", statusOK, statusOK)
	if st["cluster/demo/Kubelet"] != statusOK {
		t.Errorf("kubelet %q", st["cluster/demo/Kubelet"])
	}
	now := 32*day + time.Second
	checkMOC(t, f.inventory(), "demo", now+90*day, now+90*day, now+90*day)
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
}

// TestAdvanceCert exercises the replay rules directly, including the re-login that only
// happens when a token outlives its certificate.
func TestAdvanceCert(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, tc := range []struct {
		name          string
		nb, na        time.Duration
		auto          bool
		token         time.Duration
		start, now    time.Duration
		issuer        time.Duration
		wantNB, wantN time.Duration
		changed       bool
	}{
		{"re-login with a valid token", 0, 10 * day, false, 50 * day, 0, 20 * day, 365 * day, 10 * day, 100 * day, true},
		{"re-login at start when already expired", 0, 10 * day, false, 50 * day, 15 * day, 20 * day, 365 * day, 15 * day, 105 * day, true},
		{"locked out", 0, 10 * day, false, 10 * day, 0, 20 * day, 365 * day, 0, 10 * day, false},
		{"no login once the CA expired", 0, 10 * day, false, 50 * day, 0, 20 * day, 5 * day, 0, 10 * day, false},
		{"auto-renew three times", 0, 90 * day, true, 90 * day, 0, 200 * day, 365 * day, 189 * day, 279 * day, true},
		// The day-315 renewal is capped at the CA's expiry (day 365), and then nothing renews:
		// no renewal could end later than the CA.
		{"auto-renew stops at CA expiry", 0, 90 * day, true, 90 * day, 0, 500 * day, 365 * day, 315 * day, 365 * day, true},
		{"no re-login after the CA expired either", 0, 90 * day, true, 600 * day, 0, 500 * day, 365 * day, 315 * day, 365 * day, true},
		{"overdue renewal at start", 0, 90 * day, true, 0, 70 * day, 70 * day, 365 * day, 70 * day, 160 * day, true},
		{"expired certificate never renews", 0, 90 * day, true, 0, 95 * day, 100 * day, 365 * day, 0, 90 * day, false},
		{"not yet due", 0, 90 * day, true, 0, 0, 62 * day, 365 * day, 0, 90 * day, false},
	} {
		c := certState{notBefore: at(tc.nb), notAfter: at(tc.na)}
		tok := time.Time{} // kubelet certificates have no token
		if tc.token != 0 {
			tok = at(tc.token)
		}
		changed := advanceCert(&c, tc.auto, tok, at(tc.start), at(tc.now), at(tc.issuer), at(tc.issuer))
		if changed != tc.changed || !c.notBefore.Equal(at(tc.wantNB)) || !c.notAfter.Equal(at(tc.wantN)) {
			t.Errorf("%s: changed %v, %s..%s (t0+%.0fd..t0+%.0fd)", tc.name, changed, c.notBefore, c.notAfter,
				c.notBefore.Sub(t0).Hours()/24, c.notAfter.Sub(t0).Hours()/24)
		}
	}
}

// TestCertValidity checks the DER shortcut against crypto/x509, across the UTCTime /
// GeneralizedTime boundary of 2050.
func TestCertValidity(t *testing.T) {
	ca, keyPEM, err := newCA("ca", nil, t0, 100*365*day)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(ca)
	key, _ := parseKey(keyPEM)
	is := &issuer{cert: caCert, key: key}
	for _, tc := range []struct{ nb, na time.Time }{
		{t0, t0.Add(90 * day)},
		{time.Date(2049, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2050, 3, 1, 12, 30, 45, 0, time.UTC)},
		{time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2051, 1, 5, 0, 0, 1, 0, time.UTC)},
	} {
		der, _, err := is.issue(certSpec{commonName: "x", notBefore: tc.nb, notAfter: tc.na})
		if err != nil {
			t.Fatal(err)
		}
		nb, na, err := certValidity(der)
		c, _ := x509.ParseCertificate(der)
		if err != nil || !nb.Equal(c.NotBefore) || !na.Equal(c.NotAfter) || !na.Equal(tc.na) {
			t.Errorf("%v: %s..%s, x509 says %s..%s", err, nb, na, c.NotBefore, c.NotAfter)
		}
	}
	for _, bad := range [][]byte{nil, {0x30, 0x03, 0x02, 0x01, 0x01}, append(bytes.Clone(ca), 0)} {
		if _, _, err := certValidity(bad); err == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

// issuerRole names which of an inventory's CAs signed c: "current", "other" or "".
func issuerRole(inv *akshci.Inventory, c akshci.Credential) string {
	switch {
	case c.IssuerFingerprint == "":
		return ""
	case len(inv.CAs) > 0 && c.IssuerFingerprint == inv.CAs[0].Fingerprint:
		return "current"
	}
	return "other"
}

// A cluster update that finds kvactl's certificate due renews it on the way (kvactl runs
// the update) and still updates the cluster.
func TestClusterUpdateRenewsKvactlOnTheWay(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(64 * day) // past 70 % of kvactl's 90-day certificate
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
	inv := f.inventory()
	wantNotAfter(t, inv, "demo", "KMS", akshci.Token, 154*day)
	wantNotAfter(t, inv, "", "KVA", akshci.Certificate, 154*day)
}

// TestCAPHLockoutShowsItsOwnLogAndOnlyCAPHDoes: a management CAPH locked out after a
// restart with an expired token logs "failed to create scope: ... Valid Token
// Required." then "failed to create wssd session: login failed", and Update-AksHci hangs
// at "ControlPlane machines are still upgrading..." [#107]; the other locked-out
// management clients show the plain "Valid Token Required." error instead.
func TestCAPHLockoutShowsItsOwnLogAndOnlyCAPHDoes(t *testing.T) {
	f := newFixture(t)
	f.advance(91 * day) // every 90-day token has expired
	f.must(f.e.Restart(ctx, Management))
	const (
		validToken = "rpc error: code = Unauthenticated desc = Valid Token Required."
		caphLog    = "failed to create wssd session: login failed"
		caphHang   = "ControlPlane machines are still upgrading..."
	)
	seen := map[string]bool{}
	for _, l := range f.modelLockouts() {
		if l.Kind != akshci.LockoutClient {
			continue
		}
		seen[l.Client] = true
		isCAPH := l.Client == "CAPH"
		if !strings.Contains(l.Symptom, validToken) ||
			strings.Contains(l.Symptom, caphLog) != isCAPH || strings.Contains(l.Symptom, caphHang) != isCAPH {
			t.Errorf("%s lockout symptom %q; want %q, and the CAPH log and hang only for CAPH", l.Client, l.Symptom, validToken)
		}
	}
	if !seen["CAPH"] || !seen["CSI"] {
		t.Fatalf("client lockouts %v, want CAPH and CSI among them", seen)
	}
}

// TestCredentialEndingNowIsDueEvenWithZeroLifetime: a credential whose NotAfter is now has
// expired (the emulator's convention: valid only while NotAfter is after now), and an
// expired credential is due for rotation [d:certificates-update-after-sixty-days.md],
// however short its lifetime was; a damaged record can hold NotBefore == NotAfter.
func TestCredentialEndingNowIsDueEvenWithZeroLifetime(t *testing.T) {
	now := t0.Add(10 * day)
	if !dueForRotation(now, now, now) {
		t.Error("a zero-lifetime credential ending now is not due")
	}
	if !dueForRotation(now, now.Add(-90*day), now) {
		t.Error("a 90-day credential ending now is not due")
	}
}
