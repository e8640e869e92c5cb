// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// These tests run the real-host inventory (document version 3) through OpenSSH: the
// stand-in answers it source by source from the emulator (kvactl access file, CAPH
// token exp, per cluster the admin kubeconfig's client certificate, a TLS handshake and
// the KMS and CSI token exp), reports Get-AksHciCluster's failure while kvactl is
// locked out, lists the
// management cluster "akshci-management" in Get-AksHciCluster as a real host does, and
// can make sources fail (-fail) or probe an older module (-no-patch-load-balancer).

// standinManagement is the stand-in's default management cluster name.
const standinManagement = "akshci-management"

const everyClusterConfig = `
data "akshybrid_clusters" "all" {}

# One data source per listed cluster (terraform-plugin-testing's state checks do not
# take for_each data sources); the cluster_name comes from the list itself.
data "akshybrid_certificates" "first" {
  cluster_name = data.akshybrid_clusters.all.names[0]
}

data "akshybrid_certificates" "second" {
  cluster_name = data.akshybrid_clusters.all.names[1]
}

locals {
  each = {
    (data.akshybrid_certificates.first.cluster_name)  = data.akshybrid_certificates.first
    (data.akshybrid_certificates.second.cluster_name) = data.akshybrid_certificates.second
  }
}

output "expires_at" {
  value = { for name, c in local.each : name => c.expires_at }
}

output "sources" {
  value = { for name, c in local.each : name => sort(distinct([for cred in c.credentials : cred.source if cred.source != null])) }
}

output "kubeconfig" {
  value = { for name, c in local.each : name => one([for cred in c.credentials : cred.not_after if cred.client == "KubeconfigAdmin"]) }
}
`

func TestAccSSHHost_everyWorkloadClusterHasAnExpiryAndTheManagementClusterIsNotListed(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	ps := env.powershell("powershell.exe", 0, "-clusters", "demo,web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, everyClusterConfig),
			ConfigStateChecks: []statecheck.StateCheck{
				// Get-AksHciCluster lists akshci-management too; it is not a workload cluster.
				statecheck.ExpectKnownValue("data.akshybrid_clusters.all", tfjsonpath.New("names"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("demo"), knownvalue.StringExact("web")})),
				statecheck.ExpectKnownOutputValue("expires_at", knownvalue.MapExact(map[string]knownvalue.Check{
					"demo": knownvalue.NotNull(),
					"web":  knownvalue.NotNull(),
				})),
				// Each date says where it came from: the admin kubeconfig's client certificate,
				// the API server's TLS handshake and the tokens' exp claims; never the
				// emulator's own record.
				statecheck.ExpectKnownOutputValue("sources", knownvalue.MapExact(map[string]knownvalue.Check{
					"demo": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("kubeconfig"), knownvalue.StringExact("tls-handshake"), knownvalue.StringExact("token-exp")}),
					"web":  knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("kubeconfig"), knownvalue.StringExact("tls-handshake"), knownvalue.StringExact("token-exp")}),
				})),
				// The kubeconfig's certificate is the emulator's admin kubeconfig client
				// certificate, reported as the KubeconfigAdmin client.
				statecheck.ExpectKnownOutputValue("kubeconfig", knownvalue.MapExact(map[string]knownvalue.Check{
					"demo": knownvalue.NotNull(),
					"web":  knownvalue.NotNull(),
				})),
			},
		}},
	})
}

func TestAccSSHHost_managementClusterNamedAsWorkloadClusterFailsAtPlan(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	ps := env.powershell("powershell.exe", 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
resource "akshybrid_cluster_certificates" "mgmt" {
  cluster_name = "`+standinManagement+`"
}
`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)cluster_name is the management cluster.*"akshci-management" is the management\s+cluster`),
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
data "akshybrid_certificates" "mgmt" {
  cluster_name = "`+standinManagement+`"
}
`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)cluster_name is the management cluster.*Omit cluster_name`),
			},
		},
	})
}

const unknownExpiryResource = `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  renew_every  = "1440h"

  lifecycle {
    create_before_destroy = true
  }
}
`

