// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package redact

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBase32Threshold: both sides of every condition of the base32 rule.
func TestBase32Threshold(t *testing.T) {
	for _, tc := range []struct {
		name, run string
		masked    bool
	}{
		{"16 characters with a digit", "JBSWY3DPEHPK3PXP", true},
		{"15 characters with a digit", "JBSWY3DPEHPK3PX", false},
		{"padding goes with the run", "MFRGGZDFMZTWQ2LK====", true},
		{"23 letters, no digit", "QWERTYUIOPASDFGHJKLZXCV", false},
		{"24 letters, no digit", "QWERTYUIOPASDFGHJKLZXCVB", true},
		{"40 hex characters within the base32 alphabet", "3B7E2C4F5A6B7C2D3E4F5A6B7C2D3E4F5A6B7C2D", false},
		{"the same with one letter after F", "3B7E2C4F5A6B7C2D3E4F5A6B7C2D3E4F5A6B7C2G", true},
		{"lower case", "jbswy3dpehpk3pxp", false},
		{"part of a longer word", "xJBSWY3DPEHPK3PXP", false},
		{"part of an identifier", "SEED_JBSWY3DPEHPK3PXP", false},
		// The rule cannot tell an upper-case identifier with a digit 2-7 from a seed.
		{"an upper-case identifier with a digit 2-7", "CERTIFICATEEXPIRED2", true},
	} {
		text := "value " + tc.run + " here"
		got := ruleNamed(t, "base32").apply(text)
		if masked := !strings.Contains(got, tc.run); masked != tc.masked {
			t.Errorf("%s: base32 rule turned %q into %q (masked %v, want %v)", tc.name, text, got, masked, tc.masked)
		}
		if tc.masked && got != "value [redacted base32] here" {
			t.Errorf("%s: got %q", tc.name, got)
		}
	}
}

// TestURLPasswordKeepsTheRest: the message still names the scheme, user and host.
func TestURLPasswordKeepsTheRest(t *testing.T) {
	const text = "GET https://builder:hunter2@mirror.example.com/aks.zip: 401"
	if got, want := Mask(text), "GET https://builder:[redacted]@mirror.example.com/aks.zip: 401"; got != want {
		t.Errorf("Mask(%q) = %q, want %q", text, got, want)
	}
}

