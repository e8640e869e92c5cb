terraform {
  required_providers {
    akshybrid = {
      source = "akshybrid/akshybrid"
    }
  }
}

# Try the provider without hardware: an emulated AKS hybrid deployment kept in a local file.
provider "akshybrid" {
  emulator = {
    state_path        = "akshybrid-emulator.db" # created on first use, mode 0600
    workload_clusters = ["demo"]                # created on first use when missing

    # Move the emulated clock forward to see renewals planned, for example by 61 days:
    # time_offset = "1464h"   (or set AKSHYBRID_EMULATOR_TIME_OFFSET=1464h)
  }
}
