// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package redact

import (
	"strings"
	"testing"
)

// secretCases are secret shapes, each with the rule that masks it. The secrets are
// short enough that the long-base64 rule cannot cover for others.
var secretCases = []struct {
	rule, text, secret string
}{
	{"pem private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----\n", "MIIEpAIBAAKCAQEAx"},
	{"pem private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE (truncated", "b3BlbnNzaC1rZXktdjE"},
	{"base64 pem", `{"ClientKey":"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ"}`, "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ"},
	{"jwt", "login failed for eyJhbGciOiJSUzI1NiIs.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl at 10:00", "c2lnbmF0dXJl"},
	{"http authorization scheme", "Authorization header Bearer abcdefgh12345678", "abcdefgh12345678"},
	{"key value", "cred=hunter2hunter2", "hunter2hunter2"},
	{"key value", "client_secret: s3cr3t-value", "s3cr3t-value"},
	{"key value", "token: opaque.value.1", "opaque.value.1"},
	{"key value", `  "ClientKey": "c2VjcmV0LWtleQ=="`, "c2VjcmV0LWtleQ=="},
	{"key value", "    client-key-data: c2VjcmV0LWtleQ==", "c2VjcmV0LWtleQ=="},
	{"key value", "password='pa ss'", "pa ss"},
	{"key value", "metadata: map[authorization:[tok-123456]]", "tok-123456"},
	{"key value", "connection_string=Server=x;Password=y", "Server=x"},
	{"command-line flag", "mocctl login -token t0k3n-value --x", "t0k3n-value"},
	{"command-line flag", `New-Thing -password "pa ss" -name x`, "pa ss"},
	{"command-line flag", "az login --client-secret abcd1234", "abcd1234"},
	{"word then value", "using token 0123456789abcdefXYZ for login", "0123456789abcdefXYZ"},
	{"word then value", "secret   Zm9vYmFyYmF6cXV4MTIzNA for the identity", "Zm9vYmFyYmF6cXV4MTIzNA"},
	{"long base64", "blob " + strings.Repeat("QUJD", 30) + " end", strings.Repeat("QUJD", 30)},
	{"key value", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net", "c2VjcmV0a2V5"},
	{"key value", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=a2V5a2V5", "a2V5a2V5"},
	{"securestring quoted", "+ $p = ConvertTo-SecureString 'p@ss' -AsPlainText -Force", "p@ss"},
	{"securestring quoted", `ConvertTo-SecureString "p@ss w0rd" -AsPlainText -Force`, "p@ss w0rd"},
	{"securestring quoted", `convertto-securestring -String "p@ss" -AsPlainText -Force`, "p@ss"},
	{"securestring quoted", `ConvertTo-SecureString -AsPlainText -Force -String 'it''s-hidden'`, "s-hidden"},
	{"securestring quoted", "ConvertTo-SecureString \"pre`\"post\" -AsPlainText -Force", "post"},
	{"securestring quoted", "ConvertTo-SecureString ‘typographic’ -AsPlainText -Force", "typographic"},
	{"securestring quoted", "New-Object System.Management.Automation.PSCredential('user', (ConvertTo-SecureString 'Pa55;word' -AsPlainText -Force))", "Pa55;word"},
	{"securestring quoted", `New-Object System.Management.Automation.PSCredential("user", (ConvertTo-SecureString -String "Pa55 word" -AsPlainText -Force))`, "Pa55 word"},
	{"securestring quoted", "+ $c = ConvertTo-SecureString 'cut-off-excerpt\nAt line:2", "cut-off-excerpt"},
	{"securestring bare", "ConvertTo-SecureString hunter2 -AsPlainText -Force", "hunter2"},
	{"securestring bare", "ConvertTo-SecureString -AsPlainText -Force hunter2", "hunter2"},
	{"securestring bare", "New-Object System.Management.Automation.PSCredential('user', (ConvertTo-SecureString hunter2 -AsPlainText -Force))", "hunter2"},
	{"securestring bare", "$c = [pscredential]::new('user', (ConvertTo-SecureString hunter2))", "hunter2"},
	{"securestring bare", "+ ConvertTo-SecureString hunter2\n+ ~~~~", "hunter2"},
	{"securestring pipeline", "'p@ss' | ConvertTo-SecureString -AsPlainText -Force", "p@ss"},
	{"securestring pipeline", `"p@ss"|convertto-securestring -AsPlainText -Force`, "p@ss"},
	{"string parameter", `Some-Cmdlet -String "p@ss" -Other x`, "p@ss"},
	{"string parameter", "Some-Cmdlet -String:'p@ss'", "p@ss"},
	{"string parameter", "(-String hunter2)", "hunter2"},
	{"env assignment", "+ $env:AKSHCI_PASSWORD = 'p@ss'", "p@ss"},
	{"env assignment", `$Env:MOC_LOGIN="v@lue with space"`, "v@lue with space"},
	{"env assignment", "${env:MY VAR} += 'v@lue'", "v@lue"},
	{"env assignment", "$env:FOO=bar42; next", "bar42"},
	{"env setter", "[Environment]::SetEnvironmentVariable('AKS_KEY', 'v@lue', 'User')", "v@lue"},
	{"env setter", `[System.Environment]::SetEnvironmentVariable("AKS_KEY","v@lue")`, "v@lue"},
	{"url password", "GET https://builder:hunter2@mirror.example.com/aks.zip failed", "hunter2"},
	{"url password", "redis://:pw-only@cache:6379/0", "pw-only"},
	{"url password", "https://u:p@ss@host.example/x", "p@ss"},
	{"sas signature", "https://acct.blob.core.windows.net/c/b.vhd?sv=2022-11-02&sp=r&sig=AbC%2Bdef0123%3D rest", "AbC%2Bdef0123%3D"},
	{"sas signature", "sig=AbCdEf0123", "AbCdEf0123"},
	{"sas signature", "https://x/y?url=https%3A%2F%2Fa%2Fb%3Fsv%3D1%26sig%3DAbCdEf0123", "AbCdEf0123"},
	{"base32", "totp seed JBSWY3DPEHPK3PXP in the file", "JBSWY3DPEHPK3PXP"},
	{"base32", "key GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
	{"base32", "seed=MFRGGZDFMZTWQ2LK====", "MFRGGZDFMZTWQ2LK"},
	{"base32", "(QWERTYUIOPASDFGHJKLZXCVB)", "QWERTYUIOPASDFGHJKLZXCVB"},
}

// TestEachRuleAlone: every secret shape is masked by its own rule applied alone, and by
// Mask.
func TestEachRuleAlone(t *testing.T) {
	for _, tc := range secretCases {
		r := ruleNamed(t, tc.rule)
		if got := r.apply(tc.text); strings.Contains(got, tc.secret) {
			t.Errorf("rule %q alone left %q in %q", tc.rule, tc.secret, got)
		}
		if got := Mask(tc.text); strings.Contains(got, tc.secret) {
			t.Errorf("Mask left %q in %q", tc.secret, got)
		}
	}
}

// TestPublicTextSurvives: the documented error texts and public facts stay readable.
func TestPublicTextSurvives(t *testing.T) {
	for _, text := range []string{
		"rpc error: code = Unauthenticated desc = Valid Token Required.",
		"Certificate has expired: Expired",
		"workload cluster \"prod-1\" not found; existing clusters: \"demo\"",
		"the cloud agent CA expired at 2027-01-01T00:00:00Z",
		"Update-AksHciClusterCertificates -name demo -fixCloudCredentials",
		"token expiry 2160h; secret rotation is due",
		// PowerShell error records, whole.
		"Get-AksHciCluster : Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.\n" +
			"At line:1 char:1\n" +
			"+ Get-AksHciCluster\n" +
			"+ ~~~~~~~~~~~~~~~~~\n" +
			"    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\n" +
			"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Get-AksHciCluster",
		"Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired: Expired]",
		"ConvertTo-SecureString : Cannot bind argument to parameter 'String' because it is null.\n" +
			"At C:\\Users\\admin\\renew.ps1:12 char:31\n" +
			"+ $s = ConvertTo-SecureString $null -AsPlainText -Force\n" +
			"+                               ~~~~~\n" +
			"    + CategoryInfo          : InvalidData: (:) [ConvertTo-SecureString], ParameterBindingValidationException\n" +
			"    + FullyQualifiedErrorId : ParameterArgumentValidationErrorNullNotAllowed,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
		"ConvertTo-SecureString : Input string was not in a correct format.",
		"$c = New-Object System.Management.Automation.PSCredential($user, (ConvertTo-SecureString $pw -AsPlainText -Force))",
		"The term 'Update-AksHciCertificates' is not recognized as the name of a cmdlet, function, script file, or operable program.",
		"Select-String -Pattern 'expired' -Path C:\\logs\\kva.log | Out-String -Stream",
		// x509 and tool messages with dates and versions.
		"x509: certificate has expired or is not yet valid: current time 2024-05-01T10:00:00Z is after 2024-04-30T09:59:59Z",
		"x509: certificate signed by unknown authority (possibly because of \"crypto/rsa: verification error\" while trying to verify candidate authority certificate \"ca\")",
		"AksHci module 1.0.24.10106, KB5034441, PowerShell 5.1.17763.5576",
		// Paths, environment reads, comparisons.
		`C:\Users\admin\.wssd\kvactl\cloudconfig`,
		`Get-ChildItem "$env:USERPROFILE\.wssd" -Recurse -Filter cloudconfig`,
		`& "$env:ProgramFiles\AksHci\kubectl.exe" --kubeconfig C:\ClusterStorage\Volume1\Aks\kubeconfig-mgmt get nodes`,
		"if ($env:AKSHCI_DEBUG -eq 'true') { Write-Host 'debug' }",
		// Identifiers, fingerprints, URLs without a password.
		"cluster 6f9619ff-8b86-d011-b42d-00c04fc964ff, node {6F9619FF-8B86-D011-B42D-00C04FC964FF}",
		"thumbprint 3B7E0C1F9A8D2E4F5A6B7C8D9E0F1A2B3C4D5E6F, sha256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
		"serial 3B7E2C4F5A6B7C2D3E4F5A6B7C2D3E4F5A6B7C2D",
		"https://mirror.example.com:8443/aks/index.json?api-version=2024-01-01&design=compact",
		"ssh://admin@node1.contoso.local:22, git@github.com:Azure/aks-hybrid.git",
		"ERROR_ACCESS_DENIED, NT AUTHORITY\\SYSTEM, AUTHENTICATIONFAILED, WINDOWSSERVER2022DATACENTER",
	} {
		if got := Mask(text); got != text {
			t.Errorf("Mask(%q) = %q", text, got)
		}
	}
}

func ruleNamed(t *testing.T, name string) rule {
	t.Helper()
	for _, r := range rules {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("no rule %q", name)
	return rule{}
}
