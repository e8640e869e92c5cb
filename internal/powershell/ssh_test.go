// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package powershell_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

func sshRunner(t *testing.T, srv *sshtest.Server, user string) *transport.SSH {
	t.Helper()
	r, err := transport.NewSSH(transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: user,
		PrivateKey: srv.ClientKeyPEM, HostKey: srv.HostKeyLine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// TestSSHRoundTrip runs the inventory and the renewals through a real OpenSSH server,
// the stand-in for powershell.exe and the emulator.
func TestSSHRoundTrip(t *testing.T) {
	srv := sshtest.Start(t)
	roundTrip(t, sshRunner(t, srv, srv.User), newDeployment(t, ""))
}

// TestSSHConnectionDroppedMidUpdate breaks the connection while an update runs: the
// error must say the outcome is unknown, and the host must stay usable.
func TestSSHConnectionDroppedMidUpdate(t *testing.T) {
	srv := sshtest.Start(t)
	d := newDeployment(t, "")
	ctx := context.Background()
	r := sshRunner(t, srv, srv.User)
	slow := powershell.New(r, d.wrapper(t, "powershell-slow.exe", "-delay", "3s"))
	if _, err := slow.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- slow.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true})
	}()
	// The stand-in logs each op before it starts on it (and then waits 3 s): once the
	// update is in the log, it is running on the host.
	waitFor(t, 5*time.Second, "the update to start on the host", func() bool { return d.logged(t, `"op":"update-cluster"`) })
	_ = slow.Close() // the connection goes away mid-update
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrConnectionLost) || !strings.Contains(err.Error(), "may or may not have completed") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the update did not return after the connection closed")
	}
	// A new connection finds the host usable.
	h := powershell.New(sshRunner(t, srv, srv.User), d.wrapper(t, "powershell.exe"))
	if _, err := h.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSSHCancelStopsUpdate cancels an update over SSH: the call returns promptly, the
// stand-in process on the host is gone, and nothing was renewed. It logs in as an
// unprivileged user, because OpenSSH does not deliver signals to root logins.
func TestSSHCancelStopsUpdate(t *testing.T) {
	srv := sshtest.Start(t)
	user := sshtest.UnprivilegedUser(t)
	dir := sshtest.SharedDir(t)
	if err := os.Chmod(dir, 0o777); err != nil { // the user creates the state file here
		t.Fatal(err)
	}
	d := newDeployment(t, dir)
	ctx := context.Background()
	r := sshRunner(t, srv, user)
	h := powershell.New(r, d.wrapper(t, "powershell.exe"))
	before, err := h.Inventory(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	slow := powershell.New(r, d.wrapper(t, "powershell-slow.exe", "-delay", "60s"))
	cctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = slow.UpdateClusterCertificates(cctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned %s after the start", d)
	}
	// The stand-in's command line names this test's state file, so pgrep finds only it.
	if err := sshtest.WaitFor(5*time.Second, "the stand-in to end after the cancel", func() (bool, error) {
		pids, err := sshtest.Processes(d.state)
		return len(pids) == 0, err
	}); err != nil {
		pids, _ := sshtest.Processes(d.state)
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL) // this test's own stand-in
		}
		t.Fatalf("%v: pids %v", err, pids)
	}
	after, err := h.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, a := credential(t, before, "demo", "KMS token"), credential(t, after, "demo", "KMS token")
	if !a.NotAfter.Equal(b.NotAfter) {
		t.Fatalf("KMS token changed from %s to %s although the update was cancelled", b.NotAfter, a.NotAfter)
	}
}

func TestSSHHostKeyMismatchThroughHost(t *testing.T) {
	srv := sshtest.Start(t)
	other, _ := sshtest.NewKeyPair(t)
	r, err := transport.NewSSH(transport.SSHConfig{Host: srv.Host, Port: srv.Port, User: srv.User, PrivateKey: srv.ClientKeyPEM, HostKey: other})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = powershell.New(r, "").Inventory(context.Background())
	var herr *transport.HostKeyError
	if !errors.As(err, &herr) || !strings.Contains(err.Error(), fmt.Sprintf("host key mismatch for %s", srv.Addr)) {
		t.Fatalf("got %v", err)
	}
}

// waitFor ends the test when cond is not true within timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := sshtest.WaitFor(timeout, what, func() (bool, error) { return cond(), nil }); err != nil {
		t.Fatal(err)
	}
}

// logged reports whether the stand-in's op log contains text.
func (d *deployment) logged(t *testing.T, text string) bool {
	t.Helper()
	b, err := os.ReadFile(d.log)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), text)
}
