// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

const caAddr = "akshybrid_cloud_agent_ca.this"

// caWalkConfig is the documented configuration: the CA resource, then the management
// cluster's and each workload cluster's renewals, replaced whenever the CA is rotated
// (replace_triggered_by), the cluster after the management cluster.
func caWalkConfig(allowDowntime bool, renewBefore string) string {
	return fmt.Sprintf(`
resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = %t
  renew_before   = %q
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    replace_triggered_by = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  depends_on   = [akshybrid_management_certificates.this]
  lifecycle {
    replace_triggered_by = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}
`, allowDowntime, renewBefore)
}

const clusterDemoAddr = "akshybrid_cluster_certificates.demo"

// A deployment's year on the emulator: day 0 → renewals while the CA is fine → the CA
// expires and every plan fails with the remedy → the CA is rotated with allow_downtime
// and the follow-up renewals run in the same apply → the next plan is empty.
func TestAccCloudAgentCA_yearThenExpiryThenRotationWithFollowUps(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	now := 0
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: caWalkSteps(func(_ int, body string) string { return env.config(body) }, func(d int) func() {
			return func() {
				env.clock.Advance(time.Duration(d-now) * day)
				now = d
			}
		}, true),
	})
}

// caWalk is the walk's calendar: day 0, four renewals 61 days apart, day 320 (inside the
// CA's 60-day warning), day 367 (the CA expired on day 365).
const caWalkExpired = 367

// caWalkSteps are the steps of the walk, for the emulator and the SSH stand-in alike.
// config returns the configuration for a day; at returns the PreConfig that moves the
// host's clock to that day (nil when config does it). exact adds the checks of exact
// times, which need the emulator's fake clock.
func caWalkSteps(config func(day int, body string) string, at func(day int) func(), exact bool) []resource.TestStep {
	when := func(checks ...statecheck.StateCheck) []statecheck.StateCheck {
		if exact {
			return checks
		}
		return nil
	}
	renewal := func(d int) resource.TestStep {
		return resource.TestStep{
			PreConfig: at(d),
			Config:    config(d, caWalkConfig(false, "720h")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}
	}
	return []resource.TestStep{
		{
			// Day 0: creating the CA resource only starts watching (no rotation: renewed_at
			// stays null); the credentials are renewed.
			PreConfig: at(0),
			Config:    config(0, caWalkConfig(false, "720h")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.Null()),
				},
			},
			ConfigStateChecks: append(when(
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(365*day)))),
			),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("id"), knownvalue.StringExact("cloud-agent-ca")),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expiring_credential"), knownvalue.StringExact("Cloud agent CA certificate")),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.Null()),
			),
		},
		// Days 61 to 244: the credentials are renewed every 61 days, the CA is left alone.
		renewal(61), renewal(122), renewal(183), renewal(244),
		{
			// Day 320: 45 days left, inside the 60-day warning (shown by the CLI test) but
			// outside this CA resource's 30-day window: the credentials are renewed, the CA
			// is not touched, and every renewed certificate ends with the CA.
			PreConfig: at(320),
			Config:    config(320, caWalkConfig(false, "720h")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			// Renewed on day 320, the 90-day credentials would end on day 410: capped at
			// the CA's day-365 expiry (they never outlive it), so that is expires_at, and
			// the renewal is not due again (renewing cannot move it: the CA is due).
			ConfigStateChecks: append(when(
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(365*day)))),
			), statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false))),
		},
		{
			// Day 367: the CA has expired. Every plan fails with the remedy; the CA resource
			// says a rotation needs allow_downtime.
			PreConfig:   at(caWalkExpired),
			Config:      config(caWalkExpired, caWalkConfig(false, "720h")),
			ExpectError: errorLike("Cloud agent CA has expired: rotating it needs allow_downtime = true ... no renewal can succeed"),
		},
		{
			// The same day, with allow_downtime: one apply rotates the CA, then renews the
			// management credentials, then the cluster's; the next plan is empty.
			Config: config(caWalkExpired, caWalkConfig(true, "720h")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(when(
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day)))),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day+365*day)))),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day)))),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day+90*day)))),
				statecheck.ExpectKnownValue(clusterDemoAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day)))),
				statecheck.ExpectKnownValue(clusterDemoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(caWalkExpired*day+90*day)))),
			),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(clusterDemoAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
			),
		},
		{
			// Nothing is due any more: an unchanged configuration plans nothing.
			Config:   config(caWalkExpired, caWalkConfig(true, "720h")),
			PlanOnly: true,
		},
	}
}

