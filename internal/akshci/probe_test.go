// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func params(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestCmdletProbeCheckCluster(t *testing.T) {
	// The two documented Repair-AksHciClusterCerts sets have no -patchLoadBalancer
	// [d:reference/ps/repair-akshciclustercerts.md]; Update-AksHciClusterCertificates in
	// the 2023 docs has it [d:update-certificates.md].
	old := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: CmdletParameters{Found: true, Target: "Repair-AksHciClusterCerts",
		Parameters: params("name", "fixcloudcredentials", "fixkubeletcredentials", "sshprivatekeyfile", "force")}}
	if err := old.CheckCluster(ClusterOptions{FixCloudCredentials: true, Force: true}); err != nil {
		t.Errorf("fixCloud+force on a module that has both: %v", err)
	}
	err := old.CheckCluster(ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true})
	var ce *CmdletError
	if !errors.As(err, &ce) || ce.Switch != "-patchLoadBalancer" || ce.Attribute != "patch_load_balancer" {
		t.Fatalf("patchLoadBalancer on a module without it = %v, want a *CmdletError for -patchLoadBalancer", err)
	}
	for _, want := range []string{"AksHci module 1.1.60", "alias of Repair-AksHciClusterCerts", "patch_load_balancer = false", "current release"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var nilProbe *CmdletProbe
	if err := nilProbe.CheckCluster(ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true, Force: true}); err != nil {
		t.Errorf("an unprobed host refuses: %v", err)
	}
	missing := &CmdletProbe{ModuleVersion: "1.0.0"}
	if err := missing.CheckCluster(ClusterOptions{FixCloudCredentials: true}); !errors.As(err, &ce) || ce.Switch != "" {
		t.Errorf("missing cmdlet = %v, want a *CmdletError without a switch", err)
	}
}

// -name alone binds only when some parameter set makes nothing but -name mandatory; the
// parameter table of Repair-AksHciClusterCerts marks the fix switches "Required: False",
// the Update-AksHciClusterCertificates page "Required: True" [d:reference/ps/repair-akshciclustercerts.md],
// [d:reference/ps/update-akshciclustercertificates.md], so the provider asks the host.
func TestCmdletProbeCheckClusterNameAlone(t *testing.T) {
	nameAlone := ClusterOptions{}
	optional := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: CmdletParameters{Found: true, Target: "Repair-AksHciClusterCerts",
		Parameters: params("name", "fixcloudcredentials", "fixkubeletcredentials", "force")}}
	if err := optional.CheckCluster(nameAlone); err != nil {
		t.Errorf("-name alone on a module whose switches are optional: %v", err)
	}
	mandatory := &CmdletProbe{ModuleVersion: "1.1.60", Cluster: optional.Cluster}
	mandatory.Cluster.NameAloneRefused = true
	err := mandatory.CheckCluster(nameAlone)
	var ce *CmdletError
	if !errors.As(err, &ce) || !ce.NameAlone || ce.Attribute != "fix_kubelet_credentials" || !strings.Contains(err.Error(), "-name alone") {
		t.Fatalf("-name alone on a module with mandatory switches = %v, want a *CmdletError naming fix_kubelet_credentials", err)
	}
	if err := mandatory.CheckCluster(ClusterOptions{FixKubeletCredentials: true}); err != nil {
		t.Errorf("-fixKubeletCredentials refused: %v", err)
	}
}

func TestCmdletProbeCheckManagement(t *testing.T) {
	// Repair-AksHciCerts documents only -sshPrivateKeyFile [d:reference/ps/repair-akshcicerts.md].
	p := &CmdletProbe{ModuleVersion: "1.1.59", Management: CmdletParameters{Found: true, Target: "Repair-AksHciCerts", Parameters: params("sshprivatekeyfile")}}
	if err := p.CheckManagement(ManagementOptions{}); err != nil {
		t.Errorf("no switch: %v", err)
	}
	var ce *CmdletError
	if err := p.CheckManagement(ManagementOptions{Force: true}); !errors.As(err, &ce) || ce.Switch != "-force" {
		t.Errorf("force on a module without -force = %v", err)
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
