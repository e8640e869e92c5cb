// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"fmt"
	"sort"
	"strings"
)

// CmdletProbe is what the host's AksHci module says about the cmdlets the provider runs
// (Get-Command, aliases resolved): in module 1.1.59 and 1.1.60 the two update cmdlets are
// aliases of the Repair-AksHci* functions [gallery-psm1], whose documented parameters
// differ from the Update-* reference pages, so the provider asks the host instead of
// assuming.
type CmdletProbe struct {
	// ModuleVersion is (Get-Module AksHci).Version; empty when unknown.
	ModuleVersion string
	// Management, Cluster, RotateCA and Credential describe Update-AksHciCertificates,
	// Update-AksHciClusterCertificates, Invoke-AksHciRotateCACertificate and
	// Get-AksHciCredential.
	Management CmdletParameters
	Cluster    CmdletParameters
	RotateCA   CmdletParameters
	Credential CmdletParameters
}

// CmdletParameters is one cmdlet as the host resolves it.
type CmdletParameters struct {
	// Found is false when Get-Command did not find the cmdlet.
	Found bool
	// Target is the command an alias resolves to (e.g. Repair-AksHciClusterCerts).
	Target string
	// Sets are the cmdlet's parameter sets, common parameters left out. Empty when the
	// probe saw none: then nothing is known and nothing is refused.
	Sets []ParameterSet
	// Confirm is true when the cmdlet takes -Confirm (it supports ShouldProcess): it may
	// ask "Are you sure?", which a non-interactive session answers with an error, so the
	// host passes -Confirm:$false. ConfirmImpact is the impact it declares ("High" asks by
	// default); empty when unknown.
	Confirm       bool
	ConfirmImpact string
}

// ParameterSet is one parameter set: each parameter's lowercase name and whether the set
// makes it mandatory.
type ParameterSet struct {
	Name       string
	Parameters map[string]bool
}

// Has reports whether some parameter set of the cmdlet takes the named parameter
// (case-insensitive, as in PowerShell); name is given in lowercase.
func (p CmdletParameters) Has(name string) bool {
	for _, s := range p.Sets {
		if _, ok := s.Parameters[name]; ok {
			return true
		}
	}
	return false
}

// binds reports whether a call passing exactly params (lowercase names) binds to some
// parameter set: the set takes every one of them and none of its mandatory parameters is
// missing (PowerShell would otherwise prompt for it, which a non-interactive session
// cannot answer). With no sets known, every call binds. missing returns, for the set
// that takes every parameter and lacks the fewest mandatory ones, what it still needs.
func (p CmdletParameters) binds(params []string) (ok bool, missing []string) {
	if len(p.Sets) == 0 {
		return true, nil
	}
	given := map[string]bool{}
	for _, n := range params {
		given[n] = true
	}
	best := -1
	for _, s := range p.Sets {
		takesAll := true
		for _, n := range params {
			if _, ok := s.Parameters[n]; !ok {
				takesAll = false
				break
			}
		}
		if !takesAll {
			continue
		}
		var need []string
		for n, mandatory := range s.Parameters {
			if mandatory && !given[n] {
				need = append(need, n)
			}
		}
		if len(need) == 0 {
			return true, nil
		}
		if best < 0 || len(need) < best {
			sort.Strings(need)
			best, missing = len(need), need
		}
	}
	return false, missing
}

// UpgradeAdvice is what the provider tells a user whose module lacks a switch. The first
// module release with -patchLoadBalancer is not public: the switch appears in the 2023
// documentation [d:update-certificates.md] and not on the reference pages, and
// Update-AksHciCertificates exists since the May 2022 release
// [d:certificates-update-after-sixty-days.md]. Naming "the current release" is therefore
// the only version the sources support (inferred).
const UpgradeAdvice = "upgrade the AksHci PowerShell module on the host to the current release " +
	"(Update-Module AksHci, then Update-AksHci; the switch is documented from the 2023 releases on, and the first " +
	"module version that has it is not published)"

// Setting names an option of a renewal for messages: the provider maps it to its
// attribute name (akshci speaks no configuration language).
type Setting string

// The renewal options a probe can refuse (option names, not credentials).
//
//nolint:gosec // G101 reads "credentials" in the names as a secret
const (
	SettingForce                 Setting = "force"
	SettingFixCloudCredentials   Setting = "fix_cloud_credentials"
	SettingFixKubeletCredentials Setting = "fix_kubelet_credentials"
	SettingPatchLoadBalancer     Setting = "patch_load_balancer"
)

