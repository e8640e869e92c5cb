// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// NewKeyPair returns a fresh Ed25519 key as an authorized_keys line and an unencrypted
// OpenSSH PEM private key.
func NewKeyPair(t testing.TB) (publicLine, privatePEM string) {
	t.Helper()
	pub, priv := newKey(t)
	return authorizedLine(pub), string(priv)
}

func newKey(t testing.TB) (ssh.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, pem.EncodeToMemory(block)
}

func authorizedLine(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// SharedDir returns a fresh directory that every local user can read and traverse
// (t.TempDir is private to the test's user), removed when the test ends. Tests that log
// in as UnprivilegedUser put the programs and files it needs there.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "akshybrid-sshtest-") //nolint:usetesting // shared by every test of the binary, readable by other users
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// NewEncryptedKeyPair returns a fresh Ed25519 key as an authorized_keys line and an
// OpenSSH PEM private key encrypted with passphrase (bcrypt KDF, aes256-ctr, as
// ssh-keygen -N writes it).
func NewEncryptedKeyPair(t testing.TB, passphrase string) (publicLine, privatePEM string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedLine(sshPub), string(pem.EncodeToMemory(block))
}
