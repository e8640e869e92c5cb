# Renew the management cluster's tokens and certificates now, without a replacement in the plan:
#
#   terraform apply -invoke=action.akshybrid_renew_management_certificates.now
#
# Nothing runs on a plain `terraform apply`: only -invoke (or an action_trigger) runs an action.
action "akshybrid_renew_management_certificates" "now" {
  config {
    # Rotate every credential, not only those close to expiry, e.g. after an incident.
    force = true

    timeouts = {
      invoke = "90m"
    }
  }
}
