// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// TestTruncatedFileNamesItsBackup: the reported crash (a file truncated to 32 KiB) is a
// clear error that names the file, says it was left untouched and how to restore the
// backup written by the last update; restoring it brings the same deployment back.
func TestTruncatedFileNamesItsBackup(t *testing.T) {
	f := newFixture(t, "demo", "prod")
	f.advance(40 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	want := f.inventory()
	backup, err := os.ReadFile(f.e.BackupPath())
	if err != nil {
		t.Fatalf("no backup after an update: %v", err)
	}
	if fi, _ := os.Stat(f.e.BackupPath()); fi.Mode().Perm() != stateFileMode {
		t.Errorf("backup mode %v", fi.Mode())
	}
	if len(f.bytes()) <= 32<<10 {
		t.Fatalf("state file is only %d bytes; the test needs more than 32 KiB", len(f.bytes()))
	}
	if err := os.Truncate(f.path, 32<<10); err != nil {
		t.Fatal(err)
	}
	damaged := f.bytes()
	_, err = f.emulator(0).Inventory(ctx)
	var sfe *StateFileError
	if !errors.As(err, &sfe) || !sfe.Damaged {
		t.Fatalf("truncated file: %v", err)
	}
	for _, s := range []string{fmt.Sprintf("%q is damaged", f.path), "left untouched",
		fmt.Sprintf("cp %q %q", f.e.BackupPath(), f.path)} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
	if !bytes.Equal(damaged, f.bytes()) {
		t.Error("the damaged file was modified")
	}
	if err := os.WriteFile(f.path, backup, 0o600); err != nil { //nolint:gosec // the test's own temp dir
		t.Fatal(err)
	}
	got := f.inventory()
	if got.DeploymentID != want.DeploymentID || !sameCredentials(got, want) {
		t.Error("the restored backup is not the deployment as of the last update")
	}
}

// TestReadsWriteNothing: a what-if read far in the future (past the CA's expiry on day
// 365) leaves the file byte for byte as it was, so a normal read afterwards works and
// sees an unexpired CA; only an update persists the clock.
func TestReadsWriteNothing(t *testing.T) {
	f := newFixture(t, "demo")
	before := f.bytes()
	fi, _ := os.Stat(f.path)
	whatIf := f.emulator(400 * day)
	inv, err := whatIf.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inv.CAExpiresAt.After(inv.Now) {
		t.Fatalf("the what-if read at day 400 sees an unexpired CA: %s", inv.CAExpiresAt)
	}
	withCluster, err := f.emulator(0, "added-by-config").Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := withCluster.Cluster("added-by-config"); !ok {
		t.Error("a configured cluster is missing from a read")
	}
	for _, op := range []func() error{
		func() error { _, err := whatIf.Snapshot(ctx); return err },
		func() error { _, err := whatIf.ClientStatus(ctx); return err },
		func() error { _, err := whatIf.Secrets(ctx); return err },
		func() error { return whatIf.Prepare(ctx) },
	} {
		f.must(op())
	}
	after, _ := os.Stat(f.path)
	if !bytes.Equal(before, f.bytes()) || !after.ModTime().Equal(fi.ModTime()) {
		t.Fatal("a read changed the state file")
	}
	inv = f.inventory()
	if !inv.Now.Equal(t0) || !inv.CAExpiresAt.After(inv.Now) {
		t.Errorf("after the what-if read: now %s, CA %s", inv.Now, inv.CAExpiresAt)
	}
	if _, ok := inv.Cluster("added-by-config"); ok {
		t.Error("a read persisted a configured cluster")
	}
	// An update does persist: the clock and the configured cluster.
	ahead := f.emulator(10*day, "added-by-config")
	f.must(ahead.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	if _, err := f.emulator(0).Inventory(ctx); !errors.As(err, new(*ClockError)) {
		t.Errorf("after an update at +10 days, offset 0: %v", err)
	}
	if inv, err := f.emulator(10 * day).Inventory(ctx); err != nil {
		t.Fatal(err)
	} else if _, ok := inv.Cluster("added-by-config"); !ok {
		t.Error("an update did not persist the configured cluster")
	}
}

// TestFirstUseCreatesTheFile: a read creates a missing file (first use), with mode 0600,
// and each new file is a new deployment. An emptied file is not a missing one
// (TestEmptyFilesAreNeverInitialised).
func TestFirstUseCreatesTheFile(t *testing.T) {
	f := newFixture(t)
	first := f.inventory().DeploymentID
	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
	second := f.inventory().DeploymentID
	if first == "" || first == second {
		t.Errorf("deployment IDs %q %q", first, second)
	}
	if f.inventory().DeploymentID != second {
		t.Error("the deployment ID is not stable")
	}
	if fi, err := os.Stat(f.path); err != nil || fi.Mode().Perm() != stateFileMode {
		t.Errorf("the created file: %v %v, want mode %o", fi.Mode(), err, stateFileMode)
	}
	// Nothing but the file and its backup is left in the directory (no temporary file).
	entries, err := os.ReadDir(filepath.Dir(f.path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"state.db", "state.db.backup"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// TestLockWaitEndsAtTheDeadline: a second process holding the file makes an operation
// wait no longer than its context allows, even with a long lock timeout.
func TestLockWaitEndsAtTheDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	f := newFixture(t, "demo")
	holdLockInChild(t, f.path)

	e, _ := New(Config{StatePath: f.path, Clock: f.clock, LockTimeout: time.Hour})
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Inventory(c)
	elapsed := time.Since(start)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "until the operation's timeout") {
		t.Fatalf("locked file with a 300ms deadline: %v", err)
	}
	if elapsed > 10*time.Second {
		t.Errorf("the wait took %s", elapsed)
	}
	c2, cancel2 := context.WithCancel(ctx)
	go func() { cancel2() }()
	if err := e.UpdateManagementCertificates(c2, akshci.ManagementOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

// TestLockWaitEndsAtTheLockTimeoutBeforeAFarDeadline: with a deadline further away than
// the lock timeout, the wait ends at the lock timeout (Config.LockTimeout), and the error
// says so rather than blaming the operation's timeout.
func TestLockWaitEndsAtTheLockTimeoutBeforeAFarDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	f := newFixture(t, "demo")
	holdLockInChild(t, f.path)

	const lockTimeout = 200 * time.Millisecond
	e, _ := New(Config{StatePath: f.path, Clock: f.clock, LockTimeout: lockTimeout})
	c, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	_, err := e.Inventory(c)
	var le *LockedError
	if !errors.As(err, &le) || le.Waited != lockTimeout || le.Cause != nil || strings.Contains(err.Error(), "until the operation's") {
		t.Fatalf("locked file, lock timeout 200ms, deadline in an hour: %v", err)
	}
}

// TestWaitBehindAnotherOperationEndsAtTheDeadline: within one process, an operation
// queued behind a long one gives up at its own deadline.
func TestWaitBehindAnotherOperationEndsAtTheDeadline(t *testing.T) {
	f := newFixture(t)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- f.e.update(ctx, func(*session) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := f.e.Inventory(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued read: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.inventory()
}

// TestEveryOperationCommitsThroughUpdate: the operations that change the deployment
// (apply's updates and the test operations, issue 13's restarts, power and manual
// recoveries among them) commit the moved emulated clock and then write the backup, so a
// damaged file can be restored to the last operation's result.
func TestEveryOperationCommitsThroughUpdate(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(*Emulator) error
	}{
		{"UpdateManagementCertificates", func(e *Emulator) error {
			return e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
		}},
		{"UpdateClusterCertificates", func(e *Emulator) error {
			return e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true})
		}},
		{"AddCluster", func(e *Emulator) error { return e.AddCluster(ctx, "other") }},
		{"DeleteCluster", func(e *Emulator) error { return e.DeleteCluster(ctx, "demo") }},
		{"PowerOff", func(e *Emulator) error { return e.PowerOff(ctx, "demo") }},
		{"Restart", func(e *Emulator) error { return e.Restart(ctx, "demo") }},
		{"RestartManagement", func(e *Emulator) error { return e.Restart(ctx, Management) }},
		{"PowerOffManagement", func(e *Emulator) error { return e.PowerOffManagement(ctx) }},
		{"PowerOnManagement", func(e *Emulator) error {
			if err := e.PowerOffManagement(ctx); err != nil {
				return err
			}
			return e.PowerOnManagement(ctx)
		}},
		{"RecoverKMSPlugin", func(e *Emulator) error { return e.RecoverKMSPlugin(ctx, Management) }},
		{"RepairMoc", func(e *Emulator) error { return e.RepairMoc(ctx) }},
		{"DeleteKvactlAccessFile", func(e *Emulator) error { return e.DeleteKvactlAccessFile(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "demo")
			f.advance(10 * day)
			f.must(tc.op(f.e))
			backup, err := os.ReadFile(f.e.BackupPath())
			if err != nil {
				t.Fatalf("no backup after %s: %v", tc.name, err)
			}
			copyPath := f.path + ".restored"
			if err := os.WriteFile(copyPath, backup, stateFileMode); err != nil { //nolint:gosec // the test's own temp dir
				t.Fatal(err)
			}
			// The backup holds the committed clock (day 10): read at day 0, it is refused.
			past, err := New(Config{StatePath: copyPath, Clock: akshci.NewFakeClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			var ce *ClockError
			if _, err := past.Inventory(ctx); !errors.As(err, &ce) {
				t.Errorf("the backup after %s does not hold the moved clock: %v", tc.name, err)
			}
			// And the same deployment as the file.
			restored, err := New(Config{StatePath: copyPath, Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			want, werr := f.e.Inventory(ctx)
			got, gerr := restored.Inventory(ctx)
			switch {
			case werr != nil || gerr != nil:
				var a, b *PoweredOffError
				if !errors.As(werr, &a) || !errors.As(gerr, &b) || !a.Since.Equal(b.Since) {
					t.Errorf("file: %v; backup: %v", werr, gerr)
				}
			case got.DeploymentID != want.DeploymentID || !sameCredentials(got, want):
				t.Errorf("the backup after %s is not the deployment the operation left", tc.name)
			}
		})
	}
}

// TestFirstUseKeepsTheBackupOfADeletedDeployment: first use writes a backup of the new
// deployment when there is none, but a backup next to a deleted file is the copy of the
// deployment that was deleted, the way back to it: a new deployment in its place leaves
// it alone (package doc, Backup).
func TestFirstUseKeepsTheBackupOfADeletedDeployment(t *testing.T) {
	f := newFixture(t, "demo")
	if _, err := os.Stat(f.e.BackupPath()); err != nil {
		t.Fatalf("first use wrote no backup: %v", err)
	}
	f.advance(10 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	backup, err := os.ReadFile(f.e.BackupPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
	f.must(f.e.Prepare(ctx))
	if got, _ := os.ReadFile(f.e.BackupPath()); !bytes.Equal(got, backup) {
		t.Error("first use replaced the backup of the deleted deployment")
	}
}
