// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package transport carries a program invocation to the machine that runs it: over
// OpenSSH to a remote host (SSH) or on this machine (Local). It knows nothing of
// PowerShell or AKS hybrid; the powershell package builds the program and arguments.
package transport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Runner runs one program with arguments to completion and returns what it printed.
// Implementations are safe for concurrent use.
type Runner interface {
	// Run runs program with args. A program that ran and exited non-zero returns its
	// output and an *ExitError. When ctx ends, the program is stopped and Run returns
	// promptly with an error that wraps ctx.Err().
	Run(ctx context.Context, program string, args []string) (stdout, stderr []byte, err error)
	// Close releases the runner's resources (an SSH connection). Runs that are still
	// going fail.
	Close() error
}

// InputRunner is a Runner that can also feed the program's standard input. Large
// programs (scripts longer than a command line allows) are sent this way: the command
// line stays short, the input has no length limit.
type InputRunner interface {
	Runner
	// RunInput is Run with stdin written to the program's standard input, which is
	// closed after it. A nil stdin gives the program no input, as Run does.
	RunInput(ctx context.Context, program string, args []string, stdin []byte) (stdout, stderr []byte, err error)
}

var (
	_ InputRunner = (*Local)(nil)
	_ InputRunner = (*SSH)(nil)
)

// ExitError reports a program that ran and exited unsuccessfully.
type ExitError struct {
	// Program is the program that ran.
	Program string
	// Code is the exit status; -1 when the program was ended by a signal.
	Code int
	// Signal names the signal that ended the program (e.g. "KILL"), if any.
	Signal string
	// Stderr is what the program wrote to its standard error.
	Stderr []byte
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return e.Program + " was killed by signal " + e.Signal
	}
	return e.Program + " exited with status " + strconv.Itoa(e.Code)
}

// ErrConnectionLost is wrapped by the errors of runs whose connection to the host broke
// before the program reported an exit status: the program may or may not have finished.
var ErrConnectionLost = errors.New("connection lost")

// ErrStopUnconfirmed is wrapped by the errors of runs cancelled (or timed out) whose
// program did not confirm that it ended: it may still be running, and whether it did
// its work is unknown.
var ErrStopUnconfirmed = errors.New("cancelled, but the remote command did not confirm that it stopped; it may still be running and its outcome is unknown")

// MaxCommandLine is the longest command line the SSH transport sends. Windows OpenSSH
// hands an exec request to its default shell, cmd.exe /c, whose command line is limited
// to 8191 characters.
const MaxCommandLine = 8191

// maxOutput bounds what one run may print on each of its standard output and standard
// error, on every transport. A run that prints more is stopped at once and fails with an
// *OutputLimitError, so a runaway program neither exhausts this process's memory nor
// keeps a run going until its timeout. The provider's scripts print kilobytes.
const maxOutput = 64 << 20

// OutputLimitError reports a run that was stopped because its program printed more than
// a run may keep on one stream.
type OutputLimitError struct {
	// Program is the program that ran.
	Program string
	// Stream is the stream that passed the limit: "standard output" or "standard error".
	Stream string
	// Limit is how many bytes a stream may carry.
	Limit int
	// Unconfirmed is true when the program did not confirm that it stopped: it may
	// still be running (the error then wraps ErrStopUnconfirmed).
	Unconfirmed bool
}

func (e *OutputLimitError) Error() string {
	msg := fmt.Sprintf("the host printed more than %d MiB on %s while running %s, so the run was stopped; "+
		"look on the host for what prints without end, such as a module or a profile script that writes in a loop", e.Limit>>20, e.Stream, e.Program)
	if e.Unconfirmed {
		msg += " (" + ErrStopUnconfirmed.Error() + ")"
	}
	return msg
}

// Unwrap returns ErrStopUnconfirmed when the program may still be running.
func (e *OutputLimitError) Unwrap() error {
	if e.Unconfirmed {
		return ErrStopUnconfirmed
	}
	return nil
}

// ErrProgramNotFound is wrapped by the errors of local runs whose program could not be
// started because it does not exist (over SSH the remote shell reports that instead, as
// an exit status).
var ErrProgramNotFound = errors.New("program not found")

type noticeKey struct{}

// WithNotice returns a context whose runs tell f about what they did that is not an
// error but belongs in a debug log, such as output that a child process of the program
// kept open after the program exited. The transports log nothing themselves.
func WithNotice(ctx context.Context, f func(msg string)) context.Context {
	return context.WithValue(ctx, noticeKey{}, f)
}

// Notice tells the function WithNotice put in ctx about msg; runners call it.
func Notice(ctx context.Context, msg string) {
	if f, ok := ctx.Value(noticeKey{}).(func(string)); ok && f != nil {
		f(msg)
	}
}

