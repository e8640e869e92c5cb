// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// TestReadOnlyFileIsReadAndNeverWritten: a state file without write permission (mode
// 0444) serves every read, a what-if read far in the future and a read that creates a
// configured cluster in memory included, and every operation that changes the
// deployment fails with a *ReadOnlyError that names the file and says it is read-only,
// leaving it byte-identical. The emulator refuses to write a file whose mode grants no
// write permission even where the process could write it anyway (root): so the test
// means the same for every user, and a read that went through the write path would
// fail here too.
func TestReadOnlyFileIsReadAndNeverWritten(t *testing.T) {
	f := newFixture(t, "demo")
	f.advance(70 * day) // the management credentials are due: an update would write
	if err := os.Chmod(f.path, 0o444); err != nil {
		t.Fatal(err)
	}
	before := f.bytes()
	for _, e := range []*Emulator{f.e, f.emulator(400 * day), f.emulator(0, "demo", "configured")} {
		for _, op := range reads() {
			if err := op.op(e); err != nil && !errors.As(err, new(*akshci.LockoutError)) {
				t.Errorf("%s on a read-only file: %v", op.name, err)
			}
		}
	}
	inv, err := f.emulator(0, "demo", "configured").Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inv.Cluster("configured"); !ok {
		t.Error("a read of a read-only file does not show a configured cluster")
	}
	for _, op := range everyOperation() {
		if !op.write {
			continue
		}
		err := op.op(f.e)
		var ro *ReadOnlyError
		if !errors.As(err, &ro) || !strings.Contains(err.Error(), fmt.Sprintf("%q is read-only (mode 0444)", f.path)) ||
			!strings.Contains(err.Error(), "chmod u+w") {
			t.Errorf("%s on a read-only file: %v, want the read-only error", op.name, err)
		}
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("the read-only file was modified")
	}
	// Writable again, the same file takes the update.
	if err := os.Chmod(f.path, stateFileMode); err != nil {
		t.Fatal(err)
	}
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
}

// TestReadsOpenTheFileReadOnly: a read runs in a read-only bbolt transaction on a file
// descriptor opened O_RDONLY and holds a shared lock (Linux's /proc shows the descriptor's
// flags and the lock), so it needs no write permission and never blocks another read; an
// update holds the file O_RDWR with an exclusive lock. Unlike a chmod, this holds for
// root too.
func TestReadsOpenTheFileReadOnly(t *testing.T) {
	f := newFixture(t, "demo")
	for _, write := range []bool{false, true} {
		f.must(f.e.run(ctx, write, func(s *session) error {
			if s.tx.Writable() != write {
				t.Errorf("write %v: the transaction is writable: %v", write, s.tx.Writable())
			}
			checkOpenedAs(t, f.path, write)
			return nil
		}))
	}
}
