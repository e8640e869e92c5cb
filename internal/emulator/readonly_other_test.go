//go:build !linux

package emulator

import "testing"

// checkOpenedAs needs Linux's /proc; elsewhere TestReadsOpenTheFileReadOnly checks the
// transaction only.
func checkOpenedAs(*testing.T, string, bool) {}
