// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// localWaitDelay bounds how long a run waits, once the program has exited or been
// killed, for output pipes that its children may still hold open.
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
	// Passing the output limit kills the process as a cancellation would.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(runCtx, program, args...)
	cmd.WaitDelay = localWaitDelay
	stdout, stderr := newOutput(stop), newOutput(stop)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("run %s: %w: %w", program, ErrProgramNotFound, err)
		}
		return nil, nil, fmt.Errorf("run %s: %w", program, err)
	}
	err := cmd.Wait()
	for _, o := range []struct {
		out    *output
		stream string
	}{{stdout, "standard output"}, {stderr, "standard error"}} {
		if o.out.Exceeded() {
			// Wait has returned: the process is gone.
			return nil, nil, fmt.Errorf("run %s: %w", program, &OutputLimitError{Program: program, Stream: o.stream, Limit: maxOutput})
		}
	}
	if err == nil {
		return stdout.Bytes(), stderr.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("run %s: cancelled, process killed: %w", program, ctx.Err())
	}
	// The program exited successfully but a child it left behind still held its
	// output when the wait delay ran out: the program's own result decides.
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		Notice(ctx, fmt.Sprintf("%s exited with status 0, but a child process it started kept its output open; "+
			"stopped reading %s after the exit and kept what it printed until then", program, localWaitDelay))
		return stdout.Bytes(), stderr.Bytes(), nil
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
