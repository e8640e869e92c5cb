// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"errors"
	"testing"
)

// A run keeps up to 64 MiB of each stream and fails the write that would pass it.
func TestLimitedBufferKeepsUpTo64MiB(t *testing.T) {
	const limit = 64 << 20
	var b limitedBuffer
	if n, err := b.Write(make([]byte, limit-1)); n != limit-1 || err != nil {
		t.Fatalf("write below the limit: %d, %v", n, err)
	}
	if n, err := b.Write([]byte{1}); n != 1 || err != nil || b.exceeded {
		t.Fatalf("write up to exactly the limit: %d, %v (exceeded %v)", n, err, b.exceeded)
	}
	if n, err := b.Write([]byte{2}); n != 0 || !errors.Is(err, errOutputTooLarge) || !b.exceeded {
		t.Fatalf("write past the limit: %d, %v (exceeded %v)", n, err, b.exceeded)
	}
	if len(b.buf) != limit || b.buf[limit-1] != 1 {
		t.Fatalf("kept %d bytes ending in %d, want %d ending in the last accepted byte", len(b.buf), b.buf[len(b.buf)-1], limit)
	}
	if errOutputTooLarge.Error() != "output exceeds 64 MiB" {
		t.Errorf("error text %q", errOutputTooLarge)
	}
}
