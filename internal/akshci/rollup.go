// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "time"

// ClusterRollup is a workload cluster's credentials reduced to the three values that
// mean different things (research §5 step 5): they are kept apart, never merged into
// one date.
type ClusterRollup struct {
	// MOCExpiry is the earliest known expiry of the cluster's MOC credentials (tokens and
	// certificates in the cloud and load balancer scopes): what -fixCloudCredentials
	// renews. Zero when none is known.
	MOCExpiry time.Time
	// KubernetesExpired is true when a Kubernetes control-plane certificate (the API
	// server's serving certificate) has expired: its own 4-day renewal stopped, which
	// -fixKubeletCredentials repairs [#233]. Never a schedule: a 4-day date is no reason
	// to renew.
	KubernetesExpired bool
	// KubernetesKnown is true when some control-plane certificate was read.
	KubernetesKnown bool
	// KubeconfigExpiry is the admin kubeconfig client certificate's expiry: informational.
	KubeconfigExpiry time.Time
}

// Unknown reports whether the host gave none of the three.
func (r ClusterRollup) Unknown() bool {
	return r.MOCExpiry.IsZero() && !r.KubernetesKnown && r.KubeconfigExpiry.IsZero()
}

// Rollup reduces the cluster's credentials at now.
func (c Cluster) Rollup(now time.Time) ClusterRollup {
	var r ClusterRollup
	for _, cr := range c.Credentials {
		if !cr.Known() {
			continue
		}
		switch cr.Scope {
		case ScopeCloud, ScopeLoadBalancer:
			if r.MOCExpiry.IsZero() || cr.NotAfter.Before(r.MOCExpiry) {
				r.MOCExpiry = cr.NotAfter
			}
		case ScopeKubelet:
			r.KubernetesKnown = true
			r.KubernetesExpired = r.KubernetesExpired || cr.Expired(now)
		case ScopeInformational:
			if r.KubeconfigExpiry.IsZero() || cr.NotAfter.Before(r.KubeconfigExpiry) {
				r.KubeconfigExpiry = cr.NotAfter
			}
		}
	}
	return r
}
