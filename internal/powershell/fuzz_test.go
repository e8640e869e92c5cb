// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// psSingleQuotes are the characters PowerShell's tokenizer takes for a single quote, written out from its
// language specification (§2.3.5.2 single-quote-character: U+0027 and U+2018 to U+201B) rather than taken from
// the production predicate, so that a wrong predicate cannot hide behind this test.
const psSingleQuotes = "'\u2018\u2019\u201A\u201B"

// readPSSingleQuoted is an independent reading of a PowerShell single-quoted string at
// the start of s: any of psSingleQuotes opens and closes it, and two quote characters in
// a row stand for the second. It returns the value and the rest after the closing quote.
func readPSSingleQuoted(s string) (value, rest string, ok bool) {
	isQuote := func(r rune) bool { return strings.ContainsRune(psSingleQuotes, r) }
	r := []rune(s)
	if len(r) == 0 || !isQuote(r[0]) {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(r); i++ {
		if isQuote(r[i]) {
			if i+1 < len(r) && isQuote(r[i+1]) {
				b.WriteRune(r[i+1])
				i++
				continue
			}
			return b.String(), string(r[i+1:]), true
		}
		b.WriteRune(r[i])
	}
	return "", "", false
}

// FuzzClusterScriptQuoting proves that no cluster name escapes its quotes: in the
// script (readable and minified), the name appears only as whole single-quoted literals
// that read back as the name and are followed by the expected code, the op comment
// stays one line of JSON that reads back as the name, and the script has exactly the
// lines it has for a plain name.
func FuzzClusterScriptQuoting(f *testing.F) {
	for _, s := range []string{
		"demo", "it's", "'", "''", "'''", "a'b'c", "‘", "’", "‚", "‛", "‘’‚‛'", "x’; Remove-Item -Recurse C:\\ -Force; ’",
		"$(Invoke-Expression 'calc')", "${env:PATH}", "`n", "`'", "\"", "a\" -force \"b", "#", "<#", "#>", "a\nb",
		"a\rb", "\x00", "\u2028", "\u0085", "é", "𝄞", "\xff\xfe", "' -fixKubeletCredentials #", "-name", "@'\n",
	} {
		f.Add(s, false, true)
	}
	baseLines := func(lb, force bool) int {
		base, err := clusterScript("x", akshci.ClusterOptions{FixKubeletCredentials: true, FixCloudCredentials: true, PatchLoadBalancer: lb, Force: force}, true)
		if err != nil {
			panic(err)
		}
		return len(strings.Split(base, "\n"))
	}
	f.Fuzz(func(t *testing.T, name string, lb, force bool) {
		// Both fixes, so every kind of line that carries the name is there.
		opts := akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: lb, Force: force}
		s, err := clusterScript(name, opts, true)
		if err != nil {
			if quotableName(name) == nil {
				t.Fatalf("valid name %q refused: %v", name, err)
			}
			return
		}
		if quotableName(name) != nil {
			t.Fatalf("invalid name %q accepted", name)
		}
		for _, script := range []string{s, minify(s)} {
			lines := strings.Split(script, "\n")
			if want := baseLines(lb, force); script == s && len(lines) != want {
				t.Fatalf("name %q changed the number of lines: %d, want %d", name, len(lines), want)
			}
			first, ok := strings.CutPrefix(lines[0], OpComment)
			if !ok {
				t.Fatalf("first line %q", lines[0])
			}
			var o struct{ Cluster string }
			if err := json.Unmarshal([]byte(first), &o); err != nil || o.Cluster != name {
				t.Fatalf("op comment %q does not read back as %q: %v", first, name, err)
			}
			literals := 0
			for _, l := range lines[1:] {
				l = strings.TrimSpace(l)
				var after string
				var follow []string
				switch {
				case strings.HasPrefix(l, "if ($names -cnotcontains "):
					after = strings.TrimPrefix(l, "if ($names -cnotcontains ")
					follow = []string{") {"}
				case strings.HasPrefix(l, "Update-AksHciClusterCertificates -name "):
					after = strings.TrimPrefix(l, "Update-AksHciClusterCertificates -name ")
					follow = []string{" -fixKubeletCredentials", " -fixCloudCredentials"}
				default:
					continue
				}
				v, rest, ok := readPSSingleQuoted(after)
				if !ok || v != name {
					t.Fatalf("literal in %q reads as %q (ok=%v), want %q", l, v, ok, name)
				}
				matched := false
				for _, f := range follow {
					if strings.HasPrefix(rest, f) {
						matched = true
						// Nothing but known switches may follow.
						for _, sw := range strings.Fields(strings.TrimSuffix(rest, ") {")) {
							switch sw {
							case "-fixKubeletCredentials", "-fixCloudCredentials", "-patchLoadBalancer", "-force", "-Confirm:$false", ")", "{":
							default:
								t.Fatalf("unexpected %q after the name in %q", sw, l)
							}
						}
					}
				}
				if !matched {
					t.Fatalf("the name's literal is followed by %q in %q", rest, l)
				}
				literals++
			}
			if literals != 3 {
				t.Fatalf("found %d name literals, want 3, in:\n%s", literals, script)
			}
		}
	})
}
