# The list is imported with the fixed ID "workload-clusters"; the refresh that follows reads it from the host.
terraform import akshybrid_workload_clusters.all workload-clusters
