// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// This file holds what the two renewal resources share: their common attributes and
// the whole lifecycle. Each resource only describes its target (the management cluster
// or one workload cluster) and its extra attributes.

const (
	timeFormat           = time.RFC3339
	defaultCreateTimeout = 60 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
)

// Figures derived from the domain, for defaults and descriptions.
var (
	defaultRenewBefore = akshci.Hours(akshci.DefaultRenewBefore) // "720h"
)

// renewalModel is the part of the state every renewal resource shares.
type renewalModel struct {
	ID                 types.String      `tfsdk:"id"`
	RenewBefore        types.String      `tfsdk:"renew_before"`
	RenewEvery         types.String      `tfsdk:"renew_every"`
	Triggers           types.Map         `tfsdk:"triggers"`
	RenewedAt          timetypes.RFC3339 `tfsdk:"renewed_at"`
	ExpiresAt          timetypes.RFC3339 `tfsdk:"expires_at"`
	ExpiringCredential types.String      `tfsdk:"expiring_credential"`
	ReadyForRenewal    types.Bool        `tfsdk:"ready_for_renewal"`
	Timeouts           types.Map         `tfsdk:"timeouts"`
}

// renewalState is a resource model: the shared part plus the resource's target.
type renewalState interface {
	common() *renewalModel
	// target describes what the model renews; ok is false while a value it depends on
	// is unknown.
	target() (t renewalTarget, ok bool)
	// targets lists what the model may renew while some of its switches are unknown (a
	// plan whose configuration is not known yet): one target per combination of their
	// values, and the names of the unknown switches. ok is false when even the target's
	// name is unknown.
	targets() (ts []renewalTarget, unknown []string, ok bool)
}

// boolChoices is the values a switch may take: its value, or both while unknown.
func boolChoices(v types.Bool) []bool {
	if v.IsUnknown() {
		return []bool{false, true}
	}
	return []bool{v.ValueBool()}
}

// renewalTarget is what one resource renews. Each resource file implements it once;
// this file only runs the lifecycle.
type renewalTarget interface {
	fmt.Stringer
	// id is the resource ID: also what an import takes.
	id() string
	// cmdlet names the host command the renewal runs, for messages.
	cmdlet() string
	// credentials returns the credentials the renewal renews. A target the host does
	// not have is an error for the caller to report (see addTargetError).
	credentials(inv *akshci.Inventory) ([]akshci.Credential, error)
	// renew runs the renewal on the host.
	renew(ctx context.Context, host akshci.Host) error
	// blocking lists the lockouts that make the renewal fail; own the lockouts of the
	// target's own clients, which its renewal repairs.
	blocking(inv *akshci.Inventory) []akshci.Lockout
	own(inv *akshci.Inventory) []akshci.Lockout
	// checkPlan adds what the target itself has to say about a plan (a switch the host
	// lacks, an unknown expiry, credentials out of scope).
	checkPlan(diags *diag.Diagnostics, inv *akshci.Inventory, window time.Duration)
	// logFields describe the renewal in logs.
	logFields() map[string]any
	// issues says whether the renewal needs the cloud agent CA to issue credentials
	// (it cannot run once the CA has expired); false for the CA's own rotation.
	issues() bool
	// adopts says whether creating the resource while nothing is due only starts
	// watching (the CA rotation, which interrupts every client) instead of renewing.
	adopts() bool
	// forced says whether the renewal runs with -force (false for the CA rotation, which
	// has no such switch).
	forced() bool
}

// schedule is the renew_every fallback: the last renewal and the interval (zero: off).
type schedule struct {
	renewedAt time.Time
	every     time.Duration
}

// renewalStatus is the one place that decides whether a target is due, for Read, plan
// and the post-renewal check alike. "Now" is the host's clock from the inventory.
func renewalStatus(inv *akshci.Inventory, t renewalTarget, window time.Duration, sch schedule) (akshci.Status, error) {
	creds, err := t.credentials(inv)
	if err != nil {
		return akshci.Status{}, err
	}
	// A credential ends when its CA does: one signed by an expired or replaced CA is due.
	creds = inv.WithIssuerExpiry(creds)
	st := akshci.ApplySchedule(akshci.Evaluate(inv.Now, creds, window), inv.Now, sch.renewedAt, sch.every)
	if t.issues() {
		st = inv.BoundByCA(creds, window, st)
		if st.DueByAge && !t.forced() && !inv.RotatesWithoutForce(creds) {
			// The schedule fell due, but the cmdlet without -force would rotate nothing
			// (the credentials were renewed since, outside this resource): not due.
			st.Ready, st.DueByAge = false, false
		}
	}
	return st, nil
}

