// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

const managementID = "management"

var (
	_ resource.ResourceWithModifyPlan  = (*managementCertificatesResource)(nil)
	_ resource.ResourceWithImportState = (*managementCertificatesResource)(nil)
)

// managementCertificatesResource renews the management cluster's credentials with
// Update-AksHciCertificates.
type managementCertificatesResource struct{ renewalResource }

var _ resource.ResourceWithConfigValidators = (*managementCertificatesResource)(nil)

// NewManagementCertificatesResource is the akshybrid_management_certificates factory.
func NewManagementCertificatesResource() resource.Resource {
	r := &managementCertificatesResource{}
	r.renewalResource = renewalResource{
		typeSuffix: "_management_certificates",
		schema:     managementCertificatesSchema,
		newModel:   func() renewalState { return &managementCertificatesModel{} },
		window:     credentialWindow,
	}
	return r
}

type managementCertificatesModel struct {
	renewalModel
	Force types.Bool `tfsdk:"force"`
}

func (m *managementCertificatesModel) common() *renewalModel { return &m.renewalModel }

func (m *managementCertificatesModel) target() (renewalTarget, bool) {
	if m.Force.IsUnknown() {
		return nil, false
	}
	return managementTarget{opts: akshci.ManagementOptions{Force: m.Force.ValueBool()}}, true
}

func (m *managementCertificatesModel) targets() ([]renewalTarget, []string, bool) {
	var ts []renewalTarget
	for _, force := range boolChoices(m.Force) {
		ts = append(ts, managementTarget{opts: akshci.ManagementOptions{Force: force}})
	}
	var unknown []string
	if m.Force.IsUnknown() {
		unknown = append(unknown, "force")
	}
	return ts, unknown, true
}

// managementTarget is the management cluster, renewed with Update-AksHciCertificates.
type managementTarget struct{ opts akshci.ManagementOptions }

func (managementTarget) id() string     { return managementID }
func (managementTarget) String() string { return "the management cluster" }
func (managementTarget) issues() bool   { return true }
func (managementTarget) adopts() bool   { return false }
func (managementTarget) cmdlet() string { return "Update-AksHciCertificates" }

func (t managementTarget) forced() bool { return t.opts.Force }

func (t managementTarget) logFields() map[string]any { return map[string]any{"force": t.opts.Force} }

func (managementTarget) credentials(inv *akshci.Inventory) ([]akshci.Credential, error) {
	out := make([]akshci.Credential, 0, len(inv.Management))
	for _, c := range inv.Management {
		if c.Renewable() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (t managementTarget) renew(ctx context.Context, host akshci.Host) error {
	return host.UpdateManagementCertificates(ctx, t.opts)
}

func (managementTarget) blocking(inv *akshci.Inventory) []akshci.Lockout { return inv.Blocking("") }
func (managementTarget) own(inv *akshci.Inventory) []akshci.Lockout      { return inv.LockoutsOf("") }

func (t managementTarget) checkPlan(diags *diag.Diagnostics, inv *akshci.Inventory, _ time.Duration) {
	addCmdletError(diags, inv.Cmdlets.CheckManagement(t.opts))
}

func managementCertificatesSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		// Version 1: timeouts is a map (timeouts.go).
		Version: 1,
		MarkdownDescription: "Renews the tokens and certificates of every management-cluster client (NodeAgent, KVA, KMS, " +
			"CloudOperator, CSI, CertManager, CAPH, CloudProvider) by running `Update-AksHciCertificates` when they enter " +
			"the renewal window. Creating the resource runs the renewal; a due renewal shows in the plan as a replacement; " +
			"destroying it only removes it from the state.",
		Attributes: managementAttributes(),
	}
}

func managementAttributes() map[string]schema.Attribute {
	attrs := renewalAttributes("management-cluster credentials")
	attrs["force"] = forceAttribute()
	return attrs
}

func (r *managementCertificatesResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != managementID {
		resp.Diagnostics.AddError("Invalid import ID",
			"akshybrid_management_certificates is imported with the ID "+quoted(managementID)+"; got "+quoted(req.ID)+".")
		return
	}
	importDefaults(ctx, resp, credentialWindow, map[string]any{"id": managementID, "force": false})
}
