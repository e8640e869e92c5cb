// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package emulator

import "testing"

// checkOpenedAs needs Linux's /proc; elsewhere TestReadsOpenTheFileReadOnly checks the
// transaction only.
func checkOpenedAs(*testing.T, string, bool) {}