// schedule reads renew_every and renewed_at; ok is false while renew_every is unknown
// (renewedAt is filled in all the same). An unknown renewed_at (a create, or the second
// half of a replacement) means no renewal to age yet.
func (m *renewalModel) schedule(spec windowSpec) (schedule, bool) {
	var sch schedule
	if !m.RenewedAt.IsNull() && !m.RenewedAt.IsUnknown() {
		if t, d := m.RenewedAt.ValueRFC3339Time(); !d.HasError() {
			sch.renewedAt = t
		}
	}
	if m.RenewEvery.IsUnknown() {
		return sch, false
	}
	if !m.RenewEvery.IsNull() {
		d, err := spec.parseEvery(m.RenewEvery.ValueString())
		if err != nil {
			return schedule{}, false
		}
		sch.every = d
	}
	return sch, true
}

func (m *renewalModel) setStatus(st akshci.Status) {
	m.ExpiresAt = timeValue(st.ExpiresAt)
	m.ExpiringCredential = types.StringNull()
	if st.Credential != "" {
		m.ExpiringCredential = types.StringValue(st.Credential)
	}
	m.ReadyForRenewal = types.BoolValue(st.Ready)
}

// windowSpec is a resource's renewal window (renew_before: its default and how a value is
// checked) and how its renew_every is checked.
type windowSpec struct {
	def        string
	parse      func(string) (time.Duration, error)
	parseEvery func(string) (time.Duration, error)
	// widest is the widest valid window, and shortestEvery the shortest valid renew_every,
	// for a target with or without force: the bounds an unknown value is evaluated at.
	widest        func(forced bool) time.Duration
	shortestEvery func(forced bool) time.Duration
}

// credentialWindow is the window of the resources that renew 90-day credentials.
var credentialWindow = windowSpec{def: defaultRenewBefore, parse: parseWindow, parseEvery: parseRenewEvery,
	widest: func(forced bool) time.Duration {
		if forced {
			return akshci.Lifetime - time.Nanosecond
		}
		return akshci.NoForceRotationLeft - time.Nanosecond
	},
	shortestEvery: func(forced bool) time.Duration {
		if forced {
			return time.Nanosecond
		}
		return akshci.MinRenewEveryWithoutForce + time.Nanosecond
	},
}

func (m *renewalModel) window(spec windowSpec) (time.Duration, bool) {
	if m.RenewBefore.IsUnknown() {
		return 0, false
	}
	s := spec.def
	if !m.RenewBefore.IsNull() {
		s = m.RenewBefore.ValueString()
	}
	d, err := spec.parse(s)
	return d, err == nil
}

// importDefaults sets what an import cannot know to the schema defaults, so the first
// plan after an import is empty. Read fills in the rest from the host.
func importDefaults(ctx context.Context, resp *resource.ImportStateResponse, window windowSpec, values map[string]any) {
	set := func(name string, v any) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
	set("renew_before", window.def)
	set("ready_for_renewal", false)
	for name, v := range values {
		set(name, v)
	}
}

// timeValue is a timestamp as the schema's RFC 3339 attributes hold it: in UTC, so the
// string in state is the same whatever the host's zone; null for the zero time.
func timeValue(t time.Time) timetypes.RFC3339 {
	if t.IsZero() {
		return timetypes.NewRFC3339Null()
	}
	return timetypes.NewRFC3339TimeValue(t.UTC())
}

// forceAttribute is -force of the two update cmdlets.
func forceAttribute() schema.Attribute {
	return schema.BoolAttribute{
		MarkdownDescription: "Pass `-force`, so the host rotates every credential in scope even when none is close to " +
			"expiry. Editing it is an in-place update that renews nothing by itself. Default: `false`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
	}
}

