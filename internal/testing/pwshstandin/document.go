// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
)

// Where the stand-in's host keeps its access files, as the inventory script would find
// them. The paths follow the shapes real hosts show: a configured directory under the
// deployment's working directory (Moc.accessFileDirPath, ...\WorkingDir\CloudCfg, seen
// on a 2024 host) and the profile's .wssd folder [moc pkg/auth/auth_env.go].
const (
	standinProfile   = `C:\Users\akshci-admin`
	standinConfigDir = `C:\ClusterStorage\Volume01\AksHci\WorkingDir\CloudCfg`
	standinFqdn      = "ca-standin.akshci.local"
)

// Access-file layouts the stand-in can model (-access-files).
const (
	layoutConfigured = "configured" // kvactl's file under the configured directory (AksHci 1.2.x)
	layoutProfile    = "profile"    // under %USERPROFILE%\.wssd\kvactl (the layout aksArc#146 shows)
	layout2020       = "2020"       // %USERPROFILE%\.wssd\cloudconfig directly (the 2020 layout, aksArc#47)
)

// document answers the inventory script from the emulator's public material, source by
// source, as the script would on a host where that material is what the sources show:
//
//   - access files: kvactl's, with the KVA client certificate and the cloud agent CA, in
//     the layout of -access-files;
//   - kubeconfig-mgmt: not-found (the emulator models no management kubeconfig);
//   - CAPH token: the exp of the emulated CAPH token; KVA token (Kva.identity): the exp
//     of the emulated KVA token;
//   - Get-AksHciCluster: the clusters, or, while a lockout blocks the cluster list, the
//     text the blocked cmdlets fail with (akshci.Lockout.Failure) and no cluster;
//   - per workload cluster: a kubeconfig that names the API server and carries the
//     emulated admin kubeconfig client certificate (KubeconfigAdmin), the emulated
//     control-plane certificate as the API server's serving certificate, and the exp of
//     the emulated CSI and KMS tokens. mocctl prints the 90-day lifetime the way moc's
//     printer does, as a float (7.776e+06) [moc pkg/config/config.go].
//
// It counts the external calls the script makes per cluster, following the script's
// branches (no server means no TLS dial, no kubeconfig means no kubectl).
func document(snap *emulator.Snapshot, s *settings) map[string]any {
	names := []string{s.management}
	var namesError any
	for _, l := range snap.Lockouts {
		if l.BlocksClusterList {
			names, namesError = []string{}, failure("exception", l.Failure)
			break
		}
	}
	if namesError == nil {
		for _, c := range snap.Clusters {
			names = append(names, c.Name)
		}
	}
	configDir := any(standinConfigDir)
	if s.accessFiles != layoutConfigured {
		configDir = ""
	}
	doc := map[string]any{
		"version":           powershell.DocumentVersion,
		"now":               snap.Now.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"managementCluster": s.management,
		"config":            map[string]any{"cloudFqdn": standinFqdn, "accessFileDirPath": configDir, "failure": nil},
		"clusterNames":      names,
		"clusterNamesError": namesError,
		"probe":             probe(s),
		"session":           session(s),
		"managementKubeconfig": map[string]any{
			"clientCertificate": nil, "failure": failure("not-found", "Kva.kubeconfig"),
		},
		"caphToken": token(find(snap.Management, "CAPH", akshci.Token), ""),
		"kvaToken":  token(find(snap.Management, "KVA", akshci.Token), ""),
	}
	profile := standinProfile + `\.wssd`
	roots := []any{}
	if s.accessFiles == layoutConfigured {
		roots = append(roots, map[string]any{"location": powershell.LocationConfigured, "path": standinConfigDir, "failure": nil})
	}
	roots = append(roots, map[string]any{"location": powershell.LocationProfile, "path": profile, "failure": nil})
	doc["accessFileRoots"] = roots
	files := []any{}
	if kva := find(snap.Management, "KVA", akshci.Certificate); kva != nil && len(kva.CertificatePEM) > 0 {
		location, folder, path := powershell.LocationProfile, "kvactl", profile+`\kvactl\cloudconfig`
		switch s.accessFiles {
		case layoutConfigured:
			location, path = powershell.LocationConfigured, standinConfigDir+`\kvactl\cloudconfig`
		case layout2020:
			folder, path = ".wssd", profile+`\cloudconfig`
		}
		files = append(files, map[string]any{
			"location": location, "folder": folder, "path": path, "identityName": "kva", "failure": nil,
			"clientCertificate": base64.StdEncoding.EncodeToString(kva.CertificatePEM),
			"cloudCertificate":  base64.StdEncoding.EncodeToString(snap.CACertificatePEM),
		})
	}
	doc["accessFiles"] = files
	clusters := []any{}
	for _, c := range snap.Clusters {
		if namesError != nil {
			break // the script inventories only the clusters Get-AksHciCluster listed
		}
		clusters = append(clusters, cluster(c, s))
	}
	doc["clusters"] = clusters
	return doc
}

