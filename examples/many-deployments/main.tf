# Two AKS hybrid deployments, one provider configuration each. Every resource and data
# source names the deployment it belongs to with `provider`.

terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

variable "ssh_user" {
  type = string
}

variable "ssh_private_key" {
  type      = string
  sensitive = true
}

variable "host_keys" {
  description = "Host key of each deployment's node, from C:\\ProgramData\\ssh\\ssh_host_ed25519_key.pub."
  type        = map(string)
}

provider "akshybrid" {
  alias = "west"
  ssh = {
    host        = "hci-west-1.contoso.com"
    user        = var.ssh_user
    private_key = var.ssh_private_key
    host_key    = var.host_keys["west"]
  }
}

provider "akshybrid" {
  alias = "east"
  ssh = {
    host        = "hci-east-1.contoso.com"
    user        = var.ssh_user
    private_key = var.ssh_private_key
    host_key    = var.host_keys["east"]
  }
}

# West: the management cluster and every workload cluster.
resource "akshybrid_management_certificates" "west" {
  provider = akshybrid.west

  lifecycle {
    create_before_destroy = true
  }
}

data "akshybrid_clusters" "west" {
  provider = akshybrid.west
}

resource "akshybrid_cluster_certificates" "west" {
  provider = akshybrid.west
  for_each = toset(data.akshybrid_clusters.west.names)

  cluster_name        = each.key
  patch_load_balancer = true

  lifecycle {
    create_before_destroy = true
  }
}

# East: the same.
resource "akshybrid_management_certificates" "east" {
  provider = akshybrid.east

  lifecycle {
    create_before_destroy = true
  }
}

data "akshybrid_clusters" "east" {
  provider = akshybrid.east
}

resource "akshybrid_cluster_certificates" "east" {
  provider = akshybrid.east
  for_each = toset(data.akshybrid_clusters.east.names)

  cluster_name        = each.key
  patch_load_balancer = true

  lifecycle {
    create_before_destroy = true
  }
}
