// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// OpComment starts the first line of every script: a PowerShell comment naming the
// operation and its arguments as JSON. PowerShell ignores it; it makes a script
// self-describing in host logs and lets a test stand-in for powershell.exe act on it.
const OpComment = "# akshybrid-op: "

// Markers around the inventory document. Each inventory uses a fresh random nonce, so
// nothing else on stdout (module banners, warnings, a hostile profile) can fake or
// break the document.
const (
	BeginMarker = "AKSHYBRID-BEGIN-"
	EndMarker   = "AKSHYBRID-END-"
)

// Lines the scripts write to stderr for the provider to recognise.
const (
	// errorPrefix starts the one-line exception message written by the catch block.
	errorPrefix = "AKSHYBRID-ERROR: "
	// clusterNotFoundPrefix is followed by the JSON list of existing clusters; the
	// script then exits with clusterNotFoundExit.
	clusterNotFoundPrefix = "AKSHYBRID-CLUSTER-NOT-FOUND: "
	clusterNotFoundExit   = 3
)

// op is the JSON of the first line. Field names are part of the stand-in contract.
type op struct {
	Op                    string `json:"op"`
	Nonce                 string `json:"nonce,omitempty"`
	Cluster               string `json:"cluster,omitempty"`
	FixKubeletCredentials *bool  `json:"fixKubeletCredentials,omitempty"`
	FixCloudCredentials   *bool  `json:"fixCloudCredentials,omitempty"`
	PatchLoadBalancer     *bool  `json:"patchLoadBalancer,omitempty"`
	Force                 *bool  `json:"force,omitempty"`
	Confirm               *bool  `json:"confirm,omitempty"`
}

// Operation names in the op comment.
const (
	OpInventory        = "inventory"
	OpUpdateManagement = "update-management"
	OpUpdateCluster    = "update-cluster"
	OpRotateCA         = "rotate-ca"
)

func opLine(o op) string {
	b, err := json.Marshal(o)
	if err != nil { // a struct of strings and bools always marshals
		panic(err)
	}
	return OpComment + string(b)
}

// wrap puts a script body between the common prologue and the error handling: stop on
// every error, load the module, and on failure write the message (one line, for the
// provider) and the whole error record to stderr and exit 1.
func wrap(o op, purpose []string, body []string) string {
	var b strings.Builder
	b.WriteString(opLine(o) + "\n")
	for _, p := range purpose {
		b.WriteString("# " + p + "\n")
	}
	b.WriteString(`$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    Import-Module AksHci
`)
	for _, l := range body {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + l + "\n")
	}
	b.WriteString(`} catch {
    [Console]::Error.WriteLine('` + errorPrefix + `' + ($_.Exception.Message -replace '\s*[\r\n]+\s*', ' '))
    [Console]::Error.WriteLine(($_ | Out-String))
    exit 1
}
exit 0
`)
	return b.String()
}

func boolp(v bool) *bool { return &v }

// noConfirm is what the scripts append to a cmdlet that takes -Confirm: real AksHci
// update cmdlets ask "Are you sure?", which under -NonInteractive is an error, so every
// cmdlet whose probe says it takes -Confirm (akshci.CmdletParameters.Confirm) gets
// -Confirm:$false. A cmdlet without the parameter must not get it: PowerShell refuses
// "A parameter cannot be found that matches parameter name 'Confirm'".
func noConfirm(confirm bool) string {
	if confirm {
		return " -Confirm:$false"
	}
	return ""
}

// rotateCAScript runs Invoke-AksHciRotateCACertificate, which takes no parameters of its
// own and rotates the cloud agent CA [ps:invoke-akshcirotatecacertificate].
func rotateCAScript(confirm bool) string {
	return wrap(op{Op: OpRotateCA, Confirm: boolp(confirm)},
		[]string{"Rotates the cloud agent CA; every client loses contact with the cloud agent while it runs " +
			"[ps:invoke-akshcirotatecacertificate]."},
		[]string{akshci.RotateCACmdlet + noConfirm(confirm)})
}

// managementScript runs Update-AksHciCertificates, whose only parameter is -force
// [ps:update-akshcicertificates].
func managementScript(opts akshci.ManagementOptions, confirm bool) string {
	cmd := "Update-AksHciCertificates"
	if opts.Force {
		cmd += " -force"
	}
	cmd += noConfirm(confirm)
	return wrap(op{Op: OpUpdateManagement, Force: boolp(opts.Force), Confirm: boolp(confirm)},
		[]string{"Renews the tokens and certificates of every management-cluster client [ps:update-akshcicertificates]."},
		[]string{cmd})
}

// ValidateClusterName is the check a cluster name passes before the host builds a script
// with it: akshci's one rule for cluster names (a DNS label), then quotableName.
func ValidateClusterName(name string) error {
	if err := akshci.ValidateClusterName(name); err != nil {
		return err
	}
	return quotableName(name)
}

