// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// bigInput is far longer than any command line (cmd.exe takes 8191 characters) and holds
// bytes a shell would interpret, to show stdin carries them untouched.
func bigInput() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "line %d: $(x) `y` 'z' \"w\" %% ! & | < > é 𝄞\r\n", i)
	}
	return b.Bytes()
}

func checkEcho(t *testing.T, r transport.InputRunner, program string) {
	t.Helper()
	in := bigInput()
	out, _, err := r.RunInput(context.Background(), program, []string{"-x"}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x", sha256.Sum256(in))
	if got := strings.Fields(string(out)); len(got) == 0 || got[0] != want {
		t.Fatalf("the program read %q from stdin, want sha256 %s", out, want)
	}
	// Without input the program sees end of file at once, as with Run.
	out, _, err = r.RunInput(context.Background(), program, []string{"-x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty := fmt.Sprintf("%x", sha256.Sum256(nil)); !strings.HasPrefix(string(out), empty) {
		t.Fatalf("no input: %q", out)
	}
}

func TestLocalRunInputCarriesStdin(t *testing.T) {
	checkEcho(t, transport.NewLocal(), writeScript(t, "hash", "sha256sum"))
}

func TestSSHRunInputCarriesStdin(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	checkEcho(t, newSSH(t, keyConfig(srv)), writeScript(t, "hash", "sha256sum"))
}
