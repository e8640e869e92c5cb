// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// fakeServer is an SSH server written for one misbehaviour that OpenSSH cannot be made
// to show (a connection that dies whenever a session opens, a channel that closes
// without an exit status). It lets every client in and hands each connection's channels
// to handle.
type fakeServer struct {
	host     string
	port     int
	hostKey  string
	accepted atomic.Int32
}

func startFakeServer(t *testing.T, handle func(conn *ssh.ServerConn, chans <-chan ssh.NewChannel)) *fakeServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{NoClientAuth: true}
	config.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v", l.Addr())
	}
	s := &fakeServer{host: "127.0.0.1", port: addr.Port,
		hostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				conn, chans, reqs, err := ssh.NewServerConn(nc, config)
				if err != nil {
					return
				}
				defer conn.Close()
				go ssh.DiscardRequests(reqs)
				handle(conn, chans)
			}()
		}
	}()
	return s
}

func (s *fakeServer) config() transport.SSHConfig {
	return transport.SSHConfig{Host: s.host, Port: s.port, User: "u", Password: "p", HostKey: s.hostKey}
}

// A connection that breaks as a session opens is redialled once, not again and again:
// the second failure is reported.
func TestSSHRedialsOnlyOnce(t *testing.T) {
	t.Parallel()
	srv := startFakeServer(t, func(conn *ssh.ServerConn, chans <-chan ssh.NewChannel) {
		for range chans {
			_ = conn.Close() // the connection dies instead of answering
		}
	})
	r := newSSH(t, srv.config())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := r.Run(ctx, "/bin/true", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "ssh open session on "+r.Addr()+": ") || ctx.Err() != nil {
		t.Fatalf("got %v (context: %v), want the session failure", err, ctx.Err())
	}
	if n := srv.accepted.Load(); n != 2 {
		t.Fatalf("%d connections, want the first and one redial", n)
	}
}

// sessionServer answers exec requests and hands the session to onSignal when the client
// sends a signal; started receives one value per command started.
func sessionServer(t *testing.T, started chan<- struct{}, onSignal func(ch ssh.Channel)) *fakeServer {
	return startFakeServer(t, func(_ *ssh.ServerConn, chans <-chan ssh.NewChannel) {
		for nc := range chans {
			ch, reqs, err := nc.Accept()
			if err != nil {
				return
			}
			go func() {
				defer ch.Close()
				for req := range reqs {
					switch req.Type {
					case "exec":
						_ = req.Reply(true, nil)
						started <- struct{}{}
					case "signal":
						onSignal(ch)
						return
					default:
						_ = req.Reply(false, nil)
					}
				}
			}()
		}
	})
}

// cancelOnceStarted runs a command on srv and cancels it once the server has started it.
func cancelOnceStarted(t *testing.T, srv *fakeServer, started <-chan struct{}) error {
	t.Helper()
	r := newSSH(t, srv.config())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-started:
			cancel()
		case <-time.After(10 * time.Second): // a deadline for the test, not a wait for the event
		}
	}()
	_, _, err := r.Run(ctx, "/bin/sleep", []string{"300"})
	return err
}

// A session that closes without an exit status after the kill signal does not prove the
// command ended (Windows OpenSSH may close the channel and leave the process running): the
// outcome is unknown.
func TestSSHCancelClosedWithoutExitStatusIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	srv := sessionServer(t, started, func(ssh.Channel) {}) // close the channel, say nothing
	err := cancelOnceStarted(t, srv, started)
	if !errors.Is(err, transport.ErrStopUnconfirmed) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want an unconfirmed stop", err)
	}
}

// An exit signal after the kill signal proves the command ended.
func TestSSHCancelConfirmedByExitSignal(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	srv := sessionServer(t, started, func(ch ssh.Channel) {
		// RFC 4254 6.10: signal name, core dumped, error message, language tag.
		payload := ssh.Marshal(struct {
			Signal     string
			CoreDumped bool
			Message    string
			Lang       string
		}{"KILL", false, "", ""})
		_, _ = ch.SendRequest("exit-signal", false, payload)
	})
	err := cancelOnceStarted(t, srv, started)
	if !errors.Is(err, context.Canceled) || errors.Is(err, transport.ErrStopUnconfirmed) || !strings.Contains(err.Error(), "the remote command has ended") {
		t.Fatalf("got %v, want a confirmed stop", err)
	}
}
