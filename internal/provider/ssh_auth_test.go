// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
)

// An administrator's setup, end to end through the provider and two real OpenSSH
// servers: the node is reached through a jump host whose key sits in ssh-agent, and the
// node's own key is protected by a passphrase. Not parallel: SSH_AUTH_SOCK is process-wide.
func TestAccSSHHost_bastionWithAgentAndPassphraseProtectedKey(t *testing.T) {
	env := newSSHEnv(t)
	bastion := sshtest.Start(t)
	bpub, bkey := sshtest.NewKeyPair(t)
	bastion.AuthorizeKey(t, bpub)
	ag := sshtest.StartAgent(t, bkey)
	t.Setenv("SSH_AUTH_SOCK", ag.Socket)
	tpub, tkey := sshtest.NewEncryptedKeyPair(t, "node passphrase")
	env.srv.AuthorizeKey(t, tpub)
	// The passphrase comes from the environment, as a pipeline would pass it.
	t.Setenv(envSSHPrivateKeyPassphrase, "node passphrase")

	cfg := fmt.Sprintf(`provider "akshybrid" {
  ssh = {
    host        = %q
    port        = %d
    user        = %q
    private_key = <<-EOT
%s
    EOT
    host_key    = %q
    powershell  = %q

    bastion = {
      host     = %q
      port     = %d
      user     = %q
      agent    = true
      host_key = %q
    }
  }
}

resource "akshybrid_management_certificates" "this" {}
`, env.srv.Host, env.srv.Port, env.srv.User, strings.TrimSpace(tkey), env.srv.HostKeyLine, env.powershell("powershell.exe", 0),
		bastion.Host, bastion.Port, bastion.User, bastion.HostKeyLine)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
			},
		}},
	})
	if !strings.Contains(bastion.Log(), "Accepted publickey for "+bastion.User) {
		t.Errorf("the bastion saw no key login:\n%s", bastion.Log())
	}
}

// The jump host's key is checked on its own: the node's key does not vouch for it.
func TestAccSSHHost_bastionHostKeyMismatchIsRefused(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	bastion := sshtest.Start(t)
	// The bastion is given the node's host key: a mismatch for the bastion.
	cfg := env.configWithBastion(fmt.Sprintf(`bastion = {
      host        = %q
      port        = %d
      user        = %q
      private_key = <<-EOT
%s
      EOT
      host_key    = %q
    }`, bastion.Host, bastion.Port, bastion.User, strings.TrimSpace(bastion.ClientKeyPEM), env.srv.HostKeyLine),
		`data "akshybrid_clusters" "all" {}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: errorLike("bastion: ssh: host key mismatch for " + bastion.Addr),
		}},
	})
}

// A bastion without a user is refused before anything connects, naming the attribute.
// Since the merge with issue 10's validation this happens at terraform validate (the
// provider's ValidateConfig), before Configure; the transport still refuses it too
// (TestSSHBastionSettingErrorsArePrefixed in internal/transport).
func TestAccSSHHost_incompleteBastionNamesTheAttribute(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	cfg := env.configWithBastion(`bastion = {
      host     = "jump.contoso.com"
      agent    = true
      host_key = "`+env.srv.HostKeyLine+`"
    }`, `data "akshybrid_clusters" "all" {}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: newAccEnv(t).factories(),
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: errorLike("Missing SSH bastion user ... ssh.bastion.user (or AKSHYBRID_SSH_BASTION_USER) must be set"),
		}},
	})
}

// The passphrase of the SSH private key, given as AKSHYBRID_SSH_PRIVATE_KEY_PASSPHRASE as
// a pipeline would, never reaches the trace log, the state or the plan.
func TestAccSSHHost_passphraseNeverInStatePlanOrTraceLog(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	const passphrase = "k9-Unlikely-Passphrase-7c1"
	pub, key := sshtest.NewEncryptedKeyPair(t, passphrase)
	env.srv.AuthorizeKey(t, pub)
	texts := env.secretHuntTexts("AKSHYBRID_SSH_PRIVATE_KEY="+key, envSSHPrivateKeyPassphrase+"="+passphrase)
	for name, text := range texts {
		if strings.Contains(text, passphrase) {
			t.Errorf("the passphrase appears in the %s", name)
		}
	}
}

