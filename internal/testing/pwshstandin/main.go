// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Command pwshstandin stands in for powershell.exe in tests, where no PowerShell exists.
// It accepts the command line the powershell package sends
// (-NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>), reads the operation
// from the script's first line (# akshybrid-op: {...}), checks that the script says the
// same, performs the operation on an emulated deployment, and prints what the AksHci
// module and the script would: a banner and a warning, progress text, the inventory
// document between its nonce markers (CRLF line ends, like Windows), or an error record
// on stderr with exit status 1.
//
// Its own settings come first on the command line or from the environment, so a test
// can hand the powershell package a tiny wrapper script as the executable:
//
//	#!/bin/sh
//	exec /path/to/pwshstandin -state /path/to/state.db "$@"
//
//	-state PATH        emulator state file (AKSHYBRID_STANDIN_STATE); required
//	-clusters a,b      workload clusters created on first use (AKSHYBRID_STANDIN_CLUSTERS)
//	-time-offset DUR   emulated clock offset (AKSHYBRID_STANDIN_TIME_OFFSET)
//	-delay DUR         wait this long before an update, so a test can break the connection
//	-log PATH          append each operation and the script received, as JSON lines
//	-management NAME   the management cluster's name, listed by Get-AksHciCluster (default akshci-management)
//	-fail C:S=CODE,... make source S (kubeconfig, serving, csi, kms) of cluster C (* for all) report CODE
//	-no-patch-load-balancer  probe a module whose Update-AksHciClusterCertificates lacks -patchLoadBalancer;
//	                   a script that passes it fails as PowerShell would
//	-no-confirm-parameter    a module whose cmdlets take no -Confirm (passing it fails); by default every
//	                   cmdlet takes -Confirm, declares a high impact and asks "Are you sure?", so a call
//	                   without -Confirm:$false fails under -NonInteractive as real ones do
//	-access-files L    where kvactl's access file is: configured (the default, under
//	                   Moc.accessFileDirPath), profile (%USERPROFILE%\.wssd\kvactl) or 2020 (.wssd\cloudconfig)
//	-no-network-credentials  report a session without Kerberos tickets (an SSH key logon)
//
// The script may also come on standard input, behind powershell.StdinBootstrap.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
)

// Exit statuses: the script's own (0, 1, 3 for a missing cluster) and 2 for a command
// line or script that breaks the contract, like a PowerShell parse error.
const (
	exitFailure  = 1
	exitContract = 2
	exitNotFound = 3
)

type settings struct {
	state      string
	clusters   []string
	timeOffset time.Duration
	delay      time.Duration
	log        string
	script     string
	// management is the management cluster's name, which Get-AksHciCluster lists too.
	management string
	// fail makes sources fail: "cluster:source=code", cluster * for every cluster,
	// source one of kubeconfig, serving, csi, kms.
	fail map[string]string
	// noPatchLoadBalancer probes a module whose cluster cmdlet lacks -patchLoadBalancer.
	noPatchLoadBalancer bool
	// noNetworkCredentials reports a session without Kerberos tickets.
	noNetworkCredentials bool
	// noConfirmParameter models a module whose cmdlets take no -Confirm.
	noConfirmParameter bool
	// accessFiles is the access-file layout (layoutConfigured, layoutProfile, layout2020).
	accessFiles string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s, err := parseArgs(args, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "pwshstandin: "+err.Error())
		return exitContract
	}
	o, err := readOp(s.script)
	if err != nil {
		fmt.Fprintln(stderr, "pwshstandin: "+err.Error())
		return exitContract
	}
	if s.log != "" {
		if err := appendLog(s.log, o, s.script); err != nil {
			fmt.Fprintln(stderr, "pwshstandin: "+err.Error())
			return exitContract
		}
	}
	emu, err := emulator.New(emulator.Config{StatePath: s.state, TimeOffset: s.timeOffset, WorkloadClusters: s.clusters})
	if err != nil {
		return fail(stderr, "Import-Module AksHci", err)
	}
	ctx := context.Background()
	// What the AksHci module prints on import in a real session.
	fmt.Fprint(stdout, "WARNING: The names of some imported commands from the module 'AksHci' include unapproved verbs that might make them less discoverable.\r\n")
	switch o.Op {
	case "inventory":
		return inventory(ctx, emu, o, s, stdout, stderr)
	case "update-management":
		return updateManagement(ctx, emu, o, s, stdout, stderr)
	case "update-cluster":
		return updateCluster(ctx, emu, o, s, stdout, stderr)
	case powershell.OpKubeconfig:
		return kubeconfig(ctx, emu, o, s, stdout, stderr)
	case "rotate-ca":
		return rotateCA(ctx, emu, o, s, stdout, stderr)
	}
	fmt.Fprintf(stderr, "pwshstandin: unknown op %q\n", o.Op)
	return exitContract
}

