// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// More unit tests of the renewal lifecycle against a scripted host (see renewal_resource_unit_test.go):
// lockouts, the cloud agent CA, the load balancer warning, the management resource, probed cmdlets, unknown
// clusters, renew_every, Read and Update. Expected texts are the diagnostics' wording as the design names them
// (DESIGN.md, research §3-§5), written out here.

func nullTimeouts() types.Map {
	return types.MapNull(types.StringType)
}

func defaultRenewal() renewalModel {
	return renewalModel{
		ID:                 types.StringUnknown(),
		RenewBefore:        types.StringValue(defaultRenewBefore),
		RenewEvery:         types.StringNull(),
		Triggers:           types.MapNull(types.StringType),
		RenewedAt:          timetypes.NewRFC3339Unknown(),
		ExpiresAt:          timetypes.NewRFC3339Unknown(),
		ExpiringCredential: types.StringUnknown(),
		ReadyForRenewal:    types.BoolUnknown(),
		Timeouts:           nullTimeouts(),
	}
}

// clusterModel is akshybrid_cluster_certificates "demo" with fix_cloud_credentials on, as the schema defaults it.
func clusterModel() *clusterCertificatesModel {
	return &clusterCertificatesModel{
		renewalModel:          defaultRenewal(),
		Force:                 types.BoolValue(false),
		ClusterName:           types.StringValue("demo"),
		FixCloudCredentials:   types.BoolValue(true),
		FixKubeletCredentials: types.BoolValue(false),
		PatchLoadBalancer:     types.BoolValue(false),
	}
}

func managementModel() *managementCertificatesModel {
	return &managementCertificatesModel{renewalModel: defaultRenewal(), Force: types.BoolValue(false)}
}

func managementResourceWith(host akshci.Host) *managementCertificatesResource {
	r, ok := NewManagementCertificatesResource().(*managementCertificatesResource)
	if !ok {
		panic("NewManagementCertificatesResource returned another type")
	}
	r.data = newProviderData(host, akshci.NewFakeClock(unitNow))
	return r
}

// toPlan encodes model m in r's schema.
func toPlan(t *testing.T, r resource.Resource, m any) tfsdk.Plan {
	t.Helper()
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	plan := tfsdk.Plan{Schema: sr.Schema}
	if diags := plan.Set(context.Background(), m); diags.HasError() {
		t.Fatalf("building the plan: %v", diags)
	}
	return plan
}

// planned is what ModifyPlan made of a plan.
type planned struct {
	diags   diag.Diagnostics
	replace bool
	plan    tfsdk.Plan
}

// modifyPlan runs ModifyPlan for a create (no prior state) or an update of an existing resource.
func modifyPlan(t *testing.T, r resource.ResourceWithModifyPlan, m any, creating bool) planned {
	t.Helper()
	plan := toPlan(t, r, m)
	state := tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}
	if creating {
		state.Raw = tftypes.NewValue(plan.Schema.Type().TerraformType(context.Background()), nil)
	}
	req := resource.ModifyPlanRequest{Plan: plan, State: state, Config: tfsdk.Config{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	resp := &resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	r.ModifyPlan(context.Background(), req, resp)
	out := planned{diags: resp.Diagnostics, plan: resp.Plan}
	for _, p := range resp.RequiresReplace {
		if p.Equal(path.Root("ready_for_renewal")) {
			out.replace = true
		}
	}
	return out
}

// summaries lists the diagnostics' severities and summaries, e.g. "error: Cloud agent CA has expired".
func summaries(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, strings.ToLower(d.Severity().String())+": "+d.Summary())
	}
	return out
}

func hasDiag(diags diag.Diagnostics, want string) bool {
	for _, s := range summaries(diags) {
		if s == want {
			return true
		}
	}
	return false
}

