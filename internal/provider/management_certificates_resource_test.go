// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

const managementConfig = `
resource "akshybrid_management_certificates" "this" {}
`

const mgmtAddr = "akshybrid_management_certificates.this"

func TestAccManagementCertificates_createReportsExpiry(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(managementConfig),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionCreate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("id"), knownvalue.StringExact("management")),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0))),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expiring_credential"), knownvalue.StringRegexp(regexp.MustCompile(`^\w+ (token|certificate)$`))),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("720h")),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("force"), knownvalue.Bool(false)),
			},
		}},
	})
}

func TestAccManagementCertificates_noRenewalBeforeWindow(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(managementConfig)},
			{
				// 45 days in, 45 days are left: outside the 30-day window.
				PreConfig: env.advance(45 * day),
				Config:    env.config(managementConfig),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

func TestAccManagementCertificates_renewsWhenWindowOpens(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	renewedAt := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:            env.config(managementConfig),
				ConfigStateChecks: []statecheck.StateCheck{renewedAt.AddStateValue(mgmtAddr, tfjsonpath.New("renewed_at"))},
			},
			{
				PreConfig: env.advance(61 * day),
				Config:    env.config(managementConfig),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectUnknownValue(mgmtAddr, tfjsonpath.New("expires_at")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(mgmtAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(61*day)))),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(151*day)))),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

// Nothing renewed for 100 days and nothing restarted: the clients without auto-renewal
// keep running on expired credentials [d:certificates-overview.md], kvactl's token
// lockout is repaired by Update-AksHciCertificates itself [#169], so one apply recovers.
// A restart changes that: see _restartAfterExpiryNeedsManualRecovery.
func TestAccManagementCertificates_renewsAfter100DaysWithoutARestart(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(managementConfig)},
			{
				// Tokens and certificates without auto-renewal expired on day 90.
				PreConfig: env.advance(100 * day),
				Config:    env.config(managementConfig),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(190*day)))),
				},
			},
		},
	})
}

// Replaces the test that recovered from day 100 in one apply: once the management
// cluster restarts with its KMS plugin's certificate and token expired, the API server
// is down and Update-AksHciCertificates fails with "failed to repair cluster
// certificates" [#127], [d-old:known-issues.md]; the node agent is stuck in Starting
// [d-old:known-issues-upgrade.md]. The plan fails with the documented manual steps
// instead of planning a renewal that would fail, and succeeds once they are done.
func TestAccManagementCertificates_restartAfterExpiryNeedsManualRecovery(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	restart := func() {
		env.clock.Advance(100 * day)
		if err := env.emulator().Restart(context.Background(), emulator.Management); err != nil {
			t.Fatalf("restart: %v", err)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(managementConfig)},
			{
				PreConfig: restart,
				Config:    env.config(managementConfig),
				ExpectError: errorLike(`AKS hybrid lockout needs manual recovery ... failed to repair cluster certificates ... ` +
					`mocctl.exe security identity rotate --name "KMSPlugin-management-moc-kms-plugin" ... /opt/wssd/k8s/cloudlogin.yaml ... ` +
					`kill the kms-plugin container`),
			},
			{
				PreConfig: func() {
					emu := env.emulator()
					if err := emu.RecoverKMSPlugin(context.Background(), emulator.Management); err != nil {
						t.Fatal(err)
					}
				},
				Config:      env.config(managementConfig),
				ExpectError: errorLike(`AKS hybrid lockout needs manual recovery ... stuck in Starting ... Repair-Moc`),
			},
			{
				PreConfig: func() {
					if err := env.emulator().RepairMoc(context.Background()); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(managementConfig),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(100*day)))),
				},
			},
		},
	})
}

