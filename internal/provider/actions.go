// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The renew-now actions (Terraform ≥ 1.14) run the same renewal as the resources'
// Create, through the same helper (renewalRun), without a replacement in the plan and
// without touching any state. `terraform apply -invoke=action.<type>.<name>` runs one;
// a resource's lifecycle.action_trigger runs one after that resource's create or update.

var (
	_ action.ActionWithConfigure        = (*renewAction)(nil)
	_ action.ActionWithConfigValidators = (*renewAction)(nil)
	_ action.ConfigValidator            = clusterSwitchesValidator{}
)

// renewActionModel is what both actions share.
type renewActionModel struct {
	Force       types.Bool   `tfsdk:"force"`
	RenewBefore types.String `tfsdk:"renew_before"`
	Timeouts    types.Map    `tfsdk:"timeouts"`
}

type clusterRenewActionModel struct {
	renewActionModel
	ClusterName           types.String `tfsdk:"cluster_name"`
	FixCloudCredentials   types.Bool   `tfsdk:"fix_cloud_credentials"`
	FixKubeletCredentials types.Bool   `tfsdk:"fix_kubelet_credentials"`
	PatchLoadBalancer     types.Bool   `tfsdk:"patch_load_balancer"`
}

// renewAction is either action; cluster tells which.
type renewAction struct {
	cluster bool
	data    *providerData
}

// NewRenewManagementCertificatesAction is the akshybrid_renew_management_certificates factory.
func NewRenewManagementCertificatesAction() action.Action { return &renewAction{} }

// NewRenewClusterCertificatesAction is the akshybrid_renew_cluster_certificates factory.
func NewRenewClusterCertificatesAction() action.Action { return &renewAction{cluster: true} }

func (a *renewAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	if a.cluster {
		resp.TypeName = req.ProviderTypeName + "_renew_cluster_certificates"
		return
	}
	resp.TypeName = req.ProviderTypeName + "_renew_management_certificates"
}

func (a *renewAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	a.data = d
}

func (a *renewAction) ConfigValidators(context.Context) []action.ConfigValidator {
	// The resources' rules (issue 10): renew_before within what
	// the cmdlets rotate without force.
	v := []action.ConfigValidator{windowFitsForce{}}
	if a.cluster {
		v = append(v, clusterSwitchesValidator{})
	}
	return v
}

// ValidateAction applies the cmdlet's parameter sets to the cluster action.
func (clusterSwitchesValidator) ValidateAction(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	validateClusterSwitches(ctx, req.Config, &resp.Diagnostics)
}

