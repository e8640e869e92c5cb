// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
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

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// cloudAgentCAID is the fixed ID of akshybrid_cloud_agent_ca: a deployment has one CA.
const cloudAgentCAID = "cloud-agent-ca"

var (
	_ resource.ResourceWithModifyPlan  = (*cloudAgentCAResource)(nil)
	_ resource.ResourceWithImportState = (*cloudAgentCAResource)(nil)
)

// cloudAgentCAResource rotates the cloud agent CA with Invoke-AksHciRotateCACertificate.
type cloudAgentCAResource struct{ renewalResource }

// NewCloudAgentCAResource is the akshybrid_cloud_agent_ca factory.
func NewCloudAgentCAResource() resource.Resource {
	r := &cloudAgentCAResource{}
	r.renewalResource = renewalResource{
		typeSuffix: "_cloud_agent_ca",
		schema:     cloudAgentCASchema,
		newModel:   func() renewalState { return &cloudAgentCAModel{} },
		window:     caWindow,
	}
	return r
}

// caWindow is the rotation window: 60 days by default, shorter than the CA's 365 days.
var caWindow = windowSpec{def: akshci.Hours(akshci.CARenewBefore), parse: parseCAWindow, parseEvery: parseCARenewEvery}

// parseCARenewEvery parses the CA's rotation interval: bound by the CA's lifetime, not by
// the 90-day credentials'.
func parseCARenewEvery(s string) (time.Duration, error) {
	d, err := parseDuration("renew_every", s, quoted(akshci.Hours(akshci.CALifetime-akshci.CARenewBefore))+" ("+
		akshci.Days(akshci.CALifetime-akshci.CARenewBefore)+")")
	if err != nil {
		return 0, err
	}
	return d, akshci.ValidateCARenewEvery(d)
}

// caRenewEveryValidator checks the CA's renew_every at validate time (parseCARenewEvery).
type caRenewEveryValidator struct{}

func (caRenewEveryValidator) Description(context.Context) string {
	return "a Go duration above zero and shorter than the CA's " + akshci.Hours(akshci.CALifetime) + " lifetime"
}

