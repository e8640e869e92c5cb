// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// pset is a parameter set from the probe's notation: a trailing ! marks a mandatory
// parameter, names are taken in lowercase as the probe's parser stores them.
func pset(name string, params ...string) ParameterSet {
	s := ParameterSet{Name: name, Parameters: map[string]bool{}}
	for _, p := range params {
		mandatory := strings.HasSuffix(p, "!")
		s.Parameters[strings.ToLower(strings.TrimSuffix(p, "!"))] = mandatory
	}
	return s
}

// repairClusterCerts is Repair-AksHciClusterCerts as documented: two sets, no
// -patchLoadBalancer [d:reference/ps/repair-akshciclustercerts.md].
func repairClusterCerts(extra ...string) CmdletParameters {
	return CmdletParameters{Found: true, Target: "Repair-AksHciClusterCerts", Sets: []ParameterSet{
		pset("fixcloud", append([]string{"name!", "fixCloudCredentials!", "sshPrivateKeyFile", "force"}, extra...)...),
		pset("fixkubelet", "name!", "fixKubeletCredentials!", "sshPrivateKeyFile", "force"),
	}}
}

func TestClusterCallWithoutPatchLoadBalancerRunsWithoutItAndWarns(t *testing.T) {
	old := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: repairClusterCerts()}
	asked := ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}
	got, warnings, err := old.ClusterCall(asked)
	if err != nil {
		t.Fatalf("the default (patch_load_balancer on) refused on a documented module: %v", err)
	}
	if want := (ClusterOptions{FixCloudCredentials: true}); got != want {
		t.Errorf("options %+v, want %+v (-patchLoadBalancer left out)", got, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "-patchLoadBalancer") || !strings.Contains(warnings[0], "1.1.60") ||
		!strings.Contains(warnings[0], "load balancer") {
		t.Errorf("warnings %q, want one naming the missing switch, the module and the load balancer", warnings)
	}
	withLB := &CmdletProbe{ModuleVersion: "1.2.16", Cluster: repairClusterCerts("patchLoadBalancer")}
	if got, warnings, err := withLB.ClusterCall(asked); err != nil || got != asked || len(warnings) != 0 {
		t.Errorf("a module with the switch: %+v %q %v, want the options unchanged", got, warnings, err)
	}
}

func TestClusterCallRefusesSwitchesTheModuleLacks(t *testing.T) {
	noForce := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: CmdletParameters{Found: true, Target: "Repair-AksHciClusterCerts",
		Sets: []ParameterSet{pset("fixcloud", "name!", "fixCloudCredentials!"), pset("fixkubelet", "name!", "fixKubeletCredentials!")}}}
	_, _, err := noForce.ClusterCall(ClusterOptions{FixCloudCredentials: true, Force: true})
	var ce *CmdletError
	if !errors.As(err, &ce) || ce.Switch != "-force" || ce.Setting != SettingForce {
		t.Fatalf("force on a module without -force = %v, want a *CmdletError for -force", err)
	}
	for _, want := range []string{"AksHci module 1.1.60", "alias of Repair-AksHciClusterCerts", "force = false", "current release"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var nilProbe *CmdletProbe
	all := ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}
	if got, w, err := nilProbe.ClusterCall(all); err != nil || got != all || w != nil {
		t.Errorf("an unprobed host: %+v %q %v, want everything accepted unchanged", got, w, err)
	}
	missing := &CmdletProbe{ModuleVersion: "1.0.0"}
	if _, _, err := missing.ClusterCall(ClusterOptions{FixCloudCredentials: true}); !errors.As(err, &ce) || ce.Switch != "" || ce.Call != "" {
		t.Errorf("missing cmdlet = %v, want a *CmdletError without a switch", err)
	}
}