// quotableName refuses what a single-quoted PowerShell literal cannot carry safely: an
// empty name, invalid UTF-8 (the script is re-encoded as UTF-16 for -EncodedCommand),
// control characters and line or paragraph separators (they would end the line the
// literal stands on). A DNS label never holds any of them, so after
// akshci.ValidateClusterName this refuses nothing: it is defence in depth for quoting,
// checked where a name is quoted (the script builders) so that the quoting stays safe on
// its own if the domain rule is ever widened or a caller skips it, and so that the fuzz
// and grammar tests can drive the builders with hostile names. It is also how the
// inventory parser refuses a garbled name in Get-AksHciCluster's list.
func quotableName(name string) error {
	if name == "" {
		return errors.New("workload cluster name is empty")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("workload cluster name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		// IsControl covers C0 and C1 (U+0085, NEL, among them); the Unicode line and
		// paragraph separators are not controls, and PowerShell ends a line at them.
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("workload cluster name %q contains the control character %U", name, r)
		}
	}
	return nil
}

// isSingleQuote reports the characters PowerShell's tokenizer treats as a single quote:
// the ASCII apostrophe and the typographic quotes U+2018 to U+201B.
func isSingleQuote(r rune) bool {
	return r == '\'' || (r >= '\u2018' && r <= '\u201B')
}

// quote returns s as a PowerShell single-quoted string literal. Inside one, nothing is
// expanded, and a quote character is written by doubling it; PowerShell accepts any of
// its single-quote characters there, so each is doubled.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		b.WriteRune(r)
		if isSingleQuote(r) {
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// clusterScript runs Update-AksHciClusterCertificates for one cluster, one call per
// parameter set in the documented order (akshci.ClusterCalls): the kubelet fix first,
// then the cloud fix; -patchLoadBalancer is documented only together with
// -fixCloudCredentials; with neither fix the cmdlet runs with -name alone, a documented
// call [d:secure-communication.md] (see akshci.ClusterOptions).
func clusterScript(cluster string, opts akshci.ClusterOptions, confirm bool) (string, error) {
	if err := quotableName(cluster); err != nil {
		return "", err
	}
	if err := opts.Validate(); err != nil {
		return "", err
	}
	name := quote(cluster)
	body := []string{
		"# A missing cluster is reported in a form the provider recognises. Get-AksHciCluster also lists the",
		"# management cluster [d:reference/ps/get-akshcicluster.md], which is never a workload cluster.",
		"$mgmt = [string](Get-AksHciConfig).Kva.kvaName",
		"$names = @(Get-AksHciCluster | ForEach-Object { [string]$_.Name } | Where-Object { $_ -cne $mgmt })",
		"if ($names -cnotcontains " + name + ") {",
		"    [Console]::Error.WriteLine('" + clusterNotFoundPrefix + "' + (ConvertTo-Json -Compress -InputObject $names))",
		fmt.Sprintf("    exit %d", clusterNotFoundExit),
		"}",
	}
	for _, call := range akshci.ClusterCalls(opts) {
		line := "Update-AksHciClusterCertificates -name " + name
		switch {
		case call.FixKubeletCredentials:
			line += " -fixKubeletCredentials"
		case call.FixCloudCredentials:
			line += " -fixCloudCredentials"
			if call.PatchLoadBalancer {
				line += " -patchLoadBalancer"
			}
		}
		if call.Force {
			line += " -force"
		}
		body = append(body, line+noConfirm(confirm))
	}
	return wrap(op{Op: OpUpdateCluster, Cluster: cluster,
		FixKubeletCredentials: boolp(opts.FixKubeletCredentials), FixCloudCredentials: boolp(opts.FixCloudCredentials),
		PatchLoadBalancer: boolp(opts.PatchLoadBalancer), Force: boolp(opts.Force), Confirm: boolp(confirm)},
		[]string{"Renews the credentials of one workload cluster [ps:update-akshciclustercertificates]."},
		body), nil
}

// minify drops comment lines (but the first, the op comment), blank lines and
// indentation. The scripts contain no multi-line strings, so this never changes their
// meaning, and it keeps the encoded command under cmd.exe's 8191-character limit.
func minify(script string) string {
	lines := strings.Split(script, "\n")
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || (i > 0 && strings.HasPrefix(t, "#")) {
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, "\n")
}

// EncodeCommand returns the -EncodedCommand argument for a script: base64 of its
// UTF-16LE encoding, as powershell.exe expects.
func EncodeCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeCommand reverses EncodeCommand.
func DecodeCommand(arg string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(arg)
	if err != nil {
		return "", fmt.Errorf("-EncodedCommand is not base64: %w", err)
	}
	if len(b)%2 != 0 {
		return "", errors.New("-EncodedCommand does not hold UTF-16LE text (odd length)")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u)), nil
}

// Arguments returns powershell.exe's arguments for a script.
func Arguments(script string) []string {
	return []string{"-NoProfile", "-NonInteractive", "-EncodedCommand", EncodeCommand(minify(script))}
}
