// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

func TestAccCertificatesDataSource_reportsManagementExpiry(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	const addr = "data.akshybrid_certificates.mgmt"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config(`data "akshybrid_certificates" "mgmt" {}`)},
			{
				PreConfig: env.advance(64 * day),
				Config:    env.config(`data "akshybrid_certificates" "mgmt" {}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("observed_at"), knownvalue.StringExact(rfc3339(t0.Add(64*day)))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ca_expires_at"), knownvalue.StringExact(rfc3339(t0.Add(365*day)))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(true)),
					// 8 clients, each with a token and a certificate.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials"), knownvalue.ListSizeExact(16)),
					// Soonest first: a token or a certificate of a client without auto-renewal.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":     knownvalue.NotNull(),
						"type":       knownvalue.NotNull(),
						"not_after":  knownvalue.StringExact(rfc3339(t0.Add(90 * day))),
						"expired":    knownvalue.Bool(false),
						"auto_renew": knownvalue.Bool(false),
						// The emulator's own record, never a real-host source.
						"source":         knownvalue.StringExact("emulator"),
						"origin":         knownvalue.Null(),
						"unknown_reason": knownvalue.Null(),
						"revoked":        knownvalue.Bool(false),
						"usable":         knownvalue.Bool(true),
					})),
					// Auto-renewing certificates renewed themselves on day 63.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(14), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":         knownvalue.NotNull(),
						"type":           knownvalue.StringExact("certificate"),
						"not_after":      knownvalue.StringExact(rfc3339(t0.Add(153 * day))),
						"expired":        knownvalue.Bool(false),
						"auto_renew":     knownvalue.Bool(true),
						"source":         knownvalue.StringExact("emulator"),
						"origin":         knownvalue.Null(),
						"unknown_reason": knownvalue.Null(),
						"revoked":        knownvalue.Bool(false),
						"usable":         knownvalue.Bool(true),
					})),
					// Last: kvactl's certificate, renewed by this very read's kvactl call
					// (Get-AksHciCluster) past 70% of its life ([moc] certrenew.go).
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(15), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":         knownvalue.StringExact("KVA"),
						"type":           knownvalue.StringExact("certificate"),
						"not_after":      knownvalue.StringExact(rfc3339(t0.Add(154 * day))),
						"expired":        knownvalue.Bool(false),
						"auto_renew":     knownvalue.Bool(false),
						"source":         knownvalue.StringExact("emulator"),
						"origin":         knownvalue.Null(),
						"unknown_reason": knownvalue.Null(),
						"revoked":        knownvalue.Bool(false),
						"usable":         knownvalue.Bool(true),
					})),
				},
			},
		},
	})
}

func TestAccCertificatesDataSource_reportsClusterCredentials(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	const addr = "data.akshybrid_certificates.demo"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(`
data "akshybrid_certificates" "demo" {
  cluster_name = "demo"
  renew_before = "240h"
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					// KMS, CSI, CertManager, CloudProvider and LoadBalancer with a token and a
					// certificate each, plus the Kubernetes certificates: the auto-renewed
					// control-plane set, and the kubelet server and admin kubeconfig client
					// certificates, which are not managed [d:secure-communication.md].
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials"), knownvalue.ListSizeExact(13)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":         knownvalue.StringExact("Kubelet"),
						"type":           knownvalue.StringExact("certificate"),
						"not_after":      knownvalue.StringExact(rfc3339(t0.Add(4 * day))),
						"expired":        knownvalue.Bool(false),
						"auto_renew":     knownvalue.Bool(true),
						"source":         knownvalue.StringExact("emulator"),
						"origin":         knownvalue.Null(),
						"unknown_reason": knownvalue.Null(),
						"revoked":        knownvalue.Bool(false),
						"usable":         knownvalue.Bool(true),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(90*day)))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
				},
			},
			{
				Config:      env.config(`data "akshybrid_certificates" "x" { cluster_name = "nope" }`),
				ExpectError: errorLike(`workload cluster "nope" not found`),
			},
		},
	})
}

