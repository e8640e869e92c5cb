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
	h := New(f, "")
	if err := h.UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if f.program != "powershell.exe" || len(f.args) != 4 || strings.Join(f.args[:3], " ") != "-NoProfile -NonInteractive -EncodedCommand" {
		t.Fatalf("ran %q %q", f.program, f.args)
	}
	if f.script != minify(managementScript(akshci.ManagementOptions{Force: true})) {
		t.Fatalf("script sent:\n%s", f.script)
	}
	h = New(f, `C:\Program Files\PowerShell\7\pwsh.exe`)
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

func TestHostInventoryUsesFreshNonce(t *testing.T) {
	j, err := json.Marshal(newFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(j)
	f := &fakeRunner{}
	h := New(f, "")
	var nonces []string
	h.nonce = func() (string, error) {
		n := strings.Repeat(string(rune('a'+len(nonces))), 32)
		nonces = append(nonces, n)
		f.stdout = wrapOutput(doc, n)
		return n, nil
	}
	for range 2 {
		inv, err := h.Inventory(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(inv.ClusterNames(), ",") != "alpha,zeta" {
			t.Fatalf("clusters %v", inv.ClusterNames())
		}
	}
	// The inventory goes on standard input, behind the short bootstrap command line.
	if fmt.Sprint(f.args) != fmt.Sprint(StdinArguments()) {
		t.Fatalf("arguments %v, want the stdin bootstrap", f.args)
	}
	if nonces[0] == nonces[1] || !strings.Contains(f.script, `"nonce":"`+nonces[1]+`"`) {
		t.Fatalf("nonces %v, script:\n%s", nonces, f.script)
	}
	n1, _ := randomNonce()
	n2, _ := randomNonce()
	if len(n1) != 32 || n1 == n2 {
		t.Fatalf("randomNonce: %q %q", n1, n2)
	}
}

func TestHostRefusesBadInputBeforeRunning(t *testing.T) {
	f := &fakeRunner{}
	h := New(f, "")
	for _, name := range []string{"", "a\nb"} {
		if err := h.UpdateClusterCertificates(context.Background(), name, akshci.ClusterOptions{FixCloudCredentials: true}); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	if err := h.UpdateClusterCertificates(context.Background(), "demo", akshci.ClusterOptions{PatchLoadBalancer: true}); err == nil {
		t.Error("-patchLoadBalancer without -fixCloudCredentials accepted")
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
