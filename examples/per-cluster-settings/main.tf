# Every workload cluster gets a renewal; a map overrides the defaults per cluster, and
# clusters can be left out by name.
variable "cluster_settings" {
  description = "Per-cluster overrides, keyed by workload cluster name."
  type = map(object({
    fix_kubelet_credentials = optional(bool, false)
    patch_load_balancer     = optional(bool, true)
    renew_before            = optional(string, "720h")
  }))
  default = {
    # A lab cluster whose VMs are often off for more than 4 days.
    "lab-1" = { fix_kubelet_credentials = true }
  }
}

variable "excluded_clusters" {
  description = "Workload clusters this configuration leaves alone."
  type        = set(string)
  default     = []
}

data "akshybrid_clusters" "all" {}

locals {
  defaults = { fix_kubelet_credentials = false, patch_load_balancer = true, renew_before = "720h" }
  clusters = {
    for name in data.akshybrid_clusters.all.names :
    name => lookup(var.cluster_settings, name, local.defaults) if !contains(var.excluded_clusters, name)
  }
}

resource "akshybrid_cluster_certificates" "this" {
  for_each = local.clusters

  cluster_name            = each.key
  fix_kubelet_credentials = each.value.fix_kubelet_credentials
  patch_load_balancer     = each.value.patch_load_balancer
  renew_before            = each.value.renew_before

  lifecycle {
    create_before_destroy = true
  }
}
