// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// No token or private key of the deployment may reach the Terraform state, the plan or
// the logs, even at TF_LOG=trace.
func TestAccSecrets_neverInStatePlanOrTraceLog(t *testing.T) {
	t.Parallel()
	ws, state := newEmulatorWorkspace(t, []string{"demo"}, `
resource "akshybrid_management_certificates" "this" {}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name            = "demo"
  fix_kubelet_credentials = true
  patch_load_balancer     = true
}

data "akshybrid_certificates" "demo" {
  cluster_name = "demo"
  depends_on   = [akshybrid_cluster_certificates.demo]
}
`)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	trace := []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}

	ws.run(trace, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	before := deploymentSecrets(t, state, 0)
	// 61 days later the renewal runs: new tokens and keys are minted during this apply.
	ws.run(trace, "plan", "-input=false", "-var", "time_offset=1464h", "-out=renew.tfplan")
	planJSON := ws.run(trace, "show", "-json", "renew.tfplan")
	ws.run(trace, "apply", "-input=false", "renew.tfplan")
	after := deploymentSecrets(t, state, 61*day)

	// Hunt both generations: the secrets the first apply read and the ones the renewal minted. The renewal must
	// have minted some, or the second half of the hunt proves nothing.
	minted := 0
	for s := range after {
		if !before[s] {
			minted++
		}
	}
	if minted == 0 {
		t.Fatal("the renewal minted no new secret; the test would not cover secrets created during apply")
	}
	secrets := make([]string, 0, len(before)+len(after))
	for s := range before {
		secrets = append(secrets, s)
	}
	for s := range after {
		if !before[s] {
			secrets = append(secrets, s)
		}
	}
	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logData), "renewal finished") {
		t.Fatal("the trace log does not contain the provider's own log lines; the test would prove nothing")
	}
	stateData, err := os.ReadFile(filepath.Join(ws.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"trace log": string(logData), "state": string(stateData), "plan JSON": planJSON} {
		for _, secret := range secrets {
			for _, line := range strings.Split(strings.TrimSpace(secret), "\n") {
				// Each base64 line of a PEM key, or a whole token, must be absent.
				if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
					t.Errorf("a secret of the deployment appears in the %s: %.12s...", name, line)
				}
			}
		}
	}
}

// deploymentSecrets lists every token and private key of the emulated deployment at the given time offset.
func deploymentSecrets(t *testing.T, state string, offset time.Duration) map[string]bool {
	t.Helper()
	emu, err := emulator.New(emulator.Config{StatePath: state, Clock: akshci.RealClock{}, TimeOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	list, err := emu.Secrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("the emulator reported no secrets to look for")
	}
	out := make(map[string]bool, len(list))
	for _, s := range list {
		out[s] = true
	}
	return out
}
