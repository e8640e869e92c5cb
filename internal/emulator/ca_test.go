// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// pemCerts parses every certificate of a PEM bundle.
func pemCerts(t *testing.T, data []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// isKubernetes reports the Kubernetes certificates, signed by each cluster's own CA.
func isKubernetes(client string) bool {
	_, ok := akshci.LookupClient(akshci.KubernetesClients, client)
	return ok
}

// checkNoCertificateOutlivesItsCA verifies every MOC client certificate of a snapshot
// against the cloud agent CAs seen so far: it must be signed by one of them and end no
// later than that CA.
func checkNoCertificateOutlivesItsCA(t *testing.T, snap *Snapshot, seen map[string]*x509.Certificate, when string) int {
	t.Helper()
	for _, ca := range pemCerts(t, snap.CACertificatePEM) {
		seen[akshci.Fingerprint(ca.Raw)] = ca
	}
	checked := 0
	check := func(cluster string, mats []Material) {
		for _, m := range mats {
			if m.Type != akshci.Certificate || isKubernetes(m.Client) {
				continue
			}
			c := parsePEM(t, m.CertificatePEM)
			var issuer *x509.Certificate
			for _, ca := range seen {
				if c.CheckSignatureFrom(ca) == nil {
					issuer = ca
				}
			}
			if issuer == nil {
				t.Errorf("%s: %s/%s certificate is signed by no cloud agent CA", when, cluster, m.Client)
				continue
			}
			checked++
			if c.NotAfter.After(issuer.NotAfter) {
				t.Errorf("%s: %s/%s certificate ends %s, after its CA (%s)", when, cluster, m.Client,
					c.NotAfter.Format(time.RFC3339), issuer.NotAfter.Format(time.RFC3339))
			}
		}
	}
	check("management", snap.Management)
	for _, c := range snap.Clusters {
		check(c.Name, c.Credentials)
	}
	return checked
}

// TestNoCertificateOutlivesItsCA walks a deployment through 800 days in 5-day steps, with
// forced renewals every 30 days, restarts, a CA expiry and two rotations, and checks at
// every step that every client certificate is signed by a cloud agent CA and ends no
// later than it (the CA is valid 365 days, [d:certificates-overview.md]).
func TestNoCertificateOutlivesItsCA(t *testing.T) {
	f := newFixture(t, "demo")
	seen := map[string]*x509.Certificate{}
	total := 0
	for step := 1; step <= 160; step++ {
		f.advance(5 * day)
		d := step * 5
		switch {
		case d == 370 || d == 700: // rotations: one after the first CA expired, one inside the second's last 60 days
			f.must(f.e.RotateCACertificate(ctx))
			f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
			f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
		case d%30 == 0 && d < 365:
			f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
			f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}))
		case d%45 == 0:
			f.must(f.e.Restart(ctx, "demo"))
		}
		total += checkNoCertificateOutlivesItsCA(t, f.snapshot(), seen, "day "+time.Duration(d*24*int(time.Hour)).String())
	}
	if len(seen) != 3 || total < 160*10 {
		t.Errorf("walk saw %d CAs and checked %d certificates; want 3 CAs and at least %d certificates", len(seen), total, 160*10)
	}
}

// TestCertificatesIssuedNearCAExpiryAreCapped: a forced renewal 20 days before the CA
// expires issues 90-day certificates that end with the CA, not 70 days after it.
func TestCertificatesIssuedNearCAExpiryAreCapped(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(345 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	inv := f.inventory()
	caEnd := t0.Add(365 * day)
	if !inv.CAExpiresAt.Equal(caEnd) {
		t.Fatalf("CA expires %s, want %s", inv.CAExpiresAt, caEnd)
	}
	for _, c := range inv.Management {
		if c.Type == akshci.Certificate && !c.NotAfter.Equal(caEnd) {
			t.Errorf("%s ends %s, want the CA's expiry %s", c.Name(), c.NotAfter, caEnd)
		}
	}
}

// TestCAExpiredNothingRenewsUntilRotation: past day 365 every update fails with the
// documented remedy, a restart locks every MOC client out, and nothing renews while
// time passes; after Invoke-AksHciRotateCACertificate and the follow-up renewals every
// client certificate is signed by the new CA.
func TestCAExpiredNothingRenewsUntilRotation(t *testing.T) {
	f := newFixture(t, "demo")
	// Renewed 15 days before the CA expires: every token is valid until day 440, so what
	// fails from day 365 on fails because of the CA alone.
	f.advance(350 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}))
	f.advance(16 * day)
	var ce *CAExpiredError
	if err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}); !errors.As(err, &ce) {
		t.Fatalf("management update after CA expiry: %v, want *CAExpiredError", err)
	}
	if err := f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}); !errors.As(err, &ce) {
		t.Fatalf("cluster update after CA expiry: %v, want *CAExpiredError", err)
	}
	f.must(f.e.Restart(ctx, "demo"))
	before := f.modelInventory()
	locked := map[string]bool{}
	lockouts := f.modelLockouts()
	for _, l := range lockouts {
		locked[l.Cluster+"/"+l.Client] = true
	}
	for _, c := range akshci.ClusterClients {
		if !locked["demo/"+c.Name] {
			t.Errorf("demo/%s not locked out after a restart past the CA's expiry; lockouts %v", c.Name, lockouts)
		}
	}
	f.advance(30 * day)
	after := f.modelInventory()
	for i, c := range after.Management {
		if c.Type == akshci.Certificate && !c.NotAfter.Equal(before.Management[i].NotAfter) {
			t.Errorf("%s renewed after the CA expired: %s -> %s", c.Name(), before.Management[i].NotAfter, c.NotAfter)
		}
	}

	f.must(f.e.RotateCACertificate(ctx))
	inv := f.modelInventory()
	if len(inv.CAs) != 1 || !inv.CAExpiresAt.Equal(inv.Now.Add(akshci.CALifetime)) {
		t.Fatalf("after rotating an expired CA: CAs %+v, CA expiry %s (now %s); want only the new CA, valid 365 days",
			inv.CAs, inv.CAExpiresAt, inv.Now)
	}
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}))
	f.must(f.e.Restart(ctx, "demo"))
	inv = f.inventory()
	for _, cl := range [][]akshci.Credential{inv.Management, creds(t, inv, "demo")} {
		for _, c := range cl {
			if c.Type != akshci.Certificate || c.Scope == akshci.ScopeKubelet || c.Scope == akshci.ScopeInformational {
				continue
			}
			if c.IssuerFingerprint != inv.CAs[0].Fingerprint || inv.Unusable(c) || !c.NotAfter.After(inv.Now) {
				t.Errorf("%s after the follow-up renewals: issuer %q (new CA %q), ends %s", c.Name(), c.IssuerFingerprint,
					inv.CAs[0].Fingerprint, c.NotAfter)
			}
		}
	}
	if len(inv.Lockouts) != 0 {
		t.Errorf("lockouts after rotation and follow-ups: %v", lockoutKinds(inv))
	}
}

