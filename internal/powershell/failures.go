// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"strconv"
	"strings"
	"unicode"
)

// A real host prints its failures as text: cmdlet exceptions, kvactl and mocctl
// messages wrapped by the AksHci module ("System.Collections.Hashtable.generic_non_zero
// 1 [Error: ...]" [#169], [#160]), kubectl errors. The families below are the texts users
// published, each with what it means and what to run. A text is matched after squeezing
// out every space and line break and ignoring case, because a console wraps long lines
// at its width, in the middle of a word and with indentation ([#160] as pasted shows
// "...Hashtable.gener\n  ic_non_zero..."). Anything else is kept as the host's masked
// text and said to be unknown: never guessed.

// Tools that print the texts, for families that mean something only from one of them.
const (
	toolAny    = ""
	toolKvactl = "kvactl" // Get-AksHciCluster, Get-AksHciCredential and the update cmdlets run it [#160], [#145]
	toolMocctl = "mocctl"
)

// failureFamily is one known family of failure texts.
type failureFamily struct {
	// code names the family in reasons and tests, e.g. "expired-token".
	code string
	// any lists alternative phrase sequences: the family matches when every phrase of one
	// sequence appears in the text, in order (spaces, line breaks and case ignored).
	any [][]string
	// tool, when set, limits the family to texts printed by that tool.
	tool string
	// meaning says in a few words what happened; remedy says what to run (a whole
	// sentence, shown as "Remedy: ...").
	meaning, remedy string
	// hides lists the codes of more general families this one makes redundant.
	hides []string
}

