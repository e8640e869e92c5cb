// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// This file reads the workload clusters: Get-AksHciCluster's list and, per cluster, the
// admin kubeconfig, the API server's certificate and the KMS and CSI tokens.

func (doc *Document) clusters(management string) ([]akshci.Cluster, error) {
	names := map[string]bool{}
	for _, n := range doc.ClusterNames {
		// Names the host lists are facts, not input, and never reach a script from here: a
		// garbled one is refused, but the DNS-label rule is for the names a configuration
		// sends. Applying it here would fail every inventory, the management cluster's
		// included, on a host whose list (the management cluster's own name among them)
		// holds one name the rule refuses.
		if err := quotableName(n); err != nil {
			return nil, &InventoryError{Reason: err.Error()}
		}
		if names[n] {
			return nil, &InventoryError{Reason: "Get-AksHciCluster lists " + strconv.Quote(n) + " twice"}
		}
		names[n] = true
	}
	records := map[string]DocCluster{}
	for _, c := range doc.Clusters {
		if c.Name == management && management != "" {
			return nil, &InventoryError{Reason: "the document inventories the management cluster " + strconv.Quote(c.Name) + " as a workload cluster"}
		}
		if !names[c.Name] {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(c.Name) + " is not in Get-AksHciCluster's list"}
		}
		if _, dup := records[c.Name]; dup {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(c.Name) + " is listed twice"}
		}
		records[c.Name] = c
	}
	var out []akshci.Cluster
	for _, n := range doc.ClusterNames {
		if n == management {
			continue // Get-AksHciCluster lists the AKS host too [d:reference/ps/get-akshcicluster.md]
		}
		rec, ok := records[n]
		if !ok {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(n) + " has no record in the document"}
		}
		creds, err := rec.credentials()
		if err != nil {
			return nil, err
		}
		out = append(out, akshci.Cluster{Name: n, Credentials: creds})
	}
	return out, nil
}

func (c DocCluster) credentials() ([]akshci.Credential, error) {
	where := "workload cluster " + strconv.Quote(c.Name)
	creds := catalogCredentials(true)

	// KMS: the token's exp; mocctl's tokenexpiryinseconds is a lifetime, not a date
	// (research §0.2, Unv), so it only explains an unknown expiry.
	var lifetime string
	revoked := false
	if id := c.KMSIdentity; id != nil {
		if err := checkCode(where+", KMS identity", id.Failure); err != nil {
			return nil, err
		}
		if id.Printed != nil {
			f := parseIdentityFields(*id.Printed)
			if f.lifetime > 0 {
				lifetime = "mocctl reports tokenexpiryinseconds = " + strconv.FormatInt(f.lifetime, 10) + ", a token lifetime, not a date"
			}
			revoked = f.revoked
		}
	}
	kms, err := tokenCredential(where+", KMS token", c.KMSToken, toolMocctl, lifetime)
	if err != nil {
		return nil, err
	}
	kms.Revoked = revoked
	set(creds, "KMS", akshci.Token, kms)
	csi, err := tokenCredential(where+", CSI token", c.CSIToken, toolAny, "")
	if err != nil {
		return nil, err
	}
	set(creds, "CSI", akshci.Token, csi)

	// The API server's serving certificate is a 4-day control-plane certificate
	// [d:certificates-overview.md]; an expired one means -fixKubeletCredentials [#233].
	if err := checkCode(where+", TLS handshake", c.ServingFailure); err != nil {
		return nil, err
	}
	serving := akshci.Credential{}
	switch {
	case c.ServingFailure != nil:
		serving.UnknownReason = failureReason(c.ServingFailure, toolAny,
			"TLS handshake to the API server; an expired KMS token or expired control-plane certificates take it down [#127, #233]")
	case c.ServingCertificate == nil || strings.TrimSpace(*c.ServingCertificate) == "":
		serving.UnknownReason = "not-found: the API server presented no certificate"
	default:
		certs, err := decodeCertificates(*c.ServingCertificate)
		if err != nil {
			return nil, &InventoryError{Reason: where + ", API server certificate: " + err.Error()}
		}
		serving.NotAfter, serving.Source = certs[0].NotAfter.UTC(), akshci.SourceTLSHandshake
	}
	set(creds, akshci.KubeletClient.Name, akshci.Certificate, serving)

	// The admin kubeconfig's client certificate (research C1) is the KubeconfigAdmin
	// client of the catalog, informational (akshci.KubeconfigAdminClient says why).
	kc, err := kubeconfigCredential(where+", admin kubeconfig", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	set(creds, akshci.KubeconfigAdminClient.Name, akshci.Certificate, kc)
	return creds, nil
}

// identityFields are mocctl's printed answer to [0].[tokenexpiryinseconds,tokenexpiry,
// revoked]. mocctl prints a jmespath result through a generic map, so numbers come back
// as float64 and its YAML printer writes 90 days of seconds as 7.776e+06 [moc
// pkg/config/config.go MarshalOutput, pkg/marshal (yaml.v3), V-src]; a missing identity
// prints null.
type identityFields struct {
	lifetime int64
	revoked  bool
}

// parseIdentityFields reads that answer as YAML (a sequence, "- 7.776e+06") or JSON
// (an array); anything it cannot read gives zero values: these are explanations, never
// dates.
func parseIdentityFields(printed string) identityFields {
	var values []string
	t := strings.TrimSpace(printed)
	if strings.HasPrefix(t, "[") {
		var raw []json.RawMessage
		if json.Unmarshal([]byte(t), &raw) == nil {
			for _, v := range raw {
				values = append(values, strings.Trim(string(v), `"`))
			}
		}
	} else {
		for _, line := range strings.Split(t, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "-"); ok {
				values = append(values, strings.Trim(strings.TrimSpace(v), `"'`))
			}
		}
	}
	var f identityFields
	if len(values) > 0 {
		f.lifetime = wholeNumber(values[0])
	}
	if len(values) > 2 {
		f.revoked = strings.EqualFold(values[2], "true")
	}
	return f
}

// wholeNumber reads a printed number, integer or float ("7776000", "7.776e+06"), as a
// whole positive number; zero when it is none.
func wholeNumber(s string) int64 {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > math.MaxInt64/2 || f != math.Trunc(f) {
		return 0
	}
	return int64(f)
}
