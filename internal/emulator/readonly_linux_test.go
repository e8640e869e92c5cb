// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build linux

package emulator

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// checkOpenedAs checks, from /proc, that this process holds path open read-only with a
// shared flock (write false) or read-write with an exclusive one (write true).
func checkOpenedAs(t *testing.T, path string, write bool) {
	t.Helper()
	flags, lock := openedAs(t, path)
	wantFlags, wantLock := syscall.O_RDONLY, "READ"
	if write {
		wantFlags, wantLock = syscall.O_RDWR, "WRITE"
	}
	if flags&syscall.O_ACCMODE != wantFlags || lock != wantLock {
		t.Errorf("write %v: the file is open with flags %#o and a %q lock, want access mode %#o and a %q lock",
			write, flags, lock, wantFlags, wantLock)
	}
}

// openedAs finds this process's open descriptor of path in /proc and returns its open
// flags and the type of the flock it holds (READ or WRITE, from /proc/locks).
func openedAs(t *testing.T, path string) (flags int, lock string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino //nolint:forcetypeassert // Linux only
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err != nil || target != path {
			continue
		}
		info, err := os.ReadFile(filepath.Join("/proc/self/fdinfo", fd.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
				if err != nil {
					t.Fatal(err)
				}
				flags = int(n)
			}
		}
		found++
	}
	if found != 1 {
		t.Fatalf("%d open descriptors of %s, want 1", found, path)
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = locks.Close() }()
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF"
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[1] == "FLOCK" && strings.HasSuffix(fields[5], ":"+strconv.FormatUint(ino, 10)) &&
			fields[4] == strconv.Itoa(os.Getpid()) {
			lock = fields[3]
		}
	}
	return flags, lock
}
