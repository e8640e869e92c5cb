// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// fakeRunner answers runs with a canned result and records what it was asked.
type fakeRunner struct {
	program string
	args    []string
	script  string
	stdout  string
	stderr  string
	err     error
	closed  bool
}

func (f *fakeRunner) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	f.program, f.args = program, args
	if len(args) == 4 {
		f.script, _ = DecodeCommand(args[3])
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("run: %w", err)
	}
	return []byte(f.stdout), []byte(f.stderr), f.err
}

func (f *fakeRunner) Close() error { f.closed = true; return nil }

// RunInput records a script sent on standard input behind StdinBootstrap.
func (f *fakeRunner) RunInput(ctx context.Context, program string, args []string, stdin []byte) ([]byte, []byte, error) {
	stdout, stderr, err := f.Run(ctx, program, args)
	if f.script == StdinBootstrap {
		f.script = string(stdin)
	}
	return stdout, stderr, err
}

// newHost is New after an inventory of a module whose cmdlets all take -Confirm
// (fullProbe): the update scripts are built from that probe.
func newHost(t testing.TB, r transport.Runner) *Host {
	t.Helper()
	h := New(r, "")
	inv, err := ParseInventory(newFixture(t).output(t), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	h.probe = inv.Cmdlets
	return h
}

func exitErr(code int, stderr string) error {
	return &transport.ExitError{Program: "powershell.exe", Code: code, Stderr: []byte(stderr)}
}

// record is what the scripts' catch block writes for an error.
func record(msg string) string {
	return "AKSHYBRID-ERROR: " + msg + "\r\n" + msg + "\r\nAt line:7 char:1\r\n+ Update-AksHciCertificates\r\n+ ~~~~~~~~~~~~~~~~~~~~~~~~~\r\n" +
		"    + CategoryInfo          : NotSpecified: (:) [Update-AksHciCertificates], Exception\r\n" +
		"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Update-AksHciCertificates\r\n"
}

func TestErrorRecognition(t *testing.T) {
	tests := []struct {
		name        string
		stderr      string
		code        int
		wantMessage string
		wantRemedy  []string
	}{
		{"kva certificate expired", record("Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired"), 1,
			"failed to create azurestackhci session: Certificate has expired: Expired", []string{`.wssd\kvactl\cloudconfig`, "aksArc#146"}},
		{"token required", record("rpc error: code = Unauthenticated desc = Valid Token Required."), 1,
			"Valid Token Required", []string{"mocctl security identity rotate", "cloudlogin.yaml"}},
		// kvactl's token [#169]: the fix is Repair-AksHciCerts, today Update-AksHciCertificates.
		{"kvactl token required", record("[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.]"), 1,
			"failed to create azurestackhci session: rpc error", []string{"Update-AksHciCertificates", "aksArc#169"}},
		{"repair failed", record("failed to repair cluster certificates"), 1, "failed to repair cluster certificates", []string{"API server is down"}},
		{"ca expired (emulator text)", record("the cloud agent CA expired at 2027-01-01T00:00:00Z (emulated time is 2027-01-02T00:00:00Z): no client certificate can be issued"), 1,
			"cloud agent CA expired", []string{"Invoke-AksHciRotateCACertificate", "plan downtime"}},
		{"unknown authority", record("transport: authentication handshake failed: x509: certificate signed by unknown authority"), 1, "unknown authority", []string{"aksArc#160"}},
		{"kubelet x509", record("Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2026-01-01 is after 2025-12-30"), 1,
			"x509", []string{"fix_kubelet_credentials", "Get-AksHciCredential"}},
		{"tags", record("unknown flag: --tags"), 1, "--tags", []string{"versions do not match"}},
		{"module missing", "Import-Module : The specified module 'AksHci' was not loaded because no valid module file was found in any module directory.\r\n", 1,
			"module 'AksHci' was not loaded", []string{"not installed"}},
		{"prompt", record("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."), 1, "NonInteractive", []string{"asked a question"}},
		{"cmd.exe no powershell", "'powershell.exe' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 1,
			"not recognized", []string{"powershell setting"}},
		{"sh no powershell", "sh: 1: powershell.exe: not found\n", 127, "not found", []string{"powershell setting"}},
		{"plain failure", record("something else broke"), 1, "something else broke", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRunner{err: exitErr(tc.code, tc.stderr), stderr: tc.stderr}
			err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v", err, err)
			}
			if !strings.Contains(e.Message, tc.wantMessage) || strings.Contains(e.Message, "AKSHYBRID-ERROR") {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.wantMessage)
			}
			all := strings.Join(e.Remedies, "\n")
			for _, r := range tc.wantRemedy {
				if !strings.Contains(all, r) {
					t.Errorf("remedies %q lack %q", all, r)
				}
			}
			if strings.HasPrefix(tc.name, "kvactl") && strings.Contains(all, "cloudlogin.yaml") {
				t.Errorf("kvactl's token error got the KMS plugin's manual remedy: %q", all)
			}
			if tc.wantRemedy == nil && len(e.Remedies) != 0 {
				t.Errorf("unexpected remedies %q", e.Remedies)
			}
			if !strings.HasPrefix(err.Error(), "Update-AksHciCertificates failed on the host (exit status ") {
				t.Errorf("Error() = %q", err)
			}
			var xerr *transport.ExitError
			if !errors.As(err, &xerr) {
				t.Error("the transport error is not wrapped")
			}
		})
	}
}

