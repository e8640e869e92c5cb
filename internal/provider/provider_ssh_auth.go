package provider

import (
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
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
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port of the jump host. Default: `22`." + envDoc(envBastionPort),
				Optional:            true,
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "Login name on the jump host." + envDoc(envBastionUser),
				Optional:            true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password authentication on the jump host. Conflicts with `private_key`." + envDoc(envBastionPassword),
				Optional:            true,
				Sensitive:           true,
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
				Optional: true,
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
	case os.Getenv(envBastionPort) != "":
		port, err := strconv.Atoi(os.Getenv(envBastionPort))
		if err != nil {
			resp.Diagnostics.AddAttributeError(base.AtName("port"), "Invalid SSH port",
				envBastionPort+" must be a TCP port number such as 22; got "+quoted(os.Getenv(envBastionPort))+".")
		}
		b.Port = port
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