func TestModifyPlan_manualLockoutFailsThePlanNamingTheCmdlet(t *testing.T) {
	for _, tt := range []struct {
		name       string
		m          any
		wantDetail string
	}{
		{"management", managementModel(), "Update-AksHciCertificates for the management cluster would fail"},
		{"cluster", clusterModel(), `Update-AksHciClusterCertificates for workload cluster "demo" would fail`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host := newScriptedHost(60 * day)
			host.inv.Lockouts = []akshci.Lockout{akshci.ManagementKMSLockout("mgmt")}
			var r resource.ResourceWithModifyPlan = clusterResourceWith(host)
			if tt.name == "management" {
				r = managementResourceWith(host)
			}
			got := modifyPlan(t, r, tt.m, false)
			if !hasDiag(got.diags, "error: AKS hybrid lockout needs manual recovery") {
				t.Fatalf("diagnostics %v, want the manual-recovery error", summaries(got.diags))
			}
			if text := diagText(got.diags); !strings.Contains(text, tt.wantDetail) || !strings.Contains(text, "KMSPlugin-mgmt-moc-kms-plugin") {
				t.Errorf("detail lacks %q or the documented steps:\n%s", tt.wantDetail, text)
			}
			if got.replace {
				t.Error("a renewal that would fail was planned")
			}
		})
	}
}

// kvactl's expired token is repaired by Update-AksHciCertificates [#169]: it blocks a cluster create, keeps an
// existing cluster resource as it is with a warning, and is only reported to the management resource.
func TestModifyPlan_repairableLockout(t *testing.T) {
	newHost := func() *scriptedHost {
		h := newScriptedHost(10 * day) // due
		h.inv.Lockouts = []akshci.Lockout{akshci.KVATokenLockout()}
		return h
	}
	created := modifyPlan(t, clusterResourceWith(newHost()), clusterModel(), true)
	if !hasDiag(created.diags, "error: Renewal blocked by a lockout") {
		t.Errorf("cluster create: %v, want the error", summaries(created.diags))
	}
	updated := modifyPlan(t, clusterResourceWith(newHost()), clusterModel(), false)
	if updated.diags.HasError() || !hasDiag(updated.diags, "warning: Renewal blocked by a lockout") || updated.replace {
		t.Errorf("cluster update: %v, replace %v; want only the warning and no renewal", summaries(updated.diags), updated.replace)
	}
	mgmt := modifyPlan(t, managementResourceWith(newHost()), managementModel(), false)
	if mgmt.diags.HasError() || !hasDiag(mgmt.diags, "warning: Locked-out client: KVA") || !mgmt.replace {
		t.Errorf("management: %v, replace %v; want the locked-out warning and the due renewal", summaries(mgmt.diags), mgmt.replace)
	}
}

func TestModifyPlan_cloudAgentCA(t *testing.T) {
	withCA := func(left time.Duration) *scriptedHost {
		h := newScriptedHost(60 * day) // not due
		h.inv.CAExpiresAt = unitNow.Add(left)
		return h
	}
	// A create runs the renewal: refused from the second the CA expires.
	if got := modifyPlan(t, clusterResourceWith(withCA(0)), clusterModel(), true); !hasDiag(got.diags, "error: Cloud agent CA has expired") {
		t.Errorf("CA expiring now: %v, want the expired-CA error", summaries(got.diags))
	}
	if got := modifyPlan(t, clusterResourceWith(withCA(time.Second)), clusterModel(), true); got.diags.HasError() {
		t.Errorf("CA valid for one more second: %v, want no error", summaries(got.diags))
	}
	// An existing resource warns from 60 days before the CA expires (the CA's own renewal window, DESIGN.md
	// akshybrid_cloud_agent_ca: default 60 days) until it expires; once it has expired the plan fails instead.
	for _, tt := range []struct {
		left        time.Duration
		warn, error bool
	}{
		{10 * day, true, false},
		{60 * day, true, false},
		{60*day + time.Second, false, false},
		{0, false, true},
	} {
		got := modifyPlan(t, clusterResourceWith(withCA(tt.left)), clusterModel(), false)
		if hasDiag(got.diags, "warning: Cloud agent CA expires soon") != tt.warn ||
			hasDiag(got.diags, "error: Cloud agent CA has expired") != tt.error {
			t.Errorf("CA expiring in %v: %v, want the warning %v and the error %v", tt.left, summaries(got.diags), tt.warn, tt.error)
		}
	}
}

