# A node of the Azure Stack HCI / Windows Server cluster with the AksHci PowerShell module,
# reached over OpenSSH. Pin the node's host key: on the node, run
#   Get-Content C:\ProgramData\ssh\ssh_host_ed25519_key.pub
#
# A saved plan file holds provider configuration values in clear, sensitive ones included.
# Prefer AKSHYBRID_SSH_PRIVATE_KEY, or declare the variable with ephemeral = true
# (Terraform >= 1.10, OpenTofu >= 1.11) so it never reaches a plan or state file.
variable "ssh_private_key" {
  description = "Unencrypted OpenSSH private key of an account allowed to run the AksHci module."
  type        = string
  sensitive   = true
}

provider "akshybrid" {
  ssh = {
    host        = "hci-node-1.contoso.com"
    user        = "aksadmin@contoso.com"
    private_key = var.ssh_private_key
    host_key    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6mVfFaaAhU4AHDYoQEQlPg7HaHRgkCWk256IT4Fpdf"
  }
}
