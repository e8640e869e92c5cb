// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"context"
	"crypto/x509"
	"encoding/binary"
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
	"golang.org/x/crypto/ssh/agent"
)

// SSHConfig says how to reach a host over OpenSSH. Errors name its fields by Setting.
type SSHConfig struct {
	// Host is the host name or IP address (IPv6 with or without brackets). Required.
	Host string
	// Port defaults to 22.
	Port int
	// User is the login name. Required.
	User string
	// Password, PrivateKey and Agent authenticate: at least one is required, and
	// Password conflicts with PrivateKey. Keys (PrivateKey, then the agent's) are
	// offered before the password.
	Password string
	// PrivateKey is a private key in PEM or OpenSSH format, encrypted with
	// PrivateKeyPassphrase when that is set.
	PrivateKey string
	// PrivateKeyPassphrase decrypts PrivateKey.
	PrivateKeyPassphrase string
	// Agent offers the keys of the running ssh-agent reached through AgentSocket. When
	// the agent cannot be reached and PrivateKey or Password is set, those authenticate
	// alone and Warnings says why the agent is not used.
	Agent bool
	// AgentSocket is the ssh-agent's Unix socket; default $SSH_AUTH_SOCK.
	AgentSocket string
	// Bastion, when set, is the jump host the connection to Host goes through (a
	// direct-tcpip channel, like ssh -J). It has its own credentials and host key
	// check; its Bastion, DialTimeout and KeepAlive are ignored.
	Bastion *SSHConfig
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
	cfg     SSHConfig
	addr    string
	target  *endpoint
	bastion *endpoint // nil without a jump host

	sessions chan struct{}
	dialing  chan struct{}

	mu     sync.Mutex
	conn   *sshConn
	closed bool
}

type sshConn struct {
	client *ssh.Client
	via    *ssh.Client   // the bastion's connection, or nil
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
	if c.via != nil {
		_ = c.via.Close()
	}
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
	if cfg.DialTimeout < 0 {
		return nil, configError(SettingDialTimeout, "must not be negative")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = defaultKeepAlive
	}
	target, err := newEndpoint(cfg)
	if err != nil {
		return nil, err
	}
	s := &SSH{
		cfg:      cfg,
		addr:     target.addr,
		target:   target,
		sessions: make(chan struct{}, maxSessions),
		dialing:  make(chan struct{}, 1),
	}
	if cfg.Bastion != nil {
		b, err := newEndpoint(*cfg.Bastion)
		if err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				ce.Bastion = true
			}
			return nil, err
		}
		s.bastion = b
	}
	return s, nil
}

// endpoint is one SSH server the runner logs in to: the host, or the bastion on the way.
type endpoint struct {
	cfg     SSHConfig
	addr    string
	methods []Setting // the settings that supply credentials; authMethods says which a login uses
	// agentFromEnv says the agent's socket came from SSH_AUTH_SOCK.
	agentFromEnv bool
	signer       ssh.Signer
	verifier     *hostKeyVerifier
	warnings     []Warning // the host's identity is not verified, the agent is not used
}

