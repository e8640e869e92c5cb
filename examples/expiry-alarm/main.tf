# The alarm that goes with examples/scheduled-renewal: a configuration (its own HCP
# Terraform workspace) with no resources at all, only data sources and check blocks.
# Nothing in it depends on the renewal resources, so its checks are evaluated even when
# every renewal run fails, in each plan and in HCP Terraform health assessments.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

# The same host as the renewal configuration, from the same environment variables.
provider "akshybrid" {}

variable "alert_before" {
  description = "Warn when a credential is this close to expiry. Keep it shorter than the renewal configuration's renew_before, so it fires only when a renewal that should have happened did not."
  type        = string
  default     = "504h" # 21 days
}

variable "ca_alert_before" {
  description = "Warn this long before the cloud agent CA expires. No resource renews the CA: its rotation (Invoke-AksHciRotateCACertificate) needs a maintenance window."
  type        = string
  default     = "1440h" # 60 days
}

data "akshybrid_certificates" "management" {
  renew_before = var.alert_before
}

data "akshybrid_clusters" "all" {}

data "akshybrid_certificates" "cluster" {
  for_each = toset(data.akshybrid_clusters.all.names)

  cluster_name = each.key
  renew_before = var.alert_before
}

locals {
  overdue_clusters = {
    for name, d in data.akshybrid_certificates.cluster :
    name => "${d.expiring_credential} expires at ${d.expires_at}" if d.ready_for_renewal
  }
  management = data.akshybrid_certificates.management
}

check "management_credentials" {
  assert {
    condition     = !local.management.ready_for_renewal
    error_message = "Management cluster: ${coalesce(local.management.expiring_credential, "a credential")} expires at ${coalesce(local.management.expires_at, "an unknown time")}, within ${var.alert_before}, and no run has renewed it. Read the errors of the last renewal run."
  }
}

check "cluster_credentials" {
  assert {
    condition     = length(local.overdue_clusters) == 0
    error_message = "Workload clusters with a credential within ${var.alert_before} of expiry that no run has renewed: ${join("; ", [for name, what in local.overdue_clusters : "${name}: ${what}"])}. Read the errors of the last renewal run. An expired Kubelet certificate needs fix_kubelet_credentials = true."
  }
}

check "cloud_agent_ca" {
  assert {
    condition     = local.management.ca_expires_at == null ? true : timecmp(local.management.ca_expires_at, timeadd(local.management.observed_at, var.ca_alert_before)) > 0
    error_message = "The cloud agent CA expires at ${coalesce(local.management.ca_expires_at, "an unknown time")}. Plan a maintenance window to rotate it with Invoke-AksHciRotateCACertificate: every client loses contact with the cloud agent while it runs."
  }
}

check "expiry_reported" {
  assert {
    condition     = local.management.expires_at != null
    error_message = "The host reports no expiry for the management cluster's tokens and certificates, so no renewal is ever planned from expiry. See the guide Connecting to an AKS hybrid host."
  }
}

output "ca_expires_at" {
  description = "When the cloud agent CA expires; no resource renews it."
  value       = local.management.ca_expires_at
}
