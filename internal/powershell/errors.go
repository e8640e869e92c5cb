// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/redact"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// Error reports an AksHci script that failed on the host.
type Error struct {
	// Operation is what ran, e.g. "Update-AksHciClusterCertificates -name 'demo'".
	Operation string
	// ExitCode is powershell.exe's exit status; 0 when it did not exit (transport error).
	ExitCode int
	// Message is the error's text as the host reported it, trimmed, secrets masked.
	Message string
	// Details is the rest of the error record (position, category), trimmed and masked.
	Details string
	// Remedies are the documented fixes for the recognised error messages.
	Remedies []string
	// Err is the underlying error (a *transport.ExitError or a transport failure).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.ExitCode != 0 || e.Message != "":
		b.WriteString(e.Operation + " failed on the host")
	case errors.Is(e.Err, transport.ErrConnectionLost) || errors.Is(e.Err, transport.ErrStopUnconfirmed) || errors.Is(e.Err, akshci.ErrOutcomeUnknown):
		// The host may have done the work: say so rather than "failed".
		b.WriteString(e.Operation + " did not report a result, so its outcome on the host is unknown")
	default:
		// The run never reached a result (dial, authentication, a cancelled wait).
		b.WriteString(e.Operation + " could not be run on the host")
	}
	if e.ExitCode != 0 {
		b.WriteString(" (exit status " + strconv.Itoa(e.ExitCode) + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	} else if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Details != "" {
		b.WriteString("\n" + e.Details)
	}
	for _, r := range e.Remedies {
		b.WriteString("\nRemedy: " + r)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// powershellMissing recognises a shell that could not start the configured program.
var powershellMissing = regexp.MustCompile(`(?i)is not recognized as an internal or external command|: not found|No such file or directory|command not found|cannot find the (file|path)`)

// hostError turns a failed run into an *Error, or a *akshci.ClusterNotFoundError when
// the cluster update script reported a missing cluster. update says the script changes
// the host, so a broken connection leaves its outcome unknown.
func (h *Host) hostError(operation, cluster string, update bool, stdout []byte, err error) error {
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) {
		e := &Error{Operation: operation, Err: err}
		// Only a local runner that could not start the program: a missing file met
		// over SSH (an agent socket, a known_hosts file) is not a missing PowerShell.
		if errors.Is(err, transport.ErrProgramNotFound) {
			e.Remedies = append(e.Remedies, "PowerShell was not found at "+strconv.Quote(h.exe)+": set the powershell setting to the path of powershell.exe (or pwsh.exe).")
		}
		// A renewal stopped midway (the connection broke, the stop was not confirmed, or it
		// was stopped at the output limit) may have done part of its work.
		var limit *transport.OutputLimitError
		if (errors.Is(err, transport.ErrConnectionLost) || errors.Is(err, transport.ErrStopUnconfirmed) || errors.As(err, &limit)) && update {
			e.Remedies = append(e.Remedies, "the run ended before the host confirmed a result, so the renewal may or may not have completed. "+
				"The next plan reads the host again, and applying again repeats the renewal only if it is still needed.")
			e.Err = fmt.Errorf("%w (%w)", err, akshci.ErrOutcomeUnknown)
		}
		return e
	}
	// Matched only after control sequences are stripped: a colour code in front of a line
	// would hide the catch block's prefix or a known text.
	stderr := redact.StripControls(decodeCLIXML(string(normalizeOutput(xerr.Stderr))))
	if cluster != "" && xerr.Code == clusterNotFoundExit {
		if nf := clusterNotFound(cluster, stderr); nf != nil {
			return nf
		}
	}
	e := &Error{Operation: operation, ExitCode: xerr.Code, Err: err}
	message, details := splitErrorRecord(stderr)
	if message == "" && details == "" {
		// Nothing on stderr: the tail of stdout is the best clue.
		details = strings.TrimSpace(string(normalizeOutput(stdout)))
		if len(details) > 1000 {
			details = "…" + details[len(details)-1000:]
		}
	}
	e.Message = excerptN(mask(message), 1000)
	e.Details = excerpt(mask(details))
	e.Remedies = remedies(stderr + "\n" + string(stdout))
	// Without the catch block's line the script never ran: the shell could not start it.
	if (xerr.Code == 127 || xerr.Code == 9009 || powershellMissing.MatchString(stderr)) && !strings.Contains(stderr, errorPrefix) {
		e.Remedies = append(e.Remedies, "the host could not start "+strconv.Quote(h.exe)+": set the powershell setting to the path of powershell.exe (or pwsh.exe) on the host.")
	}
	return e
}

// splitErrorRecord separates the one-line message the scripts' catch block writes from
// the rest of the error record.
func splitErrorRecord(stderr string) (message, details string) {
	var rest []string
	for _, line := range strings.Split(stderr, "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), errorPrefix); ok && message == "" {
			message = strings.TrimSpace(m)
			continue
		}
		rest = append(rest, strings.TrimRight(line, " \t\r"))
	}
	details = strings.TrimSpace(strings.Join(rest, "\n"))
	if message == "" && details != "" {
		// Not our catch block (the program did not start, or a parse error): the first
		// line is the message.
		first, others, _ := strings.Cut(details, "\n")
		return strings.TrimSpace(first), strings.TrimSpace(others)
	}
	return message, details
}

