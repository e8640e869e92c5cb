// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package redact

import (
	"strings"
	"testing"
)

// TestEachRuleAlone: every secret shape is masked by its own rule applied alone, and by
// Mask. The secrets are short enough that the long-base64 rule cannot cover for others.
func TestEachRuleAlone(t *testing.T) {
	for _, tc := range []struct {
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
	} {
		r := ruleNamed(t, tc.rule)
		if got := r.re.ReplaceAllString(tc.text, r.repl); strings.Contains(got, tc.secret) {
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
