// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// fact is one documented behaviour of AKS hybrid that concerns lifetimes, lockouts,
// restarts or the update cmdlets, with the source keys of shared/research/*.md. The
// behaviours the emulator deliberately does not model are listed, with the reason, in the
// package documentation ("Not modelled").
type fact struct {
	source string
	name   string
	check  func(t *testing.T)
}

// TestFacts runs one subtest per documented behaviour; `go test -run TestFacts -v` shows
// the coverage. Expected values are the documented ones, written here.
func TestFacts(t *testing.T) {
	for _, f := range facts {
		t.Run(f.source+" "+f.name, func(t *testing.T) {
			t.Parallel()
			f.check(t)
		})
	}
}

var facts = []fact{
	// Lifetimes.
	{"[d:certificates-overview.md]", "cloud agent CA is valid 365 days", func(t *testing.T) {
		f := newFixture(t)
		if got := f.inventory().CAExpiresAt; !got.Equal(t0.Add(365 * day)) {
			t.Errorf("CA expires %s", got)
		}
	}},
	{"[d:certificates-overview.md]", "MOC identity tokens default to 90 days", func(t *testing.T) {
		f := newFixture(t, "demo")
		inv := f.inventory()
		for _, cluster := range []string{"", "demo"} {
			for _, c := range creds(t, inv, cluster) {
				if c.Type == akshci.Token && !c.NotAfter.Equal(t0.Add(90*day)) {
					t.Errorf("%q %s expires %s", cluster, c.Name(), c.NotAfter)
				}
			}
		}
	}},
	{"[d:certificates-update-after-sixty-days.md]", "MOC client certificates are usually valid 90 days", func(t *testing.T) {
		f := newFixture(t, "demo")
		checkMOC(t, f.inventory(), "", 90*day, 90*day, 90*day)
		checkMOC(t, f.inventory(), "demo", 90*day, 90*day, 90*day)
	}},
	{"[d:secure-communication.md]", "Kubernetes non-root certificates live 4 days", func(t *testing.T) {
		f := newFixture(t, "demo")
		k := certOf(t, f.snapshot(), "demo", "Kubelet")
		if k.NotAfter.Sub(k.NotBefore) != 4*day {
			t.Errorf("control-plane certificate %s..%s", k.NotBefore, k.NotAfter)
		}
	}},
	{"[d:secure-communication.md]", "Kubernetes root CAs live 10 years and sign the Kubernetes certificates", func(t *testing.T) {
		f := newFixture(t, "demo")
		var der []byte
		f.must(f.e.view(ctx, func(s *session) error {
			g, err := s.cluster("demo")
			der = g.rec.KubeCACert
			return err
		}))
		ca := parsePEM(t, certPEM(der))
		if !ca.NotAfter.Equal(t0.Add(10*365*day)) || !ca.IsCA {
			t.Errorf("Kubernetes CA until %s", ca.NotAfter)
		}
		for _, client := range []string{"Kubelet", "KubeletServer", "KubeconfigAdmin"} {
			if err := certOf(t, f.snapshot(), "demo", client).CheckSignatureFrom(ca); err != nil {
				t.Errorf("%s: %v", client, err)
			}
		}
	}},
	{"[d:secure-communication.md]", "the control-plane certificates renew themselves at 70% while the cluster runs", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(3 * day) // renewed at 2.8 days
		k := certOf(t, f.snapshot(), "demo", "Kubelet")
		if want := t0.Add(day * 28 / 10); !k.NotBefore.Equal(want) || !k.NotAfter.Equal(want.Add(4*day)) {
			t.Errorf("control-plane certificate %s..%s", k.NotBefore, k.NotAfter)
		}
	}},
	{"[d:secure-communication.md]", "the kubelet server certificate and the kubeconfig client certificate are not managed", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(300 * day) // long past 70% of any lifetime, cluster running
		inv := f.modelInventory()
		// The kubelet server certificate is on the control-plane nodes (kubelet scope,
		// inferred); no cmdlet is documented to renew the admin kubeconfig's, so it is
		// informational (akshci.KubeconfigAdminClient).
		for client, scope := range map[string]akshci.Scope{"KubeletServer": akshci.ScopeKubelet, "KubeconfigAdmin": akshci.ScopeInformational} {
			c := cred(t, inv, "demo", client, akshci.Certificate)
			if c.AutoRenew || c.Scope != scope || !c.NotAfter.Equal(t0.Add(365*day)) {
				t.Errorf("%s: %+v", client, c)
			}
		}
	}},
	{"[#145] (observed)", "an admin kubeconfig client certificate was seen valid one year", func(t *testing.T) {
		f := newFixture(t, "demo")
		c := certOf(t, f.snapshot(), "demo", "KubeconfigAdmin")
		if c.NotAfter.Sub(c.NotBefore) != 365*day {
			t.Errorf("kubeconfig client certificate %s..%s", c.NotBefore, c.NotAfter)
		}
	}},
	{"[moc] certrenew.go", "a certificate is renewed once 30% of its life is left (day 63 of 90) with the same lifetime", func(t *testing.T) {
		f := newFixture(t)
		f.advance(62 * day)
		if c := certOf(t, f.snapshot(), "", "CAPH"); !c.NotAfter.Equal(t0.Add(90 * day)) {
			t.Errorf("day 62: CAPH until %s", c.NotAfter)
		}
		f.advance(day)
		if c := certOf(t, f.snapshot(), "", "CAPH"); !c.NotBefore.Equal(t0.Add(63*day)) || !c.NotAfter.Equal(t0.Add(153*day)) {
			t.Errorf("day 63: CAPH %s..%s", c.NotBefore, c.NotAfter)
		}
	}},
	{"[moc] pkg/certs", "an expired certificate is never renewed, only replaced by a login with a valid token", func(t *testing.T) {
		c := certState{notBefore: t0, notAfter: t0.Add(90 * day)}
		if advanceCert(&c, true, t0.Add(90*day), t0.Add(95*day), t0.Add(100*day), t0.Add(365*day), t0.Add(365*day)) {
			t.Errorf("renewed an expired certificate: %s..%s", c.notBefore, c.notAfter)
		}
		if !advanceCert(&c, true, t0.Add(200*day), t0.Add(95*day), t0.Add(100*day), t0.Add(365*day), t0.Add(365*day)) ||
			!c.notBefore.Equal(t0.Add(95*day)) {
			t.Errorf("no login with a valid token: %s..%s", c.notBefore, c.notAfter)
		}
	}},
	{"[#292]", "tokens never rotate by themselves", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(89 * day)
		for _, c := range f.inventory().Management {
			if c.Type == akshci.Token && !c.NotAfter.Equal(t0.Add(90*day)) {
				t.Errorf("%s until %s", c.Name(), c.NotAfter)
			}
		}
	}},
	{"[moc] certrenew.go, real-host-expiry.md §1 B", "kvactl renews its own certificate when run past 70% of its life", func(t *testing.T) {
		f := newFixture(t)
		f.advance(62 * day)
		wantNotAfter(t, f.inventory(), "", "KVA", akshci.Certificate, 90*day) // not yet due
		f.advance(2 * day)
		wantNotAfter(t, f.inventory(), "", "KVA", akshci.Certificate, 154*day) // renewed by this read
		if c := certOf(t, f.snapshot(), "", "KVA"); !c.NotBefore.Equal(t0.Add(64 * day)) {
			t.Errorf("snapshot shows the KVA certificate from %s", c.NotBefore)
		}
	}},
	{"[d:certificates-overview.md]", "the cloud agent CA is not auto-renewed: updates fail once it expired, naming Invoke-AksHciRotateCACertificate", func(t *testing.T) {
		f := newFixture(t)
		f.advance(366 * day)
		err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
		var ce *CAExpiredError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Invoke-AksHciRotateCACertificate") {
			t.Errorf("update after the CA expired: %v", err)
		}
	}},

	// Power and restarts.
	{"[d:update-certificates.md]", "shut down less than 30 days: MOC credentials not impacted", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.must(f.e.PowerOff(ctx, "demo"))
		f.advance(30 * day)
		f.must(f.e.PowerOn(ctx, "demo"))
		checkMOC(t, f.inventory(), "demo", 90*day, 90*day, 90*day, certAt{"CSI", 120 * day}) // CSI logs in at start
		checkStatus(t, f.status(), "demo", statusOK, statusOK)
	}},
	{"[d:update-certificates.md]", "shut down more than 30 days: MOC credentials impacted", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.must(f.e.PowerOff(ctx, "demo"))
		f.advance(31 * day)
		f.must(f.e.PowerOn(ctx, "demo"))
		checkStatus(t, f.status(), "demo", statusLockedOut, statusLockedOut)
	}},
	{"[d:update-certificates.md], [#233]", "shut down more than 4 days: Kubernetes certificates expired until -fixKubeletCredentials", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.must(f.e.PowerOff(ctx, "demo"))
		f.advance(5 * day)
		f.must(f.e.PowerOn(ctx, "demo"))
		if st := f.status()["cluster/demo/Kubelet"]; !strings.HasPrefix(st, "expired: x509: certificate has expired or is not yet valid: current time") {
			t.Errorf("kubelet %q", st)
		}
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
		wantNotAfter(t, f.inventory(), "demo", "Kubelet", akshci.Certificate, 9*day)
	}},
	{"[d-old:known-issues.md]", "AKS host off more than 4 days: Repair-AksHciClusterCerts -name alone repairs the control plane", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.must(f.e.PowerOff(ctx, "demo"))
		f.advance(5 * day)
		f.must(f.e.PowerOn(ctx, "demo"))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{}))
		if st := f.status()["cluster/demo/Kubelet"]; st != statusOK {
			t.Errorf("kubelet %q", st)
		}
	}},
	{"[d:update-certificates.md]", "the management cluster powered off more than 30 days comes back locked out", func(t *testing.T) {
		f := newFixture(t)
		f.powerOffManagementFor(31 * day)
		inv := f.inventory()
		if got := inv.Blocking(""); len(got) == 0 || got[0].Kind != akshci.LockoutNodeAgent && got[0].Kind != akshci.LockoutManagementKMS {
			t.Errorf("blocking lockouts %v", lockoutKinds(inv))
		}
	}},
	{"[d:update-certificates.md]", "while the management cluster is off nothing reaches it", func(t *testing.T) {
		f := newFixture(t)
		f.must(f.e.PowerOffManagement(ctx))
		f.advance(day)
		var off *PoweredOffError
		if _, err := f.e.Inventory(ctx); !errors.As(err, &off) {
			t.Errorf("inventory: %v", err)
		}
		if err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}); !errors.As(err, &off) ||
			!strings.HasPrefix(err.Error(), "the management cluster (AKS host) is powered off") {
			t.Errorf("update: %v", err)
		}
	}},
	{"[d:certificates-overview.md]", "a cluster not updated for 90 days keeps running", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(100 * day)
		st := f.status()
		checkStatus(t, st, "", statusOK, statusExpiredRunning)
		checkStatus(t, st, "demo", statusOK, statusExpiredRunning)
		if inv := f.modelInventory(); len(inv.Lockouts) != 0 {
			t.Errorf("lockouts while running: %v", lockoutKinds(inv))
		}
	}},
	{"[d:certificates-overview.md]", "a cluster not updated for 90 days does not work after a reboot", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(100 * day)
		f.must(f.e.Restart(ctx, "demo"))
		st := f.status()
		for client, want := range map[string]string{"KMS": statusLockedOut, "CertManager": statusLockedOut,
			"LoadBalancer": statusLockedOut, "CSI": statusLockedOut, "CloudProvider": statusOK} {
			if got := st["cluster/demo/"+client]; got != want {
				t.Errorf("%s %q, want %q", client, got, want)
			}
		}
	}},
	{"[caph] config/default, [#107]", "CAPH logs in with its token at every restart; with an expired token it is locked out", func(t *testing.T) {
		f := newFixture(t)
		f.advance(10 * day)
		f.must(f.e.Restart(ctx, Management))
		wantNotAfter(t, f.inventory(), "", "CAPH", akshci.Certificate, 100*day) // new login at day 10
		f.advance(81 * day)                                                     // token expired at day 90
		f.must(f.e.Restart(ctx, Management))
		if st := f.status()["management/CAPH"]; st != statusLockedOut {
			t.Errorf("CAPH %q", st)
		}
		f.must(f.e.RecoverKMSPlugin(ctx, Management))
		f.must(f.e.RepairMoc(ctx))
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		if st := f.status()["management/CAPH"]; st != statusOK {
			t.Errorf("CAPH after Update-AksHciCertificates %q", st)
		}
	}},
	{"[#186]", "CSI keeps its certificate on an emptyDir: a restart needs its token", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(91 * day)
		f.must(f.e.Restart(ctx, "demo"))
		if st := f.status()["cluster/demo/CSI"]; st != statusLockedOut {
			t.Errorf("CSI %q (its certificate renewed itself, its token expired)", st)
		}
	}},
	{"[d-old:known-issues-upgrade.md]", "a node agent restarted with an expired token is stuck in Starting until Repair-Moc", func(t *testing.T) {
		f := newFixture(t)
		f.advance(91 * day)
		f.must(f.e.Restart(ctx, Management))
		if st := f.status()["management/NodeAgent"]; st != statusStarting {
			t.Errorf("node agent %q", st)
		}
		l := f.inventory().Blocking("")
		if len(l) == 0 || !strings.Contains(akshci.JoinLockouts(l), "Start-ClusterGroup -Name (Get-MocConfig).clusterRoleName") {
			t.Errorf("lockouts %v", l)
		}
		f.must(f.e.RepairMoc(ctx))
		if st := f.status()["management/NodeAgent"]; st != statusOK {
			t.Errorf("node agent after Repair-Moc %q", st)
		}
	}},
	{"[#127]", "the management KMS plugin restarted without certificate and token takes the API server down", func(t *testing.T) {
		f := newFixture(t)
		f.advance(91 * day)
		f.must(f.e.Restart(ctx, Management))
		inv := f.inventory()
		if _, blocked := inv.ClusterListBlocked(); !blocked {
			t.Error("the cluster list still works with the management API server down")
		}
		err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
		if err == nil || !strings.Contains(err.Error(), "failed to repair cluster certificates") {
			t.Errorf("Update-AksHciCertificates: %v", err)
		}
	}},
	{"[d-old:known-issues.md]", "the manual KMS recovery (identity rotate, cloudlogin.yaml, restart the plugin) brings it back", func(t *testing.T) {
		f := newFixture(t)
		f.advance(91 * day)
		f.must(f.e.Restart(ctx, Management))
		f.must(f.e.RecoverKMSPlugin(ctx, Management))
		if st := f.status()["management/KMS"]; st != statusOK {
			t.Errorf("KMS %q", st)
		}
		wantNotAfter(t, f.inventory(), "", "KMS", akshci.Token, 181*day)
	}},
	{"[#237]", "a workload CertManager restarted with stale tokens breaks kubectl logs until -fixCloudCredentials", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(91 * day)
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{})) // kvactl's token
		f.must(f.e.Restart(ctx, "demo"))
		var cm akshci.Lockout
		for _, l := range f.inventory().Lockouts {
			if l.Client == "CertManager" {
				cm = l
			}
		}
		if !strings.Contains(cm.Symptom, "remote error: tls: internal error") || cm.Manual {
			t.Errorf("CertManager lockout %+v", cm)
		}
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}))
		if st := f.status()["cluster/demo/CertManager"]; st != statusOK {
			t.Errorf("CertManager %q", st)
		}
	}},
	{"community LB post, [d:update-certificates.md]", "without -patchLoadBalancer the load balancer stays stale and fails at restart", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(91 * day)
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}))
		f.must(f.e.Restart(ctx, "demo"))
		st := f.status()
		if st["cluster/demo/LoadBalancer"] != statusLockedOut || st["cluster/demo/KMS"] != statusOK {
			t.Errorf("statuses %v", st)
		}
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
		if st := f.status()["cluster/demo/LoadBalancer"]; st != statusOK {
			t.Errorf("load balancer %q", st)
		}
	}},

	// kvactl.
	{"[#169]", "kvactl with an expired token fails every kvactl-backed cmdlet; Update-AksHciCertificates repairs it", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(91 * day)
		const text = "[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.]"
		inv := f.inventory()
		l, blocked := inv.ClusterListBlocked()
		if !blocked || !strings.Contains(l.Failure, text) || l.Manual {
			t.Errorf("cluster list: %v %+v", blocked, l)
		}
		if err := f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}); err == nil || !strings.Contains(err.Error(), text) {
			t.Errorf("cluster update: %v", err)
		}
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		if _, blocked := f.inventory().ClusterListBlocked(); blocked {
			t.Error("still blocked after Update-AksHciCertificates")
		}
	}},
	{"[#146]", "kvactl with an expired certificate and a valid token fails until its access file is deleted", func(t *testing.T) {
		l, locked := kvaLockout(t0.Add(60*day), t0.Add(90*day), t0.Add(61*day))
		if !locked || !l.Manual || !l.BlocksManagementUpdate || !strings.Contains(l.Failure, "failed to create azurestackhci session: Certificate has expired: Expired") ||
			!strings.Contains(l.Remedy, `%UserProfile%\.wssd\kvactl\cloudconfig`) {
			t.Errorf("%v %+v", locked, l)
		}
		// Deleting the access file makes kvactl log in with its valid token.
		f := newFixture(t)
		f.advance(10 * day)
		f.must(f.e.DeleteKvactlAccessFile(ctx))
		wantNotAfter(t, f.inventory(), "", "KVA", akshci.Certificate, 100*day)
	}},

	// The update cmdlets.
	{"[ps:update-akshcicertificates]", "Update-AksHciCertificates rotates the token and certificate of all eight management clients", func(t *testing.T) {
		f := newFixture(t)
		f.advance(10 * day)
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
		inv := f.inventory()
		names := []string{"NodeAgent", "KVA", "KMS", "CloudOperator", "CSI", "CertManager", "CAPH", "CloudProvider"}
		for _, n := range names {
			wantNotAfter(t, inv, "", n, akshci.Certificate, 100*day)
			wantNotAfter(t, inv, "", n, akshci.Token, 100*day)
		}
		if len(inv.Management) != 2*len(names) {
			t.Errorf("%d management credentials", len(inv.Management))
		}
	}},
	{"[ps:update-akshciclustercertificates]", "-fixCloudCredentials rotates KMS, CSI, CertManager and CloudProvider, not the load balancer", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(10 * day)
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
		inv := f.inventory()
		for _, n := range []string{"KMS", "CSI", "CertManager", "CloudProvider"} {
			wantNotAfter(t, inv, "demo", n, akshci.Token, 100*day)
		}
		wantNotAfter(t, inv, "demo", "LoadBalancer", akshci.Token, 90*day)
	}},
	{"[d:update-certificates.md]", "-patchLoadBalancer -fixCloudCredentials also rotates the load balancer", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(10 * day)
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}))
		wantNotAfter(t, f.inventory(), "demo", "LoadBalancer", akshci.Certificate, 100*day)
	}},
	{"real-host-expiry.md §3", "-patchLoadBalancer only with -fixCloudCredentials", func(t *testing.T) {
		f := newFixture(t, "demo")
		err := f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true, PatchLoadBalancer: true})
		if err == nil || !strings.Contains(err.Error(), "-patchLoadBalancer") {
			t.Errorf("%v", err)
		}
	}},
	{"[ps:update-akshciclustercertificates], [#233]", "-fixKubeletCredentials reissues the control-plane certificates and the kubelet server certificate, not the kubeconfig client certificate", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(201 * day)                                                      // the control-plane set renewed at day 198.8 has 1.8 of its 4 days left: due
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{})) // kvactl's token [#169]
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
		inv := f.inventory()
		wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 205*day)
		wantNotAfter(t, inv, "demo", "KubeletServer", akshci.Certificate, 566*day)
		wantNotAfter(t, inv, "demo", "KubeconfigAdmin", akshci.Certificate, 365*day) // informational: issued with the cluster
		wantNotAfter(t, inv, "demo", "KMS", akshci.Token, 90*day)                    // not in scope
	}},
	{"[d:secure-communication.md]", "-name alone repairs the Kubernetes certificates (inferred scope)", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(day)
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{Force: true}))
		inv := f.inventory()
		wantNotAfter(t, inv, "demo", "Kubelet", akshci.Certificate, 5*day)
		wantNotAfter(t, inv, "demo", "KubeletServer", akshci.Certificate, 366*day)
		wantNotAfter(t, inv, "demo", "KubeconfigAdmin", akshci.Certificate, 365*day) // informational
		wantNotAfter(t, inv, "demo", "KMS", akshci.Token, 90*day)
	}},
	{"[ps:update-akshcicertificates]", "-force rotates even when nothing is near expiry; without it nothing that is not due", func(t *testing.T) {
		f := newFixture(t)
		f.advance(10 * day)
		// Reads persist nothing, so a first update moves the persisted clock; it must
		// rotate nothing, and the same update again must then not change a byte.
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		checkMOC(t, f.inventory(), "", 90*day, 90*day, 90*day)
		before := f.bytes()
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		if !bytes.Equal(before, f.bytes()) {
			t.Error("an update without -force rotated fresh credentials")
		}
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
		wantNotAfter(t, f.inventory(), "", "KMS", akshci.Token, 100*day)
	}},
	{"[d:certificates-overview.md]", "an update resets validity to the 90-day default", func(t *testing.T) {
		f := newFixture(t)
		f.advance(70 * day)
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		checkMOC(t, f.inventory(), "", 160*day, 160*day, 160*day)
	}},
	{"[d:update-certificates.md]", "after a long shutdown: Update-AksHciCertificates, then -fixKubeletCredentials, then -fixCloudCredentials", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.must(f.e.PowerOff(ctx, "demo"))
		f.powerOffManagementFor(40 * day)
		f.must(f.e.PowerOn(ctx, "demo"))
		f.must(f.e.RecoverKMSPlugin(ctx, Management))
		f.must(f.e.RepairMoc(ctx))
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
		st := f.status()
		checkStatus(t, st, "", statusOK, statusOK)
		checkStatus(t, st, "demo", statusOK, statusOK)
		if inv := f.inventory(); len(inv.Lockouts) != 0 {
			t.Errorf("lockouts %v", lockoutKinds(inv))
		}
	}},

	// Tokens.
	{"[caph] docs, [moc] auth_test.go", "login tokens are JWTs signed by the cloud agent whose exp is the token's expiry", func(t *testing.T) {
		f := newFixture(t, "demo")
		f.advance(5 * day)
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
		tok := f.token("demo", "KMS")
		pub, ok := parsePEM(t, f.snapshot().CACertificatePEM).PublicKey.(*ecdsa.PublicKey)
		if !ok {
			t.Fatal("the cloud agent CA key is not ECDSA")
		}
		exp := time.Unix(jwtClaims(t, tok, pub).Exp, 0)
		if want := t0.Add(95 * day); !exp.Equal(want) || !notAfter(t, f.inventory(), "demo", "KMS", akshci.Token).Equal(want) {
			t.Errorf("exp %s, want %s", exp, want)
		}
	}},
}