// newEndpoint validates one server's address, credentials and host key settings.
func newEndpoint(cfg SSHConfig) (*endpoint, error) {
	// A control character (a newline above all) in the host or user would reach the
	// resolver or sshd as part of the value: refuse it rather than trim it away. The
	// bastion's host and user are checked the same way.
	for _, f := range []struct {
		setting Setting
		v       string
	}{{SettingHost, cfg.Host}, {SettingUser, cfg.User}} {
		if i := strings.IndexFunc(f.v, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(f.v[i:])
			return nil, configError(f.setting, fmt.Sprintf("contains the control character %q at byte %d; give the value without line breaks, tabs or other control characters", r, i))
		}
	}
	host := strings.TrimSpace(cfg.Host)
	if host == "" {
		return nil, configError(SettingHost, "must be set to the name or address of a node that has the AksHci PowerShell module")
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.ContainsAny(host, " \t/@") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
		return nil, configError(SettingHost, fmt.Sprintf("%q is not a host name or IP address (give the port in ", cfg.Host),
			SettingPort, " and the user in ", SettingUser, ")")
	}
	if cfg.Port == 0 {
		cfg.Port = 22
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, configError(SettingPort, fmt.Sprintf("%d is not a TCP port (1-65535)", cfg.Port))
	}
	if cfg.User == "" {
		return nil, configError(SettingUser, "must be set to the login name on the host")
	}
	e := &endpoint{cfg: cfg, addr: net.JoinHostPort(host, strconv.Itoa(cfg.Port))}

	if cfg.Password != "" && cfg.PrivateKey != "" {
		return nil, conflict(SettingPassword, SettingPrivateKey, "set only one of them")
	}
	if cfg.PrivateKeyPassphrase != "" && cfg.PrivateKey == "" {
		return nil, configError(SettingPrivateKeyPassphrase, "is set without ", SettingPrivateKey, ": it decrypts ", SettingPrivateKey, ", set both or neither")
	}
	if cfg.PrivateKey != "" {
		signer, err := parsePrivateKey(cfg.PrivateKey, cfg.PrivateKeyPassphrase)
		if err != nil {
			return nil, err
		}
		e.signer = signer
		e.methods = append(e.methods, SettingPrivateKey)
	}
	if cfg.Agent {
		if cfg.AgentSocket == "" {
			cfg.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
			e.cfg.AgentSocket, e.agentFromEnv = cfg.AgentSocket, true
		}
		// Without a usable agent, the other credentials still work: use them and say
		// why the agent is left out, rather than refuse a working key or password.
		var why string
		if cfg.AgentSocket == "" {
			why = "SSH_AUTH_SOCK is not set"
		} else if err := probeAgent(cfg.AgentSocket); err != nil {
			why = "its socket " + e.agentSocketName() + " cannot be reached (" + err.Error() + ")"
		}
		switch {
		case why == "":
			e.methods = append(e.methods, SettingAgent)
		case e.signer != nil || cfg.Password != "":
			e.cfg.Agent = false
			other := SettingPrivateKey
			if e.signer == nil {
				other = SettingPassword
			}
			e.warnings = append(e.warnings, Warning{Setting: SettingAgent, text: text{SettingAgent, " is true, but " + why +
				", so the keys of ssh-agent are not offered to " + e.addr + " and ", other, " authenticates alone. " +
				"Start ssh-agent (eval $(ssh-agent); ssh-add) where this program runs, or set ", SettingAgent, " = false."}})
		case cfg.AgentSocket == "":
			return nil, configError(SettingAgent, "is true but SSH_AUTH_SOCK is not set: start ssh-agent (eval $(ssh-agent); ssh-add) in the environment this program runs in, or use ", SettingPrivateKey)
		default:
			// The agent is the only credential: connecting reports it (*AgentError).
			e.methods = append(e.methods, SettingAgent)
		}
	}
	if cfg.Password != "" {
		e.methods = append(e.methods, SettingPassword)
	}
	if len(e.methods) == 0 {
		return nil, configError(SettingPassword, "set ", SettingPassword, ", ", SettingPrivateKey, " or ", SettingAgent, " = true to authenticate")
	}

	v := &hostKeyVerifier{addr: e.addr}
	switch {
	case cfg.InsecureIgnoreHostKey && cfg.HostKey != "":
		return nil, conflict(SettingInsecureIgnoreHostKey, SettingHostKey, "remove one of them")
	case cfg.InsecureIgnoreHostKey && cfg.KnownHostsPath != "":
		return nil, conflict(SettingInsecureIgnoreHostKey, SettingKnownHostsPath, "remove one of them")
	case cfg.HostKey != "" && cfg.KnownHostsPath != "":
		return nil, conflict(SettingHostKey, SettingKnownHostsPath, "set only one of them")
	case cfg.InsecureIgnoreHostKey:
		v.insecure = true
		e.warnings = append(e.warnings, Warning{Setting: SettingInsecureIgnoreHostKey, text: text{SettingInsecureIgnoreHostKey,
			" is set: the identity of " + e.addr + " is not verified, so anyone able to intercept " +
				"the connection can impersonate the host and receive the commands and password sent to it. Set ",
			SettingHostKey, " (the host's public key line, e.g. from ssh-keyscan) or ", SettingKnownHostsPath, " instead."}})
	case cfg.HostKey != "":
		k, err := parseHostKey(cfg.HostKey)
		if err != nil {
			return nil, configError(SettingHostKey, "expected the host's public key line, e.g. \"ssh-ed25519 AAAA...\" from ssh-keyscan or the host's ssh_host_ed25519_key.pub: "+err.Error())
		}
		v.pinned = k
	case cfg.KnownHostsPath != "":
		if _, err := os.Stat(cfg.KnownHostsPath); err != nil {
			return nil, configError(SettingKnownHostsPath, "cannot be read: "+err.Error())
		}
		v.file, v.explicit = cfg.KnownHostsPath, true
	default:
		home, err := os.UserHomeDir()
		def := filepath.Join(home, ".ssh", "known_hosts")
		if err != nil {
			def = "~/.ssh/known_hosts"
		}
		if _, serr := os.Stat(def); err != nil || serr != nil {
			return nil, configError(SettingHostKey, "set ", SettingHostKey, " (the host's public key line, e.g. from ssh-keyscan) or ",
				SettingKnownHostsPath, " so the host can be verified; the default "+def+" does not exist. ",
				SettingInsecureIgnoreHostKey, " = true skips the check (not recommended)")
		}
		v.file = def
	}
	if v.file != "" {
		if _, _, err := v.prepare(); err != nil {
			setting := SettingKnownHostsPath
			if !v.explicit {
				setting = SettingHostKey
			}
			return nil, configError(setting, err.Error())
		}
	}
	e.verifier = v
	return e, nil
}