func clusterNotFound(cluster, stderr string) error {
	for _, line := range strings.Split(stderr, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), clusterNotFoundPrefix)
		if !ok {
			continue
		}
		var existing []string
		var one string
		switch {
		case json.Unmarshal([]byte(rest), &existing) == nil:
		case json.Unmarshal([]byte(rest), &one) == nil: // PowerShell may unwrap a one-element array
			existing = []string{one}
		}
		return &akshci.ClusterNotFoundError{Name: cluster, Existing: existing}
	}
	return nil
}

// clixmlString matches the error strings of a "#< CLIXML" stream, which powershell.exe
// writes to a redirected stderr instead of plain text in some configurations.
var (
	clixmlString = regexp.MustCompile(`(?s)<S S="Error">(.*?)</S>`)
	clixmlEscape = regexp.MustCompile(`_x([0-9A-Fa-f]{4})_`)
)

func decodeCLIXML(s string) string {
	i := strings.Index(s, "#< CLIXML")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, m := range clixmlString.FindAllStringSubmatch(s[i:], -1) {
		text := html.UnescapeString(m[1])
		text = clixmlEscape.ReplaceAllStringFunc(text, func(esc string) string {
			n, err := strconv.ParseUint(esc[2:6], 16, 16)
			if err != nil {
				return esc
			}
			return string(rune(n))
		})
		b.WriteString(text)
	}
	return strings.ReplaceAll(b.String(), "\r\n", "\n")
}

// mask replaces anything that looks like a secret (see package redact).
func mask(s string) string { return redact.Mask(s) }

const maxExcerpt = 2000

// excerpt masks s and shortens it to about maxExcerpt characters, keeping its head (the
// message) and its tail (where a record ends).
// A text is cut to its head and tail at line ends before it is masked: masking costs
// time in proportion to the text, and a host may print up to the transport's output cap.
// The margin keeps whole lines around the cut, so that no secret is split by it.
func excerpt(s string) string {
	s = strings.TrimSpace(s)
	const margin = 8 * maxExcerpt
	if len(s) > 2*margin {
		head, tail := s[:margin], s[len(s)-margin:]
		if i := strings.LastIndexByte(head, '\n'); i > 0 {
			head = head[:i]
		}
		if i := strings.IndexByte(tail, '\n'); i >= 0 {
			tail = tail[i+1:]
		}
		s = head + "\n" + tail
	}
	return excerptN(mask(s), maxExcerpt)
}

func excerptN(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := n * 3 / 4
	tail := n - head
	return string(r[:head]) + fmt.Sprintf(" … [%d characters omitted] … ", len(r)-head-tail) + string(r[len(r)-tail:])
}
