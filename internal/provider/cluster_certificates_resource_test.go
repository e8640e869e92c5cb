// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

const demoAddr = "akshybrid_cluster_certificates.demo"

const demoConfig = `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
}
`

func TestAccClusterCertificates_createReportsExpiry(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(demoConfig),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("id"), knownvalue.StringExact("demo")),
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("fix_cloud_credentials"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("fix_kubelet_credentials"), knownvalue.Bool(false)),
				// On by default: renewing the cloud credentials without it leaves the load
				// balancer to expire, the documented VIP outage (facts §5).
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("patch_load_balancer"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0))),
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
				statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
			},
		}},
	})
}

// Only the resources whose credentials entered the window are replaced: cluster "b" was
// renewed on day 30, so on day 61 it still has 59 days left.
func TestAccClusterCertificates_renewsOnlyDueResources(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "a", "b")
	cfg := func(bTrigger string) string {
		return env.config(managementConfig + `
resource "akshybrid_cluster_certificates" "a" {
  cluster_name = "a"
}
resource "akshybrid_cluster_certificates" "b" {
  cluster_name = "b"
  force        = true
  triggers     = { manual = "` + bTrigger + `" }
}
`)
	}
	const aAddr, bAddr = "akshybrid_cluster_certificates.a", "akshybrid_cluster_certificates.b"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("1")},
			{
				PreConfig: env.advance(30 * day),
				Config:    cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(aAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionNoop),
					},
				},
			},
			{
				PreConfig: env.advance(31 * day),
				Config:    cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(aAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(bAddr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(aAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(151*day)))),
					statecheck.ExpectKnownValue(bAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(120*day)))),
					statecheck.ExpectKnownValue(bAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(30*day)))),
				},
			},
		},
	})
}