// CmdletError reports a renewal the host's module cannot run as configured: a cmdlet it
// does not have, a switch it lacks (Switch), a call that binds to no parameter set
// (Missing lists the mandatory parameters every matching set still needs), or, with
// NameAlone, a cmdlet that cannot run with -name alone.
type CmdletError struct {
	Cmdlet, Switch, Target, ModuleVersion string
	// Setting is the option to change; empty when none helps (a missing cmdlet).
	Setting   Setting
	NameAlone bool
	// Call is the call that does not bind, as the host would run it, and Missing the
	// mandatory parameters it lacks.
	Call    string
	Missing []string
}

func (e *CmdletError) Error() string {
	module := "the AksHci module on the host"
	if e.ModuleVersion != "" {
		module = "AksHci module " + e.ModuleVersion + " on the host"
	}
	resolved := ""
	if e.Target != "" && e.Target != e.Cmdlet {
		resolved = " (an alias of " + e.Target + ")"
	}
	switch {
	case e.NameAlone:
		return fmt.Sprintf("%s: every parameter set of %s%s makes a fix switch mandatory, so it cannot run with -name "+
			"alone (fix_cloud_credentials and fix_kubelet_credentials both false). Set %s = true, the switch for the "+
			"same Kubernetes certificates", module, e.Cmdlet, resolved, e.Setting)
	case e.Switch == "" && e.Call == "":
		return fmt.Sprintf("%s has no %s command; %s", module, e.Cmdlet, UpgradeAdvice)
	case e.Call != "":
		change := ""
		if e.Setting != "" {
			change = "Change " + string(e.Setting) + ", or "
		}
		return fmt.Sprintf("%s: %s%s cannot run as %q: every parameter set that takes these switches also makes %s "+
			"mandatory, which the provider does not pass (PowerShell would ask for it, and an unattended run cannot "+
			"answer). %s%s", module, e.Cmdlet, resolved, e.Call, dashed(e.Missing), change, UpgradeAdvice)
	}
	return fmt.Sprintf("%s: %s%s has no %s parameter, so %s cannot be used on this host. Set %s = false, or %s",
		module, e.Cmdlet, resolved, e.Switch, e.Setting, e.Setting, UpgradeAdvice)
}

func dashed(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "-" + switchName(n)
	}
	return strings.Join(out, ", ")
}

// CheckManagement returns an error when Update-AksHciCertificates cannot run with opts on
// this module. A nil probe (not probed: the emulator) accepts everything.
func (p *CmdletProbe) CheckManagement(opts ManagementOptions) error {
	if p == nil {
		return nil
	}
	const cmd = "Update-AksHciCertificates"
	m := p.Management
	if !m.Found {
		return &CmdletError{Cmdlet: cmd, ModuleVersion: p.ModuleVersion}
	}
	if opts.Force && !m.Has("force") {
		return &CmdletError{Cmdlet: cmd, Switch: "-force", Target: m.Target, ModuleVersion: p.ModuleVersion, Setting: SettingForce}
	}
	var params []string
	if opts.Force {
		params = append(params, "force")
	}
	if ok, missing := m.binds(params); !ok {
		e := &CmdletError{Cmdlet: cmd, Target: m.Target, ModuleVersion: p.ModuleVersion, Call: callText(cmd, params), Missing: missing}
		if opts.Force {
			e.Setting = SettingForce
		}
		return e
	}
	return nil
}

