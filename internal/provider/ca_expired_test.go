// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// Issue 20, items 1 and 2: past the cloud agent CA's expiry, the documented configuration
// (examples/resources/akshybrid_cloud_agent_ca, whose workload clusters come from
// akshybrid_workload_clusters) rotates the CA and renews the management cluster and then
// every workload cluster in one apply; without allow_downtime every error leads with the
// CA's expiry and its remedy, not with the kvactl lockout the expiry causes.
//
// The CLI harness rather than terraform-plugin-testing: the configuration uses for_each,
// which the testing framework's state shim rejects.

// caHost gives the environment that points the provider at a host on a day: the
// emulator or the SSH stand-in.
type caHost func(day int) []string

// emulatorHost is an emulator in its own state file with the workload clusters demo and
// web, its clock moved to each day by time_offset.
func emulatorHost(t *testing.T) caHost {
	state := filepath.Join(t.TempDir(), "emulator.db")
	return func(d int) []string {
		return []string{envEmulatorStatePath + "=" + state, envEmulatorWorkloadClusters + "=demo,web",
			envEmulatorTimeOffset + "=" + (time.Duration(d) * day).String()}
	}
}

// documentedCAWorkspace is a workspace holding the CA resource's example configuration,
// with the host from the environment.
func documentedCAWorkspace(t *testing.T) *cliWorkspace {
	return newCLIWorkspace(t, `
terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

provider "akshybrid" {}
`+exampleConfig(t, filepath.Join("resources", "akshybrid_cloud_agent_ca")))
}

// lastRenewalBeforeTheCAWindow is the last day the documented configuration renews
// anything before the CA's expiry on day 365: from day 305, inside the CA's 60-day window,
// its daily plan fails on allow_downtime. Renewed on day 304, the 90-day credentials end
// with the CA on day 365 (capped), their tokens on day 394.
const lastRenewalBeforeTheCAWindow = 304

// walkToTheCAExpiry applies the documented configuration every 61 days and on day 304,
// as a scheduled run with maintenance_window = false does.
func walkToTheCAExpiry(t *testing.T, ws *cliWorkspace, host caHost, extra []string) {
	t.Helper()
	for _, d := range []int{0, 61, 122, 183, 244, lastRenewalBeforeTheCAWindow} {
		ws.run(append(host(d), extra...), "apply", "-auto-approve", "-input=false")
	}
	if _, ok := ws.runStdout(append(host(320), extra...), "plan", "-input=false", "-json"); ok {
		t.Fatal("day 320: the plan succeeded inside the CA's window without allow_downtime; the walk would prove nothing")
	}
}

// planChanges plans into a file and returns the plan.
func planChanges(t *testing.T, ws *cliWorkspace, env []string, vars ...string) *tfjson.Plan {
	t.Helper()
	args := append([]string{"plan", "-input=false", "-out=rotation.tfplan"}, vars...)
	ws.run(env, args...)
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(ws.run(env, "show", "-json", "rotation.tfplan")), &plan); err != nil {
		t.Fatal(err)
	}
	return &plan
}

// actionsOf maps each resource address of a plan to its actions.
func actionsOf(plan *tfjson.Plan) map[string]tfjson.Actions {
	out := map[string]tfjson.Actions{}
	for _, rc := range plan.ResourceChanges {
		out[rc.Address] = rc.Change.Actions
	}
	return out
}

// appliedInOrder returns the addresses whose create finished in an apply -json stream,
// in the order they finished.
func appliedInOrder(t *testing.T, stream string) []string {
	t.Helper()
	var out []string
	for _, m := range jsonMessages(t, stream, "apply_complete") {
		hook, _ := m["hook"].(map[string]any)
		res, _ := hook["resource"].(map[string]any)
		if action, _ := hook["action"].(string); action == "create" {
			addr, _ := res["addr"].(string)
			out = append(out, addr)
		}
	}
	return out
}

const (
	docCA       = "akshybrid_cloud_agent_ca.this"
	docMgmt     = "akshybrid_management_certificates.this"
	docClusters = "akshybrid_workload_clusters.all"
)

