// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/prereq"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

func keyConfig(s *sshtest.Server) transport.SSHConfig {
	return transport.SSHConfig{Host: s.Host, Port: s.Port, User: s.User, PrivateKey: s.ClientKeyPEM, HostKey: s.HostKeyLine}
}

func newSSH(t *testing.T, cfg transport.SSHConfig) *transport.SSH {
	t.Helper()
	r, err := transport.NewSSH(cfg)
	if err != nil {
		t.Fatalf("NewSSH: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// writeScript writes an executable shell script into a directory whose name has spaces,
// so every run also proves the program quoting.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Program Files", "Aks Hci")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSSHRunWithKey(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	r := newSSH(t, keyConfig(srv))
	if w := r.Warning(); w != "" {
		t.Errorf("Warning() = %q with host key verification on", w)
	}

	out, errOut, err := r.Run(context.Background(), "/bin/echo", []string{"hello", "-x", "aGk+/w=="})
	if err != nil || string(out) != "hello -x aGk+/w==\n" || len(errOut) != 0 {
		t.Fatalf("echo: %q, %q, %v\n%s", out, errOut, err, srv.Log())
	}

	prog := writeScript(t, "fail now", `echo "args:$*"; echo "boom on stderr" >&2; exit 3`)
	out, errOut, err = r.Run(context.Background(), prog, []string{"-NoProfile", "QUJD"})
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) || xerr.Code != 3 {
		t.Fatalf("want ExitError code 3, got %v (%T)", err, err)
	}
	if string(out) != "args:-NoProfile QUJD\n" || string(errOut) != "boom on stderr\n" || string(xerr.Stderr) != "boom on stderr\n" {
		t.Fatalf("stdout %q stderr %q ExitError.Stderr %q", out, errOut, xerr.Stderr)
	}
	if !strings.Contains(err.Error(), "exited with status 3") {
		t.Errorf("error text %q", err)
	}
}

func TestSSHLargeOutput(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	r := newSSH(t, keyConfig(srv))
	const n = 6 << 20
	out, _, err := r.Run(context.Background(), "/usr/bin/head", []string{"-c", strconv.Itoa(n), "/dev/zero"})
	if err != nil || len(out) != n {
		t.Fatalf("got %d bytes, %v; want %d", len(out), err, n)
	}
}

func TestSSHRejectsUnsafeCommandLine(t *testing.T) {
	t.Parallel()
	// No server needed: the command line is checked before connecting.
	r := newSSH(t, transport.SSHConfig{Host: "127.0.0.1", Port: 1, User: "u", Password: "p", InsecureIgnoreHostKey: true})
	_, _, err := r.Run(context.Background(), "/bin/echo", []string{"a; rm -rf /"})
	if err == nil || !strings.Contains(err.Error(), "only be flags and base64") {
		t.Fatalf("got %v", err)
	}
}

func TestSSHHostKeyChanged(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	other, _ := sshtest.NewKeyPair(t)
	cfg := keyConfig(srv)
	cfg.HostKey = other
	r := newSSH(t, cfg)
	_, _, err := r.Run(context.Background(), "/bin/true", nil)
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) {
		t.Fatalf("want HostKeyError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"host key mismatch for " + srv.Addr, "but HostKey expects", "update HostKey to the host's new key: " + srv.HostKeyLine} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestSSHKnownHosts(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	other, _ := sshtest.NewKeyPair(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	entry := fmt.Sprintf("[%s]:%d", srv.Host, srv.Port)
	good := write("good", "# comment\n"+entry+" "+other+"\n"+entry+" "+srv.HostKeyLine+"\n")
	bad := write("bad", entry+" "+other+"\n")
	revoked := write("revoked", "@revoked "+entry+" "+srv.HostKeyLine+"\n"+entry+" "+srv.HostKeyLine+"\n")
	unknown := write("unknown", "[example.com]:22 "+other+"\n")

	cfg := keyConfig(srv)
	cfg.HostKey = ""
	cfg.KnownHostsPath = good
	if _, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatalf("known host: %v", err)
	}

	cfg.KnownHostsPath = bad
	_, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	if err == nil || !strings.Contains(err.Error(), "host key mismatch") || !strings.Contains(err.Error(), "ssh-keygen -R") {
		t.Fatalf("mismatch: %v", err)
	}

	cfg.KnownHostsPath = revoked
	_, _, err = newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) || !herr.Revoked ||
		!strings.Contains(err.Error(), "is marked @revoked in KnownHostsPath "+revoked+"; refusing to connect") {
		t.Fatalf("revoked: %v", err)
	}

	cfg.KnownHostsPath = unknown
	_, _, err = newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	if err == nil || !strings.Contains(err.Error(), "is not in KnownHostsPath "+unknown) || !strings.Contains(err.Error(), "ssh-keyscan -p "+strconv.Itoa(srv.Port)) ||
		!strings.Contains(err.Error(), "or set HostKey to: "+srv.HostKeyLine) {
		t.Fatalf("unknown host: %v", err)
	}
}

