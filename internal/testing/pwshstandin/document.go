// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"encoding/base64"
	"encoding/pem"
	"regexp"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
)

// document answers the inventory script from the emulator's public material, source by
// source, as the script would on a host where that material is what the sources show:
//
//   - access files: kvactl's, with the KVA client certificate and the cloud agent CA;
//   - kubeconfig-mgmt: not-found (the emulator models no management kubeconfig);
//   - CAPH token: the exp of the emulated CAPH token;
//   - Get-AksHciCluster: the clusters, or, while a lockout blocks the cluster list, the
//     text the blocked cmdlets fail with (akshci.Lockout.Failure) and no cluster;
//   - per workload cluster: a kubeconfig that names the API server and carries the
//     emulated admin kubeconfig client certificate (KubeconfigAdmin), the emulated
//     control-plane certificate as the API server's serving certificate, and the exp of
//     the emulated CSI and KMS tokens. mocctl's tokenexpiryinseconds is the 90-day
//     lifetime.
//
// It counts the external calls the script makes per cluster, following the script's
// branches (no server means no TLS dial, no kubeconfig means no kubectl).
func document(snap *emulator.Snapshot, s *settings) map[string]any {
	names := []string{s.management}
	var namesError any
	for _, l := range snap.Lockouts {
		if l.BlocksClusterList {
			names, namesError = []string{}, map[string]any{"code": errorCode(l.Failure), "message": l.Failure}
			break
		}
	}
	if namesError == nil {
		for _, c := range snap.Clusters {
			names = append(names, c.Name)
		}
	}
	doc := map[string]any{
		"version":           powershell.DocumentVersion,
		"now":               snap.Now.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"managementCluster": s.management,
		"clusterNames":      names,
		"clusterNamesError": namesError,
		"probe":             probe(s),
		"session":           session(s),
		"accessFilesError":  nil,
		"managementKubeconfig": map[string]any{
			"clientCertificate": nil, "error": "not-found",
		},
		"caphToken": token(find(snap.Management, "CAPH", akshci.Token), ""),
	}
	files := []any{}
	if kva := find(snap.Management, "KVA", akshci.Certificate); kva != nil && len(kva.CertificatePEM) > 0 {
		files = append(files, map[string]any{
			"folder": "kvactl", "identityName": "kva", "error": nil,
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
		out["kubeconfig"] = map[string]any{"clientCertificate": nil, "error": code}
	} else {
		// client-certificate-data is base64 of the PEM.
		var cert any
		if k := find(c.Credentials, akshci.KubeconfigAdminClient.Name, akshci.Certificate); k != nil && len(k.CertificatePEM) > 0 {
			cert = base64.StdEncoding.EncodeToString(k.CertificatePEM)
		}
		out["kubeconfig"] = map[string]any{"clientCertificate": cert, "error": nil}
		server = "https://" + c.Name + ".standin.invalid:6443"
	}
	out["servingCertificate"], out["servingError"] = nil, "not-found"
	if server != "" {
		calls++
		if code := s.failure(c.Name, "serving"); code != "" {
			out["servingError"] = code
		} else if k := find(c.Credentials, akshci.KubeletClient.Name, akshci.Certificate); k != nil && len(k.CertificatePEM) > 0 {
			block, _ := pem.Decode(k.CertificatePEM)
			out["servingCertificate"], out["servingError"] = base64.StdEncoding.EncodeToString(block.Bytes), nil
		}
	}
	out["csiToken"] = map[string]any{"exp": nil, "error": "not-found"}
	if server != "" {
		calls++
		out["csiToken"] = token(find(c.Credentials, "CSI", akshci.Token), s.failure(c.Name, "csi"))
	}
	calls += 2 // mocctl: token, lifetime and revoked
	out["kmsToken"] = token(find(c.Credentials, "KMS", akshci.Token), s.failure(c.Name, "kms"))
	if code := s.failure(c.Name, "kms"); code != "" && code != "no-exp" {
		out["kmsIdentity"] = map[string]any{"tokenexpiryinseconds": nil, "tokenexpiry": nil, "revoked": nil, "error": code}
	} else {
		out["kmsIdentity"] = map[string]any{"tokenexpiryinseconds": "7776000", "tokenexpiry": "0", "revoked": "false", "error": nil}
	}
	out["calls"] = calls
	return out
}

// errorCode classifies an error text as the script's Get-ErrorCode does, first match
// wins.
func errorCode(text string) string {
	for _, c := range []struct{ re, code string }{
		{`(?i)forbidden|unauthori[sz]ed|unauthenticated|access is denied|permission denied`, "denied"},
		{`(?i)notfound|not found|does not exist`, "not-found"},
		{`(?i)timed? ?out|deadline exceeded`, "timeout"},
		{`(?i)unable to connect|connection refused|no such host|unreachable|no route`, "unreachable"},
	} {
		if regexp.MustCompile(c.re).MatchString(text) {
			return c.code
		}
	}
	return "error"
}

func token(m *emulator.Material, code string) map[string]any {
	switch {
	case code == "no-exp":
		return map[string]any{"exp": nil, "error": "no-exp"}
	case code != "":
		return map[string]any{"exp": nil, "error": code}
	case m == nil || m.NotAfter.IsZero():
		return map[string]any{"exp": nil, "error": "not-found"}
	}
	return map[string]any{"exp": m.NotAfter.Truncate(time.Second).Unix(), "error": nil}
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
// use them [d:update-certificates.md].
func probe(s *settings) map[string]any {
	cloud := []string{"name!", "fixCloudCredentials!", "sshPrivateKeyFile", "force"}
	if !s.noPatchLoadBalancer {
		cloud = append(cloud, "patchLoadBalancer")
	}
	return map[string]any{
		"module": "0.0.0-standin",
		"commands": []any{
			map[string]any{"name": "Update-AksHciCertificates", "target": "Repair-AksHciCerts", "sets": []any{
				map[string]any{"name": "__AllParameterSets", "parameters": []string{"sshPrivateKeyFile", "force"}},
			}},
			map[string]any{"name": "Update-AksHciClusterCertificates", "target": "Repair-AksHciClusterCerts", "sets": []any{
				map[string]any{"name": "fixcloud", "parameters": cloud},
				map[string]any{"name": "fixkubelet", "parameters": []string{"name!", "fixKubeletCredentials!", "sshPrivateKeyFile", "force"}},
			}},
		},
	}
}

func session(s *settings) map[string]any {
	if s.noNetworkCredentials {
		return map[string]any{"kerberosTickets": 0, "error": nil}
	}
	return map[string]any{"kerberosTickets": 2, "error": nil}
}