// TestAccValidation_bastionFollowsTheSSHRules: terraform validate applies issue 10's
// rules to the bastion block as to the ssh block, all at once and at their attributes:
// port range, control characters, conflicting settings, missing host, user and
// credentials, and the environment values the attribute validators cannot see. ssh-agent
// counts as credentials for both.
func TestAccValidation_bastionFollowsTheSSHRules(t *testing.T) {
	t.Parallel()
	header := `
terraform {
  required_providers {
    akshybrid = { source = "akshybrid/akshybrid" }
  }
}
`
	all := validateErrors(t, nil, header+`
provider "akshybrid" {
  ssh = {
    host     = "node1"
    user     = "admin"
    agent    = true
    host_key = "ssh-ed25519 AAAA"
    bastion = {
      host             = "jump\n1"
      user             = "ops\troot"
      port             = 70000
      password         = "x"
      private_key      = "y"
      host_key         = "ssh-ed25519 AAAA"
      known_hosts_path = "/k"
    }
  }
}
data "akshybrid_clusters" "all" {}
`)
	for _, want := range []string{
		"ssh.bastion.port value must be between 1 and 65535, got: 70000",
		"ssh.bastion.host ... must not contain line breaks, tabs or other control characters",
		"ssh.bastion.user ... must not contain line breaks, tabs or other control characters",
		`"ssh.bastion.private_key" cannot be specified when "ssh.bastion.password" is specified`,
		`"ssh.bastion.known_hosts_path" cannot be specified when "ssh.bastion.host_key" is specified`,
	} {
		if !errorLike(want).MatchString(all) {
			t.Errorf("terraform validate did not report %q; it reported:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Missing SSH credentials") {
		t.Errorf("agent = true is credentials enough for the node, but validate said:\n%s", all)
	}

	all = validateErrors(t, []string{
		"AKSHYBRID_SSH_BASTION_PORT=0", "AKSHYBRID_SSH_BASTION_USER=ops\nroot", "AKSHYBRID_SSH_BASTION_AGENT=false",
	}, header+`
provider "akshybrid" {
  ssh = {
    host     = "node1"
    user     = "admin"
    password = "x"
    host_key = "ssh-ed25519 AAAA"
    bastion = {
      insecure_ignore_host_key = true
      host_key                 = "ssh-ed25519 AAAA"
    }
  }
}
data "akshybrid_clusters" "all" {}
`)
	for _, want := range []string{
		"Missing SSH bastion host: ssh.bastion.host (or AKSHYBRID_SSH_BASTION_HOST) must name the jump host",
		"Missing SSH bastion credentials: Set ssh.bastion.private_key (or AKSHYBRID_SSH_BASTION_PRIVATE_KEY) or " +
			"ssh.bastion.password (or AKSHYBRID_SSH_BASTION_PASSWORD), not both, or ssh.bastion.agent = true",
		"ssh.bastion.insecure_ignore_host_key = true skips the jump host's key verification",
		`AKSHYBRID_SSH_BASTION_PORT must be a TCP port from 1 to 65535, such as 22; got "0"`,
		"AKSHYBRID_SSH_BASTION_USER must not contain line breaks",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("terraform validate did not report %q; it reported:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Missing SSH bastion user") {
		t.Errorf("AKSHYBRID_SSH_BASTION_USER counts as the bastion's user, but validate said:\n%s", all)
	}
}

// withAgent is a workspace configuration for env's server whose ssh block has agent = true;
// the private key, when there is one, comes from the environment.
func (e *sshEnv) withAgent(body string) string {
	return strings.Replace(e.workspaceConfig(e.powershell("powershell.exe", 0), body), "  ssh = {", "  ssh = {\n    agent = true", 1)
}

// bastionEnv selects bastion as the jump host through the environment, with its own key
// unless key is "" (then the agent is its only credential) and agent = true.
func bastionEnv(bastion *sshtest.Server, key string) []string {
	return []string{
		envBastionHost + "=" + bastion.Host, envBastionPort + "=" + strconv.Itoa(bastion.Port), envBastionUser + "=" + bastion.User,
		envBastionHostKey + "=" + bastion.HostKeyLine, envBastionPrivateKey + "=" + key, envBastionAgent + "=true",
	}
}

// planDiagnostics plans ws with env and returns its diagnostics; failed says the plan
// failed.
func planDiagnostics(t *testing.T, ws *cliWorkspace, env []string) (diags []diagnostic, failed bool) {
	t.Helper()
	cmd := exec.Command(ws.terraform, "plan", "-json", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = ws.dir, append(append([]string(nil), ws.env...), env...)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return diagnostics(t, string(out)), err != nil
}

// An ssh-agent that cannot be used does not break a working private key, for the node
// and for the jump host: without SSH_AUTH_SOCK, or with a socket nobody listens on, the
// key logs in alone and the plan warns, naming the attribute and why the agent was left
// out.
func TestAccSSHHost_agentWithoutSocketLeavesThePrivateKeyWorking(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	bastion := sshtest.Start(t)
	bpub, bkey := sshtest.NewKeyPair(t)
	bastion.AuthorizeKey(t, bpub)
	missing := filepath.Join(t.TempDir(), "agent.sock")
	ws := newCLIWorkspace(t, env.withAgent(`data "akshybrid_clusters" "all" {}`))
	key := envSSHPrivateKey + "=" + env.srv.ClientKeyPEM
	for _, tc := range []struct {
		name   string
		env    []string
		server *sshtest.Server
		want   string
	}{
		{"ssh.agent without SSH_AUTH_SOCK", []string{key, "SSH_AUTH_SOCK="}, env.srv,
			"ssh.agent is true, but SSH_AUTH_SOCK is not set, so the keys of ssh-agent are not offered to " + env.srv.Addr +
				" and ssh.private_key authenticates alone"},
		{"ssh.agent with no agent at SSH_AUTH_SOCK", []string{key, "SSH_AUTH_SOCK=" + missing}, env.srv,
			"ssh.agent is true, but its socket SSH_AUTH_SOCK=" + missing + " cannot be reached (dial unix " + missing +
				": connect: no such file or directory), so the keys of ssh-agent are not offered to " + env.srv.Addr + " and ssh.private_key authenticates alone"},
		{"ssh.bastion.agent with no agent at SSH_AUTH_SOCK", append([]string{key, "SSH_AUTH_SOCK=" + missing}, bastionEnv(bastion, bkey)...), bastion,
			"ssh.bastion.agent is true, but its socket SSH_AUTH_SOCK=" + missing + " cannot be reached (dial unix " + missing +
				": connect: no such file or directory), so the keys of ssh-agent are not offered to " + bastion.Addr + " and ssh.bastion.private_key authenticates alone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logins := strings.Count(tc.server.Log(), "Accepted publickey for "+tc.server.User)
			diags, failed := planDiagnostics(t, ws, tc.env)
			if failed {
				t.Fatalf("the plan failed: %+v", diags)
			}
			var warned int
			for _, d := range diags {
				if d.Severity == "warning" && strings.Contains(strings.Join(strings.Fields(d.Detail), " "), tc.want) {
					warned++
				}
			}
			if warned != 1 {
				t.Errorf("%d warnings saying %q; the diagnostics: %+v", warned, tc.want, diags)
			}
			if strings.Count(tc.server.Log(), "Accepted publickey for "+tc.server.User) <= logins {
				t.Errorf("the key did not log in:\n%s", tc.server.Log())
			}
		})
	}
}

// When ssh-agent is the only credential and cannot be used, the error says so and names
// SSH_AUTH_SOCK (at configure when it is not set, at the first connection when nothing
// answers at its socket), for the node and for the jump host, and never blames PowerShell.
func TestAccSSHHost_agentAloneWithoutSocketNamesTheSocket(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	bastion := sshtest.Start(t)
	missing := filepath.Join(t.TempDir(), "agent.sock")
	ws := newCLIWorkspace(t, env.withAgent(`data "akshybrid_clusters" "all" {}`))
	nodeKey := envSSHPrivateKey + "=" + env.srv.ClientKeyPEM
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"ssh.agent without SSH_AUTH_SOCK", []string{"SSH_AUTH_SOCK="},
			"ssh agent: is true but SSH_AUTH_SOCK is not set: start ssh-agent"},
		{"ssh.agent with no agent at SSH_AUTH_SOCK", []string{"SSH_AUTH_SOCK=" + missing},
			"ssh connect to " + env.srv.Addr + ": ssh-agent cannot be reached at SSH_AUTH_SOCK=" + missing + " (dial unix " + missing +
				": connect: no such file or directory), and agent is the only credential set"},
		{"ssh.bastion.agent with no agent at SSH_AUTH_SOCK", append([]string{nodeKey, "SSH_AUTH_SOCK=" + missing}, bastionEnv(bastion, "")...),
			"ssh connect to bastion " + bastion.Addr + ": ssh-agent cannot be reached at SSH_AUTH_SOCK=" + missing + " (dial unix " + missing +
				": connect: no such file or directory), and bastion.agent is the only credential set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags, failed := planDiagnostics(t, ws, tc.env)
			var errs []string
			for _, d := range diags {
				if d.Severity == "error" {
					errs = append(errs, d.Summary+": "+strings.Join(strings.Fields(d.Detail), " "))
				}
			}
			all := strings.Join(errs, "\n")
			if !failed || !strings.Contains(all, tc.want) {
				t.Fatalf("want an error saying %q, got (failed %v):\n%s", tc.want, failed, all)
			}
			if strings.Contains(all, "PowerShell was not found") {
				t.Errorf("the error blames PowerShell:\n%s", all)
			}
		})
	}
}

