// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

var (
	_ resource.ResourceWithModifyPlan       = (*clusterCertificatesResource)(nil)
	_ resource.ResourceWithImportState      = (*clusterCertificatesResource)(nil)
	_ resource.ResourceWithConfigValidators = (*clusterCertificatesResource)(nil)
)

// clusterCertificatesResource renews one workload cluster's credentials with
// Update-AksHciClusterCertificates.
type clusterCertificatesResource struct{ renewalResource }

// NewClusterCertificatesResource is the akshybrid_cluster_certificates factory.
func NewClusterCertificatesResource() resource.Resource {
	r := &clusterCertificatesResource{}
	r.renewalResource = renewalResource{
		typeSuffix: "_cluster_certificates",
		schema:     clusterCertificatesSchema,
		newModel:   func() renewalState { return &clusterCertificatesModel{} },
		window:     credentialWindow,
	}
	return r
}

type clusterCertificatesModel struct {
	renewalModel
	ClusterName           types.String `tfsdk:"cluster_name"`
	FixCloudCredentials   types.Bool   `tfsdk:"fix_cloud_credentials"`
	FixKubeletCredentials types.Bool   `tfsdk:"fix_kubelet_credentials"`
	PatchLoadBalancer     types.Bool   `tfsdk:"patch_load_balancer"`
	Force                 types.Bool   `tfsdk:"force"`
}

func (m *clusterCertificatesModel) common() *renewalModel { return &m.renewalModel }

func (m *clusterCertificatesModel) target() (renewalTarget, bool) {
	for _, v := range []interface{ IsUnknown() bool }{m.ClusterName, m.FixCloudCredentials, m.FixKubeletCredentials, m.PatchLoadBalancer, m.Force} {
		if v.IsUnknown() {
			return nil, false
		}
	}
	return clusterTarget{
		cluster: m.ClusterName.ValueString(),
		opts: akshci.ClusterOptions{
			FixCloudCredentials:   m.FixCloudCredentials.ValueBool(),
			FixKubeletCredentials: m.FixKubeletCredentials.ValueBool(),
			// -patchLoadBalancer exists only with -fixCloudCredentials; the validator
			// refuses an explicit true without it, the default is ignored then.
			PatchLoadBalancer: m.PatchLoadBalancer.ValueBool() && m.FixCloudCredentials.ValueBool(),
			Force:             m.Force.ValueBool(),
		},
	}, true
}