func TestAccManagementCertificates_expiredCAFailsAndKeepsState(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(managementConfig)},
			{
				PreConfig:   env.advance(400 * day),
				Config:      env.config(managementConfig),
				ExpectError: errorLike("cloud agent CA expired ... Invoke-AksHciRotateCACertificate"),
			},
			{
				// The failed renewal changed nothing: after a refresh the same object is still in
				// the state, due, with its old renewed_at, and planning it fails the same way
				// until the CA is rotated.
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					checkStateValue(mgmtAddr, "renewed_at", rfc3339(t0)),
					checkStateValue(mgmtAddr, "ready_for_renewal", "true"),
				),
				ExpectError: errorLike("cloud agent CA expired"),
			},
		},
	})
}

func TestAccManagementCertificates_forceAndWindowEditsAreInPlace(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	renewedAt := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:            env.config(managementConfig),
				ConfigStateChecks: []statecheck.StateCheck{renewedAt.AddStateValue(mgmtAddr, tfjsonpath.New("renewed_at"))},
			},
			{
				PreConfig: env.advance(10 * day),
				Config: env.config(`
resource "akshybrid_management_certificates" "this" {
  force        = true
  renew_before = "1000h"
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(mgmtAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
				},
			},
		},
	})
}

func TestAccManagementCertificates_triggersChangeRenews(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := func(v string) string {
		return env.config(`
resource "akshybrid_management_certificates" "this" {
  force    = true
  triggers = { rotation = "` + v + `" }
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("1")},
			{
				PreConfig: env.advance(5 * day),
				Config:    cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// force = true rotated everything on day 5.
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(5*day)))),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(95*day)))),
				},
			},
		},
	})
}

func TestAccManagementCertificates_import(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(managementConfig)},
			{
				ResourceName:            mgmtAddr,
				ImportState:             true,
				ImportStateId:           "management",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"renewed_at"},
			},
			{
				ResourceName:  mgmtAddr,
				ImportState:   true,
				ImportStateId: "mgmt",
				ExpectError:   errorLike(`imported with the ID "management"`),
			},
		},
	})
}

func TestAccManagementCertificates_invalidWindowIsAPlanError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := func(w string) string {
		return env.config(`
resource "akshybrid_management_certificates" "this" {
  renew_before = "` + w + `"
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("2200h"), PlanOnly: true, ExpectError: errorLike("renew_before ... every apply would renew")},
			{Config: cfg("2160h"), PlanOnly: true, ExpectError: errorLike("renew_before ... shorter than the credential lifetime")},
			{Config: cfg("-1h"), PlanOnly: true, ExpectError: errorLike("renew_before ... must be at least 1h")},
			{Config: cfg("0s"), PlanOnly: true, ExpectError: errorLike("renew_before ... must be at least 1h")},
			{Config: cfg("1ns"), PlanOnly: true, ExpectError: errorLike(`renew_before "1ns" ... must be at least 1h ... from "1h"`)},
			{Config: cfg("30 days"), PlanOnly: true, ExpectError: errorLike(`renew_before ... "720h" (30 days)`)},
			{Config: cfg("9999999999h"), PlanOnly: true, ExpectError: errorLike(`renew_before "9999999999h" is out of range`)},
		},
	})
}

// The provider cannot rotate the cloud agent CA, so a plan warns while the CA is inside
// the renewal window, before it expires and blocks every renewal.
func TestAccManagementCertificates_warnsBeforeTheCAExpires(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, nil, `
resource "akshybrid_management_certificates" "this" {}
`)
	caWarnings := func(offset string) int {
		n := 0
		for _, d := range diagnostics(t, ws.run(nil, "plan", "-json", "-input=false", "-var", "time_offset="+offset)) {
			if d.Severity == "warning" && d.Summary == "Cloud agent CA expires soon" {
				n++
				if !strings.Contains(d.Detail, "Invoke-AksHciRotateCACertificate") {
					t.Errorf("the warning does not say what to do: %q", d.Detail)
				}
			}
		}
		return n
	}
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	if n := caWarnings("1464h"); n != 0 {
		t.Fatalf("day 61: %d CA warnings, want none", n)
	}
	// Day 340: the 365-day CA has 25 days left, inside the default 30-day window.
	if n := caWarnings("8160h"); n != 1 {
		t.Fatalf("day 340: %d CA warnings, want one", n)
	}
}
