# A node that is only reachable through a jump host, the way administrators often connect:
# the jump host accepts a key held by ssh-agent (SSH_AUTH_SOCK), and the node's own key is
# protected by a passphrase. Each host's key is pinned separately.
variable "node_private_key" {
  description = "Passphrase-protected OpenSSH private key of an account allowed to run the AksHci module."
  type        = string
  sensitive   = true
}

variable "node_private_key_passphrase" {
  type      = string
  sensitive = true
}

provider "akshybrid" {
  ssh = {
    host                   = "hci-node-1.contoso.local"
    user                   = "aksadmin@contoso.local"
    private_key            = var.node_private_key
    private_key_passphrase = var.node_private_key_passphrase
    host_key               = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6mVfFaaAhU4AHDYoQEQlPg7HaHRgkCWk256IT4Fpdf"

    bastion = {
      host     = "jump.contoso.com"
      user     = "ops"
      agent    = true
      host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFWwsT8pgbx6Fx8VgQdJ1aSb0e3UPkjfD34xBGfcJbWz"
    }
  }
}
