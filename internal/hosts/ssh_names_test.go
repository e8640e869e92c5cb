// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package hosts

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// A setting the transport adds without an attribute name here fails this test: its
// errors would otherwise name a Go field to a Terraform user.
func TestSSHAttributesNameEverySetting(t *testing.T) {
	// The attributes of the provider's ssh block (docs/index.md), written here rather
	// than read from sshAttributes; the provider leaves the dial timeout at the
	// transport's default (TestSSHSettingNamesAreProviderAttributes checks the schema).
	want := map[string]string{
		"Host": "host", "Port": "port", "User": "user", "Password": "password", "PrivateKey": "private_key",
		"PrivateKeyPassphrase": "private_key_passphrase", "Agent": "agent", "HostKey": "host_key",
		"KnownHostsPath": "known_hosts_path", "InsecureIgnoreHostKey": "insecure_ignore_host_key", "DialTimeout": "",
	}
	seen := map[string]bool{}
	for _, s := range transport.Settings() {
		name, ok := sshAttributes[s]
		if !ok {
			t.Errorf("transport setting %v has no entry in sshAttributes (\"\" when no attribute sets it)", s)
			continue
		}
		wantName, known := want[s.String()]
		if !known || name != wantName || SSHAttribute(s) != name {
			t.Errorf("setting %v is named %q (SSHAttribute %q), want %q", s, name, SSHAttribute(s), wantName)
		}
		if seen[name] && name != "" {
			t.Errorf("two settings are named %q", name)
		}
		seen[name] = true
	}
	if len(sshAttributes) != len(transport.Settings()) {
		t.Errorf("sshAttributes names %d settings, the transport has %d", len(sshAttributes), len(transport.Settings()))
	}
}

// The messages of invalid SSH settings name the attribute and the fix in HCL terms, and
// the attribute path points into the ssh block (or its bastion block).
func TestOpenSSHSettingErrorsNameAttributes(t *testing.T) {
	pub, key := sshtest.NewKeyPair(t)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	valid := func() transport.SSHConfig {
		return transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, HostKey: pub}
	}
	withBastion := func(edit func(b *transport.SSHConfig)) transport.SSHConfig {
		c, b := valid(), valid()
		edit(&b)
		c.Bastion = &b
		return c
	}
	edit := func(f func(c *transport.SSHConfig)) transport.SSHConfig {
		c := valid()
		f(&c)
		return c
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	tests := []struct {
		name      string
		cfg       transport.SSHConfig
		attribute string
		message   string
	}{
		{"password and key", edit(func(c *transport.SSHConfig) { c.Password = "pw" }), "password",
			"ssh password: conflicts with private_key: set only one of them"},
		{"no credentials", edit(func(c *transport.SSHConfig) { c.PrivateKey = "" }), "password",
			"ssh password: set password, private_key or agent = true to authenticate"},
		{"host with a port", edit(func(c *transport.SSHConfig) { c.Host = "h:22" }), "host",
			`ssh host: "h:22" is not a host name or IP address (give the port in port and the user in user)`},
		{"host key and known hosts", edit(func(c *transport.SSHConfig) { c.KnownHostsPath = kh }), "host_key",
			"ssh host_key: conflicts with known_hosts_path: set only one of them"},
		{"agent without socket, the only credential", edit(func(c *transport.SSHConfig) { c.Agent, c.PrivateKey = true, "" }), "agent",
			"ssh agent: is true but SSH_AUTH_SOCK is not set: start ssh-agent (eval $(ssh-agent); ssh-add) in the environment this program runs in, or use private_key"},
		{"negative dial timeout, which no attribute sets", edit(func(c *transport.SSHConfig) { c.DialTimeout = -1 }), "",
			"ssh DialTimeout: must not be negative"},
		{"bastion passphrase without key", withBastion(func(b *transport.SSHConfig) { b.PrivateKey = ""; b.Password = "pw"; b.PrivateKeyPassphrase = "x" }),
			"bastion.private_key_passphrase", "ssh bastion.private_key_passphrase: is set without private_key: it decrypts private_key, set both or neither"},
		{"bastion insecure and host key", withBastion(func(b *transport.SSHConfig) { b.InsecureIgnoreHostKey = true }),
			"bastion.insecure_ignore_host_key", "ssh bastion.insecure_ignore_host_key: conflicts with host_key: remove one of them"},
		{"bastion without user", withBastion(func(b *transport.SSHConfig) { b.User = "" }),
			"bastion.user", "ssh bastion.user: must be set to the login name on the host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), Settings{SSH: &SSH{SSHConfig: tt.cfg}})
			var se *SettingError
			if !errors.As(err, &se) || se.Attribute != tt.attribute || err.Error() != tt.message {
				t.Fatalf("got %v (%#v)\nwant attribute %q: %s", err, se, tt.attribute, tt.message)
			}
			var ce *transport.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("the transport's ConfigError is not reachable through %v", err)
			}
		})
	}
}