// parsePrivateKey parses a private key, decrypting it with passphrase when one is given.
func parsePrivateKey(key, passphrase string) (ssh.Signer, error) {
	var signer ssh.Signer
	var err error
	if passphrase != "" {
		signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(passphrase))
	} else {
		signer, err = ssh.ParsePrivateKey([]byte(key))
	}
	if err == nil {
		return signer, nil
	}
	var pe *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pe):
		return nil, configError(SettingPrivateKeyPassphrase, "must be set: ", SettingPrivateKey, " is protected by a passphrase")
	case passphrase != "" && errors.Is(err, x509.IncorrectPasswordError):
		return nil, configError(SettingPrivateKeyPassphrase, "does not decrypt ", SettingPrivateKey, " (wrong passphrase)")
	case passphrase != "" && (strings.Contains(err.Error(), "not password protected") || strings.Contains(err.Error(), "not an encrypted key")):
		return nil, configError(SettingPrivateKeyPassphrase, "is set but ", SettingPrivateKey, " is not encrypted: remove ", SettingPrivateKeyPassphrase)
	}
	return nil, configError(SettingPrivateKey, "is not a private key in PEM or OpenSSH format: "+err.Error())
}

// agentProbeTimeout bounds the check that the agent's socket answers.
const agentProbeTimeout = 2 * time.Second

// probeAgent connects to the agent's socket and hangs up: it answers, or why not.
func probeAgent(socket string) error {
	conn, err := net.DialTimeout("unix", socket, agentProbeTimeout) //nolint:gosec // the user's own ssh-agent socket on this machine (SSH_AUTH_SOCK)
	if err != nil {
		return err
	}
	return conn.Close()
}

// agentSocketName is the agent's socket as messages name it.
func (e *endpoint) agentSocketName() string {
	if e.agentFromEnv {
		return "SSH_AUTH_SOCK=" + e.cfg.AgentSocket
	}
	return e.cfg.AgentSocket
}

// authMethods returns the methods to offer, in order, the settings that supplied them,
// and a function that releases what they hold (the connection to the agent) once the
// handshake is over. An agent that cannot be reached is left out when other credentials
// are set; when it is the only one, the error is an *AgentError.
func (e *endpoint) authMethods(ctx context.Context, bastion bool) ([]ssh.AuthMethod, []Setting, func(), error) {
	var methods []ssh.AuthMethod
	var used []Setting
	release := func() {}
	var signers []ssh.Signer
	if e.signer != nil {
		signers = append(signers, e.signer)
		used = append(used, SettingPrivateKey)
	}
	agentUsed := false
	if e.cfg.Agent {
		conn, err := net.DialTimeout("unix", e.cfg.AgentSocket, agentProbeTimeout)
		switch {
		case err == nil:
			agentUsed = true
			used = append(used, SettingAgent)
			release = func() { _ = conn.Close() }
			client := agent.NewClient(conn)
			own := signers
			methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
				fromAgent, err := client.Signers()
				if err != nil {
					return nil, fmt.Errorf("list the keys of ssh-agent at %s: %w", e.agentSocketName(), err)
				}
				return append(append([]ssh.Signer{}, own...), fromAgent...), nil
			}))
		case e.signer != nil || e.cfg.Password != "":
			Notice(ctx, "ssh-agent at "+e.agentSocketName()+" cannot be reached ("+err.Error()+"); logging in to "+e.addr+" without it")
		default:
			return nil, nil, release, &AgentError{Socket: e.cfg.AgentSocket, FromEnv: e.agentFromEnv, Bastion: bastion, Err: err}
		}
	}
	if !agentUsed && len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	if pw := e.cfg.Password; pw != "" {
		used = append(used, SettingPassword)
		methods = append(methods,
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
			}))
	}
	return methods, used, release, nil
}

