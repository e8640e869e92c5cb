// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The list resource behind `terraform query` (Terraform ≥ 1.14): every workload cluster
// of the host, never the management cluster, as akshybrid_cluster_certificates
// instances with the resource's defaults, so that the blocks
// `terraform query -generate-config-out` writes import cleanly and plan empty.

var _ list.ListResourceWithConfigure = (*clusterCertificatesListResource)(nil)

type clusterCertificatesListResource struct{ data *providerData }

// NewClusterCertificatesListResource is the akshybrid_cluster_certificates list factory.
func NewClusterCertificatesListResource() list.ListResource {
	return &clusterCertificatesListResource{}
}

func (l *clusterCertificatesListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cluster_certificates"
}

func (l *clusterCertificatesListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	l.data = d
}

func (l *clusterCertificatesListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every workload cluster of the host (`Get-AksHciCluster`) as an " +
			"`akshybrid_cluster_certificates` instance, for `terraform query` (Terraform 1.14 or later). The management " +
			"cluster is never listed. With `-generate-config-out`, each cluster gets a resource block with the resource's " +
			"defaults and an import block by identity (`cluster_name`). The list takes no arguments.",
	}
}

func (l *clusterCertificatesListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	if l.data == nil {
		var d diag.Diagnostics
		d.AddError("Provider not configured", "The list ran before the provider was configured. Please report this issue to the provider developers.")
		stream.Results = list.ListResultsStreamDiagnostics(d)
		return
	}
	ctx = l.data.logContext(ctx)
	rctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	var diags diag.Diagnostics
	inv, found := l.data.readInventory(rctx, &diags)
	if !found {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if err := inv.ClusterListUnavailable(); err != nil {
		// As for akshybrid_clusters: an empty list would say the host has no clusters.
		clusterListError(&diags, inv, "Cannot list the workload clusters", "Get-AksHciCluster", err, "")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	window, err := parseWindow(defaultRenewBefore)
	if err != nil { // the default is valid; a failure here is a bug
		diags.AddError("Invalid default renewal window", err.Error())
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, c := range inv.Clusters {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(l.result(ctx, req, inv, c, window)) {
				return
			}
		}
	}
}

// result is one cluster as the resource would hold it right after an import.
func (l *clusterCertificatesListResource) result(ctx context.Context, req list.ListRequest, inv *akshci.Inventory, c akshci.Cluster, window time.Duration) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = c.Name
	r.Diagnostics.Append(r.Identity.SetAttribute(ctx, path.Root(identityClusterName), c.Name)...)
	if c.Unknown() {
		// As the data sources and the resource's plan do: listed without a word, a cluster
		// with no known expiry would look healthy in the generated configuration.
		r.Diagnostics.AddWarning(unknownClusterWarning(c))
	}
	if !req.IncludeResource || r.Diagnostics.HasError() {
		return r
	}
	m := clusterCertificatesModel{
		renewalModel: renewalModel{
			ID:          types.StringValue(c.Name),
			RenewBefore: types.StringValue(defaultRenewBefore),
			RenewEvery:  types.StringNull(),
			Triggers:    types.MapNull(types.StringType),
			RenewedAt:   timetypes.NewRFC3339Null(),
			Timeouts:    types.MapNull(types.StringType),
		},
		ClusterName:           types.StringValue(c.Name),
		FixCloudCredentials:   types.BoolValue(true),
		FixKubeletCredentials: types.BoolValue(false),
		PatchLoadBalancer:     types.BoolValue(true), // the resource's default since issue 13
		Force:                 types.BoolValue(false),
	}
	t, _ := m.target()
	st, err := renewalStatus(inv, t, window, schedule{})
	if err != nil {
		r.Diagnostics.AddError("Cannot evaluate the credentials", fmt.Sprintf("workload cluster %s: %s", quoted(c.Name), err))
		return r
	}
	m.setStatus(st)
	r.Diagnostics.Append(r.Resource.Set(ctx, &m)...)
	return r
}
