# The quick start: an emulated AKS hybrid deployment with one workload cluster.
# `make demo` runs it with AKSHYBRID_EMULATOR_STATE_PATH pointing at a temporary file and
# moves the emulated clock with AKSHYBRID_EMULATOR_TIME_OFFSET.

terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

provider "akshybrid" {
  emulator = {
    workload_clusters = ["demo"]
  }
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true
  }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name        = "demo"
  patch_load_balancer = true # also renew the load balancer VM's credentials

  lifecycle {
    create_before_destroy = true
  }
}

# Read after the renewals, so the outputs show what apply left behind.
data "akshybrid_certificates" "demo" {
  cluster_name = "demo"
  depends_on   = [akshybrid_cluster_certificates.demo]
}

output "management_expires_at" {
  value = "${akshybrid_management_certificates.this.expiring_credential} expires at ${akshybrid_management_certificates.this.expires_at}"
}

output "demo_expires_at" {
  value = "${akshybrid_cluster_certificates.demo.expiring_credential} expires at ${akshybrid_cluster_certificates.demo.expires_at}"
}

output "demo_credentials" {
  value = [
    for c in data.akshybrid_certificates.demo.credentials :
    format("%-15s %-12s %s%s", c.client, c.type, coalesce(c.not_after, "unknown"), c.auto_renew ? " (renews itself)" : "")
  ]
}
