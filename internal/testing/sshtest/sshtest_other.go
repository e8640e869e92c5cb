// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package sshtest

import "testing"

// Server is a running sshd; on this platform there is none.
type Server struct {
	Addr, Host, User, ClientKeyPEM, HostKeyLine, Dir string
	Port                                             int
}

// Start skips the test: sshtest needs a Unix OpenSSH server.
func Start(t testing.TB) *Server {
	t.Helper()
	t.Skip("sshtest: OpenSSH server tests run on Unix only")
	return nil
}

// UnprivilegedUser skips the test: sshtest needs a Unix OpenSSH server.
func UnprivilegedUser(t testing.TB) string {
	t.Helper()
	t.Skip("sshtest: OpenSSH server tests run on Unix only")
	return ""
}

// StartWith skips the test: sshtest needs a Unix OpenSSH server.
func StartWith(t testing.TB, _ ...string) *Server {
	t.Helper()
	return Start(t)
}
