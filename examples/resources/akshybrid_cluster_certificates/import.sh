# A workload cluster's renewal is imported by the cluster name.
terraform import akshybrid_cluster_certificates.demo demo