// A parameter set that makes another parameter mandatory (here -force, or
// -sshPrivateKeyFile) cannot bind the call the provider makes: PowerShell would prompt.
func TestClusterCallRefusesCallsThatLeaveAMandatoryParameterOut(t *testing.T) {
	tests := []struct {
		name    string
		sets    []ParameterSet
		opts    ClusterOptions
		missing string
		setting Setting
	}{
		{"force mandatory", []ParameterSet{pset("fixcloud", "name!", "fixCloudCredentials!", "force!", "patchLoadBalancer")},
			ClusterOptions{FixCloudCredentials: true}, "-force", SettingFixCloudCredentials},
		{"ssh key mandatory", []ParameterSet{pset("fixkubelet", "name!", "fixKubeletCredentials!", "sshPrivateKeyFile!", "force")},
			ClusterOptions{FixKubeletCredentials: true, Force: true}, "-sshPrivateKeyFile", SettingFixKubeletCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &CmdletProbe{ModuleVersion: "9.9", Cluster: CmdletParameters{Found: true, Sets: tc.sets}}
			_, _, err := p.ClusterCall(tc.opts)
			var ce *CmdletError
			if !errors.As(err, &ce) || ce.Call == "" || ce.Setting != tc.setting || !strings.Contains(err.Error(), tc.missing) ||
				!strings.Contains(err.Error(), "mandatory") {
				t.Fatalf("got %v, want a *CmdletError for a call that leaves %s out", err, tc.missing)
			}
		})
	}
	// The same module binds once the mandatory parameter is passed.
	p := &CmdletProbe{Cluster: CmdletParameters{Found: true, Sets: []ParameterSet{pset("fixcloud", "name!", "fixCloudCredentials!", "force!")}}}
	if _, _, err := p.ClusterCall(ClusterOptions{FixCloudCredentials: true, Force: true}); err != nil {
		t.Errorf("force passed to a set that makes it mandatory: %v", err)
	}
}

// Both fixes run as two calls, each of which must bind on its own.
func TestClusterCallChecksEachCall(t *testing.T) {
	p := &CmdletProbe{Cluster: CmdletParameters{Found: true, Sets: []ParameterSet{
		pset("fixcloud", "name!", "fixCloudCredentials!", "force"),
		pset("fixkubelet", "name!", "fixKubeletCredentials!", "force", "sshPrivateKeyFile!"),
	}}}
	_, _, err := p.ClusterCall(ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true})
	var ce *CmdletError
	if !errors.As(err, &ce) || !strings.Contains(ce.Call, "-fixKubeletCredentials") {
		t.Fatalf("got %v, want the kubelet call refused", err)
	}
	if _, _, err := p.ClusterCall(ClusterOptions{FixCloudCredentials: true}); err != nil {
		t.Errorf("the cloud call alone binds: %v", err)
	}
	if got := ClusterCalls(ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: true, Force: true}); len(got) != 2 ||
		got[0] != (ClusterOptions{FixKubeletCredentials: true, Force: true}) || got[1] != (ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}) {
		t.Errorf("ClusterCalls = %+v, want the kubelet call, then the cloud call with -patchLoadBalancer", got)
	}
}

// -name alone binds only when some parameter set makes nothing but -name mandatory; the
// parameter table of Repair-AksHciClusterCerts marks the fix switches "Required: False",
// the Update-AksHciClusterCertificates page "Required: True" [d:reference/ps/repair-akshciclustercerts.md],
// [d:reference/ps/update-akshciclustercertificates.md], so the provider asks the host.
func TestClusterCallNameAlone(t *testing.T) {
	nameAlone := ClusterOptions{}
	optional := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: CmdletParameters{Found: true, Target: "Repair-AksHciClusterCerts",
		Sets: []ParameterSet{pset("fixcloud", "name!", "fixCloudCredentials", "force"), pset("fixkubelet", "name!", "fixKubeletCredentials!", "force")}}}
	if _, _, err := optional.ClusterCall(nameAlone); err != nil {
		t.Errorf("-name alone on a module with an optional set: %v", err)
	}
	mandatory := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: repairClusterCerts()}
	_, _, err := mandatory.ClusterCall(nameAlone)
	var ce *CmdletError
	if !errors.As(err, &ce) || !ce.NameAlone || ce.Setting != SettingFixKubeletCredentials || !strings.Contains(err.Error(), "-name alone") {
		t.Fatalf("-name alone on a module with mandatory switches = %v, want a *CmdletError naming fix_kubelet_credentials", err)
	}
	if _, _, err := mandatory.ClusterCall(ClusterOptions{FixKubeletCredentials: true}); err != nil {
		t.Errorf("-fixKubeletCredentials refused: %v", err)
	}
	// No parameter set seen: nothing is known, nothing is refused.
	unseen := &CmdletProbe{Cluster: CmdletParameters{Found: true}}
	if _, _, err := unseen.ClusterCall(nameAlone); err != nil {
		t.Errorf("-name alone with no parameter sets probed: %v", err)
	}
}

