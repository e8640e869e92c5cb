// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package emulator

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on f without blocking; busy reports that another open
// file holds it. bbolt takes the same lock on the same open file when it opens the
// database, which then succeeds at once.
func tryLock(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// preLocked reports whether this platform takes the lock before bbolt does, so that
// the file can be checked while no other process can write it.
const preLocked = true
