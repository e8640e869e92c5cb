// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	const day = 24 * time.Hour
	window := 30 * day
	tok := func(client string, left time.Duration) Credential {
		return Credential{Client: client, Type: Token, NotAfter: now.Add(left)}
	}
	autoCert := func(client string, left time.Duration) Credential {
		return Credential{Client: client, Type: Certificate, NotAfter: now.Add(left), AutoRenew: true}
	}
	unknown := Credential{Client: "KVA", Type: Token}

	tests := []struct {
		name  string
		creds []Credential
		want  Status
	}{
		{
			name:  "nothing in scope",
			creds: nil,
			want:  Status{},
		},
		{
			name:  "outside the window",
			creds: []Credential{tok("KMS", 45*day), tok("CSI", 60*day)},
			want:  Status{ExpiresAt: now.Add(45 * day), Credential: "KMS token"},
		},
		{
			name:  "one second before the window opens",
			creds: []Credential{tok("KMS", window+time.Second)},
			want:  Status{ExpiresAt: now.Add(window + time.Second), Credential: "KMS token"},
		},
		{
			name:  "exactly at the window",
			creds: []Credential{tok("KMS", window)},
			want:  Status{ExpiresAt: now.Add(window), Credential: "KMS token", Ready: true},
		},
		{
			name:  "already expired",
			creds: []Credential{tok("KMS", -time.Hour), tok("CSI", 80*day)},
			want:  Status{ExpiresAt: now.Add(-time.Hour), Credential: "KMS token", Ready: true},
		},
		{
			name:  "expiring exactly now",
			creds: []Credential{tok("KMS", 0)},
			want:  Status{ExpiresAt: now, Credential: "KMS token", Ready: true},
		},
		{
			name:  "unknown expiry is never invented",
			creds: []Credential{unknown, tok("KMS", 50*day)},
			want:  Status{ExpiresAt: now.Add(50 * day), Credential: "KMS token"},
		},
		{
			name:  "only unknown expiries",
			creds: []Credential{unknown},
			want:  Status{},
		},
		{
			name:  "a 4-day self-renewing certificate does not make every plan a renewal",
			creds: []Credential{autoCert("Kubelet", 2*day), tok("KMS", 70*day)},
			want:  Status{ExpiresAt: now.Add(70 * day), Credential: "KMS token"},
		},
		{
			name:  "only self-renewing credentials, all valid",
			creds: []Credential{autoCert("Kubelet", 2*day), autoCert("CSI", time.Hour)},
			want:  Status{},
		},
		{
			name:  "an expired self-renewing credential means its renewal failed",
			creds: []Credential{autoCert("Kubelet", -day), tok("KMS", 70*day)},
			want:  Status{ExpiresAt: now.Add(-day), Credential: "Kubelet certificate", Ready: true},
		},
		{
			name:  "ties pick the first name, so the plan never flaps",
			creds: []Credential{tok("KMS", 40*day), tok("CSI", 40*day), tok("CertManager", 40*day)},
			want:  Status{ExpiresAt: now.Add(40 * day), Credential: "CSI token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(now, tt.creds, window)
			if !got.ExpiresAt.Equal(tt.want.ExpiresAt) || got.Credential != tt.want.Credential || got.Ready != tt.want.Ready {
				t.Errorf("Evaluate() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidateWindow(t *testing.T) {
	for _, ok := range []time.Duration{time.Hour, 720 * time.Hour, Lifetime - time.Second} {
		if err := ValidateWindow(ok); err != nil {
			t.Errorf("ValidateWindow(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []time.Duration{0, -time.Hour, time.Nanosecond, 59 * time.Minute, Lifetime, 2200 * time.Hour} {
		err := ValidateWindow(bad)
		var we *WindowError
		if !errors.As(err, &we) {
			t.Errorf("ValidateWindow(%s) = %v, want a *WindowError", bad, err)
		}
	}
}

// TestValidateWindowForce: without force, the window must stay below the lifetime the
// cmdlet's no-force rule leaves: 60 of 90 days, "update within 60 days" (facts file).
func TestValidateWindowForce(t *testing.T) {
	sixtyDays := 60 * 24 * time.Hour
	for _, tc := range []struct {
		window time.Duration
		force  bool
		ok     bool
	}{
		{720 * time.Hour, false, true},
		{sixtyDays - time.Second, false, true},
		{sixtyDays, false, false},
		{1441 * time.Hour, false, false},
		{1441 * time.Hour, true, true},
		{Lifetime, true, false},
		{time.Nanosecond, true, false},
	} {
		err := ValidateWindowForce(tc.window, tc.force)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateWindowForce(%s, %t) = %v, want ok=%t", tc.window, tc.force, err, tc.ok)
		}
	}
}

func TestSortByExpiry(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	creds := []Credential{
		{Client: "KVA", Type: Token},
		{Client: "KMS", Type: Token, NotAfter: now.Add(2 * time.Hour)},
		{Client: "CSI", Type: Token, NotAfter: now.Add(time.Hour)},
		{Client: "CSI", Type: Certificate, NotAfter: now.Add(2 * time.Hour)},
	}
	SortByExpiry(creds)
	want := []string{"CSI token", "CSI certificate", "KMS token", "KVA token"}
	for i, c := range creds {
		if c.Name() != want[i] {
			t.Fatalf("order = %v, want %v", names(creds), want)
		}
	}
}

func TestClusterOptionsScope(t *testing.T) {
	creds := []Credential{
		{Client: "KMS", Type: Token, Scope: ScopeCloud},
		{Client: "LoadBalancer", Type: Token, Scope: ScopeLoadBalancer},
		{Client: "Kubelet", Type: Certificate, Scope: ScopeKubelet},
		// Renewed by no operation: never in a renewal's scope.
		{Client: "KubeconfigAdmin", Type: Certificate, Scope: ScopeInformational},
	}
	if creds[3].Renewable() || !creds[0].Renewable() {
		t.Error("Renewable() must be false only for informational credentials")
	}
	tests := []struct {
		opts ClusterOptions
		want []string
	}{
		{ClusterOptions{FixCloudCredentials: true}, []string{"KMS token"}},
		{ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}, []string{"KMS token", "LoadBalancer token"}},
		{ClusterOptions{PatchLoadBalancer: true}, nil},
		{ClusterOptions{FixKubeletCredentials: true}, []string{"Kubelet certificate"}},
		{ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, FixKubeletCredentials: true}, []string{"KMS token", "LoadBalancer token", "Kubelet certificate"}},
	}
	for _, tt := range tests {
		got := names(tt.opts.Scoped(creds))
		if len(got) != len(tt.want) {
			t.Errorf("%+v: scoped = %v, want %v", tt.opts, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%+v: scoped = %v, want %v", tt.opts, got, tt.want)
			}
		}
	}
}

func TestInventoryCluster(t *testing.T) {
	inv := &Inventory{Clusters: []Cluster{{Name: "web"}, {Name: "batch"}, {Name: "api"}}}
	inv.SortClusters()
	if _, ok := inv.Cluster("batch"); !ok {
		t.Fatal("batch not found")
	}
	// A name between two clusters, before the first and after the last.
	for _, missing := range []string{"nope", "aaa", "zzz"} {
		if _, ok := inv.Cluster(missing); ok {
			t.Fatalf("%s found", missing)
		}
	}
	if c, ok := inv.Cluster("web"); !ok || c.Name != "web" {
		t.Fatalf("the last cluster: %+v, %v", c, ok)
	}
	err := (&ClusterNotFoundError{Name: "nope", Existing: inv.ClusterNames()}).Error()
	if want := `workload cluster "nope" not found; existing clusters: "api", "batch", "web"`; err != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
}

// Two entries for the same credential with the same expiry (which only a broken host would report) keep the
// order they came in: sorting never makes output flap between runs.
func TestSortByExpiry_keepsTiesInTheirOrder(t *testing.T) {
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	creds := []Credential{
		{Client: "KMS", Type: Token, Scope: ScopeCloud, NotAfter: at},
		{Client: "KMS", Type: Token, Scope: ScopeLoadBalancer, NotAfter: at},
		{Client: "CSI", Type: Token, Scope: ScopeCloud, NotAfter: at},
		{Client: "KMS", Type: Token, Scope: ScopeKubelet},
	}
	SortByExpiry(creds)
	var got []string
	for _, c := range creds {
		got = append(got, c.Name()+"/"+string(c.Scope))
	}
	want := []string{"CSI token/cloud", "KMS token/cloud", "KMS token/load_balancer", "KMS token/kubelet"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("sorted = %v, want %v", got, want)
	}
}

func TestFakeClock(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFakeClock(start)
	c.Advance(90 * 24 * time.Hour)
	if got := c.Now(); !got.Equal(start.Add(90 * 24 * time.Hour)) {
		t.Fatalf("Now() = %s", got)
	}
}

func names(creds []Credential) []string {
	out := make([]string, len(creds))
	for i, c := range creds {
		out[i] = c.Name()
	}
	return out
}

func TestApplySchedule(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	const day = 24 * time.Hour
	every := 60 * day // the documented advice: renew within 60 days
	known := Status{ExpiresAt: now.Add(80 * day), Credential: "KMS token"}
	tests := []struct {
		name      string
		st        Status
		renewedAt time.Time
		every     time.Duration
		wantReady bool
		wantAge   bool
	}{
		{"unknown expiry, renewed 61 days ago: due by age", Status{}, now.Add(-61 * day), every, true, true},
		{"unknown expiry, renewed exactly 60 days ago: due by age", Status{}, now.Add(-60 * day), every, true, true},
		{"unknown expiry, renewed 59 days ago: not due", Status{}, now.Add(-59 * day), every, false, false},
		{"known far expiry does not stop the schedule", known, now.Add(-61 * day), every, true, true},
		{"no renew_every: the host decides", Status{}, now.Add(-400 * day), 0, false, false},
		{"never renewed by this resource (import): nothing to age", Status{}, time.Time{}, every, false, false},
		{"already due by expiry stays due, not by age", Status{Ready: true, ExpiresAt: now}, now.Add(-61 * day), every, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ApplySchedule(tt.st, now, tt.renewedAt, tt.every)
			if got.Ready != tt.wantReady || got.DueByAge != tt.wantAge {
				t.Errorf("ApplySchedule() = ready %v byAge %v, want %v %v", got.Ready, got.DueByAge, tt.wantReady, tt.wantAge)
			}
			if !got.ExpiresAt.Equal(tt.st.ExpiresAt) || got.Credential != tt.st.Credential {
				t.Errorf("ApplySchedule() changed the expiry: %+v", got)
			}
		})
	}
}

func TestValidateRenewEvery(t *testing.T) {
	for _, ok := range []time.Duration{time.Hour, 1440 * time.Hour, 2159 * time.Hour} {
		if err := ValidateRenewEvery(ok); err != nil {
			t.Errorf("ValidateRenewEvery(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []time.Duration{0, -time.Hour, 2160 * time.Hour, 9000 * time.Hour} {
		var we *WindowError
		if err := ValidateRenewEvery(bad); !errors.As(err, &we) {
			t.Errorf("ValidateRenewEvery(%s) = %v, want a *WindowError", bad, err)
		}
	}
}

func TestEvaluateRevokedIsDue(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	creds := []Credential{
		{Client: "KMS", Type: Token, NotAfter: now.Add(80 * 24 * time.Hour), Revoked: true},
		{Client: "CSI", Type: Token, NotAfter: now.Add(85 * 24 * time.Hour)},
	}
	st := Evaluate(now, creds, 30*24*time.Hour)
	if !st.Ready || len(st.Revoked) != 1 || st.Revoked[0] != "KMS token" {
		t.Fatalf("Evaluate() = %+v, want ready with KMS token revoked", st)
	}
}

func TestHoursAndDaysWriteTheConfigurationForm(t *testing.T) {
	// 30 days and 90 days, as the configuration and the docs write them.
	if got := Hours(30 * 24 * time.Hour); got != "720h" {
		t.Errorf("Hours(30 days) = %q, want 720h", got)
	}
	if got := Hours(90 * 24 * time.Hour); got != "2160h" {
		t.Errorf("Hours(90 days) = %q, want 2160h", got)
	}
	for d, want := range map[time.Duration]string{365 * 24 * time.Hour: "365 days", 24 * time.Hour: "1 day", 47 * time.Hour: "1 day", 0: "0 days"} {
		if got := Days(d); got != want {
			t.Errorf("Days(%s) = %q, want %q", d, got, want)
		}
	}
}

// Without force a schedule must outlast Lifetime - NoForceRotationLeft, the age at which
// the cmdlets start rotating; the emulator rotates at less than two thirds of the
// lifetime left, so exactly 30 days is one hour short.
func TestValidateRenewEveryForceNeedsTheCmdletsRotationAge(t *testing.T) {
	for _, tt := range []struct {
		every time.Duration
		force bool
		ok    bool
	}{
		{24 * time.Hour, false, false},
		{MinRenewEveryWithoutForce, false, false},
		{MinRenewEveryWithoutForce + time.Hour, false, true},
		{24 * time.Hour, true, true},
		{Lifetime, true, false},
	} {
		err := ValidateRenewEveryForce(tt.every, tt.force)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateRenewEveryForce(%s, force %v) = %v, want ok %v", tt.every, tt.force, err, tt.ok)
		}
		if err != nil && !tt.force && tt.every < Lifetime && !strings.Contains(err.Error(), "less than 60 days left") {
			t.Errorf("the refusal does not say why: %v", err)
		}
	}
}

func TestValidateCARenewEveryIsBoundByTheCAsLifetime(t *testing.T) {
	for every, ok := range map[time.Duration]bool{8000 * time.Hour: true, CALifetime - time.Hour: true, CALifetime: false, 0: false} {
		err := ValidateCARenewEvery(every)
		if (err == nil) != ok {
			t.Errorf("ValidateCARenewEvery(%s) = %v, want ok %v", every, err, ok)
		}
		if err != nil && every > 0 && !strings.Contains(err.Error(), "cloud agent CA's lifetime of 8760h") {
			t.Errorf("the refusal does not name the CA's lifetime: %v", err)
		}
	}
}

func TestCompareRenewal(t *testing.T) {
	at := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	c := func(client string, notAfter time.Time, issuer string) Credential {
		return Credential{Client: client, Type: Token, NotAfter: notAfter, IssuerFingerprint: issuer}
	}
	before := []Credential{c("KMS", at, "a"), c("CSI", at, "a"), c("KVA", time.Time{}, ""), c("CAPH", at, "a"), c("Gone", at, "")}
	after := []Credential{c("KMS", at.Add(time.Hour), "a"), c("CSI", at, "b"), c("KVA", at, ""), c("CAPH", at, "a"), c("New", at, "")}
	e := CompareRenewal(before, after)
	if strings.Join(e.Changed, ",") != "KMS token,CSI token,New token,Gone token" ||
		strings.Join(e.Unchanged, ",") != "CAPH token" || strings.Join(e.Unobserved, ",") != "KVA token" {
		t.Errorf("CompareRenewal = %+v", e)
	}
	// The CA's own fingerprint: a rotation that kept the dates still changed it.
	ca := Credential{Client: CAClient, Type: Certificate, NotAfter: at, Fingerprint: "old"}
	moved := ca
	moved.Fingerprint = "new"
	if e := CompareRenewal([]Credential{ca}, []Credential{moved}); len(e.Changed) != 1 {
		t.Errorf("a new CA with the same dates: %+v, want changed", e)
	}
}

func TestRotatesWithoutForce(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	inv := &Inventory{Now: now, CAs: []CA{{Fingerprint: "cur", NotAfter: now.Add(300 * 24 * time.Hour)}}}
	fresh := Credential{Client: "KMS", Type: Token, Scope: ScopeCloud, NotAfter: now.Add(NoForceRotationLeft), IssuerFingerprint: "cur"}
	for name, tt := range map[string]struct {
		change func(*Credential)
		want   bool
	}{
		"60 days left":             {func(*Credential) {}, false},
		"one hour less":            {func(c *Credential) { c.NotAfter = c.NotAfter.Add(-time.Hour) }, true},
		"unknown expiry":           {func(c *Credential) { c.NotAfter = time.Time{} }, true},
		"signed by an older CA":    {func(c *Credential) { c.IssuerFingerprint = "old" }, true},
		"revoked":                  {func(c *Credential) { c.Revoked = true }, true},
		"a Kubernetes certificate": {func(c *Credential) { c.Scope = ScopeKubelet }, true},
	} {
		c := fresh
		tt.change(&c)
		if got := inv.RotatesWithoutForce([]Credential{fresh, c}); got != tt.want {
			t.Errorf("%s: RotatesWithoutForce = %v, want %v", name, got, tt.want)
		}
	}
}
