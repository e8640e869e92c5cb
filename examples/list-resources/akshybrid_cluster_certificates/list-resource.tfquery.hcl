# clusters.tfquery.hcl: list every workload cluster of the host (never the management cluster).
#
#   terraform query                                     # one line per cluster
#   terraform query -generate-config-out=clusters.tf    # a resource and an import block per cluster
#
# Then `terraform apply` imports them (nothing is renewed by an import) and the next plan is empty.
list "akshybrid_cluster_certificates" "all" {
  provider = akshybrid
}
