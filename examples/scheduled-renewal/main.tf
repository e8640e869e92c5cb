# Scheduled renewal of every AKS hybrid credential the provider manages, for unattended
# `terraform plan` / `terraform apply` runs (HCP Terraform, a CI schedule, a Windows
# scheduled task). Each run renews what is within var.renew_before of expiry; the check
# blocks warn when something is still close to expiry after the run, which means a
# renewal failed or no run happened.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

# The host comes from the environment, so secrets stay out of the configuration and the
# same code runs against the emulator in a pipeline test:
#   production: AKSHYBRID_SSH_HOST, AKSHYBRID_SSH_USER, AKSHYBRID_SSH_PRIVATE_KEY (sensitive),
#               AKSHYBRID_SSH_HOST_KEY
#   test:       AKSHYBRID_EMULATOR_STATE_PATH, AKSHYBRID_EMULATOR_WORKLOAD_CLUSTERS
provider "akshybrid" {}

variable "renew_before" {
  description = "Renew credentials this long before they expire (Go duration, shorter than 2160h)."
  type        = string
  default     = "720h" # 30 days
}

variable "alert_before" {
  description = "Warn when a credential is this close to expiry after a run: a renewal that should have happened did not. Keep it shorter than renew_before."
  type        = string
  default     = "504h" # 21 days
}

variable "ca_alert_before" {
  description = "Warn this long before the cloud agent CA expires. No resource renews the CA: its rotation (Invoke-AksHciRotateCACertificate) needs a maintenance window."
  type        = string
  default     = "1440h" # 60 days
}

# The management cluster: Update-AksHciCertificates.
resource "akshybrid_management_certificates" "this" {
  renew_before = var.renew_before
  renew_every  = "1440h" # the documented advice: renew within 60 days

  lifecycle {
    create_before_destroy = true
  }
}

# Every workload cluster: Update-AksHciClusterCertificates -fixCloudCredentials -patchLoadBalancer.
data "akshybrid_clusters" "all" {}

resource "akshybrid_cluster_certificates" "this" {
  for_each = toset(data.akshybrid_clusters.all.names)

  cluster_name        = each.key
  patch_load_balancer = true
  renew_before        = var.renew_before
  # Renew at least every 60 days, as the AKS hybrid documentation advises, even when the
  # host cannot report an expiry for this cluster.
  renew_every = "1440h"

  lifecycle {
    create_before_destroy = true
  }
}

# Expiry as the run leaves it: these data sources are read after any renewal the run
# performs, so the checks below judge the result rather than the state before it.
data "akshybrid_certificates" "management" {
  renew_before = var.alert_before
  depends_on   = [akshybrid_management_certificates.this]
}

data "akshybrid_certificates" "cluster" {
  for_each = toset(data.akshybrid_clusters.all.names)

  cluster_name = each.key
  renew_before = var.alert_before
  depends_on   = [akshybrid_cluster_certificates.this]
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
    error_message = "Management cluster: ${coalesce(local.management.expiring_credential, "a credential")} expires at ${coalesce(local.management.expires_at, "an unknown time")}, within ${var.alert_before}, and no run has renewed it. Run terraform apply and read its errors."
  }
}

check "cluster_credentials" {
  assert {
    condition     = length(local.overdue_clusters) == 0
    error_message = "Workload clusters with a credential within ${var.alert_before} of expiry that no run has renewed: ${join("; ", [for name, what in local.overdue_clusters : "${name}: ${what}"])}. Run terraform apply and read its errors. An expired Kubelet certificate needs fix_kubelet_credentials = true."
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
