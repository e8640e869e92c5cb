package hosts

import (
	"context"
	"errors"

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
	size := 0
	for _, a := range args {
		size += len(a)
	}
	r.trace(ctx, "remote command starting", map[string]any{"program": program, "args": len(args), "args_bytes": size})
	start := r.clock.Now()
	stdout, stderr, err := r.Runner.Run(ctx, program, args)
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
	r.trace(ctx, "remote command finished", fields)
	return stdout, stderr, err
}