func TestSSHDefaultKnownHosts(t *testing.T) {
	srv := sshtest.Start(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg := keyConfig(srv)
	cfg.HostKey = ""
	_, err := transport.NewSSH(cfg)
	var cerr *transport.ConfigError
	if !errors.As(err, &cerr) || cerr.Setting != transport.SettingHostKey || !strings.Contains(err.Error(), "or KnownHostsPath so the host can be verified") {
		t.Fatalf("without ~/.ssh/known_hosts: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	def := filepath.Join(home, ".ssh", "known_hosts")
	// A default file that does not list the host names itself as the source, not a setting.
	if err := os.WriteFile(def, []byte("[example.com]:22 "+srv.HostKeyLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) || herr.Source != 0 || herr.File != def || !strings.Contains(err.Error(), "is not in known_hosts "+def+". ") {
		t.Fatalf("host missing from ~/.ssh/known_hosts: %v", err)
	}
	line := fmt.Sprintf("[%s]:%d %s\n", srv.Host, srv.Port, srv.HostKeyLine)
	if err := os.WriteFile(def, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatalf("with ~/.ssh/known_hosts: %v", err)
	}
}

func TestSSHInsecureIgnoreHostKey(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	cfg := keyConfig(srv)
	cfg.HostKey = ""
	cfg.InsecureIgnoreHostKey = true
	r := newSSH(t, cfg)
	if w := r.Warning(); !strings.HasPrefix(w, "InsecureIgnoreHostKey is set: the identity of "+srv.Addr+" is not verified") || !strings.Contains(w, "Set HostKey (") {
		t.Fatalf("Warning() = %q", w)
	}
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatal(err)
	}
}

func TestSSHWrongCredentials(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	_, otherKey := sshtest.NewKeyPair(t)
	who := srv.User + "@" + srv.Addr

	cfg := keyConfig(srv)
	cfg.PrivateKey = otherKey
	_, _, err := newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	if err == nil || !strings.Contains(err.Error(), who) || !strings.Contains(err.Error(), "check User and PrivateKey") {
		t.Fatalf("wrong key: %v", err)
	}

	cfg.PrivateKey = ""
	cfg.Password = "not-the-password"
	_, _, err = newSSH(t, cfg).Run(context.Background(), "/bin/true", nil)
	if err == nil || !strings.Contains(err.Error(), who) || !strings.Contains(err.Error(), "check User and Password") {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Fatalf("error leaks the password: %v", err)
	}
	// The password was offered, not only named in the message.
	if !strings.Contains(srv.Log(), "Failed password for "+srv.User) {
		t.Errorf("sshd saw no password attempt:\n%s", srv.Log())
	}
}

func TestSSHConnectRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	r := newSSH(t, transport.SSHConfig{Host: host, Port: p, User: "u", Password: "p", InsecureIgnoreHostKey: true, DialTimeout: 2 * time.Second})
	_, _, err = r.Run(context.Background(), "/bin/true", nil)
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.HasPrefix(err.Error(), "ssh connect to "+addr+": ") {
		t.Fatalf("got %v, want the refusal", err)
	}
}

// The dial timeout bounds connecting and logging in, not the connection's life: a run
// that starts within it may go on past it.
func TestSSHDialTimeoutBoundsOnlyTheHandshake(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	cfg := keyConfig(srv)
	cfg.DialTimeout = 2 * time.Second
	r := newSSH(t, cfg)
	out, _, err := r.Run(context.Background(), writeScript(t, "slow", "sleep 2.5; echo done"), nil)
	if err != nil || string(out) != "done\n" {
		t.Fatalf("a run lasting past the dial timeout: %q, %v", out, err)
	}
}

// TestSSHCancelKillsRemoteCommand: a cancelled run kills the remote command and waits for
// the exit status that proves it ended, with or without standard input (RunInput takes
// the same path; 1 MiB of stdin that the command never reads can fill the channel window).
func TestSSHCancelKillsRemoteCommand(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	cfg := keyConfig(srv)
	// OpenSSH refuses signal requests in a root login (no privilege separation there).
	cfg.User = sshtest.UnprivilegedUser(t)
	r := newSSH(t, cfg)
	// Warm the connection so the timeout below is spent running.
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	for _, tc := range []struct {
		name  string
		stdin []byte
	}{{"without stdin", nil}, {"with stdin", bigInput()}} {
		t.Run(tc.name, func(t *testing.T) {
			marker := sleepMarker(t)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, _, err := r.RunInput(ctx, marker, []string{"300"}, tc.stdin)
			if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, transport.ErrStopUnconfirmed) || !strings.Contains(err.Error(), "the remote command has ended") {
				t.Fatalf("want a confirmed stop after DeadlineExceeded, got %v", err)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("RunInput returned %s after it was cancelled", d)
			}
			waitGone(t, marker, srv)
			// The connection survives a cancelled run.
			if out, _, err := r.Run(context.Background(), "/bin/echo", []string{"still-alive"}); err != nil || string(out) != "still-alive\n" {
				t.Fatalf("after cancel: %q %v", out, err)
			}
		})
	}
}

// TestSSHCancelUnconfirmedIsOutcomeUnknown: where the server refuses the kill signal (a
// root login), the remote command may outlive the cancelled run, and the error says so
// instead of claiming it stopped.
func TestSSHCancelUnconfirmedIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	cfg := keyConfig(srv)
	if cfg.User != "root" {
		prereq.Missing(t, "sshd", "TestSSHCancelUnconfirmedIsOutcomeUnknown needs a root login (OpenSSH refuses signal requests there) and the tests run as "+cfg.User,
			"Run the tests as root, as CI does")
		return
	}
	r := newSSH(t, cfg)
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	// Each case waits out the grace period for an exit status that never comes; they run
	// side by side on the one connection, each with its own marker.
	for _, tc := range []struct {
		name  string
		stdin []byte
	}{{"without stdin", nil}, {"with stdin", bigInput()}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			marker := sleepMarker(t)
			t.Cleanup(func() { killAll(t, marker) })
			// Cancel once the command runs on the server, not after a fixed time that a
			// loaded machine may spend opening the session. The watcher runs beside
			// RunInput and hands its verdict to the test's goroutine.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := make(chan error, 1)
			go func() {
				defer cancel()
				started <- sshtest.WaitFor(10*time.Second, "the remote command to start", func() (bool, error) {
					pids, err := sshtest.Processes(marker)
					return len(pids) > 0, err
				})
			}()
			_, _, err := r.RunInput(ctx, marker, []string{"300"}, tc.stdin)
			cancel()
			if werr := <-started; werr != nil {
				t.Fatalf("%v (RunInput: %v)\n%s", werr, err, srv.Log())
			}
			if !errors.Is(err, transport.ErrStopUnconfirmed) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "outcome is unknown") {
				t.Fatalf("want an unconfirmed stop, got %v", err)
			}
			// The process outlives the run, as the error says.
			if pids := mustProcesses(t, marker); len(pids) == 0 {
				t.Errorf("the remote command is gone, yet the error says it may still be running")
			}
		})
	}
}

