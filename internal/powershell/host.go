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
	"sync"

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

	// probe is the parameter-set probe of the last inventory: the update scripts are
	// built from it (which cmdlets take -Confirm, whether -patchLoadBalancer exists).
	mu    sync.Mutex
	probe *akshci.CmdletProbe
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
	h.mu.Lock()
	h.probe = inv.Cmdlets
	h.mu.Unlock()
	return inv, nil
}

// cmdlets returns the probe the scripts are built from: the last inventory's, or a
// fresh inventory's when none was read yet (the provider always reads one before a
// renewal, so this costs a round trip only to a caller that did not).
func (h *Host) cmdlets(ctx context.Context) (*akshci.CmdletProbe, error) {
	h.mu.Lock()
	p := h.probe
	h.mu.Unlock()
	if p != nil {
		return p, nil
	}
	inv, err := h.Inventory(ctx)
	if err != nil {
		return nil, fmt.Errorf("probe the AksHci cmdlets before running one: %w", err)
	}
	return inv.Cmdlets, nil
}

// UpdateManagementCertificates runs Update-AksHciCertificates.
func (h *Host) UpdateManagementCertificates(ctx context.Context, opts akshci.ManagementOptions) error {
	operation := "Update-AksHciCertificates"
	if opts.Force {
		operation += " -force"
	}
	p, err := h.cmdlets(ctx)
	if err != nil {
		return err
	}
	if err := p.CheckManagement(opts); err != nil {
		return err
	}
	stdout, _, err := h.run(ctx, managementScript(opts, p.Management.Confirm))
	if err != nil {
		return h.hostError(operation, "", true, stdout, err)
	}
	return nil
}

// RotateCACertificate runs Invoke-AksHciRotateCACertificate.
func (h *Host) RotateCACertificate(ctx context.Context) error {
	p, err := h.cmdlets(ctx)
	if err != nil {
		return err
	}
	if !p.RotateCA.Found {
		return &akshci.CmdletError{Cmdlet: akshci.RotateCACmdlet, ModuleVersion: p.ModuleVersion}
	}
	stdout, _, err := h.run(ctx, rotateCAScript(p.RotateCA.Confirm))
	if err != nil {
		return h.hostError(akshci.RotateCACmdlet, "", true, stdout, err)
	}
	return nil
}

// UpdateClusterCertificates runs Update-AksHciClusterCertificates for one cluster: the
// kubelet fix first, then the cloud fix, as asked, with the switches the module has
// (akshci.CmdletProbe.ClusterCall: -patchLoadBalancer is left out where the module lacks
// it; the plan warned). A cluster the host does not have is an
// *akshci.ClusterNotFoundError.
func (h *Host) UpdateClusterCertificates(ctx context.Context, cluster string, opts akshci.ClusterOptions) error {
	if err := ValidateClusterName(cluster); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	p, err := h.cmdlets(ctx)
	if err != nil {
		return err
	}
	opts, _, err = p.ClusterCall(opts)
	if err != nil {
		return err
	}
	script, err := clusterScript(cluster, opts, p.Cluster.Confirm)
	if err != nil {
		return err
	}
	stdout, _, err := h.run(ctx, script)
	if err != nil {
		return h.hostError("Update-AksHciClusterCertificates -name "+quote(cluster), cluster, true, stdout, err)
	}
	return nil
}