// rotateInOneApply is the maintenance apply of day 366: the plan shows the rotation (the
// CA resource replaced, or created when caAdded) and both follow-ups, the apply runs
// them in the documented order, the next plan is empty.
func rotateInOneApply(t *testing.T, ws *cliWorkspace, env []string, caAdded bool) {
	t.Helper()
	const window = "maintenance_window=true"
	plan := planChanges(t, ws, env, "-var", window)
	got := actionsOf(plan)
	renewals := []string{docMgmt, docCluster("demo"), docCluster("web")}
	if caAdded {
		if !got[docCA].Create() {
			t.Errorf("day 366: %s is planned %v, want a create", docCA, got[docCA])
		}
	} else {
		renewals = append(renewals, docCA)
	}
	for _, addr := range renewals {
		if !got[addr].Replace() {
			t.Errorf("day 366: %s is planned %v, want a replacement", addr, got[addr])
		}
	}
	if !got[docClusters].NoOp() {
		t.Errorf("day 366: %s is planned %v, want no change (the last list is kept)", docClusters, got[docClusters])
	}
	order := appliedInOrder(t, ws.run(env, "apply", "-input=false", "-json", "rotation.tfplan"))
	pos := func(addr string) int { return slices.Index(order, addr) }
	if pos(docCA) < 0 || pos(docMgmt) < pos(docCA) || pos(docCluster("demo")) < pos(docMgmt) || pos(docCluster("web")) < pos(docMgmt) {
		t.Errorf("day 366: applied in the order %v, want the CA, then the management cluster, then each workload cluster", order)
	}
	if code, out := ws.exitCode(env, "plan", "-input=false", "-detailed-exitcode", "-var", window); code != 0 {
		t.Errorf("day 366: the plan after the rotation is not empty (exit %d):\n%s", code, out)
	}
}

func docCluster(name string) string {
	return fmt.Sprintf("akshybrid_cluster_certificates.each[%q]", name)
}

// expiredCAErrors checks the day-366 plan without allow_downtime: it fails, and no error
// leads with a lockout; the renewal resources' errors lead with the CA's expiry.
func expiredCAErrors(t *testing.T, ws *cliWorkspace, env []string) {
	t.Helper()
	out, ok := ws.runStdout(env, "plan", "-input=false", "-json")
	if ok {
		t.Fatal("day 366: the plan succeeded with an expired CA and maintenance_window = false")
	}
	var errs []diagnostic
	for _, d := range diagnostics(t, out) {
		if d.Severity == "error" {
			errs = append(errs, d)
		}
	}
	if len(errs) == 0 {
		t.Fatal("day 366: the failed plan reports no error")
	}
	for _, d := range errs {
		if !strings.HasPrefix(d.Summary, "Cloud agent CA has expired") || !strings.Contains(d.Detail, "Invoke-AksHciRotateCACertificate") &&
			!strings.Contains(d.Detail, "allow_downtime = true") {
			t.Errorf("day 366: an error does not lead with the CA's expiry and its remedy: %q: %s", d.Summary, d.Detail)
		}
	}
}

func TestAccCloudAgentCA_documentedConfigurationRotatesInOneApplyOnTheEmulator(t *testing.T) {
	t.Parallel()
	host := emulatorHost(t)
	ws := documentedCAWorkspace(t)
	walkToTheCAExpiry(t, ws, host, nil)
	expiredCAErrors(t, ws, host(366))
	rotateInOneApply(t, ws, host(366), false)
}

// The same from a deployment whose kvactl token expired too (last renewal on day 244,
// tokens ending on day 334): the rotation alone does not let kvactl list the clusters,
// the management renewal does; the same one apply still renews every cluster.
func TestAccCloudAgentCA_oneApplyAlsoWhenKvactlsTokenExpired(t *testing.T) {
	t.Parallel()
	host := emulatorHost(t)
	ws := documentedCAWorkspace(t)
	for _, d := range []int{0, 61, 122, 183, 244} {
		ws.run(host(d), "apply", "-auto-approve", "-input=false")
	}
	expiredCAErrors(t, ws, host(366))
	rotateInOneApply(t, ws, host(366), false)
}

