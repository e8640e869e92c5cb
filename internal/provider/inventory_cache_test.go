// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The run's inventory read is shared by every resource and data source, success or
// failure (issue 20, item 5): a host that hangs costs one read timeout per plan.

// hungHost never answers an inventory read: each call blocks until its context ends.
type hungHost struct {
	akshci.Host
	reads atomic.Int64
}

func (h *hungHost) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	h.reads.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// terraformParallelism is how many operations Terraform runs at once by default.
const terraformParallelism = 10

// planClusters runs the plan of n new cluster resources through one provider instance
// (one run) against host, terraformParallelism at a time as Terraform does, each with
// timeouts.read set to readTimeout. It returns each plan's diagnostics.
func planClusters(tb testing.TB, host akshci.Host, n int, readTimeout string) []diag.Diagnostics {
	tb.Helper()
	data := newProviderData(host, akshci.NewFakeClock(unitNow))
	out := make([]diag.Diagnostics, n)
	slots := make(chan struct{}, terraformParallelism)
	var wg sync.WaitGroup
	for i := range n {
		r, ok := NewClusterCertificatesResource().(*clusterCertificatesResource)
		if !ok {
			tb.Fatal("NewClusterCertificatesResource returned another type")
		}
		r.data = data
		plan := newClusterPlan(tb, r, fmt.Sprintf("c%03d", i), readTimeout)
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			resp := &resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
			r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{
				Plan:   plan,
				State:  tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()},
				Config: tfsdk.Config{Schema: plan.Schema, Raw: plan.Raw.Copy()},
			}, resp)
			out[i] = resp.Diagnostics
		}()
	}
	wg.Wait()
	return out
}

// newClusterPlan is the plan of an existing akshybrid_cluster_certificates for cluster
// with the schema defaults and timeouts.read.
func newClusterPlan(tb testing.TB, r resource.Resource, cluster, readTimeout string) tfsdk.Plan {
	tb.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	to, diags := types.MapValue(types.StringType, map[string]attr.Value{"read": types.StringValue(readTimeout)})
	if diags.HasError() {
		tb.Fatal(diags)
	}
	m := clusterCertificatesModel{
		renewalModel: renewalModel{
			ID:                 types.StringValue(cluster),
			RenewBefore:        types.StringValue(defaultRenewBefore),
			Triggers:           types.MapNull(types.StringType),
			RenewedAt:          timeValue(unitNow),
			ExpiresAt:          timeValue(unitNow.Add(60 * day)),
			ExpiringCredential: types.StringValue("KMS token"),
			ReadyForRenewal:    types.BoolValue(false),
			Timeouts:           to,
		},
		ClusterName:           types.StringValue(cluster),
		FixCloudCredentials:   types.BoolValue(true),
		FixKubeletCredentials: types.BoolValue(false),
		PatchLoadBalancer:     types.BoolValue(true),
		Force:                 types.BoolValue(false),
	}
	plan := tfsdk.Plan{Schema: sr.Schema}
	if diags := plan.Set(ctx, &m); diags.HasError() {
		tb.Fatal(diags)
	}
	return plan
}

func TestInventory_failedReadIsSharedByTheWholeRun(t *testing.T) {
	host := &hungHost{}
	diags := planClusters(t, host, 40, "20ms")
	if n := host.reads.Load(); n != 1 {
		t.Errorf("the hung host was asked %d times in one run, want once", n)
	}
	for i, d := range diags {
		text := diagText(d)
		if !d.HasError() || !strings.Contains(text, "Cannot read the AKS hybrid inventory") {
			t.Fatalf("resource %d: want the inventory error, got %v", i, d)
		}
		// Every message names the cause: the read timeout, and the setting to raise.
		if !strings.Contains(text, "the read timeout passed; raise timeouts.read") {
			t.Errorf("resource %d does not say which timeout ended the read: %s", i, text)
		}
	}
}

func TestInventory_renewalDropsTheSharedFailure(t *testing.T) {
	host := &flakyHost{scriptedHost: newScriptedHost(60 * day)}
	host.fail.Store(true)
	d := newProviderData(host, akshci.NewFakeClock(unitNow))
	if _, err := d.inventory(context.Background()); err == nil {
		t.Fatal("the first read should fail")
	}
	host.fail.Store(false)
	_, err := d.inventory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "this run reads the AKS hybrid inventory once") {
		t.Fatalf("the second read in the same run: %v, want the shared failure", err)
	}
	d.invalidate() // what a renewal does: the host changed
	if _, err := d.inventory(context.Background()); err != nil {
		t.Fatalf("after a renewal the inventory is read again: %v", err)
	}
	if n := host.reads.Load(); n != 2 {
		t.Errorf("the host was read %d times, want 2 (once before, once after the renewal)", n)
	}
}

// flakyHost fails its inventory while fail is set.
type flakyHost struct {
	*scriptedHost
	fail  atomic.Bool
	reads atomic.Int64
}

func (h *flakyHost) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	h.reads.Add(1)
	if h.fail.Load() {
		return nil, fmt.Errorf("the host answered garbage")
	}
	return h.scriptedHost.Inventory(ctx)
}

// BenchmarkPlanAgainstAHungHost plans 20 and 40 cluster resources in one run against a
// host that never answers, with a 200ms read timeout: the plan takes one timeout
// whatever the number of resources.
func BenchmarkPlanAgainstAHungHost(b *testing.B) {
	for _, n := range []int{20, 40} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			for b.Loop() {
				planClusters(b, &hungHost{}, n, "200ms")
			}
		})
	}
}
