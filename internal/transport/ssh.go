package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

// SSHConfig says how to reach a host over OpenSSH. Field names in errors are the
// provider's attribute names (host, port, user, ...).
type SSHConfig struct {
	// Host is the host name or IP address (IPv6 with or without brackets). Required.
	Host string
	// Port defaults to 22.
	Port int
	// User is the login name. Required.
	User string
	// Password or PrivateKey authenticates; exactly one is required.
	Password string
	// PrivateKey is an unencrypted private key in PEM or OpenSSH format.
	PrivateKey string
	// HostKey is the host's public key as an authorized_keys line
	// ("ssh-ed25519 AAAA..."); a known_hosts line is accepted too.
	HostKey string
	// KnownHostsPath is an OpenSSH known_hosts file to check the host key against. When
	// neither HostKey nor KnownHostsPath is set, ~/.ssh/known_hosts is used.
	KnownHostsPath string
	// InsecureIgnoreHostKey skips host key verification. Explicit opt-in only: Warning
	// then returns text for the caller to show.
	InsecureIgnoreHostKey bool
	// DialTimeout bounds connecting, the handshake and authentication (default 30s).
	DialTimeout time.Duration
	// KeepAlive is the interval of keepalive@openssh.com requests (default 30s); the
	// connection is dropped after three unanswered intervals. Negative disables them.
	KeepAlive time.Duration
}

// ConfigError names the SSH setting that is missing, invalid or conflicting.
type ConfigError struct {
	// Field is the provider attribute name, e.g. "private_key".
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "ssh " + e.Field + ": " + e.Reason }

const (
	defaultDialTimeout = 30 * time.Second
	defaultKeepAlive   = 30 * time.Second
	keepAliveCountMax  = 3
	// maxSessions bounds concurrent runs on the one connection: OpenSSH refuses
	// sessions beyond its MaxSessions (10 by default).
	maxSessions = 8
	// cancelGrace is how long a cancelled run waits for the session to wind down
	// before returning anyway.
	cancelGrace = 2 * time.Second
)

// SSH runs programs on a remote host over one shared OpenSSH connection, dialled on
// first use and redialled when it has died. Each Run is its own session.
type SSH struct {
	cfg      SSHConfig
	addr     string
	auth     []ssh.AuthMethod
	method   string
	verifier *hostKeyVerifier
	warning  string

	sessions chan struct{}
	dialing  chan struct{}

	mu     sync.Mutex
	conn   *sshConn
	closed bool
}

type sshConn struct {
	client *ssh.Client
	done   chan struct{} // closed once the connection has ended and reason is set
	failed atomic.Bool
	once   sync.Once
	reason error
}

// fail records why the connection ends and closes it.
func (c *sshConn) fail(err error) {
	c.once.Do(func() { c.reason = err })
	c.failed.Store(true)
	_ = c.client.Close()
}