func (a *renewAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"force": schema.BoolAttribute{
			MarkdownDescription: "Pass `-force`, so the host rotates every credential in scope even when none is close to " +
				"expiry. Default: `false`, so without it the host renews only what is close to expiry.",
			Optional: true,
		},
		"renew_before": schema.StringAttribute{
			MarkdownDescription: "The window the result is checked against, as for the resources: after the renewal no " +
				"credential in scope may expire within it, or the action fails. A Go duration in hours, at least `" +
				hours(akshci.MinRenewBefore) + "` and shorter than the `" + hours(akshci.Lifetime) + "` credential lifetime; " +
				"without `force` also shorter than `" + hours(akshci.NoForceRotationLeft) + "`, since without `-force` the " +
				"update cmdlets rotate only credentials with less than that left. Default: `" + defaultRenewBefore + "`.",
			Optional:   true,
			Validators: []validator.String{renewBeforeValidator{}},
		},
		"timeouts": invokeTimeouts.actionAttribute(),
	}
	if !a.cluster {
		resp.Schema = schema.Schema{
			MarkdownDescription: "Renews the management cluster's tokens and certificates now (`Update-AksHciCertificates`), " +
				"then reads them back from the host and fails unless none expires within `renew_before`. Invoke it with " +
				"`terraform apply -invoke=action.akshybrid_renew_management_certificates.<name>` (Terraform 1.14 or later), " +
				"or attach it to a resource's `lifecycle.action_trigger`. It changes no Terraform state.",
			Attributes: attrs,
		}
		return
	}
	attrs["cluster_name"] = schema.StringAttribute{
		MarkdownDescription: "Name of the workload cluster. A DNS label: lowercase letters, digits and `-`, starting " +
			"with a letter, at most 63 characters. Never the management cluster.",
		Required:   true,
		Validators: []validator.String{clusterNameValidator{}},
	}
	attrs["fix_cloud_credentials"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-fixCloudCredentials` (the cluster's KMS, CSI, CertManager and CloudProvider clients). " +
			"Default: `true`.",
		Optional: true,
	}
	attrs["fix_kubelet_credentials"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-fixKubeletCredentials` (the Kubernetes certificates on the control-plane nodes); " +
			"runs before the cloud fix when both are set. Default: `false`.",
		Optional: true,
	}
	attrs["patch_load_balancer"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-patchLoadBalancer` with `-fixCloudCredentials`, as the documented renewal does: also " +
			"reissue the load balancer VM's credentials. Setting it to `true` without `fix_cloud_credentials` is an error; " +
			"the default is ignored then. Default: `true`, as for the resource. With both `fix_*` switches off the cmdlet " +
			"runs with `-name` alone (the Kubernetes certificates on the control-plane nodes).",
		Optional: true,
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renews one workload cluster's tokens and certificates now (`Update-AksHciClusterCertificates`), " +
			"then reads them back from the host and fails unless none in scope expires within `renew_before`. Invoke it " +
			"with `terraform apply -invoke=action.akshybrid_renew_cluster_certificates.<name>` (Terraform 1.14 or later), " +
			"or attach it to a resource's `lifecycle.action_trigger`. It changes no Terraform state.",
		Attributes: attrs,
	}
}

// config reads the action's configuration into a renewal target, with the resources'
// defaults for what is not set.
func (a *renewAction) config(ctx context.Context, req action.InvokeRequest, diags *diag.Diagnostics) (renewalTarget, renewActionModel, bool) {
	if req.Config.Raw.IsNull() {
		// An action without a config block: every attribute takes its default (only the
		// management action has no required attribute).
		return managementTarget{}, renewActionModel{}, !a.cluster
	}
	if !a.cluster {
		var m renewActionModel
		diags.Append(req.Config.Get(ctx, &m)...)
		return managementTarget{opts: akshci.ManagementOptions{Force: m.Force.ValueBool()}}, m, !diags.HasError()
	}
	var m clusterRenewActionModel
	diags.Append(req.Config.Get(ctx, &m)...)
	cloud := true
	if !m.FixCloudCredentials.IsNull() {
		cloud = m.FixCloudCredentials.ValueBool()
	}
	// The resource's defaults (issue 13): -patchLoadBalancer goes with -fixCloudCredentials
	// unless switched off, and never without it; both fix switches off is -name alone.
	lb := cloud
	if !m.PatchLoadBalancer.IsNull() {
		lb = m.PatchLoadBalancer.ValueBool() && cloud
	}
	return clusterTarget{
		cluster: m.ClusterName.ValueString(),
		opts: akshci.ClusterOptions{
			FixCloudCredentials:   cloud,
			FixKubeletCredentials: m.FixKubeletCredentials.ValueBool(),
			PatchLoadBalancer:     lb,
			Force:                 m.Force.ValueBool(),
		},
	}, m.renewActionModel, !diags.HasError()
}

// Invoke checks the target against the host, as a plan does for the resources, then runs
// the renewal and verifies it. Cancellation (Ctrl-C) and the invoke timeout end it
// through the context.
func (a *renewAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if a.data == nil {
		resp.Diagnostics.AddError("Provider not configured",
			"The action ran before the provider was configured. Please report this issue to the provider developers.")
		return
	}
	ctx = a.data.logContext(ctx)
	progress := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	t, m, ok := a.config(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	windowText := defaultRenewBefore
	if !m.RenewBefore.IsNull() {
		windowText = m.RenewBefore.ValueString()
	}
	window, err := parseWindow(windowText)
	if err != nil {
		resp.Diagnostics.AddError("Invalid renewal window", err.Error())
		return
	}
	timeout, diags := timeoutFor(m.Timeouts, "invoke", defaultCreateTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}

	progress(fmt.Sprintf("Checking %s on the host", t))
	if !a.precheck(ctx, t, window, &resp.Diagnostics) {
		return
	}
	_, st, ok := a.data.runRenewal(ctx, renewalRun{
		target: t, window: window, windowText: windowText, timeout: timeout, timeoutAttr: "timeouts.invoke",
		failed: "so the action failed; invoke it again once the cause is fixed",
		unknown: "The action changes no Terraform state: read the credentials (the akshybrid_certificates data source " +
			"or a plan) before invoking it again",
		progress: progress, explicit: true,
	}, &resp.Diagnostics)
	if !ok {
		return
	}
	if st.ExpiresAt.IsZero() {
		progress(fmt.Sprintf("Renewed %s; the host reports no expiry for the credentials in scope", t))
		return
	}
	progress(fmt.Sprintf("Renewed %s; the earliest expiry in scope is now %s (%s)", t, st.ExpiresAt.Format(timeFormat), st.Credential))
}

// precheck refuses, before anything runs on the host, a renewal that cannot succeed, in
// the order a resource's plan checks a create: the management cluster named as a
// workload cluster, a lockout that blocks the cmdlet (issue 13), a target the host does
// not have, switches the host's module lacks, an expired cloud agent CA. It warns as
// that plan does.
func (a *renewAction) precheck(ctx context.Context, t renewalTarget, window time.Duration, diags *diag.Diagnostics) bool {
	rctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	inv, found := a.data.readInventory(rctx, diags)
	if !found {
		return false
	}
	_, err := renewalStatus(inv, t, window, schedule{})
	var me *akshci.ManagementClusterError
	if errors.As(err, &me) {
		addTargetError(diags, err)
		return false
	}
	if checkLockouts(diags, inv, t, true) {
		return false
	}
	if err != nil {
		addTargetError(diags, err)
		return false
	}
	// The target's own plan checks (switches the module lacks, an unknown cluster, load
	// balancer credentials out of scope), then issue 9's CA rule as a resource's plan
	// applies it: an expired CA can issue nothing, so the renewal is refused before the
	// host. An action never rotates the CA, so no rotation in the same run excuses it.
	t.checkPlan(diags, inv, window)
	if t.issues() && inv.CAExpired() {
		diags.AddError("Cloud agent CA has expired", caExpiredDetail(inv)+" Nothing was changed on the host.")
	}
	if diags.HasError() {
		return false
	}
	warnHost(diags, inv)
	warnCAOnce(diags, inv, akshci.CARenewBefore, &a.data.rotation)
	return true
}
