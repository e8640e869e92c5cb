// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// exampleConfig concatenates the .tf files of one directory under examples/, unchanged.
func exampleConfig(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples/%s: no .tf files (%v)", dir, err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // a file of this repository
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String()
}

// runStdout runs terraform and returns its standard output alone (for -json) and whether it exited with status 0.
func (w *cliWorkspace) runStdout(extraEnv []string, args ...string) (string, bool) {
	w.t.Helper()
	cmd := exec.Command(w.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), err == nil
}

// requireCheck asserts the status of a check block in a plan, and that its failure
// message (when it fails) mentions every string in mentions.
func requireCheck(t *testing.T, plan *tfjson.Plan, address string, status tfjson.CheckStatus, mentions ...string) {
	t.Helper()
	var seen []string
	for _, c := range plan.Checks {
		seen = append(seen, c.Address.ToDisplay+"="+string(c.Status))
		if c.Address.ToDisplay != address {
			continue
		}
		if c.Status != status {
			t.Errorf("%s: status %s, want %s", address, c.Status, status)
			return
		}
		var messages []string
		for _, inst := range c.Instances {
			for _, p := range inst.Problems {
				messages = append(messages, p.Message)
			}
		}
		text := strings.Join(messages, "\n")
		for _, m := range mentions {
			if !strings.Contains(text, m) {
				t.Errorf("%s: failure message %q does not mention %q", address, text, m)
			}
		}
		return
	}
	t.Errorf("no %s in the plan; checks: %s", address, strings.Join(seen, ", "))
}

// The setup the scheduled-renewal guide recommends, with its two configurations taken
// unchanged from examples/ and run by the real CLI in two working directories (two
// workspaces): a renewal of workload cluster "prod" fails (its VMs are off, so
// Update-AksHciClusterCertificates cannot reach them), and the separate alarm
// configuration, which does not depend on the renewal resources, still reports the
// credential that is about to expire. The failed apply is the other alarm: it is what a
// run-failure notification reports.
//
// The CLI harness rather than terraform-plugin-testing: the examples use for_each, which
// the testing framework's state shim rejects ("for_each is not supported").
func TestAccScheduledRenewal_failedRenewalStillRaisesTheAlarm(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "emulator.db")
	renewal := newCLIWorkspace(t, exampleConfig(t, "scheduled-renewal"))
	alarm := newCLIWorkspace(t, exampleConfig(t, "expiry-alarm"))
	host := []string{"AKSHYBRID_EMULATOR_STATE_PATH=" + state, "AKSHYBRID_EMULATOR_WORKLOAD_CLUSTERS=prod"}
	day0 := append([]string{"AKSHYBRID_EMULATOR_TIME_OFFSET=0h"}, host...)
	// Day 70: 20 days are left, inside both the 30-day renewal window (renew_before) and
	// the 21-day alarm window (alert_before).
	const day70 = 70 * 24 * time.Hour
	day70Env := append([]string{"AKSHYBRID_EMULATOR_TIME_OFFSET=" + day70.String()}, host...)

	// Day 0: the renewal configuration's first run, and what it says about prod.
	renewal.run(day0, "apply", "-auto-approve", "-input=false")
	var outputs struct {
		ClusterExpiresAt struct {
			Value map[string]struct {
				ExpiresAt string `json:"expires_at"`
			} `json:"value"`
		} `json:"cluster_expires_at"`
	}
	if err := json.Unmarshal([]byte(renewal.run(day0, "output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	prodExpiry := outputs.ClusterExpiresAt.Value["prod"].ExpiresAt
	if prodExpiry == "" {
		t.Fatalf("no expiry for prod in the outputs: %+v", outputs)
	}

	// Day 70: prod's VMs are off, and the scheduled run fails.
	emu, err := emulator.New(emulator.Config{StatePath: state, Clock: akshci.RealClock{}, TimeOffset: day70})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.PowerOff(context.Background(), "prod"); err != nil {
		t.Fatal(err)
	}
	out, ok := renewal.runStdout(day70Env, "apply", "-auto-approve", "-input=false", "-json")
	if ok {
		t.Fatalf("the renewal of a powered-off cluster succeeded:\n%s", out)
	}
	t.Logf("failed apply printed %d bytes", len(out))
	var failed bool
	for _, d := range diagnostics(t, out) {
		if d.Severity == "error" && strings.Contains(d.Detail+d.Summary, `workload cluster "prod" is powered off`) {
			failed = true
		}
	}
	if !failed {
		t.Fatalf("the failed apply does not report the powered-off cluster:\n%s", out)
	}

	// The same day, the alarm configuration, which shares nothing with the failed run but
	// the host.
	alarm.run(day70Env, "plan", "-input=false", "-out=alarm.tfplan")
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(alarm.run(day70Env, "show", "-json", "alarm.tfplan")), &plan); err != nil {
		t.Fatal(err)
	}
	requireCheck(t, &plan, "check.cluster_credentials", tfjson.CheckStatusFail, "prod: ", "expires at "+prodExpiry)
	// The failed run renewed the management cluster first; its alarm stays quiet.
	requireCheck(t, &plan, "check.management_credentials", tfjson.CheckStatusPass)
	requireCheck(t, &plan, "check.cloud_agent_ca", tfjson.CheckStatusPass)
	requireCheck(t, &plan, "check.expiry_reported", tfjson.CheckStatusPass)
}
