// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package powershell_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

func TestMain(m *testing.M) {
	code := m.Run()
	sshtest.CleanupStandIn()
	os.Exit(code)
}

// deployment is an emulated deployment behind the stand-in.
type deployment struct {
	dir   string
	state string
	log   string
}

func newDeployment(t *testing.T, dir string) *deployment {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return &deployment{dir: dir, state: filepath.Join(dir, "akshybrid-emulator.db"), log: filepath.Join(dir, "standin.log")}
}

// wrapper writes the executable the powershell package runs: a shell script that execs
// the stand-in with this deployment's settings. Its directory name has spaces, like
// C:\Program Files.
func (d *deployment) wrapper(t *testing.T, name string, flags ...string) string {
	t.Helper()
	args := append([]string{"-state", d.state, "-clusters", "demo,web", "-log", d.log}, flags...)
	return sshtest.StandInWrapper(t, filepath.Join(d.dir, "Windows PowerShell"), name, args...)
}

func (d *deployment) emulator(t *testing.T, offset time.Duration) *emulator.Emulator {
	t.Helper()
	e, err := emulator.New(emulator.Config{StatePath: d.state, TimeOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sameInventory compares what the powershell host read with the emulator's own view.
func sameInventory(t *testing.T, got, want *akshci.Inventory) {
	t.Helper()
	if d := got.Now.Sub(want.Now); d < -time.Minute || d > time.Minute {
		t.Errorf("Now %s, emulator %s", got.Now, want.Now)
	}
	if !got.CAExpiresAt.Equal(want.CAExpiresAt.Truncate(time.Second)) {
		t.Errorf("CAExpiresAt %s, emulator %s", got.CAExpiresAt, want.CAExpiresAt)
	}
	// A real host shows only some credentials (research §1); each one it shows must
	// carry the emulator's expiry. known lists the ones the stand-in's sources reach.
	compare := func(where string, g, w []akshci.Credential, known ...string) {
		byName := map[string]akshci.Credential{}
		for _, c := range w {
			byName[c.Name()] = c
		}
		for _, gc := range g {
			wc, ok := byName[gc.Name()]
			if !gc.Known() {
				if gc.UnknownReason == "" {
					t.Errorf("%s: %s unknown without a reason", where, gc.Name())
				}
				continue
			}
			if !ok || !gc.NotAfter.Equal(wc.NotAfter.Truncate(time.Second)) || gc.Scope != wc.Scope || gc.AutoRenew != wc.AutoRenew {
				t.Errorf("%s: %s = %+v, emulator %+v", where, gc.Name(), gc, wc)
			}
		}
		for _, k := range known {
			found := false
			for _, gc := range g {
				found = found || (gc.Name() == k && gc.Known())
			}
			if !found {
				t.Errorf("%s: %s not known", where, k)
			}
		}
	}
	compare("management", got.Management, want.Management, "KVA certificate", "CAPH token")
	if fmt.Sprint(got.ClusterNames()) != fmt.Sprint(want.ClusterNames()) {
		t.Fatalf("clusters %v, emulator %v", got.ClusterNames(), want.ClusterNames())
	}
	for _, wc := range want.Clusters {
		gc, _ := got.Cluster(wc.Name)
		compare("cluster "+wc.Name, gc.Credentials, wc.Credentials, "KMS token", "CSI token", "Kubelet certificate")
	}
}

func credential(t *testing.T, inv *akshci.Inventory, cluster, name string) akshci.Credential {
	t.Helper()
	creds := inv.Management
	if cluster != "" {
		c, ok := inv.Cluster(cluster)
		if !ok {
			t.Fatalf("no cluster %q", cluster)
		}
		creds = c.Credentials
	}
	for _, c := range creds {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("no credential %q in %q", name, cluster)
	return akshci.Credential{}
}

// roundTrip exercises a Host whose runner reaches the stand-in, locally or over SSH.
func roundTrip(t *testing.T, runner transport.Runner, d *deployment) {
	t.Helper()
	ctx := context.Background()
	h := powershell.New(runner, d.wrapper(t, "powershell.exe"))

	inv, err := h.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.emulator(t, 0).Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameInventory(t, inv, want)
	before := credential(t, inv, "demo", "KMS token")
	mgmtBefore := credential(t, inv, "", "CAPH token")

	// 30 days later (the emulated clock only moves forward), renew cluster demo.
	later := powershell.New(runner, d.wrapper(t, "powershell-30d.exe", "-time-offset", "720h"))
	if err := later.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixKubeletCredentials: true, FixCloudCredentials: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := later.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	inv, err = later.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err = d.emulator(t, 720*time.Hour).Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameInventory(t, inv, want)
	if after := credential(t, inv, "demo", "KMS token"); !after.NotAfter.After(before.NotAfter.Add(29 * 24 * time.Hour)) {
		t.Errorf("demo KMS token %s -> %s: not renewed", before.NotAfter, after.NotAfter)
	}
	if after := credential(t, inv, "", "CAPH token"); !after.NotAfter.After(mgmtBefore.NotAfter.Add(29 * 24 * time.Hour)) {
		t.Errorf("CAPH token %s -> %s: not renewed", mgmtBefore.NotAfter, after.NotAfter)
	}

	// A cluster the host does not have.
	err = later.UpdateClusterCertificates(ctx, "gone", akshci.ClusterOptions{FixCloudCredentials: true})
	var nf *akshci.ClusterNotFoundError
	if !errors.As(err, &nf) || fmt.Sprint(nf.Existing) != "[demo web]" {
		t.Fatalf("missing cluster: %#v", err)
	}

	// The stand-in saw every script arrive intact (it checks each one) and logged it.
	logged, err := os.ReadFile(d.log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logged), `"op":{"op":"update-cluster"`); n != 2 {
		t.Errorf("stand-in logged %d cluster updates, want 2:\n%s", n, logged)
	}
}

func TestLocalRoundTrip(t *testing.T) {
	roundTrip(t, transport.NewLocal(), newDeployment(t, ""))
}

func TestLocalExpiredCA(t *testing.T) {
	d := newDeployment(t, "")
	ctx := context.Background()
	if _, err := powershell.New(transport.NewLocal(), d.wrapper(t, "powershell.exe")).Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	h := powershell.New(transport.NewLocal(), d.wrapper(t, "powershell-400d.exe", "-time-offset", "9600h"))
	err := h.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
	var e *powershell.Error
	if !errors.As(err, &e) || e.ExitCode != 1 || !strings.Contains(err.Error(), "Invoke-AksHciRotateCACertificate") || !strings.Contains(e.Message, "cloud agent CA expired") {
		t.Fatalf("got %v", err)
	}
	// Unused for 400 days, kvactl must log in with its expired token: Get-AksHciCluster
	// fails with the documented text [#169]. The inventory still answers, with that
	// lockout and no cluster list, so the management renewal (its fix) can be planned.
	inv, err := h.Inventory(ctx)
	if err != nil {
		t.Fatalf("inventory with kvactl locked out: %v", err)
	}
	if l, blocked := inv.ClusterListBlocked(); !blocked || l.Kind != akshci.LockoutKVAToken || len(inv.Clusters) != 0 {
		t.Fatalf("lockouts %+v, clusters %v: want kvactl's token lockout and no cluster list", inv.Lockouts, inv.ClusterNames())
	}
	if len(inv.Blocking("")) != 0 {
		t.Errorf("management renewal blocked by %+v; Update-AksHciCertificates is the fix [#169]", inv.Blocking(""))
	}
	// The cluster cmdlet runs kvactl too and fails with the same text.
	err = h.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true})
	if !errors.As(err, &e) || !strings.Contains(e.Message, "failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.") ||
		!strings.Contains(err.Error(), "aksArc#169") {
		t.Fatalf("cluster update with kvactl locked out: %v", err)
	}
}

func TestLocalStandinContract(t *testing.T) {
	d := newDeployment(t, "")
	w := d.wrapper(t, "powershell.exe")
	for name, args := range map[string][]string{
		"no -NonInteractive": {"-NoProfile", "-EncodedCommand", powershell.EncodeCommand("# akshybrid-op: {\"op\":\"inventory\",\"nonce\":\"x\"}")},
		"not an op script":   {"-NoProfile", "-NonInteractive", "-EncodedCommand", powershell.EncodeCommand("Get-Date")},
		"no error handling":  {"-NoProfile", "-NonInteractive", "-EncodedCommand", powershell.EncodeCommand("# akshybrid-op: {\"op\":\"inventory\",\"nonce\":\"x\"}\nImport-Module AksHci")},
	} {
		_, stderr, err := transport.NewLocal().Run(context.Background(), w, args)
		var xerr *transport.ExitError
		if !errors.As(err, &xerr) || xerr.Code != 2 {
			t.Errorf("%s: got %v, stderr %s", name, err, stderr)
		}
	}
}