func TestErrorDetailsKeepRecord(t *testing.T) {
	f := &fakeRunner{err: exitErr(1, record("boom"))}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	if !strings.Contains(err.Error(), "FullyQualifiedErrorId") || !strings.Contains(err.Error(), ": boom") {
		t.Fatalf("error lacks the record: %v", err)
	}
}

func TestErrorMasksSecrets(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJrbXMiLCJleHAiOjE3OTAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretsecretsecret\nmoremoresecret\n-----END RSA PRIVATE KEY-----"
	b64key := b64("-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n")
	long := strings.Repeat("QUJD", 40)
	stderr := record("login failed with token "+jwt) + key + "\n" + `{"ClientKey":"` + b64key + `"}` + "\n" +
		"password=hunter2 Password: 'p@ss word' secret=abc token: xyz -Password s3cr3t\nAuthorization: Bearer abcdefghijklmnop\n" + long
	f := &fakeRunner{err: exitErr(1, stderr)}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	msg := err.Error()
	for _, secret := range []string{jwt[:40], "secretsecret", "moremoresecret", b64key[:20], "hunter2", "p@ss word", "=abc", "token: xyz", "s3cr3t", "abcdefghijklmnop", long} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows %q:\n%s", secret, msg)
		}
	}
	for _, kept := range []string{"login failed with token", "[redacted"} {
		if !strings.Contains(msg, kept) {
			t.Errorf("error lacks %q:\n%s", kept, msg)
		}
	}
}

func TestErrorTrimmed(t *testing.T) {
	stderr := record("start of the story") + strings.Repeat("noise line with words\n", 2000) + "the very end\n"
	f := &fakeRunner{err: exitErr(1, stderr)}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	msg := err.Error()
	if len(msg) > 4000 || !strings.Contains(msg, "start of the story") || !strings.Contains(msg, "the very end") || !strings.Contains(msg, "characters omitted") {
		t.Fatalf("%d characters:\n%s", len(msg), msg)
	}
}

func TestErrorCLIXML(t *testing.T) {
	stderr := "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
		"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N=\"SourceId\">1</I64></MS></Obj>" +
		"<S S=\"Error\">AKSHYBRID-ERROR: rpc error: code = Unauthenticated desc = Valid Token Required._x000D__x000A_</S>" +
		"<S S=\"Error\">At line:1 char:1 &amp; more_x000D__x000A_</S></Objs>"
	f := &fakeRunner{err: exitErr(1, stderr)}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Message != "rpc error: code = Unauthenticated desc = Valid Token Required." || !strings.Contains(e.Details, "At line:1 char:1 & more") || len(e.Remedies) != 1 {
		t.Fatalf("%#v", e)
	}
	if strings.Contains(err.Error(), "<Obj") || strings.Contains(err.Error(), "_x000D_") {
		t.Fatalf("CLIXML left in %q", err)
	}
}

func TestClusterNotFound(t *testing.T) {
	for stderr, want := range map[string][]string{
		"AKSHYBRID-CLUSTER-NOT-FOUND: [\"alpha\",\"beta\"]\r\n": {"alpha", "beta"},
		"AKSHYBRID-CLUSTER-NOT-FOUND: \"alpha\"\r\n":            {"alpha"},
		"AKSHYBRID-CLUSTER-NOT-FOUND: []\r\n":                   nil,
	} {
		f := &fakeRunner{err: exitErr(3, stderr)}
		err := newHost(t, f).UpdateClusterCertificates(context.Background(), "gone", akshci.ClusterOptions{FixCloudCredentials: true})
		var nf *akshci.ClusterNotFoundError
		if !errors.As(err, &nf) || nf.Name != "gone" || fmt.Sprint(nf.Existing) != fmt.Sprint(want) {
			t.Errorf("%q: got %#v", stderr, err)
		}
	}
	// Exit 3 without the marker is an ordinary failure.
	f := &fakeRunner{err: exitErr(3, "something")}
	err := newHost(t, f).UpdateClusterCertificates(context.Background(), "gone", akshci.ClusterOptions{FixCloudCredentials: true})
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("got %#v", err)
	}
}

func TestConnectionLostDuringUpdate(t *testing.T) {
	lost := fmt.Errorf("ssh: %w to h:22 while powershell.exe was running (EOF)", transport.ErrConnectionLost)
	f := &fakeRunner{err: lost}
	err := newHost(t, f).UpdateClusterCertificates(context.Background(), "demo", akshci.ClusterOptions{FixCloudCredentials: true})
	if !errors.Is(err, transport.ErrConnectionLost) || !strings.Contains(err.Error(), "may or may not have completed") {
		t.Fatalf("got %v", err)
	}
	_, err = New(f, "").Inventory(context.Background())
	if !errors.Is(err, transport.ErrConnectionLost) || strings.Contains(err.Error(), "may or may not have completed") {
		t.Fatalf("inventory: %v", err)
	}
}

