// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"context"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// wrapAt breaks text the way a console does at width columns, in the middle of words,
// and indents each continuation line, as PowerShell error records pasted by users show
// ([#160]: "...Hashtable.gener\n  ic_non_zero...", [#371]: "...afte\n r 9 attempts").
func wrapAt(text string, width int) string {
	var b strings.Builder
	r := []rune(text)
	for i := 0; i < len(r); i += width {
		if i > 0 {
			b.WriteString("\r\n" + strings.Repeat(" ", 1+i/width%3))
		}
		b.WriteString(string(r[i:min(i+width, len(r))]))
	}
	return b.String()
}

// The texts below follow the shapes users published (each case names its source); they
// are written for these tests, with placeholder names and addresses.
var realFailureTexts = []struct {
	name, tool, text, code, remedy string
}{
	{"kvactl token [#169]", toolKvactl,
		`C:\Program Files\AksHci\kvactl.exe cluster get --clustername=web-01 --kubeconfig="C:\AksHci\kubeconfig-mgmt" ` +
			`System.Collections.Hashtable.generic_non_zero 1 [Error: failed to get new provider: failed to create azurestackhci ` +
			`session: rpc error: code = Unauthenticated desc = Valid Token Required.]`,
		"kvactl-expired-token", "Update-AksHciCertificates"},
	{"kvactl certificate [#145]", toolKvactl,
		`C:\Program Files\AksHci\kvactl.exe cluster get-upgrades --clustername web-01 --kubeconfig "C:\AksHci\kubeconfig-mgmt" ` +
			`returned a non zero exit code1 [Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired: Expired]`,
		"kvactl-expired-certificate", "aksArc#146"},
	{"mocctl login [#168]", toolMocctl, `exit status 1: System.Collections.Hashtable.generic_non_zero 1 [Error: Certificate has expired: Expired]`,
		"mocctl-login-expired", "Repair-MocLogin"},
	{"KMS plugin token [#127]", toolAny, `2026/08/02 21:27:53 rpc error: code = Unauthenticated desc = Valid Token Required.`,
		"expired-token", "mocctl security identity rotate"},
	{"CAPH token [#107]", toolAny, `"error"="failed to create scope: rpc error: code = Unauthenticated desc = Valid Token Required.\nfailed to create wssd session: login failed`,
		"expired-token", "aksArc#107"},
	{"unknown authority [#160]", toolKvactl,
		`[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unavailable desc = connection error: ` +
			`desc = "transport: authentication handshake failed: x509: certificate signed by unknown authority"]`,
		"untrusted-ca", "aksArc#160"},
	{"tls internal error [#237]", toolAny,
		`Error from server: Get "https://192.0.2.10:10250/containerLogs/kube-system/kube-apiserver-moc-x/kube-apiserver": remote error: tls: internal error`,
		"tls-internal-error", "fix_kubelet_credentials = true and fix_cloud_credentials = true"},
	{"kubeconfig folder missing [#269]", toolKvactl, `Error: open C:\Users\second-admin\.kube\config: The system cannot find the path specified.`,
		"credential-path-missing", "mkdir"},
	{"API server InternalError (host off for days)", toolAny,
		`Error from server (InternalError): an error on the server ("") has prevented the request from succeeding`,
		"server-internal-error", "fix_kubelet_credentials = true"},
	{"OutOfCapacity [#171]", toolKvactl,
		`System.Collections.Hashtable.generic_non_zero1 [Error: failed to create nic lb-x-nic for machinelb-x: unable to create VM network ` +
			`interface: failed to create network interface lb-x-nic in resource group clustergroup-web: rpc error: code = Unknown desc = ` +
			`Location 'MocLocation' doesn't expose any nodes to create VNIC 'lb-x-nic' on: OutOfCapacity]`,
		"out-of-capacity", "Start-Service wssdagent"},
	{"node agent token [#365]", toolAny, `rpc error: code = Unknown desc = Location 'MocLocation' doesn't expose any nodes to create ****`,
		"node-agent-token", "Repair-Moc"},
	{"billing out of policy [#372]", toolAny, `ConnectionStatus : OutOfPolicy`, "out-of-policy", "Sync-AksHciBilling"},
	{"deadline (cloud agent)", toolKvactl,
		`Error: unable to delete group clustergroup-web: failed to delete group clustergroup-web: rpc error: code = DeadlineExceeded desc = context deadline exceeded`,
		"deadline-exceeded", "restart"},
	{"deadline (kvactl) [#154]", toolKvactl, `returned a non zero exit code 1 [Error: failed to patch capi: action failed after 10 attempts: context deadline exceeded]]`,
		"deadline-exceeded", "cloud agent"},
	{"unknown parameter (mixed module versions)", toolAny,
		`New-AksHciCluster : A parameter cannot be found that matches parameter name 'nodePoolName'.` + "\r\n" +
			`    + CategoryInfo          : InvalidArgument: (:) [New-AksHciCluster], ParameterBindingException` + "\r\n" +
			`    + FullyQualifiedErrorId : NamedParameterNotFound,New-AksHciCluster`,
		"unknown-parameter", "Update-Module AksHci"},
	{"no matches for kind [#371]", toolKvactl,
		`System.Collections.Hashtable.generic_non_zero 1 [Error: action failed after 9 attempts: no matches for kind "AksHciCluster" in version "msft.microsoft/v1"]`,
		"no-matches-for-kind", "aksArc#371"},
	{"2020 cloudconfig [#47]", toolAny, `Copy-Item : Cannot find path '\\NODE1\C$\Users\labadmin\.wssd\cloudconfig' because it does not exist.`,
		"cloudconfig-missing", "aksArc#47"},
	{"2020 cloudconfig [#43]", toolAny, `uninstall-akshci exception caught - unable to locate a valid cloudconfig access file`,
		"cloudconfig-missing", "account that installed"},
	{"second hop (Kerberos, key logon)", toolAny,
		`New-PSSession : [node2] Connecting to remote server node2 failed with the following error message : WinRM cannot process the request. ` +
			`The following error with errorcode 0x8009030e occurred while using Kerberos authentication: A specified logon session does not exist. ` +
			`It may already have been terminated.`,
		"no-logon-session", "second hop"},
	{"Moc remoting self-test [#84]", toolAny, `Powershell remoting to NODE1 was not successful.`, "remoting-failed", "password authentication"},
	{"release expired", toolKvactl, `A release with version 1.0.3.10818 was NOT FOUND.`, "release-not-found", "Uninstall-AksHci"},
	{"workload cluster not found", toolKvactl, `A workload cluster with the name 'web-01' was not found.`, "cluster-not-found", "Get-AksHciCluster"},
	{"KMS plugin stopped", toolAny, `Transport: Error while dialing dial unix /var/run/moc-kms-plugin/kmsPlugin.sock: connect: no such file or directory`,
		"kms-plugin-down", "Update-AksHciCertificates"},
	{"prompt under -NonInteractive", toolAny,
		`Update-AksHciCertificates : Exception calling "ShouldProcess" with "1" argument(s): "Windows PowerShell is in NonInteractive mode. ` +
			`Read and Prompt functionality is not available."`,
		"prompt", "-Confirm:$false"},
	{"update in progress [#152]", toolAny, `[AksHci] Update is already in progress. Please wait ...,`, "update-in-progress", "installState"},
}