// failureFamilies are ordered from the most specific to the most general: the first
// match classifies a per-source failure; every match (minus those hidden) gives a
// remedy for a failed cmdlet.
var failureFamilies = []failureFamily{
	// kvactl's lockouts, as Get-AksHciCluster and the update cmdlets print them through
	// the Kva module ("...generic_non_zero 1 [Error: failed to get new provider: failed to
	// create azurestackhci session: ..."): [#169], [#146], [#145], [#160].
	{code: "kvactl-expired-token", tool: toolKvactl,
		any:     [][]string{{"failed to create azurestackhci session", "Unauthenticated", "Valid Token Required"}, {"failed to create azurestackhci session", "Valid Token Required"}},
		meaning: "kvactl's certificate and its login token have both expired (a lockout)",
		remedy: "kvactl's certificate and its login token have both expired, so every kvactl-backed cmdlet (Get-AksHciCluster, " +
			"Get-AksHciCredential, Update-AksHciClusterCertificates) fails. Run Update-AksHciCertificates (formerly " +
			"Repair-AksHciCerts; apply akshybrid_management_certificates first), then apply again (aksArc#169).",
		hides: []string{"expired-token"}},
	{code: "kvactl-expired-certificate", tool: toolKvactl,
		any:     [][]string{{"failed to create azurestackhci session", "Certificate has expired"}},
		meaning: "kvactl's client certificate has expired and cannot be renewed, only replaced by a new login",
		remedy: "kvactl's client certificate expired before it was renewed; an expired certificate cannot be renewed, only " +
			"replaced by logging in again with a valid token. Delete kvactl's access file on the node that runs the cmdlets " +
			"(%UserProfile%\\.wssd\\kvactl\\cloudconfig, or kvactl\\cloudconfig under the configured directory " +
			"(Get-AksHciConfig).Moc.accessFileDirPath), then apply again (aksArc#146, aksArc#145).",
		hides: []string{"expired-certificate"}},
	// mocctl's own 60-day login [#168]: the module prints it as
	// "System.Collections.Hashtable.generic_non_zero 1 [Error: Certificate has expired: Expired]".
	{code: "mocctl-login-expired", tool: toolMocctl,
		any:     [][]string{{"Certificate has expired"}},
		meaning: "mocctl's own login has expired (its 60-day certificate is renewed only when mocctl runs)",
		remedy: "mocctl's client certificate (60 days, renewed only when mocctl is used) has expired. Run Repair-MocLogin on " +
			"the node, then plan again (aksArc#168).",
		hides: []string{"expired-certificate"}},
	{code: "expired-certificate",
		any:     [][]string{{"Certificate has expired: Expired"}},
		meaning: "a client's MOC certificate has expired and cannot be renewed, only replaced by a new login",
		remedy: "a client's MOC certificate expired before it was renewed, and an expired certificate cannot be renewed, only " +
			"replaced by logging in again with a valid token. If kvactl reports it (\"failed to create azurestackhci session\"), " +
			"delete %UserProfile%\\.wssd\\kvactl\\cloudconfig on the node and apply again (aksArc#146); if mocctl reports it, run " +
			"Repair-MocLogin (aksArc#168)."},
	// "rpc error: code = Unauthenticated desc = Valid Token Required." from the KMS plugin
	// [#127], CAPH [#107] and others.
	{code: "expired-token",
		any:     [][]string{{"Valid Token Required"}},
		meaning: "a client's certificate and its login token have both expired (a lockout)",
		remedy: "a client's certificate and its login token have both expired, so it can no longer log in to the cloud agent. " +
			"Issue a new token with mocctl security identity rotate --name <identity> --encode=false --cloudFqdn " +
			"(Get-AksHciConfig).Moc.cloudfqdn (for a KMS plugin, copy the output to /opt/wssd/k8s/cloudlogin.yaml on the " +
			"control-plane VM and restart the kms-plugin container), then apply again (aksArc#127, aksArc#107)."},
	{code: "repair-failed",
		any:     [][]string{{"failed to repair cluster certificates"}},
		meaning: "the management cluster's API server is down, so its certificates cannot be repaired from the host",
		remedy: "the management cluster's API server is down, so its certificates cannot be repaired from the host; this " +
			"follows a locked-out KMS plugin: restore its login first (mocctl security identity rotate for the KMS plugin, see " +
			"aksArc#127), then apply again."},
	// The KMS plugin's socket is gone when the plugin stopped on an expired token
	// [d:known-issues.yml].
	{code: "kms-plugin-down",
		any:     [][]string{{"kmsPlugin.sock", "no such file or directory"}},
		meaning: "the KMS plugin has stopped (its token expired)",
		remedy: "the KMS plugin has stopped, which follows an expired token: run Update-AksHciCertificates (formerly " +
			"Repair-AksHciCerts) for the management cluster, or Update-AksHciClusterCertificates -fixCloudCredentials for a " +
			"workload cluster, then apply again (AKS hybrid known issues)."},
	{code: "ca-expired",
		any:     [][]string{{"cloud agent CA", "expired"}, {"CA certificate has expired"}, {"CA has expired"}},
		meaning: "the cloud agent CA has expired",
		remedy: "the cloud agent CA (valid 365 days) has expired: nothing can be issued or renewed until it is rotated with " +
			"Invoke-AksHciRotateCACertificate, which is disruptive (every client loses contact with the cloud agent while it " +
			"runs), so plan downtime."},
	// kvactl's TLS handshake with the cloud agent fails when an access file holds another
	// CA, seen for accounts other than the installer's [#160], [d:known-issues-security.yml].
	{code: "untrusted-ca",
		any:     [][]string{{"certificate signed by unknown authority"}},
		meaning: "an access file does not trust the current cloud agent CA",
		remedy: "a client's access file does not trust the current cloud agent CA: run as the account that installed AKS " +
			"hybrid; otherwise delete kvactl's access file (%UserProfile%\\.wssd\\kvactl\\cloudconfig), run " +
			"Update-AksHciCertificates, and check with Get-AksHciCluster (aksArc#160)."},
	{code: "kubernetes-certificates-expired",
		any:     [][]string{{"x509: certificate has expired or is not yet valid"}},
		meaning: "the cluster's 4-day Kubernetes control-plane certificates have expired",
		remedy: "Kubernetes control-plane certificates (4-day lifetime) have expired, for example after the cluster's VMs were " +
			"off for more than 4 days: set fix_kubelet_credentials = true (Update-AksHciClusterCertificates " +
			"-fixKubeletCredentials), apply, then fetch a new kubeconfig with Get-AksHciCredential (aksArc#233)."},
	// kubectl against a kubelet (:10250): "Error from server: Get \"https://<ip>:10250/
	// containerLogs/...\": remote error: tls: internal error" [#237]. The fix is
	// -fixCloudCredentials (stale CertManager tokens); the published TSG says
	// -fixKubeletCredentials then Get-AksHciCredential [d:known-issues-security.yml].
	{code: "tls-internal-error",
		any:     [][]string{{"tls: internal error"}},
		meaning: "a kubelet endpoint refuses TLS: the cluster's CertManager tokens or kubelet certificates went stale",
		remedy: "kubelet endpoints (kubectl logs, exec) answer \"remote error: tls: internal error\" after a cluster went 60 days " +
			"without an update and restarted. The sources give two fixes: -fixKubeletCredentials then Get-AksHciCredential " +
			"(the published troubleshooting page) and -fixCloudCredentials (aksArc#237); run both, kubelet first " +
			"(fix_kubelet_credentials = true and fix_cloud_credentials = true), then apply again."},
	// "Error from server (InternalError): an error on the server (\"\") has prevented the
	// request from succeeding" after the AKS host was off for several days
	// [d:known-issues-workload-clusters.yml].
	{code: "server-internal-error",
		any:     [][]string{{"Error from server (InternalError)"}},
		meaning: "the cluster's API server cannot serve requests, as after its VMs were off for more than 4 days",
		remedy: "the API server answered InternalError, which the documentation lists after the AKS host was off for several " +
			"days (certificates rotate every 4 days): renew the control-plane certificates (fix_kubelet_credentials = true, " +
			"formerly Repair-AksHciClusterCerts -fixKubeletCredentials), then apply again."},
	// "Error: open C:\Users\<user>\.kube\config: The system cannot find the path
	// specified." [#269], [d:known-issues-security.yml].
	{code: "credential-path-missing",
		any:     [][]string{{".kube", "cannot find the path specified"}},
		meaning: "Get-AksHciCredential could not write the kubeconfig: the folder it writes into does not exist",
		remedy: "Get-AksHciCredential writes into an existing folder and fails with \"cannot find the path specified\" when it " +
			"is missing, for example %USERPROFILE%\\.kube of an account other than the installer's: create it (mkdir " +
			"\"$HOME\\.kube\") and run again (aksArc#269). The provider's own scripts create a private folder first."},
	// The 2020 releases kept one access file, %USERPROFILE%\.wssd\cloudconfig, and copied
	// it between nodes: "Cannot find path '\\<node>\C$\Users\<user>\.wssd\cloudconfig'
	// because it does not exist." [#47], [#93]; "unable to locate a valid cloudconfig access
	// file" [#43]; "could not read cloudconfig file: open cloudconfig: The system cannot find
	// the file specified." [#51].
	{code: "cloudconfig-missing",
		any: [][]string{{".wssd", "cloudconfig", "does not exist"}, {"unable to locate a valid cloudconfig"},
			{"could not read cloudconfig file"}},
		meaning: "a MOC access file (cloudconfig) the module expects is missing for this account",
		remedy: "the AksHci module could not find a MOC access file (cloudconfig) for this account or node: the access " +
			"files belong to the account that installed AKS hybrid (the 2020 releases kept one file, " +
			"%USERPROFILE%\\.wssd\\cloudconfig, and copied it to every node: aksArc#47, aksArc#43). Run the provider as that " +
			"account, and check (Get-AksHciConfig).Moc.accessFileDirPath and Set-AksHciConfig on each node."},
	// Moc's remoting self-test over an SSH session: "Powershell remoting to <node> was not
	// successful." [#84], its cause swallowed [#211]; also after a changed security token
	// or password [d:known-issues-installation.yml].
	{code: "remoting-failed",
		any:     [][]string{{"Powershell remoting to", "was not successful"}},
		meaning: "the module's PowerShell remoting to a node failed (an SSH key logon has no credentials for it)",
		remedy: "the AksHci/Moc module remotes to the cluster nodes, and that failed. A session opened with an SSH key has no " +
			"network credentials for it (aksArc#84); use password authentication for the SSH user or run the provider on " +
			"the node, see the section \"Logon type: the second hop\" of the guide \"Connecting to an AKS hybrid host\". After a password or " +
			"group change, log off and on (AKS hybrid known issues)."},
	// WinRM's Kerberos error in a network logon: "...errorcode 0x8009030e occurred while
	// using Kerberos authentication: A specified logon session does not exist." (Win32-OpenSSH
	// #2100, with key authentication; works with a password).
	{code: "no-logon-session",
		any:     [][]string{{"A specified logon session does not exist"}, {"0x8009030e"}},
		meaning: "the session holds no network credentials (a key-authenticated SSH logon), and the cmdlet reached another node",
		remedy: "the cmdlet needed credentials for another node, and the session has none: Windows OpenSSH with key " +
			"authentication gives a network logon (type 3) without credentials. Use password authentication for the SSH " +
			"user, or run the provider on the node itself; see the section \"Logon type: the second hop\" of the guide " +
			"\"Connecting to an AKS hybrid host\"."},
	// "A release with version 1.0.3.10818 was NOT FOUND." from Get-AksHciCluster while
	// Get-AksHciVersion shows that version: the installed build has expired
	// [d:known-issues-workload-clusters.yml].
	{code: "release-not-found",
		any:     [][]string{{"release", "was NOT FOUND"}},
		meaning: "the installed AKS hybrid release has expired (its release metadata is no longer served)",
		remedy: "the installed AKS hybrid build is no longer supported, so its release is not found although " +
			"Get-AksHciVersion shows it: the documented fix is to move to a current build (Uninstall-AksHci, then install " +
			"the current release). Nothing the provider runs can repair it."},
	// "A workload cluster with the name '<c>' was not found." [d:known-issues-workload-clusters.yml],
	// [d:known-issues.yml].
	{code: "cluster-not-found",
		any:     [][]string{{"workload cluster", "was not found"}},
		meaning: "the host found no workload cluster of that name",
		remedy: "the host found no workload cluster of that name: check the name with Get-AksHciCluster and the provider " +
			"settings. If the cluster does exist, two deployments may share overlapping IP address pools, so the API " +
			"reached the wrong cluster (AKS hybrid known issues)."},
	// "...Location 'MocLocation' doesn't expose any nodes to create VNIC '<nic>' on:
	// OutOfCapacity]" when the node agent did not start after an OS update [#171],
	// [d:known-issues-upgrade.yml].
	{code: "out-of-capacity",
		any:     [][]string{{"OutOfCapacity"}},
		meaning: "the cloud agent sees no running node agent in its location (MocLocation)",
		remedy: "the cloud agent sees no node it can place resources on: the node agent (wssdagent) is not running on the " +
			"nodes, as after an OS update. Start it on every node (Start-Service wssdagent, for example through " +
			"Invoke-Command on each Get-ClusterNode); if it stays in Starting its token has expired, and Repair-Moc fixes " +
			"that (aksArc#171, aksArc#365).",
		hides: []string{"node-agent-token"}},
	{code: "node-agent-token",
		any:     [][]string{{"doesn't expose any nodes"}},
		meaning: "the node agent's token expired and it could not join the cloud agent again",
		remedy: "the node agent (wssdagent) restarted with an expired token and cannot join the cloud agent: on each node " +
			"kill the wssdagent process, make sure the cloud agent cluster group runs (Start-ClusterGroup -Name " +
			"(Get-MocConfig).clusterRoleName), run Repair-Moc, then apply again (aksArc#365)."},
	// Billing out of policy (Get-AksHciBillingStatus ConnectionStatus OutOfPolicy):
	// [#372], [#120], [d:known-issues-upgrade.yml].
	{code: "out-of-policy",
		any:     [][]string{{"OutOfPolicy"}},
		meaning: "the deployment is out of its billing policy (not synchronised with Azure)",
		remedy: "the AKS hybrid deployment is out of its billing policy (Get-AksHciBillingStatus), which limits workload " +
			"cluster operations: run Sync-AksHciBilling; if it reports success but the status stays OutOfPolicy, delete the " +
			"billing-manager pod in the azure-arc namespace of the management cluster and sync again (aksArc#372). The " +
			"documentation gives a redeployment as the only fix when no workload cluster was created within 60 days."},
	// "rpc error: code = DeadlineExceeded desc = context deadline exceeded" from the cloud
	// agent [d:known-issues.yml], [d:known-issues-workload-clusters.yml]; kvactl's
	// "action failed after 10 attempts: context deadline exceeded" [#154].
	{code: "deadline-exceeded",
		any:     [][]string{{"context deadline exceeded"}, {"DeadlineExceeded"}},
		meaning: "a call to the cloud agent or an API server did not answer in time",
		remedy: "a call to the cloud agent or a cluster's API server did not answer in time (\"context deadline exceeded\"). " +
			"The documented fix for a stuck cloud agent is to restart it (its cluster group, Get-ClusterGroup " +
			"(Get-MocConfig).clusterRoleName); check also that the cluster's VMs are up, then plan again."},
	// PowerShell's own binding error: "A parameter cannot be found that matches parameter
	// name '<p>'." (FullyQualifiedErrorId NamedParameterNotFound), as with mixed module
	// versions [d:known-issues-workload-clusters.yml].
	{code: "unknown-parameter",
		any:     [][]string{{"A parameter cannot be found that matches parameter name"}, {"NamedParameterNotFound"}},
		meaning: "the host's AksHci module does not take a parameter the call passed (a module version mismatch)",
		remedy: "the host's AksHci module does not take a parameter that was passed: its version differs from the one the " +
			"call was written for (on a multi-node cluster, the nodes may run different module versions). Update the AksHci " +
			"module on every node (Update-Module AksHci); the provider probes the parameter sets before it runs a cmdlet, so " +
			"if this still happens, report the module version."},
	// kvactl: "no matches for kind \"AksHciCluster\" in version \"msft.microsoft/v1\""
	// [#371] (no published fix).
	{code: "no-matches-for-kind",
		any:     [][]string{{"no matches for kind"}},
		meaning: "the management cluster lacks a resource type the AksHci module uses (a partial upgrade)",
		remedy: "kvactl cannot find a resource type (such as AksHciCluster, msft.microsoft/v1) in the management cluster, " +
			"which points at a management cluster that is broken or only partly upgraded (aksArc#371). No fix is published: " +
			"check Get-AksHciVersion and Update-AksHci, and contact Microsoft support."},
	{code: "tags-flag",
		any:     [][]string{{"unknown flag: --tags"}},
		meaning: "the AksHci module and kvactl versions do not match",
		remedy:  "the AksHci module and kvactl versions do not match (aksArc#145): update the AksHci module on the node."},
	// "[AksHci] Update is already in progress. Please wait ..." with a stale installState [#152].
	{code: "update-in-progress",
		any:     [][]string{{"Update is already in progress"}},
		meaning: "the module believes an update is still running",
		remedy: "the AksHci module believes an update is still running; if none is (a failed update left installState " +
			"behind), the workaround in aksArc#152 resets it with Set-AksHciConfigValue -name installState. Renewals wait " +
			"until it is cleared."},
	{code: "module-missing",
		any:     [][]string{{"module 'AksHci' was not loaded"}, {"no valid module file was found"}},
		meaning: "the AksHci PowerShell module is not installed for this account",
		remedy: "the AksHci PowerShell module is not installed for this user on the host: install it, or point the " +
			"powershell setting at the PowerShell that has it."},
	{code: "cmdlet-missing",
		any:     [][]string{{"'Update-AksHciCertificates' is not recognized"}, {"'Update-AksHciClusterCertificates' is not recognized"}},
		meaning: "the host's AksHci module is older than the update cmdlets",
		remedy: "the AksHci module on the host is too old: Update-AksHciCertificates exists since the May 2022 release. " +
			"Update the module."},
	// PowerShell under -NonInteractive, for any prompt: "(Windows) PowerShell is in
	// NonInteractive mode. Read and Prompt functionality is not available.", from
	// ShouldProcess as "Exception calling \"ShouldProcess\" ..." (PowerShell/PowerShell
	// #17786, #3337; the English text; it is localized on other UI cultures).
	{code: "prompt",
		any:     [][]string{{"NonInteractive mode"}, {"Read and Prompt functionality is not available"}, {"Exception calling \"ShouldProcess\""}},
		meaning: "the cmdlet asked a question, which an unattended run cannot answer",
		remedy: "the cmdlet asked a question, which an unattended run cannot answer. The provider passes -Confirm:$false to " +
			"every cmdlet that takes it, so this is another prompt (a mandatory parameter, or the module's own question): " +
			"run the cmdlet once by hand on the host to see it, and report the module version."},
	{code: "denied",
		any:     [][]string{{"Access is denied"}, {"Access to the path", "is denied"}, {"UnauthorizedAccess"}, {"PermissionDenied"}},
		meaning: "the session's account may not do this",
		remedy: "the account the provider runs as may not do this: run as the account that installed AKS hybrid or an " +
			"administrator, in an elevated session (the AksHci module requires one)."},
}

