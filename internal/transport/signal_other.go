//go:build !unix

package transport

import "os/exec"

func signalName(*exec.ExitError) string { return "" }