// Every text of the list is recognised as its family, whole or wrapped by a console at
// 80 or 120 columns, and gets its remedy.
func TestRealFailureTextsAreRecognisedWrappedOrNot(t *testing.T) {
	for _, tc := range realFailureTexts {
		for _, width := range []int{0, 120, 80, 37} {
			text := tc.text
			if width > 0 {
				text = wrapAt(tc.text, width)
			}
			f, ok := classify(text, tc.tool)
			if !ok || f.code != tc.code {
				t.Errorf("%s (wrapped at %d): classified %q (%v), want %q", tc.name, width, f.code, ok, tc.code)
				continue
			}
			if !strings.Contains(f.remedy, tc.remedy) {
				t.Errorf("%s: remedy %q lacks %q", tc.name, f.remedy, tc.remedy)
			}
		}
	}
}

// Through a failed source, the reason carries the family's code and what to run; an
// unknown text keeps the host's words (masked) and says it is unknown.
func TestFailureReasonNamesTheFamilyOrSaysUnknown(t *testing.T) {
	got := failureReason(&DocFailure{Code: CodeExit, Message: wrapAt(realFailureTexts[2].text, 50)}, toolMocctl, "")
	if !strings.HasPrefix(got, "mocctl-login-expired: ") || !strings.Contains(got, "Remedy: ") || !strings.Contains(got, "Repair-MocLogin") {
		t.Errorf("mocctl's expired login: %q", got)
	}
	unknown := failureReason(&DocFailure{Code: CodeExit, Message: "exit status 7: the flux capacitor token eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln is bent"}, toolMocctl, "")
	if !strings.HasPrefix(unknown, "exit: ") || !strings.Contains(unknown, "unknown error") || !strings.Contains(unknown, "flux capacitor") ||
		strings.Contains(unknown, "eyJhbGciOiJSUzI1NiJ9") || strings.Contains(unknown, "Remedy") {
		t.Errorf("unknown text: %q, want it kept masked and called unknown", unknown)
	}
	// "Unauthenticated" used to be coded denied ("run as the installer"), a wrong remedy
	// for an expired token; "does not exist" used to be coded not-found.
	for _, tc := range []struct{ text, not string }{
		{realFailureTexts[0].text, "denied"},
		{realFailureTexts[18].text, "not-found"},
		{realFailureTexts[20].text, "not-found"},
	} {
		if r := failureReason(&DocFailure{Code: CodeExit, Message: tc.text}, toolKvactl, ""); strings.HasPrefix(r, tc.not) {
			t.Errorf("%q coded %s: %q", tc.text, tc.not, r)
		}
	}
	// mocctl's null (no such identity) reads as not found.
	if r := failureReason(&DocFailure{Code: CodeEmpty}, toolMocctl, ""); !strings.HasPrefix(r, "not-found: ") {
		t.Errorf("empty answer: %q, want not-found", r)
	}
}

