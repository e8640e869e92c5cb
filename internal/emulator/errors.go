// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// StateFileError reports a file at the state path that is not an emulator state file,
// or one that is damaged. The file is never modified.
type StateFileError struct {
	Path   string
	Reason string
	// Damaged is set when the file looks like an emulator state file (or a bbolt
	// database) that is broken, rather than some other file.
	Damaged bool
	// Backup is the emulator's copy of the file as of its last committed operation,
	// when there is one.
	Backup string
	// Empty is set (with Damaged) for a file of zero bytes: it exists, so it is not a new
	// deployment, and it is never initialised as one.
	Empty bool
}

// afterRecovery is what every recovery of a damaged file leads to in the Terraform state.
const afterRecovery = " (resources in the Terraform state then report that the deployment changed)"

func (e *StateFileError) Error() string {
	if e.Empty {
		s := "emulator state file " + strconv.Quote(e.Path) + " is empty (0 bytes); it was left untouched: an existing " +
			"file is never turned into a new emulated deployment. "
		if e.Backup != "" {
			s += "To recover, restore the copy the emulator saved after its last successful change: cp " +
				strconv.Quote(e.Backup) + " " + strconv.Quote(e.Path) + "; or delete the empty file to start a new " +
				"emulated deployment (a missing file is created on first use)"
		} else {
			s += "To start a new emulated deployment, delete the empty file (a missing file is created on first use; " +
				"there is no backup copy " + strconv.Quote(e.Path+".backup") + ")"
		}
		return s + afterRecovery
	}
	if !e.Damaged {
		return strconv.Quote(e.Path) + " is not an akshybrid emulator state file: " + e.Reason +
			"; it was left untouched; move it away or choose another state file path"
	}
	s := "emulator state file " + strconv.Quote(e.Path) + " is damaged (" + e.Reason + "); it was left untouched. "
	if e.Backup != "" {
		s += "To recover, restore the copy the emulator saved after its last successful change: cp " +
			strconv.Quote(e.Backup) + " " + strconv.Quote(e.Path) + "; or move the damaged file away to start a new emulated deployment"
	} else {
		s += "To recover, move the damaged file away to start a new emulated deployment (there is no backup copy " +
			strconv.Quote(e.Path+".backup") + ")"
	}
	return s + afterRecovery
}

// ReadOnlyError reports an operation that changes the deployment on a state file it
// cannot write. Reads (Inventory, Snapshot, ...) work on such a file.
type ReadOnlyError struct {
	Path string
	// Why says what makes it read-only: its mode, this user's permissions, the file system.
	Why string
}

func (e *ReadOnlyError) Error() string {
	return "emulator state file " + strconv.Quote(e.Path) + " is read-only (" + e.Why + "): reading it works, but this " +
		"operation changes the emulated deployment and must write it; nothing was changed. Make the file writable " +
		"by this user (for example chmod u+w " + strconv.Quote(e.Path) + ") or choose another state file path"
}

// LockedError reports that another process held the state file's lock for longer than
// the configured lock timeout, or until the operation's deadline or cancellation.
type LockedError struct {
	Path   string
	Waited time.Duration
	// Cause is the context error when the operation's deadline or cancellation ended
	// the wait.
	Cause error
}

func (e *LockedError) Error() string {
	s := "emulator state " + strconv.Quote(e.Path) +
		" is locked by another process (another terraform run?); waited " + e.Waited.String()
	if e.Cause != nil {
		s += ", until the operation's " + causeText(e.Cause)
	}
	return s
}

func (e *LockedError) Unwrap() error { return e.Cause }

func causeText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "cancellation"
}

// ClockError reports a configuration that would move the emulated clock backwards.
type ClockError struct {
	Path string
	// At is the emulated time persisted in the state file.
	At time.Time
	// Would is where the configured clock and offset would put it.
	Would time.Time
	// MinOffset is the smallest time_offset that works now.
	MinOffset time.Duration
}

func (e *ClockError) Error() string {
	return fmt.Sprintf("the emulated clock never moves backwards: the emulated clock in %q is at %s, "+
		"and the configured time offset would move it back to %s; raise the time offset to at least %s, "+
		"or delete the state file %q to start over",
		e.Path, e.At.Format(time.RFC3339), e.Would.Format(time.RFC3339), formatDuration(e.MinOffset), e.Path)
}

// CAExpiredError is what every update returns once the cloud agent CA has expired, as on
// a real deployment: nothing can be issued until the CA is rotated.
type CAExpiredError struct {
	ExpiredAt time.Time
	Now       time.Time
	Path      string
}

func (e *CAExpiredError) Error() string {
	return fmt.Sprintf("the cloud agent CA expired at %s (emulated time is %s): no client certificate can be "+
		"issued or renewed until the CA is rotated with Invoke-AksHciRotateCACertificate (emulated by the state file "+
		"%q's RotateCACertificate), after which the management and then each workload cluster's credentials must be "+
		"renewed", e.ExpiredAt.Format(time.RFC3339), e.Now.Format(time.RFC3339), e.Path)
}

// PoweredOffError reports an operation on a workload cluster, or on the management
// cluster (Cluster empty), whose VMs are stopped.
type PoweredOffError struct {
	Cluster string
	Since   time.Time
}

func (e *PoweredOffError) Error() string {
	if e.Cluster == "" {
		return fmt.Sprintf("the management cluster (AKS host) is powered off (since %s): no AksHci cmdlet can reach "+
			"it; power it on first", e.Since.Format(time.RFC3339))
	}
	return fmt.Sprintf("workload cluster %q is powered off (since %s): Update-AksHciClusterCertificates needs its VMs "+
		"running to reach them; power the cluster on first", e.Cluster, e.Since.Format(time.RFC3339))
}

// formatDuration renders a duration the way a user would type it for time_offset:
// "48h", "47h30m", falling back to Go's format for odd values.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h" + strconv.FormatInt(int64(d%time.Hour/time.Minute), 10) + "m"
	}
	return d.String()
}
