// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/testing/prereq"
)

// grammarNameRunes are the characters fuzzed cluster names are made of: the ones that
// matter to PowerShell's tokenizer (every single and double quote, $, backtick, comment
// and here-string openers, braces, semicolons) plus letters and non-ASCII text.
var grammarNameRunes = []rune("ab-z09'‘’‚‛\"“”$`#<>@(){}[];|&,. é𝄞\\")

// fuzzedNames returns n cluster names from a fixed seed, so a failure is reproducible,
// plus the hand-picked hostile names of FuzzClusterScriptQuoting.
func fuzzedNames(n int) []string {
	names := []string{"demo", "it's", "'", "''", "‘’‚‛'", "x’; Remove-Item -Recurse C:\\ -Force; ’", "$(Invoke-Expression 'calc')",
		"${env:PATH}", "`'", "\"", "a\" -force \"b", "#", "<#", "#>", "' -fixKubeletCredentials #", "-name", "@'"}
	r := rand.New(rand.NewSource(8))
	for range n {
		var b strings.Builder
		for range 1 + r.Intn(24) {
			b.WriteRune(grammarNameRunes[r.Intn(len(grammarNameRunes))])
		}
		names = append(names, b.String())
	}
	return names
}

// TestScriptsParseWithPowerShellGrammar parses every golden script and scripts built
// from fuzzed cluster names with tree-sitter-powershell (scripts/psgrammar.sh), a real
// third-party PowerShell grammar, and fails on any syntax error. Without node or npm it
// fails, naming what is missing, unless AKSHYBRID_TEST_SKIP names psgrammar (package
// prereq); scripts/mutation.sh skips it knowingly, as one run takes most of a minute.
func TestScriptsParseWithPowerShellGrammar(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checker := filepath.Join(root, "scripts", "psgrammar.sh")
	requireGrammarTools(t, "node", "npm")
	dir := t.TempDir()
	var files []string
	write := func(name, script string) {
		p := filepath.Join(dir, name+".ps1")
		if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	goldens, err := filepath.Glob(filepath.Join(root, "internal", "powershell", "testdata", "*.golden"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden scripts: %v", err)
	}
	files = append(files, goldens...)
	write("stdin-bootstrap", StdinBootstrap)
	write("inventory", inventoryScript(strings.Repeat("0", 32)))
	kubeconfig, err := kubeconfigScript("it's-a-name", strings.Repeat("0", 32), true)
	if err != nil {
		t.Fatal(err)
	}
	write("kubeconfig", kubeconfig)
	generated := 0
	for i, name := range fuzzedNames(200) {
		s, err := clusterScript(name, akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: i%2 == 0, Force: i%3 == 0}, i%5 != 0)
		if err != nil {
			if quotableName(name) == nil {
				t.Fatalf("valid name %q refused: %v", name, err)
			}
			continue
		}
		write("cluster-"+strconv.Itoa(i), s)
		write("cluster-"+strconv.Itoa(i)+"-minified", minify(s))
		generated++
	}
	if generated < 150 {
		t.Fatalf("only %d fuzzed names made scripts", generated)
	}
	cmd := exec.Command(checker, files...) //nolint:gosec // the repository's own checker script
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tree-sitter-powershell rejects generated scripts (%v):\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

// TestPowerShellGrammarCatchesErrors proves the checker fails on broken PowerShell, so a
// pass above means something.
func TestPowerShellGrammarCatchesErrors(t *testing.T) {
	requireGrammarTools(t, "node")
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	dir := t.TempDir()
	var files []string
	for name, script := range map[string]string{
		"unbalanced-brace":     "try {\n    Get-Date\n",
		"unterminated-quote":   "$x = 'abc\n",
		"quote-broken-by-name": "Update-AksHciClusterCertificates -name 'it's' -fixCloudCredentials\n",
	} {
		p := filepath.Join(dir, name+".ps1")
		if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "psgrammar.sh"), files...) //nolint:gosec // the repository's own checker
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("broken scripts parsed clean:\n%s", out)
	}
	for _, f := range files {
		if !strings.Contains(string(out), f+":") {
			t.Errorf("no error reported for %s:\n%s", filepath.Base(f), out)
		}
	}
}

// requireGrammarTools ends the test when a tool the grammar check needs is missing: a
// failure, or a skip when AKSHYBRID_TEST_SKIP names psgrammar.
func requireGrammarTools(t *testing.T, tools ...string) {
	t.Helper()
	if prereq.Skipped("psgrammar") {
		prereq.Missing(t, "psgrammar", "the PowerShell grammar check (tree-sitter-powershell) is skipped", "")
		return
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			prereq.Missing(t, "psgrammar", tool+" is not installed, so the PowerShell grammar check (tree-sitter-powershell) cannot run",
				"Install Node.js with npm")
		}
	}
}
