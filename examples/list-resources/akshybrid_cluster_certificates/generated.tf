# __generated__ by Terraform
# Please review these resources and move them into your main configuration files.

# __generated__ by Terraform
resource "akshybrid_cluster_certificates" "all_0" {
  provider                = akshybrid
  cluster_name            = "demo"
  fix_cloud_credentials   = true
  fix_kubelet_credentials = false
  force                   = false
  patch_load_balancer     = true
  renew_before            = "720h"
  renew_every             = null
  timeouts                = null
  triggers                = null
}

import {
  to       = akshybrid_cluster_certificates.all_0
  provider = akshybrid
  identity = {
    cluster_name = "demo"
  }
}


