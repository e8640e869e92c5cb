// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package sshtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The stand-in for powershell.exe is built once per test binary, into a directory that
// every user can read, since some tests log in over SSH as an unprivileged user.
var standin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// StandInBinary builds internal/testing/pwshstandin once per test binary and returns
// its path. Call CleanupStandIn from TestMain to remove it.
func StandInBinary(t testing.TB) string {
	t.Helper()
	standin.once.Do(func() {
		dir, err := os.MkdirTemp("", "akshybrid-pwshstandin-") //nolint:usetesting // built once per test binary, run by other users
		if err != nil {
			standin.err = err
			return
		}
		standin.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil { //nolint:gosec // other users run the stand-in over SSH
			standin.err = err
			return
		}
		standin.path = filepath.Join(dir, "pwshstandin")
		goTool, err := exec.LookPath("go")
		if err != nil {
			standin.err = fmt.Errorf("build pwshstandin: %w", err)
			return
		}
		cmd := exec.Command(goTool, "build", "-o", standin.path, "github.com/akshybrid/terraform-provider-akshybrid/internal/testing/pwshstandin")
		if out, err := cmd.CombinedOutput(); err != nil {
			standin.err = fmt.Errorf("go build pwshstandin: %v\n%s", err, out)
		}
	})
	if standin.err != nil {
		t.Fatal(standin.err)
	}
	return standin.path
}

// CleanupStandIn removes the stand-in binary built by StandInBinary, if any.
func CleanupStandIn() {
	if standin.dir != "" {
		_ = os.RemoveAll(standin.dir)
	}
}

// StandInWrapper writes dir/name, the executable the powershell package runs: a shell
// script that execs the stand-in with flags (-state, -clusters, -time-offset, -delay,
// -log). Put dir under a name with spaces to mirror C:\Program Files.
func StandInWrapper(t testing.TB, dir, name string, flags ...string) string {
	t.Helper()
	bin := StandInBinary(t)
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // other users run the wrapper over SSH
		t.Fatal(err)
	}
	quoted := make([]string, len(flags))
	for i, f := range flags {
		quoted[i] = fmt.Sprintf("%q", f)
	}
	p := filepath.Join(dir, name)
	script := fmt.Sprintf("#!/bin/sh\nexec %q %s \"$@\"\n", bin, strings.Join(quoted, " "))
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil { //nolint:gosec // an executable script
		t.Fatal(err)
	}
	return p
}
