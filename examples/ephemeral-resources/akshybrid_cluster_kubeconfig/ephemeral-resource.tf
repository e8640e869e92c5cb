# The admin kubeconfig of one workload cluster, opened for this run only: never in the plan, the state or a file.
ephemeral "akshybrid_cluster_kubeconfig" "demo" {
  cluster_name = "demo"
}
