// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// Tests of the features of newer CLIs (actions and `terraform query`: Terraform ≥ 1.14;
// ephemeral resources: Terraform ≥ 1.10, OpenTofu ≥ 1.11). terraform-plugin-testing
// v1.16 cannot invoke actions or run `terraform query`, so these drive the real CLI
// through a cliWorkspace. Under an older CLI (make testacc-minimum, OpenTofu) they skip,
// naming the version they need; make testacc-current runs them.

// cliUnderTest is the CLI the acceptance tests run: OpenTofu or Terraform, and its version.
type cliUnderTest struct {
	tofu         bool
	major, minor int
	version      string
}

var cliVersionPattern = regexp.MustCompile(`^(Terraform|OpenTofu) v(\d+)\.(\d+)\.\S*`)

func (w *cliWorkspace) cli() cliUnderTest {
	w.t.Helper()
	first, _, _ := strings.Cut(w.run(nil, "version"), "\n")
	m := cliVersionPattern.FindStringSubmatch(strings.TrimSpace(first))
	if m == nil {
		w.t.Fatalf("cannot read the CLI version from %q", first)
	}
	major, _ := strconv.Atoi(m[2])
	minor, _ := strconv.Atoi(m[3])
	return cliUnderTest{tofu: m[1] == "OpenTofu", major: major, minor: minor, version: strings.TrimSpace(m[0])}
}

func (c cliUnderTest) atLeast(major, minor int) bool {
	return c.major > major || (c.major == major && c.minor >= minor)
}

// requireActionsAndQuery skips unless the CLI is Terraform 1.14 or later.
func requireActionsAndQuery(t *testing.T, w *cliWorkspace) {
	t.Helper()
	if c := w.cli(); c.tofu || !c.atLeast(1, 14) {
		t.Skipf("actions and terraform query need Terraform 1.14 or later; the CLI under test is %s (make testacc-current runs this test)", c.version)
	}
}

// requireEphemeral skips unless the CLI runs ephemeral resources.
func requireEphemeral(t *testing.T, w *cliWorkspace) {
	t.Helper()
	c := w.cli()
	if (c.tofu && !c.atLeast(1, 11)) || (!c.tofu && !c.atLeast(1, 10)) {
		t.Skipf("ephemeral resources need Terraform 1.10 or OpenTofu 1.11 or later; the CLI under test is %s", c.version)
	}
}

// outputs reads the root module's outputs.
func (w *cliWorkspace) outputs(env []string) map[string]any {
	w.t.Helper()
	var raw map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(w.run(env, "output", "-json")), &raw); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]any{}
	for k, v := range raw {
		out[k] = v.Value
	}
	return out
}

// exitCode runs terraform and returns its exit status (for -detailed-exitcode).
func (w *cliWorkspace) exitCode(env []string, args ...string) (int, string) {
	w.t.Helper()
	cmd := exec.Command(w.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		w.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	}
	return 0, string(out)
}

// jsonMessages returns the messages of a terraform -json stream with the given type.
func jsonMessages(t *testing.T, stream, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stream), "\n") {
		var msg map[string]any
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("terraform -json printed a line that is not JSON: %q", line)
		}
		if msg["type"] == typ {
			out = append(out, msg)
		}
	}
	return out
}

