// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
)

// hostKeyFile writes priv as an OpenSSH host key file and returns its path and public
// key line.
func hostKeyFile(t *testing.T, dir, name string, priv crypto.Signer) (path, public string) {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// A host has several keys and presents the one the client asks for first; x/crypto asks
// for ECDSA before Ed25519 and RSA by default. Checked against a known_hosts file that
// lists one of them, the runner asks for that key's algorithm, so the host is verified
// instead of failing with a mismatch against a key it also holds.
func TestSSHKnownHostsAsksForTheListedKeyType(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecPath, ecPub := hostKeyFile(t, dir, "ssh_host_ecdsa_key", ecKey)
	rsaPath, rsaPub := hostKeyFile(t, dir, "ssh_host_rsa_key", rsaKey)
	srv := sshtest.StartWith(t, "HostKey "+ecPath, "HostKey "+rsaPath)

	entry := fmt.Sprintf("[%s]:%d", srv.Host, srv.Port)
	for _, tc := range []struct{ name, key string }{
		{"ed25519", srv.HostKeyLine},
		{"rsa", rsaPub},
		{"ecdsa", ecPub},
	} {
		kh := filepath.Join(dir, "known_hosts_"+tc.name)
		if err := os.WriteFile(kh, []byte(entry+" "+tc.key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := keyConfig(srv)
		cfg.HostKey = ""
		cfg.KnownHostsPath = kh
		if _, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil); err != nil {
			t.Errorf("known_hosts listing only the %s key: %v\n%s", tc.name, err, srv.Log())
		}
	}
}
