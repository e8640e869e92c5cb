# A deployment has one cloud agent CA: it is imported with the fixed ID "cloud-agent-ca".
terraform import akshybrid_cloud_agent_ca.this cloud-agent-ca
