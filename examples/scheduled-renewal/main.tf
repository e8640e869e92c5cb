# Scheduled renewal of every AKS hybrid credential the provider manages, for unattended
# `terraform apply` runs (HCP Terraform, a CI schedule, a Windows scheduled task). Each
# run renews what is within var.renew_before of expiry. A failed renewal fails the run:
# route run failures to a notification. The alarm for credentials that are about to
# expire lives in a separate configuration, examples/expiry-alarm, which keeps working
# when this one fails.

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

# The management cluster: Update-AksHciCertificates.
resource "akshybrid_management_certificates" "this" {
  renew_before = var.renew_before
  renew_every  = "1440h" # the documented advice: renew within 60 days

  lifecycle {
    create_before_destroy = true
  }
}

# Every workload cluster: Update-AksHciClusterCertificates -fixCloudCredentials -patchLoadBalancer.
# The list is kept in the state, so the configuration can still be planned while the host cannot list
# its clusters (kvactl locked out, or the cloud agent CA expired: see the guide's CA section).
resource "akshybrid_workload_clusters" "all" {}

resource "akshybrid_cluster_certificates" "this" {
  for_each = toset(akshybrid_workload_clusters.all.names)

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