func TestCmdletProbeCheckManagement(t *testing.T) {
	// Repair-AksHciCerts documents only -sshPrivateKeyFile [d:reference/ps/repair-akshcicerts.md].
	p := &CmdletProbe{ModuleVersion: "1.1.59", Management: CmdletParameters{Found: true, Target: "Repair-AksHciCerts",
		Sets: []ParameterSet{pset("__AllParameterSets", "sshPrivateKeyFile")}}}
	if err := p.CheckManagement(ManagementOptions{}); err != nil {
		t.Errorf("no switch: %v", err)
	}
	var ce *CmdletError
	if err := p.CheckManagement(ManagementOptions{Force: true}); !errors.As(err, &ce) || ce.Switch != "-force" {
		t.Errorf("force on a module without -force = %v", err)
	}
	forced := &CmdletProbe{Management: CmdletParameters{Found: true, Sets: []ParameterSet{pset("__AllParameterSets", "force!")}}}
	if err := forced.CheckManagement(ManagementOptions{}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "-force") || ce.Setting != "" {
		t.Errorf("a module that makes -force mandatory, force off = %v, want refused naming -force", err)
	}
	if err := forced.CheckManagement(ManagementOptions{Force: true}); err != nil {
		t.Errorf("force on, where -force is mandatory: %v", err)
	}
}

func TestManagementClusterIsNotAWorkloadCluster(t *testing.T) {
	inv := &Inventory{ManagementCluster: "akshci-mgmt"}
	var me *ManagementClusterError
	if err := inv.CheckWorkloadCluster("akshci-mgmt"); !errors.As(err, &me) || !strings.Contains(err.Error(), `"akshci-mgmt" is the management cluster`) {
		t.Errorf("CheckWorkloadCluster(management) = %v", err)
	}
	if err := inv.CheckWorkloadCluster("web"); err != nil {
		t.Errorf("CheckWorkloadCluster(web) = %v", err)
	}
	if err := (&Inventory{}).CheckWorkloadCluster(""); err != nil {
		t.Errorf("no management name known: %v", err)
	}
}

func TestClusterUnknown(t *testing.T) {
	c := Cluster{Name: "web", Credentials: []Credential{
		{Client: "KMS", Type: Token, UnknownReason: "unreachable"},
		{Client: "CSI", Type: Token, UnknownReason: "unreachable"},
	}}
	if !c.Unknown() {
		t.Fatal("a cluster with no known expiry is not unknown")
	}
	if got := c.UnknownReasons(); len(got) != 2 || got[0] != "KMS token: unreachable" {
		t.Fatalf("UnknownReasons() = %v", got)
	}
	inv := &Inventory{Clusters: []Cluster{c, {Name: "api", Credentials: []Credential{{Client: "KMS", Type: Token, NotAfter: timeOf(1)}}}}}
	if u := inv.UnknownClusters(); len(u) != 1 || u[0].Name != "web" {
		t.Fatalf("UnknownClusters() = %v", u)
	}
}

func timeOf(days int) (t time.Time) {
	return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
}
