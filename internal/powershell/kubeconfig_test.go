// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package powershell_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// Through the stand-in, Get-AksHciCredential's kubeconfig comes back as the four values
// the kubernetes provider needs, equal to what the cluster's Kubernetes CA issues.
func TestKubeconfigThroughTheStandIn(t *testing.T) {
	d := newDeployment(t, "")
	h := powershell.New(transport.NewLocal(), d.wrapper(t, "powershell.exe"))
	kc, err := h.Kubeconfig(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if kc.Host != "https://web.cluster.akshybrid-emulator.invalid:6443" {
		t.Errorf("Host = %q", kc.Host)
	}
	if _, err := tls.X509KeyPair([]byte(kc.ClientCertificatePEM), []byte(kc.ClientKeyPEM)); err != nil {
		t.Errorf("client certificate and key do not pair: %v", err)
	}
	want, err := d.emulator(t, 0).Kubeconfig(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if kc.CACertificatePEM != want.CACertificatePEM {
		t.Error("the CA certificate differs from the cluster's Kubernetes CA")
	}
}

func TestKubeconfigOfMissingClusterIsClusterNotFound(t *testing.T) {
	d := newDeployment(t, "")
	h := powershell.New(transport.NewLocal(), d.wrapper(t, "powershell.exe"))
	_, err := h.Kubeconfig(context.Background(), "gone")
	var nf *akshci.ClusterNotFoundError
	if !errors.As(err, &nf) || nf.Name != "gone" {
		t.Fatalf("err = %v, want ClusterNotFoundError for gone", err)
	}
}

// A garbled kubeconfig is reported without any of the output, which is secret.
func TestParseKubeconfigErrorsNeverQuoteTheOutput(t *testing.T) {
	const nonce = "n1"
	secret := "c2VjcmV0LWtleS1tYXRlcmlhbA==" // base64 of a pretend key
	for name, out := range map[string]string{
		"no markers":  "client-key-data: " + secret,
		"truncated":   powershell.BeginMarker + nonce + "\n" + secret,
		"not base64":  powershell.BeginMarker + nonce + "\nclient-key-data: " + secret + "\n" + powershell.EndMarker + nonce,
		"no server":   powershell.BeginMarker + nonce + "\n" + secret + "\n" + powershell.EndMarker + nonce,
		"twice begin": powershell.BeginMarker + nonce + powershell.BeginMarker + nonce + secret,
	} {
		_, err := powershell.ParseKubeconfig([]byte(out), nonce)
		var ke *powershell.KubeconfigError
		if !errors.As(err, &ke) {
			t.Errorf("%s: err = %v, want a KubeconfigError", name, err)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: the error quotes the output: %v", name, err)
		}
	}
}
