// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package powershell implements akshci.Host for a real AKS hybrid deployment: it runs
// AksHci PowerShell scripts on a node through a transport.Runner (OpenSSH or this
// machine) and reads their output.
//
// Every script runs as powershell.exe -NoProfile -NonInteractive -EncodedCommand, stops
// at the first error and exits non-zero with the error record on stderr. Its first line
// is a comment naming the operation (OpComment). Cluster names are validated and
// single-quoted. The inventory comes back as one JSON document between markers that
// carry a random nonce, holding only public certificates and expiry times: keys and
// tokens never leave the host.
package powershell

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// DefaultExecutable is the program run when none is configured: Windows PowerShell 5.1,
// which the AksHci module targets.
const DefaultExecutable = "powershell.exe"

// Host is an AKS hybrid deployment reached through PowerShell. It is safe for
// concurrent use as long as its runner is.
type Host struct {
	runner transport.Runner
	exe    string
	nonce  func() (string, error)
}

var _ akshci.Host = (*Host)(nil)

// New returns a Host that runs executable (DefaultExecutable when empty) through runner.
func New(runner transport.Runner, executable string) *Host {
	if executable == "" {
		executable = DefaultExecutable
	}
	return &Host{runner: runner, exe: executable, nonce: randomNonce}
}

// Close closes the runner (the SSH connection).
func (h *Host) Close() error { return h.runner.Close() }

func randomNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (h *Host) run(ctx context.Context, script string) ([]byte, []byte, error) {
	return h.runner.Run(ctx, h.exe, Arguments(script))
}

// StdinBootstrap is the whole command line of a script sent on standard input: it reads
// standard input as UTF-8 (raw bytes, so the console code page cannot garble a cluster
// name) and runs it as one script block, parsed as a whole. powershell.exe -Command -
// would run its input line by line, breaking multi-line statements. An exit inside the
// script block ends powershell.exe with that status (inferred from PowerShell's exit
// semantics; the stand-in follows it).
const StdinBootstrap = "# akshybrid-stdin: runs the script read from standard input\n" +
	"$in = [Console]::OpenStandardInput(); $ms = New-Object System.IO.MemoryStream; $in.CopyTo($ms); " +
	"& ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString($ms.ToArray())))"

// StdinArguments are powershell.exe's arguments for a script sent on standard input.
func StdinArguments() []string {
	return []string{"-NoProfile", "-NonInteractive", "-EncodedCommand", EncodeCommand(StdinBootstrap)}
}

// runStdin sends script on standard input: its length is not bounded by a command line,
// and it runs in one PowerShell process (Import-Module AksHci costs seconds).
func (h *Host) runStdin(ctx context.Context, script string) ([]byte, []byte, error) {
	r, ok := h.runner.(transport.InputRunner)
	if !ok {
		return nil, nil, fmt.Errorf("the transport cannot send a script on standard input (%T)", h.runner)
	}
	return r.RunInput(ctx, h.exe, StdinArguments(), []byte(script))
}

// Inventory runs the inventory script and reads its document.
func (h *Host) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	nonce, err := h.nonce()
	if err != nil {
		return nil, err
	}
	stdout, _, err := h.runStdin(ctx, inventoryScript(nonce))
	if err != nil {
		return nil, h.hostError("the inventory script (Get-AksHciCluster, access files, mocctl)", "", false, stdout, err)
	}
	inv, err := ParseInventory(stdout, nonce)
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// UpdateManagementCertificates runs Update-AksHciCertificates.
func (h *Host) UpdateManagementCertificates(ctx context.Context, opts akshci.ManagementOptions) error {
	operation := "Update-AksHciCertificates"
	if opts.Force {
		operation += " -force"
	}
	stdout, _, err := h.run(ctx, managementScript(opts))
	if err != nil {
		return h.hostError(operation, "", true, stdout, err)
	}
	return nil
}

// RotateCACertificate runs Invoke-AksHciRotateCACertificate.
func (h *Host) RotateCACertificate(ctx context.Context) error {
	stdout, _, err := h.run(ctx, rotateCAScript())
	if err != nil {
		return h.hostError(akshci.RotateCACmdlet, "", true, stdout, err)
	}
	return nil
}

// UpdateClusterCertificates runs Update-AksHciClusterCertificates for one cluster: the
// kubelet fix first, then the cloud fix, as asked. A cluster the host does not have is
// an *akshci.ClusterNotFoundError.
func (h *Host) UpdateClusterCertificates(ctx context.Context, cluster string, opts akshci.ClusterOptions) error {
	if err := ValidateClusterName(cluster); err != nil {
		return err
	}
	script, err := clusterScript(cluster, opts)
	if err != nil {
		return err
	}
	stdout, _, err := h.run(ctx, script)
	if err != nil {
		return h.hostError("Update-AksHciClusterCertificates -name "+quote(cluster), cluster, true, stdout, err)
	}
	return nil
}
