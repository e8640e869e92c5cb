# Adopt a workload cluster's renewal by the cluster name (Terraform 1.5 and later).
import {
  to = akshybrid_cluster_certificates.prod
  id = "prod"
}

resource "akshybrid_cluster_certificates" "prod" {
  cluster_name = "prod"

  lifecycle {
    create_before_destroy = true
  }
}
