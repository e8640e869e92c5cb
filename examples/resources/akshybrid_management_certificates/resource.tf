# Renews the management cluster's tokens and certificates (Update-AksHciCertificates)
# once they are within 30 days of expiry.
resource "akshybrid_management_certificates" "this" {
  renew_before = "720h"

  # Keep the current object in the state until the renewal has succeeded, so a failed
  # renewal leaves the state as it was.
  lifecycle {
    create_before_destroy = true
  }
}
