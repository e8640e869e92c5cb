// Package provider is the Terraform glue of terraform-provider-akshybrid: the provider
// configuration, the two renewal resources and the two data sources. It talks to an
// AKS hybrid deployment only through akshci.Host.
package provider

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
)

// Environment variables that stand in for provider attributes.
const (
	envEmulatorStatePath        = "AKSHYBRID_EMULATOR_STATE_PATH"
	envEmulatorWorkloadClusters = "AKSHYBRID_EMULATOR_WORKLOAD_CLUSTERS"
	envEmulatorTimeOffset       = "AKSHYBRID_EMULATOR_TIME_OFFSET"
)

const (
	envSSHHost                  = "AKSHYBRID_SSH_HOST"
	envSSHPort                  = "AKSHYBRID_SSH_PORT"
	envSSHUser                  = "AKSHYBRID_SSH_USER"
	envSSHPassword              = "AKSHYBRID_SSH_PASSWORD" //nolint:gosec // the name of a variable, not a credential
	envSSHPrivateKey            = "AKSHYBRID_SSH_PRIVATE_KEY"
	envSSHHostKey               = "AKSHYBRID_SSH_HOST_KEY"
	envSSHKnownHostsPath        = "AKSHYBRID_SSH_KNOWN_HOSTS_PATH"
	envSSHInsecureIgnoreHostKey = "AKSHYBRID_SSH_INSECURE_IGNORE_HOST_KEY"
	envSSHPowerShell            = "AKSHYBRID_SSH_POWERSHELL"
	envLocalPowerShell          = "AKSHYBRID_LOCAL_POWERSHELL"
)

const defaultEmulatorStatePath = "akshybrid-emulator.db"

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

type emulatorModel struct {
	StatePath        types.String `tfsdk:"state_path"`
	WorkloadClusters types.List   `tfsdk:"workload_clusters"`
	TimeOffset       types.String `tfsdk:"time_offset"`
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
			"emulator": schema.SingleNestedAttribute{
				MarkdownDescription: "An emulated AKS hybrid deployment kept in a local file: for trying the provider, demos " +
					"and testing pipelines without hardware. Never a production target. Also selected when `" +
					envEmulatorStatePath + "` is set.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"state_path": schema.StringAttribute{
						MarkdownDescription: "Path of the emulator's state file (created with mode 0600). Environment variable `" +
							envEmulatorStatePath + "`. Default: `" + defaultEmulatorStatePath + "` in the working directory.",
						Optional: true,
					},
					"workload_clusters": schema.ListAttribute{
						MarkdownDescription: "Workload clusters to create on first use if they are missing; existing clusters are " +
							"never deleted. Environment variable `" + envEmulatorWorkloadClusters + "` (comma-separated).",
						Optional:    true,
						ElementType: types.StringType,
						Validators: []validator.List{
							noNullNames{},
							listvalidator.ValueStringsAre(clusterNameValidator{}),
						},
					},
					"time_offset": schema.StringAttribute{
						MarkdownDescription: "Moves the emulated clock forward from real time, as a Go duration such as `1464h` " +
							"(61 days). The emulated clock never moves backwards. Environment variable `" + envEmulatorTimeOffset +
							"`. Default: `0h`.",
						Optional:   true,
						Validators: []validator.String{timeOffsetValidator{}},
					},
				},
			},
			"ssh":   sshSchema(),
			"local": localSchema(),
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

	emu, ok := p.emulatorSettings(ctx, cfg.Emulator, resp)
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