func TestModifyPlan_warnsWhenDueLoadBalancerCredentialsAreOutOfScope(t *testing.T) {
	lbHost := func(left time.Duration) *scriptedHost {
		h := newScriptedHost(60 * day)
		h.inv.Clusters[0].Credentials = append(h.inv.Clusters[0].Credentials,
			akshci.Credential{Client: "LoadBalancer", Type: akshci.Certificate, Scope: akshci.ScopeLoadBalancer, NotAfter: unitNow.Add(left)})
		return h
	}
	const warning = "warning: Load balancer credentials due but not renewed"
	got := modifyPlan(t, clusterResourceWith(lbHost(10*day)), clusterModel(), false)
	if !hasDiag(got.diags, warning) || !strings.Contains(diagText(got.diags), "LoadBalancer certificate of workload cluster \"demo\"") {
		t.Errorf("patch_load_balancer off, load balancer due: %v", diagText(got.diags))
	}
	if got := modifyPlan(t, clusterResourceWith(lbHost(60*day)), clusterModel(), false); hasDiag(got.diags, warning) {
		t.Errorf("load balancer not due: %v, want no warning", summaries(got.diags))
	}
	patched := clusterModel()
	patched.PatchLoadBalancer = types.BoolValue(true)
	if got := modifyPlan(t, clusterResourceWith(lbHost(10*day)), patched, false); hasDiag(got.diags, warning) {
		t.Errorf("patch_load_balancer on: %v, want no warning", summaries(got.diags))
	}
}

