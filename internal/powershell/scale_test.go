// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package powershell

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/sshtest"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// Assumed typical durations of one external call on a real host, used only to turn the
// counted calls into an expected wall time. They are not measured (no real host here):
// Get-AksHciCredential runs kvactl against the management cluster [#160]; kubectl and
// mocctl are single API calls; a TLS handshake on the local network is fast; the
// prologue's Import-Module AksHci "costs seconds" (issue 8).
var assumedCallSeconds = map[string]float64{
	"Get-AksHciConfig":                                 1,
	"Get-AksHciCluster":                                3,
	"Get-Command (probe)":                              0.1,
	"klist":                                            0.1,
	"kubectl get secret caphlogintoken":                1,
	"Get-AksHciCredential":                             5,
	"TLS handshake to the API server":                  0.1,
	"kubectl get secret akshcicsiwssdlogintoken":       1,
	"mocctl security identity get (token)":             1,
	"mocctl security identity get (lifetime, revoked)": 1,
}

const assumedImportModuleSeconds = 5

func TestInventoryOf100ClustersRunsInOneProcessOverStdin(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "deployment.db")
	logPath := filepath.Join(dir, "standin.log")
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("cluster-%03d", i)
	}
	exe := sshtest.StandInWrapper(t, filepath.Join(dir, "Windows PowerShell"), "powershell.exe",
		"-state", state, "-clusters", strings.Join(names, ","), "-log", logPath)
	local := transport.NewLocal()
	nonce := strings.Repeat("c", 32)
	script := inventoryScript(nonce)
	// The script is far beyond cmd.exe's limit, which is why it goes on stdin.
	if _, err := transport.CommandLine("powershell.exe", Arguments(script)); err == nil {
		t.Fatal("the inventory now fits a command line; this test no longer proves the stdin path is needed")
	}
	stdout, stderr, err := local.RunInput(context.Background(), exe, StdinArguments(), []byte(script))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	doc, err := ParseDocument(stdout, nonce)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := doc.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Clusters) != 100 {
		t.Fatalf("%d workload clusters, want 100 (the management cluster excluded)", len(inv.Clusters))
	}
	for _, c := range inv.Clusters {
		if c.Unknown() {
			t.Fatalf("cluster %s has no known expiry", c.Name)
		}
	}
	logged, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logged), `"op":{"op":"inventory"`); n != 1 {
		t.Fatalf("%d PowerShell processes for one inventory, want 1", n)
	}

	// Calls per cluster, as the stand-in counted them following the script's branches.
	perCluster := map[int]int{}
	total := 0
	for _, c := range doc.Clusters {
		perCluster[c.Calls]++
		total += c.Calls
	}
	want := 0
	var credential, rest float64
	host := assumedImportModuleSeconds + 0.0
	for _, c := range InventoryCalls {
		switch {
		case !c.PerCluster && c.Name == "Get-Command (probe)":
			host += 2 * assumedCallSeconds[c.Name]
		case !c.PerCluster:
			host += assumedCallSeconds[c.Name]
		case c.Name == "Get-AksHciCredential":
			want++
			credential += assumedCallSeconds[c.Name]
		default:
			want++
			rest += assumedCallSeconds[c.Name]
		}
	}
	if len(perCluster) != 1 || perCluster[want] != 100 {
		t.Fatalf("calls per cluster %v, want %d for each of 100 clusters", perCluster, want)
	}
	waves := math.Ceil(100.0 / MaxParallelClusters)
	expected := host + waves*(credential+rest)
	bound := host + waves*float64(CredentialTimeoutSeconds+TLSTimeoutSeconds+3*NativeTimeoutSeconds+10)
	t.Logf("100 clusters: %d external calls per cluster (%d in all), %d at a time; expected wall time %s (assumed call durations), bounded by %s (timeouts)",
		want, total, MaxParallelClusters, time.Duration(expected*float64(time.Second)).Round(time.Second), time.Duration(bound*float64(time.Second)).Round(time.Second))
}