// renewalAttributes are the attributes every renewal resource shares.
func renewalAttributes(scope string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "`management` for the management cluster, otherwise the workload cluster name.",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"renew_before": schema.StringAttribute{
			MarkdownDescription: "How long before `expires_at` a renewal is planned, as a Go duration in hours. Must be at " +
				"least `" + hours(akshci.MinRenewBefore) + "` and shorter than the `" + hours(akshci.Lifetime) + "` (90-day) " +
				"credential lifetime, otherwise every apply would renew; without `force` it must also be shorter than `" +
				hours(akshci.NoForceRotationLeft) + "`, since without `-force` the update cmdlets rotate only credentials " +
				"with less than that left. Editing it is an in-place update that renews nothing by itself: narrowing it " +
				"can postpone a due renewal, widening it can make one due in the same plan. Default: `" +
				defaultRenewBefore + "` (30 days).",
			Optional:   true,
			Computed:   true,
			Default:    stringdefault.StaticString(defaultRenewBefore),
			Validators: []validator.String{renewBeforeValidator{}},
		},
		"renew_every": schema.StringAttribute{
			MarkdownDescription: "Renew also when `renewed_at` is at least this old, whatever the host reports, as a Go " +
				"duration in hours shorter than `" + hours(akshci.Lifetime) + "`. A fallback for hosts that cannot report an " +
				"expiry (`expires_at` null): the AKS hybrid documentation advises renewing the tokens and certificates " +
				"within 60 days, so `" + hours(akshci.RecommendedRenewEvery) + "` follows it. Editing it is an in-place update that renews nothing by itself. Unset: off.",
			Optional:   true,
			Validators: []validator.String{renewEveryValidator{}},
		},
		"triggers": schema.MapAttribute{
			MarkdownDescription: "Arbitrary values; any change forces a renewal, like `terraform_data.triggers_replace`.",
			Optional:            true,
			ElementType:         types.StringType,
			PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
		"renewed_at": schema.StringAttribute{
			CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "RFC 3339 time, on the host's clock, at which this resource last ran the renewal. Null after " +
				"an import.",
			Computed:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"expires_at": schema.StringAttribute{
			CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "RFC 3339 time of the earliest expiry among the " + scope + " that do not renew themselves " +
				"(tokens, certificates of clients without auto-renewal). A self-renewing credential counts only once it has " +
				"expired, which means its own renewal failed. Null when the host reports no such expiry.",
			Computed: true,
		},
		"expiring_credential": schema.StringAttribute{
			MarkdownDescription: "The credential that expires at `expires_at`, for example `KMS token`.",
			Computed:            true,
		},
		"ready_for_renewal": schema.BoolAttribute{
			MarkdownDescription: "True once `expires_at - renew_before` has passed on the host's clock. Refreshed on every " +
				"plan; when true, the plan replaces this resource, which runs the renewal.",
			Computed: true,
		},
		"timeouts": renewalTimeouts.resourceAttribute(),
	}
}

// renewalResource implements the lifecycle shared by both resources.
type renewalResource struct {
	typeSuffix string
	schema     func(ctx context.Context) schema.Schema
	newModel   func() renewalState
	window     windowSpec
	data       *providerData
}

func (r *renewalResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.typeSuffix
}

func (r *renewalResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.schema(ctx)
}

var _ resource.ResourceWithUpgradeState = (*renewalResource)(nil)

// UpgradeState reads the state of schema version 0, whose timeouts was an object.
func (r *renewalResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: timeoutsStateUpgrader()}
}

// ConfigValidators are the checks both resources share, run by terraform validate.
func (r *renewalResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{windowFitsForce{}}
}

