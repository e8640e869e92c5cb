// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

func TestHostCommandLine(t *testing.T) {
	f := &fakeRunner{}
	h := newHost(t, f)
	if err := h.UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.program != "powershell.exe" || len(f.args) != 4 || strings.Join(f.args[:3], " ") != "-NoProfile -NonInteractive -EncodedCommand" {
		t.Fatalf("ran %q %q", f.program, f.args)
	}
	if f.script != minify(managementScript(akshci.ManagementOptions{}, true)) {
		t.Fatalf("script sent:\n%s", f.script)
	}
	probe := h.probe
	h = New(f, `C:\Program Files\PowerShell\7\pwsh.exe`)
	h.probe = probe
	if err := h.UpdateClusterCertificates(context.Background(), "demo", akshci.ClusterOptions{FixKubeletCredentials: true}); err != nil {
		t.Fatal(err)
	}
	if f.program != `C:\Program Files\PowerShell\7\pwsh.exe` || !strings.Contains(f.script, "-name 'demo' -fixKubeletCredentials") {
		t.Fatalf("ran %q:\n%s", f.program, f.script)
	}
	if err := h.Close(); err != nil || !f.closed {
		t.Fatal("Close did not close the runner")
	}
}

// Each inventory asks for a new nonce, sends it in its script, and accepts only output
// marked with it: output marked with an earlier run's nonce (a stale or replayed
// document, or text a cluster name smuggled in) is refused.
func TestHostInventoryUsesFreshNonce(t *testing.T) {
	j, err := json.Marshal(newFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(j)
	first, second := strings.Repeat("a", 32), strings.Repeat("b", 32)
	f := &fakeRunner{}
	h := New(f, "")
	var handed []string
	next := []string{first, second}
	h.nonce = func() (string, error) {
		n := next[len(handed)]
		handed = append(handed, n)
		return n, nil
	}
	f.stdout = wrapOutput(doc, first)
	inv, err := h.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(inv.ClusterNames(), ",") != "alpha,zeta" || !strings.Contains(f.script, `"nonce":"`+first+`"`) {
		t.Fatalf("first run: clusters %v, script:\n%s", inv.ClusterNames(), f.script)
	}
	// The host answers the second run with the first run's document.
	_, err = h.Inventory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no begin marker") {
		t.Fatalf("second run answered with the first run's markers: err = %v, want no begin marker", err)
	}
	if len(handed) != 2 || !strings.Contains(f.script, `"nonce":"`+second+`"`) {
		t.Fatalf("nonces handed out %v; second script:\n%s", handed, f.script)
	}
	// The inventory goes on standard input, behind the short bootstrap command line.
	if fmt.Sprint(f.args) != fmt.Sprint(StdinArguments()) {
		t.Fatalf("arguments %v, want the stdin bootstrap", f.args)
	}
}

// randomNonce gives 128 random bits as 32 lowercase hex digits.
func TestRandomNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n, err := randomNonce()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 32 || strings.Trim(n, "0123456789abcdef") != "" || seen[n] {
			t.Fatalf("randomNonce %q (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
}

// TestHostRefusesBadInputBeforeRunning: a cluster name that is not a DNS label (lowercase
// letters, digits and '-', starting with a letter, ending with a letter or digit, at most
// 63 characters: DESIGN.md, cluster_name) is refused by both operations that take one,
// with akshci's message, before any script runs; so are options the cmdlet refuses.
func TestHostRefusesBadInputBeforeRunning(t *testing.T) {
	f := &fakeRunner{}
	h := New(f, "")
	for _, name := range []string{"", "a\nb", "Demo", "it's", "a b", strings.Repeat("a", 64)} {
		err := h.UpdateClusterCertificates(context.Background(), name, akshci.ClusterOptions{FixCloudCredentials: true})
		if err == nil || !strings.Contains(err.Error(), "workload cluster names are DNS labels") {
			t.Errorf("update %q: err = %v, want the DNS-label rule", name, err)
		}
		_, err = h.Kubeconfig(context.Background(), name)
		if err == nil || !strings.Contains(err.Error(), "workload cluster names are DNS labels") {
			t.Errorf("kubeconfig %q: err = %v, want the DNS-label rule", name, err)
		}
	}
	err := h.UpdateClusterCertificates(context.Background(), "demo", akshci.ClusterOptions{PatchLoadBalancer: true})
	if err == nil || !strings.Contains(err.Error(), "-patchLoadBalancer works only together with -fixCloudCredentials") {
		t.Errorf("-patchLoadBalancer without -fixCloudCredentials: err = %v", err)
	}
	if f.program != "" {
		t.Fatal("a script ran")
	}
}

func TestHostCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := New(&fakeRunner{}, "").UpdateManagementCertificates(ctx, akshci.ManagementOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
