# Renews one workload cluster's tokens and certificates
# (Update-AksHciClusterCertificates -name demo -fixCloudCredentials -patchLoadBalancer).
resource "akshybrid_cluster_certificates" "demo" {
  cluster_name          = "demo"
  fix_cloud_credentials = true
  patch_load_balancer   = true
  renew_before          = "720h"
  # Also renew 60 days after the last renewal, the documented advice, in case the host
  # cannot report an expiry.
  renew_every = "1440h"

  lifecycle {
    create_before_destroy = true
  }
}

# Every workload cluster of the deployment.
data "akshybrid_clusters" "all" {}

resource "akshybrid_cluster_certificates" "each" {
  for_each     = toset(data.akshybrid_clusters.all.names)
  cluster_name = each.value

  lifecycle {
    create_before_destroy = true
  }
}
