// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Over SSH, both actions run Update-AksHciCertificates and
// Update-AksHciClusterCertificates on the host, and the data source shows the renewal.
func TestAccActions_renewNowOverSSHShowsInTheDataSource(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	day0 := env.powershell("powershell.exe", 0)
	day61 := env.powershell("powershell-day61.exe", 61*day)
	body := renewActionsConfig("demo")
	key := []string{"AKSHYBRID_SSH_PRIVATE_KEY=" + env.srv.ClientKeyPEM}

	first := newCLIWorkspace(t, env.workspaceConfig(day0, body))
	requireActionsAndQuery(t, first)
	first.run(key, "apply", "-auto-approve", "-input=false") // creates the deployment on day 0

	w := newCLIWorkspace(t, env.workspaceConfig(day61, body))
	w.run(key, "apply", "-auto-approve", "-input=false")
	before := w.outputs(key)
	for _, name := range []string{"management", "workload"} {
		if _, ready := expiry(t, before, name); !ready {
			t.Fatalf("%s is not ready for renewal on day 61; the test would prove nothing", name)
		}
	}
	start := time.Now()
	mgmt := w.run(key, "apply", "-auto-approve", "-input=false", "-json", "-invoke=action.akshybrid_renew_management_certificates.now")
	cluster := w.run(key, "apply", "-auto-approve", "-input=false", "-json", "-invoke=action.akshybrid_renew_cluster_certificates.workload")
	end := time.Now()
	for name, stream := range map[string]string{"management": mgmt, "cluster": cluster} {
		if n := len(jsonMessages(t, stream, "action_complete")); n != 1 {
			t.Errorf("%s action: %d action_complete messages, want 1", name, n)
		}
	}

	// The stand-in ran exactly the documented cmdlets.
	logData, err := os.ReadFile(env.log)
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(logData)), "\n") {
		var entry struct {
			Op struct {
				Op      string `json:"op"`
				Cluster string `json:"cluster"`
			} `json:"op"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("stand-in log: %v", err)
		}
		ran[entry.Op.Op+" "+entry.Op.Cluster] = true
	}
	for _, want := range []string{"update-management ", "update-cluster demo"} {
		if !ran[want] {
			t.Errorf("the host never ran %q (ran %v)", want, ran)
		}
	}

	w.run(key, "apply", "-auto-approve", "-input=false")
	// A real host reports the certificates' expiry (the tokens it cannot read).
	requireRenewedOnDay61(t, w.outputs(key), start, end)
}

// Over SSH, the kubeconfig comes from Get-AksHciCredential on the host and nothing of
// it reaches the plan file, the state, or the trace log.
func TestAccEphemeralKubeconfig_overSSHAbsentFromPlanStateAndTraceLog(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	w := newCLIWorkspace(t, env.workspaceConfig(env.powershell("powershell.exe", 0), `
ephemeral "akshybrid_cluster_kubeconfig" "demo" {
  cluster_name = "demo"
}

resource "terraform_data" "uses_kubeconfig" {
  input = "demo"

  lifecycle {
    precondition {
      condition = (
        can(regex("^-----BEGIN [A-Z]+ KEY-----", ephemeral.akshybrid_cluster_kubeconfig.demo.client_key)) &&
        can(regex("^-----BEGIN [A-Z]+-----", ephemeral.akshybrid_cluster_kubeconfig.demo.client_certificate)) &&
        endswith(ephemeral.akshybrid_cluster_kubeconfig.demo.host, ":6443")
      )
      error_message = "The ephemeral kubeconfig did not arrive."
    }
  }
}
`))
	requireEphemeral(t, w)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	vars := []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath, "AKSHYBRID_SSH_PRIVATE_KEY=" + env.srv.ClientKeyPEM}
	w.run(vars, "plan", "-input=false", "-out=kubeconfig.tfplan")
	planJSON := w.run(vars, "show", "-json", "kubeconfig.tfplan")
	w.run(vars, "apply", "-input=false", "kubeconfig.tfplan")

	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	standin, err := os.ReadFile(env.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(standin), `"op":"kubeconfig"`) {
		t.Fatal("the host never ran Get-AksHciCredential; the test would prove nothing")
	}
	stateData, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"state": string(stateData), "plan JSON": planJSON, "trace log": string(logData)}
	for name, data := range zipEntries(t, filepath.Join(w.dir, "kubeconfig.tfplan")) {
		texts["plan file "+name] = data
	}
	for name, text := range texts {
		// The base64 of "-----BEGIN" starts every *-data field of the kubeconfig.
		for _, secret := range []string{"PRIVATE KEY", "BEGIN CERTIFICATE", "LS0tLS1CRUdJTi", "akshybrid-emulator.invalid"} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s contains %q from the kubeconfig", name, secret)
			}
		}
	}
}

// Over SSH, Get-AksHciCluster lists the management cluster too (the stand-in names it
// akshci-management); terraform query lists only the workload cluster.
func TestAccQuery_overSSHNeverListsTheManagementCluster(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	w := newCLIWorkspace(t, env.workspaceConfig(env.powershell("powershell.exe", 0), ""))
	requireActionsAndQuery(t, w)
	writeFile(t, filepath.Join(w.dir, "clusters.tfquery.hcl"), `
list "akshybrid_cluster_certificates" "all" {
  provider = akshybrid
}
`, 0o644)
	key := []string{"AKSHYBRID_SSH_PRIVATE_KEY=" + env.srv.ClientKeyPEM}
	var listed []string
	for _, m := range jsonMessages(t, w.run(key, "query", "-json"), "list_resource_found") {
		lr, _ := m["list_resource_found"].(map[string]any)
		id, _ := lr["identity"].(map[string]any)
		if name, ok := id["cluster_name"].(string); ok {
			listed = append(listed, name)
		}
	}
	if strings.Join(listed, ",") != "demo" {
		t.Errorf("terraform query listed %q over SSH, want only the workload cluster demo", listed)
	}
}
