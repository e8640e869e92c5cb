# Renew one workload cluster's credentials now, e.g. after restoring VMs that were off for more than four days:
#
#   terraform apply -invoke=action.akshybrid_renew_cluster_certificates.demo
action "akshybrid_renew_cluster_certificates" "demo" {
  config {
    cluster_name            = "demo"
    fix_kubelet_credentials = true # the 4-day Kubernetes certificates expired while the VMs were off
  }
}

# The same action, attached to the management renewal: whenever Terraform creates (or, when due, replaces)
# the management resource, which runs Update-AksHciCertificates, it then renews the cluster's credentials too.
resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true

    action_trigger {
      events  = [after_create]
      actions = [action.akshybrid_renew_cluster_certificates.demo]
    }
  }
}
