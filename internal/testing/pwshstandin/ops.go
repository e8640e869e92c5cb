// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// This file plays the update operations (the management and cluster updates, the CA
// rotation) as the AksHci module would, checking each script line by line first.

func updateManagement(ctx context.Context, emu *emulator.Emulator, o op, s *settings, stdout, stderr io.Writer) int {
	command := "Update-AksHciCertificates"
	if o.Force {
		command += " -force"
	}
	return runCmdlet(o, s, command, "Updating the certificates and tokens of the management cluster clients...", stdout, stderr,
		func() error { return emu.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: o.Force}) })
}

// rotateCA follows Invoke-AksHciRotateCACertificate, as the script runs it: with
// -Confirm:$false when the stand-in's module takes it (checkConfirm).
func rotateCA(ctx context.Context, emu *emulator.Emulator, o op, s *settings, stdout, stderr io.Writer) int {
	return runCmdlet(o, s, "Invoke-AksHciRotateCACertificate", "Rotating the cloud agent CA certificate...", stdout, stderr,
		func() error { return emu.RotateCACertificate(ctx) })
}

// runCmdlet plays one cmdlet line: the module's prompt rules (checkConfirm), the line the
// op comment promises (with -Confirm:$false when it says so), then the emulated work.
func runCmdlet(o op, s *settings, command, progress string, stdout, stderr io.Writer, work func() error) int {
	if code := s.checkConfirm(o, stderr); code != 0 {
		return code
	}
	if o.Confirm {
		command += " -Confirm:$false"
	}
	if !scriptLines(s.script)[command] {
		fmt.Fprintf(stderr, "pwshstandin: the op comment says %q but the script does not run it\n", command)
		return exitContract
	}
	fmt.Fprint(stdout, progress+"\r\n")
	time.Sleep(s.delay)
	if err := work(); err != nil {
		return fail(stderr, command, err)
	}
	fmt.Fprint(stdout, "Done.\r\n")
	return 0
}

func updateCluster(ctx context.Context, emu *emulator.Emulator, o op, s *settings, stdout, stderr io.Writer) int {
	calls, err := clusterCalls(s.script)
	if err != nil {
		fmt.Fprintln(stderr, "pwshstandin: "+err.Error())
		return exitContract
	}
	if code := s.checkConfirm(o, stderr); code != 0 {
		return code
	}
	var want []call
	if !o.FixKubeletCredentials && !o.FixCloudCredentials {
		want = append(want, call{cluster: o.Cluster, force: o.Force, confirm: o.Confirm}) // -name alone
	}
	if o.FixKubeletCredentials {
		want = append(want, call{cluster: o.Cluster, kubelet: true, force: o.Force, confirm: o.Confirm})
	}
	if o.FixCloudCredentials {
		want = append(want, call{cluster: o.Cluster, cloud: true, patchLB: o.PatchLoadBalancer, force: o.Force, confirm: o.Confirm})
	}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		fmt.Fprintf(stderr, "pwshstandin: the op comment asks for %+v but the script runs %+v\n", want, calls)
		return exitContract
	}
	if !strings.Contains(s.script, "AKSHYBRID-CLUSTER-NOT-FOUND: ") {
		fmt.Fprintln(stderr, "pwshstandin: the script does not check that the cluster exists")
		return exitContract
	}
	inv, err := emu.Inventory(ctx)
	if err != nil {
		return fail(stderr, "Get-AksHciCluster", err)
	}
	if l, blocked := inv.ClusterListBlocked(); blocked {
		return fail(stderr, "Get-AksHciCluster", &akshci.LockoutError{Operation: "Get-AksHciCluster", Lockout: l})
	}
	if _, ok := inv.Cluster(o.Cluster); !ok {
		names, _ := json.Marshal(inv.ClusterNames())
		fmt.Fprintf(stderr, "AKSHYBRID-CLUSTER-NOT-FOUND: %s\r\n", names)
		return exitNotFound
	}
	time.Sleep(s.delay)
	for _, c := range calls {
		if c.patchLB && s.noPatchLoadBalancer {
			// What PowerShell says for a switch the command lacks.
			return fail(stderr, "Update-AksHciClusterCertificates -name '"+c.cluster+"' "+c.String(),
				errNoPatchLB)
		}
		fmt.Fprintf(stdout, "Updating certificates of workload cluster %s (%s)...\r\n", c.cluster, c.String())
		opts := akshci.ClusterOptions{FixKubeletCredentials: c.kubelet, FixCloudCredentials: c.cloud, PatchLoadBalancer: c.patchLB, Force: c.force}
		if err := emu.UpdateClusterCertificates(ctx, c.cluster, opts); err != nil {
			return fail(stderr, "Update-AksHciClusterCertificates -name '"+c.cluster+"' "+c.String(), err)
		}
	}
	fmt.Fprint(stdout, "Done.\r\n")
	return 0
}

