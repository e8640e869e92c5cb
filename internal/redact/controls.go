// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package redact

import (
	"strings"
	"unicode/utf8"
)

// StripControls returns s without terminal control sequences and control characters, so
// that host text printed in a diagnostic cannot colour it, move the cursor, clear the
// screen, retitle the window or hide what follows, and so that masking sees the text a
// reader would. It keeps newlines and tabs and turns CR LF and a lone CR into a newline
// (a CR would let a line overwrite the one before it). It removes, after ECMA-48
// (ISO 6429):
//   - control sequences: CSI (ESC [ or U+009B), parameters, intermediates, final byte;
//   - control strings: OSC (ESC ] or U+009D), DCS, SOS, PM, APC, up to BEL or ST (ESC \
//     or U+009C), or, unterminated, up to the line's end, so that the lines after it
//     stay;
//   - the other escape sequences (ESC, intermediates, final byte: ESC 7, ESC ( B, ESC c);
//   - every other C0 and C1 control and DEL;
//   - the Unicode bidirectional formatting characters, which reorder what is shown.
//
// Invalid UTF-8 becomes U+FFFD: a stray byte 0x9B is CSI to a terminal in an 8-bit
// character set.
func StripControls(s string) string {
	i := firstUnclean(s)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == '\r':
			b.WriteByte('\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r == esc:
			i = skipEscape(s, i+1)
		case r == c1CSI:
			i = skipControlSequence(s, i+n)
		case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
			i = skipControlString(s, i+n)
		case isControl(r):
			i += n
		default:
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

const (
	bel = 0x07
	can = 0x18
	sub = 0x1A
	esc = 0x1B

	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9B
	c1ST  = 0x9C
	c1OSC = 0x9D
	c1PM  = 0x9E
	c1APC = 0x9F
)

// firstUnclean is the index of the first byte StripControls changes, len(s) if none.
func firstUnclean(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || isControl(r) {
			return i
		}
		i += n
	}
	return len(s)
}

// isControl reports a character StripControls drops: C0 but newline and tab, DEL, C1,
// and the bidirectional formatting characters (ALM, LRM, RLM, the embeddings and
// overrides U+202A-U+202E, the isolates U+2066-U+2069).
func isControl(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\n' && r != '\t'
	case r >= 0x7F && r <= 0x9F:
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// skipEscape returns the index after the sequence whose ESC ends at i. An ESC that
// starts no sequence (before a control, a non-ASCII character or the end) goes alone.
func skipEscape(s string, i int) int {
	if i == len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipControlSequence(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipControlString(s, i+1)
	case c >= 0x20 && c <= 0x2F: // intermediates, then a final byte
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2F {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7E {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7E:
		return i + 1
	}
	return i
}

// skipControlSequence returns the index after a CSI sequence's parameter bytes,
// intermediate bytes and final byte, starting at i. A sequence cut short ends where it
// is cut; what follows is read as text (or as the next control).
func skipControlSequence(s string, i int) int {
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3F {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2F {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7E {
		i++
	}
	return i
}

// skipControlString returns the index after a control string (OSC, DCS, SOS, PM, APC)
// whose body starts at i: after its BEL or ST, after a CAN or SUB (which cancel it), or
// at an ESC that starts another sequence, a line end or the end of s.
func skipControlString(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case bel, can, sub:
			return i + 1
		case '\n', '\r':
			return i
		case esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xC2: // a lead byte, never inside another character's encoding
			if i+1 < len(s) && s[i+1] == c1ST {
				return i + 2
			}
		}
	}
	return i
}
