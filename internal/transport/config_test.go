package transport_test

import (
	"errors"
	"os"
	"path/filepath"
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
	base := transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, HostKey: pub}
	tests := []struct {
		name   string
		edit   func(c *transport.SSHConfig)
		field  string
		reason string
	}{
		{"no host", func(c *transport.SSHConfig) { c.Host = "" }, "host", "must be set"},
		{"host with port", func(c *transport.SSHConfig) { c.Host = "h:22" }, "host", "give the port in port"},
		{"host with user", func(c *transport.SSHConfig) { c.Host = "u@h" }, "host", "not a host name"},
		{"bad port", func(c *transport.SSHConfig) { c.Port = 70000 }, "port", "not a TCP port"},
		{"no user", func(c *transport.SSHConfig) { c.User = "" }, "user", "must be set"},
		{"no auth", func(c *transport.SSHConfig) { c.PrivateKey = "" }, "password", "set password, private_key or agent = true"},
		{"both auth", func(c *transport.SSHConfig) { c.Password = "x" }, "password", "conflicts with private_key"},
		{"bad key", func(c *transport.SSHConfig) { c.PrivateKey = "not a key" }, "private_key", "not a private key"},
		{"bad host key", func(c *transport.SSHConfig) { c.HostKey = "ssh-ed25519 nope" }, "host_key", "public key line"},
		{"host key and known hosts", func(c *transport.SSHConfig) { c.KnownHostsPath = kh }, "host_key", "conflicts with known_hosts_path"},
		{"insecure and host key", func(c *transport.SSHConfig) { c.InsecureIgnoreHostKey = true }, "insecure_ignore_host_key", "conflicts with host_key"},
		{"missing known hosts", func(c *transport.SSHConfig) { c.HostKey = ""; c.KnownHostsPath = filepath.Join(khDir, "nope") }, "known_hosts_path", "cannot be read"},
		{"negative dial timeout", func(c *transport.SSHConfig) { c.DialTimeout = -1 }, "dial_timeout", "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			_, err := transport.NewSSH(cfg)
			var cerr *transport.ConfigError
			if !errors.As(err, &cerr) || cerr.Field != tc.field || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("got %v; want field %q with %q", err, tc.field, tc.reason)
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
	}
	for i, edit := range ok {
		cfg := base
		edit(&cfg)
		r, err := transport.NewSSH(cfg)
		if err != nil {
			t.Errorf("valid config %d: %v", i, err)
			continue
		}
		if cfg.Port == 0 && !strings.HasSuffix(r.Addr(), ":22") {
			t.Errorf("default port: Addr() = %q", r.Addr())
		}
	}
}
