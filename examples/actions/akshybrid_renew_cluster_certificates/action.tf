# Renew one workload cluster's credentials now, e.g. after restoring VMs that were off for more than four days:
#
#   terraform apply -invoke=action.akshybrid_renew_cluster_certificates.demo
action "akshybrid_renew_cluster_certificates" "demo" {
  config {
    cluster_name            = "demo"
    fix_kubelet_credentials = true # the 4-day Kubernetes certificates expired while the VMs were off
  }
}

# Renew the cluster right after the management cluster: whenever Terraform creates (or, when due, replaces)
# the management resource, which runs Update-AksHciCertificates, it then renews the cluster's credentials.
# after_create also fires when the resource is first created, when nothing is due; a renew-now action that
# changes nothing fails, so this one passes -force.
action "akshybrid_renew_cluster_certificates" "after_management" {
  config {
    cluster_name = "demo"
    force        = true
  }
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true

    action_trigger {
      events  = [after_create]
      actions = [action.akshybrid_renew_cluster_certificates.after_management]
    }
  }
}
