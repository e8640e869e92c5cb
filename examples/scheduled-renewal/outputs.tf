output "management_expires_at" {
  description = "The management cluster's first credential to expire, and when."
  value = {
    credential = akshybrid_management_certificates.this.expiring_credential
    expires_at = akshybrid_management_certificates.this.expires_at
    renewed_at = akshybrid_management_certificates.this.renewed_at
  }
}

output "cluster_expires_at" {
  description = "Per workload cluster: its first credential to expire, and when."
  value = {
    for name, r in akshybrid_cluster_certificates.this : name => {
      credential = r.expiring_credential
      expires_at = r.expires_at
      renewed_at = r.renewed_at
    }
  }
}