// powerOffManagementFor powers the management cluster off for d, then on again.
func (f *fixture) powerOffManagementFor(d time.Duration) {
	f.t.Helper()
	f.must(f.e.PowerOffManagement(ctx))
	f.advance(d)
	f.must(f.e.PowerOnManagement(ctx))
}

// token reads one identity's login token from the secrets record.
func (f *fixture) token(cluster, client string) string {
	f.t.Helper()
	var tok string
	f.must(f.e.view(ctx, func(s *session) error {
		g, err := s.group(cluster)
		if err != nil {
			return err
		}
		sec, err := s.readSecrets(g)
		tok = sec.Tokens[client]
		return err
	}))
	return tok
}

type jwtPayload struct {
	Exp  int64  `json:"exp"`
	Iat  int64  `json:"iat"`
	Jti  string `json:"jti"`
	Iss  string `json:"iss"`
	Name string `json:"name"`
}

// jwtClaims decodes a compact JWT independently of the emulator's encoder, checks its
// ES256 signature with pub and the standard claims, and returns the payload.
func jwtClaims(t *testing.T, tok string, pub *ecdsa.PublicKey) jwtPayload {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("base64url: %v", err)
		}
		return b
	}
	var header map[string]string
	if err := json.Unmarshal(dec(parts[0]), &header); err != nil || header["alg"] != "ES256" || header["typ"] != "JWT" {
		t.Fatalf("header %v %v", header, err)
	}
	sig := dec(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the token is not signed by the cloud agent CA")
	}
	var p jwtPayload
	if err := json.Unmarshal(dec(parts[1]), &p); err != nil {
		t.Fatal(err)
	}
	if p.Iat == 0 || p.Jti == "" || p.Iss == "" || p.Name == "" || p.Exp <= p.Iat {
		t.Errorf("claims %+v", p)
	}
	return p
}
