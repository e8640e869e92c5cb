data "akshybrid_clusters" "all" {}

output "workload_clusters" {
  value = data.akshybrid_clusters.all.names
}
