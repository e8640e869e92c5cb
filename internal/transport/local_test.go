// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
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

// A local program that prints without end, on either stream, is stopped at the output
// limit: the run fails with the limit's error instead of reading on until its timeout,
// and the process is gone when Run returns. The deadline only bounds the test.
func TestLocalEndlessOutputIsStoppedAtTheLimit(t *testing.T) {
	r := transport.NewLocal()
	for _, stream := range []string{"standard output", "standard error"} {
		t.Run(stream, func(t *testing.T) {
			marker := markerFor(t, "/usr/bin/yes")
			t.Cleanup(func() { killAll(t, marker) })
			program := marker
			if stream == "standard error" {
				program = writeScript(t, "yes on stderr", "exec "+marker+" >&2")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, errOut, err := r.Run(ctx, program, nil)
			checkOutputLimit(t, err, program, stream)
			if out != nil || errOut != nil {
				t.Errorf("a run past the limit returned %d and %d bytes of output", len(out), len(errOut))
			}
			if pids := mustProcesses(t, marker); len(pids) != 0 {
				t.Errorf("the program still runs after Run returned: pids %v", pids)
			}
		})
	}
}

// A program that exits while a process it started in the background still holds its
// output is judged by its own exit status, not by the pipe: exit 0 is success with what
// it printed (and a notice), exit 3 an ExitError. The background process is still
// running when the run returns.
func TestLocalChildHoldingTheOutputDoesNotFailTheRun(t *testing.T) {
	r := transport.NewLocal()
	for _, tc := range []struct {
		name string
		code int
	}{{"exit 0", 0}, {"exit 3", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			child := sleepMarker(t)
			t.Cleanup(func() { killAll(t, child) })
			prog := writeScript(t, "leaves a child", child+" 300 & echo done; exit "+strconv.Itoa(tc.code))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var notes []string
			out, _, err := r.Run(transport.WithNotice(ctx, func(msg string) { notes = append(notes, msg) }), prog, nil)
			if string(out) != "done\n" {
				t.Errorf("stdout %q, want what the program printed before it exited", out)
			}
			var xerr *transport.ExitError
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("a program that exited 0 failed: %v", err)
			case tc.code != 0 && (!errors.As(err, &xerr) || xerr.Code != tc.code):
				t.Fatalf("want exit status %d, got %v", tc.code, err)
			}
			if len(mustProcesses(t, child)) == 0 {
				t.Fatal("the background process has ended: the run waited for it")
			}
			if tc.code == 0 && (len(notes) != 1 || !strings.Contains(notes[0], "kept its output open")) {
				t.Errorf("notices %q, want one about the output left open", notes)
			}
		})
	}
}

// BenchmarkLocalEndlessOutput runs a program that prints without end until the output
// limit stops it; B/op is what one such run allocates (the limit is 64 MiB).
func BenchmarkLocalEndlessOutput(b *testing.B) {
	r := transport.NewLocal()
	b.ReportAllocs()
	for b.Loop() {
		_, _, err := r.Run(context.Background(), "/usr/bin/yes", nil)
		var lerr *transport.OutputLimitError
		if !errors.As(err, &lerr) {
			b.Fatalf("got %v", err)
		}
	}
}