func (c *sshConn) alive() bool {
	if c.failed.Load() {
		return false
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// endReason waits briefly for a connection that is going down and says why it ended.
func (c *sshConn) endReason() error {
	select {
	case <-c.done:
		return c.reason
	case <-time.After(time.Second):
		return nil
	}
}

// NewSSH validates cfg and returns a runner. It does not connect: the first Run does.
func NewSSH(cfg SSHConfig) (*SSH, error) {
	// A control character (a newline above all) in the host or user would reach the
	// resolver or sshd as part of the value: refuse it rather than trim it away.
	for field, v := range map[string]string{"host": cfg.Host, "user": cfg.User} {
		if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(v[i:])
			return nil, &ConfigError{field, fmt.Sprintf("contains the control character %q at byte %d; give the value without line breaks, tabs or other control characters", r, i)}
		}
	}
	host := strings.TrimSpace(cfg.Host)
	if host == "" {
		return nil, &ConfigError{"host", "must be set to the name or address of a node that has the AksHci PowerShell module"}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.ContainsAny(host, " \t/@") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
		return nil, &ConfigError{"host", fmt.Sprintf("%q is not a host name or IP address (give the port in port and the user in user)", cfg.Host)}
	}
	if cfg.Port == 0 {
		cfg.Port = 22
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, &ConfigError{"port", fmt.Sprintf("%d is not a TCP port (1-65535)", cfg.Port)}
	}
	if cfg.User == "" {
		return nil, &ConfigError{"user", "must be set to the login name on the host"}
	}
	if cfg.DialTimeout < 0 {
		return nil, &ConfigError{"dial_timeout", "must not be negative"}
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = defaultKeepAlive
	}
	s := &SSH{
		cfg:      cfg,
		addr:     net.JoinHostPort(host, strconv.Itoa(cfg.Port)),
		sessions: make(chan struct{}, maxSessions),
		dialing:  make(chan struct{}, 1),
	}

	switch {
	case cfg.Password != "" && cfg.PrivateKey != "":
		return nil, &ConfigError{"password", "conflicts with private_key: set only one of them"}
	case cfg.PrivateKey != "":
		signer, err := ssh.ParsePrivateKey([]byte(cfg.PrivateKey))
		if err != nil {
			var pe *ssh.PassphraseMissingError
			if errors.As(err, &pe) {
				return nil, &ConfigError{"private_key", "is protected by a passphrase, which is not supported: give an unencrypted key"}
			}
			return nil, &ConfigError{"private_key", "is not a private key in PEM or OpenSSH format: " + err.Error()}
		}
		s.auth = []ssh.AuthMethod{ssh.PublicKeys(signer)}
		s.method = "private_key"
	case cfg.Password != "":
		pw := cfg.Password
		s.auth = []ssh.AuthMethod{
			ssh.Password(pw),
			// Hosts that only offer keyboard-interactive get the password for every
			// prompt that does not echo.
			ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] {
						answers[i] = pw
					}
				}
				return answers, nil
			}),
		}
		s.method = "password"
	default:
		return nil, &ConfigError{"password", "set password or private_key to authenticate"}
	}

	v := &hostKeyVerifier{addr: s.addr}
	switch {
	case cfg.InsecureIgnoreHostKey && cfg.HostKey != "":
		return nil, &ConfigError{"insecure_ignore_host_key", "conflicts with host_key: remove one of them"}
	case cfg.InsecureIgnoreHostKey && cfg.KnownHostsPath != "":
		return nil, &ConfigError{"insecure_ignore_host_key", "conflicts with known_hosts_path: remove one of them"}
	case cfg.HostKey != "" && cfg.KnownHostsPath != "":
		return nil, &ConfigError{"host_key", "conflicts with known_hosts_path: set only one of them"}
	case cfg.InsecureIgnoreHostKey:
		v.insecure = true
		s.warning = "insecure_ignore_host_key is set: the identity of " + s.addr + " is not verified, so anyone able to intercept " +
			"the connection can impersonate the host and receive the commands and password sent to it. " +
			"Set host_key (the host's public key line, e.g. from ssh-keyscan) or known_hosts_path instead."
	case cfg.HostKey != "":
		k, err := parseHostKey(cfg.HostKey)
		if err != nil {
			return nil, &ConfigError{"host_key", "expected the host's public key line, e.g. \"ssh-ed25519 AAAA...\" from ssh-keyscan or the host's ssh_host_ed25519_key.pub: " + err.Error()}
		}
		v.pinned = k
	case cfg.KnownHostsPath != "":
		if _, err := os.Stat(cfg.KnownHostsPath); err != nil {
			return nil, &ConfigError{"known_hosts_path", "cannot be read: " + err.Error()}
		}
		v.file, v.explicit = cfg.KnownHostsPath, true
	default:
		home, err := os.UserHomeDir()
		def := filepath.Join(home, ".ssh", "known_hosts")
		if err != nil {
			def = "~/.ssh/known_hosts"
		}
		if _, serr := os.Stat(def); err != nil || serr != nil {
			return nil, &ConfigError{"host_key", "set host_key (the host's public key line, e.g. from ssh-keyscan) or known_hosts_path so the host can be verified; the default " +
				def + " does not exist. insecure_ignore_host_key = true skips the check (not recommended)"}
		}
		v.file = def
	}
	if v.file != "" {
		if _, _, err := v.prepare(); err != nil {
			field := "known_hosts_path"
			if !v.explicit {
				field = "host_key"
			}
			return nil, &ConfigError{field, err.Error()}
		}
	}
	s.verifier = v
	return s, nil
}