// Rotation ahead of expiry: once the CA enters this resource's window the plan replaces
// it, but only with allow_downtime; the follow-ups run in the same apply.
func TestAccCloudAgentCA_dueRotationNeedsAllowDowntime(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(caWalkConfig(false, "1440h"))},
			renewalStep(env.config, env.advance), renewalStep(env.config, env.advance), renewalStep(env.config, env.advance),
			renewalStep(env.config, env.advance),
			{
				// Day 310: 55 days left, inside the default 60-day window.
				PreConfig: env.advance(66 * day),
				Config:    env.config(caWalkConfig(false, "1440h")),
				ExpectError: errorLike("Rotating the cloud agent CA needs allow_downtime = true ... interrupts every " +
					"client's contact"),
			},
			{
				Config: env.config(caWalkConfig(true, "1440h")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectUnknownValue(caAddr, tfjsonpath.New("renewed_at")),
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(310*day+365*day)))),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(400*day)))),
				},
			},
		},
	})
}

func TestAccCloudAgentCA_importByFixedID(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(`
resource "akshybrid_cloud_agent_ca" "this" {}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config:                  cfg,
				ResourceName:            caAddr,
				ImportState:             true,
				ImportStateId:           "cloud-agent-ca",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config:        cfg,
				ResourceName:  caAddr,
				ImportState:   true,
				ImportStateId: "ca",
				ExpectError:   errorLike(`imported with the ID "cloud-agent-ca"`),
			},
		},
	})
}

func TestAccCloudAgentCA_windowValidatedAgainstTheCALifetime(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(`
resource "akshybrid_cloud_agent_ca" "this" {
  renew_before = "8760h"
}
`),
			PlanOnly:    true,
			ExpectError: errorLike("shorter than the CA's lifetime of 8760h"),
		}},
	})
}

// runStatus runs terraform and returns its stdout whatever the exit code, and whether it
// succeeded.
func (w *cliWorkspace) runStatus(args ...string) (string, bool) {
	w.t.Helper()
	cmd := exec.Command(w.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = append([]string(nil), w.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), err == nil
}

// The CA is never silent, as the real CLI shows it: a refresh-only plan (what an HCP
// Terraform health assessment runs) and a normal plan both warn from inside the 60-day
// window with the date, and a check block on akshybrid_certificates fails; once the CA
// has expired the plan fails with the remedy and the refresh-only plan still works and
// shows it.
func TestAccCloudAgentCA_neverSilentInTheCLIJSON(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, []string{"demo"}, `
resource "akshybrid_management_certificates" "this" {}

check "cloud_agent_ca" {
  data "akshybrid_certificates" "ca" {}
  assert {
    condition     = !data.akshybrid_certificates.ca.ca_expired && timecmp(data.akshybrid_certificates.ca.ca_expires_at, timeadd(data.akshybrid_certificates.ca.observed_at, "1440h")) > 0
    error_message = "The cloud agent CA expires at ${data.akshybrid_certificates.ca.ca_expires_at}: rotate it."
  }
}
`)
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	count := func(diags []diagnostic, severity, summary, detail string) int {
		n := 0
		for _, d := range diags {
			if d.Severity == severity && d.Summary == summary && strings.Contains(d.Detail, detail) {
				n++
			}
		}
		return n
	}
	// Day 200: nothing to say about the CA.
	out := ws.run(nil, "plan", "-refresh-only", "-json", "-input=false", "-var", "time_offset=4800h")
	if n := count(diagnostics(t, out), "warning", "Cloud agent CA expires soon", ""); n != 0 {
		t.Fatalf("day 200: %d CA warnings, want none", n)
	}
	// Day 320: 45 days left.
	caEnd := "" // read from the data source's own output below
	for _, mode := range [][]string{{"plan", "-refresh-only"}, {"plan"}} {
		out = ws.run(nil, append(mode, "-json", "-input=false", "-var", "time_offset=7680h")...)
		diags := diagnostics(t, out)
		if n := count(diags, "warning", "Cloud agent CA expires soon", " days left, inside the 1440h window"); n != 1 {
			t.Errorf("day 320, terraform %s: %d CA warnings naming the days left, want one: %+v", strings.Join(mode, " "), n, diags)
		}
		if n := count(diags, "warning", "Check block assertion failed", "The cloud agent CA expires at "); n != 1 {
			t.Errorf("day 320, terraform %s: %d failed check blocks, want one: %+v", strings.Join(mode, " "), n, diags)
		}
		for _, d := range diags {
			if d.Summary == "Cloud agent CA expires soon" {
				caEnd = d.Detail
			}
		}
	}
	if !strings.Contains(caEnd, "Invoke-AksHciRotateCACertificate") || !strings.Contains(caEnd, "akshybrid_cloud_agent_ca") {
		t.Errorf("the warning does not say what to do: %q", caEnd)
	}
	// Day 367: expired. The plan fails with the remedy; the refresh-only plan (a health
	// assessment) succeeds and warns.
	out, ok := ws.runStatus("plan", "-json", "-input=false", "-var", "time_offset=8808h")
	if ok {
		t.Fatalf("day 367: the plan succeeded with an expired CA")
	}
	if n := count(diagnostics(t, out), "error", "Cloud agent CA has expired", "then renew the management cluster's credentials"); n != 1 {
		t.Errorf("day 367: %d CA errors with the remedy, want one: %+v", n, diagnostics(t, out))
	}
	out = ws.run(nil, "plan", "-refresh-only", "-json", "-input=false", "-var", "time_offset=8808h")
	diags := diagnostics(t, out)
	if n := count(diags, "warning", "Cloud agent CA has expired", "Every client certificate it signed is unusable"); n != 1 {
		t.Errorf("day 367, refresh-only: %d CA warnings, want one: %+v", n, diags)
	}
	if n := count(diags, "warning", "Check block assertion failed", ""); n != 1 {
		t.Errorf("day 367, refresh-only: %d failed check blocks, want one", n)
	}
}

// Past the CA's expiry the data source says so: ca_expired, every MOC client
// certificate unusable (its CA expired) while its token is not expired, and
// ready_for_renewal false, since no renewal can work until the CA is rotated.
func TestAccCertificatesDataSource_marksTheExpiredCAAndWhatItSigned(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	const addr = "data.akshybrid_certificates.demo"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(`resource "akshybrid_management_certificates" "this" {}`)},
			renewalDay(env), renewalDay(env), renewalDay(env), renewalDay(env), renewalDay(env),
			{
				// Day 368: renewed on day 305, so every token is valid; the CA is not.
				PreConfig: env.advance(63 * day),
				Config: env.config(`
data "akshybrid_certificates" "demo" {}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ca_expired"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"client": knownvalue.StringExact("KMS"),
							"type": knownvalue.StringExact("certificate"), "usable": knownvalue.Bool(false)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"client": knownvalue.StringExact("KMS"),
							"type": knownvalue.StringExact("token"), "expired": knownvalue.Bool(false)}),
					})),
				},
			},
		},
	})
}