// Warnings lists what the caller should tell the user about the settings, the jump
// host's first: a host whose identity is not verified, an agent that is not used.
func (s *SSH) Warnings() []Warning {
	var w []Warning
	if s.bastion != nil {
		for _, b := range s.bastion.warnings {
			b.Bastion = true
			w = append(w, b)
		}
	}
	return append(w, s.target.warnings...)
}

// Warning returns the warnings as one text naming the settings by their fields, the jump
// host's prefixed "bastion: ", or "" when there are none.
func (s *SSH) Warning() string {
	var w []string
	for _, x := range s.Warnings() {
		text := x.Describe(Setting.String)
		if x.Bastion {
			text = "bastion: " + text
		}
		w = append(w, text)
	}
	return strings.Join(w, "\n")
}

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
	var via *ssh.Client
	if s.bastion != nil {
		b, err := s.handshake(ctx, s.bastion, nil)
		if err != nil {
			return nil, err
		}
		via = b
	}
	client, err := s.handshake(ctx, s.target, via)
	if err != nil {
		if via != nil {
			_ = via.Close()
		}
		return nil, err
	}
	c := &sshConn{client: client, via: via, done: make(chan struct{})}
	go func() {
		err := c.client.Wait() // never nil: the error that ended the connection
		if c.via != nil {
			_ = c.via.Close()
		}
		c.once.Do(func() { c.reason = err })
		close(c.done)
	}()
	if s.cfg.KeepAlive > 0 {
		go s.keepAlive(c)
	}
	return c, nil
}

