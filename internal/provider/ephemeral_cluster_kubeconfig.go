// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// akshybrid_cluster_kubeconfig (Terraform ≥ 1.10, OpenTofu ≥ 1.11) hands a workload
// cluster's admin kubeconfig to other providers (kubernetes, helm) without it ever
// reaching the plan, the state or a file in the working directory. The provider only
// knows akshci: the host is asked through the optional akshci.KubeconfigSource.

var _ ephemeral.EphemeralResourceWithConfigure = (*clusterKubeconfigEphemeral)(nil)

type clusterKubeconfigEphemeral struct{ data *providerData }

// NewClusterKubeconfigEphemeralResource is the akshybrid_cluster_kubeconfig factory.
func NewClusterKubeconfigEphemeralResource() ephemeral.EphemeralResource {
	return &clusterKubeconfigEphemeral{}
}

type clusterKubeconfigModel struct {
	ClusterName          types.String `tfsdk:"cluster_name"`
	Host                 types.String `tfsdk:"host"`
	ClusterCACertificate types.String `tfsdk:"cluster_ca_certificate"`
	ClientCertificate    types.String `tfsdk:"client_certificate"`
	ClientKey            types.String `tfsdk:"client_key"`
}

func (e *clusterKubeconfigEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cluster_kubeconfig"
}

func (e *clusterKubeconfigEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	e.data = d
}

func (e *clusterKubeconfigEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A workload cluster's admin kubeconfig as ephemeral values (Terraform 1.10 or later, " +
			"OpenTofu 1.11 or later), for the `kubernetes` and `helm` providers. On a real host it runs " +
			"`Get-AksHciCredential` into a private temporary folder that is removed again, and returns the four values " +
			"the provider needs; on the emulator it issues a client certificate from the cluster's Kubernetes CA (the " +
			"emulator has no API server, so `host` is an address under `.invalid`). Nothing of it is written to the " +
			"plan, the state or the logs.",
		Attributes: map[string]schema.Attribute{
			"cluster_name": schema.StringAttribute{
				MarkdownDescription: "Name of the workload cluster. A DNS label: lowercase letters, digits and `-`, starting " +
					"with a letter, at most 63 characters. Never the management cluster.",
				Required:   true,
				Validators: []validator.String{clusterNameValidator{}},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "The API server URL (`clusters[].cluster.server`).",
				Computed:            true,
			},
			"cluster_ca_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM of the cluster's Kubernetes CA (`certificate-authority-data`, decoded).",
				Computed:            true,
			},
			"client_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM of the admin client certificate (`client-certificate-data`, decoded).",
				Computed:            true,
			},
			"client_key": schema.StringAttribute{
				MarkdownDescription: "PEM of the client certificate's private key (`client-key-data`, decoded).",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (e *clusterKubeconfigEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if e.data == nil {
		resp.Diagnostics.AddError("Provider not configured",
			"The ephemeral resource was opened before the provider was configured. Please report this issue to the provider developers.")
		return
	}
	ctx = e.data.logContext(ctx)
	var m clusterKubeconfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.ClusterName.ValueString()
	src, ok := e.data.host.(akshci.KubeconfigSource)
	if !ok {
		resp.Diagnostics.AddError("Kubeconfig not available from this host",
			fmt.Sprintf("The configured AKS hybrid host (%T) cannot hand out a kubeconfig. Please report this issue to the provider developers.", e.data.host))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	// The management cluster is refused before anything runs on the host.
	inv, found := e.data.readInventory(ctx, &resp.Diagnostics)
	if !found {
		return
	}
	if err := inv.CheckWorkloadCluster(name); err != nil {
		addTargetError(&resp.Diagnostics, err)
		return
	}
	if l, blocked := inv.ClusterListBlocked(); blocked {
		// Get-AksHciCredential runs kvactl, which the same lockout blocks (issue 13).
		clusterListError(&resp.Diagnostics, inv, "Cannot get the kubeconfig", "Get-AksHciCredential -name "+name,
			&akshci.LockoutError{Operation: "Get-AksHciCredential -name " + name, Lockout: l}, "")
		return
	}
	kc, err := src.Kubeconfig(ctx, name)
	var nf *akshci.ClusterNotFoundError
	if errors.As(err, &nf) {
		addTargetError(&resp.Diagnostics, err)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot get the kubeconfig",
			fmt.Sprintf("Get-AksHciCredential for workload cluster %s failed: %s", quoted(name), err))
		return
	}
	// Only the fact is logged, never a value.
	tflog.Debug(ctx, "kubeconfig fetched", map[string]any{"cluster": name})
	m.Host = types.StringValue(kc.Host)
	m.ClusterCACertificate = types.StringValue(kc.CACertificatePEM)
	m.ClientCertificate = types.StringValue(kc.ClientCertificatePEM)
	m.ClientKey = types.StringValue(kc.ClientKeyPEM)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
