// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"fmt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// kubeCertSpecs describe the cluster's Kubernetes certificates, in
// akshci.KubernetesClients order: the control-plane set (represented by the API server's
// serving and client certificate), the kubelet server certificate of the control-plane
// node, and the admin kubeconfig client certificate.
func kubeCertSpecs(cluster string) []certSpec {
	return []certSpec{
		{commonName: "system:node:" + cluster + "-control-plane", organization: []string{"system:nodes"}, serverAuth: true},
		{commonName: cluster + "-control-plane", organization: []string{"kubelet serving"}, serverAuth: true},
		{commonName: "kubernetes-admin", organization: []string{"system:masters"}},
	}
}

// signKubeCerts signs every pending Kubernetes certificate of a workload cluster with
// its Kubernetes CA and reports whether it signed any.
func (s *session) signKubeCerts(g *group, sec *storedSecrets) (bool, error) {
	certs := g.kubeCerts()
	pending := false
	for _, c := range certs {
		pending = pending || c.reissue
	}
	if !pending {
		return false, nil
	}
	key, err := parseKey(sec.KubeCAKey)
	if err != nil {
		return false, s.damaged(fmt.Errorf("%s Kubernetes CA key: %w", g.label(), err))
	}
	is := &issuer{cert: g.kubeCA, key: key} // parsed by decodeGroup
	specs := kubeCertSpecs(g.name)
	for i, c := range certs {
		if !c.reissue {
			continue
		}
		if err := s.sign(is, c, specs[i], sec.Keys, akshci.KubernetesClients[i].Name); err != nil {
			return false, err
		}
	}
	return true, nil
}
