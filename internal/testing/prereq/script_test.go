// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package prereq

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runPrereqs runs scripts/test-prereqs.sh with env added and PATH set to path.
func runPrereqs(t *testing.T, path string, env ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "scripts", "test-prereqs.sh"))
	if err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, script)
	cmd.Env = append([]string{"PATH=" + path, "HOME=" + t.TempDir(), SkipEnv + "="}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stubs makes a directory of executables named names (each exits 0), to stand for the
// tools the script looks for, plus the real programs the script itself needs.
func stubs(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range append([]string{"mkdir", "chmod"}, names...) {
		target := "#!/bin/sh\nexit 0\n"
		if found, err := exec.LookPath(n); err == nil && (n == "mkdir" || n == "chmod") {
			target = "#!/bin/sh\nexec " + found + " \"$@\"\n"
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(target), 0o755); err != nil { //nolint:gosec // test executables
			t.Fatal(err)
		}
	}
	return dir
}

// On a machine without sshd where nothing may be installed, make test stops before any
// test runs, with one line that gives the exact command.
func TestPrereqScriptStopsWithTheCommandToRun(t *testing.T) {
	path := stubs(t, "pgrep", "useradd", "node", "npm")
	out, err := runPrereqs(t, path, "AKSHYBRID_SSHD_PATH=/nonexistent/sshd", "AKSHYBRID_PREREQ_NO_INSTALL=1")
	if err == nil {
		t.Fatalf("no sshd: the script passed:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "apt-get install -y openssh-server") || !strings.Contains(lines[0], "sshd") {
		t.Errorf("output %q, want one line naming sshd and the command", out)
	}
	// Named in AKSHYBRID_TEST_SKIP, it is not needed.
	if out, err := runPrereqs(t, path, "AKSHYBRID_SSHD_PATH=/nonexistent/sshd", "AKSHYBRID_PREREQ_NO_INSTALL=1", SkipEnv+"=sshd"); err != nil {
		t.Errorf("sshd skipped knowingly: %v\n%s", err, out)
	}
	// Every missing piece is named, with its package, in the same line.
	out, err = runPrereqs(t, stubs(t), "AKSHYBRID_SSHD_PATH=/nonexistent/sshd", "AKSHYBRID_PREREQ_NO_INSTALL=1")
	if err == nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("nothing installed: %v\n%s", err, out)
	}
	for _, want := range []string{"openssh-server", "procps", "passwd", "nodejs", "npm"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %s", out, want)
		}
	}
}

// As root with apt-get, the script installs what is missing (here a stub apt-get that
// records its arguments and provides the sshd).
func TestPrereqScriptInstallsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installs only as root")
	}
	path := stubs(t, "pgrep", "useradd", "node", "npm")
	sshd := filepath.Join(t.TempDir(), "sshd")
	record := filepath.Join(t.TempDir(), "apt.log")
	apt := "#!/bin/sh\necho \"$@\" >>" + record + "\nif [ \"$1\" = install ]; then printf '#!/bin/sh\\n' >" + sshd + "; chmod 755 " + sshd + "; fi\n"
	if err := os.WriteFile(filepath.Join(path, "apt-get"), []byte(apt), 0o755); err != nil { //nolint:gosec // test executable
		t.Fatal(err)
	}
	out, err := runPrereqs(t, path, "AKSHYBRID_SSHD_PATH="+sshd)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, _ := os.ReadFile(record)
	if !strings.Contains(string(got), "update") || !strings.Contains(string(got), "install -y -qq --no-install-recommends openssh-server") {
		t.Errorf("apt-get calls %q", got)
	}
	if _, err := os.Stat(sshd); err != nil {
		t.Errorf("sshd not provided: %v", err)
	}
}