func TestModifyPlan_managementResourceUsesTheManagementCredentials(t *testing.T) {
	host := newScriptedHost(60 * day)
	host.inv.Management = []akshci.Credential{kmsToken(20 * day)} // the cluster's token stays outside the window
	got := modifyPlan(t, managementResourceWith(host), managementModel(), false)
	if got.diags.HasError() || !got.replace {
		t.Fatalf("management token due in 20 days: %v, replace %v; want a replacement", summaries(got.diags), got.replace)
	}
	host.inv.Management = []akshci.Credential{kmsToken(45 * day)}
	got = modifyPlan(t, managementResourceWith(host), managementModel(), false)
	var m managementCertificatesModel
	if d := got.plan.Get(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	if got.replace || m.ExpiresAt.ValueString() != "2027-04-15T12:00:00Z" || m.ExpiringCredential.ValueString() != "KMS token" ||
		m.ReadyForRenewal.ValueBool() {
		t.Errorf("management token due in 45 days: replace %v, planned expires_at %s, credential %s, ready %s",
			got.replace, m.ExpiresAt, m.ExpiringCredential, m.ReadyForRenewal)
	}
	// A create plans the target's ID.
	created := modifyPlan(t, managementResourceWith(host), managementModel(), true)
	var id types.String
	if d := created.plan.GetAttribute(context.Background(), path.Root("id"), &id); d.HasError() || id.ValueString() != "management" {
		t.Errorf("planned id %s (%v), want \"management\"", id, d)
	}
}

// A module without -patchLoadBalancer (the documented Repair-AksHciClusterCerts sets) plans the
// default patch_load_balancer = true with a warning instead of refusing it; a switch the
// configuration asks for explicitly (force) is still refused at plan time.
func TestModifyPlan_plansWithoutAMissingPatchLoadBalancerAndRefusesOtherMissingSwitches(t *testing.T) {
	set := func(name string, params ...string) akshci.ParameterSet {
		s := akshci.ParameterSet{Name: name, Parameters: map[string]bool{}}
		for _, p := range params {
			s.Parameters[p] = p == "name"
		}
		return s
	}
	host := newScriptedHost(10 * day)
	host.inv.Cmdlets = &akshci.CmdletProbe{
		ModuleVersion: "1.1.59",
		Management:    akshci.CmdletParameters{Found: true, Sets: []akshci.ParameterSet{set("all", "sshprivatekeyfile")}},
		Cluster: akshci.CmdletParameters{Found: true, Sets: []akshci.ParameterSet{
			set("cloud", "name", "fixcloudcredentials", "force"), set("kubelet", "name", "fixkubeletcredentials", "force"),
		}},
	}
	patched := clusterModel()
	patched.PatchLoadBalancer = types.BoolValue(true)
	got := modifyPlan(t, clusterResourceWith(host), patched, false)
	if got.diags.HasError() || !hasDiag(got.diags, "warning: The host's AksHci module lacks -patchLoadBalancer") || !got.replace {
		t.Errorf("cluster with patch_load_balancer: %v, replace %v; want the due renewal planned with a warning", summaries(got.diags), got.replace)
	}
	forced := managementModel()
	forced.Force = types.BoolValue(true)
	got = modifyPlan(t, managementResourceWith(host), forced, false)
	if !hasDiag(got.diags, "error: The host's AksHci module lacks -force") {
		t.Errorf("management with force: %v", summaries(got.diags))
	}
	if got := modifyPlan(t, managementResourceWith(host), managementModel(), false); got.diags.HasError() || !got.replace {
		t.Errorf("management without force: %v, replace %v; want the due renewal", summaries(got.diags), got.replace)
	}
	host.inv.Cmdlets.Cluster = akshci.CmdletParameters{}
	if got := modifyPlan(t, clusterResourceWith(host), clusterModel(), false); !hasDiag(got.diags, "error: The host's AksHci module lacks Update-AksHciClusterCertificates") {
		t.Errorf("no cluster cmdlet: %v", summaries(got.diags))
	}
}

func TestModifyPlan_warnsAboutAClusterWithoutAnyKnownExpiry(t *testing.T) {
	host := newScriptedHost(60 * day)
	host.inv.Clusters[0].Credentials = []akshci.Credential{
		{Client: "KMS", Type: akshci.Token, Scope: akshci.ScopeCloud, UnknownReason: "denied: access is denied"},
	}
	got := modifyPlan(t, clusterResourceWith(host), clusterModel(), false)
	if !hasDiag(got.diags, `warning: No expiry known for workload cluster "demo"`) ||
		!strings.Contains(diagText(got.diags), "KMS token: denied: access is denied") {
		t.Errorf("unknown cluster: %v", diagText(got.diags))
	}
	// The management resource says nothing about a workload cluster.
	if got := modifyPlan(t, managementResourceWith(host), managementModel(), false); len(got.diags) != 0 {
		t.Errorf("management: %v, want no diagnostics", summaries(got.diags))
	}
}

// The host's own warnings are repeated when the plan runs something: a create or a due renewal.
func TestModifyPlan_repeatsHostWarningsOnlyWhenARenewalIsPlanned(t *testing.T) {
	for _, tt := range []struct {
		name     string
		left     time.Duration
		creating bool
		want     bool
	}{
		{"create", 60 * day, true, true},
		{"due", 10 * day, false, true},
		{"not due", 60 * day, false, false},
	} {
		host := newScriptedHost(tt.left)
		host.inv.Warnings = []string{"no network credentials"}
		got := modifyPlan(t, clusterResourceWith(host), clusterModel(), tt.creating)
		if hasDiag(got.diags, "warning: AKS hybrid host") != tt.want {
			t.Errorf("%s: %v, want the host warning %v", tt.name, summaries(got.diags), tt.want)
		}
	}
}

// renew_every renews a credential far from expiry once the last renewal is older than
// the interval, with force; without force only when the cmdlet would rotate something
// (less than 60 days left), since otherwise it would run and change nothing.
func TestModifyPlan_renewEveryAgesTheLastRenewal(t *testing.T) {
	for _, tt := range []struct {
		renewedAgo, left time.Duration
		force, replace   bool
	}{
		{59 * day, 80 * day, true, false},
		{60 * day, 80 * day, true, true},
		{60 * day, 80 * day, false, false}, // renewed outside this resource since: nothing to rotate without force
		{60 * day, 59 * day, false, true},
	} {
		m := clusterModel()
		m.RenewEvery = types.StringValue("1440h")
		m.Force = types.BoolValue(tt.force)
		m.RenewedAt = timetypes.NewRFC3339TimeValue(unitNow.Add(-tt.renewedAgo))
		got := modifyPlan(t, clusterResourceWith(newScriptedHost(tt.left)), m, false)
		if got.diags.HasError() || got.replace != tt.replace {
			t.Errorf("renewed %v ago, %v left, force %v, renew_every 1440h: %v, replace %v, want %v",
				tt.renewedAgo, tt.left, tt.force, summaries(got.diags), got.replace, tt.replace)
		}
	}
}

func TestModifyPlan_unknownClusterNameIsAnAttributeError(t *testing.T) {
	m := clusterModel()
	m.ClusterName = types.StringValue("gone")
	got := modifyPlan(t, clusterResourceWith(newScriptedHost(10*day)), m, false)
	if !hasDiag(got.diags, "error: Workload cluster not found") || !strings.Contains(diagText(got.diags), `"demo"`) {
		t.Errorf("unknown cluster: %v", diagText(got.diags))
	}
}

// readState runs Read on a prior state built from m.
func readState(t *testing.T, r resource.Resource, m any) *resource.ReadResponse {
	t.Helper()
	plan := toPlan(t, r, m)
	state := tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}
	resp := &resource.ReadResponse{State: tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	rr, ok := r.(interface {
		Read(context.Context, resource.ReadRequest, *resource.ReadResponse)
	})
	if !ok {
		t.Fatal("no Read")
	}
	rr.Read(context.Background(), resource.ReadRequest{State: state}, resp)
	return resp
}

// recorded is the state of cluster "demo" after a renewal that the host has since moved on from.
func recorded() *clusterCertificatesModel {
	m := clusterModel()
	m.ID = types.StringValue("demo")
	m.RenewedAt = timetypes.NewRFC3339ValueMust("2027-01-01T00:00:00Z")
	m.ExpiresAt = timetypes.NewRFC3339ValueMust("2027-03-31T00:00:00Z")
	m.ExpiringCredential = types.StringValue("KMS token")
	m.ReadyForRenewal = types.BoolValue(false)
	return m
}

func TestRead_refreshesTheExpiryFromTheHost(t *testing.T) {
	resp := readState(t, clusterResourceWith(newScriptedHost(10*day)), recorded())
	var got clusterCertificatesModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() || resp.Diagnostics.HasError() {
		t.Fatal(d, resp.Diagnostics)
	}
	if got.ExpiresAt.ValueString() != "2027-03-11T12:00:00Z" || !got.ReadyForRenewal.ValueBool() ||
		got.RenewedAt.ValueString() != "2027-01-01T00:00:00Z" {
		t.Errorf("after refresh: expires_at %s, ready %s, renewed_at %s", got.ExpiresAt, got.ReadyForRenewal, got.RenewedAt)
	}
}

func TestRead_removesAClusterThatIsGone(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Clusters = nil
	resp := readState(t, clusterResourceWith(host), recorded())
	if !resp.State.Raw.IsNull() || !hasDiag(resp.Diagnostics, "warning: Workload cluster no longer exists") {
		t.Errorf("gone cluster: state removed %v, %v", resp.State.Raw.IsNull(), summaries(resp.Diagnostics))
	}
}

func TestRead_keepsTheStateWhileTheClusterListIsBlocked(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Lockouts = []akshci.Lockout{akshci.KVATokenLockout()}
	resp := readState(t, clusterResourceWith(host), recorded())
	var got clusterCertificatesModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() {
		t.Fatal(d)
	}
	if resp.Diagnostics.HasError() || !hasDiag(resp.Diagnostics, `warning: Cannot read workload cluster "demo"`) ||
		got.ExpiresAt.ValueString() != "2027-03-31T00:00:00Z" {
		t.Errorf("blocked list: %v, expires_at %s (want the recorded 2027-03-31T00:00:00Z)", summaries(resp.Diagnostics), got.ExpiresAt)
	}
}

// update runs Update from prior state to plan m.
func update(t *testing.T, r *clusterCertificatesResource, prior, m any) *resource.UpdateResponse {
	t.Helper()
	plan := toPlan(t, r, m)
	state := tfsdk.State{Schema: plan.Schema, Raw: toPlan(t, r, prior).Raw}
	resp := &resource.UpdateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	r.Update(context.Background(), resource.UpdateRequest{Plan: plan, State: state}, resp)
	return resp
}

func TestUpdate_evaluatesWhatThePlanLeftUnknownAndNeverRenews(t *testing.T) {
	host := newScriptedHost(45 * day)
	m := recorded()
	m.RenewBefore = types.StringValue("1080h") // 45 days: now due
	m.ExpiresAt, m.ExpiringCredential, m.ReadyForRenewal = timetypes.NewRFC3339Unknown(), types.StringUnknown(), types.BoolUnknown()
	resp := update(t, clusterResourceWith(host), recorded(), m)
	var got clusterCertificatesModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() || resp.Diagnostics.HasError() {
		t.Fatal(d, resp.Diagnostics)
	}
	if host.updates != 0 {
		t.Errorf("Update ran the cmdlet %d times", host.updates)
	}
	if got.ExpiresAt.ValueString() != "2027-04-15T12:00:00Z" || !got.ReadyForRenewal.ValueBool() || got.RenewBefore.ValueString() != "1080h" {
		t.Errorf("after the edit: expires_at %s, ready %s, renew_before %s", got.ExpiresAt, got.ReadyForRenewal, got.RenewBefore)
	}
}

func TestUpdate_keepsTheKnownExpiryWhileTheClusterListIsBlocked(t *testing.T) {
	host := newScriptedHost(45 * day)
	host.inv.Lockouts = []akshci.Lockout{akshci.KVATokenLockout()}
	m := recorded()
	m.RenewBefore = types.StringValue("1080h")
	m.ExpiresAt, m.ExpiringCredential, m.ReadyForRenewal = timetypes.NewRFC3339Unknown(), types.StringUnknown(), types.BoolUnknown()
	resp := update(t, clusterResourceWith(host), recorded(), m)
	var got clusterCertificatesModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() || resp.Diagnostics.HasError() {
		t.Fatal(d, resp.Diagnostics)
	}
	if got.ExpiresAt.ValueString() != "2027-03-31T00:00:00Z" || got.RenewBefore.ValueString() != "1080h" ||
		!hasDiag(resp.Diagnostics, `warning: Cannot read workload cluster "demo"`) {
		t.Errorf("blocked list: expires_at %s, renew_before %s, %v", got.ExpiresAt, got.RenewBefore, summaries(resp.Diagnostics))
	}
}

func TestCreate_managementRecordsItsID(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.renewTo = unitNow.Add(90 * day)
	r := managementResourceWith(host)
	plan := toPlan(t, r, managementModel())
	resp := &resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: plan.Raw.Copy()}}
	r.Create(context.Background(), resource.CreateRequest{Plan: plan}, resp)
	var got managementCertificatesModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() || resp.Diagnostics.HasError() {
		t.Fatal(d, resp.Diagnostics)
	}
	if got.ID.ValueString() != "management" || got.ExpiresAt.ValueString() != "2027-05-30T12:00:00Z" || host.updates != 1 {
		t.Errorf("management create: id %s, expires_at %s, cmdlet runs %d", got.ID, got.ExpiresAt, host.updates)
	}
}

