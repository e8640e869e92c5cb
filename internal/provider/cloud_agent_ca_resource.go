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
var caWindow = windowSpec{def: akshci.Hours(akshci.CARenewBefore), parse: parseCAWindow}

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

// caTarget is the deployment's cloud agent CA.
type caTarget struct{ allowDowntime bool }

func (caTarget) id() string     { return cloudAgentCAID }
func (caTarget) String() string { return "the cloud agent CA" }
func (caTarget) cmdlet() string { return akshci.RotateCACmdlet }
func (caTarget) issues() bool   { return false }
func (caTarget) adopts() bool   { return true }

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

// ConfigValidators: the rotation has no force, so only the timeouts are checked here.
func (r *cloudAgentCAResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{positiveTimeouts{}}
}

func cloudAgentCASchema(ctx context.Context) schema.Schema {
	attrs := renewalAttributes(ctx, "cloud agent CA")
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
