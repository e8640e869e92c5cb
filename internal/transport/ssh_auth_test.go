// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// echo runs /bin/echo over r and fails the test unless it comes back.
func echo(t *testing.T, r *transport.SSH, srv *sshtest.Server) {
	t.Helper()
	out, _, err := r.Run(context.Background(), "/bin/echo", []string{"reached"})
	if err != nil || string(out) != "reached\n" {
		t.Fatalf("echo: %q, %v\n%s", out, err, srv.Log())
	}
}

func TestSSHPassphraseProtectedKeyLogsIn(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	pub, encrypted := sshtest.NewEncryptedKeyPair(t, "correct horse")
	srv.AuthorizeKey(t, pub)
	cfg := transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, HostKey: srv.HostKeyLine,
		PrivateKey: encrypted, PrivateKeyPassphrase: "correct horse"}
	echo(t, newSSH(t, cfg), srv)
}

func TestSSHPassphraseErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	_, encrypted := sshtest.NewEncryptedKeyPair(t, "correct horse")
	pub, plain := sshtest.NewKeyPair(t)
	tests := []struct {
		name, key, passphrase, reason string
	}{
		{"encrypted key without passphrase", encrypted, "", "must be set: PrivateKey is protected by a passphrase"},
		{"wrong passphrase", encrypted, "battery staple", "does not decrypt PrivateKey (wrong passphrase)"},
		{"passphrase for a plain key", plain, "correct horse", "is set but PrivateKey is not encrypted: remove PrivateKeyPassphrase"},
		{"passphrase without key", "", "correct horse", "is set without PrivateKey: it decrypts PrivateKey, set both or neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transport.NewSSH(transport.SSHConfig{Host: "h", User: "u", HostKey: pub,
				PrivateKey: tt.key, PrivateKeyPassphrase: tt.passphrase})
			var ce *transport.ConfigError
			if !errors.As(err, &ce) || ce.Setting != transport.SettingPrivateKeyPassphrase || ce.Reason(transport.Setting.String) != tt.reason {
				t.Fatalf("got %v, want ConfigError on PrivateKeyPassphrase saying %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), "correct horse") || strings.Contains(err.Error(), "battery staple") {
				t.Fatalf("error %q shows the passphrase", err)
			}
		})
	}
}

func TestSSHAgentKeyLogsIn(t *testing.T) {
	srv := sshtest.Start(t)
	pub, key := sshtest.NewKeyPair(t)
	srv.AuthorizeKey(t, pub)
	ag := sshtest.StartAgent(t, key)
	t.Logf("ssh-agent: OpenSSH's own: %v", ag.Real)

	// From SSH_AUTH_SOCK, as an administrator's shell has it.
	t.Setenv("SSH_AUTH_SOCK", ag.Socket)
	cfg := transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, HostKey: srv.HostKeyLine, Agent: true}
	echo(t, newSSH(t, cfg), srv)
}

func TestSSHAgentWithoutTheKeyIsRefused(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	_, otherKey := sshtest.NewKeyPair(t) // not authorized on the server
	ag := sshtest.StartAgent(t, otherKey)
	cfg := transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, HostKey: srv.HostKeyLine,
		Agent: true, AgentSocket: ag.Socket}
	_, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	var aerr *transport.AuthError
	if !errors.As(err, &aerr) || len(aerr.Methods) != 1 || aerr.Methods[0] != transport.SettingAgent || !strings.Contains(err.Error(), "with Agent failed") {
		t.Fatalf("want an authentication failure naming agent, got %v", err)
	}
}

func TestSSHAgentWithoutSocketIsAConfigError(t *testing.T) {
	pub, _ := sshtest.NewKeyPair(t)
	t.Setenv("SSH_AUTH_SOCK", "")
	_, err := transport.NewSSH(transport.SSHConfig{Host: "h", User: "u", HostKey: pub, Agent: true})
	var ce *transport.ConfigError
	if !errors.As(err, &ce) || ce.Setting != transport.SettingAgent || !strings.Contains(ce.Reason(transport.Setting.String), "SSH_AUTH_SOCK") {
		t.Fatalf("got %v, want a ConfigError on agent naming SSH_AUTH_SOCK", err)
	}
}

// bastionConfig reaches target through bastion, each with its own key and pinned host key.
func bastionConfig(target, bastion *sshtest.Server) transport.SSHConfig {
	cfg := keyConfig(target)
	b := keyConfig(bastion)
	cfg.Bastion = &b
	return cfg
}

