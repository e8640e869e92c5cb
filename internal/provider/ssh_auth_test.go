// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"fmt"
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
