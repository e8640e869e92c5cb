// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package provider is the Terraform glue of terraform-provider-akshybrid: the provider
// configuration (its host blocks in provider_hosts.go), the renewal resources, the data
// sources and the features of newer CLIs (provider_features.go). It talks to an AKS
// hybrid deployment only through akshci.Host.
package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
)

var _ provider.Provider = (*akshybridProvider)(nil)

type akshybridProvider struct {
	version string
	clock   akshci.Clock
	// open builds the host from its settings: hosts.Open, or a wrapper in tests (a
	// host whose calls are counted, or one that hangs).
	open func(context.Context, hosts.Settings) (*hosts.Opened, error)
}

// New returns the provider factory used by main, reading the machine's clock.
func New(version string) func() provider.Provider {
	return NewWithClock(version, akshci.RealClock{})
}

// NewWithClock returns a provider factory whose every time reading comes from clock,
// so tests can move time without a package-level variable.
func NewWithClock(version string, clock akshci.Clock) func() provider.Provider {
	return func() provider.Provider {
		return &akshybridProvider{version: version, clock: clock}
	}
}

type providerModel struct {
	Emulator *emulatorModel `tfsdk:"emulator"`
	SSH      *sshModel      `tfsdk:"ssh"`
	Local    *localModel    `tfsdk:"local"`
}

func (p *akshybridProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "akshybrid"
	resp.Version = p.version
}

func (p *akshybridProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Plans and applies the renewal of AKS hybrid (AKS on Azure Stack HCI / Windows Server) " +
			"certificates and tokens. Configure exactly one host.",
		Attributes: map[string]schema.Attribute{
			"emulator": emulatorSchema(),
			"ssh":      sshSchema(),
			"local":    localSchema(),
		},
	}
}

func (p *akshybridProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	settings := hosts.Settings{Clock: p.clock, Trace: func(ctx context.Context, msg string, fields map[string]any) {
		tflog.Trace(ctx, msg, fields)
	}}
	var configured []string

	emu, ok := emulatorSettings(ctx, cfg.Emulator, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	if ok {
		settings.Emulator = emu
		configured = append(configured, "emulator")
	}

	if s, ok := sshSettings(cfg.SSH, resp); ok {
		settings.SSH = s
		configured = append(configured, "ssh")
	}
	if s, ok := localSettings(cfg.Local, resp); ok {
		settings.Local = s
		configured = append(configured, "local")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	if !oneHost(configured, &resp.Diagnostics) {
		return
	}

	// Nothing is opened or dialled here: the host is used on first need, so a host
	// that is down or a damaged emulator file never stops what needs no host.
	open := p.open
	if open == nil {
		open = hosts.Open
	}
	opened, err := open(ctx, settings)
	err = withAttributeNames(err)
	if err != nil {
		at := path.Root(configured[0])
		var se *hosts.SettingError
		if errors.As(err, &se) {
			// A nested setting is named with dots, e.g. "bastion.host".
			for _, name := range strings.Split(se.Attribute, ".") {
				if name != "" {
					at = at.AtName(name)
				}
			}
			resp.Diagnostics.AddAttributeError(at, "Invalid AKS hybrid host settings", err.Error()+
				". Nothing was contacted.")
			return
		}
		resp.Diagnostics.AddAttributeError(at, "Cannot set up the AKS hybrid host", err.Error()+". Nothing was contacted.")
		return
	}
	for _, w := range opened.Warnings {
		resp.Diagnostics.AddWarning("AKS hybrid host", w)
	}
	tflog.Debug(ctx, "configured AKS hybrid host", map[string]any{"host": configured[0]})

	var secrets []string
	if settings.SSH != nil {
		secrets = append(secrets, sshSecrets(&settings.SSH.SSHConfig)...)
	}
	data := newProviderData(opened.Host, p.clock, secrets...)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
	resp.EphemeralResourceData = data
}

var _ provider.ProviderWithValidateConfig = (*akshybridProvider)(nil)

// ValidateConfig reports, at terraform validate and all at once, what Configure would
// refuse without contacting anything: zero or several hosts, and SSH settings that are
// missing from both the block and the environment. Attribute validators check each
// value (ports, control characters, durations, cluster names, conflicts).
func (p *akshybridProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModel
	if req.Config.Get(ctx, &cfg).HasError() {
		return // an unknown block: checked again at configure time
	}
	// Not providervalidator.ExactlyOneOf or Conflicting: an AKSHYBRID_* environment variable
	// also selects a host, which path expressions cannot see, and oneHost says how to fix both.
	configured := selectedHosts(&cfg)
	if !oneHost(configured, &resp.Diagnostics) {
		return
	}
	validateHost(configured[0], &cfg, &resp.Diagnostics)
}

func (p *akshybridProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewManagementCertificatesResource,
		NewClusterCertificatesResource,
		NewCloudAgentCAResource,
		NewWorkloadClustersResource,
	}
}

func (p *akshybridProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCertificatesDataSource,
		NewClustersDataSource,
	}
}
