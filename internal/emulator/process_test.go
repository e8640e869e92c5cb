// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Environment of the child processes started by these tests.
const (
	envHelper = "AKSHYBRID_EMULATOR_TEST_HELPER" // "hold" or "churn"
	envPath   = "AKSHYBRID_EMULATOR_TEST_PATH"
	envRound  = "AKSHYBRID_EMULATOR_TEST_ROUND"
)

// TestHelperProcess is not a test: it is the child process of the tests below.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		t.Skip("child process only")
	}
	path := os.Getenv(envPath)
	var err error
	switch mode {
	case "hold":
		err = holdLock(path)
	case "churn":
		round, _ := strconv.Atoi(os.Getenv(envRound))
		err = churn(path, round)
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// holdLock keeps the state file open inside an operation until stdin is closed.
func holdLock(path string) error {
	e, err := New(Config{StatePath: path, Clock: akshci.NewFakeClock(t0)})
	if err != nil {
		return err
	}
	return e.update(ctx, func(*session) error {
		fmt.Println("locked")
		_, err := io.Copy(io.Discard, os.Stdin)
		return err
	})
}

// churn writes as fast as it can, moving the emulated clock six hours per iteration
// from 30 days per round on, until it is killed.
func churn(path string, round int) error {
	for i := 0; ; i++ {
		offset := time.Duration(round)*30*day + time.Duration(min(i, 119))*6*time.Hour
		e, err := New(Config{StatePath: path, Clock: akshci.NewFakeClock(t0), TimeOffset: offset})
		if err != nil {
			return err
		}
		steps := []func() error{
			func() error { return e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}) },
			func() error {
				return e.UpdateClusterCertificates(ctx, "a", akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: true, Force: true})
			},
			func() error { return e.AddCluster(ctx, "tmp") },
			func() error { _, err := e.Inventory(ctx); return err },
			func() error { return e.PowerOff(ctx, "b") },
			func() error { return e.DeleteCluster(ctx, "tmp") },
			func() error { return e.PowerOn(ctx, "b") },
		}
		for _, step := range steps {
			err := step()
			var exists bool
			if err != nil {
				exists = strings.Contains(err.Error(), "already exists")
				var nf *akshci.ClusterNotFoundError
				exists = exists || errors.As(err, &nf) // a kill between add and delete
			}
			if err != nil && !exists {
				return err
			}
		}
		if i == 0 {
			fmt.Println("running")
		}
	}
}

func helper(t *testing.T, mode, path string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envPath+"="+path)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stderr = os.Stderr
	return cmd
}

// waitLine reads the child's stdout until it prints want.
func waitLine(t *testing.T, r io.Reader, want string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == want {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return
		}
	}
	t.Fatalf("child exited before printing %q", want)
}

// holdLockInChild starts a child process that opens path and holds its lock until
// release is called (or the test ends); it returns once the child says it holds the lock.
// release lets the child finish its operation and returns how the child exited.
func holdLockInChild(t *testing.T, path string) (release func() error) {
	t.Helper()
	child := helper(t, "hold", path)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var exit error
	release = func() error {
		once.Do(func() { _ = stdin.Close(); exit = child.Wait() })
		return exit
	}
	t.Cleanup(func() { _ = release() })
	waitLine(t, stdout, "locked")
	return release
}

func TestLockContention(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	f := newFixture(t, "demo")
	release := holdLockInChild(t, f.path)

	short, _ := New(Config{StatePath: f.path, Clock: f.clock, LockTimeout: 300 * time.Millisecond})
	_, err := short.Inventory(ctx)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("short timeout: %v", err)
	}
	want := fmt.Sprintf("emulator state %q is locked by another process (another terraform run?); waited 300ms", f.path)
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}

	// An operation with a long lock timeout waits for the child and then succeeds. It must
	// not finish before the test lets the child go: releasing is set just before that.
	long, _ := New(Config{StatePath: f.path, Clock: f.clock, LockTimeout: 30 * time.Second})
	var releasing atomic.Bool
	done := make(chan error, 1)
	go func() {
		_, err := long.Inventory(ctx)
		if err == nil && !releasing.Load() {
			err = errors.New("operation finished while the child held the lock")
		}
		done <- err
	}()
	// A second contender that gives up shows the lock still held while the long one waits.
	if _, err := short.Inventory(ctx); !errors.As(err, &le) {
		t.Fatalf("short timeout while the long operation waits: %v", err)
	}
	releasing.Store(true)
	childExit := release() // the child finishes its operation and exits
	if err := <-done; err != nil {
		t.Fatalf("after the child released the lock: %v", err)
	}
	if childExit != nil {
		t.Errorf("child: %v", childExit)
	}
}

func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	f := newFixture(t, "a", "b")
	const rounds = 8
	for round := range rounds {
		child := helper(t, "churn", f.path, envRound+"="+strconv.Itoa(round))
		stdout, err := child.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		waitLine(t, stdout, "running")
		time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = child.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !killed(ee) {
			t.Fatalf("round %d: child ended with %v instead of being killed", round, err)
		}
		if err := checkState(f.path); err != nil {
			t.Fatalf("round %d: state inconsistent after SIGKILL: %v", round, err)
		}
		// The file and the backup copy both pass the structural check (the backup is
		// written to a temporary file and renamed, so it is never half-written).
		for _, p := range []string{f.path, f.path + ".backup"} {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if err := checkFile(data); err != nil {
				t.Fatalf("round %d: %s after SIGKILL: %v", round, p, err)
			}
		}
	}

	e := f.emulator(rounds * 30 * day)
	inv, err := e.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Management) != 2*len(akshci.ManagementClients) {
		t.Errorf("%d management credentials", len(inv.Management))
	}
	for _, name := range []string{"a", "b"} {
		cs := creds(t, inv, name)
		if len(cs) != 2*len(akshci.ClusterClients)+len(akshci.KubernetesClients) {
			t.Errorf("%s: %d credentials", name, len(cs))
		}
		for _, c := range cs {
			if !c.Known() {
				t.Errorf("%s %s has no expiry", name, c.Name())
			}
		}
	}
	// Still fully usable.
	f.must(e.PowerOn(ctx, "b"))
	f.must(e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	f.must(e.UpdateClusterCertificates(ctx, "b", akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: true, Force: true}))
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inv, _ = e.Inventory(ctx)
	for _, cm := range snap.Clusters {
		for i, m := range cm.Credentials {
			if m.Type == akshci.Certificate {
				if got, want := parsePEM(t, m.CertificatePEM).NotAfter, creds(t, inv, cm.Name)[i].NotAfter; !got.Equal(want) {
					t.Errorf("%s %s: %s vs %s", cm.Name, m.Client, got, want)
				}
			}
		}
	}
}

func killed(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
