// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure = (*clustersDataSource)(nil)
)

// clustersDataSource lists the workload clusters, for for_each.
type clustersDataSource struct{ data *providerData }

// NewClustersDataSource is the akshybrid_clusters factory.
func NewClustersDataSource() datasource.DataSource { return &clustersDataSource{} }

type clustersDataSourceModel struct {
	Names    types.List `tfsdk:"names"`
	Timeouts types.Map  `tfsdk:"timeouts"`
}

func (d *clustersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_clusters"
}

func (d *clustersDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the workload clusters of the deployment (`Get-AksHciCluster`), for `for_each` over " +
			"`akshybrid_cluster_certificates`. The management cluster (the AKS host, `(Get-AksHciConfig).Kva.kvaName`), " +
			"which `Get-AksHciCluster` lists too, is never included. The plan warns about each cluster for which the host " +
			"could report no expiry at all.",
		Attributes: map[string]schema.Attribute{
			"names": schema.ListAttribute{
				MarkdownDescription: "Workload cluster names, sorted; never the management cluster.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"timeouts": readTimeouts.dataSourceAttribute(),
		},
	}
}

func (d *clustersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *clustersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m clustersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	ctx = d.data.logContext(ctx)
	ctx, cancel, ok := readDeadline(ctx, m.Timeouts, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	inv, found := d.data.readInventory(ctx, &resp.Diagnostics)
	if !found {
		return
	}
	if err := inv.ClusterListUnavailable(); err != nil {
		// An empty list would make for_each forget every cluster resource.
		clusterListError(&resp.Diagnostics, inv, "Cannot list the workload clusters", "Get-AksHciCluster", err, clusterListAdvice)
		return
	}
	for _, c := range inv.UnknownClusters() {
		resp.Diagnostics.AddWarning(unknownClusterWarning(c))
	}
	names, diags := types.ListValueFrom(ctx, types.StringType, inv.ClusterNames())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Names = names
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// clusterListAdvice is what the data source adds when the host cannot list its clusters.
const clusterListAdvice = "A for_each over this data source cannot be planned until the host lists its clusters " +
	"again. The akshybrid_workload_clusters resource keeps the last list in the Terraform state instead, so that a " +
	"configuration using it can still be planned and applied."

// readDeadline bounds a data source read by its timeouts.read (default 5m), so a host
// that hangs cannot hang terraform plan.
func readDeadline(ctx context.Context, t types.Map, diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	timeout, d := timeoutFor(t, "read", defaultReadTimeout)
	if diags.Append(d...); diags.HasError() {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, true
}
