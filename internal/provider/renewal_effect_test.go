// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Issue 20, item 4: no renewal that changes nothing is reported as done. A schedule that
// cannot renew without force is refused at validate; a replacement the policy did not ask
// for (triggers, -replace) that could not renew anything is refused at plan.

func mgmtWith(attrs string) string {
	return `
resource "akshybrid_management_certificates" "this" {
` + attrs + `
}
`
}

func TestAccRenewal_scheduleThatCannotRenewWithoutForceIsRefusedAtValidate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	host := &countingHost{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(host),
		Steps: []resource.TestStep{
			{
				Config:      env.config(mgmtWith(`renew_every = "24h"`)),
				PlanOnly:    true,
				ExpectError: errorLike(`Renewal interval needs force ... renew_every "24h" ... credentials renewed 1 day ago still have 89 days ... less than 60 days left ... more than "720h" ... set force = true`),
			},
			{
				Config:      env.config(mgmtWith(`renew_every = "720h"`)),
				PlanOnly:    true,
				ExpectError: errorLike(`Renewal interval needs force`),
			},
		},
	})
	if n := host.calls.Load(); n != 0 {
		t.Errorf("the host was called %d times for configurations that validation refuses", n)
	}
	// The boundary and force are accepted, and renew.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(mgmtWith(`renew_every = "721h"`))},
			{Config: env.config(mgmtWith("renew_every = \"24h\"\nforce = true"))},
			{
				// A day on, the forced schedule renews for real: expires_at moves.
				PreConfig: env.advance(day),
				Config:    env.config(mgmtWith("renew_every = \"24h\"\nforce = true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(day+akshci.Lifetime)))),
				},
			},
		},
	})
}

// A triggers change without force, while the credentials have more than 60 days left, is
// refused at plan (the cmdlet would rotate nothing); with force it renews.
func TestAccRenewal_triggersWithoutForceThatWouldRenewNothingFailAtPlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(mgmtWith(`triggers = { window = "1" }`))},
			{
				PreConfig:   env.advance(day),
				Config:      env.config(mgmtWith(`triggers = { window = "2" }`)),
				ExpectError: errorLike(`Replacement would renew nothing ... without -force the update cmdlets rotate only credentials with less than 60 days left ... has 89 days left ... Set force = true`),
			},
			{
				Config: env.config(mgmtWith("triggers = { window = \"2\" }\nforce = true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(day+akshci.Lifetime)))),
				},
			},
		},
	})
}

// On the CA resource a triggers change while the CA is not due is refused at plan: the
// new object could only start watching the CA, so the apply would show a rotation that
// never ran.
func TestAccCloudAgentCA_triggersWhileTheCAIsNotDueFailAtPlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	ca := func(trigger string) string {
		return env.config(`
resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = true
  triggers       = { rotate = "` + trigger + `" }
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: ca("1")},
			{
				Config:      ca("2"),
				ExpectError: errorLike(`Replacing akshybrid_cloud_agent_ca rotates nothing ... not due ... set renew_before longer than the time left`),
			},
		},
	})
}

// -replace of either resource, through the real CLI (terraform-plugin-testing has no
// -replace): refused at plan while it could not renew anything.
func TestAccRenewal_forcedReplacementThatWouldRenewNothingFailsAtPlan(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, nil, `
resource "akshybrid_management_certificates" "this" {}

resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = true
}
`)
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	for addr, want := range map[string]string{
		mgmtAddr:                        "Replacement would renew nothing",
		"akshybrid_cloud_agent_ca.this": "Replacing akshybrid_cloud_agent_ca rotates nothing",
	} {
		out, ok := ws.runStdout(nil, "plan", "-input=false", "-json", "-replace="+addr, "-var", "time_offset=24h")
		if ok {
			t.Errorf("-replace=%s: the plan succeeded", addr)
		}
		found := false
		for _, d := range diagnostics(t, out) {
			found = found || d.Severity == "error" && d.Summary == want && strings.Contains(d.Detail, "-replace")
		}
		if !found {
			t.Errorf("-replace=%s: no error %q: %+v", addr, want, diagnostics(t, out))
		}
	}
	// Nothing is due, so the plain plan is empty: the refusals changed nothing.
	if code, out := ws.exitCode(nil, "plan", "-input=false", "-detailed-exitcode", "-var", "time_offset=24h"); code != 0 {
		t.Errorf("the plan without -replace is not empty (exit %d):\n%s", code, out)
	}
}