func (v caRenewEveryValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (caRenewEveryValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseCARenewEvery(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid renew_every", err.Error()+".")
	}
}

// parseCAWindow parses the rotation window with parseDuration's messages (hence a string,
// not timetypes.GoDuration), then checks it against the CA's lifetime.
func parseCAWindow(s string) (time.Duration, error) {
	d, err := parseDuration("renew_before", s, quoted(akshci.Hours(akshci.CARenewBefore))+" ("+akshci.Days(akshci.CARenewBefore)+")")
	if err != nil {
		return 0, err
	}
	if d < akshci.MinRenewBefore || d >= akshci.CALifetime {
		return 0, fmt.Errorf("renew_before %s must be at least "+akshci.Hours(akshci.MinRenewBefore)+" and shorter than the CA's lifetime of %s (%s), "+
			"otherwise a fresh CA is already inside the window and every apply would rotate it; the default %q "+
			"rotates %s before expiry", quoted(s), akshci.Hours(akshci.CALifetime), akshci.Days(akshci.CALifetime),
			akshci.Hours(akshci.CARenewBefore), akshci.Days(akshci.CARenewBefore))
	}
	return d, nil
}

type cloudAgentCAModel struct {
	renewalModel
	AllowDowntime types.Bool `tfsdk:"allow_downtime"`
}

func (m *cloudAgentCAModel) common() *renewalModel { return &m.renewalModel }

func (m *cloudAgentCAModel) target() (renewalTarget, bool) {
	if m.AllowDowntime.IsUnknown() {
		return nil, false
	}
	return caTarget{allowDowntime: m.AllowDowntime.ValueBool()}, true
}

func (m *cloudAgentCAModel) targets() ([]renewalTarget, []string, bool) {
	var ts []renewalTarget
	for _, allow := range boolChoices(m.AllowDowntime) {
		ts = append(ts, caTarget{allowDowntime: allow})
	}
	// Whether the CA is due does not depend on allow_downtime: an unknown value is checked
	// when the apply plans again.
	return ts, nil, true
}

// caTarget is the deployment's cloud agent CA.
type caTarget struct{ allowDowntime bool }

func (caTarget) id() string     { return cloudAgentCAID }
func (caTarget) String() string { return "the cloud agent CA" }
func (caTarget) cmdlet() string { return akshci.RotateCACmdlet }
func (caTarget) issues() bool   { return false }
func (caTarget) adopts() bool   { return true }
func (caTarget) forced() bool   { return false }

func (t caTarget) logFields() map[string]any {
	return map[string]any{"allow_downtime": t.allowDowntime}
}

func (caTarget) credentials(inv *akshci.Inventory) ([]akshci.Credential, error) {
	return []akshci.Credential{inv.CACredential()}, nil
}

func (caTarget) renew(ctx context.Context, host akshci.Host) error {
	r, ok := host.(akshci.CARotator)
	if !ok {
		return errors.New("this host cannot rotate the cloud agent CA")
	}
	return r.RotateCACertificate(ctx)
}

// No source says that a lockout of a management client blocks the rotation, so none
// is taken to.
func (caTarget) blocking(*akshci.Inventory) []akshci.Lockout { return nil }
func (caTarget) own(*akshci.Inventory) []akshci.Lockout      { return nil }

func (caTarget) checkPlan(diags *diag.Diagnostics, inv *akshci.Inventory, window time.Duration) {
	if inv.CAExpiresAt.IsZero() {
		diags.AddWarning("No expiry known for the cloud agent CA",
			"The host reported no cloud agent CA certificate, so the rotation cannot be planned from its expiry. Set "+
				"renew_every to rotate on a schedule, and check the inventory's CA source.")
	}
}

// ModifyPlan is the shared plan, plus the guard: a rotation interrupts every client's
// contact with the cloud agent, so it is planned only with allow_downtime = true. A
// planned rotation is recorded for this run, so the renewals that depend on it plan
// their follow-up instead of failing on an expired CA.
func (r *cloudAgentCAResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.renewalResource.ModifyPlan(ctx, req, resp)
	if resp.Diagnostics.HasError() || req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var renewedAt timetypes.RFC3339
	var allow types.Bool
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("renewed_at"), &renewedAt)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allow_downtime"), &allow)...)
	if resp.Diagnostics.HasError() || !renewedAt.IsUnknown() || allow.IsUnknown() {
		return // no rotation planned (or not known yet)
	}
	if !allow.ValueBool() {
		summary, state := "Rotating the cloud agent CA needs allow_downtime = true", "is due for rotation"
		if inv, err := r.data.inventory(ctx); err == nil && inv.CAExpired() {
			summary = "Cloud agent CA has expired: rotating it needs allow_downtime = true"
			state = fmt.Sprintf("expired at %s (host time %s): every client certificate it signed is unusable and no "+
				"renewal can succeed until it is rotated", inv.CAExpiresAt.Format(timeFormat), inv.Now.Format(timeFormat))
		}
		resp.Diagnostics.AddAttributeError(path.Root("allow_downtime"), summary,
			"The cloud agent CA "+state+", and "+akshci.RotateCACmdlet+" interrupts every client's contact with "+
				"the cloud agent while it runs: node agents, KVA, CAPH, the KMS plugins and CSI drivers of every cluster "+
				"lose the cloud agent, so no VM, disk or identity operation works until the clients are re-issued by the "+
				"follow-up renewals (management, then each workload cluster). Schedule a maintenance window, then set "+
				"allow_downtime = true for that apply. Nothing was changed on the host.")
		return
	}
	r.data.rotation.plan()
}

// ConfigValidators: the rotation has no force, so the shared force rules do not apply;
// its attributes' validators check the rest.
func (r *cloudAgentCAResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return nil
}

