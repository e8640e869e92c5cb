package provider

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
)

// The real-host blocks of the provider configuration: ssh and local.

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
	// ssh-agent, passphrase and jump host: see provider_ssh_auth.go.
	PrivateKeyPassphrase types.String  `tfsdk:"private_key_passphrase"`
	Agent                types.Bool    `tfsdk:"agent"`
	Bastion              *bastionModel `tfsdk:"bastion"`
}

type localModel struct {
	PowerShell types.String `tfsdk:"powershell"`
}

func envDoc(env string) string { return " Environment variable `" + env + "`." }

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

	switch {
	case m.InsecureIgnoreHostKey.IsUnknown():
		unknownError(resp, base.AtName("insecure_ignore_host_key"), envSSHInsecureIgnoreHostKey)
	case !m.InsecureIgnoreHostKey.IsNull():
		s.InsecureIgnoreHostKey = m.InsecureIgnoreHostKey.ValueBool()
	case os.Getenv(envSSHInsecureIgnoreHostKey) != "":
		v, err := strconv.ParseBool(os.Getenv(envSSHInsecureIgnoreHostKey))
		if err != nil {
			resp.Diagnostics.AddAttributeError(base.AtName("insecure_ignore_host_key"), "Invalid boolean",
				envSSHInsecureIgnoreHostKey+" must be true or false; got "+quoted(os.Getenv(envSSHInsecureIgnoreHostKey))+".")
		}
		s.InsecureIgnoreHostKey = v
	}
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
	if m.PowerShell.IsUnknown() {
		unknownError(resp, path.Root("local").AtName("powershell"), envLocalPowerShell)
	}
	return &hosts.Local{PowerShell: stringSetting(m.PowerShell, os.Getenv(envLocalPowerShell), "")}, true
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
