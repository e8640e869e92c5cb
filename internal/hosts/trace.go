// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package hosts

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// TraceFunc receives the framing of every remote command (program, sizes, duration,
// exit status), never its content: scripts and output stay out of logs.
type TraceFunc func(ctx context.Context, msg string, fields map[string]any)

// tracingRunner reports each command's framing to a TraceFunc.
type tracingRunner struct {
	transport.Runner
	trace TraceFunc
	clock akshci.Clock
}

func traced(r transport.Runner, trace TraceFunc, clock akshci.Clock) transport.Runner {
	if trace == nil {
		return r
	}
	if clock == nil {
		clock = akshci.RealClock{}
	}
	return &tracingRunner{Runner: r, trace: trace, clock: clock}
}

func (r *tracingRunner) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	return r.run(ctx, program, args, nil, func(ctx context.Context) ([]byte, []byte, error) { return r.Runner.Run(ctx, program, args) })
}

// RunInput traces a run with standard input (its size only) when the wrapped runner
// can send one.
func (r *tracingRunner) RunInput(ctx context.Context, program string, args []string, stdin []byte) ([]byte, []byte, error) {
	in, ok := r.Runner.(transport.InputRunner)
	if !ok {
		return nil, nil, errors.New("the transport cannot send standard input")
	}
	return r.run(ctx, program, args, stdin, func(ctx context.Context) ([]byte, []byte, error) { return in.RunInput(ctx, program, args, stdin) })
}

func (r *tracingRunner) run(ctx context.Context, program string, args []string, stdin []byte, do func(context.Context) ([]byte, []byte, error)) ([]byte, []byte, error) {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	r.trace(ctx, "remote command starting", map[string]any{"program": program, "args": len(args), "args_bytes": size, "stdin_bytes": len(stdin)})
	start := r.clock.Now()
	// The transport's notices (output a child process kept open) speak of the run's
	// framing, never its content: they go with the finished line.
	var notices []string
	var mu sync.Mutex
	stdout, stderr, err := do(transport.WithNotice(ctx, func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, msg)
	}))
	fields := map[string]any{
		"program":      program,
		"duration":     r.clock.Now().Sub(start).String(),
		"stdout_bytes": len(stdout),
		"stderr_bytes": len(stderr),
		"exit_code":    0,
	}
	var exit *transport.ExitError
	switch {
	case errors.As(err, &exit):
		fields["exit_code"] = exit.Code
	case err != nil:
		fields["exit_code"] = -1
		fields["transport_error"] = true
	}
	mu.Lock()
	if len(notices) > 0 {
		fields["notice"] = strings.Join(notices, "; ")
	}
	mu.Unlock()
	r.trace(ctx, "remote command finished", fields)
	return stdout, stderr, err
}
