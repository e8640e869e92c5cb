// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/prereq"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
)

// Some behaviour is only visible in the Terraform CLI's own output (check block
// warnings, logs, the state file), which terraform-plugin-testing does not expose. For
// those tests the test binary doubles as the provider plugin: Terraform starts it through
// a dev_overrides CLI configuration, and TestMain serves the provider instead of running
// tests. The provider then reads the machine's clock; the emulator's time_offset moves it.

const serveEnv = "AKSHYBRID_TEST_SERVE_PROVIDER"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		err := providerserver.Serve(context.Background(), New("test"), providerserver.ServeOpts{
			Address:         "registry.terraform.io/akshybrid/akshybrid",
			ProtocolVersion: 6,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	missing := enableAcceptanceTests()
	code := m.Run()
	sshtest.CleanupStandIn()
	if missing != "" && code == 0 {
		// Every acceptance test skipped itself: say so with a failure rather than a quiet "ok".
		fmt.Fprintln(os.Stderr, missing)
		code = 1
	}
	os.Exit(code)
}

// enableAcceptanceTests turns the acceptance tests on whenever a Terraform CLI can be found, so that a plain
// `go test ./...` runs them instead of skipping them silently. It returns why they cannot run (no CLI, and
// nobody said to skip them), or "" when they run or were skipped knowingly.
func enableAcceptanceTests() string {
	if os.Getenv("TF_ACC") != "" {
		return ""
	}
	if prereq.Skipped("acceptance") {
		fmt.Fprintf(os.Stderr, "%s: the provider's acceptance tests are skipped knowingly\n", prereq.SkipEnv)
		return ""
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			return "The provider's acceptance tests need a Terraform CLI and none is on PATH: run `make testacc`, which " +
				"builds one, or set TF_ACC_TERRAFORM_PATH. To skip them knowingly, set " + prereq.SkipEnv + "=acceptance."
		}
	}
	setenv := func(k, v string) {
		if err := os.Setenv(k, v); err != nil {
			panic(err)
		}
	}
	setenv("TF_ACC", "1")
	setenv("TF_ACC_TERRAFORM_PATH", tf)
	setenv("CHECKPOINT_DISABLE", "1")
	// A CLI configuration that names a missing file makes some CLIs print a warning on stdout.
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg != "" {
		if _, err := os.Stat(cfg); err != nil { //nolint:gosec // G703: the test's own environment names the file; it is only checked for existence
			setenv("TF_CLI_CONFIG_FILE", os.DevNull)
		}
	}
	return ""
}

// cliWorkspace is a directory with a configuration, run by the real Terraform CLI
// against this test binary as the provider.
type cliWorkspace struct {
	t         *testing.T
	dir       string
	terraform string
	env       []string
}

func newCLIWorkspace(t *testing.T, config string) *cliWorkspace {
	t.Helper()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || tf == "" {
		prereq.Missing(t, "acceptance", "acceptance test without a Terraform CLI", "Run `make testacc`, or set TF_ACC=1 and TF_ACC_TERRAFORM_PATH")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	pluginDir := filepath.Join(root, "plugins")
	workDir := filepath.Join(root, "work")
	for _, d := range []string{pluginDir, workDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", serveEnv, self)
	writeFile(t, filepath.Join(pluginDir, "terraform-provider-akshybrid"), wrapper, 0o755)
	// OpenTofu resolves "akshybrid/akshybrid" on its own registry host.
	registry := os.Getenv("TF_ACC_PROVIDER_HOST")
	if registry == "" {
		registry = "registry.terraform.io"
	}
	cliConfig := filepath.Join(root, "cli.tfrc")
	writeFile(t, cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "%s/akshybrid/akshybrid" = %q
  }
  direct {}
}
`, registry, pluginDir), 0o644)
	writeFile(t, filepath.Join(workDir, "main.tf"), config, 0o644)

	env := []string{"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AKSHYBRID_") {
			continue
		}
		env = append(env, kv)
	}
	return &cliWorkspace{t: t, dir: workDir, terraform: tf, env: env}
}

// newEmulatorWorkspace is a CLI workspace whose provider runs an emulator in a fresh
// state file, with the emulated clock's offset taken from var.time_offset. It returns
// the state file's path too.
func newEmulatorWorkspace(t *testing.T, clusters []string, body string) (*cliWorkspace, string) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "emulator.db")
	quotedClusters := make([]string, len(clusters))
	for i, c := range clusters {
		quotedClusters[i] = fmt.Sprintf("%q", c)
	}
	return newCLIWorkspace(t, fmt.Sprintf(`
terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

variable "time_offset" {
  type = string
}

provider "akshybrid" {
  emulator = {
    state_path        = %q
    workload_clusters = [%s]
    time_offset       = var.time_offset
  }
}
%s`, filepath.ToSlash(state), strings.Join(quotedClusters, ", "), body)), state
}

// run runs terraform with args and returns stdout; a failure fails the test.
func (w *cliWorkspace) run(extraEnv []string, args ...string) string {
	w.t.Helper()
	cmd := exec.Command(w.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// diagnostic is one diagnostic message of terraform's -json output.
type diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
}

// diagnostics extracts the diagnostics from a stream of terraform -json messages.
func diagnostics(t *testing.T, jsonLines string) []diagnostic {
	t.Helper()
	var out []diagnostic
	sc := bufio.NewScanner(strings.NewReader(jsonLines))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var msg struct {
			Type       string      `json:"type"`
			Diagnostic *diagnostic `json:"diagnostic"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Fatalf("terraform -json printed a line that is not JSON: %q", sc.Text())
		}
		if msg.Type == "diagnostic" && msg.Diagnostic != nil {
			out = append(out, *msg.Diagnostic)
		}
	}
	return out
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil { //nolint:gosec // a path in the test's own temp dir
		t.Fatal(err)
	}
}