// renewalDay moves 61 days on and applies the management renewal (and, through the
// emulator's configured cluster, keeps kvactl unlocked).
func renewalDay(env *accEnv) resource.TestStep {
	return resource.TestStep{
		PreConfig: env.advance(61 * day),
		Config: env.config(`
resource "akshybrid_management_certificates" "this" {}
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  depends_on   = [akshybrid_management_certificates.this]
}
`),
	}
}

// renewalStep moves 61 days on and applies: the management and cluster credentials are
// due (30 days left of 90), the CA resource (with its 60-day window) is not.
func renewalStep(config func(string) string, advance func(time.Duration) func()) resource.TestStep {
	return resource.TestStep{
		PreConfig: advance(61 * day),
		Config:    config(caWalkConfig(false, "1440h")),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionNoop),
				plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
				plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
			},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
	}
}

// The CA fingerprint each resource keeps: a rotation done outside the configuration makes
// the next plan warn on every resource that saw the old CA; a rotation done by
// akshybrid_cloud_agent_ca in the same configuration, with its follow-ups, does not.
func TestAccCloudAgentCA_fingerprintWarnsOnlyOnAChangeOutsideTheConfiguration(t *testing.T) {
	t.Parallel()
	ws, statePath := newEmulatorWorkspace(t, []string{"demo"}, `
variable "allow_downtime" {
  type    = bool
  default = false
}

resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = var.allow_downtime
  # 60 hours short of the CA's 8760h lifetime: a fresh CA is due 60 hours after its
  # creation, so the test can rotate within hours.
  renew_before = "8700h"
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    replace_triggered_by = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  depends_on   = [akshybrid_management_certificates.this]
  lifecycle {
    replace_triggered_by = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}
`)
	changed := func(out string) int {
		n := 0
		for _, d := range diagnostics(t, out) {
			if d.Severity == "warning" && d.Summary == "The cloud agent CA behind this resource changed" {
				n++
			}
		}
		return n
	}
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	// 61 hours on the CA is due; with the downtime allowed, one apply rotates it and runs
	// the follow-ups after it.
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=61h", "-var", "allow_downtime=true")
	// Rotated by the configuration itself: no warning, nothing to do.
	out, ok := ws.runStatus("plan", "-json", "-input=false", "-detailed-exitcode", "-var", "time_offset=62h", "-var", "allow_downtime=true")
	if n := changed(out); n != 0 || !ok {
		t.Fatalf("after a rotation by akshybrid_cloud_agent_ca: %d CA-changed warnings (want none), plan clean %v: %+v", n, ok, diagnostics(t, out))
	}
	// A rotation outside Terraform (Invoke-AksHciRotateCACertificate run by hand).
	emu, err := emulator.New(emulator.Config{StatePath: statePath, TimeOffset: 63 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.RotateCACertificate(context.Background()); err != nil {
		t.Fatal(err)
	}
	out = ws.run(nil, "plan", "-json", "-input=false", "-refresh-only", "-var", "time_offset=64h", "-var", "allow_downtime=false")
	// The CA resource, the management and the cluster resource each saw the old CA.
	if n := changed(out); n != 3 {
		t.Errorf("after a rotation outside Terraform: %d CA-changed warnings, want 3 (one per resource): %+v", n, diagnostics(t, out))
	}
}
