// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package sshtest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Agent is a running ssh-agent holding keys for a test.
type Agent struct {
	// Socket is the agent's Unix socket, the value SSH_AUTH_SOCK takes.
	Socket string
	// Real is true when it is OpenSSH's ssh-agent rather than the in-process keyring.
	Real bool
}

// StartAgent starts OpenSSH's ssh-agent (from openssh-client, which openssh-server
// depends on) on a fresh socket and adds the unencrypted private keys with ssh-add; it
// is stopped when the test ends. Without ssh-agent it serves golang.org/x/crypto's
// in-process keyring on the socket instead, which speaks the same protocol.
func StartAgent(t testing.TB, privateKeysPEM ...string) *Agent {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	if path, err := exec.LookPath("ssh-agent"); err == nil {
		startRealAgent(t, path, sock, dir, privateKeysPEM)
		return &Agent{Socket: sock, Real: true}
	}
	keyring := agent.NewKeyring()
	for _, pemKey := range privateKeysPEM {
		raw, err := ssh.ParseRawPrivateKey([]byte(pemKey))
		if err != nil {
			t.Fatal(err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = agent.ServeAgent(keyring, c); _ = c.Close() }()
		}
	}()
	return &Agent{Socket: sock}
}

func startRealAgent(t testing.TB, path, sock, dir string, keys []string) {
	t.Helper()
	var log bytes.Buffer
	// -D: stay in the foreground (no fork), so the test owns the process.
	cmd := exec.Command(path, "-D", "-a", sock)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("sshtest: start ssh-agent: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	// The socket appears once the agent listens.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshtest: ssh-agent did not listen on %s: %v\n%s", sock, err, log.String())
		}
		select {
		case <-done:
			t.Fatalf("sshtest: ssh-agent exited: %s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	addPath, err := exec.LookPath("ssh-add")
	if err != nil {
		t.Fatalf("sshtest: ssh-agent without ssh-add: %v", err)
	}
	for i, k := range keys {
		f := filepath.Join(dir, "key"+string(rune('a'+i)))
		if err := os.WriteFile(f, []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
		add := exec.Command(addPath, f)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("sshtest: ssh-add: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
}
