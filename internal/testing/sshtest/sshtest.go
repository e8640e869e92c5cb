// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

// Package sshtest runs a real OpenSSH server (Debian's openssh-server, /usr/sbin/sshd)
// for tests: on 127.0.0.1 with a free port, a fresh host key and one authorized client
// key in a temporary directory, logging in as the current user.
package sshtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/prereq"
)

// SSHDPath is where Debian's openssh-server installs the daemon.
const SSHDPath = "/usr/sbin/sshd"

// InstallHint is the command that provides SSHDPath.
const InstallHint = "apt-get install -y openssh-server"

// Server is a running sshd.
type Server struct {
	// Addr is Host:Port.
	Addr string
	Host string
	Port int
	// User is the current user, who may log in with ClientKeyPEM.
	User string
	// ClientKeyPEM is an unencrypted OpenSSH-format private key authorized to log in.
	ClientKeyPEM string
	// HostKeyLine is the server's public host key as an authorized_keys line.
	HostKeyLine string
	// Dir holds the server's configuration, keys and pid file. It is readable by every
	// user (sshd reads authorized_keys as the user logging in); the host key is not.
	Dir string

	extra []string

	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

// Start starts sshd and stops it when the test ends. Every local user may log in with
// ClientKeyPEM (AuthorizedKeysFile is one absolute path), not only User. Without sshd the test fails, unless
// it is skipped knowingly (see package prereq).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with extra sshd_config lines, e.g. "AllowTcpForwarding no" for a
// jump host that refuses to forward.
func StartWith(t testing.TB, extraConfig ...string) *Server {
	t.Helper()
	if _, err := os.Stat(SSHDPath); err != nil {
		prereq.Missing(t, "sshd", "sshtest: "+SSHDPath+" is missing ("+err.Error()+")", "Install it with: "+InstallHint)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshtest: current user: %v", err)
	}
	// The privilege separation directory must exist; only root can create it.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatalf("sshtest: create /run/sshd: %v", err)
	}

	dir := SharedDir(t)
	hostPub, hostPEM := newKey(t)
	clientPub, clientPEM := newKey(t)
	writeFile(t, filepath.Join(dir, "ssh_host_ed25519_key"), hostPEM, 0o600)
	writeFile(t, filepath.Join(dir, "authorized_keys"), []byte(authorizedLine(clientPub)+"\n"), 0o644)

	s := &Server{
		Host:         "127.0.0.1",
		User:         u.Username,
		ClientKeyPEM: string(clientPEM),
		HostKeyLine:  authorizedLine(hostPub),
		Dir:          dir,
		extra:        extraConfig,
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if lastErr = s.start(t); lastErr == nil {
			t.Cleanup(s.stop)
			return s
		}
	}
	t.Fatalf("sshtest: %v", lastErr)
	return nil
}

func (s *Server) start(t testing.TB) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(port))
	config := strings.Join(append(append([]string{}, s.extra...),
		"Port "+strconv.Itoa(port),
		"ListenAddress "+s.Host,
		"HostKey "+filepath.Join(s.Dir, "ssh_host_ed25519_key"),
		"PidFile "+filepath.Join(s.Dir, "sshd.pid"),
		"AuthorizedKeysFile "+filepath.Join(s.Dir, "authorized_keys"),
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin yes",
		"PubkeyAuthentication yes",
		"PasswordAuthentication yes",
		"KbdInteractiveAuthentication no",
		"PermitEmptyPasswords no",
		"UseDNS no",
		"PrintMotd no",
		"PrintLastLog no",
		"MaxSessions 32",
		"MaxStartups 64",
		"LogLevel VERBOSE",
		"",
	), "\n")
	cfgPath := filepath.Join(s.Dir, "sshd_config")
	writeFile(t, cfgPath, []byte(config), 0o600)

	s.log = &syncBuffer{}
	s.cmd = exec.Command(SSHDPath, "-D", "-e", "-f", cfgPath)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Per-connection sshd processes call setsid and keep the log pipe open while a
	// client (such as an in-process provider of an acceptance test) stays connected:
	// do not let Wait hang on them once sshd itself has exited.
	s.cmd.WaitDelay = 2 * time.Second
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", SSHDPath, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("sshd exited at start-up:\n%s", s.log.String())
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("sshd did not accept connections on %s within 15s:\n%s", s.Addr, s.log.String())
}

func (s *Server) kill() {
	// sshd runs in its own process group; ending the group also ends the per-connection
	// processes it forked.
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

func (s *Server) stop() { s.kill() }

// Log returns what sshd logged so far (LogLevel VERBOSE), for failure messages.
func (s *Server) Log() string { return s.log.String() }

// AuthorizeKey adds a public key (authorized_keys line) that may log in.
func (s *Server) AuthorizeKey(t testing.TB, line string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.TrimSpace(line) + "\n"); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("listener has no TCP address")
	}
	return addr.Port, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// UnprivilegedUserName is the account UnprivilegedUser creates when tests run as root.
const UnprivilegedUserName = "akshybrid-sshtest"

var unprivileged struct {
	once sync.Once
	name string
	err  error
}

// UnprivilegedUser returns a user other than root that may log in to a Server. OpenSSH
// handles a root login without post-authentication privilege separation and then
// refuses "signal" requests, so tests of remote cancellation log in as this user. When
// the tests run as root it is a system account without a home directory, created on
// first use; otherwise it is the current user.
func UnprivilegedUser(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		return u.Username
	}
	unprivileged.once.Do(func() {
		unprivileged.name = UnprivilegedUserName
		if _, err := user.Lookup(UnprivilegedUserName); err != nil {
			out, err := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
				"--shell", "/bin/sh", UnprivilegedUserName).CombinedOutput()
			// Another test binary may have created it meanwhile.
			if _, lerr := user.Lookup(UnprivilegedUserName); err != nil && lerr != nil {
				unprivileged.err = fmt.Errorf("useradd %s: %v: %s", UnprivilegedUserName, err, out)
				return
			}
		}
		// A new system account is locked ("!"), which sshd refuses even for key logins;
		// "*" means no password but an open account.
		if out, err := exec.Command("usermod", "--password", "*", UnprivilegedUserName).CombinedOutput(); err != nil {
			unprivileged.err = fmt.Errorf("usermod %s: %v: %s", UnprivilegedUserName, err, out)
		}
	})
	if unprivileged.err != nil {
		prereq.Missing(t, "sshd", "sshtest: no unprivileged login user: "+unprivileged.err.Error(),
			"Run the tests as root (they create the system user "+UnprivilegedUserName+"), or create it yourself")
	}
	return unprivileged.name
}
