// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

const day = 24 * time.Hour

// t0 is when every acceptance test's emulated deployment is born.
var t0 = time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)

// accEnv is one acceptance test's world: a fake clock shared by the provider and the
// emulator, and an emulator state file of its own, so tests run in parallel.
type accEnv struct {
	t         *testing.T
	clock     *akshci.FakeClock
	statePath string
	clusters  []string
}

func newAccEnv(t *testing.T, clusters ...string) *accEnv {
	t.Helper()
	return &accEnv{
		t:         t,
		clock:     akshci.NewFakeClock(t0),
		statePath: filepath.Join(t.TempDir(), "emulator.db"),
		clusters:  clusters,
	}
}

func (e *accEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"akshybrid": providerserver.NewProtocol6WithError(NewWithClock("test", e.clock)()),
	}
}

// advance returns a PreConfig that moves the emulated clock forward.
func (e *accEnv) advance(d time.Duration) func() {
	return func() { e.clock.Advance(d) }
}

// config prefixes body with a provider block for this test's emulator.
func (e *accEnv) config(body string) string {
	quotedClusters := make([]string, len(e.clusters))
	for i, c := range e.clusters {
		quotedClusters[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf(`
provider "akshybrid" {
  emulator = {
    state_path        = %q
    workload_clusters = [%s]
  }
}
%s`, e.statePath, strings.Join(quotedClusters, ", "), body)
}

// emulator opens the same deployment the provider sees, for out-of-band changes.
func (e *accEnv) emulator() *emulator.Emulator {
	e.t.Helper()
	emu, err := emulator.New(emulator.Config{StatePath: e.statePath, Clock: e.clock})
	if err != nil {
		e.t.Fatalf("open emulator: %v", err)
	}
	return emu
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkStateValue checks one attribute of a resource in a refreshed state, for the
// refresh steps where statecheck does not run.
func checkStateValue(addr, attr, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		if got := rs.Primary.Attributes[attr]; got != want {
			return fmt.Errorf("%s.%s = %q, want %q", addr, attr, got, want)
		}
		return nil
	}
}

// errorLike matches Terraform's wrapped error output: words may be split across lines,
// and "..." stands for any text in between.
func errorLike(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "...")
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

func TestAccProvider_requiresAHost(t *testing.T) {
	t.Setenv(envEmulatorStatePath, "")
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      `provider "akshybrid" {}` + "\n" + `data "akshybrid_clusters" "all" {}`,
			ExpectError: errorLike("No AKS hybrid host configured ... emulator = {} ... " + envEmulatorStatePath),
		}},
	})
}

func TestAccProvider_emulatorFromEnvironment(t *testing.T) {
	env := newAccEnv(t)
	t.Setenv(envEmulatorStatePath, env.statePath)
	t.Setenv(envEmulatorWorkloadClusters, "alpha, beta")
	t.Setenv(envEmulatorTimeOffset, "240h")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: `provider "akshybrid" {}` + "\n" + `data "akshybrid_clusters" "all" {}` + "\n" + `data "akshybrid_certificates" "mgmt" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.akshybrid_clusters.all", tfjsonpath.New("names"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("alpha"), knownvalue.StringExact("beta")})),
				statecheck.ExpectKnownValue("data.akshybrid_certificates.mgmt", tfjsonpath.New("observed_at"),
					knownvalue.StringExact(rfc3339(t0.Add(10*day)))),
			},
		}},
	})
}

func TestAccProvider_invalidEmulatorSettings(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(settings string) string {
		return `provider "akshybrid" {
  emulator = {` + settings + `}
}
data "akshybrid_clusters" "all" {}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      cfg(fmt.Sprintf("state_path = %q\ntime_offset = \"61 days\"", env.statePath)),
				ExpectError: errorLike(`time_offset ... Go duration ... "1464h" (61 days); got "61 days"`),
			},
			{
				Config:      cfg(fmt.Sprintf("state_path = %q\ntime_offset = \"-5h\"", env.statePath)),
				ExpectError: errorLike(`cannot be negative`),
			},
			{
				Config:      cfg(fmt.Sprintf("state_path = %q\nworkload_clusters = [\"Web_1\"]", env.statePath)),
				ExpectError: errorLike(`Invalid workload cluster name ... got "Web_1"`),
			},
			{
				Config:      cfg(fmt.Sprintf("state_path = %q", filepath.Join(notADir, "emulator.db"))),
				ExpectError: errorLike(`Cannot read the AKS hybrid inventory ... a parent of it is not a directory`),
			},
		},
	})
}

