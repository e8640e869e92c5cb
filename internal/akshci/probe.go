// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "fmt"

// CmdletProbe is what the host's AksHci module says about its renewal cmdlets
// (Get-Command, aliases resolved): in module 1.1.59 and 1.1.60 both names are aliases of
// the Repair-AksHci* functions [gallery-psm1], whose documented parameters differ from
// the Update-* reference pages, so the provider asks the host instead of assuming.
type CmdletProbe struct {
	// ModuleVersion is (Get-Module AksHci).Version; empty when unknown.
	ModuleVersion string
	// Management and Cluster describe Update-AksHciCertificates and
	// Update-AksHciClusterCertificates.
	Management CmdletParameters
	Cluster    CmdletParameters
}

// CmdletParameters is one cmdlet as the host resolves it.
type CmdletParameters struct {
	// Found is false when Get-Command did not find the cmdlet.
	Found bool
	// Target is the command an alias resolves to (e.g. Repair-AksHciClusterCerts).
	Target string
	// Parameters is the union of the parameter names of every parameter set, lowercase.
	Parameters map[string]bool
	// NameAloneRefused is true when every parameter set makes a parameter other than
	// -name mandatory, so the cmdlet cannot run with -name alone (both fixes off).
	NameAloneRefused bool
}

// Has reports whether the cmdlet takes the named parameter (case-insensitive, as in
// PowerShell); name is given in lowercase.
func (p CmdletParameters) Has(name string) bool { return p.Parameters[name] }

// UpgradeAdvice is what the provider tells a user whose module lacks a switch. The first
// module release with -patchLoadBalancer is not public: the switch appears in the 2023
// documentation [d:update-certificates.md] and not on the reference pages, and
// Update-AksHciCertificates exists since the May 2022 release
// [d:certificates-update-after-sixty-days.md]. Naming "the current release" is therefore
// the only version the sources support (inferred).
const UpgradeAdvice = "upgrade the AksHci PowerShell module on the host to the current release " +
	"(Update-Module AksHci, then Update-AksHci; the switch is documented from the 2023 releases on, and the first " +
	"module version that has it is not published)"

// CmdletError reports a switch the host's module does not have, or, with NameAlone, a
// module whose cmdlet cannot run with -name alone.
type CmdletError struct {
	Cmdlet, Switch, Target, ModuleVersion, Attribute string
	NameAlone                                        bool
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
	if e.NameAlone {
		return fmt.Sprintf("%s: every parameter set of %s%s makes a fix switch mandatory, so it cannot run with -name "+
			"alone (fix_cloud_credentials and fix_kubelet_credentials both false). Set %s = true, the switch for the "+
			"same Kubernetes certificates", module, e.Cmdlet, resolved, e.Attribute)
	}
	if e.Switch == "" {
		return fmt.Sprintf("%s has no %s command; %s", module, e.Cmdlet, UpgradeAdvice)
	}
	return fmt.Sprintf("%s: %s%s has no %s parameter, so %s cannot be used on this host. Set %s = false, or %s",
		module, e.Cmdlet, resolved, e.Switch, e.Attribute, e.Attribute, UpgradeAdvice)
}

// CheckManagement returns an error when opts need a switch the module lacks. A nil probe
// (not probed) accepts everything.
func (p *CmdletProbe) CheckManagement(opts ManagementOptions) error {
	if p == nil {
		return nil
	}
	const cmd = "Update-AksHciCertificates"
	if !p.Management.Found {
		return &CmdletError{Cmdlet: cmd, ModuleVersion: p.ModuleVersion}
	}
	if opts.Force && !p.Management.Has("force") {
		return &CmdletError{Cmdlet: cmd, Switch: "-force", Target: p.Management.Target, ModuleVersion: p.ModuleVersion, Attribute: "force"}
	}
	return nil
}

// CheckCluster returns an error when opts need a switch the module lacks.
func (p *CmdletProbe) CheckCluster(opts ClusterOptions) error {
	if p == nil {
		return nil
	}
	const cmd = "Update-AksHciClusterCertificates"
	c := p.Cluster
	if !c.Found {
		return &CmdletError{Cmdlet: cmd, ModuleVersion: p.ModuleVersion}
	}
	checks := []struct {
		on        bool
		param     string
		attribute string
	}{
		{opts.FixCloudCredentials, "fixcloudcredentials", "fix_cloud_credentials"},
		{opts.FixKubeletCredentials, "fixkubeletcredentials", "fix_kubelet_credentials"},
		{opts.PatchLoadBalancer, "patchloadbalancer", "patch_load_balancer"},
		{opts.Force, "force", "force"},
	}
	for _, ch := range checks {
		if ch.on && !c.Has(ch.param) {
			return &CmdletError{Cmdlet: cmd, Switch: "-" + switchName(ch.param), Target: c.Target, ModuleVersion: p.ModuleVersion, Attribute: ch.attribute}
		}
	}
	// -name alone is a documented call [d:secure-communication.md], but a module whose
	// every parameter set has a mandatory fix switch cannot bind it: PowerShell would ask
	// for the switch, which a non-interactive session cannot answer.
	if opts.NameOnly() && c.NameAloneRefused {
		return &CmdletError{Cmdlet: cmd, Target: c.Target, ModuleVersion: p.ModuleVersion, Attribute: "fix_kubelet_credentials", NameAlone: true}
	}
	return nil
}

func switchName(lower string) string {
	switch lower {
	case "fixcloudcredentials":
		return "fixCloudCredentials"
	case "fixkubeletcredentials":
		return "fixKubeletCredentials"
	case "patchloadbalancer":
		return "patchLoadBalancer"
	}
	return lower
}
