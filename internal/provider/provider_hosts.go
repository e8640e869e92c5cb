// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
)

// The host blocks of the provider configuration, all in one place: emulator, ssh (with
// ssh-agent, a passphrase-protected key and a bastion, as Terraform's connection block
// offers) and local; their environment variables; their schemas; reading them with the
// environment as fallback; and the checks ValidateConfig makes that attribute validators
// cannot (host selection, values given only in the environment). provider.go holds the
// provider's lifecycle and calls into this file, never the other way round.

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

// ssh-agent, a passphrase-protected key and a jump host (bastion): the ways administrators
// authenticate beyond a plain key or password, as Terraform's connection block offers.
const (
	envSSHPrivateKeyPassphrase = "AKSHYBRID_SSH_PRIVATE_KEY_PASSPHRASE" //nolint:gosec // the name of a variable, not a credential
	envSSHAgent                = "AKSHYBRID_SSH_AGENT"

	envBastionHost                  = "AKSHYBRID_SSH_BASTION_HOST"
	envBastionPort                  = "AKSHYBRID_SSH_BASTION_PORT"
	envBastionUser                  = "AKSHYBRID_SSH_BASTION_USER"
	envBastionPassword              = "AKSHYBRID_SSH_BASTION_PASSWORD" //nolint:gosec // the name of a variable, not a credential
	envBastionPrivateKey            = "AKSHYBRID_SSH_BASTION_PRIVATE_KEY"
	envBastionPrivateKeyPassphrase  = "AKSHYBRID_SSH_BASTION_PRIVATE_KEY_PASSPHRASE" //nolint:gosec // the name of a variable, not a credential
	envBastionAgent                 = "AKSHYBRID_SSH_BASTION_AGENT"
	envBastionHostKey               = "AKSHYBRID_SSH_BASTION_HOST_KEY"
	envBastionKnownHostsPath        = "AKSHYBRID_SSH_BASTION_KNOWN_HOSTS_PATH"
	envBastionInsecureIgnoreHostKey = "AKSHYBRID_SSH_BASTION_INSECURE_IGNORE_HOST_KEY"
)

const defaultEmulatorStatePath = "akshybrid-emulator.db"

type emulatorModel struct {
	StatePath        types.String `tfsdk:"state_path"`
	WorkloadClusters types.List   `tfsdk:"workload_clusters"`
	TimeOffset       types.String `tfsdk:"time_offset"`
}

type sshModel struct {
	Host                  types.String `tfsdk:"host"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	Password              types.String `tfsdk:"password"`
	PrivateKey            types.String `tfsdk:"private_key"`
	HostKey               types.String `tfsdk:"host_key"`
	KnownHostsPath        types.String `tfsdk:"known_hosts_path"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
	PowerShell            types.String `tfsdk:"powershell"`
	// ssh-agent, passphrase and jump host.
	PrivateKeyPassphrase types.String  `tfsdk:"private_key_passphrase"`
	Agent                types.Bool    `tfsdk:"agent"`
	Bastion              *bastionModel `tfsdk:"bastion"`
}

type localModel struct {
	PowerShell types.String `tfsdk:"powershell"`
}

func envDoc(env string) string { return " Environment variable `" + env + "`." }

func emulatorSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
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
	}
}

func sshSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "A real host: a node of the Azure Stack HCI / Windows Server cluster (or an admin machine) " +
			"with the AksHci PowerShell module, reached over OpenSSH. Scripts run as `powershell.exe -NoProfile " +
			"-NonInteractive -EncodedCommand ...`. One connection serves the whole Terraform run. Also selected when `" +
			envSSHHost + "` is set.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Host name or IP address of the node." + envDoc(envSSHHost),
				Optional:            true,
				Validators:          noControlCharacters(),
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port, 1 to 65535. Default: `22`." + envDoc(envSSHPort),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "Login name of an account allowed to run the AksHci module, e.g. `admin@contoso.local`." +
					envDoc(envSSHUser),
				Optional:   true,
				Validators: noControlCharacters(),
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password authentication. Conflicts with `private_key`." + envDoc(envSSHPassword),
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("private_key"))},
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "Private key (PEM or OpenSSH format) for public-key authentication, e.g. " +
					"`file(\"~/.ssh/id_ed25519\")`; a key protected by a passphrase needs `private_key_passphrase`. Conflicts with `password`." + envDoc(envSSHPrivateKey),
				Optional:  true,
				Sensitive: true,
			},
			"host_key": schema.StringAttribute{
				MarkdownDescription: "The node's public host key as an `authorized_keys` line (`ssh-ed25519 AAAA...`), pinned: " +
					"any other key is refused. Conflicts with `known_hosts_path` and `insecure_ignore_host_key`." + envDoc(envSSHHostKey),
				Optional:   true,
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("known_hosts_path"))},
			},
			"known_hosts_path": schema.StringAttribute{
				MarkdownDescription: "OpenSSH `known_hosts` file to verify the host key against. Default: `~/.ssh/known_hosts` " +
					"when `host_key` is not set; that file must then exist and list the node. Conflicts with `host_key` and " +
					"`insecure_ignore_host_key`." + envDoc(envSSHKnownHostsPath),
				Optional: true,
			},
			"insecure_ignore_host_key": schema.BoolAttribute{
				MarkdownDescription: "Skip host key verification. Only for throw-away labs: anyone on the network path can " +
					"then impersonate the node, and the provider warns on every run. Conflicts with `host_key` and `known_hosts_path`. " +
					"Default: `false`." + envDoc(envSSHInsecureIgnoreHostKey),
				Optional: true,
			},
			"powershell": schema.StringAttribute{
				MarkdownDescription: "PowerShell executable on the node. Default: `powershell.exe`." + envDoc(envSSHPowerShell),
				Optional:            true,
				Validators:          noControlCharacters(),
			},
			"private_key_passphrase": passphraseAttribute(envSSHPrivateKeyPassphrase),
			"agent":                  agentAttribute(envSSHAgent),
			"bastion":                bastionSchema(),
		},
	}
}

func localSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "A real host that is the machine Terraform runs on: a node or an admin machine with the " +
			"AksHci PowerShell module. Also selected when `" + envLocalPowerShell + "` is set.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"powershell": schema.StringAttribute{
				MarkdownDescription: "PowerShell executable. Default: `powershell.exe`." + envDoc(envLocalPowerShell),
				Optional:            true,
				Validators:          noControlCharacters(),
			},
		},
	}
}

// sshSettings reads the ssh block with its environment fallbacks; ok is false when
// neither the block nor AKSHYBRID_SSH_HOST selects it.
func sshSettings(m *sshModel, resp *provider.ConfigureResponse) (*hosts.SSH, bool) {
	if m == nil && os.Getenv(envSSHHost) == "" {
		return nil, false
	}
	if m == nil {
		m = &sshModel{}
	}
	base := path.Root("ssh")
	str := func(name string, v types.String, env string) string {
		if v.IsUnknown() {
			unknownError(resp, base.AtName(name), env)
		}
		return stringSetting(v, os.Getenv(env), "")
	}
	s := &hosts.SSH{}
	s.Host = str("host", m.Host, envSSHHost)
	s.User = str("user", m.User, envSSHUser)
	s.Password = str("password", m.Password, envSSHPassword)
	s.PrivateKey = str("private_key", m.PrivateKey, envSSHPrivateKey)
	s.HostKey = str("host_key", m.HostKey, envSSHHostKey)
	s.KnownHostsPath = str("known_hosts_path", m.KnownHostsPath, envSSHKnownHostsPath)
	s.PowerShell = str("powershell", m.PowerShell, envSSHPowerShell)

	switch {
	case m.Port.IsUnknown():
		unknownError(resp, base.AtName("port"), envSSHPort)
	case !m.Port.IsNull():
		s.Port = int(m.Port.ValueInt64())
		if s.Port < 1 || s.Port > 65535 {
			resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
				"ssh.port must be a TCP port from 1 to 65535 (omit it for 22); got "+strconv.Itoa(s.Port)+".")
		}
	case os.Getenv(envSSHPort) != "":
		port, err := strconv.Atoi(os.Getenv(envSSHPort))
		if err != nil || port < 1 || port > 65535 {
			resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
				envSSHPort+" must be a TCP port from 1 to 65535, such as 22; got "+quoted(os.Getenv(envSSHPort))+".")
		}
		s.Port = port
	}
	for name, v := range map[string]string{"host": s.Host, "user": s.User, "powershell": s.PowerShell} {
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			resp.Diagnostics.AddAttributeError(base.AtName(name), "Invalid SSH setting", controlCharacterMessage("ssh."+name, v))
		}
	}

	s.InsecureIgnoreHostKey = boolSetting(m.InsecureIgnoreHostKey, base.AtName("insecure_ignore_host_key"), envSSHInsecureIgnoreHostKey, resp)
	sshAuthSettings(m, &s.SSHConfig, resp)
	return s, true
}

