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
// -password ..., token <value>). PowerShell echoes the failing line of a script in its
// error records ("At line:1 char:1" and the line after it), so the forms scripts pass
// secrets in are masked too: ConvertTo-SecureString's plain text, $env: assignments.
// URLs may carry a password (RFC 3986 userinfo) or an Azure shared access signature (its
// sig parameter), and one-time-password seeds and some API keys are RFC 4648 base32.
//
// Host text may also carry terminal control sequences (PowerShell 7 colours its error
// records); Mask strips them first (see StripControls).
package redact

import (
	"regexp"
	"strings"
)

// rule is one secret shape. Each is tested alone, so no rule relies on another.
type rule struct {
	name string
	re   *regexp.Regexp
	repl string
	// keep, when set, leaves a match as it is: for conditions a pattern cannot say
	// (repl is then inserted literally, without $ expansion).
	keep func(match string) bool
	// needs, when set, lists words (lower case ASCII) of which every match holds one,
	// in any case (containsAnyFold): text without any is left alone without running re,
	// which is slow on long text.
	needs []string
	// replace, when set, is used instead of re: a scan that does what re would.
	replace func(s string) string
}

func (r rule) apply(s string) string {
	if r.needs != nil && !containsAnyFold(s, r.needs) {
		return s
	}
	if r.replace != nil {
		return r.replace(s)
	}
	if r.keep == nil {
		return r.re.ReplaceAllString(s, r.repl)
	}
	return r.re.ReplaceAllStringFunc(s, func(m string) string {
		if r.keep(m) {
			return m
		}
		return r.repl
	})
}

// secretWord is a key whose value is secret, in the spellings tools print: snake, kebab
// and camel case, with optional quotes (JSON, YAML, Go maps, logfmt). AccountKey and
// SharedAccessKey/SharedAccessSignature are the secrets of Azure connection strings.
const secretWord = `(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|` +
	`id[_-]?token|login[_-]?token|cred|creds|credentials?|client[_-]?key(?:[_-]?data)?|api[_-]?key|private[_-]?key|` +
	`authorization|sas[_-]?token|connection[_-]?string|account[_-]?key|shared[_-]?access[_-]?(?:key|signature))`

// psValue is a PowerShell argument that may hold a secret: a single- or double-quoted
// string (PowerShell also takes the typographic quotes U+2018-U+201B and U+201C-U+201E,
// and doubles a quote or uses a backtick to escape one: PowerShell language
// specification, section 2.3.5.2; an unterminated string, as in a cut excerpt, runs to the end
// of the line) with whatever sticks to it ('a'+'b'), or a bare word that is neither a
// parameter (-Name) nor a variable ($pw, whose name is no secret and helps the reader).
// A value runs to the next blank or delimiter, so that its mask is a whole word: masking
// again finds "[redacted]" and nothing after it.
const (
	psSingleQuoted = `['‘’‚‛](?:[^'‘’‚‛\n]|['‘’‚‛]{2})*(?:['‘’‚‛]|$)`
	psDoubleQuoted = `["“”„](?:[^"“”„` + "`" + `\n]|["“”„]{2}|` + "`" + `.)*(?:["“”„]|$)`
	psQuoted       = `(?:` + psSingleQuoted + `|` + psDoubleQuoted + `)`
	psWordRest     = `[^\s();|,]*`
	psQuotedWord   = psQuoted + psWordRest
	psBare         = `[^\s()'‘’‚‛"“”„;|,:$-]` + psWordRest
	psValue        = `(?:` + psQuotedWord + `|` + psBare + `)`
)