// Every boolean AKSHYBRID_* variable whose value is not a boolean is an error at
// terraform validate naming the variable and the accepted values; an ssh-agent variable
// set to nonsense is not taken for missing credentials.
func TestAccValidation_booleanVariablesMustBeBooleans(t *testing.T) {
	t.Parallel()
	all := validateErrors(t, []string{
		envSSHAgent + "=maybe", envSSHInsecureIgnoreHostKey + "=yes", envBastionAgent + "=2", envBastionInsecureIgnoreHostKey + "=nope",
	}, `
terraform {
  required_providers {
    akshybrid = { source = "akshybrid/akshybrid" }
  }
}
provider "akshybrid" {
  ssh = {
    host = "node1"
    user = "admin"
    bastion = {
      host = "jump1"
      user = "ops"
    }
  }
}
data "akshybrid_clusters" "all" {}
`)
	const accepted = " must be true or false (1, t, TRUE, True and 0, f, FALSE, False are accepted too); got "
	for _, want := range []string{
		"Invalid boolean: " + envSSHAgent + accepted + `"maybe".`,
		"Invalid boolean: " + envSSHInsecureIgnoreHostKey + accepted + `"yes".`,
		"Invalid boolean: " + envBastionAgent + accepted + `"2".`,
		"Invalid boolean: " + envBastionInsecureIgnoreHostKey + accepted + `"nope".`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("terraform validate did not report %q; it reported:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Missing SSH credentials") || strings.Contains(all, "Missing SSH bastion credentials") {
		t.Errorf("an ssh-agent variable that is not a boolean was reported as missing credentials:\n%s", all)
	}
}