// CommandLine builds the single command string an SSH exec request carries, so that it
// means the same to cmd.exe (the default shell of Windows OpenSSH) and to POSIX shells.
//
// The program is written as is when it consists of plain characters and in double
// quotes otherwise (a path with spaces such as C:\Program Files\PowerShell\7\pwsh.exe).
// Characters that either shell would still interpret inside double quotes are refused:
// quotes, % (cmd.exe variables), $ and ` (POSIX expansion), ! and the cmd.exe
// metacharacters & | < > ( ) ^ @, a doubled or trailing backslash, and control
// characters. Arguments may only be flags and base64 text (letters, digits and
// + / = _ . : , -), which need no quoting in either shell.
func CommandLine(program string, args []string) (string, error) {
	if err := checkProgram(program); err != nil {
		return "", err
	}
	var b strings.Builder
	if needsQuotes(program) {
		b.WriteString(`"` + program + `"`)
	} else {
		b.WriteString(program)
	}
	for i, a := range args {
		if err := checkArg(a); err != nil {
			return "", fmt.Errorf("argument %d: %w", i+1, err)
		}
		b.WriteByte(' ')
		b.WriteString(a)
	}
	if b.Len() > MaxCommandLine {
		return "", fmt.Errorf("command line is %d characters long, more than the %d that cmd.exe (the default shell of Windows OpenSSH) accepts", b.Len(), MaxCommandLine)
	}
	return b.String(), nil
}

func plainProgramRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("_./:-", r))
}

func needsQuotes(program string) bool {
	for _, r := range program {
		if !plainProgramRune(r) {
			return true
		}
	}
	return false
}

func checkProgram(p string) error {
	if p == "" {
		return errors.New("program is empty")
	}
	if !utf8.ValidString(p) {
		return errors.New("program is not valid UTF-8")
	}
	if strings.TrimSpace(p) != p {
		return fmt.Errorf("program %q starts or ends with white space", p)
	}
	for _, r := range p {
		switch {
		case plainProgramRune(r), r == ' ', r == '\\', r == '+', r == '~':
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			return fmt.Errorf("program %q contains %q, which cannot be quoted safely for both cmd.exe and POSIX shells; use a path without it (for example a directory on PATH or an 8.3 short name)", p, r)
		}
	}
	if strings.Contains(p, `\\`) || strings.HasSuffix(p, `\`) {
		return fmt.Errorf("program %q contains a doubled or trailing backslash, which a POSIX shell would change inside double quotes", p)
	}
	return nil
}

func checkArg(a string) error {
	if a == "" {
		return errors.New("empty arguments are not supported")
	}
	for _, r := range a {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("+/=_.:,-", r)) {
			continue
		}
		return fmt.Errorf("%q contains %q: arguments may only be flags and base64 text", truncate(a, 40), r)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// output collects one stream of a run, up to maxOutput bytes. It keeps what it gets in
// chunks, so that a stream cut off at the limit has allocated about the limit and not
// several times it, as a growing slice would. A write past the limit drops what was kept,
// marks the stream exceeded, calls onExceed once and fails. It is safe for one writer and
// concurrent readers.
type output struct {
	limit    int
	onExceed func()

	mu       sync.Mutex
	chunks   [][]byte
	n        int
	exceeded bool
	sealed   bool // Bytes was called: later writes fail, so what it returned stays as it is
}

const (
	firstChunk = 4 << 10
	maxChunk   = 1 << 20
)

func newOutput(onExceed func()) *output {
	return &output{limit: maxOutput, onExceed: onExceed}
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	if o.exceeded || o.sealed {
		o.mu.Unlock()
		return 0, errOutputLimit
	}
	if o.n+len(p) > o.limit {
		o.exceeded, o.chunks, o.n = true, nil, 0
		o.mu.Unlock()
		if o.onExceed != nil {
			o.onExceed()
		}
		return 0, errOutputLimit
	}
	written := len(p)
	for len(p) > 0 {
		last := len(o.chunks) - 1
		if last < 0 || len(o.chunks[last]) == cap(o.chunks[last]) {
			size := firstChunk
			if last >= 0 {
				size = min(2*cap(o.chunks[last]), maxChunk)
			}
			// A chunk never reaches past the limit.
			o.chunks = append(o.chunks, make([]byte, 0, min(size, o.limit-o.n)))
			last++
		}
		c := o.chunks[last]
		k := min(len(p), cap(c)-len(c))
		o.chunks[last] = append(c, p[:k]...)
		p = p[k:]
		o.n += k
	}
	o.mu.Unlock()
	return written, nil
}

// errOutputLimit fails the write that passes the limit, and every write after it or
// after Bytes; the runners report an *OutputLimitError instead.
var errOutputLimit = errors.New("output limit reached")

// Exceeded reports whether the stream passed the limit.
func (o *output) Exceeded() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.exceeded
}

// Bytes returns what the stream printed, nil once it passed the limit, and ends the
// stream: a reader still going (a child holding the output open) stops at its next write.
func (o *output) Bytes() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sealed = true
	switch len(o.chunks) {
	case 0:
		return nil
	case 1:
		return o.chunks[0]
	}
	b := make([]byte, 0, o.n)
	for _, c := range o.chunks {
		b = append(b, c...)
	}
	return b
}