// oneHost reports zero or several selected hosts; ok when there is exactly one.
func oneHost(configured []string, diags *diag.Diagnostics) bool {
	switch len(configured) {
	case 1:
		return true
	case 0:
		diags.AddError("No AKS hybrid host configured",
			"The akshybrid provider needs exactly one host. Add one of these to the provider configuration: "+
				"`emulator = {}` (or set "+envEmulatorStatePath+") for the embedded emulator; `ssh = { host = ..., user = ... }` "+
				"(or set "+envSSHHost+") for a node reached over OpenSSH; `local = {}` (or set "+envLocalPowerShell+") "+
				"when Terraform runs on a machine with the AksHci PowerShell module.")
	default:
		diags.AddError("More than one AKS hybrid host configured",
			"The akshybrid provider talks to exactly one host, but "+strings.Join(configured, " and ")+
				" are configured (in the provider block or through AKSHYBRID_* environment variables). Remove all but one; "+
				"use provider aliases to manage several deployments.")
	}
	return false
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
	var configured []string
	if cfg.Emulator != nil || os.Getenv(envEmulatorStatePath) != "" {
		configured = append(configured, "emulator")
	}
	if cfg.SSH != nil || os.Getenv(envSSHHost) != "" {
		configured = append(configured, "ssh")
	}
	if cfg.Local != nil || os.Getenv(envLocalPowerShell) != "" {
		configured = append(configured, "local")
	}
	if !oneHost(configured, &resp.Diagnostics) || configured[0] != "ssh" {
		return
	}
	m := cfg.SSH
	if m == nil {
		m = &sshModel{}
	}
	missing := func(v types.String, env string) bool { return v.IsNull() && os.Getenv(env) == "" }
	base := path.Root("ssh")
	if missing(m.Host, envSSHHost) {
		resp.Diagnostics.AddAttributeError(base.AtName("host"), "Missing SSH host",
			"ssh.host (or "+envSSHHost+") must name the node to connect to: a host name or IP address of a node with the AksHci PowerShell module.")
	}
	if missing(m.User, envSSHUser) {
		resp.Diagnostics.AddAttributeError(base.AtName("user"), "Missing SSH user",
			"ssh.user (or "+envSSHUser+") must be the login name on the node, e.g. admin@contoso.local.")
	}
	if credentialsMissing(m.Password, m.PrivateKey, m.Agent, envSSHPassword, envSSHPrivateKey, envSSHAgent) {
		resp.Diagnostics.AddAttributeError(base.AtName("private_key"), "Missing SSH credentials",
			"Set ssh.private_key (or "+envSSHPrivateKey+") or ssh.password (or "+envSSHPassword+"), not both, or "+
				"ssh.agent = true (or "+envSSHAgent+"=true) to use the keys of the running ssh-agent. "+
				"The environment variables keep the secret out of the configuration and of saved plan files.")
	}
	// Not ConflictsWith: only insecure_ignore_host_key = true conflicts, and ConflictsWith
	// would also refuse an explicit false next to a host key.
	if !m.InsecureIgnoreHostKey.IsUnknown() && m.InsecureIgnoreHostKey.ValueBool() && (!m.HostKey.IsNull() || !m.KnownHostsPath.IsNull()) {
		resp.Diagnostics.AddAttributeError(base.AtName("insecure_ignore_host_key"), "Conflicting SSH settings",
			"insecure_ignore_host_key = true skips host key verification, so it conflicts with host_key and known_hosts_path: "+
				"keep the verification (recommended) or remove it, not both.")
	}
	// The environment values the attribute validators (int64validator.Between, the control
	// character RegexMatches) cannot see, checked with the same bounds.
	if m.Port.IsNull() {
		if v := os.Getenv(envSSHPort); v != "" {
			if port, err := strconv.Atoi(v); err != nil || port < 1 || port > 65535 {
				resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
					envSSHPort+" must be a TCP port from 1 to 65535, such as 22; got "+quoted(v)+".")
			}
		}
	}
	for name, pair := range map[string]struct {
		v   types.String
		env string
	}{"host": {m.Host, envSSHHost}, "user": {m.User, envSSHUser}, "powershell": {m.PowerShell, envSSHPowerShell}} {
		if v := os.Getenv(pair.env); pair.v.IsNull() && strings.IndexFunc(v, unicode.IsControl) >= 0 {
			resp.Diagnostics.AddAttributeError(base.AtName(name), "Invalid SSH setting", controlCharacterMessage(pair.env, v))
		}
	}
	validateBastion(m.Bastion, &resp.Diagnostics)
}

// emulatorSettings reads the emulator block with its environment fallbacks. ok is false
// when neither the block nor its environment variable selects the emulator.
func (p *akshybridProvider) emulatorSettings(ctx context.Context, m *emulatorModel, resp *provider.ConfigureResponse) (*hosts.Emulator, bool) {
	envPath := os.Getenv(envEmulatorStatePath)
	if m == nil && envPath == "" {
		return nil, false
	}
	if m == nil {
		m = &emulatorModel{StatePath: types.StringNull(), WorkloadClusters: types.ListNull(types.StringType), TimeOffset: types.StringNull()}
	}
	base := path.Root("emulator")
	s := &hosts.Emulator{}

	s.StatePath = stringSetting(m.StatePath, envPath, defaultEmulatorStatePath)
	if m.StatePath.IsUnknown() {
		unknownError(resp, base.AtName("state_path"), envEmulatorStatePath)
	}

	switch {
	case m.WorkloadClusters.IsUnknown():
		unknownError(resp, base.AtName("workload_clusters"), envEmulatorWorkloadClusters)
	case !m.WorkloadClusters.IsNull():
		resp.Diagnostics.Append(m.WorkloadClusters.ElementsAs(ctx, &s.WorkloadClusters, false)...)
	default:
		for _, name := range strings.Split(os.Getenv(envEmulatorWorkloadClusters), ",") {
			if name = strings.TrimSpace(name); name != "" {
				s.WorkloadClusters = append(s.WorkloadClusters, name)
			}
		}
	}
	for i, name := range s.WorkloadClusters {
		if err := validateClusterName(name); err != nil {
			resp.Diagnostics.AddAttributeError(base.AtName("workload_clusters").AtListIndex(i), "Invalid workload cluster name", err.Error())
		}
	}

	if m.TimeOffset.IsUnknown() {
		unknownError(resp, base.AtName("time_offset"), envEmulatorTimeOffset)
	}
	offset := stringSetting(m.TimeOffset, os.Getenv(envEmulatorTimeOffset), "0h")
	d, err := parseTimeOffset(offset)
	if err != nil {
		resp.Diagnostics.AddAttributeError(base.AtName("time_offset"), "Invalid emulator time offset", err.Error())
	}
	s.TimeOffset = d
	return s, true
}

func unknownError(resp *provider.ConfigureResponse, p path.Path, env string) {
	resp.Diagnostics.AddAttributeError(p, "Unknown provider configuration value",
		"The provider cannot be configured with a value that is only known after apply. Set it to a literal, a "+
			"variable, or use the "+env+" environment variable.")
}

// stringSetting picks the configured value, else the environment value, else def.
func stringSetting(v types.String, env, def string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	if env != "" {
		return env
	}
	return def
}

func (p *akshybridProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewManagementCertificatesResource,
		NewClusterCertificatesResource,
		NewCloudAgentCAResource,
	}
}

func (p *akshybridProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCertificatesDataSource,
		NewClustersDataSource,
	}
}
