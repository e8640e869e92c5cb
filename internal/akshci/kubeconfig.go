// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "context"

// Kubeconfig is the admin access to one workload cluster that Get-AksHciCredential writes
// ("a certificate-based kubeconfig" [d:reference/ps/get-akshcicredential.md; d:ad-sso.md]).
// ClientKeyPEM is a secret: it must never be logged, traced or stored.
type Kubeconfig struct {
	// Host is the API server URL (the kubeconfig's clusters[].cluster.server).
	Host string
	// CACertificatePEM is the cluster's Kubernetes CA (certificate-authority-data).
	CACertificatePEM string
	// ClientCertificatePEM is the admin client certificate (client-certificate-data).
	ClientCertificatePEM string
	// ClientKeyPEM is the client certificate's private key (client-key-data).
	ClientKeyPEM string
}

// KubeconfigSource is a Host that can hand out a workload cluster's kubeconfig. It is
// optional: the provider type-asserts it and reports a host that cannot.
type KubeconfigSource interface {
	// Kubeconfig fetches the admin kubeconfig of a workload cluster. A missing cluster
	// is an error of type *ClusterNotFoundError.
	Kubeconfig(ctx context.Context, cluster string) (*Kubeconfig, error)
}