func cloudAgentCASchema(ctx context.Context) schema.Schema {
	attrs := renewalAttributes("cloud agent CA")
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "Always `" + cloudAgentCAID + "`: a deployment has one cloud agent CA.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["renew_before"] = schema.StringAttribute{
		MarkdownDescription: "How long before the CA's expiry (`expires_at`) a rotation is planned, as a Go duration in " +
			"hours. At least 1h and shorter than the CA's " + akshci.Hours(akshci.CALifetime) + " (" +
			akshci.Days(akshci.CALifetime) + ") lifetime, otherwise every apply would rotate. Editing it is an in-place " +
			"update that rotates nothing by itself. Default: `" + akshci.Hours(akshci.CARenewBefore) + "` (" +
			akshci.Days(akshci.CARenewBefore) + ").",
		Optional:   true,
		Computed:   true,
		Default:    stringdefault.StaticString(akshci.Hours(akshci.CARenewBefore)),
		Validators: []validator.String{caWindowValidator{}},
	}
	// The shared attributes speak of 90-day credentials; the CA's own words.
	attrs["renew_every"] = schema.StringAttribute{
		MarkdownDescription: "Rotate also when `renewed_at` is at least this old, whatever the host reports, as a Go " +
			"duration in hours shorter than the CA's `" + akshci.Hours(akshci.CALifetime) + "` (" + akshci.Days(akshci.CALifetime) +
			") lifetime. A fallback for hosts that cannot report the CA's expiry (`expires_at` null); like every rotation, " +
			"it is planned only with `allow_downtime = true`. Editing it is an in-place update that rotates nothing by " +
			"itself. Unset: off.",
		Optional:   true,
		Validators: []validator.String{caRenewEveryValidator{}},
	}
	attrs["expires_at"] = schema.StringAttribute{
		CustomType: timetypes.RFC3339Type{},
		MarkdownDescription: "RFC 3339 time at which the current cloud agent CA expires. After a rotation the host may " +
			"report the replaced CA too, while it is still trusted; the current one is the one that expires last. Null " +
			"when the host reports no CA.",
		Computed: true,
	}
	attrs["expiring_credential"] = schema.StringAttribute{
		MarkdownDescription: "Always `" + akshci.CAClient + " certificate` while the host reports the CA's expiry.",
		Computed:            true,
	}
	attrs["renewed_at"] = schema.StringAttribute{
		CustomType: timetypes.RFC3339Type{},
		MarkdownDescription: "RFC 3339 time, on the host's clock, at which this resource last rotated the CA. Null until " +
			"it does: a create while the CA is not due only starts watching it, and an import rotates nothing.",
		Computed:      true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["triggers"] = schema.MapAttribute{
		MarkdownDescription: "Arbitrary values; a change replaces the resource. A replacement rotates the CA only while " +
			"the CA is due (inside `renew_before`, or expired): otherwise the plan fails, since the new object could only " +
			"start watching the CA again and the apply would show a rotation that never ran.",
		Optional:      true,
		ElementType:   types.StringType,
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
	}
	attrs["allow_downtime"] = schema.BoolAttribute{
		MarkdownDescription: "Must be `true` for a rotation to be planned. `" + akshci.RotateCACmdlet + "` interrupts " +
			"every client's contact with the cloud agent while it runs, and the clients work again only once the " +
			"follow-up renewals re-issued their credentials, so set it for the apply of a maintenance window. While it is " +
			"`false`, a due rotation is a plan-time error that says so. Editing it is an in-place update. Default: `false`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
	}
	return schema.Schema{
		// Version 1: timeouts is a map (timeouts.go).
		Version: 1,
		MarkdownDescription: "Rotates the cloud agent CA with `" + akshci.RotateCACmdlet + "` when it enters the rotation " +
			"window (the CA lives " + akshci.Days(akshci.CALifetime) + " and nothing renews it). Creating the resource " +
			"rotates only when the CA is already due; otherwise it starts watching it. A due rotation shows in the plan as " +
			"a replacement, and runs only with `allow_downtime = true`. After a rotation, renew the management cluster's " +
			"credentials and then each workload cluster's: give those resources `replace_triggered_by = " +
			"[akshybrid_cloud_agent_ca.<name>.renewed_at]` so the same apply does it in order. Destroying it only removes " +
			"it from the state.",
		Attributes: attrs,
	}
}

// caWindowValidator checks the rotation window at validate time (parseCAWindow; no library
// validator reads durations).
type caWindowValidator struct{}

func (caWindowValidator) Description(context.Context) string {
	return "a Go duration of at least 1h, shorter than the CA's " + akshci.Hours(akshci.CALifetime) + " lifetime"
}

func (v caWindowValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (caWindowValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseCAWindow(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid rotation window", err.Error())
	}
}

func (r *cloudAgentCAResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != cloudAgentCAID {
		resp.Diagnostics.AddError("Invalid import ID",
			"akshybrid_cloud_agent_ca is imported with the ID "+quoted(cloudAgentCAID)+"; got "+quoted(req.ID)+".")
		return
	}
	importDefaults(ctx, resp, caWindow, map[string]any{"id": cloudAgentCAID, "allow_downtime": false})
}
