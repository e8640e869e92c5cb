// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
)

// countingHost counts every call that reaches the host; hang makes chosen calls block
// until their context ends, as a host that stopped answering does.
type countingHost struct {
	akshci.Host
	calls       atomic.Int64
	hangReads   bool
	hangUpdates bool
}

func (h *countingHost) wait(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func (h *countingHost) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	h.calls.Add(1)
	if h.hangReads {
		return nil, h.wait(ctx)
	}
	return h.Host.Inventory(ctx)
}

func (h *countingHost) UpdateManagementCertificates(ctx context.Context, o akshci.ManagementOptions) error {
	h.calls.Add(1)
	if h.hangUpdates {
		return h.wait(ctx)
	}
	return h.Host.UpdateManagementCertificates(ctx, o)
}

func (h *countingHost) UpdateClusterCertificates(ctx context.Context, c string, o akshci.ClusterOptions) error {
	h.calls.Add(1)
	if h.hangUpdates {
		return h.wait(ctx)
	}
	return h.Host.UpdateClusterCertificates(ctx, c, o)
}

// factoriesWith serves the provider with the configured host wrapped by h.
func (e *accEnv) factoriesWith(h *countingHost) map[string]func() (tfprotov6.ProviderServer, error) {
	var mu sync.Mutex
	return map[string]func() (tfprotov6.ProviderServer, error){
		"akshybrid": providerserver.NewProtocol6WithError(&akshybridProvider{version: "test", clock: e.clock,
			open: func(ctx context.Context, s hosts.Settings) (*hosts.Opened, error) {
				opened, err := hosts.Open(ctx, s)
				if err != nil {
					return nil, err
				}
				mu.Lock()
				defer mu.Unlock()
				h.Host = opened.Host
				opened.Host = h
				return opened, nil
			}}),
	}
}

// TestAccValidation_badInputsStopBeforeAnyHostCall: every bad input of the issue is an
// attribute-level error at plan's validation, and the host is never called (its calls
// are counted) nor the emulator state file created.
func TestAccValidation_badInputsStopBeforeAnyHostCall(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	host := &countingHost{}
	provider := func(settings string) string {
		return "provider \"akshybrid\" {\n" + settings + "\n}\ndata \"akshybrid_clusters\" \"all\" {}\n"
	}
	emu := func(extra string) string {
		return provider(fmt.Sprintf("emulator = {\nstate_path = %q\n%s\n}", env.statePath, extra))
	}
	ssh := func(extra string) string {
		return provider("ssh = {\npassword = \"x\"\ninsecure_ignore_host_key = true\n" + extra + "\n}")
	}
	steps := []resource.TestStep{
		{Config: ssh("host = \"127.0.0.1\"\nuser = \"admin\"\nport = 0"), ExpectError: errorLike("ssh.port value must be between 1 and 65535, got: 0")},
		{Config: ssh("host = \"127.0.0.1\"\nuser = \"admin\\nroot\""), ExpectError: errorLike("ssh.user ... must not contain line breaks, tabs or other control characters")},
		{Config: ssh("host = \"node1\\r\\n\"\nuser = \"admin\""), ExpectError: errorLike("ssh.host ... must not contain line breaks")},
		{Config: ssh("host = \"node1\"\nuser = \"admin\"\nhost_key = \"ssh-ed25519 AAAA\"\nknown_hosts_path = \"/x\""), ExpectError: errorLike(`"ssh.known_hosts_path" cannot be specified when "ssh.host_key" is specified`)},
		{Config: emu("workload_clusters = [null]"), ExpectError: errorLike("workload_clusters must list workload cluster names ... element 0 is null")},
		{Config: emu("workload_clusters = [\"Bad_Name\"]"), ExpectError: errorLike(`Invalid workload cluster name ... got "Bad_Name"`)},
		{Config: emu("time_offset = \"9999999999h\""), ExpectError: errorLike(`time_offset ... "9999999999h" is out of range`)},
		{Config: emu("time_offset = \"-1h\""), ExpectError: errorLike(`time_offset moves the emulated clock forward and cannot be negative`)},
		{Config: env.config(`data "akshybrid_certificates" "m" {
  timeouts = { read = "0s" }
}`), ExpectError: errorLike(`timeouts.read must be a positive duration such as "5m"`)},
		{Config: env.config(`resource "akshybrid_management_certificates" "m" {
  timeouts = { create = "-5m" }
}`), ExpectError: errorLike(`timeouts.create must be a positive duration ... got "-5m"`)},
		{Config: env.config(`resource "akshybrid_management_certificates" "m" {
  renew_before = "1500h"
}`), ExpectError: errorLike(`Renewal window needs force ... renew_before "1500h" ... without -force ... less than 1440h0m0s ... set force = true`)},
		{Config: env.config(`resource "akshybrid_cluster_certificates" "c" {
  cluster_name = "demo"
  renew_before = "1ns"
}`), ExpectError: errorLike(`renew_before "1ns" ... must be at least 1h`)},
	}
	for i := range steps {
		steps[i].PlanOnly = true
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: env.factoriesWith(host), Steps: steps})
	if n := host.calls.Load(); n != 0 {
		t.Errorf("the host was called %d times for configurations that validation refuses", n)
	}
	if _, err := os.Stat(env.statePath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the emulator state file was touched: %v", err)
	}
}

