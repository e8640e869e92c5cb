package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	}
	return r
}

type managementCertificatesModel struct {
	renewalModel
}

func (m *managementCertificatesModel) common() *renewalModel { return &m.renewalModel }

func (m *managementCertificatesModel) target() (renewalTarget, bool) {
	if m.Force.IsUnknown() {
		return renewalTarget{}, false
	}
	return renewalTarget{force: m.Force.ValueBool()}, true
}

func managementCertificatesSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Renews the tokens and certificates of every management-cluster client (NodeAgent, KVA, KMS, " +
			"CloudOperator, CSI, CertManager, CAPH, CloudProvider) by running `Update-AksHciCertificates` when they enter " +
			"the renewal window. Creating the resource runs the renewal; a due renewal shows in the plan as a replacement; " +
			"destroying it only removes it from the state.",
		Attributes: renewalAttributes(ctx, "management-cluster credentials"),
	}
}

func (r *managementCertificatesResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != managementID {
		resp.Diagnostics.AddError("Invalid import ID",
			"akshybrid_management_certificates is imported with the ID "+quoted(managementID)+"; got "+quoted(req.ID)+".")
		return
	}
	importDefaults(ctx, resp, map[string]any{"id": managementID})
}