// localSettings reads the local block; ok is false when neither the block nor
// AKSHYBRID_LOCAL_POWERSHELL selects it.
func localSettings(m *localModel, resp *provider.ConfigureResponse) (*hosts.Local, bool) {
	if m == nil && os.Getenv(envLocalPowerShell) == "" {
		return nil, false
	}
	if m == nil {
		m = &localModel{}
	}
	at := path.Root("local").AtName("powershell")
	if m.PowerShell.IsUnknown() {
		unknownError(resp, at, envLocalPowerShell)
	}
	exe := stringSetting(m.PowerShell, os.Getenv(envLocalPowerShell), "")
	if strings.IndexFunc(exe, unicode.IsControl) >= 0 {
		resp.Diagnostics.AddAttributeError(at, "Invalid local setting", controlCharacterMessage("local.powershell", exe))
	}
	return &hosts.Local{PowerShell: exe}, true
}

// validateLocal is ValidateConfig for the local block: the environment value of
// powershell, which the attribute's validator cannot see, gets the same check.
func validateLocal(m *localModel, diags *diag.Diagnostics) {
	if v := os.Getenv(envLocalPowerShell); (m == nil || m.PowerShell.IsNull()) && strings.IndexFunc(v, unicode.IsControl) >= 0 {
		diags.AddAttributeError(path.Root("local").AtName("powershell"), "Invalid local setting", controlCharacterMessage(envLocalPowerShell, v))
	}
}

// validateHost is ValidateConfig for the one selected host block.
func validateHost(selected string, cfg *providerModel, diags *diag.Diagnostics) {
	switch selected {
	case "ssh":
		validateSSH(cfg.SSH, diags)
	case "local":
		validateLocal(cfg.Local, diags)
	}
}