// TestAccValidation_wideWindowWithForceIsAccepted: the limit applies only without force,
// and the renewal the accepted configuration plans does take effect.
func TestAccValidation_wideWindowWithForceIsAccepted(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(`resource "akshybrid_management_certificates" "m" {
  renew_before = "1500h"
  force        = true
}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			// Day 31: 59 days left, inside 1500h: due; with force the apply renews.
			{PreConfig: env.advance(31 * day), Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("akshybrid_management_certificates.m", plancheck.ResourceActionReplace)},
			}, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("akshybrid_management_certificates.m", tfjsonpath.New("expires_at"),
					knownvalue.StringExact(rfc3339(t0.Add(31*day+akshci.Lifetime)))),
			}},
		},
	})
}

// TestAccFaults_hungHostIsBoundedByTimeouts: a host that stops answering ends a data
// source read and a resource's plan at their read timeouts, and a renewal at its create
// timeout with "outcome unknown", each with the setting to raise.
func TestAccFaults_hungHostIsBoundedByTimeouts(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	host := &countingHost{hangReads: true}
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(host),
		Steps: []resource.TestStep{
			{
				Config: env.config(`data "akshybrid_clusters" "all" {
  timeouts = { read = "1s" }
}`),
				ExpectError: errorLike("Cannot read the AKS hybrid inventory ... the read timeout passed; raise timeouts.read"),
			},
			{
				Config: env.config(`resource "akshybrid_management_certificates" "m" {
  timeouts = { read = "1s" }
}`),
				ExpectError: errorLike("the read timeout passed; raise timeouts.read"),
			},
		},
	})
	if d := time.Since(start); d > 2*time.Minute {
		t.Errorf("the hung host held the plans for %s", d)
	}

	hang := &countingHost{hangUpdates: true}
	env2 := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env2.factoriesWith(hang),
		Steps: []resource.TestStep{{
			Config: env2.config(`resource "akshybrid_management_certificates" "m" {
  timeouts = { create = "1s" }
}`),
			ExpectError: errorLike("Renewal outcome unknown ... the create timeout passed ... may or may not have completed ... Raise timeouts.create"),
		}},
	})
}

// TestAccFaults_readsWriteNothing: a plan with a future time_offset, even past the CA's
// expiry, changes nothing in the emulator file, so the normal plan after it is empty.
func TestAccFaults_readsWriteNothing(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := func(offset string) string {
		return fmt.Sprintf(`provider "akshybrid" {
  emulator = {
    state_path  = %q
    time_offset = %q
  }
}
%s
data "akshybrid_certificates" "m" {}
`, env.statePath, offset, managementConfig)
	}
	var before []byte
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("0h")},
			{
				PreConfig: func() { before = readFile(t, env.statePath) },
				Config:    cfg("9600h"), // day 400: the CA has expired
				PlanOnly:  true,
				// The plan stops before anything runs: a renewal is due, the CA has expired.
				ExpectError: errorLike("Cloud agent CA has expired ... Nothing was changed on the host"),
			},
			{
				PreConfig: func() {
					if after := readFile(t, env.statePath); string(after) != string(before) {
						t.Error("the what-if plan changed the emulator state file")
					}
				},
				Config:   cfg("1000h"), // a plan in the future, then a normal plan
				PlanOnly: true,
			},
			{Config: cfg("0h"), PlanOnly: true},
		},
	})
}

// TestAccFaults_damagedFileAndDestroy: a damaged emulator file stops plans with a
// diagnostic naming the file, the backup and the recovery, and leaves it untouched;
// terraform destroy -refresh=false, which only forgets, works; with a refresh, the
// plan step of destroy stops and says to use it.
func TestAccFaults_damagedFileAndDestroy(t *testing.T) {
	t.Parallel()
	{
		w, state := newEmulatorWorkspace(t, []string{"demo"}, managementConfig)
		offset := []string{"TF_VAR_time_offset=0h"}
		w.run(offset, "apply", "-auto-approve", "-input=false")
		if err := os.Truncate(state, 32<<10); err != nil {
			t.Fatal(err)
		}
		damaged := readFile(t, state)
		out, err := w.runMayFail(offset, "plan", "-input=false", "-no-color")
		for _, want := range []string{"is damaged", "left untouched", "emulator.db.backup"} {
			if err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("plan on a damaged file: %v, output lacks %q:\n%s", err, want, out)
			}
		}
		if out, err := w.runMayFail(offset, "destroy", "-auto-approve", "-input=false", "-no-color"); err == nil ||
			!strings.Contains(strings.Join(strings.Fields(out), " "), "terraform destroy -refresh=false") {
			t.Errorf("destroy with refresh on a damaged file: %v\n%s", err, out)
		}
		w.run(offset, "destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false")
		if got := w.run(offset, "state", "list"); strings.TrimSpace(got) != "" {
			t.Errorf("state after destroy: %q", got)
		}
		if string(readFile(t, state)) != string(damaged) {
			t.Error("the damaged file was modified")
		}
	}
}

// TestAccFaults_recreatedFileIsReported: an emulator file deleted while the Terraform
// state holds resources is a new deployment; the refresh says so instead of planning
// nothing against it. (An emptied file is refused as damaged instead:
// TestAccEmulatorFile_emptiedFileIsNotANewDeployment.)
func TestAccFaults_recreatedFileIsReported(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(managementConfig)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := os.Remove(env.statePath); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: errorLike("The AKS hybrid deployment has changed ... deleted, emptied or replaced ... terraform state rm"),
			},
			{
				// A restored deployment (here: the file removed once more is not it) still
				// errors; adopting the new one means forgetting the resource.
				Config:      cfg,
				Destroy:     true,
				ExpectError: errorLike("The AKS hybrid deployment has changed"),
			},
		},
	})
}

// TestAccFaults_clockMovedBackwards: a machine clock set back by more than a minute is
// refused with the offset that works, and nothing is written.
func TestAccFaults_clockMovedBackwards(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(managementConfig)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{PreConfig: env.advance(-30 * time.Second), Config: cfg, PlanOnly: true},
			{
				PreConfig:   env.advance(-2 * time.Hour),
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: errorLike("the emulated clock never moves backwards ... raise time_offset to at least 2h1m"),
			},
			{PreConfig: env.advance(2*time.Hour + 30*time.Second), Config: cfg, PlanOnly: true},
		},
	})
}

// TestAccFaults_concurrentAppliesOnOneFile: two Terraform runs applying against one
// emulator file at once both succeed (the file lock serialises them) and leave a file
// that every later run reads.
func TestAccFaults_concurrentAppliesOnOneFile(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	t.Parallel()
	state := filepath.Join(t.TempDir(), "shared.db")
	body := func(name string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    akshybrid = { source = "akshybrid/akshybrid" }
  }
}
provider "akshybrid" {
  emulator = {
    state_path        = %q
    workload_clusters = ["a", "b", "c"]
  }
}
resource "akshybrid_management_certificates" "m" {
  force = true
}
resource "akshybrid_cluster_certificates" "c" {
  for_each     = toset(["a", "b", "c"])
  cluster_name = each.key
  force        = true
}
output "who" { value = %q }
`, filepath.ToSlash(state), name)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		w := newCLIWorkspace(t, body(fmt.Sprint(i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(w.terraform, "apply", "-auto-approve", "-input=false", "-no-color")
			cmd.Dir, cmd.Env = w.dir, w.env
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("%w\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("apply %d: %v", i, err)
		}
	}
	env := &accEnv{t: t, clock: akshci.NewFakeClock(time.Now()), statePath: state}
	inv, err := env.emulator().Inventory(context.Background())
	if err != nil || len(inv.Clusters) != 3 {
		t.Fatalf("after two concurrent applies: %v %v", inv, err)
	}
	if !strings.HasPrefix(inv.DeploymentID, "emulator-") {
		t.Errorf("deployment %q", inv.DeploymentID)
	}
}

// runMayFail runs terraform and returns its combined output and error.
func (w *cliWorkspace) runMayFail(extraEnv []string, args ...string) (string, error) {
	w.t.Helper()
	cmd := exec.Command(w.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extraEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAccValidation_terraformValidateReportsAllAtOnce: terraform validate itself (no
// plan, no host) reports every bad setting in one run, each at its attribute and saying
// what is allowed: first the provider block's (Terraform validates it before anything
// that uses the provider), then every resource's and data source's.
func TestAccValidation_terraformValidateReportsAllAtOnce(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "never-created.db")
	header := `
terraform {
  required_providers {
    akshybrid = { source = "akshybrid/akshybrid" }
  }
}
`
	validate(t, header+fmt.Sprintf(`
provider "akshybrid" {
  emulator = {
    state_path        = %q
    workload_clusters = [null, "Bad_Name"]
    time_offset       = "9999999999h"
  }
}
data "akshybrid_clusters" "all" {}
`, filepath.ToSlash(state)),
		"element 0 is null",
		`got "Bad_Name"`,
		`time_offset (or AKSHYBRID_EMULATOR_TIME_OFFSET) "9999999999h" is out of range`)
	validate(t, header+fmt.Sprintf(`
provider "akshybrid" {
  emulator = { state_path = %q }
}
resource "akshybrid_management_certificates" "m" {
  renew_before = "1ns"
  timeouts = {
    read   = "0s"
    create = "-5m"
  }
}
resource "akshybrid_cluster_certificates" "c" {
  cluster_name = "demo"
  renew_before = "1500h"
}
data "akshybrid_certificates" "d" {
  renew_before = "30 days"
  timeouts     = { read = "0s" }
}
data "akshybrid_clusters" "all" {
  timeouts = { read = "-1s" }
}
`, filepath.ToSlash(state)),
		`renew_before "1ns"`,
		`timeouts.read must be a positive duration such as "5m" or "1h": it bounds how long the provider waits for the host; got "0s"`,
		`timeouts.create must be a positive duration`,
		`Renewal window needs force: renew_before "1500h"`,
		`renew_before must be a Go duration in hours, such as "720h" (30 days); got "30 days"`,
		`got "-1s"`)
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("validate touched the emulator state file: %v", err)
	}
	// SSH: what is missing, what conflicts, and the environment values validate sees.
	validate(t, header+`
provider "akshybrid" {
  ssh = {}
}
data "akshybrid_clusters" "all" {}
`, "Missing SSH host", "Missing SSH user", "Missing SSH credentials")
	validateEnv(t, []string{"AKSHYBRID_SSH_PORT=0", "AKSHYBRID_SSH_USER=admin\nroot"}, header+`
provider "akshybrid" {
  ssh = {
    host                     = "node1"
    password                 = "x"
    host_key                 = "ssh-ed25519 AAAA"
    insecure_ignore_host_key = true
  }
}
data "akshybrid_clusters" "all" {}
`, `AKSHYBRID_SSH_PORT must be a TCP port from 1 to 65535, such as 22; got "0"`,
		"AKSHYBRID_SSH_USER must not contain line breaks",
		"insecure_ignore_host_key = true skips host key verification")
}

// validate runs terraform validate on config and checks that its errors include each
// of wants.
func validate(t *testing.T, config string, wants ...string) {
	t.Helper()
	validateEnv(t, nil, config, wants...)
}

// validateEnv is validate with extra environment variables for the provider.
func validateEnv(t *testing.T, env []string, config string, wants ...string) {
	t.Helper()
	all := validateErrors(t, env, config)
	for _, want := range wants {
		if !strings.Contains(all, want) {
			t.Errorf("terraform validate did not report %q; it reported:\n%s", want, all)
		}
	}
}

// validateErrors runs terraform validate on config, requires it to fail, and returns its
// errors, one "summary: detail" per line.
func validateErrors(t *testing.T, env []string, config string) string {
	t.Helper()
	w := newCLIWorkspace(t, config)
	cmd := exec.Command(w.terraform, "validate", "-json", "-no-color")
	cmd.Dir, cmd.Env = w.dir, append(append([]string(nil), w.env...), env...)
	out, err := cmd.Output()
	if err == nil {
		t.Fatalf("terraform validate accepted the configuration:\n%s", out)
	}
	var result struct {
		Diagnostics []diagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("terraform validate -json: %v\n%s", err, out)
	}
	var got []string
	for _, d := range result.Diagnostics {
		if d.Severity == "error" {
			got = append(got, d.Summary+": "+strings.Join(strings.Fields(d.Detail), " "))
		}
	}
	return strings.Join(got, "\n")
}

// TestAccFaults_killProviderDuringApply: the provider process is killed (SIGKILL) while
// an apply renews many clusters. The emulator file stays readable (every commit is
// atomic), Terraform's state keeps every resource it had, and the next apply finishes
// the job.
func TestAccFaults_killProviderDuringApply(t *testing.T) {
	t.Parallel()
	clusters := make([]string, 12)
	for i := range clusters {
		clusters[i] = fmt.Sprintf("c%02d", i)
	}
	w, state := newEmulatorWorkspace(t, clusters, `
variable "round" {
  type = string
}
data "akshybrid_clusters" "all" {}
resource "akshybrid_cluster_certificates" "c" {
  for_each              = toset(data.akshybrid_clusters.all.names)
  cluster_name          = each.key
  fix_kubelet_credentials = true
  force                 = true
  triggers              = { round = var.round }
}
`)
	env := func(round string) []string { return []string{"TF_VAR_time_offset=0h", "TF_VAR_round=" + round} }
	w.run(env("1"), "apply", "-auto-approve", "-input=false", "-parallelism=1")
	before, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(w.terraform, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=1")
	cmd.Dir, cmd.Env = w.dir, append(append([]string(nil), w.env...), env("2")...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first renewal of this apply to commit, then kill the provider: the
	// child process of terraform that serves it.
	deadline := time.Now().Add(2 * time.Minute)
	killed := false
	for !killed && time.Now().Before(deadline) {
		if fi, err := os.Stat(state); err == nil && fi.ModTime().After(before.ModTime()) {
			children, _ := exec.Command("pgrep", "-P", fmt.Sprint(cmd.Process.Pid)).Output()
			for _, pid := range strings.Fields(string(children)) {
				var p int
				if _, err := fmt.Sscan(pid, &p); err == nil {
					if proc, err := os.FindProcess(p); err == nil && proc.Kill() == nil {
						killed = true
					}
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	werr := cmd.Wait()
	if !killed {
		t.Skipf("the apply finished before the provider could be killed: %v", werr)
	}
	if werr == nil {
		t.Fatalf("terraform apply succeeded although its provider was killed:\n%s", out.String())
	}

	// The emulator file is intact and the same deployment.
	acc := &accEnv{t: t, clock: akshci.NewFakeClock(time.Now()), statePath: state}
	if inv, err := acc.emulator().Inventory(context.Background()); err != nil || len(inv.Clusters) != len(clusters) {
		t.Fatalf("emulator file after the kill: %v", err)
	}
	// The next apply converges, and then nothing is left to do.
	w.run(env("2"), "apply", "-auto-approve", "-input=false")
	if got := strings.Fields(w.run(env("2"), "state", "list")); len(got) != len(clusters)+1 {
		t.Errorf("state after recovery: %v", got)
	}
	plan, err := w.runMayFail(env("2"), "plan", "-input=false", "-detailed-exitcode", "-no-color")
	if err != nil {
		t.Errorf("plan after recovery is not empty: %v\n%s", err, plan)
	}
}