func TestOpenSSHWithoutKnownHostsNamesTheAttributes(t *testing.T) {
	_, key := sshtest.NewKeyPair(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	_, err := Open(t.Context(), Settings{SSH: &SSH{SSHConfig: transport.SSHConfig{Host: "h", User: "u", PrivateKey: key}}})
	want := "ssh host_key: set host_key (the host's public key line, e.g. from ssh-keyscan) or known_hosts_path so the host can be verified; the default " +
		filepath.Join(home, ".ssh", "known_hosts") + " does not exist. insecure_ignore_host_key = true skips the check (not recommended)"
	var se *SettingError
	if !errors.As(err, &se) || se.Attribute != "host_key" || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestOpenSSHInsecureWarningNamesTheAttributes(t *testing.T) {
	_, key := sshtest.NewKeyPair(t)
	cfg := transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, InsecureIgnoreHostKey: true,
		Bastion: &transport.SSHConfig{Host: "b", Port: 2222, User: "u", PrivateKey: key, InsecureIgnoreHostKey: true}}
	opened, err := Open(t.Context(), Settings{SSH: &SSH{SSHConfig: cfg}})
	if err != nil {
		t.Fatal(err)
	}
	rest := func(prefix string) string {
		return " is not verified, so anyone able to intercept the connection can impersonate the host and receive the commands " +
			"and password sent to it. Set " + prefix + "host_key (the host's public key line, e.g. from ssh-keyscan) or " + prefix + "known_hosts_path instead."
	}
	// Each warning stands alone, naming the attributes by their full path.
	want := []string{
		"ssh.bastion.insecure_ignore_host_key is set: the identity of b:2222" + rest("ssh.bastion."),
		"ssh.insecure_ignore_host_key is set: the identity of h:22" + rest("ssh."),
	}
	if !reflect.DeepEqual(opened.Warnings, want) {
		t.Fatalf("warnings %q\nwant %q", opened.Warnings, want)
	}
}

func TestSSHRunErrorsNameTheAttributes(t *testing.T) {
	mismatch := &transport.HostKeyError{Addr: "b:22", Source: transport.SettingHostKey, Presented: "ssh-ed25519 AAAAnew",
		PresentedFingerprint: "ssh-ed25519 SHA256:new", Expected: []string{"ssh-ed25519 SHA256:old"}}
	unknown := &transport.HostKeyError{Addr: "h:22", Source: transport.SettingKnownHostsPath, File: "/etc/kh", Presented: "ssh-ed25519 AAAAnew",
		PresentedFingerprint: "ssh-ed25519 SHA256:new"}
	refused := errors.New("ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain")
	auth := &transport.AuthError{User: "u", Addr: "h:22", Methods: []transport.Setting{transport.SettingPrivateKey, transport.SettingAgent}, Err: refused}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"bastion host key mismatch", fmt.Errorf("run: %w", fmt.Errorf("bastion: %w", mismatch)),
			"run: bastion: ssh: host key mismatch for b:22: the host presented ssh-ed25519 SHA256:new, but host_key expects ssh-ed25519 SHA256:old. " +
				"Either the host's key changed (reinstall, key rotation) or someone is intercepting the connection. " +
				"If the change is expected, verify the new fingerprint out of band, then update host_key to the host's new key: ssh-ed25519 AAAAnew"},
		{"host not in known_hosts_path", unknown,
			"ssh: the host key of h:22 (ssh-ed25519 SHA256:new) is not in known_hosts_path /etc/kh. Verify the fingerprint out of band, " +
				"then add the host (ssh-keyscan -p 22 h >> /etc/kh) or set host_key to: ssh-ed25519 AAAAnew"},
		{"credentials refused", fmt.Errorf("ssh connect to h:22: %w", auth),
			"ssh connect to h:22: authentication as u@h:22 with private_key, agent failed: the host refused the credentials " +
				"(check user and private_key, agent): " + refused.Error()},
		{"agent unreachable", fmt.Errorf("ssh connect to h:22: %w", &transport.AgentError{Socket: "/run/a.sock", FromEnv: true, Err: errors.New("dial unix: refused")}),
			"ssh connect to h:22: ssh-agent cannot be reached at SSH_AUTH_SOCK=/run/a.sock (dial unix: refused), and agent is the only credential set: " +
				"start ssh-agent and add the key (eval $(ssh-agent); ssh-add) in the environment this program runs in, so that SSH_AUTH_SOCK names its socket, " +
				"or set private_key or password"},
		{"bastion agent unreachable", fmt.Errorf("ssh connect to bastion b:22: %w", &transport.AgentError{Socket: "/run/a.sock", Bastion: true, Err: errors.New("dial unix: refused")}),
			"ssh connect to bastion b:22: ssh-agent cannot be reached at /run/a.sock (dial unix: refused), and bastion.agent is the only credential set: " +
				"start ssh-agent and add the key (eval $(ssh-agent); ssh-add) in the environment this program runs in, so that SSH_AUTH_SOCK names its socket, " +
				"or set bastion.private_key or bastion.password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withSSHAttributeNames(tt.err)
			if got.Error() != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("%v does not wrap the transport's error", got)
			}
		})
	}
	other := fmt.Errorf("ssh: %w to h:22", transport.ErrConnectionLost)
	if got := withSSHAttributeNames(other); got != other {
		t.Errorf("an error naming no setting came back as %v", got)
	}
	if withSSHAttributeNames(nil) != nil {
		t.Error("nil became an error")
	}
}