func TestAccClusterCertificates_inPlaceEditsDoNotRenew(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	renewedAt := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:            env.config(demoConfig),
				ConfigStateChecks: []statecheck.StateCheck{renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at"))},
			},
			{
				PreConfig: env.advance(20 * day),
				Config: env.config(`
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name            = "demo"
  renew_before            = "240h"
  fix_kubelet_credentials = true
  patch_load_balancer     = true
  force                   = true
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("240h")),
				},
			},
			{
				// Narrowing the window postpones a due renewal: on day 65 a 720h window is due,
				// a 240h one is not.
				PreConfig: env.advance(45 * day),
				Config: env.config(`
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name            = "demo"
  renew_before            = "240h"
  fix_kubelet_credentials = true
  patch_load_balancer     = true
  force                   = true
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A triggers change renews with force; without it, while nothing is due, the cmdlet
// would rotate nothing, so the plan refuses it (issue 20, item 4: it used to move
// renewed_at and nothing else).
func TestAccClusterCertificates_triggersChangeRenewsWithForce(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := func(v, extra string) string {
		return env.config(`
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  triggers     = { ticket = "` + v + `" }
  ` + extra + `
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("CHG-1", "")},
			{
				PreConfig:   env.advance(2 * day),
				Config:      cfg("CHG-2", ""),
				ExpectError: errorLike("Replacement would renew nothing ... Set force = true"),
			},
			{
				Config: cfg("CHG-2", "force = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(2*day)))),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(2*day+akshci.Lifetime)))),
				},
			},
		},
	})
}

func TestAccClusterCertificates_import(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(demoConfig)},
			{
				ResourceName:            demoAddr,
				ImportState:             true,
				ImportStateId:           "demo",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"renewed_at"},
			},
			{
				ResourceName:  demoAddr,
				ImportState:   true,
				ImportStateId: "Demo;rm",
				ExpectError:   errorLike("imported with the workload cluster name ... DNS labels"),
			},
		},
	})
}

func TestAccClusterCertificates_missingClusterIsAPlanError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(`
resource "akshybrid_cluster_certificates" "ghost" {
  cluster_name = "ghost"
}
`),
			ExpectError: errorLike(`workload cluster "ghost" not found ... "demo"`),
		}},
	})
}

func TestAccClusterCertificates_vanishedClusterIsRemovedFromState(t *testing.T) {
	t.Parallel()
	// "legacy" is not in the provider's workload_clusters, which the emulator would
	// create again.
	env := newAccEnv(t)
	const legacyConfig = `
resource "akshybrid_cluster_certificates" "legacy" {
  cluster_name = "legacy"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if err := env.emulator().AddCluster(context.Background(), "legacy"); err != nil {
						t.Fatalf("add cluster: %v", err)
					}
				},
				Config: env.config(managementConfig + legacyConfig),
			},
			{
				// The cluster is deleted out of band. Keeping it in the configuration asks for a
				// new renewal, which the plan refuses with the cluster's name.
				PreConfig: func() {
					if err := env.emulator().DeleteCluster(context.Background(), "legacy"); err != nil {
						t.Fatalf("delete cluster: %v", err)
					}
				},
				Config:      env.config(managementConfig + legacyConfig),
				PlanOnly:    true,
				ExpectError: errorLike(`workload cluster "legacy" not found`),
			},
			{
				// Without it in the configuration the plan is empty: refresh already dropped it
				// from the state, so there is nothing to destroy.
				Config: env.config(managementConfig),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccClusterCertificates_invalidInputIsAPlanError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      env.config(`resource "akshybrid_cluster_certificates" "x" { cluster_name = "Bad;Name" }`),
				PlanOnly:    true,
				ExpectError: errorLike(`cluster_name ... DNS labels ... got "Bad;Name"`),
			},
			{
				Config: env.config(`resource "akshybrid_cluster_certificates" "x" {
  cluster_name          = "demo"
  fix_cloud_credentials = false
  patch_load_balancer   = true
  fix_kubelet_credentials = true
}`),
				PlanOnly:    true,
				ExpectError: errorLike(`patch_load_balancer ... only valid together with -fixCloudCredentials`),
			},
			{
				Config: env.config(`resource "akshybrid_cluster_certificates" "x" {
  cluster_name = "demo"
  renew_before = "30 days"
}`),
				PlanOnly:    true,
				ExpectError: errorLike(`renew_before ... Go duration`),
			},
		},
	})
}

// A cluster switched off for more than 4 days comes back with expired kubelet
// certificates: with fix_kubelet_credentials the resource is due at once.
func TestAccClusterCertificates_kubeletFixAfterShutdown(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := env.config(`
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name            = "demo"
  fix_kubelet_credentials = true
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					ctx := context.Background()
					emu := env.emulator()
					env.clock.Advance(day)
					if err := emu.PowerOff(ctx, "demo"); err != nil {
						t.Fatalf("power off: %v", err)
					}
					env.clock.Advance(5 * day)
					if err := emu.PowerOn(ctx, "demo"); err != nil {
						t.Fatalf("power on: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

// The refresh that drops a vanished cluster says so: a warning that names the cluster.
func TestAccClusterCertificates_vanishedClusterWarns(t *testing.T) {
	t.Parallel()
	ws, state := newEmulatorWorkspace(t, nil, `
resource "akshybrid_cluster_certificates" "legacy" {
  cluster_name = "legacy"
}
`)
	emu, err := emulator.New(emulator.Config{StatePath: state})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.AddCluster(context.Background(), "legacy"); err != nil {
		t.Fatal(err)
	}
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	if err := emu.DeleteCluster(context.Background(), "legacy"); err != nil {
		t.Fatal(err)
	}

	out := ws.run(nil, "apply", "-refresh-only", "-auto-approve", "-json", "-input=false", "-var", "time_offset=0h")
	var warned bool
	for _, d := range diagnostics(t, out) {
		if d.Severity == "warning" && d.Summary == "Workload cluster no longer exists" {
			warned = strings.Contains(d.Detail, `workload cluster "legacy"`) && strings.Contains(d.Detail, "Nothing was changed on the host")
		}
	}
	if !warned {
		t.Fatalf("no warning naming the vanished cluster in:\n%s", out)
	}
	if list := ws.run(nil, "state", "list"); strings.TrimSpace(list) != "" {
		t.Fatalf("the vanished cluster is still in the state: %q", list)
	}
}

// With both fix switches off the cmdlet runs with -name alone, the call documented for
// expired control-plane certificates [d:secure-communication.md]; it renews the
// kubelet-scope Kubernetes certificates, so expires_at is that of the one that is not
// auto-renewed: the kubelet server certificate, issued for one year by the emulator
// (not managed, [d:secure-communication.md]; one year observed on a kubeconfig,
// [#145]). The admin kubeconfig client certificate expires at the same moment but is
// informational (akshci.KubeconfigAdminClient): no renewal changes it, so it never makes
// the resource due, not even after the renewal, when it is 29 days from expiry.
func TestAccClusterCertificates_nameAloneRenewsKubernetesCertificates(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := env.config(managementConfig + `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name          = "demo"
  fix_cloud_credentials = false
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(365*day)))),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expiring_credential"), knownvalue.StringExact("KubeletServer certificate")),
				},
			},
			{
				// 30 days before the year is out the window opens. kvactl, unused since day 0,
				// is locked out [#169]: the management renewal repairs it first.
				PreConfig: env.advance(336 * day),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionNoop),
					},
				},
				ExpectNonEmptyPlan: true,
			},
			{
				// Then -name alone renews it; the admin kubeconfig certificate still expires
				// on day 365, and the plan after the apply is empty all the same.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add((336+365)*day)))),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expiring_credential"), knownvalue.StringExact("KubeletServer certificate")),
				},
			},
		},
	})
}

// kvactl unused for 100 days must log in with its expired token, so Get-AksHciCluster
// and the cluster cmdlet fail [#169]: the cluster resource keeps its state (no renewal
// that would fail is planned) while the management renewal, the documented fix, runs;
// the next plan renews the cluster.
func TestAccClusterCertificates_kvactlLockoutWaitsForTheManagementRenewal(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := env.config(demoConfig + managementConfig)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: env.advance(100 * day),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionNoop),
					},
				},
				ExpectNonEmptyPlan: true, // the cluster is due once kvactl works again
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(190*day)))),
				},
			},
		},
	})
}

// A new cluster resource during the kvactl lockout would run a cmdlet that fails: the
// plan says so and names the documented fix [#169].
func TestAccClusterCertificates_createDuringKvactlLockoutIsAPlanError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(`data "akshybrid_clusters" "all" {}`)},
			{
				PreConfig:   env.advance(100 * day),
				Config:      env.config(demoConfig),
				ExpectError: errorLike(`Renewal blocked by a lockout ... Valid Token Required ... Update-AksHciCertificates`),
			},
		},
	})
}

// An in-place edit while kvactl is locked out is stored, and the expiry the state knew
// is kept: nothing can be read about the cluster then [#169].
func TestAccClusterCertificates_editDuringKvactlLockoutKeepsTheKnownExpiry(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := func(window string) string {
		return env.config(`
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  renew_before = "` + window + `"
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("720h")},
			{
				PreConfig: env.advance(100 * day),
				Config:    cfg("240h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("240h")),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
				},
			},
		},
	})
}