// time_offset is how a user (and make demo) jumps the emulated clock.
func TestAccProvider_timeOffsetMovesTheEmulatedClock(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := func(offset string) string {
		return fmt.Sprintf(`provider "akshybrid" {
  emulator = {
    state_path  = %q
    time_offset = %q
  }
}
%s`, env.statePath, offset, managementConfig)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("0h")},
			{
				Config: cfg("1464h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace)},
				},
			},
			{
				Config:      cfg("0h"),
				ExpectError: errorLike(`never moves backwards ... raise time_offset to at least 1464h`),
			},
			{
				Config: cfg("1464h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccProvider_twoHostsAreAnError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`provider "akshybrid" {
  emulator = {
    state_path = %q
  }
  local = {}
}
data "akshybrid_clusters" "all" {}
`, env.statePath),
			ExpectError: errorLike("More than one AKS hybrid host configured ... emulator and local ... Remove all but one"),
		}},
	})
	if _, err := os.Stat(env.statePath); !os.IsNotExist(err) {
		t.Fatalf("the emulator state file was touched although the configuration was refused: %v", err)
	}
}

func TestAccProvider_sshSettingsAreChecked(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := func(settings string) string {
		return `provider "akshybrid" {
  ssh = {` + settings + `}
}
data "akshybrid_clusters" "all" {}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      cfg(`host = "127.0.0.1"`),
				ExpectError: errorLike("Missing SSH user ... ssh.user (or AKSHYBRID_SSH_USER) must be the login name"),
			},
			{
				Config:      cfg(`host = "node1; rm -rf /"` + "\n" + `user = "admin"` + "\n" + `password = "x"`),
				ExpectError: errorLike("ssh host: ... is not a host name or IP address"),
			},
			{
				Config:      cfg(`host = "127.0.0.1"` + "\n" + `user = "admin"` + "\n" + `password = "x"` + "\n" + `private_key = "y"`),
				ExpectError: errorLike(`"ssh.private_key" cannot be specified when "ssh.password" is specified`),
			},
			{
				Config:      cfg(`host = "127.0.0.1"` + "\n" + `user = "admin"` + "\n" + `port = 70000` + "\n" + `password = "x"`),
				ExpectError: errorLike("ssh.port value must be between 1 and 65535, got: 70000"),
			},
		},
	})
}

// A host selected by its environment variable counts like a block: with an emulator
// block as well, two hosts are configured.
func TestAccProvider_hostFromEnvironmentCountsTowardsOne(t *testing.T) {
	env := newAccEnv(t)
	t.Setenv(envSSHHost, "node1.contoso.local")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(`data "akshybrid_clusters" "all" {}`),
			ExpectError: errorLike("More than one AKS hybrid host configured ... emulator and ssh ... AKSHYBRID_* environment variables"),
		}},
	})
}

// TestAccValidation_localPowerShellRefusesControlCharacters: local.powershell refuses
// line breaks and other control characters at terraform validate, from the block or from
// AKSHYBRID_LOCAL_POWERSHELL, with the diagnostics ssh.powershell gets.
func TestAccValidation_localPowerShellRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	header := `
terraform {
  required_providers {
    akshybrid = { source = "akshybrid/akshybrid" }
  }
}
`
	ssh := `ssh = {
    host     = "node1"
    user     = "admin"
    password = "x"
    host_key = "ssh-ed25519 AAAA"
`
	config := func(block string) string {
		return header + "provider \"akshybrid\" {\n  " + block + "\n}\ndata \"akshybrid_clusters\" \"all\" {}\n"
	}
	for _, tc := range []struct {
		name                 string
		env                  []string
		local, sshEquivalent string
		want                 string
	}{
		{"in the block", nil, `local = { powershell = "pwsh\n.exe" }`, ssh + `    powershell = "pwsh\n.exe"` + "\n  }",
			"Attribute local.powershell must not contain line breaks, tabs or other control characters"},
		{"in the environment", []string{envLocalPowerShell + "=pwsh\t.exe"}, "local = {}", ssh + "  }",
			"Invalid local setting: " + envLocalPowerShell + " must not contain line breaks, tabs or other control characters; the value has one at byte 4."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := validateErrors(t, tc.env, config(tc.local))
			if !strings.Contains(got, tc.want) {
				t.Fatalf("terraform validate did not report %q; it reported:\n%s", tc.want, got)
			}
			// The ssh block's powershell gets the same words.
			sshEnv := tc.env
			if sshEnv != nil {
				sshEnv = []string{envSSHPowerShell + "=pwsh\t.exe"}
			}
			sshGot := validateErrors(t, sshEnv, config(tc.sshEquivalent))
			same := strings.NewReplacer("local.", "ssh.", envLocalPowerShell, envSSHPowerShell, "Invalid local setting", "Invalid SSH setting").Replace(tc.want)
			if !strings.Contains(sshGot, same) {
				t.Errorf("ssh.powershell is refused in other words: want %q, got:\n%s", same, sshGot)
			}
		})
	}
}