// ClusterCall is how a cluster renewal with opts runs on this module: the options the
// host passes, warnings for what it leaves out, or an error when the module cannot run
// it. -patchLoadBalancer, on by default, is left out with a warning on a module that does
// not have it: it is documented only from the 2023 releases on [d:update-certificates.md]
// and missing from the reference pages [d:reference/ps/update-akshciclustercertificates.md],
// so the default must work on every documented module, and the renewal of the cloud
// credentials is still worth running without it. Every other switch the configuration
// asks for must exist, and each call (kubelet fix, then cloud fix, or -name alone) must
// bind to a parameter set. A nil probe accepts opts as they are.
func (p *CmdletProbe) ClusterCall(opts ClusterOptions) (ClusterOptions, []string, error) {
	if p == nil {
		return opts, nil, nil
	}
	const cmd = "Update-AksHciClusterCertificates"
	c := p.Cluster
	if !c.Found {
		return opts, nil, &CmdletError{Cmdlet: cmd, ModuleVersion: p.ModuleVersion}
	}
	var warnings []string
	if opts.PatchLoadBalancer && !c.Has("patchloadbalancer") {
		opts.PatchLoadBalancer = false
		warnings = append(warnings, p.moduleName()+": "+cmd+resolvedText(c)+" has no -patchLoadBalancer parameter, so "+
			"the renewal runs -fixCloudCredentials without it and the load balancer VM's credentials are not renewed "+
			"(patch_load_balancer is on by default). Once they expire, LoadBalancer services get a VIP but are "+
			"unreachable; to renew them, "+UpgradeAdvice+". Set patch_load_balancer = false to silence this warning.")
	}
	for _, ch := range []struct {
		on      bool
		param   string
		setting Setting
	}{
		{opts.FixCloudCredentials, "fixcloudcredentials", SettingFixCloudCredentials},
		{opts.FixKubeletCredentials, "fixkubeletcredentials", SettingFixKubeletCredentials},
		{opts.PatchLoadBalancer, "patchloadbalancer", SettingPatchLoadBalancer},
		{opts.Force, "force", SettingForce},
	} {
		if ch.on && !c.Has(ch.param) {
			return opts, warnings, &CmdletError{Cmdlet: cmd, Switch: "-" + switchName(ch.param), Target: c.Target,
				ModuleVersion: p.ModuleVersion, Setting: ch.setting}
		}
	}
	for _, call := range ClusterCalls(opts) {
		params := []string{"name"}
		setting := SettingForce
		switch {
		case call.FixKubeletCredentials:
			params, setting = append(params, "fixkubeletcredentials"), SettingFixKubeletCredentials
		case call.FixCloudCredentials:
			params, setting = append(params, "fixcloudcredentials"), SettingFixCloudCredentials
			if call.PatchLoadBalancer {
				params, setting = append(params, "patchloadbalancer"), SettingPatchLoadBalancer
			}
		}
		if call.Force {
			params = append(params, "force")
		}
		ok, missing := c.binds(params)
		switch {
		case ok:
		case call.NameOnly():
			// -name alone is a documented call [d:secure-communication.md], but a module
			// whose every parameter set has a mandatory fix switch cannot bind it.
			return opts, warnings, &CmdletError{Cmdlet: cmd, Target: c.Target, ModuleVersion: p.ModuleVersion,
				Setting: SettingFixKubeletCredentials, NameAlone: true}
		default:
			return opts, warnings, &CmdletError{Cmdlet: cmd, Target: c.Target, ModuleVersion: p.ModuleVersion,
				Setting: setting, Call: callText(cmd, params), Missing: missing}
		}
	}
	return opts, warnings, nil
}

// ClusterCalls splits a cluster renewal into the cmdlet calls that run it, in order: the
// two fixes are separate parameter sets, so each gets its own call, kubelet first as in
// the documented recovery order [d:update-certificates.md]; with neither fix, one call
// with -name alone.
func ClusterCalls(opts ClusterOptions) []ClusterOptions {
	if opts.NameOnly() {
		return []ClusterOptions{{Force: opts.Force}}
	}
	var calls []ClusterOptions
	if opts.FixKubeletCredentials {
		calls = append(calls, ClusterOptions{FixKubeletCredentials: true, Force: opts.Force})
	}
	if opts.FixCloudCredentials {
		calls = append(calls, ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: opts.PatchLoadBalancer, Force: opts.Force})
	}
	return calls
}

func (p *CmdletProbe) moduleName() string {
	if p.ModuleVersion != "" {
		return "AksHci module " + p.ModuleVersion + " on the host"
	}
	return "the AksHci module on the host"
}

func resolvedText(c CmdletParameters) string {
	if c.Target != "" && c.Target != "Update-AksHciClusterCertificates" && c.Target != "Update-AksHciCertificates" {
		return " (an alias of " + c.Target + ")"
	}
	return ""
}

func callText(cmd string, params []string) string {
	s := cmd
	for _, n := range params {
		s += " -" + switchName(n)
		if n == "name" {
			s += " <cluster>"
		}
	}
	return s
}

func switchName(lower string) string {
	switch lower {
	case "fixcloudcredentials":
		return "fixCloudCredentials"
	case "fixkubeletcredentials":
		return "fixKubeletCredentials"
	case "patchloadbalancer":
		return "patchLoadBalancer"
	case "sshprivatekeyfile":
		return "sshPrivateKeyFile"
	}
	return lower
}