func parseArgs(args []string, stdin io.Reader) (*settings, error) {
	s := &settings{state: os.Getenv("AKSHYBRID_STANDIN_STATE"), management: "akshci-management", fail: map[string]string{},
		accessFiles: layoutConfigured}
	if v := os.Getenv("AKSHYBRID_STANDIN_CLUSTERS"); v != "" {
		s.clusters = strings.Split(v, ",")
	}
	if v := os.Getenv("AKSHYBRID_STANDIN_TIME_OFFSET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("AKSHYBRID_STANDIN_TIME_OFFSET: %v", err)
		}
		s.timeOffset = d
	}
	var noProfile, nonInteractive bool
	var encoded string
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch strings.ToLower(a) {
		case "-state":
			s.state, err = value()
		case "-clusters":
			var v string
			if v, err = value(); err == nil && v != "" {
				s.clusters = strings.Split(v, ",")
			}
		case "-time-offset", "-delay":
			var v string
			var d time.Duration
			if v, err = value(); err == nil {
				if d, err = time.ParseDuration(v); err == nil {
					if a == "-delay" {
						s.delay = d
					} else {
						s.timeOffset = d
					}
				}
			}
		case "-log":
			s.log, err = value()
		case "-management":
			s.management, err = value()
		case "-fail":
			var v string
			if v, err = value(); err == nil {
				for _, f := range strings.Split(v, ",") {
					k, code, ok := strings.Cut(f, "=")
					if !ok {
						return nil, fmt.Errorf("-fail %q: want cluster:source=code", f)
					}
					s.fail[k] = code
				}
			}
		case "-no-patch-load-balancer":
			s.noPatchLoadBalancer = true
		case "-no-network-credentials":
			s.noNetworkCredentials = true
		case "-no-confirm-parameter":
			s.noConfirmParameter = true
		case "-access-files":
			if s.accessFiles, err = value(); err == nil && s.accessFiles != layoutConfigured && s.accessFiles != layoutProfile && s.accessFiles != layout2020 {
				err = fmt.Errorf("-access-files %q: want %s, %s or %s", s.accessFiles, layoutConfigured, layoutProfile, layout2020)
			}
		case "-noprofile":
			noProfile = true
		case "-noninteractive":
			nonInteractive = true
		case "-encodedcommand", "-enc", "-ec":
			encoded, err = value()
		default:
			return nil, fmt.Errorf("unexpected argument %q (want -NoProfile -NonInteractive -EncodedCommand <base64>)", a)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case !noProfile:
		return nil, errors.New("-NoProfile is missing: a profile could print anything or prompt")
	case !nonInteractive:
		return nil, errors.New("-NonInteractive is missing: a prompt would hang the run")
	case encoded == "":
		return nil, errors.New("-EncodedCommand is missing")
	case s.state == "":
		return nil, errors.New("no emulator state: pass -state or set AKSHYBRID_STANDIN_STATE")
	}
	script, err := decodeUTF16Base64(encoded)
	if err != nil {
		return nil, err
	}
	if script == powershell.StdinBootstrap {
		// The real script comes on standard input, as UTF-8.
		in, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %v", err)
		}
		script = string(in)
	} else if strings.HasPrefix(script, "# akshybrid-stdin") {
		return nil, errors.New("the stdin bootstrap differs from powershell.StdinBootstrap")
	}
	s.script = script
	return s, nil
}

