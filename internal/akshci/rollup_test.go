// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"testing"
	"time"
)

func TestClusterRollup(t *testing.T) {
	now := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	const day = 24 * time.Hour
	kms := Credential{Client: "KMS", Type: Token, Scope: ScopeCloud, NotAfter: now.Add(40 * day)}
	csi := Credential{Client: "CSI", Type: Token, Scope: ScopeCloud, NotAfter: now.Add(30 * day)}
	lb := Credential{Client: "LoadBalancer", Type: Token, Scope: ScopeLoadBalancer, NotAfter: now.Add(20 * day)}
	serving := Credential{Client: "Kubelet", Type: Certificate, Scope: ScopeKubelet, AutoRenew: true, NotAfter: now.Add(3 * day)}
	expiredServing := serving
	expiredServing.NotAfter = now.Add(-time.Hour)
	kubeconfig := Credential{Client: "KubeconfigAdmin", Type: Certificate, Scope: ScopeInformational, NotAfter: now.Add(300 * day)}
	unknown := Credential{Client: "KMS", Type: Token, Scope: ScopeCloud, UnknownReason: "no-exp"}
	tests := []struct {
		name  string
		creds []Credential
		want  ClusterRollup
	}{
		{"earliest MOC expiry, load balancer included", []Credential{kms, csi, lb, serving, kubeconfig},
			ClusterRollup{MOCExpiry: now.Add(20 * day), KubernetesKnown: true, KubeconfigExpiry: now.Add(300 * day)}},
		{"an expired serving certificate is health, not a date", []Credential{kms, expiredServing},
			ClusterRollup{MOCExpiry: now.Add(40 * day), KubernetesKnown: true, KubernetesExpired: true}},
		{"only the kubeconfig is known: not unknown", []Credential{unknown, kubeconfig},
			ClusterRollup{KubeconfigExpiry: now.Add(300 * day)}},
		{"nothing known", []Credential{unknown}, ClusterRollup{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Cluster{Name: "c", Credentials: tt.creds}.Rollup(now)
			if got != tt.want {
				t.Errorf("Rollup() = %+v, want %+v", got, tt.want)
			}
			if got.Unknown() != (tt.want == ClusterRollup{}) {
				t.Errorf("Unknown() = %v", got.Unknown())
			}
		})
	}
}