func TestAccSSHHost_renewEveryRenewsWhenTheExpiryIsUnknown(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	// Neither cloud-scope token can be read: expires_at stays null, so only renew_every
	// (60 days, the documented advice) can make the renewal due.
	failing := []string{"-fail", "*:kms=no-exp,*:csi=denied"}
	day0 := env.powershell("powershell.exe", 0, failing...)
	day59 := env.powershell("powershell-day59.exe", 59*day, failing...)
	day60 := env.powershell("powershell-day60.exe", 60*day, failing...)
	renewedAt := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day0, unknownExpiryResource),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at")),
				},
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day59, unknownExpiryResource),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day60, unknownExpiryResource),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
				},
			},
		},
	})
}

func TestAccSSHHost_failedSourceGivesUnknownReason(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	ps := env.powershell("powershell.exe", 0, "-fail", "demo:kms=denied,demo:serving=unreachable")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
data "akshybrid_certificates" "demo" {
  cluster_name = "demo"
}

output "kms" {
  value = one([for c in data.akshybrid_certificates.demo.credentials : c if c.client == "KMS" && c.type == "token"])
}

output "serving" {
  value = one([for c in data.akshybrid_certificates.demo.credentials : c if c.client == "Kubelet"])
}

output "csi" {
  value = one([for c in data.akshybrid_certificates.demo.credentials : c if c.client == "CSI" && c.type == "token"])
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("kms", knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"not_after":      knownvalue.Null(),
					"source":         knownvalue.Null(),
					"unknown_reason": knownvalue.StringRegexp(regexp.MustCompile(`^denied: the session's account may not read it`)),
				})),
				statecheck.ExpectKnownOutputValue("serving", knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"not_after":      knownvalue.Null(),
					"unknown_reason": knownvalue.StringRegexp(regexp.MustCompile(`^unreachable: `)),
				})),
				// The other source of the same cluster still works.
				statecheck.ExpectKnownOutputValue("csi", knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"not_after":      knownvalue.NotNull(),
					"source":         knownvalue.StringExact("token-exp"),
					"unknown_reason": knownvalue.Null(),
				})),
				statecheck.ExpectKnownValue("data.akshybrid_certificates.demo", tfjsonpath.New("expires_at"), knownvalue.NotNull()),
			},
		}},
	})
}

func TestAccSSHHost_probedModuleWithoutPatchLoadBalancerRenewsWithoutIt(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	// The stand-in's module lacks -patchLoadBalancer and fails a script that passes it, as
	// PowerShell would ("A parameter cannot be found that matches parameter name").
	ps := env.powershell("powershell.exe", 0, "-no-patch-load-balancer")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{
				// patch_load_balancer is on by default: on this documented module the
				// renewal runs -fixCloudCredentials without it (the plan warns), instead of
				// refusing the default.
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("patch_load_balancer"), knownvalue.Bool(true)),
				},
			},
			{
				// The same module has -force: the probe lets it through.
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  force        = true
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("force"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

// kvactl unused for 100 days must log in with its expired token, so Get-AksHciCluster
// fails with the documented text [#169]. The inventory reports that text instead of
// failing; the provider recognises the lockout, so over SSH as on the emulator the
// management renewal (the documented fix) is planned while the cluster resource keeps
// its state and the cluster list is refused rather than reported empty; once the
// management renewal has run, the cluster is renewed.
func TestAccSSHHost_kvactlLockoutKeepsTheManagementRenewalPlannable(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	day0 := env.powershell("powershell.exe", 0)
	day100 := env.powershell("powershell-day100.exe", 100*day)
	resources := demoConfig + managementConfig
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{Config: env.config(env.srv.Port, env.srv.HostKeyLine, day0, resources)},
			{
				Config:      env.config(env.srv.Port, env.srv.HostKeyLine, day100, resources+`data "akshybrid_clusters" "all" {}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot list the workload clusters.*Valid Token Required.*\[#169\]`),
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day100, resources),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionNoop),
					},
				},
				ExpectNonEmptyPlan: true, // the cluster is due once kvactl works again
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day100, resources),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The stand-in's module makes a fix switch mandatory in both parameter sets of
// Update-AksHciClusterCertificates, so -name alone (both fix_* off) cannot bind there:
// the plan fails naming fix_kubelet_credentials, before anything runs on the host.
func TestAccSSHHost_nameAloneOnAModuleWithMandatorySwitchesFailsAtPlan(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	ps := env.powershell("powershell.exe", 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config: env.config(env.srv.Port, env.srv.HostKeyLine, ps, `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name          = "demo"
  fix_cloud_credentials = false
}
`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)cannot run -name alone.*alias of\s+Repair-AksHciClusterCerts.*fix_kubelet_credentials\s+=\s+true`),
		}},
	})
}