func decodeUTF16Base64(arg string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(arg)
	if err != nil {
		return "", fmt.Errorf("-EncodedCommand: %v", err)
	}
	if len(b)%2 != 0 {
		return "", errors.New("-EncodedCommand: odd number of bytes, not UTF-16LE")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u)), nil
}

// op mirrors the JSON of the script's first line.
type op struct {
	Op                    string `json:"op"`
	Nonce                 string `json:"nonce"`
	Cluster               string `json:"cluster"`
	FixKubeletCredentials bool   `json:"fixKubeletCredentials"`
	FixCloudCredentials   bool   `json:"fixCloudCredentials"`
	PatchLoadBalancer     bool   `json:"patchLoadBalancer"`
	Force                 bool   `json:"force"`
	Confirm               bool   `json:"confirm"`
}

const opComment = "# akshybrid-op: "

// readOp reads the op comment and checks the parts of the script every operation
// relies on.
func readOp(script string) (op, error) {
	var o op
	first, _, _ := strings.Cut(script, "\n")
	rest, ok := strings.CutPrefix(first, opComment)
	if !ok {
		return o, fmt.Errorf("the script's first line is not an op comment: %q", first)
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("op comment: %v", err)
	}
	lines := scriptLines(script)
	for _, want := range []string{"$ErrorActionPreference = 'Stop'", "Import-Module AksHci", "exit 1"} {
		if !lines[want] {
			return o, fmt.Errorf("the script lacks the line %q", want)
		}
	}
	return o, nil
}

func scriptLines(script string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(script, "\n") {
		m[strings.TrimSpace(l)] = true
	}
	return m
}

func appendLog(path string, o op, script string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewEncoder(f).Encode(map[string]any{"op": o, "script": script})
}

// fail prints what the scripts' catch block prints for an error and returns its status.
func fail(stderr io.Writer, command string, err error) int {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintf(stderr, "AKSHYBRID-ERROR: %s\r\n", msg)
	fmt.Fprintf(stderr, "%s\r\nAt line:1 char:1\r\n+ %s\r\n+ %s\r\n    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\r\n"+
		"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,%s\r\n\r\n",
		err.Error(), command, strings.Repeat("~", len(command)), strings.Fields(command)[0])
	return exitFailure
}

func inventory(ctx context.Context, emu *emulator.Emulator, o op, s *settings, stdout, stderr io.Writer) int {
	if o.Nonce == "" {
		fmt.Fprintln(stderr, "pwshstandin: inventory op without a nonce")
		return exitContract
	}
	// The stand-in cannot run PowerShell: it answers as the script would, so it checks
	// that the script makes every call it models.
	for _, c := range powershell.InventoryCalls {
		if !strings.Contains(s.script, c.Line) {
			fmt.Fprintf(stderr, "pwshstandin: the inventory script lacks the call %s (%q)\n", c.Name, c.Line)
			return exitContract
		}
	}
	snap, err := emu.Snapshot(ctx)
	if err != nil {
		return fail(stderr, "Get-AksHciCluster", err)
	}
	j, err := json.Marshal(document(snap, s))
	if err != nil {
		fmt.Fprintln(stderr, "pwshstandin: "+err.Error())
		return exitContract
	}
	fmt.Fprintf(stdout, "\r\nAKSHYBRID-BEGIN-%s\r\n%s\r\nAKSHYBRID-END-%s\r\n", o.Nonce, j, o.Nonce)
	return 0
}
