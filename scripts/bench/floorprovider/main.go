// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Command floorprovider is a do-nothing Terraform provider built on the same plugin
// framework as terraform-provider-akshybrid, with a resource of the same shape. It exists
// only for scripts/bench-plan.sh: the plan time over N of its resources is the floor any
// out-of-process framework provider pays, so the benchmark can separate that floor from
// akshybrid's own cost.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/akshybrid/floor", ProtocolVersion: 6})
	if err != nil {
		log.Fatal(err)
	}
}

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}
func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return item{} }}
}
func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type item struct{}

type itemModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Force       types.Bool   `tfsdk:"force"`
	RenewBefore types.String `tfsdk:"renew_before"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	Ready       types.Bool   `tfsdk:"ready"`
}

func (item) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "floor_item"
}

func (item) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":           schema.StringAttribute{Computed: true},
		"name":         schema.StringAttribute{Required: true},
		"force":        schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
		"renew_before": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("720h")},
		"expires_at":   schema.StringAttribute{Computed: true},
		"ready":        schema.BoolAttribute{Computed: true},
	}}
}

func (item) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m itemModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.ID, m.ExpiresAt, m.Ready = m.Name, types.StringValue("2030-01-01T00:00:00Z"), types.BoolValue(false)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (item) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (item) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.Append(resp.State.Set(ctx, req.Plan)...)
}

func (item) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
