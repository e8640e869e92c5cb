// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package transport

import "os/exec"

func signalName(*exec.ExitError) string { return "" }
