// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package redact masks secrets in text that came from a host (cmdlet errors, tool
// output) before it can reach an error message, a log line or the Terraform state. Host
// scripts never print secrets on purpose; this is the net under them.
//
// The shapes come from what AKS hybrid, MOC and kubectl handle (research file
// real-host-expiry.md and akshybrid-facts.md): private keys in PEM, base64 PEM in access
// files (ClientKey) and kubeconfigs (client-key-data), MOC login tokens, which are JWTs
// (LoginConfig YAML "token:", gRPC "authorization" metadata), identity passwords, and
// the generic key/value and command-line forms tools print (cred=..., client_secret: ...,
// -password ..., token <value>).
package redact

import "regexp"

// rule is one secret shape. Each is tested alone, so no rule relies on another.
type rule struct {
	name string
	re   *regexp.Regexp
	repl string
}

// secretWord is a key whose value is secret, in the spellings tools print: snake, kebab
// and camel case, with optional quotes (JSON, YAML, Go maps, logfmt).
const secretWord = `(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|` +
	`id[_-]?token|login[_-]?token|cred|creds|credentials?|client[_-]?key(?:[_-]?data)?|api[_-]?key|private[_-]?key|` +
	`authorization|sas[_-]?token|connection[_-]?string)`

var rules = []rule{
	{"pem private key",
		regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
		"[redacted private key]"},
	// base64 of "-----BEGIN": a PEM block encoded once more (ClientKey in a MOC access
	// file, client-key-data in a kubeconfig).
	{"base64 pem", regexp.MustCompile(`LS0tLS1CRUdJTi[A-Za-z0-9+/=]*`), "[redacted base64 PEM]"},
	// A JWT: three base64url parts, the first a JSON header ("eyJ" is base64 of `{"`);
	// MOC login tokens are JWTs.
	{"jwt", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), "[redacted token]"},
	{"http authorization scheme", regexp.MustCompile(`(?i)\b(bearer|basic|negotiate)\s+[A-Za-z0-9._~+/=-]{8,}`), "$1 [redacted]"},
	// key: value, key=value, "key": "value", key:[value] (Go-printed gRPC metadata).
	{"key value",
		regexp.MustCompile(`(?i)(["']?\b` + secretWord + `\b["']?\s*[:=]\s*)(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s,;]+)`),
		"${1}[redacted]"},
	// PowerShell and CLI flags: -password x, --token x, -clientSecret x.
	{"command-line flag",
		regexp.MustCompile(`(?i)(\s-{1,2}(?:password|token|secret|client-?secret|cred|credential|key)\s+)("[^"]*"|'[^']*'|\S+)`),
		"${1}[redacted]"},
	// "token <value>" in prose: only a value that looks generated (16+ characters of a
	// token alphabet), so "Valid Token Required." stays readable.
	{"word then value",
		regexp.MustCompile(`(?i)\b(token|password|secret)(\s+)([A-Za-z0-9._~+/=-]{16,})`),
		"$1$2[redacted]"},
	// Any other long base64 run: certificates are public, but keys and tokens look alike.
	{"long base64", regexp.MustCompile(`[A-Za-z0-9+/_-]{100,}={0,2}`), "[redacted base64]"},
}

// Mask replaces everything in s that looks like a secret.
func Mask(s string) string {
	for _, r := range rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
