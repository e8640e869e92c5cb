// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"context"
	"fmt"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The emulator has no API server, so the admin kubeconfig it hands out is issued from the
// cluster's Kubernetes CA alone. Choices (the documentation is silent on them):
//   - the client certificate is kubeadm's admin identity (CN kubernetes-admin, O
//     system:masters), valid for adminKubeconfigLifetime from the emulated now: one year,
//     the lifetime one user observed for the management cluster's admin kubeconfig
//     [real-host-expiry B7, #145] (inferred to hold for workload clusters too);
//   - the server is an address under the reserved .invalid top-level domain (RFC 2606), on
//     the API server's usual port 6443, so nothing ever connects to it by accident.
//
// The key is generated for each call and never stored in the state file: like
// Get-AksHciCredential, every call writes a fresh kubeconfig.
const adminKubeconfigLifetime = 365 * 24 * time.Hour

var _ akshci.KubeconfigSource = (*Emulator)(nil)

// EmulatedServer is the API server URL of an emulated workload cluster.
func EmulatedServer(cluster string) string {
	return "https://" + cluster + ".cluster.akshybrid-emulator.invalid:6443"
}

// Kubeconfig issues an admin kubeconfig for a workload cluster from its Kubernetes CA.
// A missing cluster is an *akshci.ClusterNotFoundError. It is a read: nothing is
// written, the emulated clock included. Get-AksHciCredential runs kvactl, so while a
// lockout blocks the cluster list (kvactl's expired certificate [#146] or token [#169],
// the management API server down) it fails as the inventory's Get-AksHciCluster does.
func (e *Emulator) Kubeconfig(ctx context.Context, cluster string) (*akshci.Kubeconfig, error) {
	var kc *akshci.Kubeconfig
	err := e.view(ctx, func(s *session) error {
		v, err := s.current()
		if err != nil {
			return err
		}
		if l, ok := firstListLockout(v.lockouts); ok {
			return &akshci.LockoutError{Operation: "Get-AksHciCredential -name " + cluster, Lockout: l}
		}
		g, err := s.cluster(cluster)
		if err != nil {
			return err
		}
		sec, err := s.readSecrets(g)
		if err != nil {
			return err
		}
		key, err := parseKey(sec.KubeCAKey)
		if err != nil {
			return s.damaged(fmt.Errorf("%s Kubernetes CA key: %w", g.label(), err))
		}
		ca := g.kubeCA // parsed by decodeGroup
		if !ca.NotAfter.After(s.now) {
			return fmt.Errorf("the Kubernetes CA of %s expired at %s: no kubeconfig can be issued", g.label(),
				ca.NotAfter.UTC().Format(time.RFC3339))
		}
		notAfter := s.now.Add(adminKubeconfigLifetime)
		if notAfter.After(ca.NotAfter) {
			notAfter = ca.NotAfter
		}
		der, keyPEM, err := (&issuer{cert: ca, key: key}).issue(certSpec{
			commonName:   "kubernetes-admin",
			organization: []string{"system:masters"},
			notBefore:    s.now,
			notAfter:     notAfter,
		})
		if err != nil {
			return err
		}
		kc = &akshci.Kubeconfig{
			Host:                 EmulatedServer(g.name),
			CACertificatePEM:     string(certPEM(g.rec.KubeCACert)),
			ClientCertificatePEM: string(certPEM(der)),
			ClientKeyPEM:         keyPEM,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kc, nil
}

// firstListLockout returns the lockout that blocks the cluster list which a cmdlet hits
// first (blockingOrder), if any.
func firstListLockout(ls []akshci.Lockout) (akshci.Lockout, bool) {
	for _, kind := range blockingOrder {
		for _, l := range ls {
			if l.Kind == kind && l.BlocksClusterList {
				return l, true
			}
		}
	}
	for _, l := range ls {
		if l.BlocksClusterList {
			return l, true
		}
	}
	return akshci.Lockout{}, false
}
