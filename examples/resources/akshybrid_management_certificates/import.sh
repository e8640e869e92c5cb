# The management cluster is imported with the ID "management".
terraform import akshybrid_management_certificates.this management