func TestStripControls(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"colour", "\x1b[31;1mError\x1b[0m: failed", "Error: failed"},
		{"cursor movement and private modes", "a\x1b[2Ab\x1b[10;20Hc\x1b[?25l\x1b[K", "abc"},
		{"erase display", "\x1b[2J\x1b[3J\x1b[Hvisible", "visible"},
		{"OSC title ended by BEL", "\x1b]0;pwned\atext", "text"},
		{"OSC title ended by ESC backslash", "\x1b]2;pwned\x1b\\text", "text"},
		{"OSC 8 hyperlink keeps its text", "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\ now", "click here now"},
		{"unterminated OSC ends at the line end", "\x1b]0;title\nnext line", "\nnext line"},
		{"OSC cut by another escape", "\x1b]0;title\x1b[1mbold", "bold"},
		{"DCS, APC, PM, SOS strings", "\x1bPq#0;2;0\x1b\\a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd"},
		{"8-bit CSI", "\u009b31mred\u009b0m", "red"},
		{"8-bit OSC ended by 8-bit ST", "\u009d0;title\u009cok", "ok"},
		{"other C1 controls", "a\u0085b\u008dc", "abc"},
		{"two-character escapes", "\x1b7saved\x1b8 \x1b(Bascii\x1bc\x1bM", "saved ascii"},
		{"escape with intermediates", "\x1b#8x\x1b %Gy", "xy"},
		{"cut CSI at the end", "text\x1b[31", "text"},
		{"cut CSI before a newline", "\x1b[31\nx", "\nx"},
		{"lone ESC at the end", "text\x1b", "text"},
		{"ESC before a control", "a\x1b\x1b[0mb", "ab"},
		{"CR LF and lone CR", "a\r\nb\rc\r", "a\nb\nc\n"},
		{"other C0 controls and DEL", "a\x00b\x08c\x7fd\x07e\x0cf", "abcdef"},
		{"newline and tab stay", "a\tb\nc", "a\tb\nc"},
		{"bidirectional overrides", "abc\u202edcba\u202c \u2066x\u2069", "abcdcba x"},
		{"invalid UTF-8, a raw 8-bit CSI", "a\x9b31mb", "a\uFFFD31mb"},
		{"plain text", "Zürich – 日本 “quoted” C:\\Users\\admin", "Zürich – 日本 “quoted” C:\\Users\\admin"},
	} {
		if got := StripControls(tc.in); got != tc.want {
			t.Errorf("%s: StripControls(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestMaskStripsBeforeMasking: secrets wrapped or split by control sequences, as a
// coloured or hostile host prints them, are masked, and no escape is left.
func TestMaskStripsBeforeMasking(t *testing.T) {
	for _, tc := range []struct{ text, secret string }{
		{"\x1b[2J\x1b[Hpassword=hunter2hunter2\x1b[2J\x1b[H", "hunter2"},
		{"pass\x1b[0mword=hunter2hunter2", "hunter2"},
		{"ConvertTo-SecureString \x1b[36m'p@ss'\x1b[0m -AsPlainText -Force", "p@ss"},
		{"$env:AKS_SECRET = \x1b[32m\"v@lue\"\x1b[0m", "v@lue"},
		{"JBSWY3\x1b[1mDPEHPK3PXP", "DPEHPK3PXP"},
		{"https://u:hun\u009b0mter2@host/", "hunter2"},
		{"token:\x00 s3cr3t-value", "s3cr3t-value"},
	} {
		got := Mask(tc.text)
		if strings.Contains(got, tc.secret) || strings.Contains(StripControls(got), tc.secret) {
			t.Errorf("Mask(%q) = %q: the secret is left", tc.text, got)
		}
		if bad := firstControl(got); bad >= 0 {
			t.Errorf("Mask(%q) = %q: control character at byte %d", tc.text, got, bad)
		}
	}
}

// firstControl is the byte index of the first control character or invalid UTF-8 in s,
// -1 if none: an independent check of StripControls' result.
func firstControl(s string) int {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		case r == '\n' || r == '\t':
		case r < 0x20, r >= 0x7F && r <= 0x9F, // C0, DEL, C1
			r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069: // bidi
			return i
		}
	}
	return -1
}

// FuzzMask: whatever the host prints, Mask does not panic, is idempotent and leaves no
// control character (ESC, CSI, CR) in its result.
func FuzzMask(f *testing.F) {
	for _, seed := range []string{
		"",
		errorRecordBlock,
		"password='pa ss' cred=x token 0123456789abcdefXYZ",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
		"ConvertTo-SecureString -String 'it''s' -AsPlainText -Force; 'x' | ConvertTo-SecureString",
		"New-Object System.Management.Automation.PSCredential('u', (ConvertTo-SecureString hunter2 -AsPlainText -Force))",
		"$env:A = 'b'; ${env:C} += \"d`\"e\"; [Environment]::SetEnvironmentVariable('F', 'g')",
		"https://u:p@ss@h/x?sv=1&sig=abc%3D&url=a%26sig%3Db",
		"JBSWY3DPEHPK3PXP==== GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"\x1b[31mred\x1b]0;t\a\x1b]8;;u\x1b\\l\x1b]8;;\x1b\\\u009b2J\u009d0;x\u009c\r\n\r\x00\x7f",
		"\x1b]0;unterminated\n\x1bP\x1b[\x1b",
		"a\x9bb\xff\xfe",
	} {
		f.Add(seed)
	}
	for _, tc := range secretCases {
		f.Add(tc.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Mask(s)
		if twice := Mask(once); twice != once {
			t.Fatalf("not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
		}
		if bad := firstControl(once); bad >= 0 {
			t.Fatalf("Mask(%q) = %q: control character at byte %d", s, once, bad)
		}
		if strings.ContainsRune(once, '\x1b') || strings.ContainsRune(once, '\r') {
			t.Fatalf("Mask(%q) = %q keeps an ESC or CR", s, once)
		}
		if stripped := StripControls(s); StripControls(stripped) != stripped {
			t.Fatalf("StripControls is not idempotent on %q", s)
		}
	})
}

// FuzzRuleShortcuts: a rule's shortcuts (the words it needs, a scan instead of its
// pattern) change nothing: it masks exactly as its pattern alone would.
func FuzzRuleShortcuts(f *testing.F) {
	for _, seed := range []string{
		"ConvertTo-SecureString 'a' -AsPlainText; CONVERTTO-SECURESTRING b -Force",
		"x -String 'y'; -STRING:z; $ENV:A = 'b'; [environment]::setenvironmentvariable('c', 'd')",
		"HTTPS://u:p@h/?SIG=x&sig%3Dy %26SIG%3Dz",
		"only encoded: %26SIG%3Dz",
		strings.Repeat("QUJD", 25) + "===" + strings.Repeat("a", 99) + " " + strings.Repeat("-_+/", 26) + "=",
		strings.Repeat("Zm9v", 40) + "=\n" + strings.Repeat("Zm9v", 24),
		errorRecordBlock,
		// The Kelvin sign and the long s fold to k and s under (?i).
		"x -\u212Aey v@lue", "pa\u017F\u017Fword=y", "?\u017Fig=z", "x -\u017Ftring w",
	} {
		f.Add(seed)
	}
	for _, tc := range secretCases {
		f.Add(tc.text)
	}
	longBase64Re := regexp.MustCompile(longBase64)
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range rules {
			var want string
			switch {
			case r.replace != nil:
				if r.name != "long base64" {
					t.Fatalf("rule %q has a scan without a reference pattern here", r.name)
				}
				want = longBase64Re.ReplaceAllString(s, "[redacted base64]")
			default:
				plain := r
				plain.needs = nil
				want = plain.apply(s)
			}
			if got := r.apply(s); got != want {
				t.Fatalf("rule %q on %q: %q, its pattern alone %q", r.name, s, got, want)
			}
		}
	})
}
