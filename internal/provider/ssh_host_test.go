// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/prereq"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
)

// These tests drive the provider through a real OpenSSH server. They prove the path from
// Terraform to the host and back: connection and host key handling, scripts sent on the
// command line and on standard input, the mapping of host failures to diagnostics, and
// what the provider does with the answers. On the server a stand-in for powershell.exe
// (internal/testing/pwshstandin) decodes each script, checks that its op comment matches
// the cmdlet lines it runs and that the inventory script makes every call the stand-in
// models, and answers from an emulated deployment. No PowerShell runs here, so nothing in
// these tests shows that the scripts work on Windows. About the scripts themselves,
// internal/powershell has: golden files that freeze their text (a change shows up for
// review, nothing more), a parse of every script with a PowerShell grammar
// (TestScriptsParseWithPowerShellGrammar) and fuzz tests of the quoting of cluster names.

// sshEnv is one test's real-host world: sshd, an emulator state behind the stand-in,
// and wrappers that start the stand-in with given settings.
type sshEnv struct {
	t     *testing.T
	srv   *sshtest.Server
	dir   string
	state string
	log   string
}

func newSSHEnv(t *testing.T) *sshEnv {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		prereq.Missing(t, "acceptance", "acceptance test without a Terraform CLI", "Run `make testacc`, or set TF_ACC=1 and TF_ACC_TERRAFORM_PATH")
	}
	dir := t.TempDir()
	return &sshEnv{t: t, srv: sshtest.Start(t), dir: dir, state: filepath.Join(dir, "deployment.db"), log: filepath.Join(dir, "standin.log")}
}

// powershell returns a stand-in executable whose emulated clock runs offset ahead.
func (e *sshEnv) powershell(name string, offset time.Duration, extra ...string) string {
	flags := append([]string{"-state", e.state, "-clusters", "demo", "-log", e.log, "-time-offset", offset.String()}, extra...)
	return sshtest.StandInWrapper(e.t, filepath.Join(e.dir, "Windows PowerShell"), name, flags...)
}

// config is a provider block for this server, plus body.
func (e *sshEnv) config(port int, hostKey, powershell, body string) string {
	return fmt.Sprintf(`provider "akshybrid" {
  ssh = {
    host        = %q
    port        = %d
    user        = %q
    private_key = <<-EOT
%s
    EOT
    host_key    = %q
    powershell  = %q
  }
}
%s`, e.srv.Host, port, e.srv.User, strings.TrimSpace(e.srv.ClientKeyPEM), hostKey, powershell, body)
}

// workspaceConfig is a complete workspace configuration (with required_providers) for
// this server, plus body; the private key comes from the environment, as in a pipeline.
func (e *sshEnv) workspaceConfig(powershell, body string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

provider "akshybrid" {
  ssh = {
    host       = %q
    port       = %d
    user       = %q
    host_key   = %q
    powershell = %q
  }
}
%s`, e.srv.Host, e.srv.Port, e.srv.User, e.srv.HostKeyLine, powershell, body)
}

// secretHuntTexts plans and applies the management resource over SSH with a trace log and
// returns every text a secret must never reach: the trace log, the state and the plan
// JSON. It fails when the trace lacks the provider's remote command framing, since then
// nothing logged in and a hunt would prove nothing.
func (e *sshEnv) secretHuntTexts(vars ...string) map[string]string {
	e.t.Helper()
	ws := newCLIWorkspace(e.t, e.workspaceConfig(e.powershell("powershell.exe", 0), `
resource "akshybrid_management_certificates" "this" {}
`))
	logPath := filepath.Join(e.t.TempDir(), "trace.log")
	vars = append([]string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}, vars...)
	ws.run(vars, "plan", "-input=false", "-out=first.tfplan")
	planJSON := ws.run(vars, "show", "-json", "first.tfplan")
	ws.run(vars, "apply", "-input=false", "first.tfplan")
	logData, err := os.ReadFile(logPath)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(logData), "remote command finished") {
		e.t.Fatal("the trace log lacks the provider's remote command framing: the credentials did not log in, the test would prove nothing")
	}
	stateData, err := os.ReadFile(filepath.Join(ws.dir, "terraform.tfstate"))
	if err != nil {
		e.t.Fatal(err)
	}
	return map[string]string{"trace log": string(logData), "state": string(stateData), "plan JSON": planJSON}
}

// configWithBastion is config for this server on day 0 with a bastion block (given
// whole, `bastion = { ... }`) inside the ssh block, plus body.
func (e *sshEnv) configWithBastion(bastion, body string) string {
	return strings.Replace(e.config(e.srv.Port, e.srv.HostKeyLine, e.powershell("powershell.exe", 0), body),
		"  ssh = {", "  ssh = {\n    "+bastion, 1)
}

const sshResources = `
resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true
  }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"

  lifecycle {
    create_before_destroy = true
  }
}
`

func TestAccSSHHost_renewalLifecycle(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	day0 := env.powershell("powershell.exe", 0)
	day61 := env.powershell("powershell-day61.exe", 61*day)
	renewedAt := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day0, sshResources),
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
				},
			},
			{
				Config: env.config(env.srv.Port, env.srv.HostKeyLine, day61, sshResources),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(demoAddr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					renewedAt.AddStateValue(demoAddr, tfjsonpath.New("renewed_at")),
					statecheck.ExpectKnownValue(demoAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				},
			},
			{
				ResourceName:            demoAddr,
				ImportState:             true,
				ImportStateId:           "demo",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"renewed_at"},
			},
		},
	})
	log, err := os.ReadFile(env.log)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{`"op":"inventory"`, `"op":"update-management"`, `"op":"update-cluster"`} {
		if !strings.Contains(string(log), op) {
			t.Errorf("the host never ran %s", op)
		}
	}
}

// A connection lost in the middle of a renewal fails the apply and leaves the
// Terraform state as it was (with create_before_destroy, the old object stays).
func TestAccSSHHost_droppedConnectionKeepsState(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	proxy := sshtest.StartProxy(t, env.srv.Addr)
	day0 := env.powershell("powershell.exe", 0)
	slowDay61 := env.powershell("powershell-slow.exe", 61*day, "-delay", "5s")
	const mgmtOnly = `
resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true
  }
}
`
	var renewedAt string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(proxy.Port, env.srv.HostKeyLine, day0, mgmtOnly),
				Check: func(s *terraform.State) error {
					renewedAt = s.RootModule().Resources[mgmtAddr].Primary.Attributes["renewed_at"]
					return nil
				},
			},
			{
				PreConfig: func() {
					// Drop the connection once the host has started an update of this step.
					seen, _ := os.ReadFile(env.log)
					go func() {
						deadline := time.Now().Add(60 * time.Second)
						for time.Now().Before(deadline) {
							if b, _ := os.ReadFile(env.log); len(b) > len(seen) && strings.Contains(string(b[len(seen):]), `"op":"update-`) {
								proxy.DropAll()
								return
							}
							time.Sleep(20 * time.Millisecond)
						}
					}()
				},
				Config:      env.config(proxy.Port, env.srv.HostKeyLine, slowDay61, mgmtOnly),
				ExpectError: errorLike("Renewal outcome unknown ... the connection to the host broke ... may or may not have completed"),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: func(s *terraform.State) error {
					return checkStateValue(mgmtAddr, "renewed_at", renewedAt)(s)
				},
			},
		},
	})
}

func TestAccSSHHost_changedHostKeyIsRefused(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	otherKey, _ := sshtest.NewKeyPair(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(env.srv.Port, otherKey, env.powershell("powershell.exe", 0), `data "akshybrid_clusters" "all" {}`),
			ExpectError: errorLike("host key"),
		}},
	})
	if _, err := os.Stat(env.log); !os.IsNotExist(err) {
		t.Fatalf("a command ran on a host whose key did not match: %v", err)
	}
}

func TestAccSSHHost_wrongCredentialsFailClearly(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	_, strangerKey := sshtest.NewKeyPair(t)
	cfg := strings.Replace(env.config(env.srv.Port, env.srv.HostKeyLine, env.powershell("powershell.exe", 0), `data "akshybrid_clusters" "all" {}`),
		strings.TrimSpace(env.srv.ClientKeyPEM), strings.TrimSpace(strangerKey), 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: errorLike(fmt.Sprintf("%s@%s:%d", env.srv.User, env.srv.Host, env.srv.Port)),
		}},
	})
}

// The SSH private key, given as AKSHYBRID_SSH_PRIVATE_KEY as a pipeline would, never
// reaches the trace log, the state or the plan.
func TestAccSSHHost_privateKeyNeverInStatePlanOrTraceLog(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	texts := env.secretHuntTexts("AKSHYBRID_SSH_PRIVATE_KEY=" + env.srv.ClientKeyPEM)
	for name, text := range texts {
		for _, line := range strings.Split(env.srv.ClientKeyPEM, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
				t.Errorf("a line of the SSH private key appears in the %s", name)
			}
		}
	}
}

// The cloud agent CA walk over SSH: the same steps as on the emulator (day 0, renewals,
// the CA expired, rotation with allow_downtime and the follow-ups in one apply, an empty
// plan), with the stand-in running Invoke-AksHciRotateCACertificate and the update
// cmdlets against its emulated deployment.
func TestAccSSHHost_cloudAgentCAWalk(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	wrappers := map[int]string{}
	config := func(d int, body string) string {
		ps, ok := wrappers[d]
		if !ok {
			ps = env.powershell(fmt.Sprintf("powershell-day%d.exe", d), time.Duration(d)*day)
			wrappers[d] = ps
		}
		return env.config(env.srv.Port, env.srv.HostKeyLine, ps, body)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps:                    caWalkSteps(config, func(int) func() { return nil }, false),
	})
	log, err := os.ReadFile(env.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `"op":"rotate-ca"`) {
		t.Error("the host never ran the rotation")
	}
}
