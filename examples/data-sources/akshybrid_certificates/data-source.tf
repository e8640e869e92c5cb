# What expires when in the management cluster.
data "akshybrid_certificates" "management" {}

# ... and in one workload cluster, with a 14-day window.
data "akshybrid_certificates" "demo" {
  cluster_name = "demo"
  renew_before = "336h"
}

# Warn in every plan (and in HCP Terraform health assessments) once renewal is due.
check "management_credentials" {
  assert {
    condition     = !data.akshybrid_certificates.management.ready_for_renewal
    error_message = "${data.akshybrid_certificates.management.expiring_credential} expires at ${data.akshybrid_certificates.management.expires_at}: run terraform apply to renew."
  }
}

output "soonest_expiries" {
  value = [
    for c in data.akshybrid_certificates.demo.credentials : "${c.client} ${c.type}: ${coalesce(c.not_after, "unknown")}"
  ]
}
