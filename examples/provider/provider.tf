# Try the provider without hardware: an emulated AKS hybrid deployment kept in a local file.
provider "akshybrid" {
  emulator = {
    state_path        = "akshybrid-emulator.db"
    workload_clusters = ["demo"]
  }
}
