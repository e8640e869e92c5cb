// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// Local runs programs on this machine, for a provider that runs on an AKS hybrid node
// or an admin host with the AksHci module.
type Local struct{}

// NewLocal returns a runner for this machine.
func NewLocal() *Local { return &Local{} }

// Close does nothing: a local runner holds no resources.
func (*Local) Close() error { return nil }

// localWaitDelay bounds how long a cancelled run waits for output pipes that a killed
// program's children may still hold open.
const localWaitDelay = 2 * time.Second

// Run runs program with args directly (no shell). When ctx ends the process is killed.
func (l *Local) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	return l.RunInput(ctx, program, args, nil)
}

// RunInput is Run with stdin sent to the program's standard input. See InputRunner.
func (*Local) RunInput(ctx context.Context, program string, args []string, stdin []byte) ([]byte, []byte, error) {
	if program == "" {
		return nil, nil, errors.New("run: program is empty")
	}
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.WaitDelay = localWaitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), stderr.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("run %s: cancelled, process killed: %w", program, ctx.Err())
	}
	var xerr *exec.ExitError
	if errors.As(err, &xerr) {
		e := &ExitError{Program: program, Code: xerr.ExitCode(), Stderr: stderr.Bytes()}
		if e.Code == -1 {
			e.Signal = signalName(xerr)
		}
		return stdout.Bytes(), stderr.Bytes(), e
	}
	return nil, nil, fmt.Errorf("run %s: %w", program, err)
}
