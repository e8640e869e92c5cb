// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Issue 20, item 6: a setting whose value is not known at plan time (here the output of
// a terraform_data created in the same apply) and that makes an existing resource due
// is planned so that the apply agrees: the plan shows the renewal (or an in-place update
// when no final value could make it due), never an update the apply would have to turn
// into a replacement ("Provider produced inconsistent final plan").

// unknownAtPlan is a terraform_data whose output, value, is known only after apply.
func unknownAtPlan(value string) string {
	return `
resource "terraform_data" "setting" {
  input = ` + value + `
}
`
}

func TestAccUnknownSettings_renewBeforeThatMakesTheResourceDue(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(mgmtWith(`renew_before = "720h"`))},
			{
				// Day 40: 50 days left, due only within the final 1400h.
				PreConfig: env.advance(40 * day),
				Config:    env.config(unknownAtPlan(`"1400h"`) + mgmtWith(`renew_before = terraform_data.setting.output`)),
				// No pre-apply check: the apply itself is the test (before the fix it failed with
				// "Provider produced inconsistent final plan"); the state shows the renewal ran.
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(40*day+akshci.Lifetime)))),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("1400h")),
				},
			},
		},
	})
}

// Not due for any value renew_before could take (89 days left): an in-place update, and
// the apply agrees.
func TestAccUnknownSettings_renewBeforeThatCannotMakeItDueIsAnUpdate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(mgmtWith(`renew_before = "720h"`))},
			{
				PreConfig: env.advance(day),
				Config:    env.config(unknownAtPlan(`"1000h"`) + mgmtWith(`renew_before = terraform_data.setting.output`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(akshci.Lifetime)))),
				},
			},
		},
	})
}

func TestAccUnknownSettings_renewEveryThatMakesTheResourceDue(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(mgmtWith(""))},
			{
				// Day 40: renewed 960h ago, due by the final renew_every of 800h.
				PreConfig: env.advance(40 * day),
				Config:    env.config(unknownAtPlan(`"800h"`) + mgmtWith(`renew_every = terraform_data.setting.output`)),
				// No pre-apply check: the apply itself is the test (before the fix it failed with
				// "Provider produced inconsistent final plan"); the state shows the renewal ran.
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(40*day)))),
				},
			},
		},
	})
}

// allow_downtime decides whether a due rotation may run, not whether it is due: unknown at
// plan, the rotation is planned, and the apply runs it once the value is known true.
func TestAccUnknownSettings_allowDowntimeOfADueCA(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	ca := func(allow string) string {
		return `
resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = ` + allow + `
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(ca("false"))},
			{
				// Day 310: 55 days left, inside the CA's 60-day window.
				PreConfig: env.advance(310 * day),
				Config:    env.config(unknownAtPlan("true") + ca("terraform_data.setting.output")),
				// No pre-apply check: the apply itself is the test (before the fix it failed with
				// "Provider produced inconsistent final plan"); the state shows the renewal ran.
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(310*day+akshci.CALifetime)))),
				},
			},
		},
	})
}
