terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

# The host comes from the AKSHYBRID_* environment variables, for example AKSHYBRID_SSH_HOST.
provider "akshybrid" {}
