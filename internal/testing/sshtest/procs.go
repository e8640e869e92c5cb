// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package sshtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Processes returns the pids of the processes whose command line contains pattern. pgrep
// exits 1 when nothing matches; any other failure is an error rather than "no such
// process". It never touches a testing.T, so watchers on other goroutines may call it and
// hand the error to the test's goroutine.
func Processes(pattern string) ([]int, error) {
	out, err := exec.Command("pgrep", "-f", pattern).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pgrep -f %q: %w", pattern, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		p, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("pgrep printed %q", out)
		}
		pids = append(pids, p)
	}
	return pids, nil
}

// WaitFor checks cond every 20 ms until it holds, fails or timeout passes; the error says
// which (what names the awaited event). It touches no testing.T.
func WaitFor(timeout time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		switch {
		case err != nil:
			return fmt.Errorf("waiting for %s: %w", what, err)
		case ok:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("gave up waiting %s for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond) // the interval between checks, not a wait for the event
	}
}
