// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package prereq decides what a test does when something it needs from the machine is missing (an sshd, a
// Terraform CLI, a grammar checker): it fails, naming what is missing and how to install it, unless the person
// running the tests said beforehand that they knowingly skip it. A test suite that reports "ok" has therefore run
// everything, or was told not to.
package prereq

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// SkipEnv lists the prerequisites to skip knowingly, comma-separated (for example "sshd,acceptance"), or "all".
const SkipEnv = "AKSHYBRID_TEST_SKIP"

// Skipped reports whether SkipEnv names the prerequisite.
func Skipped(name string) bool {
	list := strings.Split(os.Getenv(SkipEnv), ",")
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
	return slices.Contains(list, name) || slices.Contains(list, "all")
}

// Missing ends the test because prerequisite name is not there: a skip when SkipEnv names it, otherwise a
// failure that says what is missing, how to get it, and how to skip it knowingly.
func Missing(t testing.TB, name, what, install string) {
	t.Helper()
	if Skipped(name) {
		t.Skipf("%s=%s: skipped knowingly: %s", SkipEnv, os.Getenv(SkipEnv), what)
		return
	}
	t.Fatalf("%s. %s. To skip these tests knowingly, set %s=%s.", what, install, SkipEnv, name)
}
