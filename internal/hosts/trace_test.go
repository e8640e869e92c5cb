// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package hosts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// fakeRunner returns canned output after 1.5 s on its clock, after telling the run's
// context about notice, if any, as a transport does.
type fakeRunner struct {
	stdout, stderr []byte
	err            error
	notice         string
	clock          *akshci.FakeClock
}

func (f fakeRunner) Run(ctx context.Context, _ string, _ []string) ([]byte, []byte, error) {
	f.clock.Advance(1500 * time.Millisecond)
	if f.notice != "" {
		transport.Notice(ctx, f.notice)
	}
	return f.stdout, f.stderr, f.err
}

func (fakeRunner) Close() error { return nil }

func TestTracedRunnerLogsFramingNotContent(t *testing.T) {
	const secretScript = "c2VjcmV0LXNjcmlwdA=="
	tests := []struct {
		name     string
		runner   fakeRunner
		wantCode int
	}{
		{"success", fakeRunner{stdout: []byte("-----BEGIN CERTIFICATE-----"), stderr: nil}, 0},
		{"exit status", fakeRunner{stderr: []byte("Valid Token Required"), err: &transport.ExitError{Program: "powershell.exe", Code: 1}}, 1},
		{"transport failure", fakeRunner{err: transport.ErrConnectionLost}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged []map[string]any
			var messages []string
			clock := akshci.NewFakeClock(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
			tt.runner.clock = clock
			r := traced(tt.runner, func(_ context.Context, msg string, fields map[string]any) {
				messages = append(messages, msg)
				logged = append(logged, fields)
			}, clock)
			_, _, _ = r.Run(context.Background(), "powershell.exe", []string{"-NoProfile", "-EncodedCommand", secretScript})

			if strings.Join(messages, "|") != "remote command starting|remote command finished" {
				t.Fatalf("messages = %v", messages)
			}
			if got := logged[0]["args_bytes"]; got != len("-NoProfile")+len("-EncodedCommand")+len(secretScript) {
				t.Errorf("args_bytes = %v", got)
			}
			if got := logged[1]["exit_code"]; got != tt.wantCode {
				t.Errorf("exit_code = %v, want %d", got, tt.wantCode)
			}
			if got := logged[1]["duration"]; got != "1.5s" {
				t.Errorf("duration = %v, want 1.5s", got)
			}
			for _, fields := range logged {
				for k, v := range fields {
					if s, ok := v.(string); ok && (strings.Contains(s, secretScript) || strings.Contains(s, "Valid Token") || strings.Contains(s, "BEGIN")) {
						t.Errorf("field %s carries command content: %q", k, s)
					}
				}
			}
		})
	}
}

// A transport's notice about a run (output that a child process kept open) reaches the
// finished line of the trace; a run without one has no notice field.
func TestTracedRunnerLogsTheTransportsNotices(t *testing.T) {
	clock := akshci.NewFakeClock(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, notice := range []string{"powershell.exe exited, but its output stayed open", ""} {
		var finished map[string]any
		r := traced(fakeRunner{notice: notice, clock: clock}, func(_ context.Context, msg string, fields map[string]any) {
			if msg == "remote command finished" {
				finished = fields
			}
		}, clock)
		if _, _, err := r.Run(context.Background(), "powershell.exe", nil); err != nil {
			t.Fatal(err)
		}
		got, ok := finished["notice"]
		if notice == "" && ok || notice != "" && got != notice {
			t.Errorf("notice field %v (present %v), want %q", got, ok, notice)
		}
	}
}