// noControlCharacters refuses line breaks and other control characters, which would
// otherwise travel to the resolver, sshd or a remote shell as part of the value.
func noControlCharacters() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^[^\x00-\x1f\x7f]*$`),
		"must not contain line breaks, tabs or other control characters")}
}

func controlCharacterMessage(setting, v string) string {
	i := strings.IndexFunc(v, unicode.IsControl)
	return setting + " must not contain line breaks, tabs or other control characters; the value has one at byte " +
		strconv.Itoa(i) + ". Give the value on one line without them."
}

type bastionModel struct {
	Host                  types.String `tfsdk:"host"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	Password              types.String `tfsdk:"password"`
	PrivateKey            types.String `tfsdk:"private_key"`
	PrivateKeyPassphrase  types.String `tfsdk:"private_key_passphrase"`
	Agent                 types.Bool   `tfsdk:"agent"`
	HostKey               types.String `tfsdk:"host_key"`
	KnownHostsPath        types.String `tfsdk:"known_hosts_path"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
}

func passphraseAttribute(env string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Passphrase that decrypts `private_key`, for a key protected by one (`ssh-keygen -N`)." + envDoc(env),
		Optional:            true,
		Sensitive:           true,
	}
}

func agentAttribute(env string) schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: "Offer the keys of the running ssh-agent, reached through the Unix socket in `SSH_AUTH_SOCK` " +
			"(`eval $(ssh-agent)` and `ssh-add`). Combines with `private_key` (tried first) and `password`; when no agent " +
			"answers at `SSH_AUTH_SOCK`, those log in alone and the provider warns. As the only credential, the agent must " +
			"answer. Default: `false`." + envDoc(env),
		Optional: true,
	}
}

func bastionSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "A jump host to reach the node through (like `ssh -J`, or `bastion_host` in Terraform's " +
			"`connection` block): the provider logs in to the bastion, which opens a TCP connection to `host`:`port`; " +
			"the node's host key is still checked against `host_key` or `known_hosts_path` of the `ssh` block. The " +
			"bastion has its own credentials and its own host key check. Also selected when `" + envBastionHost + "` is set.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Host name or IP address of the jump host." + envDoc(envBastionHost),
				Optional:            true,
				Validators:          noControlCharacters(),
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port of the jump host, 1 to 65535. Default: `22`." + envDoc(envBastionPort),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "Login name on the jump host." + envDoc(envBastionUser),
				Optional:            true,
				Validators:          noControlCharacters(),
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password authentication on the jump host. Conflicts with `private_key`." + envDoc(envBastionPassword),
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("private_key"))},
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "Private key (PEM or OpenSSH format) for the jump host; the key itself, not a path." +
					envDoc(envBastionPrivateKey),
				Optional:  true,
				Sensitive: true,
			},
			"private_key_passphrase": passphraseAttribute(envBastionPrivateKeyPassphrase),
			"agent":                  agentAttribute(envBastionAgent),
			"host_key": schema.StringAttribute{
				MarkdownDescription: "The jump host's public host key line (`ssh-ed25519 AAAA...`), pinned. Conflicts with " +
					"`known_hosts_path` and `insecure_ignore_host_key`." + envDoc(envBastionHostKey),
				Optional:   true,
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("known_hosts_path"))},
			},
			"known_hosts_path": schema.StringAttribute{
				MarkdownDescription: "OpenSSH `known_hosts` file to verify the jump host's key against. Default: " +
					"`~/.ssh/known_hosts` when `host_key` is not set." + envDoc(envBastionKnownHostsPath),
				Optional: true,
			},
			"insecure_ignore_host_key": schema.BoolAttribute{
				MarkdownDescription: "Skip the jump host's host key check (throw-away labs only; warned about on every run). " +
					"Default: `false`." + envDoc(envBastionInsecureIgnoreHostKey),
				Optional: true,
			},
		},
	}
}

// envBool reads a boolean environment variable (unset is false); msg is the
// diagnostic's text when its value is not a boolean. Every boolean AKSHYBRID_* variable
// is read here, at validate and at configure alike.
func envBool(env string) (b bool, msg string) {
	v := os.Getenv(env)
	if v == "" {
		return false, ""
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, env + " must be true or false (1, t, TRUE, True and 0, f, FALSE, False are accepted too); got " + quoted(v) + "."
	}
	return b, ""
}

// boolSetting reads a boolean attribute with its environment fallback.
func boolSetting(v types.Bool, at path.Path, env string, resp *provider.ConfigureResponse) bool {
	switch {
	case v.IsUnknown():
		unknownError(resp, at, env)
	case !v.IsNull():
		return v.ValueBool()
	default:
		b, msg := envBool(env)
		if msg != "" {
			resp.Diagnostics.AddAttributeError(at, "Invalid boolean", msg)
		}
		return b
	}
	return false
}

// validateBoolEnv reports, at validate, a boolean attribute's environment variable whose
// value is not a boolean, when the attribute itself is not set.
func validateBoolEnv(v types.Bool, at path.Path, env string, diags *diag.Diagnostics) {
	if !v.IsNull() {
		return
	}
	if _, msg := envBool(env); msg != "" {
		diags.AddAttributeError(at, "Invalid boolean", msg)
	}
}

// sshAuthSettings reads the ssh block's agent and private_key_passphrase.
func sshAuthSettings(m *sshModel, cfg *hosts.SSHConfig, resp *provider.ConfigureResponse) {
	base := path.Root("ssh")
	if m.PrivateKeyPassphrase.IsUnknown() {
		unknownError(resp, base.AtName("private_key_passphrase"), envSSHPrivateKeyPassphrase)
	}
	cfg.PrivateKeyPassphrase = stringSetting(m.PrivateKeyPassphrase, os.Getenv(envSSHPrivateKeyPassphrase), "")
	cfg.Agent = boolSetting(m.Agent, base.AtName("agent"), envSSHAgent, resp)
	cfg.Bastion = bastionSettings(m.Bastion, resp)
}

// bastionSettings reads the bastion block with its environment fallbacks; nil when
// neither the block nor AKSHYBRID_SSH_BASTION_HOST selects it.
func bastionSettings(m *bastionModel, resp *provider.ConfigureResponse) *hosts.SSHConfig {
	if m == nil && os.Getenv(envBastionHost) == "" {
		return nil
	}
	if m == nil {
		m = &bastionModel{}
	}
	base := path.Root("ssh").AtName("bastion")
	str := func(name string, v types.String, env string) string {
		if v.IsUnknown() {
			unknownError(resp, base.AtName(name), env)
		}
		return stringSetting(v, os.Getenv(env), "")
	}
	b := &hosts.SSHConfig{
		Host:                 str("host", m.Host, envBastionHost),
		User:                 str("user", m.User, envBastionUser),
		Password:             str("password", m.Password, envBastionPassword),
		PrivateKey:           str("private_key", m.PrivateKey, envBastionPrivateKey),
		PrivateKeyPassphrase: str("private_key_passphrase", m.PrivateKeyPassphrase, envBastionPrivateKeyPassphrase),
		HostKey:              str("host_key", m.HostKey, envBastionHostKey),
		KnownHostsPath:       str("known_hosts_path", m.KnownHostsPath, envBastionKnownHostsPath),
	}
	b.Agent = boolSetting(m.Agent, base.AtName("agent"), envBastionAgent, resp)
	b.InsecureIgnoreHostKey = boolSetting(m.InsecureIgnoreHostKey, base.AtName("insecure_ignore_host_key"),
		envBastionInsecureIgnoreHostKey, resp)
	switch {
	case m.Port.IsUnknown():
		unknownError(resp, base.AtName("port"), envBastionPort)
	case !m.Port.IsNull():
		b.Port = int(m.Port.ValueInt64())
		if b.Port < 1 || b.Port > 65535 {
			resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
				"ssh.bastion.port must be a TCP port from 1 to 65535 (omit it for 22); got "+strconv.Itoa(b.Port)+".")
		}
	case os.Getenv(envBastionPort) != "":
		port, err := strconv.Atoi(os.Getenv(envBastionPort))
		if err != nil || port < 1 || port > 65535 {
			resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
				envBastionPort+" must be a TCP port from 1 to 65535, such as 22; got "+quoted(os.Getenv(envBastionPort))+".")
		}
		b.Port = port
	}
	// Control characters are refused as for the ssh block (issue 10), whether the value
	// came from the block or the environment.
	for _, f := range []struct{ name, v string }{{"host", b.Host}, {"user", b.User}} {
		if strings.IndexFunc(f.v, unicode.IsControl) >= 0 {
			resp.Diagnostics.AddAttributeError(base.AtName(f.name), "Invalid SSH setting", controlCharacterMessage("ssh.bastion."+f.name, f.v))
		}
	}
	return b
}

// sshSecrets lists every secret of the ssh settings, for masking in logs.
func sshSecrets(c *hosts.SSHConfig) []string {
	s := []string{c.Password, c.PrivateKey, c.PrivateKeyPassphrase}
	if c.Bastion != nil {
		s = append(s, c.Bastion.Password, c.Bastion.PrivateKey, c.Bastion.PrivateKeyPassphrase)
	}
	return s
}

// agentSelected reports whether ssh-agent authentication is on, from the attribute or
// its environment variable. An unknown value counts as on (Configure checks it again),
// and so does a variable that is not a boolean: validateBoolEnv reports that, and
// "missing credentials" would only mislead.
func agentSelected(v types.Bool, env string) bool {
	if v.IsUnknown() {
		return true
	}
	if !v.IsNull() {
		return v.ValueBool()
	}
	b, msg := envBool(env)
	return b || msg != ""
}

// credentialsMissing reports that none of password, private_key and agent is set, in
// the block or the environment.
func credentialsMissing(password, key types.String, agentOn types.Bool, envPassword, envKey, envAgent string) bool {
	missing := func(v types.String, env string) bool { return v.IsNull() && os.Getenv(env) == "" }
	return missing(password, envPassword) && missing(key, envKey) && !agentSelected(agentOn, envAgent)
}

// validateBastion is ValidateConfig for the bastion block: what Configure would refuse
// without contacting anything, as for the ssh block (issue 10's rules), with the
// environment values that the attribute validators cannot see.
func validateBastion(m *bastionModel, diags *diag.Diagnostics) {
	if m == nil && os.Getenv(envBastionHost) == "" {
		return
	}
	if m == nil {
		m = &bastionModel{}
	}
	base := path.Root("ssh").AtName("bastion")
	missing := func(v types.String, env string) bool { return v.IsNull() && os.Getenv(env) == "" }
	if missing(m.Host, envBastionHost) {
		diags.AddAttributeError(base.AtName("host"), "Missing SSH bastion host",
			"ssh.bastion.host (or "+envBastionHost+") must name the jump host: a host name or IP address.")
	}
	if missing(m.User, envBastionUser) {
		diags.AddAttributeError(base.AtName("user"), "Missing SSH bastion user",
			"ssh.bastion.user (or "+envBastionUser+") must be set to the login name on the jump host.")
	}
	if credentialsMissing(m.Password, m.PrivateKey, m.Agent, envBastionPassword, envBastionPrivateKey, envBastionAgent) {
		diags.AddAttributeError(base.AtName("private_key"), "Missing SSH bastion credentials",
			"Set ssh.bastion.private_key (or "+envBastionPrivateKey+") or ssh.bastion.password (or "+envBastionPassword+
				"), not both, or ssh.bastion.agent = true (or "+envBastionAgent+"=true) to use the keys of the running ssh-agent.")
	}
	if !m.InsecureIgnoreHostKey.IsUnknown() && m.InsecureIgnoreHostKey.ValueBool() && (!m.HostKey.IsNull() || !m.KnownHostsPath.IsNull()) {
		diags.AddAttributeError(base.AtName("insecure_ignore_host_key"), "Conflicting SSH settings",
			"ssh.bastion.insecure_ignore_host_key = true skips the jump host's key verification, so it conflicts with "+
				"host_key and known_hosts_path: keep the verification (recommended) or remove it, not both.")
	}
	validateBoolEnv(m.Agent, base.AtName("agent"), envBastionAgent, diags)
	validateBoolEnv(m.InsecureIgnoreHostKey, base.AtName("insecure_ignore_host_key"), envBastionInsecureIgnoreHostKey, diags)
	if m.Port.IsNull() {
		if v := os.Getenv(envBastionPort); v != "" {
			if port, err := strconv.Atoi(v); err != nil || port < 1 || port > 65535 {
				diags.AddAttributeError(base.AtName("port"), "Invalid SSH port",
					envBastionPort+" must be a TCP port from 1 to 65535, such as 22; got "+quoted(v)+".")
			}
		}
	}
	for _, f := range []struct {
		name string
		v    types.String
		env  string
	}{{"host", m.Host, envBastionHost}, {"user", m.User, envBastionUser}} {
		if v := os.Getenv(f.env); f.v.IsNull() && strings.IndexFunc(v, unicode.IsControl) >= 0 {
			diags.AddAttributeError(base.AtName(f.name), "Invalid SSH setting", controlCharacterMessage(f.env, v))
		}
	}
}

// selectedHosts names the host blocks that the configuration or the environment selects.
func selectedHosts(cfg *providerModel) []string {
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
	return configured
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

// validateSSH reports, at terraform validate, the SSH settings that are missing from both
// the block and the environment, conflicting settings, and the environment values the
// attribute validators cannot see.
func validateSSH(m *sshModel, diags *diag.Diagnostics) {
	if m == nil {
		m = &sshModel{}
	}
	missing := func(v types.String, env string) bool { return v.IsNull() && os.Getenv(env) == "" }
	base := path.Root("ssh")
	if missing(m.Host, envSSHHost) {
		diags.AddAttributeError(base.AtName("host"), "Missing SSH host",
			"ssh.host (or "+envSSHHost+") must name the node to connect to: a host name or IP address of a node with the AksHci PowerShell module.")
	}
	if missing(m.User, envSSHUser) {
		diags.AddAttributeError(base.AtName("user"), "Missing SSH user",
			"ssh.user (or "+envSSHUser+") must be the login name on the node, e.g. admin@contoso.local.")
	}
	if credentialsMissing(m.Password, m.PrivateKey, m.Agent, envSSHPassword, envSSHPrivateKey, envSSHAgent) {
		diags.AddAttributeError(base.AtName("private_key"), "Missing SSH credentials",
			"Set ssh.private_key (or "+envSSHPrivateKey+") or ssh.password (or "+envSSHPassword+"), not both, or "+
				"ssh.agent = true (or "+envSSHAgent+"=true) to use the keys of the running ssh-agent. "+
				"The environment variables keep the secret out of the configuration and of saved plan files.")
	}
	// Not ConflictsWith: only insecure_ignore_host_key = true conflicts, and ConflictsWith
	// would also refuse an explicit false next to a host key.
	if !m.InsecureIgnoreHostKey.IsUnknown() && m.InsecureIgnoreHostKey.ValueBool() && (!m.HostKey.IsNull() || !m.KnownHostsPath.IsNull()) {
		diags.AddAttributeError(base.AtName("insecure_ignore_host_key"), "Conflicting SSH settings",
			"insecure_ignore_host_key = true skips host key verification, so it conflicts with host_key and known_hosts_path: "+
				"keep the verification (recommended) or remove it, not both.")
	}
	// The environment values the attribute validators (int64validator.Between, the control
	// character RegexMatches) and the schema's types cannot see, checked with the same bounds.
	validateBoolEnv(m.Agent, base.AtName("agent"), envSSHAgent, diags)
	validateBoolEnv(m.InsecureIgnoreHostKey, base.AtName("insecure_ignore_host_key"), envSSHInsecureIgnoreHostKey, diags)
	if m.Port.IsNull() {
		if v := os.Getenv(envSSHPort); v != "" {
			if port, err := strconv.Atoi(v); err != nil || port < 1 || port > 65535 {
				diags.AddAttributeError(base.AtName("port"), "Invalid SSH port",
					envSSHPort+" must be a TCP port from 1 to 65535, such as 22; got "+quoted(v)+".")
			}
		}
	}
	for name, pair := range map[string]struct {
		v   types.String
		env string
	}{"host": {m.Host, envSSHHost}, "user": {m.User, envSSHUser}, "powershell": {m.PowerShell, envSSHPowerShell}} {
		if v := os.Getenv(pair.env); pair.v.IsNull() && strings.IndexFunc(v, unicode.IsControl) >= 0 {
			diags.AddAttributeError(base.AtName(name), "Invalid SSH setting", controlCharacterMessage(pair.env, v))
		}
	}
	validateBastion(m.Bastion, diags)
}

// emulatorSettings reads the emulator block with its environment fallbacks. ok is false
// when neither the block nor its environment variable selects the emulator.
func emulatorSettings(ctx context.Context, m *emulatorModel, resp *provider.ConfigureResponse) (*hosts.Emulator, bool) {
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
