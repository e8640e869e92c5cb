# Terraform runs on a node (or an admin machine) that has the AksHci PowerShell module,
# for example from a Windows scheduled task.
provider "akshybrid" {
  local = {}
}
