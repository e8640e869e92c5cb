// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package hosts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// The runner Open builds names attributes in the errors of a real connection, with and
// without standard input.
func TestSSHNamedRunnerAgainstOpenSSH(t *testing.T) {
	srv := sshtest.Start(t)
	other, otherKey := sshtest.NewKeyPair(t)
	wrongHostKey, err := transport.NewSSH(transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, PrivateKey: srv.ClientKeyPEM, HostKey: other})
	if err != nil {
		t.Fatal(err)
	}
	defer wrongHostKey.Close()
	_, _, err = sshNamedRunner{wrongHostKey}.Run(context.Background(), "/bin/true", nil)
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) || !strings.Contains(err.Error(), "but host_key expects") ||
		!strings.HasSuffix(err.Error(), "update host_key to the host's new key: "+srv.HostKeyLine) {
		t.Fatalf("wrong host key: %v", err)
	}

	wrongKey, err := transport.NewSSH(transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, PrivateKey: otherKey, HostKey: srv.HostKeyLine})
	if err != nil {
		t.Fatal(err)
	}
	defer wrongKey.Close()
	_, _, err = sshNamedRunner{wrongKey}.RunInput(context.Background(), "/bin/cat", nil, []byte("x"))
	var aerr *transport.AuthError
	if !errors.As(err, &aerr) || !strings.Contains(err.Error(), "with private_key failed: the host refused the credentials (check user and private_key)") {
		t.Fatalf("wrong key: %v", err)
	}
}