// Warning returns text the caller should show the user, or "" (it is set when host key
// verification is off).
func (s *SSH) Warning() string { return s.warning }

// Addr is the host:port this runner connects to.
func (s *SSH) Addr() string { return s.addr }

// Close closes the connection; runs still going fail. The runner cannot be used again.
func (s *SSH) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.conn != nil {
		s.conn.fail(errors.New("runner closed"))
		s.conn = nil
	}
	return nil
}

func (s *SSH) connectErr(err error) error { return fmt.Errorf("ssh connect to %s: %w", s.addr, err) }

// connect returns the live connection, dialling one if there is none.
func (s *SSH) connect(ctx context.Context) (*sshConn, error) {
	select {
	case s.dialing <- struct{}{}:
	case <-ctx.Done():
		return nil, s.connectErr(ctx.Err())
	}
	defer func() { <-s.dialing }()

	s.mu.Lock()
	closed, c := s.closed, s.conn
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("ssh %s: runner closed", s.addr)
	}
	if c != nil && c.alive() {
		return c, nil
	}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.fail(errors.New("runner closed"))
		return nil, fmt.Errorf("ssh %s: runner closed", s.addr)
	}
	s.conn = c
	return c, nil
}

func (s *SSH) dial(ctx context.Context) (*sshConn, error) {
	callback, algos, err := s.verifier.prepare()
	if err != nil {
		return nil, s.connectErr(err)
	}
	d := net.Dialer{Timeout: s.cfg.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, s.connectErr(ctx.Err())
		}
		return nil, s.connectErr(err)
	}
	_ = nc.SetDeadline(time.Now().Add(s.cfg.DialTimeout))
	// Ending ctx aborts the handshake by expiring the deadline.
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })

	// The callback also runs at every later key re-exchange, in another goroutine.
	var hostKeyMu sync.Mutex
	var hostKeyErr error
	config := &ssh.ClientConfig{
		User: s.cfg.User,
		Auth: s.auth,
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := callback(hostname, remote, key)
			hostKeyMu.Lock()
			hostKeyErr = err
			hostKeyMu.Unlock()
			return err
		},
		HostKeyAlgorithms: algos,
		Timeout:           s.cfg.DialTimeout,
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, s.addr, config)
	if !stop() {
		// ctx ended while handshaking; treat it as cancelled either way.
		if err == nil {
			_ = cc.Close()
		}
		_ = nc.Close()
		return nil, s.connectErr(ctx.Err())
	}
	if err != nil {
		_ = nc.Close()
		hostKeyMu.Lock()
		defer hostKeyMu.Unlock()
		var herr *HostKeyError
		switch {
		case errors.As(hostKeyErr, &herr):
			return nil, herr
		case hostKeyErr != nil:
			return nil, s.connectErr(hostKeyErr)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, s.connectErr(fmt.Errorf("authentication as %s@%s with %s failed: the host refused the credentials (check user and %s): %w",
				s.cfg.User, s.addr, s.method, s.method, err))
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, s.connectErr(fmt.Errorf("no SSH handshake within %s: %w", s.cfg.DialTimeout, err))
		}
		return nil, s.connectErr(err)
	}
	_ = nc.SetDeadline(time.Time{})
	c := &sshConn{client: ssh.NewClient(cc, chans, reqs), done: make(chan struct{})}
	go func() {
		err := c.client.Wait()
		if err == nil {
			err = io.EOF
		}
		c.once.Do(func() { c.reason = err })
		close(c.done)
	}()
	if s.cfg.KeepAlive > 0 {
		go s.keepAlive(c)
	}
	return c, nil
}

// keepAlive sends keepalive@openssh.com requests (any reply, even a refusal, proves the
// peer is alive) and drops the connection when none comes back in time, so runs on a
// dead connection fail instead of hanging.
func (s *SSH) keepAlive(c *sshConn) {
	interval := s.cfg.KeepAlive
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		timer := time.NewTimer(interval * keepAliveCountMax)
		select {
		case err := <-reply:
			timer.Stop()
			if err != nil {
				c.fail(fmt.Errorf("keepalive failed: %w", err))
				return
			}
		case <-timer.C:
			c.fail(fmt.Errorf("no answer to keepalives for %s", interval*keepAliveCountMax))
			return
		case <-c.done:
			timer.Stop()
			return
		}
	}
}

