// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
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

// An agent that cannot be used does not break a working key: without SSH_AUTH_SOCK, or
// with a socket nobody listens on, the key logs in alone and a warning on Agent says why
// the agent was left out. Not parallel: SSH_AUTH_SOCK is process-wide.
func TestSSHAgentThatCannotBeUsedLeavesTheKeyWorking(t *testing.T) {
	srv := sshtest.Start(t)
	missing := filepath.Join(t.TempDir(), "agent.sock")
	for _, tc := range []struct {
		name, env, why string
	}{
		{"SSH_AUTH_SOCK unset", "", "SSH_AUTH_SOCK is not set"},
		{"no agent at SSH_AUTH_SOCK", missing, "its socket SSH_AUTH_SOCK=" + missing + " cannot be reached (dial unix " + missing + ": connect: no such file or directory)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SSH_AUTH_SOCK", tc.env)
			cfg := keyConfig(srv)
			cfg.Agent = true
			r := newSSH(t, cfg)
			ws := r.Warnings()
			want := "Agent is true, but " + tc.why + ", so the keys of ssh-agent are not offered to " + srv.Addr +
				" and PrivateKey authenticates alone. Start ssh-agent (eval $(ssh-agent); ssh-add) where this program runs, or set Agent = false."
			if len(ws) != 1 || ws[0].Setting != transport.SettingAgent || ws[0].Bastion || ws[0].Describe(transport.Setting.String) != want {
				t.Fatalf("Warnings() = %#v\nwant one on Agent: %s", ws, want)
			}
			echo(t, r, srv)
		})
	}
}

// The same holds for the jump host's agent, warned about as the bastion's.
func TestSSHBastionAgentThatCannotBeUsedLeavesTheKeyWorking(t *testing.T) {
	bastion := sshtest.Start(t)
	target := sshtest.Start(t)
	t.Setenv("SSH_AUTH_SOCK", "")
	cfg := bastionConfig(target, bastion)
	cfg.Bastion.Agent = true
	r := newSSH(t, cfg)
	ws := r.Warnings()
	if len(ws) != 1 || ws[0].Setting != transport.SettingAgent || !ws[0].Bastion ||
		!strings.HasPrefix(r.Warning(), "bastion: Agent is true, but SSH_AUTH_SOCK is not set, so the keys of ssh-agent are not offered to "+bastion.Addr) {
		t.Fatalf("Warnings() = %#v (%q), want one on the bastion's Agent", ws, r.Warning())
	}
	echo(t, r, target)
}

// An agent that was there when the runner was made but is gone when it connects is
// left out as well: the key logs in, and the run's notice says so.
func TestSSHAgentGoneBeforeConnectingLeavesTheKeyWorking(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	cfg := keyConfig(srv)
	cfg.Agent, cfg.AgentSocket = true, sock
	r := newSSH(t, cfg)
	if ws := r.Warnings(); len(ws) != 0 {
		t.Fatalf("a listening agent socket was warned about: %#v", ws)
	}
	_ = l.Close() // removes the socket
	var notes []string
	out, _, err := r.Run(transport.WithNotice(context.Background(), func(msg string) { notes = append(notes, msg) }), "/bin/echo", []string{"reached"})
	if err != nil || string(out) != "reached\n" {
		t.Fatalf("echo: %q, %v\n%s", out, err, srv.Log())
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "ssh-agent at "+sock+" cannot be reached (") {
		t.Errorf("notices %q, want one about the agent", notes)
	}
}

// When the agent is the only credential and its socket cannot be reached, connecting
// fails with an *AgentError naming the socket and SSH_AUTH_SOCK, which is not a missing
// file (fs.ErrNotExist) for a caller that looks for one; for the bastion's agent too.
func TestSSHAgentAloneWithoutItsSocketIsAnAgentError(t *testing.T) {
	srv := sshtest.Start(t)
	missing := filepath.Join(t.TempDir(), "agent.sock")
	t.Setenv("SSH_AUTH_SOCK", missing)
	node := keyConfig(srv)
	node.PrivateKey, node.Agent = "", true
	viaBastion := bastionConfig(srv, srv)
	viaBastion.Bastion.PrivateKey, viaBastion.Bastion.Agent = "", true
	for _, tc := range []struct {
		name    string
		cfg     transport.SSHConfig
		bastion bool
	}{{"node", node, false}, {"bastion", viaBastion, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSSH(t, tc.cfg)
			if w := r.Warning(); w != "" {
				t.Errorf("Warning() = %q; the agent is the only credential, so nothing else could be used", w)
			}
			_, _, err := r.Run(context.Background(), "/bin/true", nil)
			var aerr *transport.AgentError
			if !errors.As(err, &aerr) || aerr.Socket != missing || !aerr.FromEnv || aerr.Bastion != tc.bastion {
				t.Fatalf("want an AgentError for %s, got %v (%#v)", missing, err, aerr)
			}
			want := "ssh-agent cannot be reached at SSH_AUTH_SOCK=" + missing + " (dial unix " + missing + ": connect: no such file or directory), " +
				"and Agent is the only credential set: start ssh-agent"
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "or set PrivateKey or Password") {
				t.Errorf("error %q lacks %q", err, want)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the agent's error passes for a missing file: %v", err)
			}
		})
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
