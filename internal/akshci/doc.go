// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package akshci is the domain of AKS hybrid credential renewal: the credentials a
// deployment holds, the inventory a host reports, the two renewal operations, and the
// pure policy that decides when a set of credentials is due for renewal.
//
// It knows nothing of Terraform and nothing of how a host is reached: the provider
// depends on this package, and the emulator and the PowerShell host implement Host.
package akshci
