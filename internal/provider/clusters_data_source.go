package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

var _ datasource.DataSourceWithConfigure = (*clustersDataSource)(nil)

// clustersDataSource lists the workload clusters, for for_each.
type clustersDataSource struct{ data *providerData }

// NewClustersDataSource is the akshybrid_clusters factory.
func NewClustersDataSource() datasource.DataSource { return &clustersDataSource{} }

type clustersDataSourceModel struct {
	Names types.List `tfsdk:"names"`
}

func (d *clustersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_clusters"
}

func (d *clustersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
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
		},
	}
}

func (d *clustersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *clustersDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		return
	}
	ctx = d.data.logContext(ctx)
	inv, found := d.data.readInventory(ctx, &resp.Diagnostics)
	if !found {
		return
	}
	if l, blocked := inv.ClusterListBlocked(); blocked {
		// An empty list would make for_each forget every cluster resource.
		resp.Diagnostics.AddError("Cannot list the workload clusters",
			(&akshci.LockoutError{Operation: "Get-AksHciCluster", Lockout: l}).Error())
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
	resp.Diagnostics.Append(resp.State.Set(ctx, &clustersDataSourceModel{Names: names})...)
}
