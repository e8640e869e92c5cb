package main

import (
	"encoding/base64"
	"encoding/pem"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// document answers the inventory script from the emulator's public material, source by
// source, as the script would on a host where that material is what the sources show:
//
//   - access files: kvactl's, with the KVA client certificate and the cloud agent CA;
//   - kubeconfig-mgmt: not-found (the emulator models no management kubeconfig);
//   - CAPH token: the exp of the emulated CAPH token;
//   - per workload cluster: a kubeconfig that names the API server but carries no
//     client certificate (the emulator models none; AD-SSO kubeconfigs look like that,
//     [d:ad-sso.md]), the emulated control-plane certificate as the API server's
//     serving certificate, and the exp of the emulated CSI and KMS tokens. mocctl's
//     tokenexpiryinseconds is the 90-day lifetime.
//
// It counts the external calls the script makes per cluster, following the script's
// branches (no server means no TLS dial, no kubeconfig means no kubectl).
func document(snap *emulator.Snapshot, s *settings) map[string]any {
	names := []string{s.management}
	for _, c := range snap.Clusters {
		names = append(names, c.Name)
	}
	doc := map[string]any{
		"version":           2,
		"now":               snap.Now.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"managementCluster": s.management,
		"clusterNames":      names,
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
		out["kubeconfig"] = map[string]any{"clientCertificate": nil, "error": nil}
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
