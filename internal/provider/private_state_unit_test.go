// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// fakePrivate is a resource's private state: what the framework keeps per resource
// instance between runs, never shown in plans or state.
type fakePrivate struct {
	keys   map[string][]byte
	getErr bool // GetKey fails
}

func (p *fakePrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	if p.getErr {
		var d diag.Diagnostics
		d.AddError("private state unreadable", "test")
		return nil, d
	}
	return p.keys[key], nil
}

func (p *fakePrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if p.keys == nil {
		p.keys = map[string][]byte{}
	}
	p.keys[key] = value
	return nil
}

var (
	privT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two cloud agent CAs after a rotation (issue 9 item 3): the old one, then the new
	// one, valid 365 days from the rotation [d:certificates-overview.md].
	oldCA = akshci.CA{Fingerprint: strings.Repeat("a", 64), NotBefore: privT0, NotAfter: privT0.AddDate(1, 0, 0)}
	newCA = akshci.CA{Fingerprint: strings.Repeat("b", 64), NotBefore: privT0.AddDate(0, 11, 0), NotAfter: privT0.AddDate(1, 11, 0)}
)

// rememberCA keeps the current CA (issue 9 item 4): the one with the latest expiry,
// wherever the host lists it, with that expiry; nothing without a CA or a private state.
func TestRememberCAKeepsTheCurrentCA(t *testing.T) {
	for _, cas := range [][]akshci.CA{{oldCA, newCA}, {newCA, oldCA}} {
		p := &fakePrivate{}
		if d := rememberCA(context.Background(), p, &akshci.Inventory{CAs: cas}); d.HasError() {
			t.Fatal(d)
		}
		var rec struct {
			Fingerprint string    `json:"fingerprint"`
			NotAfter    time.Time `json:"not_after"`
		}
		if err := json.Unmarshal(p.keys["cloud_agent_ca"], &rec); err != nil {
			t.Fatalf("%v: %s", err, p.keys["cloud_agent_ca"])
		}
		if rec.Fingerprint != newCA.Fingerprint || !rec.NotAfter.Equal(newCA.NotAfter) {
			t.Errorf("CAs %v: kept %+v, want the new CA", cas, rec)
		}
	}
	p := &fakePrivate{}
	if d := rememberCA(context.Background(), p, &akshci.Inventory{}); d != nil || len(p.keys) != 0 {
		t.Errorf("no CA reported: kept %v (%v)", p.keys, d)
	}
	if d := rememberCA(context.Background(), nil, &akshci.Inventory{CAs: []akshci.CA{newCA}}); d != nil {
		t.Errorf("no private state: %v", d)
	}
}

// checkCAChanged warns, naming both CAs, when the host's current CA is not the one the
// resource last saw; a state without a record (from before it was kept), an unreadable
// or empty record, the same CA, or a host that reports no CA are quiet.
func TestCheckCAChangedWarnsOnlyOnAnotherCA(t *testing.T) {
	stored := func(fp string, notAfter time.Time) *fakePrivate {
		data, err := json.Marshal(map[string]any{"fingerprint": fp, "not_after": notAfter})
		if err != nil {
			t.Fatal(err)
		}
		return &fakePrivate{keys: map[string][]byte{"cloud_agent_ca": data}}
	}
	rotated := &akshci.Inventory{CAs: []akshci.CA{oldCA, newCA}}
	for _, tt := range []struct {
		name string
		p    caPrivateGetter
		inv  *akshci.Inventory
		warn bool
	}{
		{"rotated outside", stored(oldCA.Fingerprint, oldCA.NotAfter), rotated, true},
		{"same CA", stored(newCA.Fingerprint, newCA.NotAfter), rotated, false},
		{"no record", &fakePrivate{}, rotated, false},
		{"empty fingerprint", stored("", oldCA.NotAfter), rotated, false},
		{"unreadable record", &fakePrivate{keys: map[string][]byte{"cloud_agent_ca": []byte("{")}}, rotated, false},
		{"host reports no CA", stored(oldCA.Fingerprint, oldCA.NotAfter), &akshci.Inventory{}, false},
		{"no private state", nil, rotated, false},
	} {
		var diags diag.Diagnostics
		checkCAChanged(context.Background(), tt.p, tt.inv, managementTarget{}, &diags)
		if diags.HasError() {
			t.Errorf("%s: error %v", tt.name, diags)
		}
		if got := diags.WarningsCount() == 1; got != tt.warn {
			t.Errorf("%s: warnings %v, want a warning: %v", tt.name, diags, tt.warn)
		}
		if !tt.warn {
			continue
		}
		w := diags[0]
		for _, want := range []string{"The cloud agent CA behind this resource changed"} {
			if w.Summary() != want {
				t.Errorf("%s: summary %q", tt.name, w.Summary())
			}
		}
		for _, want := range []string{"the management cluster last saw cloud agent CA SHA256:aaaaaaaaaaaaaaaa… (expiring 2027-01-01T00:00:00Z)",
			"the host now reports CA SHA256:bbbbbbbbbbbbbbbb… (expiring 2027-12-01T00:00:00Z)"} {
			if !strings.Contains(w.Detail(), want) {
				t.Errorf("%s: detail %q lacks %q", tt.name, w.Detail(), want)
			}
		}
	}
	var diags diag.Diagnostics
	checkCAChanged(context.Background(), &fakePrivate{getErr: true}, rotated, managementTarget{}, &diags)
	if !diags.HasError() {
		t.Error("an unreadable private state was not reported")
	}
}