func TestSSHThroughBastion(t *testing.T) {
	t.Parallel()
	bastion := sshtest.Start(t)
	target := sshtest.Start(t)
	r := newSSH(t, bastionConfig(target, bastion))
	echo(t, r, target)
	// The bastion saw the login (TestSSHBastionThatRefusesForwardingFails shows the
	// target is reached through it).
	if !strings.Contains(bastion.Log(), "Accepted publickey") {
		t.Errorf("the bastion saw no login:\n%s", bastion.Log())
	}
}

func TestSSHBastionThatRefusesForwardingFails(t *testing.T) {
	t.Parallel()
	// The target is reachable directly; only going through the bastion can fail here.
	bastion := sshtest.StartWith(t, "AllowTcpForwarding no")
	target := sshtest.Start(t)
	_, _, err := newSSH(t, bastionConfig(target, bastion)).Run(context.Background(), "/bin/true", nil)
	if err == nil || !strings.Contains(err.Error(), "the bastion could not open a connection to "+target.Addr) {
		t.Fatalf("want the bastion's refusal, got %v", err)
	}
}

func TestSSHBastionHostKeyIsCheckedOnItsOwn(t *testing.T) {
	t.Parallel()
	bastion := sshtest.Start(t)
	target := sshtest.Start(t)
	cfg := bastionConfig(target, bastion)
	cfg.Bastion.HostKey = target.HostKeyLine // right for the target, wrong for the bastion
	_, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) || herr.Addr != bastion.Addr || !strings.HasPrefix(err.Error(), "bastion: ") {
		t.Fatalf("want a bastion host key mismatch for %s, got %v", bastion.Addr, err)
	}

	// And the target's key is still checked behind a good bastion.
	cfg = bastionConfig(target, bastion)
	cfg.HostKey = bastion.HostKeyLine
	_, _, err = newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	if !errors.As(err, &herr) || herr.Addr != target.Addr || strings.HasPrefix(err.Error(), "bastion: ") {
		t.Fatalf("want a target host key mismatch for %s, got %v", target.Addr, err)
	}
}

func TestSSHBastionWithAgentAndTargetWithPassphrase(t *testing.T) {
	t.Parallel()
	bastion := sshtest.Start(t)
	target := sshtest.Start(t)
	bpub, bkey := sshtest.NewKeyPair(t)
	bastion.AuthorizeKey(t, bpub)
	ag := sshtest.StartAgent(t, bkey)
	tpub, tkey := sshtest.NewEncryptedKeyPair(t, "s3cret")
	target.AuthorizeKey(t, tpub)

	cfg := transport.SSHConfig{Host: target.Host, Port: target.Port, User: target.User, HostKey: target.HostKeyLine,
		PrivateKey: tkey, PrivateKeyPassphrase: "s3cret",
		Bastion: &transport.SSHConfig{Host: bastion.Host, Port: bastion.Port, User: bastion.User,
			HostKey: bastion.HostKeyLine, Agent: true, AgentSocket: ag.Socket}}
	echo(t, newSSH(t, cfg), target)
}

func TestSSHBastionSettingErrorsArePrefixed(t *testing.T) {
	t.Parallel()
	pub, key := sshtest.NewKeyPair(t)
	_, err := transport.NewSSH(transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, HostKey: pub,
		Bastion: &transport.SSHConfig{Host: "b", PrivateKey: key, HostKey: pub}})
	var ce *transport.ConfigError
	if !errors.As(err, &ce) || ce.Setting != transport.SettingUser || !ce.Bastion || !strings.HasPrefix(err.Error(), "ssh Bastion.User: must be set") {
		t.Fatalf("got %v, want a ConfigError on the bastion's User", err)
	}
}

// The bastion's host and user are refused with a control character, as the node's are
// (issue 10), and named as bastion settings.
func TestSSHBastionControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	pub, key := sshtest.NewKeyPair(t)
	for _, tc := range []struct {
		setting    transport.Setting
		host, user string
		reason     string
	}{
		{transport.SettingHost, "jump\n1", "ops", `contains the control character '\n' at byte 4`},
		{transport.SettingUser, "jump1", "ops\troot", `contains the control character '\t' at byte 3`},
	} {
		_, err := transport.NewSSH(transport.SSHConfig{Host: "h", User: "u", PrivateKey: key, HostKey: pub,
			Bastion: &transport.SSHConfig{Host: tc.host, User: tc.user, PrivateKey: key, HostKey: pub}})
		var ce *transport.ConfigError
		if !errors.As(err, &ce) || ce.Setting != tc.setting || !ce.Bastion || !strings.HasPrefix(ce.Reason(transport.Setting.String), tc.reason) {
			t.Errorf("%v: got %v, want a ConfigError on the bastion's %v: %s", tc.setting, err, tc.setting, tc.reason)
		}
	}
}