// TestRotationBeforeExpiryOverlaps: rotated 40 days before expiry, both CAs are reported
// and the old certificates stay usable until the old CA expires (the derived overlap);
// after that the old CA is no longer reported and what it signed is unusable.
func TestRotationBeforeExpiryOverlaps(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(300 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
	f.advance(25 * day)
	f.must(f.e.RotateCACertificate(ctx))
	inv := f.modelInventory()
	if len(inv.CAs) != 2 || !inv.CAExpiresAt.Equal(t0.Add(325*day).Add(akshci.CALifetime)) {
		t.Fatalf("CAs %+v, CA expiry %s", inv.CAs, inv.CAExpiresAt)
	}
	kms := cred(t, inv, "demo", "KMS", akshci.Certificate)
	if kms.IssuerFingerprint != inv.CAs[1].Fingerprint || inv.Unusable(kms) || !kms.NotAfter.After(inv.Now) {
		t.Errorf("KMS during the overlap: issuer %q, unusable %v; want the old CA, usable", kms.IssuerFingerprint, inv.Unusable(kms))
	}
	if got := inv.EffectiveExpiry(kms); !got.Equal(t0.Add(365 * day)) {
		t.Errorf("KMS effective expiry %s, want the old CA's %s", got, t0.Add(365*day))
	}
	f.advance(45 * day)
	inv = f.modelInventory()
	kms = cred(t, inv, "demo", "KMS", akshci.Certificate)
	if len(inv.CAs) != 1 || !inv.Unusable(kms) {
		t.Errorf("after the old CA expired: CAs %+v, KMS unusable %v; want only the new CA and KMS unusable", inv.CAs, inv.Unusable(kms))
	}
}

// TestUpdatesAfterRotationMoveClientsToTheNewCAWhenNothingIsDue: ten days after
// deployment nothing is due (a 90-day credential is due with less than two thirds of its
// lifetime left [d:certificates-update-after-sixty-days.md]), so an unforced
// Update-AksHciCertificates changes nothing; after Invoke-AksHciRotateCACertificate the
// same unforced follow-up renewals rotate every client the replaced CA signed
// [ps:invoke-akshcirotatecacertificate], management and workload cluster alike.
func TestUpdatesAfterRotationMoveClientsToTheNewCAWhenNothingIsDue(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(10 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	wantNotAfter(t, f.modelInventory(), "", "CSI", akshci.Certificate, 90*day) // nothing due: unchanged

	f.must(f.e.RotateCACertificate(ctx))
	inv := f.modelInventory()
	if len(inv.CAs) != 2 {
		t.Fatalf("CAs after rotation %+v, want the new and the replaced one", inv.CAs)
	}
	oldCA, newCA := inv.CAs[1].Fingerprint, inv.CAs[0].Fingerprint
	clients := []struct{ cluster, client string }{{"", "CSI"}, {"", "CloudOperator"}, {"demo", "KMS"}, {"demo", "CSI"}}
	for _, c := range clients {
		if got := cred(t, inv, c.cluster, c.client, akshci.Certificate).IssuerFingerprint; got != oldCA {
			t.Fatalf("%q %s before the follow-ups: issuer %q, want the replaced CA %q", c.cluster, c.client, got, oldCA)
		}
	}

	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}))
	inv = f.modelInventory()
	for _, c := range clients {
		if got := cred(t, inv, c.cluster, c.client, akshci.Certificate).IssuerFingerprint; got != newCA {
			t.Errorf("%q %s after the unforced follow-ups: issuer %q, want the new CA %q", c.cluster, c.client, got, newCA)
		}
		wantNotAfter(t, inv, c.cluster, c.client, akshci.Certificate, 100*day) // renewed at day 10 for 90 days
	}
}