// A check block on the data source is how a scheduled plan or an HCP Terraform health
// assessment warns before anything breaks: the assertion fails once renewal is due.
func TestAccCertificatesDataSource_checkBlockFailsWhenDue(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, nil, `
check "management_credentials" {
  data "akshybrid_certificates" "mgmt" {}

  assert {
    condition     = !data.akshybrid_certificates.mgmt.ready_for_renewal
    error_message = "management credentials are due: ${coalesce(data.akshybrid_certificates.mgmt.expiring_credential, "?")} expires at ${coalesce(data.akshybrid_certificates.mgmt.expires_at, "?")}"
  }
}
`)
	checkFailures := func(offset string) []diagnostic {
		out := ws.run(nil, "plan", "-json", "-input=false", "-var", "time_offset="+offset)
		var failed []diagnostic
		for _, d := range diagnostics(t, out) {
			if strings.Contains(d.Summary, "Check block assertion failed") {
				failed = append(failed, d)
			}
		}
		return failed
	}

	if failed := checkFailures("0h"); len(failed) != 0 {
		t.Fatalf("fresh credentials: check failed: %+v", failed)
	}
	failed := checkFailures("1464h")
	if len(failed) != 1 {
		t.Fatalf("61 days later: want one failed check, got %+v", failed)
	}
	if failed[0].Severity != "warning" || !strings.Contains(failed[0].Detail, "management credentials are due") ||
		!strings.Contains(failed[0].Detail, "token expires at") && !strings.Contains(failed[0].Detail, "certificate expires at") {
		t.Fatalf("unexpected check diagnostic: %+v", failed[0])
	}
}

// The data source lists the lockouts with their documented recovery: after 100 days
// without an update and a restart of the management cluster, kvactl's token [#169], the
// node agent stuck in Starting [d-old:known-issues-upgrade.md] and the KMS plugin
// [#127] among them.
func TestAccCertificatesDataSource_listsLockouts(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	const addr = "data.akshybrid_certificates.mgmt"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(`data "akshybrid_certificates" "mgmt" {}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("lockouts"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				PreConfig: func() {
					env.clock.Advance(100 * day)
					if err := env.emulator().Restart(context.Background(), emulator.Management); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(`data "akshybrid_certificates" "mgmt" {}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("lockouts"), knownvalue.ListPartial(map[int]knownvalue.Check{
						0: knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"client":          knownvalue.StringExact("KVA"),
							"manual_recovery": knownvalue.Bool(false),
							"sources":         knownvalue.StringExact("[#169]"),
						}),
						1: knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"client":          knownvalue.StringExact("NodeAgent"),
							"manual_recovery": knownvalue.Bool(true),
							"remedy":          knownvalue.StringRegexp(regexp.MustCompile(`Repair-Moc`)),
						}),
						2: knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"client":          knownvalue.StringExact("KMS"),
							"manual_recovery": knownvalue.Bool(true),
							"symptom":         knownvalue.StringRegexp(regexp.MustCompile(`failed to repair cluster certificates`)),
							"remedy":          knownvalue.StringRegexp(regexp.MustCompile(`/opt/wssd/k8s/cloudlogin\.yaml`)),
						}),
					})),
				},
			},
		},
	})
}

// With patch_load_balancer off, the load balancer's credentials are out of scope, so
// expires_at ignores them; the plan warns once they are inside the window, since their
// expiry is the documented VIP outage (community AKS hybrid load balancer post,
// [d:update-certificates.md]).
func TestAccClusterCertificates_warnsWhenLoadBalancerDueOutOfScope(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, []string{"demo"}, `
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name        = "demo"
  patch_load_balancer = false
}
`)
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	warnings := func(offset string) []diagnostic {
		var out []diagnostic
		for _, d := range diagnostics(t, ws.run(nil, "plan", "-json", "-input=false", "-var", "time_offset="+offset)) {
			if d.Summary == "Load balancer credentials due but not renewed" {
				out = append(out, d)
			}
		}
		return out
	}
	if w := warnings("1416h"); len(w) != 0 { // day 59: 31 days left
		t.Fatalf("day 59: %+v", w)
	}
	w := warnings("1464h") // day 61: 29 days left, inside the default 30-day window
	if len(w) != 1 || w[0].Severity != "warning" || !strings.Contains(w[0].Detail, "LoadBalancer") ||
		!strings.Contains(w[0].Detail, "patch_load_balancer = true") || !strings.Contains(w[0].Detail, "VIP but are unreachable") {
		t.Fatalf("day 61: %+v", w)
	}
}