// A failed update cmdlet gets the remedies of every family in its text, also when the
// console wrapped it; the kvactl families hide the general ones they make redundant.
func TestHostErrorRemediesForWrappedTexts(t *testing.T) {
	text := wrapAt(realFailureTexts[0].text, 80)
	e := hostErr(t, 1, record(text), "")
	all := strings.Join(e.Remedies, "\n")
	if !strings.Contains(all, "aksArc#169") || strings.Contains(all, "cloudlogin.yaml") {
		t.Errorf("kvactl's token, wrapped: remedies %q", all)
	}
	e = hostErr(t, 1, record("something nobody documented"), "")
	if len(e.Remedies) != 0 {
		t.Errorf("unknown text got remedies %q", e.Remedies)
	}
}

// mocctl prints the lifetime fields through moc's generic-map printer: as YAML floats
// [moc pkg/config/config.go]; JSON, integers and null must read too.
func TestParseIdentityFieldsReadsMocctlNumbers(t *testing.T) {
	for printed, want := range map[string]identityFields{
		"- 7.776e+06\r\n- 90\r\n- false\r\n": {lifetime: 7776000},
		"- 7776000\n- 90\n- true\n":          {lifetime: 7776000, revoked: true},
		"[7.776e+06, 90, false]":             {lifetime: 7776000},
		`["7776000","90","true"]`:            {lifetime: 7776000, revoked: true},
		"null\n":                             {},
		"[]":                                 {},
		"- null\n- null\n- null\n":           {},
		"- 1.5\n":                            {},
		"- -3\n":                             {},
		"garbage":                            {},
	} {
		if got := parseIdentityFields(printed); got != want {
			t.Errorf("parseIdentityFields(%q) = %+v, want %+v", printed, got, want)
		}
	}
}

// The KMS token's reason quotes mocctl's float lifetime as seconds.
func TestParseInventoryQuotesTheFloatLifetime(t *testing.T) {
	f := newFixture(t)
	f.zeta()["kmsToken"] = map[string]any{"exp": nil, "failure": failure("empty", "")}
	zeta, _ := f.parse(t).Cluster("zeta")
	k := cred(t, zeta.Credentials, "KMS token")
	if k.Known() || !strings.HasPrefix(k.UnknownReason, "not-found") || !strings.Contains(k.UnknownReason, "tokenexpiryinseconds = 7776000") {
		t.Errorf("KMS token reason %q: want not-found (mocctl printed null), quoting the lifetime 7776000", k.UnknownReason)
	}
}

// The host keeps the probe of its last inventory; without one it reads the inventory
// before it builds an update script, so the script knows whether to pass -Confirm:$false.
func TestHostProbesBeforeTheFirstUpdate(t *testing.T) {
	f := &fakeRunner{stdout: string(newFixture(t).output(t))}
	h := New(f, "")
	h.nonce = func() (string, error) { return testNonce, nil }
	if err := h.UpdateManagementCertificates(context.Background(), akshci.ManagementOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.script, "Update-AksHciCertificates -Confirm:$false") {
		t.Errorf("script after probing a module that takes -Confirm:\n%s", f.script)
	}
	if h.probe == nil || !h.probe.Management.Confirm {
		t.Errorf("probe not kept: %+v", h.probe)
	}
}
