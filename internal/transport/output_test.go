// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// A stream keeps up to 64 MiB and fails the write that would pass it; passing it drops
// what was kept, calls onExceed once, and fails every later write.
func TestOutputKeepsUpTo64MiB(t *testing.T) {
	const limit = 64 << 20
	if maxOutput != limit {
		t.Fatalf("maxOutput = %d, want 64 MiB", maxOutput)
	}
	calls := 0
	b := newOutput(func() { calls++ })
	if n, err := b.Write(make([]byte, limit-1)); n != limit-1 || err != nil {
		t.Fatalf("write below the limit: %d, %v", n, err)
	}
	if n, err := b.Write([]byte{1}); n != 1 || err != nil || b.Exceeded() || calls != 0 {
		t.Fatalf("write up to exactly the limit: %d, %v (exceeded %v, onExceed called %d times)", n, err, b.Exceeded(), calls)
	}
	if n, err := b.Write([]byte{2}); n != 0 || !errors.Is(err, errOutputLimit) || !b.Exceeded() || calls != 1 {
		t.Fatalf("write past the limit: %d, %v (exceeded %v, onExceed called %d times)", n, err, b.Exceeded(), calls)
	}
	if n, err := b.Write([]byte{3}); n != 0 || !errors.Is(err, errOutputLimit) || calls != 1 {
		t.Fatalf("write after the limit: %d, %v (onExceed called %d times)", n, err, calls)
	}
	if got := b.Bytes(); got != nil {
		t.Fatalf("a stream past the limit kept %d bytes", len(got))
	}
}

// What a stream keeps is exactly what was written, across chunk boundaries, and Bytes
// ends the stream.
func TestOutputKeepsWritesInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var want bytes.Buffer
	b := newOutput(nil)
	for want.Len() < 5<<20 {
		p := make([]byte, rng.IntN(100<<10))
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		want.Write(p)
		if n, err := b.Write(p); n != len(p) || err != nil {
			t.Fatalf("write of %d: %d, %v", len(p), n, err)
		}
	}
	if got := b.Bytes(); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("kept %d bytes that differ from the %d written", len(got), want.Len())
	}
	if n, err := b.Write([]byte("late")); n != 0 || err == nil {
		t.Fatalf("a write after Bytes: %d, %v", n, err)
	}
	if got := newOutput(nil).Bytes(); got != nil {
		t.Fatalf("an empty stream returned %q", got)
	}
}
