// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// akshybrid_cluster_certificates has a resource identity (Terraform ≥ 1.12): the cluster
// name. `terraform query` lists clusters by it, and the import blocks that
// `terraform query -generate-config-out` writes import by it. Older CLIs ignore it.
// The lifecycle itself stays in renewalResource; these methods only add the identity.

var _ resource.ResourceWithIdentity = (*clusterCertificatesResource)(nil)

const identityClusterName = "cluster_name"

func (r *clusterCertificatesResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			identityClusterName: identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Name of the workload cluster.",
			},
		},
	}
}

// setClusterIdentity copies cluster_name from data into the identity (when the resource
// has one: nil otherwise).
func setClusterIdentity(ctx context.Context, data interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || diags.HasError() {
		return
	}
	var name types.String
	diags.Append(data.GetAttribute(ctx, path.Root("cluster_name"), &name)...)
	if diags.HasError() || name.IsNull() || name.IsUnknown() {
		return
	}
	diags.Append(identity.SetAttribute(ctx, path.Root(identityClusterName), name)...)
}

func (r *clusterCertificatesResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.renewalResource.Create(ctx, req, resp)
	if !resp.State.Raw.IsNull() {
		setClusterIdentity(ctx, req.Plan, resp.Identity, &resp.Diagnostics)
	}
}

func (r *clusterCertificatesResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// Set before Read: a state written before identities existed gets one even when Read
	// then removes the resource (its cluster is gone).
	setClusterIdentity(ctx, req.State, resp.Identity, &resp.Diagnostics)
	r.renewalResource.Read(ctx, req, resp)
}

func (r *clusterCertificatesResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.renewalResource.Update(ctx, req, resp)
	setClusterIdentity(ctx, req.Plan, resp.Identity, &resp.Diagnostics)
}

// importID is the cluster name of an import: the import ID, or the identity of an import
// block written with `identity = { cluster_name = ... }`.
func importID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil {
		return req.ID
	}
	var name types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(identityClusterName), &name)...)
	return name.ValueString()
}