var rules = []rule{
	{name: "pem private key",
		re:   regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
		repl: "[redacted private key]"},
	// base64 of "-----BEGIN": a PEM block encoded once more (ClientKey in a MOC access
	// file, client-key-data in a kubeconfig).
	{name: "base64 pem", re: regexp.MustCompile(`LS0tLS1CRUdJTi[A-Za-z0-9+/=]*`), repl: "[redacted base64 PEM]"},
	// A JWT: three base64url parts, the first a JSON header ("eyJ" is base64 of `{"`);
	// MOC login tokens are JWTs.
	{name: "jwt", re: regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), repl: "[redacted token]"},
	{name: "http authorization scheme", needs: []string{"bearer", "basic", "negotiate"}, re: regexp.MustCompile(`(?i)\b(bearer|basic|negotiate)\s+[A-Za-z0-9._~+/=-]{8,}`), repl: "$1 [redacted]"},
	// key: value, key=value, "key": "value", key:[value] (Go-printed gRPC metadata).
	{name: "key value", needs: []string{"pass", "pwd", "secret", "token", "cred", "key", "authorization", "connection", "shared"},
		re:   regexp.MustCompile(`(?i)(["']?\b` + secretWord + `\b["']?\s*[:=]\s*)(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s,;]+)`),
		repl: "${1}[redacted]"},
	// PowerShell and CLI flags: -password x, --token x, -clientSecret x.
	{name: "command-line flag", needs: []string{"password", "token", "secret", "cred", "key"},
		re:   regexp.MustCompile(`(?i)(\s-{1,2}(?:password|token|secret|client-?secret|cred|credential|key)\s+)("[^"]*"|'[^']*'|\S+)`),
		repl: "${1}[redacted]"},
	// "token <value>" in prose: only a value that looks generated (16+ characters of a
	// token alphabet), so "Valid Token Required." stays readable.
	{name: "word then value", needs: []string{"token", "password", "secret"},
		re:   regexp.MustCompile(`(?i)\b(token|password|secret)(\s+)([A-Za-z0-9._~+/=-]{16,})`),
		repl: "$1$2[redacted]"},
	// ConvertTo-SecureString's first argument that is not a switch (-AsPlainText,
	// -Force) or its -String: the plain text of a PSCredential's password. A quoted one
	// is always masked.
	{name: "securestring quoted", needs: []string{"convertto-securestring"},
		re:   regexp.MustCompile(`(?im)(\bConvertTo-SecureString(?:\s+-[a-z]+(?::\S*)?)*\s+)` + psQuotedWord),
		repl: "${1}[redacted]"},
	// A bare word only where a command line would end it (before a parameter, a closing
	// parenthesis, a pipe, a semicolon or the line's end), so that prose such as
	// "ConvertTo-SecureString : Cannot bind ..." stays readable.
	{name: "securestring bare", needs: []string{"convertto-securestring"},
		re:   regexp.MustCompile(`(?im)(\bConvertTo-SecureString(?:\s+-[a-z]+(?::\S*)?)*\s+)` + psBare + `(\s+-|\s*[);|]|\s*$)`),
		repl: "${1}[redacted]${2}"},
	// 'p@ss' | ConvertTo-SecureString -AsPlainText -Force.
	{name: "securestring pipeline", needs: []string{"convertto-securestring"},
		re:   regexp.MustCompile(`(?im)` + psQuoted + `(\s*\|\s*ConvertTo-SecureString\b)`),
		repl: "[redacted]${1}"},
	// -String "…" (ConvertTo-SecureString's plain text, also as -String:'…').
	{name: "string parameter", needs: []string{"-string"},
		re:   regexp.MustCompile(`(?im)((?:^|[\s(])-String(?:\s+|:))` + psValue),
		repl: "${1}[redacted]"},
	// $env:NAME = '…', ${env:NAME} += "…", [Environment]::SetEnvironmentVariable('NAME',
	// '…'): scripts pass secrets to tools in environment variables, so every value is
	// masked whatever the name.
	{name: "env assignment", needs: []string{"env:"},
		re:   regexp.MustCompile(`(?im)(\$(?:env:[a-z_][a-z0-9_]*|\{env:[^}\n]+\})\s*\+?=\s*)` + psValue),
		repl: "${1}[redacted]"},
	{name: "env setter", needs: []string{"setenvironmentvariable"},
		re:   regexp.MustCompile(`(?im)(SetEnvironmentVariable\(\s*` + psQuoted + `\s*,\s*)` + psValue),
		repl: "${1}[redacted]"},
	// scheme://user:password@host: only the password goes, so the scheme, user and host
	// still say what failed.
	{name: "url password", needs: []string{"://"},
		re:   regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^\s/?#]+@`),
		repl: "${1}[redacted]@"},
	// An Azure shared access signature's signature (…&sig=…), also percent-encoded once
	// more inside another URL.
	{name: "sas signature", needs: []string{"sig=", "sig%3d"},
		re:   regexp.MustCompile(`(?i)((?:\b|%26)sig(?:=|%3D))[^\s&"'<>;,)]+`),
		repl: "${1}[redacted]"},
	// Any other long base64 run: certificates are public, but keys and tokens look alike.
	// (The pattern is longBase64; maskLongBase64 is the same, without the hundred NFA
	// threads the counted repetition keeps alive in every letter run.)
	{name: "long base64", replace: maskLongBase64},
	// A base32 run of 16 or more characters (80 bits, the shortest one-time-password seed
	// authenticator apps take) standing alone, with optional padding. Upper-case hex
	// (thumbprints, serials) has no letter after F, so a run needs one; a random base32
	// seed lacks it with odds of 1 in 6.5 million at 16 characters. Under 24 characters
	// a run also needs a digit 2-7, which upper-case words and identifiers lack; a
	// 16-character seed lacks one with odds of 1 in 28, a 23-character one 1 in 119.
	{name: "base32",
		re:   regexp.MustCompile(`\b[A-Z2-7]{16,}\b={0,6}`),
		repl: "[redacted base32]",
		keep: func(m string) bool {
			run := strings.TrimRight(m, "=")
			return !strings.ContainsAny(run, "GHIJKLMNOPQRSTUVWXYZ") || len(run) < 24 && !strings.ContainsAny(run, "234567")
		}},
}

// Mask strips terminal control sequences from s (StripControls) and replaces everything
// in it that looks like a secret. It is idempotent.
func Mask(s string) string {
	s = StripControls(s)
	for _, r := range rules {
		s = r.apply(s)
	}
	return s
}

// containsAnyFold reports whether s holds one of words (lower case ASCII) as (?i)
// would find it: ASCII letters in either case, and the two other characters that fold
// to an ASCII letter, the Kelvin sign (k) and the long s (s).
func containsAnyFold(s string, words []string) bool {
	folded := strings.Map(func(r rune) rune {
		switch {
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		case r == '\u212A':
			return 'k'
		case r == '\u017F':
			return 's'
		}
		return r
	}, s)
	for _, w := range words {
		if strings.Contains(folded, w) {
			return true
		}
	}
	return false
}

// longBase64 is what maskLongBase64 replaces; tests hold the two to the same results.
const longBase64 = `[A-Za-z0-9+/_-]{100,}={0,2}`

// maskLongBase64 replaces each run of 100 or more base64 (and base64url) characters,
// with up to two '=' after it, by "[redacted base64]".
func maskLongBase64(s string) string {
	var b strings.Builder
	last := 0 // s[:last] is written to b
	for i := 0; i < len(s); {
		if !isBase64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64(s[j]) {
			j++
		}
		if j-i >= 100 {
			for k := 0; k < 2 && j < len(s) && s[j] == '='; k++ {
				j++
			}
			b.WriteString(s[last:i])
			b.WriteString("[redacted base64]")
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '_' || c == '-'
}
