// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

func TestLocalRun(t *testing.T) {
	r := transport.NewLocal()
	defer r.Close()
	out, _, err := r.Run(context.Background(), "/bin/echo", []string{"hi", "there"})
	if err != nil || string(out) != "hi there\n" {
		t.Fatalf("%q %v", out, err)
	}
	prog := filepath.Join(t.TempDir(), "fail")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho out; echo bad >&2; exit 4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := r.Run(context.Background(), prog, nil)
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) || xerr.Code != 4 || string(xerr.Stderr) != "bad\n" || string(out) != "out\n" || string(errOut) != "bad\n" {
		t.Fatalf("%q %q %v", out, errOut, err)
	}
	if _, _, err := r.Run(context.Background(), filepath.Join(t.TempDir(), "missing"), nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing program: %v", err)
	}
}

func TestLocalCancel(t *testing.T) {
	r := transport.NewLocal()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := r.Run(ctx, "/bin/sleep", []string{"30"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("returned after %s", d)
	}
}

// A program ended by a signal is reported with the signal's name and code -1, not as an
// exit status.
func TestLocalProgramKilledBySignal(t *testing.T) {
	r := transport.NewLocal()
	// Not HUP, INT or PIPE: a parent (nohup, a background job) may leave those ignored.
	for _, sig := range []string{"KILL", "TERM"} {
		prog := filepath.Join(t.TempDir(), "die")
		if err := os.WriteFile(prog, []byte("#!/bin/sh\necho dying >&2\nkill -s "+sig+" $$\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, _, err := r.Run(context.Background(), prog, nil)
		var xerr *transport.ExitError
		if !errors.As(err, &xerr) || xerr.Code != -1 || xerr.Signal != sig || string(xerr.Stderr) != "dying\n" ||
			err.Error() != prog+" was killed by signal "+sig {
			t.Errorf("SIG%s: got %v (%#v)", sig, err, xerr)
		}
	}
	// An exit status is not a signal.
	_, _, err := r.Run(context.Background(), "/bin/false", nil)
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) || xerr.Code != 1 || xerr.Signal != "" || err.Error() != "/bin/false exited with status 1" {
		t.Errorf("/bin/false: got %v", err)
	}
}