func (r *renewalResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ModifyPlan refreshes the decision against the host: a due target is replaced (which
// runs the renewal), anything else is planned with the values Read would store, so an
// edit of the window or a flag is an in-place update and an unchanged config is a no-op.
func (r *renewalResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	ctx = r.data.logContext(ctx)
	plan := r.newModel()
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ev, ok, err := r.evaluate(ctx, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	var me *akshci.ManagementClusterError
	if errors.As(err, &me) {
		// Naming the management cluster is a configuration error whatever the host's state.
		addTargetError(&resp.Diagnostics, err)
		return
	}
	// Once the CA has expired it comes first: nothing can be issued or repaired before
	// the rotation. Unless this run rotates it (akshybrid_cloud_agent_ca planned the
	// rotation, which Terraform plans before the resources that follow it), the plan
	// stops with its remedy; the lockouts that also block the target follow.
	t, inv := ev.target, ev.inv
	caExpired := t.issues() && inv.CAExpired()
	rotating := caExpired && r.data.rotation.isPlanned()
	if caExpired && !rotating {
		caExpiredError(&resp.Diagnostics, inv, t.blocking(inv))
		return
	}
	// A rotation planned in this run changes what works (kvactl logs in again with the
	// new CA, the follow-up renewals repair the rest): the plan made at apply time,
	// after the rotation, checks the lockouts.
	if !rotating && checkLockouts(&resp.Diagnostics, inv, t, req.State.Raw.IsNull()) {
		return
	}
	st, window := ev.status, ev.window
	listUnavailable := errors.Is(err, akshci.ErrClusterListUnavailable)
	switch {
	case rotating && listUnavailable:
		// The host cannot list its clusters before the rotation. Every credential the
		// expired CA signed is unusable, so the renewal is due whatever the host would
		// report: it is planned, and runs after the rotation.
		resp.Diagnostics.AddWarning("Cannot read "+t.String()+" before the CA rotation",
			fmt.Sprintf("The cloud agent CA expired at %s, and until it is rotated Get-AksHciCluster fails, so the "+
				"credentials of %s cannot be read. Every credential the expired CA signed is unusable, so the renewal is "+
				"planned: this apply runs it after the rotation.\n\nWhat the host reports:\n\n%s",
				inv.CAExpiresAt.Format(timeFormat), t, err))
		st = akshci.Status{Ready: true}
	case listUnavailable && req.State.Raw.IsNull():
		// Get-AksHciCluster failed for a reason no lockout explains: nothing is known about
		// this cluster, so nothing is planned for it.
		resp.Diagnostics.AddError("Cannot plan "+t.String(),
			fmt.Sprintf("%s. Nothing was changed on the host; plan again once the host can list its clusters.", err))
		return
	case listUnavailable:
		// An existing resource keeps its state (never "gone").
		unreadableWarning(&resp.Diagnostics, inv, t, err,
			"The resource keeps its previous state until the host can list its clusters again.")
		return
	case err != nil:
		addTargetError(&resp.Diagnostics, err)
		return
	case ev.targets > 1:
		// Which switches the cmdlet gets is not known yet: the plan made at apply time
		// checks them against the host.
	default:
		t.checkPlan(&resp.Diagnostics, inv, window)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if ev.undecided {
		resp.Diagnostics.AddWarning("Renewal planned before its settings are known",
			fmt.Sprintf("%s is not known until apply, and whether %s is due depends on it: the plan shows the renewal "+
				"(Terraform cannot turn an in-place update into a replacement at apply time), and the apply runs %s "+
				"whatever the final value. Give the setting a value known at plan time to plan only what is due.",
				strings.Join(ev.unknown, ", "), t, t.cmdlet()))
	}
	if req.State.Raw.IsNull() || st.Ready {
		warnHost(&resp.Diagnostics, inv)
	}
	if t.issues() {
		planCA(&resp.Diagnostics, inv, &r.data.rotation)
	}
	if !req.State.Raw.IsNull() && resp.Private != nil {
		// Terraform plans a replacement in two calls, the second (the new object) with a
		// null prior state and this private state: the mark tells it that it replaces an
		// object, which a create never sees.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplacing, []byte("true"))...)
	} else if req.State.Raw.IsNull() && req.Private != nil && replacing(ctx, req.Private) &&
		!r.replacementWorks(&resp.Diagnostics, inv, t, st) {
		return
	}
	if req.State.Raw.IsNull() {
		// The ID is the target's name, so the plan can show it.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), t.id())...)
		if t.adopts() && !st.Ready {
			// Nothing is due: the create only starts watching, and the plan says so.
			c := plan.common()
			c.ID = types.StringValue(t.id())
			c.RenewedAt = timetypes.NewRFC3339Null()
			c.setStatus(st)
			resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		}
		return
	}

	c := plan.common()
	if st.Ready {
		tflog.Info(ctx, "credentials ready for renewal", map[string]any{
			"target": t.String(), "expires_at": st.ExpiresAt.Format(timeFormat), "credential": st.Credential,
			"due_by_renew_every": st.DueByAge, "revoked": st.Revoked,
		})
		c.ReadyForRenewal = types.BoolUnknown()
		c.ExpiresAt = timetypes.NewRFC3339Unknown()
		c.ExpiringCredential = types.StringUnknown()
		c.RenewedAt = timetypes.NewRFC3339Unknown()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("ready_for_renewal"))
	} else {
		c.setStatus(st)
		if !ev.exact {
			// Not due whatever the unknown switches turn out to be, but which credential
			// expires first depends on them.
			c.ExpiresAt = timetypes.NewRFC3339Unknown()
			c.ExpiringCredential = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

// privateReplacing is the private-state key with which the first plan call of a
// replacement marks the second (see ModifyPlan).
const privateReplacing = "replacing"

// replacing reports whether a plan with a null prior state is the new half of a
// replacement.
func replacing(ctx context.Context, p privateState) bool {
	if p == nil {
		return false
	}
	data, _ := p.GetKey(ctx, privateReplacing)
	return string(data) == "true"
}

// replacementWorks refuses, at plan time, a replacement the policy did not ask for (a
// triggers change, -replace, replace_triggered_by) that could not renew anything: the
// new object's create cannot tell it from a new resource when it is applied, so it would
// record a renewal that did not happen. A CA resource would only start watching again;
// an update cmdlet without -force would rotate nothing, unless this run rotates the CA
// (the cmdlets then move every client to the new CA).
func (r *renewalResource) replacementWorks(diags *diag.Diagnostics, inv *akshci.Inventory, t renewalTarget, st akshci.Status) bool {
	if st.Ready {
		return true
	}
	if !t.issues() {
		diags.AddError("Replacing akshybrid_cloud_agent_ca rotates nothing",
			fmt.Sprintf("Terraform plans a replacement of this resource (a change of triggers, -replace or "+
				"replace_triggered_by), but the cloud agent CA is not due: it expires at %s (host time %s). Once planned, "+
				"the new object cannot be told from a new resource, which only starts watching the CA, so the apply would "+
				"show a rotation that never ran. To rotate the CA now, set renew_before longer than the time left (a "+
				"rotation in the same plan, with allow_downtime = true) or run %s; otherwise remove the trigger. Nothing "+
				"was changed on the host.", inv.CAExpiresAt.Format(timeFormat), inv.Now.Format(timeFormat), akshci.RotateCACmdlet))
		return false
	}
	creds, err := t.credentials(inv)
	if err != nil || t.forced() || r.data.rotation.isPlanned() || inv.RotatesWithoutForce(inv.WithIssuerExpiry(creds)) {
		return true
	}
	first := akshci.Evaluate(inv.Now, creds, 0)
	diags.AddError("Replacement would renew nothing",
		fmt.Sprintf("Terraform plans a replacement of %s (a change of triggers, -replace or replace_triggered_by), which "+
			"runs %s without -force; without -force the update cmdlets rotate only credentials with less than %s left, "+
			"and the first of its credentials to expire, %s, has %s left, so it would renew nothing. Set force = true to "+
			"renew ahead of that, or remove the trigger; renew_before plans the renewal once it is due. Nothing was "+
			"changed on the host.", t, t.cmdlet(), akshci.Days(akshci.NoForceRotationLeft), first.Credential,
			akshci.Days(first.ExpiresAt.Sub(inv.Now))))
	return false
}

// evaluation is the renewal policy applied to one resource against the run's inventory.
type evaluation struct {
	target renewalTarget
	window time.Duration
	inv    *akshci.Inventory
	status akshci.Status
	// unknown names the settings not known yet (a plan); undecided is true when the
	// policy's answer depends on their final values, and exact is false when
	// expires_at and expiring_credential do.
	unknown   []string
	undecided bool
	exact     bool
	// targets is how many targets the unknown switches allow.
	targets int
}

// evaluate applies the renewal policy to m. ok is false when m has a value that is not
// known yet, or the inventory could not be read (a diagnostic then says why). A target
// the host does not have comes back as err, for the caller to report. Reading the
// inventory (once per run) is bounded by the read timeout, in plan as in refresh.
func (r *renewalResource) evaluate(ctx context.Context, m renewalState, diags *diag.Diagnostics) (ev evaluation, ok bool, err error) {
	return r.evaluateWith(ctx, m, diags, false)
}

// evaluateWith is evaluate; with soft, an inventory that cannot be read is a warning
// (Read then keeps the last known values).
func (r *renewalResource) evaluateWith(ctx context.Context, m renewalState, diags *diag.Diagnostics, soft bool) (ev evaluation, ok bool, err error) {
	ts, unknown, targetOK := m.targets()
	c := m.common()
	window, windowOK := c.window(r.window)
	sch, schOK := c.schedule(r.window)
	if !targetOK || (!windowOK && !c.RenewBefore.IsUnknown()) || (!schOK && !c.RenewEvery.IsUnknown()) || r.data == nil {
		return ev, false, nil
	}
	if c.RenewBefore.IsUnknown() {
		unknown = append(unknown, "renew_before")
	}
	if c.RenewEvery.IsUnknown() {
		unknown = append(unknown, "renew_every")
	}
	timeout, d := timeoutFor(c.Timeouts, "read", defaultReadTimeout)
	if diags.Append(d...); diags.HasError() {
		return ev, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inv, ierr := r.data.inventory(ctx)
	if ierr != nil {
		if soft {
			diags.AddWarning("Cannot refresh from the AKS hybrid host",
				"The last known values were kept. A plan that needs the host stops with the same cause; terraform destroy "+
					"needs no host, since destroying only forgets.\n\n"+ierr.Error())
		} else {
			diags.AddError("Cannot read the AKS hybrid inventory", ierr.Error()+"\n\nTo remove resources from the "+
				"Terraform state without the host, run terraform destroy -refresh=false: destroying only forgets.")
		}
		return ev, false, nil
	}
	// Every value an unknown setting may take, at its bounds: the policy is monotonic in
	// the window (wider is more due) and in renew_every (shorter is more due; unset is
	// least), so the bounds decide whether every final value agrees.
	ev = evaluation{target: ts[0], window: window, inv: inv, unknown: unknown, exact: true, targets: len(ts)}
	first, anyReady, allReady := true, false, true
	for _, t := range ts {
		windows := []time.Duration{window}
		if c.RenewBefore.IsUnknown() {
			windows = []time.Duration{akshci.MinRenewBefore, r.window.widest(t.forced())}
		}
		schedules := []schedule{sch}
		if c.RenewEvery.IsUnknown() {
			schedules = []schedule{{renewedAt: sch.renewedAt}, {renewedAt: sch.renewedAt, every: r.window.shortestEvery(t.forced())}}
		}
		for _, w := range windows {
			for _, sc := range schedules {
				st, serr := renewalStatus(inv, t, w, sc)
				if serr != nil {
					return ev, true, serr
				}
				if first {
					ev.status, first = st, false
				} else if !st.ExpiresAt.Equal(ev.status.ExpiresAt) || st.Credential != ev.status.Credential {
					ev.exact = false
				}
				anyReady = anyReady || st.Ready
				allReady = allReady && st.Ready
			}
		}
	}
	if anyReady && !allReady {
		// Due for some final values only: the plan shows the renewal (the apply cannot
		// turn an update into a replacement), and says why.
		ev.undecided = true
		ev.status.Ready = true
	}
	return ev, true, nil
}

// checkLockouts reports the lockouts that concern target and says whether the plan must
// stop here. A lockout that needs manual recovery fails the plan with the documented
// steps, so no renewal that would fail is planned. One that another renewal repairs
// (kvactl's expired token: Update-AksHciCertificates [#169]) fails a create of a cluster
// resource, which would run the blocked cmdlet, and otherwise keeps the resource as it is
// with a warning. Lockouts that the target's own renewal repairs are warnings.
func checkLockouts(diags *diag.Diagnostics, inv *akshci.Inventory, t renewalTarget, creating bool) bool {
	var manual, repairable []akshci.Lockout
	for _, l := range t.blocking(inv) {
		if l.Manual {
			manual = append(manual, l)
		} else {
			repairable = append(repairable, l)
		}
	}
	switch {
	case len(manual) > 0:
		diags.AddError("AKS hybrid lockout needs manual recovery",
			fmt.Sprintf("%s for %s would fail, so no renewal is planned. Nothing was changed on the host.\n\n%s",
				t.cmdlet(), t, akshci.JoinLockouts(manual)))
		return true
	case len(repairable) > 0 && creating:
		diags.AddError("Renewal blocked by a lockout",
			fmt.Sprintf("%s for %s would fail until another renewal repairs the lockout below. Nothing was changed on "+
				"the host.\n\n%s", t.cmdlet(), t, akshci.JoinLockouts(repairable)))
		return true
	case len(repairable) > 0:
		diags.AddWarning("Renewal blocked by a lockout",
			fmt.Sprintf("%s for %s cannot be evaluated or run until the lockout below is repaired; the resource keeps "+
				"its previous state.\n\n%s", t.cmdlet(), t, akshci.JoinLockouts(repairable)))
		return true
	}
	for _, l := range t.own(inv) {
		diags.AddWarning("Locked-out client: "+l.Client, l.Error())
	}
	return false
}

func addTargetError(diags *diag.Diagnostics, err error) {
	var me *akshci.ManagementClusterError
	if errors.As(err, &me) {
		diags.AddAttributeError(path.Root("cluster_name"), "cluster_name is the management cluster", err.Error()+".")
		return
	}
	var nf *akshci.ClusterNotFoundError
	if errors.As(err, &nf) {
		diags.AddAttributeError(path.Root("cluster_name"), "Workload cluster not found",
			err.Error()+". Check cluster_name, or create the cluster first (Get-AksHciCluster lists them).")
		return
	}
	diags.AddError("Cannot evaluate the credentials", err.Error())
}

// Create runs the renewal, then checks on the host that it took effect: apply never
// reports success for a renewal that did not happen.
func (r *renewalResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	plan := r.newModel()
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := plan.common()
	timeout, diags := timeoutFor(c.Timeouts, "create", defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	t, ok := plan.target()
	window, windowOK := c.window(r.window)
	if resp.Diagnostics.HasError() || !ok || !windowOK || r.data == nil {
		resp.Diagnostics.AddError("Cannot renew", "The configuration is incomplete at apply time. Please report this issue to the provider developers.")
		return
	}
	if t.adopts() && !c.RenewedAt.IsUnknown() {
		// The plan showed no renewal (renewed_at known to be null): only start watching.
		r.adopt(ctx, plan, t, window, resp)
		return
	}
	inv, st, ok := r.data.runRenewal(ctx, renewalRun{
		target: t, window: window, windowText: c.RenewBefore.ValueString(), timeout: timeout, timeoutAttr: "timeouts.create",
		failed: "so nothing was recorded in the Terraform state and the next apply tries again",
		unknown: "Nothing was recorded in the Terraform state: the next plan reads the host again, and applying again " +
			"renews only what is still due",
	}, &resp.Diagnostics)
	if !ok {
		resp.State.RemoveResource(ctx)
		return
	}

	c.ID = types.StringValue(t.id())
	c.RenewedAt = timeValue(inv.Now)
	c.setStatus(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(rememberCA(ctx, resp.Private, inv)...)
	resp.Diagnostics.Append(setDeployment(ctx, resp.Private, inv)...)
}

// adopt records a target without renewing it (a create that the plan showed as no
// renewal): the current expiry and CA.
func (r *renewalResource) adopt(ctx context.Context, plan renewalState, t renewalTarget, window time.Duration, resp *resource.CreateResponse) {
	inv, err := r.data.inventory(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the AKS hybrid inventory", err.Error())
		resp.State.RemoveResource(ctx)
		return
	}
	st, err := renewalStatus(inv, t, window, schedule{})
	if err != nil {
		addTargetError(&resp.Diagnostics, err)
		resp.State.RemoveResource(ctx)
		return
	}
	c := plan.common()
	c.ID = types.StringValue(t.id())
	c.RenewedAt = timetypes.NewRFC3339Null()
	c.setStatus(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(rememberCA(ctx, resp.Private, inv)...)
	resp.Diagnostics.Append(setDeployment(ctx, resp.Private, inv)...)
}

// Read refreshes the expiry from the host. Out-of-band renewals simply move expires_at.
func (r *renewalResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = r.data.logContext(ctx)
	state := r.newModel()
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	c := state.common()
	// A host that cannot be read (a damaged emulator file, a host that is down) only
	// warns here, so that terraform destroy, which refreshes first, still works: it
	// only forgets. Plans stop in ModifyPlan with the same cause.
	ev, ok, err := r.evaluateWith(ctx, state, &resp.Diagnostics, true)
	if !ok {
		return
	}
	if errors.Is(err, akshci.ErrClusterListUnavailable) {
		// The host cannot list its clusters: nothing is known about this one, so the
		// state is kept as it was.
		unreadableWarning(&resp.Diagnostics, ev.inv, ev.target, err,
			"The resource keeps its previous state until the host can list its clusters again.")
		return
	}
	var nf *akshci.ClusterNotFoundError
	if errors.As(err, &nf) {
		resp.Diagnostics.AddWarning("Workload cluster no longer exists",
			fmt.Sprintf("%s is gone from the host, so this resource was removed from the Terraform state. Nothing was "+
				"changed on the host. Remove the resource from the configuration, or create the cluster again.", ev.target))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot evaluate the credentials", err.Error())
		return
	}
	if !checkDeployment(ctx, req.Private, ev, &resp.Diagnostics) {
		return
	}
	checkCAChanged(ctx, req.Private, ev.inv, ev.target, &resp.Diagnostics)
	st := ev.status
	if ev.target.issues() {
		warnCAOnce(&resp.Diagnostics, ev.inv, akshci.CARenewBefore, &r.data.rotation)
		if ev.inv.CAExpired() {
			// No renewal can work until the CA is rotated: ready_for_renewal never
			// claims one (the plan says what to do instead).
			st.Ready = false
		}
	} else {
		warnCAOnce(&resp.Diagnostics, ev.inv, ev.window, &r.data.rotation)
	}
	c.setStatus(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(rememberCA(ctx, resp.Private, ev.inv)...)
	resp.Diagnostics.Append(setDeployment(ctx, resp.Private, ev.inv)...)
}

// privateDeployment is the private-state key under which a resource keeps the identity
// of the deployment it was applied to.
const privateDeployment = "deployment"

type deploymentRecord struct {
	ID string `json:"id"`
}

// privateState is the part of the framework's private state these resources use.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateStateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// setDeployment records which deployment the resource was last applied to or read from.
func setDeployment(ctx context.Context, p privateStateSetter, inv *akshci.Inventory) diag.Diagnostics {
	if p == nil || inv == nil || inv.DeploymentID == "" {
		return nil
	}
	data, _ := json.Marshal(deploymentRecord{ID: inv.DeploymentID})
	return p.SetKey(ctx, privateDeployment, data)
}

// checkDeployment stops a refresh when the host now holds another deployment than the
// one this resource was applied to: an emulator state file deleted, emptied or
// replaced would otherwise silently become a fresh deployment under the old state.
func checkDeployment(ctx context.Context, p privateState, ev evaluation, diags *diag.Diagnostics) bool {
	if p == nil || ev.inv.DeploymentID == "" {
		return true
	}
	data, d := p.GetKey(ctx, privateDeployment)
	if diags.Append(d...); diags.HasError() {
		return false
	}
	var rec deploymentRecord
	if len(data) == 0 || json.Unmarshal(data, &rec) != nil || rec.ID == "" || rec.ID == ev.inv.DeploymentID {
		return true // state from before the identity was recorded is adopted
	}
	diags.AddError("The AKS hybrid deployment has changed",
		fmt.Sprintf("This resource renewed credentials of deployment %s, but the host now reports deployment %s. "+
			"For the emulator this means its state file was deleted, emptied or replaced (it keeps a copy of its last "+
			"change next to it, named like the state file plus \".backup\"), or state_path now points at another file. "+
			"Nothing was changed. To go back, restore the state file or the setting. To adopt the new deployment, remove "+
			"this resource from the Terraform state (terraform state rm) and apply again; terraform destroy -refresh=false "+
			"also works, since destroying only forgets.", rec.ID, ev.inv.DeploymentID))
	return false
}

// Update stores an in-place edit (window, flags). It never renews: the plan showed no
// renewal, so apply runs none.
func (r *renewalResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.logContext(ctx)
	plan := r.newModel()
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := plan.common()
	if c.ExpiresAt.IsUnknown() || c.ExpiringCredential.IsUnknown() || c.ReadyForRenewal.IsUnknown() {
		// The plan could not be evaluated (a value was unknown then): evaluate now.
		ev, ok, err := r.evaluate(ctx, plan, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		if errors.Is(err, akshci.ErrClusterListUnavailable) {
			// The host cannot list its clusters: keep what the state knew.
			prior := r.newModel()
			resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
			p := prior.common()
			c.ExpiresAt, c.ExpiringCredential, c.ReadyForRenewal = p.ExpiresAt, p.ExpiringCredential, p.ReadyForRenewal
			unreadableWarning(&resp.Diagnostics, ev.inv, ev.target, err,
				"The edit is stored; the expiry is read again once the host can list its clusters.")
			resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
			return
		}
		if err != nil {
			addTargetError(&resp.Diagnostics, err)
			return
		}
		if ok {
			c.setStatus(ev.status)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Delete only forgets: nothing is revoked on the host, so the credentials stay valid.
func (r *renewalResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "removed from state; nothing was revoked on the host")
}