func waitGone(t testing.TB, marker string, srv *sshtest.Server) {
	t.Helper()
	err := sshtest.WaitFor(5*time.Second, "the remote process to end after the cancel", func() (bool, error) {
		pids, err := sshtest.Processes(marker)
		return len(pids) == 0, err
	})
	if err != nil {
		pids := mustProcesses(t, marker)
		killAll(t, marker)
		t.Fatalf("%v: pids %v\n%s", err, pids, srv.Log())
	}
}

// killAll kills this test's own remote processes, found by their unique path.
func killAll(t testing.TB, marker string) {
	t.Helper()
	for _, p := range mustProcesses(t, marker) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}

// mustProcesses is processes for the test's own goroutine: a pgrep failure ends the test.
func mustProcesses(t testing.TB, pattern string) []int {
	t.Helper()
	pids, err := sshtest.Processes(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// sleepMarker links a uniquely named path to sleep, so that pgrep finds exactly the
// process a test started through it.
func sleepMarker(t testing.TB) string { return markerFor(t, "/bin/sleep") }

// markerFor links a uniquely named path, in a directory every user can read, to program.
func markerFor(t testing.TB, program string) string {
	t.Helper()
	marker := filepath.Join(sshtest.SharedDir(t), fmt.Sprintf("akshybrid-%s-%d", filepath.Base(program), time.Now().UnixNano()))
	if err := os.Symlink(program, marker); err != nil {
		t.Fatal(err)
	}
	return marker
}

// sharedScript writes an executable shell script that every user can run.
func sharedScript(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(sshtest.SharedDir(t), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil { //nolint:gosec // run by the unprivileged login user
		t.Fatal(err)
	}
	return p
}

func TestSSHConcurrentRunsShareOneConnection(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	px := sshtest.StartProxy(t, srv.Addr)
	cfg := keyConfig(srv)
	cfg.Port = px.Port
	cfg.HostKey = srv.HostKeyLine
	// The host key is checked against the address dialled; the proxy is transparent.
	r := newSSH(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, err := r.Run(context.Background(), "/bin/echo", []string{strconv.Itoa(i)})
			if err == nil && string(out) != strconv.Itoa(i)+"\n" {
				err = fmt.Errorf("run %d printed %q", i, out)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := px.Accepted(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestSSHRedialsAfterConnectionDied(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	px := sshtest.StartProxy(t, srv.Addr)
	cfg := keyConfig(srv)
	cfg.Port = px.Port
	r := newSSH(t, cfg)
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatal(err)
	}
	px.DropAll()
	if out, _, err := r.Run(context.Background(), "/bin/echo", []string{"again"}); err != nil || string(out) != "again\n" {
		t.Fatalf("after drop: %q %v", out, err)
	}
	if n := px.Accepted(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestSSHKeepAliveDetectsDeadPeer(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	px := sshtest.StartProxy(t, srv.Addr)
	cfg := keyConfig(srv)
	cfg.Port = px.Port
	cfg.KeepAlive = 100 * time.Millisecond
	r := newSSH(t, cfg)
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatal(err)
	}
	marker := sleepMarker(t)
	t.Cleanup(func() { killAll(t, marker) })
	done := make(chan error, 1)
	go func() {
		_, _, err := r.Run(context.Background(), marker, []string{"4"})
		done <- err
	}()
	// Freeze once the command runs on the server, so the run is in flight.
	if err := sshtest.WaitFor(5*time.Second, "the remote command to start", func() (bool, error) {
		pids, err := sshtest.Processes(marker)
		return len(pids) > 0, err
	}); err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	px.Freeze() // the peer goes silent without closing the TCP connection
	frozen := time.Now()
	select {
	case err := <-done:
		// Three intervals without an answer to one keepalive, not fewer: a slow reply is not
		// a dead peer. That keepalive may have left up to one interval before the freeze
		// (its reply then never came), so the run ends at least two intervals after it.
		if d := time.Since(frozen); d < 2*cfg.KeepAlive {
			t.Errorf("the connection was given up %s after the peer went silent, too soon for three keepalive intervals (%s) without an answer", d, 3*cfg.KeepAlive)
		}
		if !errors.Is(err, transport.ErrConnectionLost) || !strings.Contains(err.Error(), "(no answer to keepalives for 300ms)") {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "may or may not have finished") {
			t.Errorf("error does not say the outcome is unknown: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run still blocked on a dead connection")
	}
	px.Thaw()
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatalf("after redial: %v", err)
	}
}

func TestSSHClose(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	r := newSSH(t, keyConfig(srv))
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Run(context.Background(), "/bin/true", nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("run after Close: %v", err)
	}
}

func TestSSHCancelledBeforeConnect(t *testing.T) {
	t.Parallel()
	r := newSSH(t, transport.SSHConfig{Host: "192.0.2.1", User: "u", Password: "p", InsecureIgnoreHostKey: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.Run(ctx, "/bin/true", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

// checkOutputLimit checks err is the output limit error for program on stream, with the
// command confirmed stopped.
func checkOutputLimit(t testing.TB, err error, program, stream string) {
	t.Helper()
	var lerr *transport.OutputLimitError
	if !errors.As(err, &lerr) || lerr.Program != program || lerr.Stream != stream || lerr.Limit != 64<<20 || lerr.Unconfirmed {
		t.Fatalf("want an OutputLimitError for %s on %s, got %v (%#v)", program, stream, err, lerr)
	}
	if errors.Is(err, transport.ErrStopUnconfirmed) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the error says the stop is unconfirmed or the run timed out: %v", err)
	}
	for _, want := range []string{"the host printed more than 64 MiB on " + stream + " while running " + program,
		"so the run was stopped", "such as a module or a profile script that writes in a loop"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// A remote command that prints without end, on either stream, is stopped at the output
// limit: the run fails with the limit's error instead of reading on until its timeout,
// and the command is gone. The deadline only bounds the test.
func TestSSHEndlessOutputIsStoppedAtTheLimit(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	cfg := keyConfig(srv)
	// OpenSSH refuses signal requests in a root login (no privilege separation there).
	cfg.User = sshtest.UnprivilegedUser(t)
	r := newSSH(t, cfg)
	for _, stream := range []string{"standard output", "standard error"} {
		t.Run(stream, func(t *testing.T) {
			marker := markerFor(t, "/usr/bin/yes")
			t.Cleanup(func() { killAll(t, marker) })
			program := marker
			if stream == "standard error" {
				program = sharedScript(t, "yes-on-stderr", "exec "+marker+" >&2")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, errOut, err := r.Run(ctx, program, nil)
			checkOutputLimit(t, err, program, stream)
			if out != nil || errOut != nil {
				t.Errorf("a run past the limit returned %d and %d bytes of output", len(out), len(errOut))
			}
			waitGone(t, marker, srv)
		})
	}
	// The connection survives.
	echo(t, r, srv)
}

// A command that exits while a process it started in the background still holds its
// output is judged by its exit status: the run returns what it printed without waiting
// for the background process, which is still running when the run returns.
func TestSSHChildHoldingTheOutputDoesNotHoldTheRun(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	r := newSSH(t, keyConfig(srv))
	for _, tc := range []struct {
		name string
		code int
	}{{"exit 0", 0}, {"exit 3", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			child := sleepMarker(t)
			t.Cleanup(func() { killAll(t, child) })
			prog := sharedScript(t, "leaves-a-child", child+" 300 & echo done; exit "+strconv.Itoa(tc.code))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var notes []string
			out, _, err := r.Run(transport.WithNotice(ctx, func(msg string) { notes = append(notes, msg) }), prog, nil)
			if string(out) != "done\n" {
				t.Errorf("stdout %q, want what the command printed before it exited", out)
			}
			var xerr *transport.ExitError
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("a command that exited 0 failed: %v", err)
			case tc.code != 0 && (!errors.As(err, &xerr) || xerr.Code != tc.code):
				t.Fatalf("want exit status %d, got %v", tc.code, err)
			}
			if len(mustProcesses(t, child)) == 0 {
				t.Fatal("the background process has ended: the run waited for it")
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "its output stayed open") {
				t.Errorf("notices %q, want one about the output left open", notes)
			}
		})
	}
}

// BenchmarkSSHEndlessOutput runs a remote command that prints without end until the
// output limit stops it; B/op is what one such run allocates.
func BenchmarkSSHEndlessOutput(b *testing.B) {
	srv := sshtest.Start(b)
	cfg := keyConfig(srv)
	cfg.User = sshtest.UnprivilegedUser(b)
	r, err := transport.NewSSH(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	echoOut, _, err := r.Run(context.Background(), "/bin/echo", []string{"warm"})
	if err != nil || string(echoOut) != "warm\n" {
		b.Fatalf("warm-up: %q %v", echoOut, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _, err := r.Run(context.Background(), "/usr/bin/yes", nil)
		var lerr *transport.OutputLimitError
		if !errors.As(err, &lerr) {
			b.Fatalf("got %v", err)
		}
	}
}
