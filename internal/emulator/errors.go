package emulator

import (
	"fmt"
	"strconv"
	"time"
)

// StateFileError reports a file at the state path that is not an emulator state file,
// or one that is damaged. The file is never modified.
type StateFileError struct {
	Path   string
	Reason string
}

func (e *StateFileError) Error() string {
	return strconv.Quote(e.Path) + " is not an akshybrid emulator state file: " + e.Reason +
		"; move it away or choose another state_path"
}

// LockedError reports that another process held the state file's lock for longer than
// the configured lock timeout.
type LockedError struct {
	Path   string
	Waited time.Duration
}

func (e *LockedError) Error() string {
	return "emulator state " + strconv.Quote(e.Path) +
		" is locked by another process (another terraform run?); waited " + e.Waited.String()
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
		"and the configured time_offset would move it back to %s; raise time_offset to at least %s, "+
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