// short abbreviates a SHA-256 fingerprint to 16 hex digits, as OpenSSH prints
// "SHA256:..." fingerprints; one of 16 digits or fewer is shown whole.
func TestShortFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		"0123456789abcdef":  "SHA256:0123456789abcdef",
		"0123456789abcdef0": "SHA256:0123456789abcdef…",
		"abc":               "SHA256:abc",
	} {
		if got := short(in); got != want {
			t.Errorf("short(%q) = %q, want %q", in, got, want)
		}
	}
}

// setDeployment and checkDeployment: a resource remembers the deployment it was
// applied to, and a refresh against another deployment fails naming both (an emulator
// file deleted or replaced must not silently become a new deployment: DESIGN.md);
// state from before the record existed is adopted.
func TestDeploymentRecordStopsARefreshOfAnotherDeployment(t *testing.T) {
	ctx := context.Background()
	p := &fakePrivate{}
	if d := setDeployment(ctx, p, &akshci.Inventory{DeploymentID: "emulator-one"}); d.HasError() {
		t.Fatal(d)
	}
	var rec struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(p.keys["deployment"], &rec); err != nil || rec.ID != "emulator-one" {
		t.Fatalf("kept %s (%v)", p.keys["deployment"], err)
	}
	for _, inv := range []*akshci.Inventory{nil, {}} {
		q := &fakePrivate{}
		if d := setDeployment(ctx, q, inv); d != nil || len(q.keys) != 0 {
			t.Errorf("inventory %+v: kept %v", inv, q.keys)
		}
	}
	if d := setDeployment(ctx, nil, &akshci.Inventory{DeploymentID: "x"}); d != nil {
		t.Errorf("no private state: %v", d)
	}

	ev := func(id string) evaluation { return evaluation{inv: &akshci.Inventory{DeploymentID: id}} }
	for _, tt := range []struct {
		name string
		p    privateState
		id   string
		ok   bool
	}{
		{"same deployment", p, "emulator-one", true},
		{"another deployment", p, "emulator-two", false},
		{"host without an identity", p, "", true},
		{"no record yet", &fakePrivate{}, "emulator-two", true},
		{"empty record", &fakePrivate{keys: map[string][]byte{"deployment": []byte(`{"id":""}`)}}, "emulator-two", true},
		{"unreadable record", &fakePrivate{keys: map[string][]byte{"deployment": []byte("{")}}, "emulator-two", true},
		{"no private state", nil, "emulator-two", true},
		{"private state unreadable", &fakePrivate{getErr: true}, "emulator-two", false},
	} {
		var diags diag.Diagnostics
		if got := checkDeployment(ctx, tt.p, ev(tt.id), &diags); got != tt.ok {
			t.Errorf("%s: checkDeployment = %v, want %v (%v)", tt.name, got, tt.ok, diags)
		}
		if tt.ok && diags.HasError() {
			t.Errorf("%s: %v", tt.name, diags)
		}
		if tt.name == "another deployment" {
			if len(diags) != 1 || diags[0].Summary() != "The AKS hybrid deployment has changed" ||
				!strings.Contains(diags[0].Detail(), "deployment emulator-one, but the host now reports deployment emulator-two") {
				t.Errorf("%s: %v", tt.name, diags)
			}
		}
	}
}
