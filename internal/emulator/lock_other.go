// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package emulator

import "os"

// tryLock does nothing here: bbolt takes its own lock (LockFileEx on Windows) when it
// opens the file, waiting at most until the operation's deadline. The file is then
// checked before that lock is held; a concurrent commit by another process can make
// the check fail, never pass wrongly, since bbolt writes data pages before the meta
// page that makes them reachable.
func tryLock(*os.File, bool) (busy bool, err error) { return false, nil }

const preLocked = false
