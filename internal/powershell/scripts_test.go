// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current scripts")

const testNonce = "00112233445566778899aabbccddeeff"

func mustCluster(t *testing.T, name string, opts akshci.ClusterOptions) string {
	t.Helper()
	s, err := clusterScript(name, opts, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noConfirmCluster is the cluster script for a module whose cmdlet takes no -Confirm.
func noConfirmCluster(t *testing.T, name string, opts akshci.ClusterOptions) string {
	t.Helper()
	s, err := clusterScript(name, opts, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func goldenScripts(t *testing.T) map[string]string {
	return map[string]string{
		"update-management":                managementScript(akshci.ManagementOptions{}, true),
		"update-management-force":          managementScript(akshci.ManagementOptions{Force: true}, true),
		"update-management-no-confirm":     managementScript(akshci.ManagementOptions{}, false),
		"update-cluster-cloud":             mustCluster(t, "demo", akshci.ClusterOptions{FixCloudCredentials: true}),
		"update-cluster-kubelet":           mustCluster(t, "demo", akshci.ClusterOptions{FixKubeletCredentials: true}),
		"update-cluster-name-only-force":   mustCluster(t, "demo", akshci.ClusterOptions{Force: true}),
		"update-cluster-both-lb-force":     mustCluster(t, "demo", akshci.ClusterOptions{FixKubeletCredentials: true, FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}),
		"update-cluster-quotes-in-name":    mustCluster(t, "it's ‘odd’ $(x)", akshci.ClusterOptions{FixCloudCredentials: true}),
		"inventory":                        inventoryScript(testNonce),
		"update-cluster-cloud-minified":    minify(mustCluster(t, "demo", akshci.ClusterOptions{FixCloudCredentials: true})),
		"update-cluster-cloud-no-confirm":  noConfirmCluster(t, "demo", akshci.ClusterOptions{FixCloudCredentials: true}),
		"update-management-force-minified": minify(managementScript(akshci.ManagementOptions{Force: true}, true)),
		"rotate-ca":                        rotateCAScript(true),
		"rotate-ca-no-confirm":             rotateCAScript(false),
		"rotate-ca-minified":               minify(rotateCAScript(true)),
	}
}

// TestScriptsGolden freezes the scripts' text: a change to any script fails here until it
// is reviewed and written with go test -update. It shows that the text did not change
// unnoticed, not that the scripts work; TestScriptsParseWithPowerShellGrammar parses them,
// and the stand-in tests check their op comments and calls.
func TestScriptsGolden(t *testing.T) {
	for name, got := range goldenScripts(t) {
		path := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s (run go test -update after checking the change):\n%s", name, path, got)
		}
	}
}

func TestScriptsCommonShape(t *testing.T) {
	for name, s := range goldenScripts(t) {
		lines := strings.Split(s, "\n")
		if !strings.HasPrefix(lines[0], OpComment) {
			t.Errorf("%s: first line %q is not the op comment", name, lines[0])
		}
		var o map[string]any
		if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[0], OpComment)), &o); err != nil || o["op"] == nil {
			t.Errorf("%s: op comment is not JSON with an op: %v", name, err)
		}
		for _, want := range []string{"$ErrorActionPreference = 'Stop'", "Import-Module AksHci", "exit 1", "} catch {"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		// minify relies on these never appearing.
		if strings.Contains(s, "@'") || strings.Contains(s, `@"`) || strings.Contains(s, "<#") || regexp.MustCompile("`\\s*\n").MatchString(s) {
			t.Errorf("%s has a here-string, block comment or line continuation", name)
		}
	}
}

func TestOpComments(t *testing.T) {
	tests := map[string]string{
		managementScript(akshci.ManagementOptions{Force: true}, true):            `{"op":"update-management","force":true,"confirm":true}`,
		mustCluster(t, "demo", akshci.ClusterOptions{FixCloudCredentials: true}): `{"op":"update-cluster","cluster":"demo","fixKubeletCredentials":false,"fixCloudCredentials":true,"patchLoadBalancer":false,"force":false,"confirm":true}`,
		inventoryScript("abc"): `{"op":"inventory","nonce":"abc"}`,
	}
	for s, want := range tests {
		if first, _, _ := strings.Cut(s, "\n"); first != OpComment+want {
			t.Errorf("first line %q, want %q", first, OpComment+want)
		}
	}
}

func TestClusterScriptOrderAndOptions(t *testing.T) {
	s := mustCluster(t, "demo", akshci.ClusterOptions{FixKubeletCredentials: true, FixCloudCredentials: true, PatchLoadBalancer: true, Force: true})
	k := strings.Index(s, "Update-AksHciClusterCertificates -name 'demo' -fixKubeletCredentials -force -Confirm:$false\n")
	c := strings.Index(s, "Update-AksHciClusterCertificates -name 'demo' -fixCloudCredentials -patchLoadBalancer -force -Confirm:$false\n")
	if k < 0 || c < 0 || k > c {
		t.Fatalf("want the kubelet call before the cloud call:\n%s", s)
	}
	// -name alone, the call documented in [d:secure-communication.md].
	alone := mustCluster(t, "demo", akshci.ClusterOptions{Force: true})
	if !strings.Contains(alone, "Update-AksHciClusterCertificates -name 'demo' -force -Confirm:$false\n") || strings.Contains(alone, "-fix") {
		t.Errorf("-name alone:\n%s", alone)
	}
	if _, err := clusterScript("demo", akshci.ClusterOptions{FixKubeletCredentials: true, PatchLoadBalancer: true}, true); err == nil ||
		!strings.Contains(err.Error(), "-patchLoadBalancer works only together with -fixCloudCredentials") {
		t.Errorf("patchLoadBalancer without fixCloudCredentials: err = %v", err)
	}
}

// TestValidateClusterNameIsTheDomainRule: the PowerShell host accepts exactly the DNS
// labels of DESIGN.md (cluster_name: lowercase letters, digits and '-', starting with a
// letter, ending with a letter or digit, at most 63 characters), with akshci's message.
func TestValidateClusterNameIsTheDomainRule(t *testing.T) {
	for _, bad := range []string{"", "Demo", "it's", "a b", "a.b", "-a", "a-", "1a", strings.Repeat("a", 64), "a\nb", "‘x’"} {
		if err := ValidateClusterName(bad); err == nil || !strings.Contains(err.Error(), "workload cluster names are DNS labels") {
			t.Errorf("ValidateClusterName(%q) = %v, want the DNS-label rule", bad, err)
		}
	}
	for _, good := range []string{"demo", "a", "a-1", "web-01", strings.Repeat("a", 63)} {
		if err := ValidateClusterName(good); err != nil {
			t.Errorf("ValidateClusterName(%q) = %v", good, err)
		}
	}
}

// TestQuotableNameRefusesWhatQuotingCannotCarry: the defence in depth under the domain
// rule refuses, on its own, what a single-quoted literal cannot carry (an empty name,
// invalid UTF-8, C0 and C1 controls, U+2028 and U+2029, at which PowerShell ends a line)
// and accepts names that only quoting keeps harmless (quotes of every kind, spaces,
// capitals, non-ASCII letters).
func TestQuotableNameRefusesWhatQuotingCannotCarry(t *testing.T) {
	for bad, want := range map[string]string{
		"":         "is empty",
		"\xff":     "not valid UTF-8",
		"a\xc3":    "not valid UTF-8",
		"a\nb":     "control character U+000A",
		"a\rb":     "control character U+000D",
		"a\x00b":   "control character U+0000",
		"a\tb":     "control character U+0009",
		"a\x7fb":   "control character U+007F",
		"a\u0085b": "control character U+0085",
		"a\u2028b": "control character U+2028",
		"a\u2029b": "control character U+2029",
	} {
		if err := quotableName(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("quotableName(%q) = %v, want it to say %q", bad, err, want)
		}
	}
	for _, good := range []string{"demo", "it's", "a b", "‘x’", "‚‛", "Demo", "é", "𝄞", "a\u2027b", "a\u202ab", "a\u00a0b"} {
		if err := quotableName(good); err != nil {
			t.Errorf("quotableName(%q) = %v", good, err)
		}
	}
}

// The inventory script must never hand a key or a token to its output: it reads only
// the public fields of access files and kubeconfigs, asks mocctl only for the token (kept
// in a variable and decoded in-process) and the lifetime fields, and prints only the
// document it builds.
func TestInventoryScriptSelectsNoSecrets(t *testing.T) {
	s := inventoryScript(testNonce)
	code := stripComments(s)
	for _, re := range []string{
		`(?i)ClientKey`, `(?i)password`, `(?i)client-key-data`, `(?i)Write-(Output|Host)`, `(?i)Start-Transcript`,
		`(?i)\$r\.\w*token\s*=\s*\$(t|caph|csi)\b`, `(?i)exp\s*=\s*\$(t|caph|csi)\.out`,
	} {
		if regexp.MustCompile(re).MatchString(code) {
			t.Errorf("inventory script matches %s", re)
		}
	}
	// Every access-file field read is public [moc pkg/auth/auth.go WssdConfig].
	for _, m := range regexp.MustCompile(`\$a\.(\w+)`).FindAllStringSubmatch(code, -1) {
		if m[1] != "CloudCertificate" && m[1] != "ClientCertificate" && m[1] != "IdentityName" {
			t.Errorf("inventory script reads access-file field %s", m[1])
		}
	}
	// Every kubeconfig field read is public.
	for _, m := range regexp.MustCompile(`\^\\s\*([a-z-]+):`).FindAllStringSubmatch(code, -1) {
		if m[1] != "client-certificate-data" && m[1] != "server" && m[1] != "token" {
			t.Errorf("inventory script reads kubeconfig or login field %s", m[1])
		}
	}
	// mocctl is asked for the lowercase SDK keys [sdk services/security/security.go]:
	// JMESPath field lookups are case-sensitive [jmes interpreter.go].
	var queries []string
	for _, m := range regexp.MustCompile(`'--query', '([^']*)'`).FindAllStringSubmatch(code, -1) {
		queries = append(queries, m[1])
	}
	if fmt.Sprint(queries) != "[[0].token [0].[tokenexpiryinseconds,tokenexpiry,revoked]]" {
		t.Errorf("mocctl queries %v", queries)
	}
	if strings.Contains(code, "tokenExpiryInSeconds") {
		t.Error("the camelCase proto name matches nothing in mocctl's output")
	}
	// Output happens in exactly one place, and it prints the document.
	if n := strings.Count(code, "[Console]::Out.Write("); n != 1 {
		t.Errorf("%d writes to stdout, want 1", n)
	}
	if n := strings.Count(code, "ConvertTo-Json"); n != 1 || !strings.Contains(code, "ConvertTo-Json -InputObject $r ") {
		t.Errorf("ConvertTo-Json must serialise only the document $r")
	}
	// The private kubeconfig folder is removed in finally.
	if !regexp.MustCompile(`(?s)finally \{.*Remove-Item -LiteralPath \$tmp -Recurse -Force`).MatchString(code) {
		t.Error("the temporary kubeconfig folder is not removed in finally")
	}
	// The management cluster is skipped in the script too.
	if !strings.Contains(code, "$workload = @($names | Where-Object { $_ -cne $mgmt })") {
		t.Error("the script does not skip the management cluster")
	}
	// The whole marker never appears in the script, so an echoed script line (in an
	// error record) cannot look like a document.
	if strings.Contains(s, BeginMarker+testNonce) || strings.Contains(s, EndMarker+testNonce) {
		t.Error("the script contains a whole marker")
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestEncodeCommandRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Get-Date", "naïve ‘quotes’ 𝄞 emoji 😀\n\r\t", inventoryScript(testNonce)} {
		got, err := DecodeCommand(EncodeCommand(s))
		if err != nil || got != s {
			t.Errorf("round trip of %q: %q, %v", s, got, err)
		}
	}
	// A known value: "A" in UTF-16LE is 41 00.
	if got := EncodeCommand("A"); got != "QQA=" {
		t.Errorf("EncodeCommand(A) = %q", got)
	}
	if _, err := DecodeCommand("QQ=="); err == nil {
		t.Error("odd-length UTF-16: want an error")
	}
}

// The encoded scripts must fit cmd.exe's command-line limit on Windows OpenSSH, even
// with a long executable path and the longest cluster name.
func TestCommandLinesFitCmdExe(t *testing.T) {
	exe := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	long := strings.Repeat("a", 63)
	// The inventory is sent on standard input: only the bootstrap is on the command line.
	if line, err := transport.CommandLine(exe, StdinArguments()); err != nil || len(line) > 1000 {
		t.Errorf("stdin bootstrap command line: %d characters, %v", len(line), err)
	}
	for name, s := range map[string]string{
		"cluster": mustCluster(t, long, akshci.ClusterOptions{FixKubeletCredentials: true, FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}),
		"mgmt":    managementScript(akshci.ManagementOptions{Force: true}, true),
	} {
		line, err := transport.CommandLine(exe, Arguments(s))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(line) > transport.MaxCommandLine-1000 {
			t.Errorf("%s: command line is %d characters, too close to the %d limit", name, len(line), transport.MaxCommandLine)
		}
	}
}

func TestMinify(t *testing.T) {
	s := inventoryScript(testNonce)
	m := minify(s)
	first, _, _ := strings.Cut(m, "\n")
	if !strings.HasPrefix(first, OpComment) {
		t.Fatalf("minify dropped the op comment: %q", first)
	}
	for _, l := range strings.Split(m, "\n")[1:] {
		if strings.HasPrefix(l, "#") || l == "" || l != strings.TrimSpace(l) {
			t.Fatalf("minified line %q", l)
		}
	}
	if stripped := stripComments(s); len(strings.Fields(stripped)) != len(strings.Fields(m))-len(strings.Fields(first)) {
		t.Fatal("minify changed code, not only comments and white space")
	}
}

// The inventory script follows what real hosts showed (issue 18): access files from the
// configured directory first, then the profile; mocctl called as the Moc module calls it,
// with --cloudFqdn and the configured access-file directory; Get-AksHciCredential given a
// folder the script created before the call; kvactl's login YAML in Kva.identity decoded
// for its exp only; and no error code decided in PowerShell.
func TestInventoryScriptReadsLikeTheModule(t *testing.T) {
	code := stripComments(inventoryScript(testNonce))
	for _, want := range []string{
		"$accessDir = [string]$r.config.accessFileDirPath",
		"if ($Fqdn) { $mocArgs += @('--cloudFqdn', $Fqdn) }",
		"$mocEnv = $(if ($AccessDir) { @{ ACCESSFILE_DIR_PATH = $AccessDir } } else { $null })",
		"Invoke-Native $Mocctl ($mocArgs + @('--query', '[0].token')) $NativeTimeout $mocEnv",
		"$e = Get-LoginTokenExp ([string]$cfg.Kva.identity); $r.kvaToken = [ordered]@{ exp = $e.exp; failure = $e.failure }",
		// stderr is kept, bounded and with token shapes blanked, for the provider to read
		"return @{ failure = (New-Failure 'exit' ('exit status ' + $p.ExitCode + ': ' + $err.Result)); out = '' }",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("inventory script lacks %q", want)
		}
	}
	configured := strings.Index(code, "if ($accessDir) { $roots += [ordered]@{ location = 'configured'; path = $accessDir } }")
	profile := strings.Index(code, "$roots += [ordered]@{ location = 'profile'")
	if configured < 0 || profile < configured {
		t.Error("the configured access-file directory is not searched before the profile")
	}
	mk := strings.Index(code, "[void](New-Item -ItemType Directory -Path $f)")
	call := strings.Index(code, "Get-AksHciCredential -name $Name -configPath $Folder")
	if mk < 0 || call < 0 {
		t.Fatal("no per-cluster folder or no Get-AksHciCredential call")
	}
	if strings.Contains(code, "Get-ErrorCode") || regexp.MustCompile(`(?i)-match '\(\?i\)(forbidden|unauthori|notfound)`).MatchString(code) {
		t.Error("the script classifies error texts itself; that is the provider's job (failures.go)")
	}
	// Every failure the script reports uses a code the parser knows.
	for _, m := range regexp.MustCompile(`New-Failure '([a-z-]+)'`).FindAllStringSubmatch(code, -1) {
		if _, ok := codeMeaning[m[1]]; !ok {
			t.Errorf("the script reports failure code %q, which the parser refuses", m[1])
		}
	}
}