// newSession opens a session, redialling once when the connection turns out to be dead.
func (s *SSH) newSession(ctx context.Context) (*ssh.Session, *sshConn, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		type result struct {
			sess *ssh.Session
			err  error
		}
		ch := make(chan result, 1)
		go func() {
			sess, err := c.client.NewSession()
			ch <- result{sess, err}
		}()
		var r result
		select {
		case r = <-ch:
		case <-ctx.Done():
			go func() {
				if r := <-ch; r.sess != nil {
					_ = r.sess.Close()
				}
			}()
			return nil, nil, fmt.Errorf("ssh open session on %s: %w", s.addr, ctx.Err())
		}
		if r.err == nil {
			return r.sess, c, nil
		}
		var oerr *ssh.OpenChannelError
		if errors.As(r.err, &oerr) {
			// The host refused the session but the connection is fine.
			return nil, nil, fmt.Errorf("ssh open session on %s: %w", s.addr, r.err)
		}
		c.fail(r.err)
		if attempt > 0 {
			return nil, nil, fmt.Errorf("ssh open session on %s: %w", s.addr, r.err)
		}
	}
}

// Run runs program with args on the host. See Runner and CommandLine.
func (s *SSH) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	return s.RunInput(ctx, program, args, nil)
}

// RunInput is Run with stdin sent to the program's standard input, which is then
// closed. See InputRunner.
func (s *SSH) RunInput(ctx context.Context, program string, args []string, stdin []byte) ([]byte, []byte, error) {
	line, err := CommandLine(program, args)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh run on %s: %w", s.addr, err)
	}
	select {
	case s.sessions <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("ssh run %s on %s: %w", program, s.addr, ctx.Err())
	}
	defer func() { <-s.sessions }()

	sess, c, err := s.newSession(ctx)
	if err != nil {
		return nil, nil, err
	}
	var stdout, stderr limitedBuffer
	sess.Stdout = &stdout
	sess.Stderr = &stderr
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	if err := sess.Start(line); err != nil {
		_ = sess.Close()
		return nil, nil, fmt.Errorf("ssh run %s on %s: %w", program, s.addr, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()

	select {
	case err := <-waited:
		_ = sess.Close()
		return stdout.buf, stderr.buf, s.runError(program, c, err, &stdout, &stderr)
	case <-ctx.Done():
		// Kill the remote process group (OpenSSH delivers it with killpg) and wait for
		// the exit status that proves it is gone. Where signals are refused (a root
		// login, Windows OpenSSH) none comes: closing the channel may or may not end
		// the process, so the run then says its outcome is unknown.
		go func() { _ = sess.Signal(ssh.SIGKILL) }()
		gone := false
		select {
		case werr := <-waited:
			var xerr *ssh.ExitError
			gone = werr == nil || errors.As(werr, &xerr) // an exit status or signal: it ended
		case <-time.After(cancelGrace):
		}
		_ = sess.Close()
		if gone {
			return nil, nil, fmt.Errorf("ssh run %s on %s: stopped when cancelled; the remote command has ended: %w", program, s.addr, ctx.Err())
		}
		return nil, nil, fmt.Errorf("ssh run %s on %s: %w: %w", program, s.addr, ErrStopUnconfirmed, ctx.Err())
	}
}

func (s *SSH) runError(program string, c *sshConn, err error, stdout, stderr *limitedBuffer) error {
	if err == nil {
		return nil
	}
	if stdout.exceeded || stderr.exceeded {
		return fmt.Errorf("ssh run %s on %s: %w", program, s.addr, errOutputTooLarge)
	}
	var xerr *ssh.ExitError
	if errors.As(err, &xerr) {
		e := &ExitError{Program: program, Code: xerr.ExitStatus(), Signal: xerr.Signal(), Stderr: stderr.buf}
		if e.Signal != "" {
			e.Code = -1
		}
		return e
	}
	// The session ended without an exit status: the connection is going down. Its own
	// reason (a keepalive timeout, a reset) says more than the session's.
	reason := err
	if r := c.endReason(); r != nil {
		reason = r
	}
	return fmt.Errorf("ssh: %w to %s while %s was running (%v): it may or may not have finished on the host",
		ErrConnectionLost, s.addr, program, reason)
}
