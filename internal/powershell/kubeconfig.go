// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// OpKubeconfig fetches a workload cluster's admin kubeconfig with Get-AksHciCredential.
// Unlike every other operation, its output is secret (the client key): it is never put
// in an error, a log or a trace; the tracing runner reports sizes only.
const OpKubeconfig = "kubeconfig"

var _ akshci.KubeconfigSource = (*Host)(nil)

// kubeconfigScript writes the kubeconfig into a fresh folder under the user's temporary
// folder, readable only by the user running the script (inheritance off, one rule),
// prints the file base64-encoded between the nonce's markers, and removes the folder in
// finally, whatever happens. Get-AksHciCredential takes -name and -configPath, the
// folder it writes the kubeconfig into [d:reference/ps/get-akshcicredential.md], which
// must exist: the cmdlet does not create it ("cannot find the path specified", [#269]).
// So the script creates the folder first and reads the file the cmdlet writes there
// (<name>-kubeconfig or config; the name is not documented), or the only file there. One
// Microsoft extension passes a folder, another a file path [wac]: when the folder form fails
// and writes nothing, the script tries the file form once.
// -Confirm:$false goes only to a cmdlet that takes it (noConfirm).
func kubeconfigScript(cluster, nonce string, confirm bool) (string, error) {
	if err := quotableName(cluster); err != nil {
		return "", err
	}
	name := quote(cluster)
	body := []string{
		"# A missing cluster is reported in a form the provider recognises; the management cluster is never a",
		"# workload cluster [d:reference/ps/get-akshcicluster.md].",
		"$mgmt = [string](Get-AksHciConfig).Kva.kvaName",
		"$names = @(Get-AksHciCluster | ForEach-Object { [string]$_.Name } | Where-Object { $_ -cne $mgmt })",
		"if ($names -cnotcontains " + name + ") {",
		"    [Console]::Error.WriteLine('" + clusterNotFoundPrefix + "' + (ConvertTo-Json -Compress -InputObject $names))",
		fmt.Sprintf("    exit %d", clusterNotFoundExit),
		"}",
		"$dir = Join-Path ([System.IO.Path]::GetTempPath()) ('akshybrid-' + [guid]::NewGuid().ToString('N'))",
		"$null = New-Item -ItemType Directory -Path $dir",
		"try {",
		"    # Only the current user may read the folder while the kubeconfig is in it.",
		"    $acl = New-Object System.Security.AccessControl.DirectorySecurity",
		"    $acl.SetAccessRuleProtection($true, $false)",
		"    $me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User",
		"    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($me, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')",
		"    $acl.AddAccessRule($rule)",
		"    Set-Acl -LiteralPath $dir -AclObject $acl",
		"    # -configPath is given as the folder; only when that fails and writes nothing, as a file in it: Microsoft's",
		"    # own tools use both forms [wac].",
		"    try { Get-AksHciCredential -name " + name + " -configPath $dir" + noConfirm(confirm) + " | Out-Null }",
		"    catch {",
		"        if (@(Get-ChildItem -LiteralPath $dir -Recurse -File).Count -gt 0) { throw }",
		"        $first = [string]$_.Exception.Message",
		"        try { Get-AksHciCredential -name " + name + " -configPath (Join-Path $dir 'kubeconfig')" + noConfirm(confirm) + " | Out-Null }",
		"        catch { throw ('-configPath as a folder: ' + $first + ' | as a file: ' + $_.Exception.Message) }",
		"    }",
		"    $files = @(Get-ChildItem -LiteralPath $dir -Recurse -File)",
		"    $file = @($files | Where-Object { $_.Name -eq (" + name + " + '-kubeconfig') -or $_.Name -eq 'config' -or $_.Name -eq 'kubeconfig' })[0]",
		"    if (-not $file -and $files.Count -eq 1) { $file = $files[0] }",
		"    if (-not $file) { throw ('Get-AksHciCredential wrote ' + $files.Count + ' files and no kubeconfig among them') }",
		"    $data = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($file.FullName))",
		"    [Console]::Out.WriteLine('" + BeginMarker + nonce + "')",
		"    [Console]::Out.WriteLine($data)",
		"    [Console]::Out.WriteLine('" + EndMarker + nonce + "')",
		"} finally {",
		"    Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue",
		"}",
	}
	return wrap(op{Op: OpKubeconfig, Nonce: nonce, Cluster: cluster, Confirm: boolp(confirm)},
		[]string{"Fetches the admin kubeconfig of one workload cluster [ps:get-akshcicredential]; its output is secret."},
		body), nil
}

