// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package emulator

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes a flock on f without blocking, exclusive for an operation that may write
// and shared for a read (as bbolt locks a read-only open); busy reports that another
// open file holds a conflicting one. bbolt takes the same lock on the same open file when
// it opens the database, which then succeeds at once.
func tryLock(f *os.File, exclusive bool) (busy bool, err error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// preLocked reports whether this platform takes the lock before bbolt does, so that
// the file can be checked while no other process can write it.
const preLocked = true