func TestLocalPowerShellMissing(t *testing.T) {
	h := New(transport.NewLocal(), "/nonexistent/powershell.exe")
	_, err := h.Inventory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "set the powershell setting") {
		t.Fatalf("got %v", err)
	}
}

// hostErr runs a management update whose powershell.exe exits with code, stderr and stdout, and returns the *Error.
func hostErr(t *testing.T, code int, stderr, stdout string) *Error {
	t.Helper()
	f := &fakeRunner{err: exitErr(code, stderr), stdout: stdout}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *Error", err, err)
	}
	return e
}

// With nothing on stderr, the tail of stdout (its last 1000 characters) is the clue.
func TestErrorFallsBackToTheTailOfStdout(t *testing.T) {
	if e := hostErr(t, 1, "", "WARNING: banner\r\nImport-Module : module AksHci not loaded\r\n"); e.Details != "WARNING: banner\nImport-Module : module AksHci not loaded" {
		t.Errorf("details %q, want stdout", e.Details)
	}
	exactly := strings.Repeat("abc ", 249) + "abcd" // 1000 characters; words, so no secret pattern masks them
	if e := hostErr(t, 1, "", exactly); e.Details != exactly {
		t.Errorf("1000 characters of stdout: details %d characters, starting %q", len(e.Details), e.Details[:3])
	}
	if e := hostErr(t, 1, "", "y"+exactly); e.Details != "…"+exactly {
		t.Errorf("1001 characters of stdout: details %q…, want the last 1000 after an ellipsis", e.Details[:5])
	}
	// A message on stderr: stdout is not shown.
	if e := hostErr(t, 1, record("boom"), "stdout noise"); strings.Contains(e.Details, "stdout noise") || e.Message != "boom" {
		t.Errorf("message %q, details %q", e.Message, e.Details)
	}
}

// Exit 127 (sh) and 9009 (cmd.exe) without the catch block's line mean the shell could not start PowerShell;
// another exit status says nothing of the kind.
func TestErrorShellCouldNotStartPowerShell(t *testing.T) {
	const remedy = "the host could not start \"powershell.exe\""
	for _, tt := range []struct {
		code   int
		stderr string
		want   bool
	}{
		{127, "", true},
		{9009, "", true},
		{1, "", false},
		{127, record("boom"), false},
	} {
		e := hostErr(t, tt.code, tt.stderr, "")
		if got := strings.Contains(strings.Join(e.Remedies, "\n"), remedy); got != tt.want {
			t.Errorf("exit %d, stderr %q: remedy %v, want %v (%v)", tt.code, tt.stderr, got, tt.want, e.Remedies)
		}
	}
}

// excerptN keeps texts of up to n characters whole; a longer one keeps its first three quarters of n and the rest
// from its end, and says how many characters it left out.
func TestExcerptKeepsHeadAndTail(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"abcdefgh", 8, "abcdefgh"},
		{"abcdefghij", 8, "abcdef … [2 characters omitted] … ij"},
		{"ääääöööü", 4, "äää … [4 characters omitted] … ü"},
	} {
		if got := excerptN(tt.in, tt.n); got != tt.want {
			t.Errorf("excerptN(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// A host that colours its error records still has them recognised: control sequences are
// stripped before the catch block's prefix and the known texts are matched.
func TestErrorRecognisedThroughColourCodes(t *testing.T) {
	stderr := "\x1b[31;1mAKSHYBRID-ERROR: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.\x1b[0m\r\n"
	e := hostErr(t, 1, stderr, "")
	if strings.Contains(e.Message, "\x1b") || !strings.HasPrefix(e.Message, "failed to create") || !strings.Contains(strings.Join(e.Remedies, " "), "aksArc#169") {
		t.Errorf("message %q, remedies %q", e.Message, e.Remedies)
	}
}

// A huge output is cut before it is masked, and what is kept is still masked.
func TestExcerptOfHugeOutputIsBoundedAndMasked(t *testing.T) {
	secret := "password=hunter2hunter2"
	big := secret + "\n" + strings.Repeat("noise line of a module that prints without end\n", 200000) + "last line " + secret
	got := excerpt(big)
	if len([]rune(got)) > maxExcerpt+100 || strings.Contains(got, "hunter2") || !strings.Contains(got, "last line") {
		t.Errorf("excerpt of %d bytes: %d characters, %q…", len(big), len([]rune(got)), got[:80])
	}
}

// An update stopped at the output limit ran part of the way: its outcome is unknown.
func TestUpdateStoppedAtTheOutputLimitHasAnUnknownOutcome(t *testing.T) {
	f := &fakeRunner{err: &transport.OutputLimitError{Program: "powershell.exe", Stream: "standard output", Limit: 64 << 20}}
	err := newHost(t, f).UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{})
	if !errors.Is(err, akshci.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "may or may not have completed") || !strings.Contains(err.Error(), "outcome on the host is unknown") {
		t.Fatalf("got %v", err)
	}
}
