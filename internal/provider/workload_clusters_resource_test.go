// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const workloadClustersAddr = "akshybrid_workload_clusters.all"

func namesAre(names ...string) statecheck.StateCheck {
	checks := make([]knownvalue.Check, len(names))
	for i, n := range names {
		checks[i] = knownvalue.StringExact(n)
	}
	return statecheck.ExpectKnownValue(workloadClustersAddr, tfjsonpath.New("names"), knownvalue.ListExact(checks))
}

// akshybrid_workload_clusters follows the host's list like the data source, and keeps
// its last list, rather than failing the plan, while the host cannot list its clusters.
func TestAccWorkloadClusters_followsTheHostAndKeepsTheLastListWhileItCannotList(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "web", "batch")
	cfg := env.config(`resource "akshybrid_workload_clusters" "all" {}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					namesAre("batch", "web"),
					statecheck.ExpectKnownValue(workloadClustersAddr, tfjsonpath.New("id"), knownvalue.StringExact("workload-clusters")),
				},
			},
			{
				// A cluster created on the host shows in the next refresh.
				PreConfig: func() {
					if err := env.emulator().AddCluster(context.Background(), "apps"); err != nil {
						t.Fatal(err)
					}
				},
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{namesAre("apps", "batch", "web")},
			},
			{
				// A cluster deleted on the host (one the emulator's configuration does not
				// create again) leaves the list too.
				PreConfig: func() {
					if err := env.emulator().DeleteCluster(context.Background(), "apps"); err != nil {
						t.Fatal(err)
					}
				},
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{namesAre("batch", "web")},
			},
			{
				// Day 100: kvactl, unused since day 0, is locked out and Get-AksHciCluster
				// fails; the list is kept, so nothing changes.
				PreConfig: env.advance(100 * day),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(workloadClustersAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{namesAre("batch", "web")},
			},
			{
				// The data source cannot list them, and says what keeps working.
				Config:      env.config(`data "akshybrid_clusters" "all" {}`),
				ExpectError: errorLike("Cannot list the workload clusters ... Valid Token Required ... akshybrid_workload_clusters resource keeps the last list"),
			},
		},
	})
}

// With nothing to keep, a create while the host cannot list its clusters fails, as the
// data source does: an empty list would make for_each forget every cluster resource.
func TestAccWorkloadClusters_createFailsWhileTheHostCannotList(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(`data "akshybrid_clusters" "all" {}`)},
			{
				PreConfig:   env.advance(100 * day),
				Config:      env.config(`resource "akshybrid_workload_clusters" "all" {}`),
				ExpectError: errorLike("Cannot list the workload clusters ... Get-AksHciCluster failed ... Valid Token Required"),
			},
		},
	})
}

func TestAccWorkloadClusters_importByFixedID(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "web")
	cfg := env.config(`resource "akshybrid_workload_clusters" "all" {}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config: cfg, ResourceName: workloadClustersAddr, ImportState: true, ImportStateId: "workload-clusters",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config: cfg, ResourceName: workloadClustersAddr, ImportState: true, ImportStateId: "clusters",
				ExpectError: errorLike(`imported with the ID "workload-clusters"`),
			},
		},
	})
}
