# Renew a workload cluster's credentials, then manage Kubernetes objects in it with an admin kubeconfig that
# never reaches the plan, the state or a file: Terraform 1.10+ or OpenTofu 1.11+.
terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

# Ephemeral (Terraform >= 1.10, OpenTofu >= 1.11, which this configuration needs anyway): the key
# never reaches a plan or state file. AKSHYBRID_SSH_PRIVATE_KEY works too.
variable "ssh_private_key" {
  description = "OpenSSH private key of an account allowed to run the AksHci module."
  type        = string
  sensitive   = true
  ephemeral   = true
}

provider "akshybrid" {
  ssh = {
    host        = "hci-node-1.example.com"
    user        = "aksadmin"
    private_key = var.ssh_private_key
    # The node's public host key (Get-Content C:\ProgramData\ssh\ssh_host_ed25519_key.pub on the node).
    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6mVfFaaAhU4AHDYoQEQlPg7HaHRgkCWk256IT4Fpdf"
  }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
}

# Opened during each plan and apply; Get-AksHciCredential writes the kubeconfig into a private temporary
# folder on the host, which is removed again at once.
ephemeral "akshybrid_cluster_kubeconfig" "demo" {
  cluster_name = akshybrid_cluster_certificates.demo.cluster_name
}

provider "kubernetes" {
  host                   = ephemeral.akshybrid_cluster_kubeconfig.demo.host
  cluster_ca_certificate = ephemeral.akshybrid_cluster_kubeconfig.demo.cluster_ca_certificate
  client_certificate     = ephemeral.akshybrid_cluster_kubeconfig.demo.client_certificate
  client_key             = ephemeral.akshybrid_cluster_kubeconfig.demo.client_key
}

resource "kubernetes_namespace" "monitoring" {
  metadata {
    name = "monitoring"
  }
}