// Get-AksHciCluster failing for a reason no lockout explains leaves the workload clusters
// unknown, never gone: an existing cluster resource keeps its state with a warning, a new
// one cannot be planned, and the management cluster's renewal plans as usual.
func TestModifyPlan_aFailedClusterListKeepsClusterResourcesAndLeavesManagementAlone(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Clusters = nil
	host.inv.ClusterListFailure = &akshci.ClusterListError{Operation: "Get-AksHciCluster",
		Reason: "deadline-exceeded: a call to the cloud agent or an API server did not answer in time"}
	got := modifyPlan(t, clusterResourceWith(host), clusterModel(), false)
	if got.diags.HasError() || got.replace || !hasDiag(got.diags, `warning: Cannot read workload cluster "demo"`) ||
		!strings.Contains(diagText(got.diags), "deadline-exceeded") {
		t.Errorf("existing cluster resource: %v, replace %v; want a warning and no change", diagText(got.diags), got.replace)
	}
	if got := modifyPlan(t, clusterResourceWith(host), clusterModel(), true); !hasDiag(got.diags, `error: Cannot plan workload cluster "demo"`) {
		t.Errorf("new cluster resource: %v, want an error", summaries(got.diags))
	}
	if got := modifyPlan(t, managementResourceWith(host), managementModel(), false); got.diags.HasError() || !got.replace {
		t.Errorf("management: %v, replace %v; want the due renewal", summaries(got.diags), got.replace)
	}
}
