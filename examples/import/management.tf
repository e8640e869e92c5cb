# Adopt the management cluster's renewal without running it (Terraform 1.5 and later).
import {
  to = akshybrid_management_certificates.this
  id = "management"
}

resource "akshybrid_management_certificates" "this" {
  lifecycle {
    create_before_destroy = true
  }
}
