# The deployment's workload clusters, kept in the state: every plan reads them from the
# host, and while the host cannot list them (Get-AksHciCluster fails once the cloud agent
# CA has expired, or while kvactl is locked out) the last list is kept.
resource "akshybrid_workload_clusters" "all" {}

resource "akshybrid_cluster_certificates" "each" {
  for_each     = toset(akshybrid_workload_clusters.all.names)
  cluster_name = each.value
}
