// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Only a local runner that could not start the program earns the "PowerShell was not
// found" remedy: a file missing on the way to the host (an ssh-agent socket, a
// known_hosts file that vanished) is a different fault, which its own error names.
func TestMissingFileOnTheWayIsNotAMissingPowerShell(t *testing.T) {
	f := &fakeRunner{err: fmt.Errorf("ssh connect to h:22: read /home/u/.ssh/known_hosts: %w", fs.ErrNotExist)}
	err := New(f, "").UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	if err == nil || strings.Contains(err.Error(), "PowerShell was not found") {
		t.Fatalf("got %v, want no PowerShell remedy", err)
	}
}
