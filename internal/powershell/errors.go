// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os/exec"
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
	case errors.Is(e.Err, transport.ErrConnectionLost) || errors.Is(e.Err, transport.ErrStopUnconfirmed):
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

// knownError maps a documented error text to its documented remedy.
type knownError struct {
	pattern *regexp.Regexp
	remedy  string
}

// kvactlSession marks an error that kvactl reported: its "Valid Token Required" is
// kvactl's own token, whose fix is the update cmdlet [#169], not a manual rotation.
var (
	kvactlSession = regexp.MustCompile(`failed to create azurestackhci session`)
	validToken    = regexp.MustCompile(`Valid Token Required`)
)

// Sources: shared/research/akshybrid-facts.md, section 5 (failure modes) and section 1.
var knownErrors = []knownError{
	{regexp.MustCompile(`Certificate has expired: Expired`),
		"a client's MOC certificate expired before it was renewed, and an expired certificate cannot be renewed, only replaced by logging in again with a valid token. " +
			"If kvactl reports it (\"failed to create azurestackhci session\"), delete %UserProfile%\\.wssd\\kvactl\\cloudconfig on the node and apply again (aksArc#146); " +
			"if mocctl reports it, run Repair-MocLogin (aksArc#168)."},
	{regexp.MustCompile(`failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required`),
		"kvactl's certificate and its login token have both expired, so every kvactl-backed cmdlet (Get-AksHciCluster, Get-AksHciCredential, Update-AksHciClusterCertificates) fails. " +
			"Run Update-AksHciCertificates (formerly Repair-AksHciCerts; apply akshybrid_management_certificates first), then apply again (aksArc#169)."},
	{validToken,
		"a client's certificate and its login token have both expired, so it can no longer log in to the cloud agent. " +
			"Issue a new token with mocctl security identity rotate --name <identity> --encode=false (for a KMS plugin, copy the output to /opt/wssd/k8s/cloudlogin.yaml " +
			"on the control-plane VM and restart the kms-plugin container), then apply again (aksArc#127, aksArc#107)."},
	{regexp.MustCompile(`failed to repair cluster certificates`),
		"the management cluster's API server is down, so its certificates cannot be repaired from the host; this follows a locked-out KMS plugin: " +
			"restore its login first (mocctl security identity rotate for the KMS plugin, see aksArc#127), then apply again."},
	{regexp.MustCompile(`(?i)cloud agent CA( certificate)? (has )?expired|\bCA (certificate )?has expired`),
		"the cloud agent CA (valid 365 days) has expired: nothing can be issued or renewed until it is rotated with Invoke-AksHciRotateCACertificate, " +
			"which is disruptive (every client loses contact with the cloud agent while it runs), so plan downtime."},
	{regexp.MustCompile(`x509: certificate signed by unknown authority`),
		"a client's access file does not trust the current cloud agent CA (for example after a CA change); see aksArc#160."},
	{regexp.MustCompile(`x509: certificate has expired or is not yet valid`),
		"Kubernetes control-plane certificates (4-day lifetime) have expired, for example after the cluster's VMs were off for more than 4 days: " +
			"set fix_kubelet_credentials = true (Update-AksHciClusterCertificates -fixKubeletCredentials), apply, then fetch a new kubeconfig with Get-AksHciCredential (aksArc#233)."},
	{regexp.MustCompile(`unknown flag: --tags`),
		"the AksHci module and kvactl versions do not match (aksArc#145): update the AksHci module on the node."},
	{regexp.MustCompile(`(?i)module 'AksHci' was not loaded|no valid module file was found`),
		"the AksHci PowerShell module is not installed for this user on the host: install it, or point the powershell setting at the PowerShell that has it."},
	{regexp.MustCompile(`(?i)'Update-AksHci(Cluster)?Certificates' is not recognized`),
		"the AksHci module on the host is too old: Update-AksHciCertificates exists since the May 2022 release. Update the module."},
	{regexp.MustCompile(`(?i)NonInteractive mode|Read and Prompt functionality is not available`),
		"the cmdlet asked a question, which an unattended run cannot answer. Run it once by hand on the host to see the prompt; force = true passes -force."},
}

// powershellMissing recognises a shell that could not start the configured program.
var powershellMissing = regexp.MustCompile(`(?i)is not recognized as an internal or external command|: not found|No such file or directory|command not found|cannot find the (file|path)`)

// remedies returns the documented remedies for every known message in text.
func remedies(text string) []string {
	var out []string
	for _, k := range knownErrors {
		if k.pattern == validToken && kvactlSession.MatchString(text) {
			continue // kvactl's token: the entry above covers it
		}
		if k.pattern.MatchString(text) {
			out = append(out, k.remedy)
		}
	}
	return out
}

// hostError turns a failed run into an *Error, or a *akshci.ClusterNotFoundError when
// the cluster update script reported a missing cluster. update says the script changes
// the host, so a broken connection leaves its outcome unknown.
func (h *Host) hostError(operation, cluster string, update bool, stdout []byte, err error) error {
	var xerr *transport.ExitError
	if !errors.As(err, &xerr) {
		e := &Error{Operation: operation, Err: err}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			e.Remedies = append(e.Remedies, "PowerShell was not found at "+strconv.Quote(h.exe)+": set the powershell setting to the path of powershell.exe (or pwsh.exe).")
		}
		if (errors.Is(err, transport.ErrConnectionLost) || errors.Is(err, transport.ErrStopUnconfirmed)) && update {
			e.Remedies = append(e.Remedies, "the run ended before the host confirmed a result, so the renewal may or may not have completed. "+
				"The next plan reads the host again, and applying again repeats the renewal only if it is still needed.")
			e.Err = fmt.Errorf("%w (%w)", err, akshci.ErrOutcomeUnknown)
		}
		return e
	}
	stderr := decodeCLIXML(string(normalizeOutput(xerr.Stderr)))
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
func excerpt(s string) string { return excerptN(mask(strings.TrimSpace(s)), maxExcerpt) }

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