// handshake connects to e, directly or through the jump host via, verifies its host key
// and logs in, all within the dial timeout and ctx.
func (s *SSH) handshake(ctx context.Context, e *endpoint, via *ssh.Client) (*ssh.Client, error) {
	label := e.addr
	switch {
	case via != nil:
		label = e.addr + " through bastion " + s.bastion.addr
	case e != s.target:
		label = "bastion " + e.addr
	}
	connectErr := func(err error) error { return fmt.Errorf("ssh connect to %s: %w", label, err) }

	callback, algos, err := e.verifier.prepare()
	if err != nil {
		return nil, connectErr(err)
	}
	auth, used, release, err := e.authMethods(ctx, e != s.target)
	defer release()
	if err != nil {
		return nil, connectErr(err)
	}

	var nc net.Conn
	var timedOut atomic.Bool
	var stop func() bool
	if via == nil {
		d := net.Dialer{Timeout: s.cfg.DialTimeout}
		nc, err = d.DialContext(ctx, "tcp", e.addr)
		if err != nil {
			if ctx.Err() != nil {
				return nil, connectErr(ctx.Err())
			}
			return nil, connectErr(err)
		}
		_ = nc.SetDeadline(time.Now().Add(s.cfg.DialTimeout))
		// Ending ctx aborts the handshake by expiring the deadline.
		stop = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	} else {
		nc, err = via.DialContext(ctx, "tcp", e.addr)
		if err != nil {
			if ctx.Err() != nil {
				return nil, connectErr(ctx.Err())
			}
			return nil, connectErr(fmt.Errorf("the bastion could not open a connection to %s: %w", e.addr, err))
		}
		// A forwarded channel has no deadlines: closing it is what ends a handshake
		// that takes too long or is cancelled.
		timer := time.AfterFunc(s.cfg.DialTimeout, func() { timedOut.Store(true); _ = nc.Close() })
		cancel := context.AfterFunc(ctx, func() { _ = nc.Close() })
		stop = func() bool { timer.Stop(); return cancel() }
	}

	// The callback also runs at every later key re-exchange, in another goroutine.
	var hostKeyMu sync.Mutex
	var hostKeyErr error
	config := &ssh.ClientConfig{
		User: e.cfg.User,
		Auth: auth,
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
	cc, chans, reqs, err := ssh.NewClientConn(nc, e.addr, config)
	if !stop() {
		// ctx ended while handshaking; treat it as cancelled either way.
		if err == nil {
			_ = cc.Close()
		}
		_ = nc.Close()
		return nil, connectErr(ctx.Err())
	}
	if err != nil {
		_ = nc.Close()
		hostKeyMu.Lock()
		defer hostKeyMu.Unlock()
		var herr *HostKeyError
		switch {
		case errors.As(hostKeyErr, &herr) && e != s.target:
			return nil, fmt.Errorf("bastion: %w", herr)
		case errors.As(hostKeyErr, &herr):
			return nil, herr
		case hostKeyErr != nil:
			return nil, connectErr(hostKeyErr)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, connectErr(&AuthError{User: e.cfg.User, Addr: e.addr, Methods: used, Err: err})
		case errors.Is(err, os.ErrDeadlineExceeded) || timedOut.Load():
			return nil, connectErr(fmt.Errorf("no SSH handshake within %s: %w", s.cfg.DialTimeout, err))
		}
		return nil, connectErr(err)
	}
	if via == nil {
		_ = nc.SetDeadline(time.Time{})
	}
	return ssh.NewClient(cc, chans, reqs), nil
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
func (s *SSH) newSession(ctx context.Context) (*session, *sshConn, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		type result struct {
			ch   ssh.Channel
			reqs <-chan *ssh.Request
			err  error
		}
		opened := make(chan result, 1)
		go func() {
			ch, reqs, err := c.client.OpenChannel("session", nil)
			opened <- result{ch, reqs, err}
		}()
		var r result
		select {
		case r = <-opened:
		case <-ctx.Done():
			go func() {
				if r := <-opened; r.ch != nil {
					_ = r.ch.Close()
					ssh.DiscardRequests(r.reqs) // unanswered requests would stall the connection
				}
			}()
			return nil, nil, fmt.Errorf("ssh open session on %s: %w", s.addr, ctx.Err())
		}
		if r.err == nil {
			return startSession(r.ch, r.reqs), c, nil
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

// exitDrainIdle is how long a run whose command has exited waits for more output before
// it stops reading. OpenSSH sends the exit status when the command exits but keeps the
// channel open while anything still holds its output, such as a background process the
// command started; output still in flight keeps arriving, so only silence ends the wait.
const exitDrainIdle = 2 * time.Second

// session is one command on an exec channel. Unlike ssh.Session, whose Wait returns only
// once the channel has closed, it reports the exit status as soon as it arrives, and it
// stops reading a stream that passes the output limit.
type session struct {
	ch             ssh.Channel
	stdout, stderr *output
	exited         chan struct{} // closed when an exit status or exit signal has arrived
	closed         chan struct{} // closed once the channel has closed
	drained        chan struct{} // closed once both output streams have ended
	progress       chan struct{} // receives a value, without blocking, when output arrives
	exceeded       chan struct{} // closed when a stream passes the output limit

	mu     sync.Mutex
	status int
	signal string
}

func startSession(ch ssh.Channel, reqs <-chan *ssh.Request) *session {
	r := &session{
		ch:       ch,
		exited:   make(chan struct{}),
		closed:   make(chan struct{}),
		drained:  make(chan struct{}),
		progress: make(chan struct{}, 1),
		exceeded: make(chan struct{}),
	}
	var once sync.Once
	exceed := func() { once.Do(func() { close(r.exceeded) }) }
	r.stdout, r.stderr = newOutput(exceed), newOutput(exceed)
	go r.handleRequests(reqs)
	var wg sync.WaitGroup
	for _, s := range []struct {
		from io.Reader
		to   *output
	}{{ch, r.stdout}, {ch.Stderr(), r.stderr}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.read(s.from, s.to)
		}()
	}
	go func() { wg.Wait(); close(r.drained) }()
	return r
}

// handleRequests records the exit status or signal (RFC 4254 6.10) and refuses every
// other request, until the channel closes.
func (r *session) handleRequests(reqs <-chan *ssh.Request) {
	defer close(r.closed)
	var once sync.Once
	exited := func() { once.Do(func() { close(r.exited) }) }
	for req := range reqs {
		switch req.Type {
		case "exit-status":
			if len(req.Payload) >= 4 {
				r.mu.Lock()
				r.status = int(binary.BigEndian.Uint32(req.Payload))
				r.mu.Unlock()
				exited()
			}
		case "exit-signal":
			var msg struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if ssh.Unmarshal(req.Payload, &msg) == nil {
				r.mu.Lock()
				r.signal = msg.Signal
				r.mu.Unlock()
				exited()
			}
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
}

// read copies one stream into its output until the stream ends or passes the limit.
func (r *session) read(from io.Reader, to *output) {
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
			select {
			case r.progress <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// result is the command's outcome from its exit status or signal; call it once exited.
func (r *session) result(program string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.signal != "":
		return &ExitError{Program: program, Code: -1, Signal: r.signal, Stderr: r.stderr.Bytes()}
	case r.status != 0:
		return &ExitError{Program: program, Code: r.status, Stderr: r.stderr.Bytes()}
	}
	return nil
}

// kill sends the kill signal (OpenSSH delivers it to the command's process group) and
// waits up to cancelGrace for the exit status or signal that proves the command ended;
// it reports whether one came. Where signals are refused (a root login, Windows OpenSSH)
// none comes, and closing the channel may or may not end the process.
func (r *session) kill() bool {
	go func() {
		_, _ = r.ch.SendRequest("signal", false, ssh.Marshal(struct{ Signal string }{string(ssh.SIGKILL)}))
	}()
	t := time.NewTimer(cancelGrace)
	defer t.Stop()
	select {
	case <-r.exited:
		return true
	case <-r.closed:
		return isClosed(r.exited)
	case <-t.C:
		return false
	}
}

// Run runs program with args on the host. See Runner and CommandLine.
func (s *SSH) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	return s.RunInput(ctx, program, args, nil)
}

// RunInput is Run with stdin sent to the program's standard input, which is then
// closed. See InputRunner.
//
// The run ends when the command's exit status has arrived and its output has ended, or
// has been silent for exitDrainIdle; the exit status decides its outcome. A stream that
// passes the output limit stops the command at once, as a cancellation does.
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
	defer func() { _ = sess.ch.Close() }()
	ok, err := sess.ch.SendRequest("exec", true, ssh.Marshal(struct{ Command string }{line}))
	if err == nil && !ok {
		err = errors.New("the host refused the exec request")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ssh run %s on %s: %w", program, s.addr, err)
	}
	go func() {
		if len(stdin) > 0 {
			_, _ = sess.ch.Write(stdin)
		}
		_ = sess.ch.CloseWrite()
	}()

	exited, drained, closed := sess.exited, sess.drained, sess.closed
	var idle <-chan time.Time
	var idleTimer *time.Timer
	defer func() {
		if idleTimer != nil {
			idleTimer.Stop()
		}
	}()
	for {
		select {
		case <-exited:
			exited = nil
			if drained == nil {
				return sess.stdout.Bytes(), sess.stderr.Bytes(), sess.result(program)
			}
			idleTimer = time.NewTimer(exitDrainIdle)
			idle = idleTimer.C
		case <-drained:
			drained = nil
			if exited == nil {
				return sess.stdout.Bytes(), sess.stderr.Bytes(), sess.result(program)
			}
		case <-sess.progress:
			if idleTimer != nil {
				idleTimer.Reset(exitDrainIdle)
			}
		case <-idle:
			Notice(ctx, fmt.Sprintf("%s on %s exited, but its output stayed open (a process it started still holds it); "+
				"stopped reading after %s without output and kept what it printed until then", program, s.addr, exitDrainIdle))
			return sess.stdout.Bytes(), sess.stderr.Bytes(), sess.result(program)
		case <-closed:
			closed = nil
			if !isClosed(sess.exited) {
				// The session ended without an exit status: the connection is going down.
				// Its own reason (a keepalive timeout, a reset) says more than the session's.
				reason := errors.New("the session closed without an exit status")
				if r := c.endReason(); r != nil {
					reason = r
				}
				return sess.stdout.Bytes(), sess.stderr.Bytes(), fmt.Errorf("ssh: %w to %s while %s was running (%v): it may or may not have finished on the host",
					ErrConnectionLost, s.addr, program, reason)
			}
		case <-sess.exceeded:
			stream := "standard output"
			if sess.stderr.Exceeded() {
				stream = "standard error"
			}
			gone := sess.kill()
			return nil, nil, fmt.Errorf("ssh run %s on %s: %w", program, s.addr,
				&OutputLimitError{Program: program, Stream: stream, Limit: maxOutput, Unconfirmed: !gone})
		case <-ctx.Done():
			if exited == nil {
				// The command has ended; only its output was still open.
				return sess.stdout.Bytes(), sess.stderr.Bytes(), sess.result(program)
			}
			if sess.kill() {
				return nil, nil, fmt.Errorf("ssh run %s on %s: stopped when cancelled; the remote command has ended: %w", program, s.addr, ctx.Err())
			}
			return nil, nil, fmt.Errorf("ssh run %s on %s: %w: %w", program, s.addr, ErrStopUnconfirmed, ctx.Err())
		}
	}
}
