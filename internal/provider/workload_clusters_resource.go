// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// akshybrid_workload_clusters is the deployment's list of workload clusters kept in the
// Terraform state, for for_each. It exists because the list must be known at plan time
// even when the host cannot list its clusters: Get-AksHciCluster fails while kvactl is
// locked out, which it is once the cloud agent CA has expired. The data source
// akshybrid_clusters then fails the plan, and a data source that depends on the CA
// rotation is read only during apply, too late for for_each; this resource keeps the
// names of its last listing instead, so one apply rotates the CA and renews every
// cluster (issue 20, item 1).

const workloadClustersID = "workload-clusters"

var (
	_ resource.ResourceWithModifyPlan  = (*workloadClustersResource)(nil)
	_ resource.ResourceWithImportState = (*workloadClustersResource)(nil)
	_ resource.ResourceWithConfigure   = (*workloadClustersResource)(nil)
)

type workloadClustersResource struct{ data *providerData }

// NewWorkloadClustersResource is the akshybrid_workload_clusters factory.
func NewWorkloadClustersResource() resource.Resource { return &workloadClustersResource{} }

type workloadClustersModel struct {
	ID       types.String `tfsdk:"id"`
	Names    types.List   `tfsdk:"names"`
	Timeouts types.Map    `tfsdk:"timeouts"`
}

func (r *workloadClustersResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workload_clusters"
}

func (r *workloadClustersResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Keeps the deployment's workload clusters (`Get-AksHciCluster`) in the Terraform state, for " +
			"`for_each` over `akshybrid_cluster_certificates`. Every plan and refresh reads the list from the host, like " +
			"the `akshybrid_clusters` data source; while the host cannot list its clusters (`Get-AksHciCluster` fails " +
			"while kvactl is locked out, as it is once the cloud agent CA has expired), it keeps the names of its last " +
			"listing, with a warning, instead of failing the plan. The management cluster is never included. Creating " +
			"and destroying it change nothing on the host.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Always `" + workloadClustersID + "`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"names": schema.ListAttribute{
				MarkdownDescription: "Workload cluster names, sorted; never the management cluster. While the host cannot " +
					"list its clusters, the names of the last listing.",
				Computed:    true,
				ElementType: types.StringType,
			},
			"timeouts": readTimeouts.resourceAttribute(),
		},
	}
}

func (r *workloadClustersResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// listed reads the workload clusters from the host. ok is false when the host cannot
// list them (listErr says why: a lockout, or the list's own failure) or the inventory
// failed (a diagnostic says why).
func (r *workloadClustersResource) listed(ctx context.Context, m *workloadClustersModel, diags *diag.Diagnostics) (names []string, inv *akshci.Inventory, listErr error, ok bool) {
	timeout, d := timeoutFor(m.Timeouts, "read", defaultReadTimeout)
	if diags.Append(d...); diags.HasError() {
		return nil, nil, nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inv, found := r.data.readInventory(ctx, diags)
	if !found {
		return nil, nil, nil, false
	}
	if err := inv.ClusterListUnavailable(); err != nil {
		return nil, inv, err, false
	}
	return inv.ClusterNames(), inv, nil, true
}

// ModifyPlan plans the host's list; while the host cannot list its clusters it keeps
// the names in the state, so the configuration can still be planned, and a create
// (with nothing to keep) fails as the data source does.
func (r *workloadClustersResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	ctx = r.data.logContext(ctx)
	var plan workloadClustersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Timeouts.IsUnknown() {
		return
	}
	names, inv, listErr, ok := r.listed(ctx, &plan, &resp.Diagnostics)
	switch {
	case ok:
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("names"), names)...)
	case listErr != nil:
		var prior workloadClustersModel
		if !req.State.Raw.IsNull() {
			resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
		}
		if prior.Names.IsNull() || prior.Names.IsUnknown() {
			// Nothing to keep (a create, or an import the host could not list for): an
			// empty list would make for_each forget every cluster resource.
			clusterListError(&resp.Diagnostics, inv, "Cannot list the workload clusters", "Get-AksHciCluster", listErr, "")
			return
		}
		keptWarning(&resp.Diagnostics, inv, listErr, len(prior.Names.Elements()))
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("names"), prior.Names)...)
	default:
		return // the inventory failed; a diagnostic says why
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), workloadClustersID)...)
}

// keptWarning says that the list is the last one, and why.
func keptWarning(diags *diag.Diagnostics, inv *akshci.Inventory, listErr error, n int) {
	lockout := listErr.Error()
	kept := fmt.Sprintf("akshybrid_workload_clusters keeps the %d names of its last listing until the host lists its "+
		"clusters again.", n)
	if !inv.CAExpired() {
		diags.AddWarning("Cannot list the workload clusters: the last list is kept", kept+"\n\n"+lockout)
		return
	}
	diags.AddWarning("Cloud agent CA has expired: the last list of workload clusters is kept",
		caExpiredDetail(inv)+" Until then Get-AksHciCluster fails, so "+kept+"\n\nWhat the host reports:\n\n"+lockout)
}

// Create stores the list the plan showed: creating reads nothing new and changes
// nothing on the host.
func (r *workloadClustersResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan workloadClustersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Names.IsUnknown() {
		resp.Diagnostics.AddError("Cannot list the workload clusters",
			"The plan had no list of workload clusters. Please report this issue to the provider developers.")
		return
	}
	plan.ID = types.StringValue(workloadClustersID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the list from the host; while the host cannot list its clusters it
// keeps the state's.
func (r *workloadClustersResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		return
	}
	ctx = r.data.logContext(ctx)
	var state workloadClustersModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var diags diag.Diagnostics
	names, inv, listErr, ok := r.listed(ctx, &state, &diags)
	switch {
	case ok:
		resp.Diagnostics.Append(diags...)
		prior := make([]string, 0, len(state.Names.Elements()))
		resp.Diagnostics.Append(state.Names.ElementsAs(ctx, &prior, false)...)
		if !slices.Equal(prior, names) {
			list, d := types.ListValueFrom(ctx, types.StringType, names)
			resp.Diagnostics.Append(d...)
			state.Names = list
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	case listErr != nil && state.Names.IsNull():
		clusterListError(&resp.Diagnostics, inv, "Cannot list the workload clusters", "Get-AksHciCluster", listErr, "")
	case listErr != nil:
		resp.Diagnostics.Append(diags...)
		keptWarning(&resp.Diagnostics, inv, listErr, len(state.Names.Elements()))
	default:
		// A host that cannot be read only warns here, so that terraform destroy, which
		// refreshes first, still works; the plan stops with the same cause.
		for _, d := range diags {
			resp.Diagnostics.AddWarning("Cannot refresh from the AKS hybrid host",
				"The last known list was kept. "+d.Detail())
		}
	}
}

// Update stores the planned list (a changed list, or edited timeouts).
func (r *workloadClustersResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan workloadClustersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete only forgets.
func (r *workloadClustersResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *workloadClustersResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != workloadClustersID {
		resp.Diagnostics.AddError("Invalid import ID",
			"akshybrid_workload_clusters is imported with the ID "+quoted(workloadClustersID)+"; got "+quoted(req.ID)+".")
		return
	}
	// names stays null until the refresh that follows lists the clusters.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), workloadClustersID)...)
}