// failure is a failed source as the script reports it: a mechanical code and the host's
// text.
func failure(code, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

// sourceFailure turns a -fail code into the failure the script would report: for a
// program that exits non-zero or a cmdlet that throws, with a text of the kind the tool
// prints.
func sourceFailure(code string) map[string]any {
	switch code {
	case "exit":
		return failure(code, "exit status 1: Error: the stand-in's source failed")
	case "exception":
		return failure(code, "the stand-in's cmdlet failed")
	}
	return failure(code, "")
}

func (s *settings) failure(cluster, source string) string {
	if code, ok := s.fail[cluster+":"+source]; ok {
		return code
	}
	return s.fail["*:"+source]
}

func cluster(c emulator.ClusterMaterial, s *settings) map[string]any {
	out := map[string]any{"name": c.Name}
	calls := 1 // Get-AksHciCredential
	server := ""
	if code := s.failure(c.Name, "kubeconfig"); code != "" {
		out["kubeconfig"] = map[string]any{"clientCertificate": nil, "file": nil, "failure": sourceFailure(code)}
	} else {
		// client-certificate-data is base64 of the PEM.
		var cert any
		if k := find(c.Credentials, akshci.KubeconfigAdminClient.Name, akshci.Certificate); k != nil && len(k.CertificatePEM) > 0 {
			cert = base64.StdEncoding.EncodeToString(k.CertificatePEM)
		}
		out["kubeconfig"] = map[string]any{"clientCertificate": cert, "file": "config", "failure": nil}
		server = "https://" + c.Name + ".standin.invalid:6443"
	}
	out["servingCertificate"], out["servingFailure"] = nil, failure("skipped", "no kubeconfig server")
	if server != "" {
		calls++
		if code := s.failure(c.Name, "serving"); code != "" {
			out["servingFailure"] = sourceFailure(code)
		} else if k := find(c.Credentials, akshci.KubeletClient.Name, akshci.Certificate); k != nil && len(k.CertificatePEM) > 0 {
			block, _ := pem.Decode(k.CertificatePEM)
			out["servingCertificate"], out["servingFailure"] = base64.StdEncoding.EncodeToString(block.Bytes), nil
		}
	}
	out["csiToken"] = map[string]any{"exp": nil, "failure": failure("skipped", "no kubeconfig")}
	if server != "" {
		calls++
		out["csiToken"] = token(find(c.Credentials, "CSI", akshci.Token), s.failure(c.Name, "csi"))
	}
	calls += 2 // mocctl: token, lifetime and revoked
	out["kmsToken"] = token(find(c.Credentials, "KMS", akshci.Token), s.failure(c.Name, "kms"))
	if code := s.failure(c.Name, "kms"); code != "" && code != "no-exp" {
		out["kmsIdentity"] = map[string]any{"printed": nil, "failure": sourceFailure(code)}
	} else {
		// moc prints a jmespath result through a generic map, so whole numbers come out as
		// YAML floats [moc pkg/config/config.go, pkg/marshal].
		lifetime := fmt.Sprintf("%g", akshci.Lifetime.Seconds())
		out["kmsIdentity"] = map[string]any{"printed": "- " + lifetime + "\r\n- 90\r\n- false\r\n", "failure": nil}
	}
	out["calls"] = calls
	return out
}

func token(m *emulator.Material, code string) map[string]any {
	switch {
	case code != "":
		return map[string]any{"exp": nil, "failure": sourceFailure(code)}
	case m == nil || m.NotAfter.IsZero():
		return map[string]any{"exp": nil, "failure": failure("empty", "")}
	}
	return map[string]any{"exp": m.NotAfter.Truncate(time.Second).Unix(), "failure": nil}
}

func find(ms []emulator.Material, client string, typ akshci.CredentialType) *emulator.Material {
	for i := range ms {
		if ms[i].Client == client && ms[i].Type == typ {
			return &ms[i]
		}
	}
	return nil
}

// probe answers the parameter-set probe with the documented Repair-AksHci* sets behind
// the aliases [d:reference/ps/repair-akshcicerts.md, repair-akshciclustercerts.md], plus
// -force on the host cmdlet and -patchLoadBalancer in the cloud set as the 2023 docs
// use them [d:update-certificates.md]. Every cmdlet takes -Confirm and declares a high
// impact, so it asks before it acts (real update cmdlets ask "Are you sure?"), unless
// -no-confirm-parameter models a module whose cmdlets take no -Confirm.
func probe(s *settings) map[string]any {
	cloud := []string{"name!", "fixCloudCredentials!", "sshPrivateKeyFile", "force"}
	if !s.noPatchLoadBalancer {
		cloud = append(cloud, "patchLoadBalancer")
	}
	command := func(name, target string, sets []any) map[string]any {
		c := map[string]any{"name": name, "target": target, "confirm": false, "confirmImpact": "Medium", "sets": sets}
		if !s.noConfirmParameter {
			c["confirm"], c["confirmImpact"] = true, "High"
		}
		return c
	}
	return map[string]any{
		"module": "0.0.0-standin",
		"commands": []any{
			command("Update-AksHciCertificates", "Repair-AksHciCerts", []any{
				map[string]any{"name": "__AllParameterSets", "parameters": []string{"sshPrivateKeyFile", "force"}},
			}),
			command("Update-AksHciClusterCertificates", "Repair-AksHciClusterCerts", []any{
				map[string]any{"name": "fixcloud", "parameters": cloud},
				map[string]any{"name": "fixkubelet", "parameters": []string{"name!", "fixKubeletCredentials!", "sshPrivateKeyFile", "force"}},
			}),
			command(akshci.RotateCACmdlet, akshci.RotateCACmdlet, []any{
				map[string]any{"name": "__AllParameterSets", "parameters": []string{}},
			}),
			command("Get-AksHciCredential", "Get-AksHciCredential", []any{
				map[string]any{"name": "__AllParameterSets", "parameters": []string{"name!", "configPath", "adAuth"}},
			}),
		},
	}
}

func session(s *settings) map[string]any {
	if s.noNetworkCredentials {
		return map[string]any{"kerberosTickets": 0, "failure": nil}
	}
	return map[string]any{"kerberosTickets": 2, "failure": nil}
}
