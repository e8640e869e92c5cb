// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// These tests drive the shared renewal lifecycle directly, without a Terraform CLI, against a scripted host:
// they run in every `go test`, TF_ACC or not, and pin the decisions the acceptance tests can only observe
// from outside.

// scriptedHost is an akshci.Host whose inventory the test sets and whose update either fails, does nothing
// (a cmdlet that found nothing to rotate), or moves the KMS token's expiry to a new value.
type scriptedHost struct {
	mu        sync.Mutex
	inv       akshci.Inventory
	updateErr error
	renewTo   time.Time // zero: the update changes nothing
	updates   int
}

func (h *scriptedHost) Inventory(context.Context) (*akshci.Inventory, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	inv := h.inv
	inv.Clusters = append([]akshci.Cluster(nil), h.inv.Clusters...)
	return &inv, nil
}

func (h *scriptedHost) UpdateManagementCertificates(context.Context, akshci.ManagementOptions) error {
	return h.update(func(creds []akshci.Credential) { h.inv.Management = creds }, h.inv.Management)
}

func (h *scriptedHost) UpdateClusterCertificates(_ context.Context, cluster string, _ akshci.ClusterOptions) error {
	for i, c := range h.inv.Clusters {
		if c.Name == cluster {
			return h.update(func(creds []akshci.Credential) { h.inv.Clusters[i].Credentials = creds }, c.Credentials)
		}
	}
	return &akshci.ClusterNotFoundError{Name: cluster}
}

func (h *scriptedHost) update(set func([]akshci.Credential), creds []akshci.Credential) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updates++
	if h.updateErr != nil {
		return h.updateErr
	}
	if h.renewTo.IsZero() {
		return nil
	}
	out := append([]akshci.Credential(nil), creds...)
	for i := range out {
		out[i].NotAfter = h.renewTo
	}
	set(out)
	return nil
}

var unitNow = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// kmsToken is a workload-cluster KMS token that expires after left.
func kmsToken(left time.Duration) akshci.Credential {
	return akshci.Credential{Client: "KMS", Type: akshci.Token, Scope: akshci.ScopeCloud, NotAfter: unitNow.Add(left)}
}

func newScriptedHost(left time.Duration) *scriptedHost {
	return &scriptedHost{inv: akshci.Inventory{
		Now:         unitNow,
		CAExpiresAt: unitNow.Add(200 * day),
		Management:  []akshci.Credential{kmsToken(left)},
		Clusters:    []akshci.Cluster{{Name: "demo", Credentials: []akshci.Credential{kmsToken(left)}}},
	}}
}

func clusterResourceWith(host akshci.Host) *clusterCertificatesResource {
	r, ok := NewClusterCertificatesResource().(*clusterCertificatesResource)
	if !ok {
		panic("NewClusterCertificatesResource returned another type")
	}
	r.data = newProviderData(host, akshci.NewFakeClock(unitNow))
	return r
}

// plannedCluster is the plan of a new akshybrid_cluster_certificates "demo" with the schema defaults.
func plannedCluster(t *testing.T, r resource.Resource) tfsdk.Plan {
	t.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	m := clusterCertificatesModel{
		renewalModel: renewalModel{
			ID:                 types.StringValue("demo"),
			RenewBefore:        types.StringValue(defaultRenewBefore),
			Triggers:           types.MapNull(types.StringType),
			RenewedAt:          timetypes.NewRFC3339Unknown(),
			ExpiresAt:          timetypes.NewRFC3339Unknown(),
			ExpiringCredential: types.StringUnknown(),
			ReadyForRenewal:    types.BoolUnknown(),
			Timeouts:           types.MapNull(types.StringType),
		},
		ClusterName:           types.StringValue("demo"),
		FixCloudCredentials:   types.BoolValue(true),
		FixKubeletCredentials: types.BoolValue(false),
		PatchLoadBalancer:     types.BoolValue(false),
		Force:                 types.BoolValue(false),
	}
	plan := tfsdk.Plan{Schema: sr.Schema}
	if diags := plan.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building the plan: %v", diags)
	}
	return plan
}

func create(t *testing.T, r *clusterCertificatesResource) *resource.CreateResponse {
	t.Helper()
	plan := plannedCluster(t, r)
	resp := &resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	r.Create(context.Background(), resource.CreateRequest{Plan: plan}, resp)
	return resp
}

