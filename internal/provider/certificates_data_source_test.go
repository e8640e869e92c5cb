package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
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
					})),
					// Auto-renewing certificates renewed themselves on day 63.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(14), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":     knownvalue.NotNull(),
						"type":       knownvalue.StringExact("certificate"),
						"not_after":  knownvalue.StringExact(rfc3339(t0.Add(153 * day))),
						"expired":    knownvalue.Bool(false),
						"auto_renew": knownvalue.Bool(true),
					})),
					// Last: kvactl's certificate, renewed by this very read's kvactl call
					// (Get-AksHciCluster) past 70% of its life ([moc] certrenew.go).
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credentials").AtSliceIndex(15), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"client":     knownvalue.StringExact("KVA"),
						"type":       knownvalue.StringExact("certificate"),
						"not_after":  knownvalue.StringExact(rfc3339(t0.Add(154 * day))),
						"expired":    knownvalue.Bool(false),
						"auto_renew": knownvalue.Bool(false),
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
						"client":     knownvalue.StringExact("Kubelet"),
						"type":       knownvalue.StringExact("certificate"),
						"not_after":  knownvalue.StringExact(rfc3339(t0.Add(4 * day))),
						"expired":    knownvalue.Bool(false),
						"auto_renew": knownvalue.Bool(true),
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
