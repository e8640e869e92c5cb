# Rotates the cloud agent CA (Invoke-AksHciRotateCACertificate) once it is within
# 60 days of expiry. The rotation interrupts every client's contact with the cloud agent,
# so it is planned only while allow_downtime is true: set it for the apply of a
# maintenance window.
variable "maintenance_window" {
  type    = bool
  default = false
}

resource "akshybrid_cloud_agent_ca" "this" {
  allow_downtime = var.maintenance_window
  renew_before   = "1440h"
}

# After a rotation every client needs credentials signed by the new CA: the management
# cluster first, then each workload cluster. replace_triggered_by runs both in the same
# apply, after the rotation (renewed_at changes only when the CA is rotated).
resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true
    replace_triggered_by  = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}

# The workload clusters, kept in the state: once the CA has expired the host cannot list
# them until the rotation, and this keeps the last list, so that the same apply still
# renews every cluster (the akshybrid_clusters data source would fail the plan).
resource "akshybrid_workload_clusters" "all" {}

resource "akshybrid_cluster_certificates" "each" {
  for_each     = toset(akshybrid_workload_clusters.all.names)
  cluster_name = each.value

  # The documented order: the management cluster's credentials first.
  depends_on = [akshybrid_management_certificates.this]

  lifecycle {
    create_before_destroy = true
    replace_triggered_by  = [akshybrid_cloud_agent_ca.this.renewed_at]
  }
}