// progressMessages are the action progress messages of a -json stream.
func progressMessages(t *testing.T, stream string) []string {
	t.Helper()
	var out []string
	for _, m := range jsonMessages(t, stream, "action_progress") {
		hook, _ := m["hook"].(map[string]any)
		if s, ok := hook["message"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// renewActionsConfig invokes nothing by itself: two actions and the data sources that
// show their effect, for the management cluster and one workload cluster.
func renewActionsConfig(cluster string) string {
	return fmt.Sprintf(`
action "akshybrid_renew_management_certificates" "now" {}

action "akshybrid_renew_cluster_certificates" "workload" {
  config {
    cluster_name        = %[1]q
    patch_load_balancer = true # the data source counts the load balancer's credentials too
  }
}

data "akshybrid_certificates" "management" {}

data "akshybrid_certificates" "workload" {
  cluster_name = %[1]q
}

output "management" {
  value = {
    expires_at        = data.akshybrid_certificates.management.expires_at
    ready_for_renewal = data.akshybrid_certificates.management.ready_for_renewal
  }
}

output "workload" {
  value = {
    expires_at        = data.akshybrid_certificates.workload.expires_at
    ready_for_renewal = data.akshybrid_certificates.workload.ready_for_renewal
  }
}
`, cluster)
}

// expiry reads one output's expires_at and ready_for_renewal.
func expiry(t *testing.T, outputs map[string]any, name string) (time.Time, bool) {
	t.Helper()
	m, _ := outputs[name].(map[string]any)
	s, _ := m["expires_at"].(string)
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("output %s: expires_at %q: %v", name, s, err)
	}
	ready, _ := m["ready_for_renewal"].(bool)
	return at, ready
}

// Day 61 of a 90-day credential lifetime is inside the default 30-day window
// [d:update-certificates.md: renew within 60 days]. Invoking the actions then renews
// the management cluster and the workload cluster without any resource in the state,
// and the data source shows it: not due any more, expiring a full lifetime after the
// renewal.
func TestAccActions_renewNowOnTheEmulatorShowsInTheDataSource(t *testing.T) {
	t.Parallel()
	w, _ := newEmulatorWorkspace(t, []string{"alpha"}, renewActionsConfig("alpha"))
	requireActionsAndQuery(t, w)
	day0 := []string{"TF_VAR_time_offset=0h"}
	day61 := []string{"TF_VAR_time_offset=1464h"}

	w.run(day0, "apply", "-auto-approve", "-input=false")
	w.run(day61, "apply", "-auto-approve", "-input=false")
	before := w.outputs(day61)
	for _, name := range []string{"management", "workload"} {
		if _, ready := expiry(t, before, name); !ready {
			t.Fatalf("%s is not ready for renewal on day 61; the test would prove nothing", name)
		}
	}

	start := time.Now()
	mgmt := w.run(day61, "apply", "-auto-approve", "-input=false", "-json", "-invoke=action.akshybrid_renew_management_certificates.now")
	cluster := w.run(day61, "apply", "-auto-approve", "-input=false", "-json", "-invoke=action.akshybrid_renew_cluster_certificates.workload")
	end := time.Now()
	for name, stream := range map[string]string{"management": mgmt, "cluster": cluster} {
		if n := len(jsonMessages(t, stream, "action_complete")); n != 1 {
			t.Errorf("%s action: %d action_complete messages, want 1", name, n)
		}
		if len(progressMessages(t, stream)) < 3 {
			t.Errorf("%s action sent %q as progress, want the check, the run and the result", name, progressMessages(t, stream))
		}
	}
	if msgs := progressMessages(t, mgmt); !slices.ContainsFunc(msgs, func(s string) bool { return strings.Contains(s, "Update-AksHciCertificates") }) {
		t.Errorf("management progress %q does not name Update-AksHciCertificates", msgs)
	}

	w.run(day61, "apply", "-auto-approve", "-input=false")
	requireRenewedOnDay61(t, w.outputs(day61), start, end)
}

// requireRenewedOnDay61 checks the management and workload outputs after the renew-now
// actions ran on day 61 of a test that ran from start to end in real time: neither is
// ready for renewal, and the earliest expiry in scope is a full 90-day lifetime after day
// 61 [d:certificates-overview.md: tokens and client certificates, 90 days].
func requireRenewedOnDay61(t *testing.T, after map[string]any, start, end time.Time) {
	t.Helper()
	lo, hi := start.Add(61*day+akshci.Lifetime-time.Minute), end.Add(61*day+akshci.Lifetime+time.Minute)
	for _, name := range []string{"management", "workload"} {
		at, ready := expiry(t, after, name)
		if ready {
			t.Errorf("%s is still ready for renewal after the action", name)
		}
		if at.Before(lo) || at.After(hi) {
			t.Errorf("%s expires at %s after the action, want between %s and %s", name, at, lo, hi)
		}
	}
}

// The cluster action refuses bad input before anything runs on the host: the switch
// rules of the resource apply at validate time.
func TestAccActions_clusterActionValidatesLikeTheResource(t *testing.T) {
	t.Parallel()
	w, _ := newEmulatorWorkspace(t, []string{"alpha"}, `
action "akshybrid_renew_cluster_certificates" "bad" {
  config {
    cluster_name          = "Alpha_1"
    fix_cloud_credentials = false
    patch_load_balancer   = true
  }
}
`)
	requireActionsAndQuery(t, w)
	code, out := w.exitCode([]string{"TF_VAR_time_offset=0h"}, "validate", "-json")
	if code == 0 {
		t.Fatalf("validate accepted an invalid action:\n%s", out)
	}
	var got struct {
		Diagnostics []diagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("validate -json: %v\n%s", err, out)
	}
	var summaries []string
	for _, d := range got.Diagnostics {
		summaries = append(summaries, d.Summary)
	}
	// Both fix switches off is no longer refused: since issue 13 the cmdlet runs with -name alone.
	for _, want := range []string{"Invalid workload cluster name", "patch_load_balancer needs fix_cloud_credentials"} {
		if !slices.Contains(summaries, want) {
			t.Errorf("diagnostics %q lack %q", summaries, want)
		}
	}
}

// terraform query lists every workload cluster; -generate-config-out writes resource
// and import blocks that import cleanly, and the plan after the import is empty.
func TestAccQuery_generatedConfigImportsCleanlyAndPlansEmpty(t *testing.T) {
	t.Parallel()
	w, _ := newEmulatorWorkspace(t, []string{"beta", "alpha"}, "")
	requireActionsAndQuery(t, w)
	env := []string{"TF_VAR_time_offset=0h"}
	writeFile(t, filepath.Join(w.dir, "clusters.tfquery.hcl"), `
list "akshybrid_cluster_certificates" "all" {
  provider = akshybrid
}
`, 0o644)

	var listed []string
	for _, m := range jsonMessages(t, w.run(env, "query", "-json"), "list_resource_found") {
		lr, _ := m["list_resource_found"].(map[string]any)
		id, _ := lr["identity"].(map[string]any)
		if name, ok := id["cluster_name"].(string); ok {
			listed = append(listed, name)
		}
	}
	if !slices.Equal(listed, []string{"alpha", "beta"}) {
		t.Fatalf("terraform query listed %q, want the workload clusters alpha and beta", listed)
	}

	w.run(env, "query", "-generate-config-out=generated.tf")
	applied := w.run(env, "apply", "-auto-approve", "-input=false", "-json")
	summaries := jsonMessages(t, applied, "change_summary")
	if len(summaries) == 0 {
		t.Fatal("apply printed no change summary")
	}
	changes, _ := summaries[len(summaries)-1]["changes"].(map[string]any)
	if changes["import"] != float64(2) || changes["add"] != float64(0) || changes["change"] != float64(0) || changes["remove"] != float64(0) {
		t.Errorf("apply of the generated configuration: %v, want exactly 2 imports", changes)
	}
	if code, out := w.exitCode(env, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after the import exits %d, want 0 (empty):\n%s", code, out)
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(w.run(env, "show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	var imported []string
	for _, r := range state.Values.RootModule.Resources {
		if r.Type == "akshybrid_cluster_certificates" {
			name, _ := r.Values["cluster_name"].(string)
			imported = append(imported, name)
			if r.Values["renewed_at"] != nil {
				t.Errorf("%v: renewed_at %v after an import, want null (nothing was renewed)", r.Values["cluster_name"], r.Values["renewed_at"])
			}
		}
	}
	slices.Sort(imported)
	if !slices.Equal(imported, []string{"alpha", "beta"}) {
		t.Errorf("state holds clusters %q, want alpha and beta", imported)
	}
}

// The kubeconfig is used (a precondition reads every value), yet nothing of it reaches
// the plan file or the state: neither the cluster's CA certificate, nor the host, nor
// any PEM block. (The precondition is written so that the configuration itself, which
// the plan file carries, holds none of the strings searched for.)
func TestAccEphemeralKubeconfig_absentFromPlanFileAndState(t *testing.T) {
	t.Parallel()
	w, statePath := newEmulatorWorkspace(t, []string{"alpha"}, `
ephemeral "akshybrid_cluster_kubeconfig" "alpha" {
  cluster_name = "alpha"
}

resource "terraform_data" "uses_kubeconfig" {
  input = "alpha"

  lifecycle {
    precondition {
      condition = (
        can(regex("^-----BEGIN [A-Z]+ KEY-----", ephemeral.akshybrid_cluster_kubeconfig.alpha.client_key)) &&
        can(regex("^-----BEGIN [A-Z]+-----", ephemeral.akshybrid_cluster_kubeconfig.alpha.client_certificate)) &&
        can(regex("^-----BEGIN [A-Z]+-----", ephemeral.akshybrid_cluster_kubeconfig.alpha.cluster_ca_certificate)) &&
        endswith(ephemeral.akshybrid_cluster_kubeconfig.alpha.host, ":6443")
      )
      error_message = "The ephemeral kubeconfig did not arrive."
    }
  }
}
`)
	requireEphemeral(t, w)
	env := []string{"TF_VAR_time_offset=0h"}
	w.run(env, "plan", "-input=false", "-out=kubeconfig.tfplan")
	planJSON := w.run(env, "show", "-json", "kubeconfig.tfplan")
	w.run(env, "apply", "-input=false", "kubeconfig.tfplan")

	// The cluster's Kubernetes CA is stable: read it from the emulator directly.
	emu, err := emulator.New(emulator.Config{StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	kc, err := emu.Kubeconfig(context.Background(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	caBody := strings.Split(strings.TrimSpace(kc.CACertificatePEM), "\n")[1]
	stateData, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"state": string(stateData), "plan JSON": planJSON}
	for name, data := range zipEntries(t, filepath.Join(w.dir, "kubeconfig.tfplan")) {
		texts["plan file "+name] = data
	}
	for name, text := range texts {
		for _, secret := range []string{caBody, "PRIVATE KEY", "BEGIN CERTIFICATE", "akshybrid-emulator.invalid"} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s contains %q from the ephemeral kubeconfig", name, secret)
			}
		}
	}
	if !strings.Contains(string(stateData), "uses_kubeconfig") {
		t.Error("the state lacks the resource that used the kubeconfig; the test would prove nothing")
	}
}

// zipEntries returns every file of a plan file (a zip archive) as text.
func zipEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // a path in the test's own temp dir
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("plan file is not a zip archive: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// The generated configuration the many-clusters guide shows is what Terraform writes.
func TestAccQuery_generatedConfigMatchesTheGuide(t *testing.T) {
	t.Parallel()
	w, _ := newEmulatorWorkspace(t, []string{"demo"}, "")
	requireActionsAndQuery(t, w)
	example := filepath.Join("..", "..", "examples", "list-resources", "akshybrid_cluster_certificates")
	query, err := os.ReadFile(filepath.Join(example, "list-resource.tfquery.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(w.dir, "clusters.tfquery.hcl"), string(query), 0o644)
	w.run([]string{"TF_VAR_time_offset=0h"}, "query", "-generate-config-out=generated.tf")
	// examples/ is kept in terraform fmt's layout (make validate-examples).
	w.run(nil, "fmt", "generated.tf")
	got, err := os.ReadFile(filepath.Join(w.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("AKSHYBRID_UPDATE_EXAMPLES") == "1" {
		writeFile(t, filepath.Join(example, "generated.tf"), string(got), 0o644)
	}
	want, err := os.ReadFile(filepath.Join(example, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("terraform query -generate-config-out wrote (AKSHYBRID_UPDATE_EXAMPLES=1 copies it to %s):\n%s\nthe example holds:\n%s", filepath.Join(example, "generated.tf"), got, want)
	}
}

// The documented pattern: the cluster action attached to the management resource with
// action_trigger runs right after a due management renewal (a replacement, so a create),
// in the same apply.
func TestAccActions_actionTriggerRenewsClusterAfterManagementRenewal(t *testing.T) {
	t.Parallel()
	w, _ := newEmulatorWorkspace(t, []string{"alpha"}, `
action "akshybrid_renew_cluster_certificates" "after_management" {
  config {
    cluster_name        = "alpha"
    patch_load_balancer = true
    # after_create fires on the first create too, when nothing is due: without force the
    # renewal would change nothing, and a renew-now action that changes nothing fails.
    force = true
  }
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true

    action_trigger {
      events  = [after_create]
      actions = [action.akshybrid_renew_cluster_certificates.after_management]
    }
  }
}

data "akshybrid_certificates" "workload" {
  cluster_name = "alpha"
}

output "workload" {
  value = {
    expires_at        = data.akshybrid_certificates.workload.expires_at
    ready_for_renewal = data.akshybrid_certificates.workload.ready_for_renewal
  }
}
`)
	requireActionsAndQuery(t, w)
	day0 := []string{"TF_VAR_time_offset=0h"}
	day61 := []string{"TF_VAR_time_offset=1464h"}
	w.run(day0, "apply", "-auto-approve", "-input=false")

	start := time.Now()
	applied := w.run(day61, "apply", "-auto-approve", "-input=false", "-json")
	end := time.Now()
	if n := len(jsonMessages(t, applied, "action_complete")); n != 1 {
		t.Fatalf("the day-61 apply completed %d actions, want the triggered cluster renewal", n)
	}
	// The data source was read during the plan, before the renewal; the next run shows it.
	if _, ready := expiry(t, w.outputs(day61), "workload"); !ready {
		t.Fatal("alpha was not due in the day-61 plan; the test would prove nothing")
	}
	w.run(day61, "apply", "-auto-approve", "-input=false")
	at, ready := expiry(t, w.outputs(day61), "workload")
	lo, hi := start.Add(1464*time.Hour+akshci.Lifetime-time.Minute), end.Add(1464*time.Hour+akshci.Lifetime+time.Minute)
	if ready || at.Before(lo) || at.After(hi) {
		t.Errorf("after the triggered action alpha expires at %s (ready %v), want between %s and %s, not ready", at, ready, lo, hi)
	}
}
