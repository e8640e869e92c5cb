// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
)

// The features of newer CLIs: ephemeral resources (Terraform ≥ 1.10, OpenTofu ≥ 1.11),
// actions and list resources (Terraform ≥ 1.14). An older CLI never asks for them, so
// configurations that do not use them keep working there.
var (
	_ provider.ProviderWithEphemeralResources = (*akshybridProvider)(nil)
	_ provider.ProviderWithActions            = (*akshybridProvider)(nil)
	_ provider.ProviderWithListResources      = (*akshybridProvider)(nil)
)

func (p *akshybridProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewClusterKubeconfigEphemeralResource}
}

func (p *akshybridProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{NewRenewManagementCertificatesAction, NewRenewClusterCertificatesAction}
}

func (p *akshybridProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewClusterCertificatesListResource}
}