// call is one Update-AksHciClusterCertificates line of a script.
type call struct {
	cluster                                 string
	kubelet, cloud, patchLB, force, confirm bool
}

func (c call) String() string {
	var sw []string
	if c.kubelet {
		sw = append(sw, "-fixKubeletCredentials")
	}
	if c.cloud {
		sw = append(sw, "-fixCloudCredentials")
	}
	if c.patchLB {
		sw = append(sw, "-patchLoadBalancer")
	}
	if c.force {
		sw = append(sw, "-force")
	}
	if c.confirm {
		sw = append(sw, "-Confirm:$false")
	}
	return strings.Join(sw, " ")
}

// clusterCalls reads the script's Update-AksHciClusterCertificates lines the way
// PowerShell would: the name is a single-quoted literal, the rest are switches.
func clusterCalls(script string) ([]call, error) {
	const prefix = "Update-AksHciClusterCertificates -name "
	var calls []call
	for _, line := range strings.Split(script, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if !ok {
			continue
		}
		name, after, err := readSingleQuoted(rest)
		if err != nil {
			return nil, fmt.Errorf("%v in %q", err, line)
		}
		c := call{cluster: name}
		for _, sw := range strings.Fields(after) {
			switch sw {
			case "-fixKubeletCredentials":
				c.kubelet = true
			case "-fixCloudCredentials":
				c.cloud = true
			case "-patchLoadBalancer":
				c.patchLB = true
			case "-force":
				c.force = true
			case "-Confirm:$false":
				c.confirm = true
			default:
				return nil, fmt.Errorf("unexpected %q in %q", sw, line)
			}
		}
		if (c.kubelet && c.cloud) || (c.patchLB && !c.cloud) {
			return nil, fmt.Errorf("each call must use at most one parameter set: %q", line)
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// readSingleQuoted reads a PowerShell single-quoted string at the start of s, where
// any of ' and U+2018..U+201B is a quote and two quotes in a row stand for one.
func readSingleQuoted(s string) (value, rest string, err error) {
	r := []rune(s)
	if len(r) == 0 || !isQuote(r[0]) {
		return "", "", errors.New("no single-quoted name")
	}
	var b strings.Builder
	for i := 1; i < len(r); i++ {
		if isQuote(r[i]) {
			if i+1 < len(r) && isQuote(r[i+1]) {
				b.WriteRune(r[i+1])
				i++
				continue
			}
			return b.String(), string(r[i+1:]), nil
		}
		b.WriteRune(r[i])
	}
	return "", "", errors.New("unterminated single-quoted name")
}

func isQuote(r rune) bool { return r == '\'' || (r >= '\u2018' && r <= '\u201B') }

// PowerShell's own texts, which end with a full stop.
var (
	errPrompt    = errors.New("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.") //nolint:staticcheck // PowerShell's text
	errNoConfirm = errors.New("A parameter cannot be found that matches parameter name 'Confirm'.")                    //nolint:staticcheck // PowerShell's text
	errNoPatchLB = errors.New("A parameter cannot be found that matches parameter name 'patchLoadBalancer'.")          //nolint:staticcheck // PowerShell's text
)

// checkConfirm answers a script as the stand-in's module would, before anything runs: a
// cmdlet that asks "Are you sure?" fails under -NonInteractive unless the script passes
// -Confirm:$false (the op comment says whether it does, and the callers check that the
// script's lines agree), and a module without -Confirm refuses the parameter.
func (s *settings) checkConfirm(o op, stderr io.Writer) int {
	switch {
	case !s.noConfirmParameter && !o.Confirm:
		return fail(stderr, o.Op, errPrompt)
	case s.noConfirmParameter && o.Confirm:
		return fail(stderr, o.Op, errNoConfirm)
	}
	return 0
}
