// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package powershell

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// A module whose update cmdlets ask "Are you sure?" (real AksHci update cmdlets do;
// under -NonInteractive the question is an error) gets -Confirm:$false from the probe;
// a module whose cmdlets take no -Confirm gets none, since PowerShell refuses an unknown
// parameter. The stand-in plays both modules, and refuses a script that gets it wrong
// the way PowerShell would.
func TestStandInModuleThatPromptsGetsConfirmFalse(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	prompting := sshtest.StandInWrapper(t, filepath.Join(dir, "prompting"), "powershell.exe", "-state", state, "-clusters", "demo")
	noConfirm := sshtest.StandInWrapper(t, filepath.Join(dir, "no-confirm"), "powershell.exe", "-state", state, "-clusters", "demo", "-no-confirm-parameter")
	ctx := context.Background()
	local := transport.NewLocal()

	for _, tc := range []struct {
		name, exe    string
		wantConfirm  bool
		wantInScript string
	}{
		{"module that prompts", prompting, true, "Update-AksHciCertificates -Confirm:$false"},
		{"module without -Confirm", noConfirm, false, "Update-AksHciCertificates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(local, tc.exe)
			inv, err := h.Inventory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Cmdlets.Management.Confirm != tc.wantConfirm || inv.Cmdlets.Cluster.Confirm != tc.wantConfirm {
				t.Fatalf("probe: management confirm %v, cluster confirm %v; want %v", inv.Cmdlets.Management.Confirm, inv.Cmdlets.Cluster.Confirm, tc.wantConfirm)
			}
			if tc.wantConfirm && inv.Cmdlets.Management.ConfirmImpact != "High" {
				t.Errorf("ConfirmImpact %q, want High", inv.Cmdlets.Management.ConfirmImpact)
			}
			if err := h.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}); err != nil {
				t.Fatalf("management update: %v", err)
			}
			if err := h.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}); err != nil {
				t.Fatalf("cluster update: %v", err)
			}
			if err := h.RotateCACertificate(ctx); err != nil {
				t.Fatalf("CA rotation: %v", err)
			}
		})
	}

	// The same scripts the other way round fail as PowerShell fails them, with the
	// recognised text and its remedy.
	_, _, err := local.Run(ctx, prompting, Arguments(managementScript(akshci.ManagementOptions{}, false)))
	e := hostErr2(t, err)
	if !strings.Contains(e.Message, "NonInteractive mode") || !strings.Contains(strings.Join(e.Remedies, " "), "-Confirm:$false") {
		t.Errorf("a prompting module without -Confirm:$false: %v", e)
	}
	_, _, err = local.Run(ctx, noConfirm, Arguments(managementScript(akshci.ManagementOptions{}, true)))
	e = hostErr2(t, err)
	if !strings.Contains(e.Message, "A parameter cannot be found that matches parameter name 'Confirm'") ||
		!strings.Contains(strings.Join(e.Remedies, " "), "module") {
		t.Errorf("-Confirm:$false to a module without it: %v", e)
	}
}

// A module without -patchLoadBalancer: the probe says so, the renewal runs without it
// (the plan warned), and the stand-in refuses a script that passes it anyway.
func TestStandInModuleWithoutPatchLoadBalancerRunsTheCloudFixWithoutIt(t *testing.T) {
	dir := t.TempDir()
	exe := sshtest.StandInWrapper(t, filepath.Join(dir, "ps"), "powershell.exe", "-state", filepath.Join(dir, "state.db"),
		"-clusters", "demo", "-no-patch-load-balancer")
	ctx := context.Background()
	local := transport.NewLocal()
	h := New(local, exe)
	if _, err := h.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}); err != nil {
		t.Fatalf("the default patch_load_balancer on a module without the switch: %v", err)
	}
	script, err := clusterScript("demo", akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = local.Run(ctx, exe, Arguments(script))
	if e := hostErr2(t, err); !strings.Contains(e.Message, "patchLoadBalancer") {
		t.Errorf("a script passing -patchLoadBalancer anyway: %v", e)
	}
}

// hostErr2 turns a raw run's failure into the host's *Error, as the Host methods do.
func hostErr2(t *testing.T, err error) *Error {
	t.Helper()
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) {
		t.Fatalf("run = %v, want an exit error", err)
	}
	e, ok := New(transport.NewLocal(), "").hostError("test", "", true, nil, err).(*Error)
	if !ok {
		t.Fatalf("hostError is not an *Error")
	}
	return e
}