// The older documented shape, for_each over the akshybrid_clusters data source, cannot
// be planned once the CA has expired (the host cannot list its clusters before the
// rotation): the error leads with the CA's expiry and says what works.
func TestAccClustersDataSource_expiredCALeadsTheError(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, []string{"demo"}, `
resource "akshybrid_management_certificates" "this" {}
data "akshybrid_clusters" "all" {}
`)
	for _, d := range []int{0, 61, 122, 183, 244, lastRenewalBeforeTheCAWindow} {
		ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset="+(time.Duration(d)*day).String())
	}
	out, ok := ws.runStdout(nil, "plan", "-input=false", "-json", "-var", "time_offset="+(366*day).String())
	if ok {
		t.Fatal("the plan succeeded with an expired CA")
	}
	var summaries []string
	for _, d := range diagnostics(t, out) {
		if d.Severity != "error" {
			continue
		}
		summaries = append(summaries, d.Summary)
		if d.Summary == "Cloud agent CA has expired: cannot list the workload clusters" &&
			!strings.Contains(d.Detail, "akshybrid_workload_clusters") {
			t.Errorf("the data source's error does not say what works: %s", d.Detail)
		}
	}
	for _, want := range []string{"Cloud agent CA has expired: cannot list the workload clusters", "Cloud agent CA has expired"} {
		if !slices.Contains(summaries, want) {
			t.Errorf("errors %q, want %q among them", summaries, want)
		}
	}
	for _, s := range summaries {
		if strings.Contains(s, "lockout") {
			t.Errorf("an error leads with a lockout although the CA has expired: %q", s)
		}
	}
}

// A configuration without the CA resource learns on day 366 that the CA has expired; the
// error says to rotate it with akshybrid_cloud_agent_ca. Added then (created with the
// CA already due, so its creation is the rotation), one apply rotates the CA and renews
// the management cluster and every workload cluster, although a resource being created
// triggers no replace_triggered_by: a renewal resource whose credentials the expired CA
// signed is due by itself, even when the host cannot list its clusters before the
// rotation.
func TestAccCloudAgentCA_addedAfterTheExpiryRotatesAndRenewsInOneApply(t *testing.T) {
	t.Parallel()
	host := emulatorHost(t)
	full := exampleConfig(t, filepath.Join("resources", "akshybrid_cloud_agent_ca"))
	ws := documentedCAWorkspace(t)
	// The same configuration without the CA resource and the triggers that follow it.
	withoutCA := strings.NewReplacer(
		`resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = var.maintenance_window
  renew_before   = "1440h"
}`, "",
		"replace_triggered_by  = [akshybrid_cloud_agent_ca.this.renewed_at]", "",
	).Replace(full)
	if withoutCA == full || strings.Contains(withoutCA, "akshybrid_cloud_agent_ca") {
		t.Fatal("the example changed: the test no longer removes its CA resource")
	}
	header := `
terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

provider "akshybrid" {}
`
	writeFile(t, filepath.Join(ws.dir, "main.tf"), header+withoutCA, 0o644)
	for _, d := range []int{0, 61, 122, 183, 244, lastRenewalBeforeTheCAWindow} {
		ws.run(host(d), "apply", "-auto-approve", "-input=false")
	}
	out, ok := ws.runStdout(host(366), "plan", "-input=false", "-json")
	if ok {
		t.Fatal("day 366: the plan succeeded with an expired CA")
	}
	for _, d := range diagnostics(t, out) {
		if d.Severity == "error" && (d.Summary != "Cloud agent CA has expired" || !strings.Contains(d.Detail, "akshybrid_cloud_agent_ca")) {
			t.Errorf("day 366: %q: %s; want the CA's expiry with akshybrid_cloud_agent_ca as the remedy", d.Summary, d.Detail)
		}
	}
	writeFile(t, filepath.Join(ws.dir, "main.tf"), header+full, 0o644)
	rotateInOneApply(t, ws, host(366), true)
}
