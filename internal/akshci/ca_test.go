// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"testing"
	"time"
)

func TestCAStatusAndUnusableCredentials(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	oldCA := CA{Fingerprint: "aa", NotBefore: t0, NotAfter: t0.Add(365 * day)}
	newCA := CA{Fingerprint: "bb", NotBefore: t0.Add(330 * day), NotAfter: t0.Add(695 * day)}
	cert := func(issuer string, end time.Duration) Credential {
		return Credential{Client: "KMS", Type: Certificate, Scope: ScopeCloud, NotAfter: t0.Add(end), IssuerFingerprint: issuer}
	}
	for _, tc := range []struct {
		name         string
		now          time.Duration
		cas          []CA
		caEnd        time.Duration
		c            Credential
		window       time.Duration
		wantState    CAState
		wantUnusable bool
		wantEnd      time.Duration
	}{
		{"valid CA, outside its window", 200 * day, []CA{oldCA}, 365 * day, cert("aa", 290*day), 60 * day, CAValid, false, 290 * day},
		{"inside the CA's 60-day window", 310 * day, []CA{oldCA}, 365 * day, cert("aa", 400*day), 60 * day, CAExpiring, false, 365 * day},
		{"CA expired: its certificates are unusable", 366 * day, []CA{oldCA}, 365 * day, cert("aa", 400*day), 60 * day, CAExpired, true, 365 * day},
		{"no issuer reported: judged by the CA expiry", 366 * day, nil, 365 * day, cert("", 400*day), 60 * day, CAExpired, true, 365 * day},
		{"overlap: the old CA still trusted", 340 * day, []CA{newCA, oldCA}, 695 * day, cert("aa", 400*day), 60 * day, CAValid, false, 365 * day},
		{"old CA no longer reported: untrusted", 370 * day, []CA{newCA}, 695 * day, cert("aa", 400*day), 60 * day, CAValid, true, 370 * day},
		{"signed by the new CA", 370 * day, []CA{newCA}, 695 * day, cert("bb", 460*day), 60 * day, CAValid, false, 460 * day},
		{"unknown CA expiry", 370 * day, nil, 0, cert("", 460*day), 60 * day, CAUnknown, false, 460 * day},
		// A host that names a certificate's issuer but reports no list of CAs says nothing
		// about trust: the issuer is not "no longer reported", the current CA decides.
		{"issuer named, no CA list: judged by the CA expiry", 200 * day, nil, 365 * day, cert("aa", 400*day), 60 * day, CAValid, false, 365 * day},
	} {
		inv := &Inventory{Now: t0.Add(tc.now), CAs: tc.cas}
		if tc.caEnd != 0 {
			inv.CAExpiresAt = t0.Add(tc.caEnd)
		}
		if got := inv.CAStatus(tc.window); got != tc.wantState {
			t.Errorf("%s: CAStatus = %d, want %d", tc.name, got, tc.wantState)
		}
		if got := inv.Unusable(tc.c); got != tc.wantUnusable {
			t.Errorf("%s: Unusable = %v, want %v", tc.name, got, tc.wantUnusable)
		}
		if got := inv.EffectiveExpiry(tc.c); !got.Equal(t0.Add(tc.wantEnd)) {
			t.Errorf("%s: EffectiveExpiry = %s, want %s", tc.name, got, t0.Add(tc.wantEnd))
		}
	}
	kube := Credential{Client: "Kubelet", Type: Certificate, Scope: ScopeKubelet, NotAfter: t0.Add(400 * day)}
	inv := &Inventory{Now: t0.Add(366 * day), CAExpiresAt: t0.Add(365 * day)}
	if inv.Unusable(kube) || !inv.EffectiveExpiry(kube).Equal(kube.NotAfter) {
		t.Error("a Kubernetes certificate (own 10-year CA) is judged by the cloud agent CA")
	}
	// The latest NotAfter wins wherever it stands in the list (research A1).
	for _, cas := range [][]CA{{oldCA, newCA}, {newCA, oldCA}} {
		if c, ok := CurrentCA(cas); !ok || c.Fingerprint != "bb" {
			t.Errorf("CurrentCA(%v) = %+v, want the one with the latest expiry", cas, c)
		}
	}
	if c, ok := CurrentCA(nil); ok || c.Fingerprint != "" {
		t.Errorf("CurrentCA(nil) = %+v, %v, want none", c, ok)
	}
	if CARenewBefore != 1440*time.Hour || Hours(CARenewBefore) != "1440h" {
		t.Errorf("CARenewBefore = %s, want 60 days", CARenewBefore)
	}
}

func TestBoundByCANeverClaimsARenewalThatCannotMoveTheExpiry(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	window := 30 * day
	inv := &Inventory{Now: t0.Add(340 * day), CAExpiresAt: t0.Add(365 * day)}
	moc := func(end time.Duration) Credential {
		return Credential{Client: "KMS", Type: Token, Scope: ScopeCloud, NotAfter: t0.Add(end)}
	}
	eval := func(creds ...Credential) Status {
		return inv.BoundByCA(creds, window, Evaluate(inv.Now, creds, window))
	}
	if eval(moc(365 * day)).Ready {
		t.Error("credentials that end with the CA are ready: renewing them cannot move their expiry")
	}
	if !eval(moc(365*day), moc(350*day)).Ready {
		t.Error("a credential that ends before the CA does not make the renewal ready")
	}
	kube := Credential{Client: "KubeletServer", Type: Certificate, Scope: ScopeKubelet, NotAfter: t0.Add(365 * day)}
	if !eval(kube).Ready {
		t.Error("a Kubernetes certificate (its own CA) that ends the day the cloud agent CA does is not ready")
	}
	st := Evaluate(inv.Now, []Credential{moc(365 * day)}, window)
	st.DueByAge = true
	if !inv.BoundByCA([]Credential{moc(365 * day)}, window, st).Ready {
		t.Error("renew_every no longer counts")
	}
}
