// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package sshtest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections on loopback to a target, counts them, and can drop
// them or go silent (Freeze) to imitate a dead peer or a cable pulled mid-operation.
type Proxy struct {
	Port int

	ln       net.Listener
	target   string
	accepted atomic.Int32
	frozen   atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
}

// StartProxy listens on a free loopback port and forwards to target until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v is not TCP", ln.Addr())
	}
	p := &Proxy{ln: ln, Port: tcp.Port, target: target}
	go p.serve()
	t.Cleanup(func() { _ = ln.Close(); p.DropAll() })
	return p
}

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int { return int(p.accepted.Load()) }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.frozen.Load() {
			// Swallow everything from now on, like a host that vanished.
			_, _ = io.Copy(io.Discard, src)
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}

// DropAll closes every forwarded connection; new ones are still accepted.
func (p *Proxy) DropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// Freeze swallows all traffic from now on without closing anything.
func (p *Proxy) Freeze() { p.frozen.Store(true) }

// Thaw drops the frozen connections and forwards new ones normally again.
func (p *Proxy) Thaw() {
	p.DropAll()
	p.frozen.Store(false)
}
