package provider

import (
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// The ways administrators authenticate beyond a plain key or password, matching what
// Terraform's own connection block offers: an ssh-agent, a passphrase-protected key and
// a jump host (bastion) with its own credentials and host key check.

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
			"(`eval $(ssh-agent)` and `ssh-add`). Combines with `private_key` (tried first) and `password`. Default: `false`." +
			envDoc(env),
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

// boolSetting reads a boolean attribute with its environment fallback.
func boolSetting(v types.Bool, at path.Path, env string, resp *provider.ConfigureResponse) bool {
	switch {
	case v.IsUnknown():
		unknownError(resp, at, env)
	case !v.IsNull():
		return v.ValueBool()
	case os.Getenv(env) != "":
		b, err := strconv.ParseBool(os.Getenv(env))
		if err != nil {
			resp.Diagnostics.AddAttributeError(at, "Invalid boolean",
				env+" must be true or false; got "+quoted(os.Getenv(env))+".")
		}
		return b
	}
	return false
}

// sshAuthSettings reads the ssh block's agent and private_key_passphrase.
func sshAuthSettings(m *sshModel, cfg *transport.SSHConfig, resp *provider.ConfigureResponse) {
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
func bastionSettings(m *bastionModel, resp *provider.ConfigureResponse) *transport.SSHConfig {
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
	b := &transport.SSHConfig{
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
func sshSecrets(c *transport.SSHConfig) []string {
	s := []string{c.Password, c.PrivateKey, c.PrivateKeyPassphrase}
	if c.Bastion != nil {
		s = append(s, c.Bastion.Password, c.Bastion.PrivateKey, c.Bastion.PrivateKeyPassphrase)
	}
	return s
}

// agentSelected reports whether ssh-agent authentication is on, from the attribute or
// its environment variable. An unknown value counts as on: Configure checks it again.
func agentSelected(v types.Bool, env string) bool {
	if v.IsUnknown() {
		return true
	}
	if !v.IsNull() {
		return v.ValueBool()
	}
	b, err := strconv.ParseBool(os.Getenv(env))
	return err == nil && b
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