// Kubeconfig runs Get-AksHciCredential for one workload cluster and reads the kubeconfig.
// A missing cluster is an *akshci.ClusterNotFoundError.
func (h *Host) Kubeconfig(ctx context.Context, cluster string) (*akshci.Kubeconfig, error) {
	if err := ValidateClusterName(cluster); err != nil {
		return nil, err
	}
	nonce, err := h.nonce()
	if err != nil {
		return nil, err
	}
	p, err := h.cmdlets(ctx)
	if err != nil {
		return nil, err
	}
	script, err := kubeconfigScript(cluster, nonce, p.Credential.Confirm)
	if err != nil {
		return nil, err
	}
	stdout, _, err := h.run(ctx, script)
	if err != nil {
		// stdout may hold the kubeconfig: never pass it on.
		return nil, h.hostError("Get-AksHciCredential -name "+quote(cluster), cluster, false, nil, err)
	}
	return ParseKubeconfig(stdout, nonce)
}

// KubeconfigError says why a kubeconfig could not be read. It never holds any of the
// output, which is secret.
type KubeconfigError struct{ Reason string }

func (e *KubeconfigError) Error() string {
	return "cannot read the kubeconfig written by Get-AksHciCredential: " + e.Reason
}

// kubeconfigField matches the one-line scalars of a kubeconfig that the kubernetes
// provider needs, in the block style kubectl and client-go write.
var kubeconfigField = regexp.MustCompile(`(?m)^\s*(?:-\s+)?(server|certificate-authority-data|client-certificate-data|client-key-data):\s*["']?([^"'\s]+)["']?\s*$`)

// ParseKubeconfig reads the base64 kubeconfig between the nonce's markers. The first of
// each field counts (Get-AksHciCredential writes one cluster and one user).
func ParseKubeconfig(out []byte, nonce string) (*akshci.Kubeconfig, error) {
	text := normalizeOutput(out)
	begin, end := []byte(BeginMarker+nonce), []byte(EndMarker+nonce)
	b := bytes.Index(text, begin)
	if b < 0 || bytes.Count(text, begin) > 1 {
		return nil, &KubeconfigError{Reason: "the host printed no kubeconfig, or printed it more than once (begin marker)"}
	}
	rest := text[b+len(begin):]
	e := bytes.Index(rest, end)
	if e < 0 {
		return nil, &KubeconfigError{Reason: "the output is truncated (no end marker)"}
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest[:e])))
	if err != nil {
		return nil, &KubeconfigError{Reason: "the kubeconfig is not base64"}
	}
	fields := map[string]string{}
	for _, m := range kubeconfigField.FindAllStringSubmatch(string(raw), -1) {
		if _, seen := fields[m[1]]; !seen {
			fields[m[1]] = m[2]
		}
	}
	kc := &akshci.Kubeconfig{Host: fields["server"]}
	if !strings.HasPrefix(kc.Host, "https://") {
		return nil, &KubeconfigError{Reason: "it has no https server"}
	}
	for _, f := range []struct {
		name, pemType string
		dst           *string
	}{
		{"certificate-authority-data", "CERTIFICATE", &kc.CACertificatePEM},
		{"client-certificate-data", "CERTIFICATE", &kc.ClientCertificatePEM},
		{"client-key-data", "PRIVATE KEY", &kc.ClientKeyPEM},
	} {
		v, err := pemField(fields[f.name], f.pemType)
		if err != nil {
			return nil, &KubeconfigError{Reason: f.name + ": " + err.Error()}
		}
		*f.dst = v
	}
	return kc, nil
}

// pemField decodes a kubeconfig *-data field (base64 of PEM) and checks its block type
// (ending in wantType: "RSA PRIVATE KEY", "EC PRIVATE KEY" and "PRIVATE KEY" all are keys).
func pemField(s, wantType string) (string, error) {
	if s == "" {
		return "", errors.New("missing")
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", errors.New("not base64")
	}
	block, _ := pem.Decode(data)
	if block == nil || !strings.HasSuffix(block.Type, wantType) {
		return "", fmt.Errorf("not a PEM %s", wantType)
	}
	return string(data), nil
}