// squeeze lowercases s and drops every space and line break, so that console wrapping
// and indentation cannot hide a phrase.
func squeeze(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !unicode.IsSpace(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// matches reports whether the squeezed text holds one of the family's phrase sequences.
func (f failureFamily) matches(squeezed, tool string) bool {
	if f.tool != toolAny && f.tool != tool {
		return false
	}
	for _, seq := range f.any {
		rest, ok := squeezed, true
		for _, p := range seq {
			i := strings.Index(rest, squeeze(p))
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(squeeze(p)):]
		}
		if ok {
			return true
		}
	}
	return false
}

// recognise returns every family the text belongs to, for a text printed by tool
// (toolAny when the printer is not known: then tool-specific families match only
// through their general kin), in table order, without the families a more specific
// match hides.
func recognise(text, tool string) []failureFamily {
	s := squeeze(text)
	var found []failureFamily
	hidden := map[string]bool{}
	for _, f := range failureFamilies {
		if !f.matches(s, tool) {
			continue
		}
		found = append(found, f)
		for _, h := range f.hides {
			hidden[h] = true
		}
	}
	out := found[:0]
	for _, f := range found {
		if !hidden[f.code] {
			out = append(out, f)
		}
	}
	return out
}

// classify returns the most specific family of a text, if any.
func classify(text, tool string) (failureFamily, bool) {
	if fs := recognise(text, tool); len(fs) > 0 {
		return fs[0], true
	}
	return failureFamily{}, false
}

// remedies returns the documented remedies for every known family in text.
func remedies(text string) []string {
	var out []string
	for _, f := range recognise(text, toolKvactl) {
		out = append(out, f.remedy)
	}
	return out
}

// failureReason says why a source failed, for a credential's UnknownReason: the code and
// its meaning; for a program or cmdlet that failed with a known text, that text's family
// (its code, meaning and remedy) instead; for an unknown text, that it is unknown, with
// the host's masked text. detail, when set, adds where the source is.
func failureReason(f *DocFailure, tool, detail string) string {
	var b strings.Builder
	fams := recognise(f.Message, tool)
	switch {
	case len(fams) > 0 && f.Code != CodeNotFound && f.Code != CodeEmpty && f.Code != CodeSkipped:
		b.WriteString(fams[0].code + ": " + fams[0].meaning)
	case f.Code == CodeExit || f.Code == CodeException || f.Code == CodeNotStarted:
		b.WriteString(f.Code + ": " + codeMeaning[f.Code])
		if strings.TrimSpace(f.Message) != "" {
			b.WriteString(" with an error the provider does not know (unknown error)")
		}
		fams = nil
	case f.Code == CodeEmpty:
		// mocctl prints null for an identity it does not have: that is a missing source.
		b.WriteString(CodeNotFound + ": " + codeMeaning[CodeEmpty])
		fams = nil
	default:
		b.WriteString(f.Code + ": " + codeMeaning[f.Code])
		fams = nil
	}
	if detail != "" {
		b.WriteString(" (" + detail + ")")
	}
	if t := strings.TrimSpace(f.Message); t != "" {
		b.WriteString("; the host said: " + quotedText(t))
	}
	for _, fam := range fams {
		b.WriteString("\nRemedy: " + fam.remedy)
	}
	return b.String()
}

// quotedText is a host text for a reason: masked, whitespace collapsed, bounded.
func quotedText(s string) string {
	return strconv.Quote(excerptN(mask(strings.Join(strings.Fields(s), " ")), MaxErrorText))
}