func (m *clusterCertificatesModel) targets() ([]renewalTarget, []string, bool) {
	if m.ClusterName.IsUnknown() {
		return nil, nil, false
	}
	var unknown []string
	for name, v := range map[string]types.Bool{"fix_cloud_credentials": m.FixCloudCredentials,
		"fix_kubelet_credentials": m.FixKubeletCredentials, "patch_load_balancer": m.PatchLoadBalancer, "force": m.Force} {
		if v.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	var ts []renewalTarget
	for _, cloud := range boolChoices(m.FixCloudCredentials) {
		for _, kubelet := range boolChoices(m.FixKubeletCredentials) {
			for _, lb := range boolChoices(m.PatchLoadBalancer) {
				for _, force := range boolChoices(m.Force) {
					ts = append(ts, clusterTarget{cluster: m.ClusterName.ValueString(), opts: akshci.ClusterOptions{
						FixCloudCredentials: cloud, FixKubeletCredentials: kubelet, PatchLoadBalancer: lb && cloud, Force: force,
					}})
				}
			}
		}
	}
	return ts, unknown, true
}

// clusterTarget is one workload cluster, renewed with Update-AksHciClusterCertificates.
type clusterTarget struct {
	cluster string
	opts    akshci.ClusterOptions
}

func (t clusterTarget) id() string     { return t.cluster }
func (t clusterTarget) String() string { return "workload cluster " + quoted(t.cluster) }
func (clusterTarget) issues() bool     { return true }
func (clusterTarget) adopts() bool     { return false }
func (clusterTarget) cmdlet() string   { return "Update-AksHciClusterCertificates" }

func (t clusterTarget) forced() bool { return t.opts.Force }

func (t clusterTarget) logFields() map[string]any {
	return map[string]any{"force": t.opts.Force, "fix_cloud_credentials": t.opts.FixCloudCredentials,
		"fix_kubelet_credentials": t.opts.FixKubeletCredentials, "patch_load_balancer": t.opts.PatchLoadBalancer}
}

func (t clusterTarget) credentials(inv *akshci.Inventory) ([]akshci.Credential, error) {
	creds, err := inv.Credentials(t.cluster)
	if err != nil {
		return nil, err
	}
	return t.opts.Scoped(creds), nil
}

func (t clusterTarget) renew(ctx context.Context, host akshci.Host) error {
	return host.UpdateClusterCertificates(ctx, t.cluster, t.opts)
}

func (t clusterTarget) blocking(inv *akshci.Inventory) []akshci.Lockout {
	return inv.Blocking(t.cluster)
}
func (t clusterTarget) own(inv *akshci.Inventory) []akshci.Lockout { return inv.LockoutsOf(t.cluster) }

func (t clusterTarget) checkPlan(diags *diag.Diagnostics, inv *akshci.Inventory, window time.Duration) {
	_, warnings, err := inv.Cmdlets.ClusterCall(t.opts)
	addCmdletError(diags, err)
	for _, w := range warnings {
		diags.AddAttributeWarning(path.Root(string(akshci.SettingPatchLoadBalancer)), "The host's AksHci module lacks -patchLoadBalancer", w)
	}
	if c, ok := inv.Cluster(t.cluster); ok && c.Unknown() {
		diags.AddWarning(unknownClusterWarning(c))
	}
	warnLoadBalancerOutOfScope(diags, inv, t, window)
}

// warnLoadBalancerOutOfScope warns when a workload cluster's load balancer credentials
// are inside the renewal window but this resource does not renew them: renewing the
// cloud credentials without -patchLoadBalancer is the documented cause of load balancer
// VIPs that stop answering (community AKS hybrid load balancer post,
// [d:update-certificates.md]).
func warnLoadBalancerOutOfScope(diags *diag.Diagnostics, inv *akshci.Inventory, t clusterTarget, window time.Duration) {
	if t.opts.InScope(akshci.Credential{Scope: akshci.ScopeLoadBalancer}) {
		return
	}
	c, ok := inv.Cluster(t.cluster)
	if !ok {
		return
	}
	var lb []akshci.Credential
	for _, cr := range c.Credentials {
		if cr.Scope == akshci.ScopeLoadBalancer {
			lb = append(lb, cr)
		}
	}
	st := akshci.Evaluate(inv.Now, lb, window)
	if !st.Ready {
		return
	}
	diags.AddWarning("Load balancer credentials due but not renewed",
		fmt.Sprintf("The %s of %s expires at %s (host time %s), inside renew_before, but patch_load_balancer is off (or "+
			"fix_cloud_credentials is), so this resource does not renew it. Once it expires, LoadBalancer services get a "+
			"VIP but are unreachable and scaling fails. Set fix_cloud_credentials = true and patch_load_balancer = true.",
			st.Credential, t, st.ExpiresAt.Format(timeFormat), inv.Now.Format(timeFormat)))
}

func clusterCertificatesSchema(ctx context.Context) schema.Schema {
	attrs := renewalAttributes("credentials in scope (see the `fix_*` and `patch_load_balancer` switches)")
	attrs["force"] = forceAttribute()
	attrs["cluster_name"] = schema.StringAttribute{
		MarkdownDescription: "Name of the workload cluster. A DNS label: lowercase letters, digits and `-`, starting " +
			"with a letter, at most 63 characters. Changing it replaces the resource.",
		Required:      true,
		Validators:    []validator.String{clusterNameValidator{}},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	attrs["fix_cloud_credentials"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-fixCloudCredentials`: reissue the tokens and certificates that the cluster's KMS, " +
			"CSI, CertManager and CloudProvider clients use to reach the cloud agent. Their credentials are in scope for " +
			"`expires_at`. In-place; renews nothing by itself. Default: `true`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
	}
	attrs["fix_kubelet_credentials"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-fixKubeletCredentials`: reissue the Kubernetes certificates on the control-plane " +
			"nodes. The 4-day control-plane certificates renew themselves while the cluster runs, so they count for " +
			"`expires_at` only once expired (e.g. after a shutdown of more than 4 days); the kubelet server certificate is " +
			"not renewed automatically and always counts. Fetch a new kubeconfig with `Get-AksHciCredential` afterwards; the " +
			"admin kubeconfig's client certificate is renewed by no documented cmdlet, so it never counts here " +
			"(`akshybrid_certificates` lists it). When both fixes are set, the kubelet fix runs first, as documented. With " +
			"both `fix_*` switches off, the cmdlet runs with `-name` alone, the documented call for expired control-plane " +
			"certificates, which renews the same certificates. In-place; renews nothing by itself. Default: `false`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
	}
	attrs["patch_load_balancer"] = schema.BoolAttribute{
		MarkdownDescription: "Pass `-patchLoadBalancer` with `-fixCloudCredentials`: also reissue the load balancer VM's " +
			"credentials, whose expiry then counts for `expires_at`. Renewing the cloud credentials without it leaves the " +
			"load balancer's credentials to expire, after which LoadBalancer services get a VIP but are unreachable; the " +
			"documented call pairs the two switches. Setting it to `true` without `fix_cloud_credentials` is an error; the " +
			"default is ignored then. When off, a plan warns once the load balancer's credentials are inside `renew_before`, " +
			"and `akshybrid_certificates` always lists them. In-place; renews nothing by itself. Default: `true`.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
	}
	return schema.Schema{
		// Version 1: timeouts is a map (timeouts.go).
		Version: 1,
		MarkdownDescription: "Renews the tokens and certificates of one workload cluster's clients by running " +
			"`Update-AksHciClusterCertificates` when they enter the renewal window. Creating the resource runs the renewal; " +
			"a due renewal shows in the plan as a replacement; destroying it only removes it from the state.",
		Attributes: attrs,
	}
}

func (r *clusterCertificatesResource) ConfigValidators(ctx context.Context) []resource.ConfigValidator {
	return append(r.renewalResource.ConfigValidators(ctx), clusterSwitchesValidator{})
}

// clusterSwitchesValidator enforces the cmdlet's parameter sets at plan time. Not
// boolvalidator.ConflictsWith or AlsoRequires: those look at whether an attribute is set,
// while the rule is about values (fix_cloud_credentials unset means true).
type clusterSwitchesValidator struct{}

func (clusterSwitchesValidator) Description(context.Context) string {
	return "patch_load_balancer = true needs fix_cloud_credentials"
}

func (v clusterSwitchesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (clusterSwitchesValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateClusterSwitches(ctx, req.Config, &resp.Diagnostics)
}

// validateClusterSwitches checks the switches of a cluster renewal's configuration (the
// resource's or the action's).
func validateClusterSwitches(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) {
	var cloud, kubelet, lb types.Bool
	diags.Append(cfg.GetAttribute(ctx, path.Root("fix_cloud_credentials"), &cloud)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("fix_kubelet_credentials"), &kubelet)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("patch_load_balancer"), &lb)...)
	if diags.HasError() || cloud.IsUnknown() || kubelet.IsUnknown() || lb.IsUnknown() {
		return
	}
	cloudOn := cloud.IsNull() || cloud.ValueBool() // default true
	if lb.ValueBool() && !cloudOn {
		diags.AddAttributeError(path.Root("patch_load_balancer"), "patch_load_balancer needs fix_cloud_credentials",
			"-patchLoadBalancer is only valid together with -fixCloudCredentials. Set fix_cloud_credentials = true, or "+
				"remove patch_load_balancer.")
	}
}

func (r *clusterCertificatesResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := validateClusterName(id); err != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			"akshybrid_cluster_certificates is imported with the workload cluster name as its ID: "+err.Error())
		return
	}
	importDefaults(ctx, resp, credentialWindow, map[string]any{
		"id":                      id,
		"force":                   false,
		"cluster_name":            id,
		"fix_cloud_credentials":   true,
		"fix_kubelet_credentials": false,
		"patch_load_balancer":     true,
	})
	setClusterIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}
