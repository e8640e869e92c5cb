// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"
)

// The markers bound the kubeconfig wherever they stand: the begin marker may be the
// output's first byte, and an end marker right after it encloses an empty kubeconfig
// (no server), not a truncated one.
func TestParseKubeconfigMarkersAtTheEdges(t *testing.T) {
	const nonce = "0123456789abcdef0123456789abcdef"
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	caPEM := certPEM(t, "kubernetes", time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))
	clientPEM := certPEM(t, "kubernetes-admin", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	kubeconfig := "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " + b64(caPEM) +
		"\n    server: https://demo.example.invalid:6443\n  name: demo\nusers:\n- name: admin\n  user:\n" +
		"    client-certificate-data: " + b64(clientPEM) + "\n    client-key-data: " + b64(keyPEM) + "\n"
	out := BeginMarker + nonce + "\n" + base64.StdEncoding.EncodeToString([]byte(kubeconfig)) + "\n" + EndMarker + nonce + "\n"
	kc, err := ParseKubeconfig([]byte(out), nonce)
	if err != nil {
		t.Fatalf("begin marker first: %v", err)
	}
	if kc.Host != "https://demo.example.invalid:6443" || kc.CACertificatePEM != caPEM || kc.ClientCertificatePEM != clientPEM || kc.ClientKeyPEM != keyPEM {
		t.Errorf("begin marker first: %+v", kc)
	}

	_, err = ParseKubeconfig([]byte("banner\n"+BeginMarker+nonce+EndMarker+nonce+"\n"), nonce)
	var ke *KubeconfigError
	if !errors.As(err, &ke) || ke.Reason != "it has no https server" {
		t.Errorf("adjacent markers: %v, want an empty kubeconfig without a server", err)
	}
}

// normalizeOutput: a UTF-16LE byte order mark alone is the empty text; four UTF-16LE
// characters without one are enough to recognise the encoding (TestLooksUTF16LEThresholds);
// a first character whose bytes resemble half a byte order mark (U+00FF: FF 00, U+FE50:
// 50 FE) is text, not a mark.
func TestNormalizeOutputByteOrderMarks(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want string
	}{
		{"BOM alone", []byte{0xFF, 0xFE}, ""},
		{"BOM and text", utf16le("AKSH", true), "AKSH"},
		{"4 characters without a BOM", utf16le("AKSH", false), "AKSH"},
		{"U+00FF first", utf16le("\u00ffAKSHYBRID", false), "\u00ffAKSHYBRID"},
		{"U+FE50 first", utf16le("\ufe50AKSHYBRID", false), "\ufe50AKSHYBRID"},
		{"UTF-8 BOM and CRLF", []byte("\xEF\xBB\xBFa\r\nb"), "a\nb"},
	} {
		if got := string(normalizeOutput(tt.in)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
