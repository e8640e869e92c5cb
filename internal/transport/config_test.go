// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

func TestNewSSHValidation(t *testing.T) {
	pub, key := sshtest.NewKeyPair(t)
	khDir := t.TempDir()
	kh := filepath.Join(khDir, "known_hosts")
	if err := os.WriteFile(kh, []byte("[h]:22 "+pub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(khDir, "damaged")
	if err := os.WriteFile(damaged, []byte("[h]:22 ssh-ed25519 not-base64!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, HostKey: pub}
	tests := []struct {
		name      string
		edit      func(c *transport.SSHConfig)
		setting   transport.Setting
		conflicts transport.Setting // the other setting of a conflict
		// error is the start of the error's text, which names settings by their SSHConfig fields.
		error string
	}{
		{"no host", func(c *transport.SSHConfig) { c.Host = "" }, transport.SettingHost, 0, "ssh Host: must be set"},
		{"host with port", func(c *transport.SSHConfig) { c.Host = "h:22" }, transport.SettingHost, 0,
			`ssh Host: "h:22" is not a host name or IP address (give the port in Port and the user in User)`},
		{"host with user", func(c *transport.SSHConfig) { c.Host = "u@h" }, transport.SettingHost, 0, `ssh Host: "u@h" is not a host name`},
		{"host with a space", func(c *transport.SSHConfig) { c.Host = "h 1" }, transport.SettingHost, 0, `ssh Host: "h 1" is not a host name`},
		{"host with a tab inside brackets", func(c *transport.SSHConfig) { c.Host = "[h\t1]" }, transport.SettingHost, 0, `ssh Host: contains the control character '\t' at byte 2`},
		{"host starting with a line break", func(c *transport.SSHConfig) { c.Host = "\nh" }, transport.SettingHost, 0, `ssh Host: contains the control character '\n' at byte 0`},
		{"user starting with a tab", func(c *transport.SSHConfig) { c.User = "\tops" }, transport.SettingUser, 0, `ssh User: contains the control character '\t' at byte 0`},
		{"bad port", func(c *transport.SSHConfig) { c.Port = 70000 }, transport.SettingPort, 0, "ssh Port: 70000 is not a TCP port (1-65535)"},
		{"port above the range", func(c *transport.SSHConfig) { c.Port = 65536 }, transport.SettingPort, 0, "ssh Port: 65536 is not a TCP port"},
		{"negative port", func(c *transport.SSHConfig) { c.Port = -1 }, transport.SettingPort, 0, "ssh Port: -1 is not a TCP port"},
		{"no user", func(c *transport.SSHConfig) { c.User = "" }, transport.SettingUser, 0, "ssh User: must be set"},
		{"no auth", func(c *transport.SSHConfig) { c.PrivateKey = "" }, transport.SettingPassword, 0, "ssh Password: set Password, PrivateKey or Agent = true to authenticate"},
		{"both auth", func(c *transport.SSHConfig) { c.Password = "x" }, transport.SettingPassword, transport.SettingPrivateKey,
			"ssh Password: conflicts with PrivateKey: set only one of them"},
		{"bad key", func(c *transport.SSHConfig) { c.PrivateKey = "not a key" }, transport.SettingPrivateKey, 0, "ssh PrivateKey: is not a private key"},
		{"bad host key", func(c *transport.SSHConfig) { c.HostKey = "ssh-ed25519 nope" }, transport.SettingHostKey, 0, "ssh HostKey: expected the host's public key line"},
		{"host key and known hosts", func(c *transport.SSHConfig) { c.KnownHostsPath = kh }, transport.SettingHostKey, transport.SettingKnownHostsPath,
			"ssh HostKey: conflicts with KnownHostsPath: set only one of them"},
		{"insecure and host key", func(c *transport.SSHConfig) { c.InsecureIgnoreHostKey = true }, transport.SettingInsecureIgnoreHostKey, transport.SettingHostKey,
			"ssh InsecureIgnoreHostKey: conflicts with HostKey: remove one of them"},
		{"insecure and known hosts", func(c *transport.SSHConfig) { c.HostKey = ""; c.KnownHostsPath = kh; c.InsecureIgnoreHostKey = true },
			transport.SettingInsecureIgnoreHostKey, transport.SettingKnownHostsPath, "ssh InsecureIgnoreHostKey: conflicts with KnownHostsPath: remove one of them"},
		{"missing known hosts", func(c *transport.SSHConfig) { c.HostKey = ""; c.KnownHostsPath = filepath.Join(khDir, "nope") }, transport.SettingKnownHostsPath, 0,
			"ssh KnownHostsPath: cannot be read"},
		{"damaged known hosts", func(c *transport.SSHConfig) { c.HostKey = ""; c.KnownHostsPath = damaged }, transport.SettingKnownHostsPath, 0,
			"ssh KnownHostsPath: ssh: read the known_hosts file " + damaged},
		{"negative dial timeout", func(c *transport.SSHConfig) { c.DialTimeout = -1 }, transport.SettingDialTimeout, 0, "ssh DialTimeout: must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			_, err := transport.NewSSH(cfg)
			var cerr *transport.ConfigError
			if !errors.As(err, &cerr) || cerr.Setting != tc.setting || cerr.ConflictsWith != tc.conflicts || cerr.Bastion ||
				!strings.HasPrefix(err.Error(), tc.error) {
				t.Fatalf("got %#v (%v); want setting %v conflicting with %v, starting %q", cerr, err, tc.setting, tc.conflicts, tc.error)
			}
		})
	}

	ok := []func(c *transport.SSHConfig){
		func(c *transport.SSHConfig) {},
		func(c *transport.SSHConfig) { c.Host = "[::1]" },
		func(c *transport.SSHConfig) { c.Host = "fe80::1" },
		func(c *transport.SSHConfig) { c.HostKey = ""; c.KnownHostsPath = kh },
		func(c *transport.SSHConfig) { c.HostKey = "[h]:22 " + pub }, // a known_hosts line
		func(c *transport.SSHConfig) { c.PrivateKey = ""; c.Password = "pw" },
		func(c *transport.SSHConfig) { c.HostKey = ""; c.InsecureIgnoreHostKey = true },
		func(c *transport.SSHConfig) { c.Port = 1 },     // the lowest TCP port
		func(c *transport.SSHConfig) { c.Port = 65535 }, // the highest
	}
	for i, edit := range ok {
		cfg := base
		edit(&cfg)
		r, err := transport.NewSSH(cfg)
		if err != nil {
			t.Errorf("valid config %d: %v", i, err)
			continue
		}
		wantPort := cfg.Port
		if wantPort == 0 {
			wantPort = 22
		}
		if !strings.HasSuffix(r.Addr(), ":"+strconv.Itoa(wantPort)) {
			t.Errorf("valid config %d: Addr() = %q, want port %d", i, r.Addr(), wantPort)
		}
	}
}

// Warning speaks only when a host's identity goes unverified, and says which host: the
// node, the bastion on the way, or both.
func TestSSHWarningNamesTheUnverifiedHost(t *testing.T) {
	pub, key := sshtest.NewKeyPair(t)
	const rest = " is not verified, so anyone able to intercept the connection can impersonate the host and receive the " +
		"commands and password sent to it. Set HostKey (the host's public key line, e.g. from ssh-keyscan) or KnownHostsPath instead."
	verified := func(host string) *transport.SSHConfig {
		return &transport.SSHConfig{Host: host, User: "u", PrivateKey: key, HostKey: pub}
	}
	insecure := func(host string) *transport.SSHConfig {
		return &transport.SSHConfig{Host: host, Port: 2222, User: "u", PrivateKey: key, InsecureIgnoreHostKey: true}
	}
	withBastion := func(node, bastion *transport.SSHConfig) transport.SSHConfig {
		node.Bastion = bastion
		return *node
	}
	tests := []struct {
		name string
		cfg  transport.SSHConfig
		want string
	}{
		{"all verified", withBastion(verified("n"), verified("b")), ""},
		{"node unverified", withBastion(insecure("n"), verified("b")), "InsecureIgnoreHostKey is set: the identity of n:2222" + rest},
		{"bastion unverified", withBastion(verified("n"), insecure("b")), "bastion: InsecureIgnoreHostKey is set: the identity of b:2222" + rest},
		{"both unverified", withBastion(insecure("n"), insecure("b")),
			"bastion: InsecureIgnoreHostKey is set: the identity of b:2222" + rest + "\nInsecureIgnoreHostKey is set: the identity of n:2222" + rest},
	}
	for _, tt := range tests {
		r, err := transport.NewSSH(tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := r.Warning(); got != tt.want {
			t.Errorf("%s: Warning() = %q\nwant %q", tt.name, got, tt.want)
		}
	}
	r, err := transport.NewSSH(*insecure("n"))
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Warnings()
	if len(ws) != 1 || ws[0].Setting != transport.SettingInsecureIgnoreHostKey || ws[0].Bastion {
		t.Fatalf("Warnings() = %#v, want one about InsecureIgnoreHostKey of the node", ws)
	}
	got := ws[0].Describe(func(s transport.Setting) string { return "<" + s.String() + ">" })
	if !strings.HasPrefix(got, "<InsecureIgnoreHostKey> is set") || !strings.Contains(got, "Set <HostKey> (") || !strings.Contains(got, "or <KnownHostsPath> instead") {
		t.Errorf("Describe = %q", got)
	}
}