func TestCreate_failsWhenTheCmdletChangedNothing(t *testing.T) {
	host := newScriptedHost(10 * day) // inside the 30-day window, and the cmdlet exits 0 and rotates nothing
	resp := create(t, clusterResourceWith(host))

	if host.updates != 1 {
		t.Fatalf("the cmdlet ran %d times, want 1", host.updates)
	}
	if !resp.Diagnostics.HasError() || !strings.Contains(diagText(resp.Diagnostics), "Renewal changed nothing") ||
		!strings.Contains(diagText(resp.Diagnostics), "the same KMS token as before") {
		t.Fatalf("want the error %q naming the credential, got %v", "Renewal changed nothing", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a renewal that changed nothing was recorded in the state")
	}
}

func TestCreate_failsWhenTheCmdletLeftTheCredentialsDue(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.renewTo = unitNow.Add(20 * day) // re-issued, but still inside the 30-day window
	resp := create(t, clusterResourceWith(host))
	if !resp.Diagnostics.HasError() || !strings.Contains(diagText(resp.Diagnostics), "Renewal did not take effect") {
		t.Fatalf("want the error %q, got %v", "Renewal did not take effect", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a renewal that did not take effect was recorded in the state")
	}
}

// Creating a resource whose credentials are not due runs the cmdlet, which rotates
// nothing without -force: that is not a failed renewal (nothing was due).
func TestCreate_notDueRunsTheCmdletAndAcceptsThatNothingChanged(t *testing.T) {
	host := newScriptedHost(80 * day)
	resp := create(t, clusterResourceWith(host))
	if resp.Diagnostics.HasError() || host.updates != 1 {
		t.Fatalf("create of a resource with nothing due: %v, %d updates", resp.Diagnostics, host.updates)
	}
}

// A host that reports no expiry for the credentials in scope, before or after, cannot
// show whether the renewal changed them: the renewal is kept, with a warning saying so.
func TestCreate_unobservableRenewalWarns(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Clusters[0].Credentials[0].NotAfter = time.Time{}
	d := newProviderData(host, akshci.NewFakeClock(unitNow))
	var diags diag.Diagnostics
	_, _, ok := d.runRenewal(context.Background(), renewalRun{target: clusterTarget{cluster: "demo",
		opts: akshci.ClusterOptions{FixCloudCredentials: true}}, window: akshci.DefaultRenewBefore, timeout: time.Minute,
		timeoutAttr: "timeouts.invoke", explicit: true}, &diags)
	if !ok || diags.HasError() || !strings.Contains(diagText(diags), "Renewal not verified") {
		t.Fatalf("an unobservable renewal: ok %v, %v; want it kept with a warning", ok, diagText(diags))
	}
}

func TestCreate_recordsTheRenewalWhenTheCredentialsMoved(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.renewTo = unitNow.Add(90 * day)
	resp := create(t, clusterResourceWith(host))

	if resp.Diagnostics.HasError() {
		t.Fatalf("unexpected error: %v", resp.Diagnostics)
	}
	var got clusterCertificatesModel
	if diags := resp.State.Get(context.Background(), &got); diags.HasError() {
		t.Fatal(diags)
	}
	if got.ExpiresAt.ValueString() != "2027-05-30T12:00:00Z" || got.ReadyForRenewal.ValueBool() ||
		got.RenewedAt.ValueString() != "2027-03-01T12:00:00Z" || got.ExpiringCredential.ValueString() != "KMS token" {
		t.Errorf("state after the renewal: expires_at %s, ready %v, renewed_at %s, credential %s",
			got.ExpiresAt, got.ReadyForRenewal, got.RenewedAt, got.ExpiringCredential)
	}
}

func TestCreate_failedCmdletLeavesNoState(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.updateErr = errors.New("failed to repair cluster certificates")
	resp := create(t, clusterResourceWith(host))

	text := diagText(resp.Diagnostics)
	if !strings.Contains(text, "Renewal failed") || !strings.Contains(text, "failed to repair cluster certificates") {
		t.Fatalf("want the host's error in a Renewal failed diagnostic, got %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a failed renewal was recorded in the state")
	}
}

func TestModifyPlan_replacesOnlyWhenDue(t *testing.T) {
	for _, tt := range []struct {
		name        string
		left        time.Duration
		wantReplace bool
	}{
		{"one second outside the window", 30*day + time.Second, false},
		{"exactly at the window", 30 * day, true},
		{"already expired", -time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := clusterResourceWith(newScriptedHost(tt.left))
			plan := plannedCluster(t, r)
			// The prior state: a renewal recorded earlier, now refreshed.
			state := tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}
			req := resource.ModifyPlanRequest{Plan: plan, State: state, Config: tfsdk.Config{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
			resp := &resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
			r.ModifyPlan(context.Background(), req, resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			replace := false
			for _, p := range resp.RequiresReplace {
				if p.Equal(path.Root("ready_for_renewal")) {
					replace = true
				}
			}
			if replace != tt.wantReplace {
				t.Errorf("replacement planned = %v, want %v", replace, tt.wantReplace)
			}
		})
	}
}

// diagText joins the summaries and details of diags, for assertions on what the user reads.
func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestHostErrorsNameTheProviderAttributes(t *testing.T) {
	// The emulator speaks no HCL; the provider's messages name the attributes to change.
	for neutral, want := range map[string]string{
		"cannot create emulator state \"x\": directory \"d\" does not exist; create it or choose another state file path": "choose another state_path",
		"the configured time offset would move it back to T; raise the time offset to at least 2h":                        "the configured time_offset would move it back to T; raise time_offset to at least 2h",
		"the emulator's state file path must not be empty":                                                                "state_path must not be empty",
	} {
		if got := withAttributeNames(errors.New(neutral)).Error(); !strings.Contains(got, want) {
			t.Errorf("%q became %q, want it to contain %q", neutral, got, want)
		}
	}
	var target *testUnwrapError
	if !errors.As(withAttributeNames(&testUnwrapError{}), &target) {
		t.Error("the mapped error hides what it wraps")
	}
}

type testUnwrapError struct{}

func (*testUnwrapError) Error() string { return "x" }
