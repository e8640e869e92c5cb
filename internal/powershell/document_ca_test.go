// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// testCA is a CA of the test's own, to sign access-file client certificates with.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
	// fingerprint is the SHA-256 of the DER, lowercase hex: how DESIGN.md and issue 9
	// (item 4) identify a CA.
	fingerprint string
}

func newTestCA(t *testing.T, cn string, notBefore, notAfter time.Time) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore,
		NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		fingerprint: hex.EncodeToString(sum[:])}
}

// issue returns a client certificate signed by ca, as PEM.
func (ca testCA) issue(t *testing.T, cn string, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// accessFile returns the fixture's access file for folder, for a test to change.
func (f fixture) accessFile(folder string) map[string]any {
	for _, a := range f.list("accessFiles") {
		if m, ok := a.(map[string]any); ok && m["folder"] == folder {
			return m
		}
	}
	panic("no access file " + folder)
}

func issuerOf(t *testing.T, inv *akshci.Inventory, client string) string {
	t.Helper()
	for _, c := range inv.Management {
		if c.Client == client && c.Type == akshci.Certificate {
			return c.IssuerFingerprint
		}
	}
	t.Fatalf("no %s certificate in %+v", client, inv.Management)
	return ""
}

// TestParseInventoryListsTheCAsOfTheAccessFiles: after a rotation an access file's
// CloudCertificate holds the old and the new cloud agent CA (research §1 A1, inferred
// from "one or more" PEM certificates); the inventory lists each CA once, in the order
// the access files hold them, with its SHA-256 fingerprint and validity, names the
// access files as the CAs' source, and gives each access-file client certificate the
// fingerprint of the CA whose subject is its issuer (kvactl's folder is the KVA
// certificate). Certificates that are not access-file certificates get no issuer.
func TestParseInventoryListsTheCAsOfTheAccessFiles(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	oldCA := newTestCA(t, "ca-old", t0, t0.AddDate(1, 0, 0))
	newCA := newTestCA(t, "ca-new", t0.AddDate(0, 11, 0), t0.AddDate(2, 0, 0))
	f := newFixture(t)
	both := b64(oldCA.pem + newCA.pem)
	kva, mocctl := f.accessFile("kvactl"), f.accessFile("mocctl")
	kva["cloudCertificate"], kva["clientCertificate"] = both, b64(oldCA.issue(t, "kva", t0.AddDate(0, 6, 0)))
	mocctl["cloudCertificate"], mocctl["clientCertificate"] = both, b64(newCA.issue(t, "mocctl", t0.AddDate(0, 12, 0)))

	inv := f.parse(t)
	want := []akshci.CA{
		{Fingerprint: oldCA.fingerprint, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)},
		{Fingerprint: newCA.fingerprint, NotBefore: t0.AddDate(0, 11, 0), NotAfter: t0.AddDate(2, 0, 0)},
	}
	if len(inv.CAs) != len(want) {
		t.Fatalf("CAs = %+v, want %+v", inv.CAs, want)
	}
	for i := range want {
		if g := inv.CAs[i]; g.Fingerprint != want[i].Fingerprint || !g.NotBefore.Equal(want[i].NotBefore) || !g.NotAfter.Equal(want[i].NotAfter) {
			t.Errorf("CAs[%d] = %+v, want %+v", i, g, want[i])
		}
	}
	if inv.CASource != akshci.SourceAccessFile {
		t.Errorf("CASource = %q, want the access files", inv.CASource)
	}
	if got := issuerOf(t, inv, "KVA"); got != oldCA.fingerprint {
		t.Errorf("KVA issuer = %q, want the old CA %q", got, oldCA.fingerprint)
	}
	if got := issuerOf(t, inv, "mocctl"); got != newCA.fingerprint {
		t.Errorf("mocctl issuer = %q, want the new CA %q", got, newCA.fingerprint)
	}
	for _, c := range inv.Management {
		if c.Source != akshci.SourceAccessFile && c.IssuerFingerprint != "" {
			t.Errorf("%s %s (source %q) has issuer %q", c.Client, c.Type, c.Source, c.IssuerFingerprint)
		}
	}
}

// TestParseInventoryWithoutCloudCertificatesListsNoCA: access files that hold no
// CloudCertificate (or an access file that could not be read) report no CA, no CA
// source and no issuer, and a client certificate signed by none of the listed CAs gets
// no issuer.
func TestParseInventoryWithoutCloudCertificatesListsNoCA(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t.Run("none", func(t *testing.T) {
		f := newFixture(t)
		for _, folder := range []string{"kvactl", "mocctl"} {
			f.accessFile(folder)["cloudCertificate"] = nil
		}
		inv := f.parse(t)
		if len(inv.CAs) != 0 || inv.CASource != "" {
			t.Errorf("CAs = %+v, source %q, want none", inv.CAs, inv.CASource)
		}
		if got := issuerOf(t, inv, "KVA"); got != "" {
			t.Errorf("KVA issuer = %q without a CA", got)
		}
	})
	t.Run("foreign issuer", func(t *testing.T) {
		ca := newTestCA(t, "ca", t0, t0.AddDate(1, 0, 0))
		other := newTestCA(t, "someone-else", t0, t0.AddDate(1, 0, 0))
		f := newFixture(t)
		kva := f.accessFile("kvactl")
		kva["cloudCertificate"], kva["clientCertificate"] = b64(ca.pem), b64(other.issue(t, "kva", t0.AddDate(0, 6, 0)))
		f.accessFile("mocctl")["cloudCertificate"] = nil
		inv := f.parse(t)
		if len(inv.CAs) != 1 || inv.CAs[0].Fingerprint != ca.fingerprint || inv.CASource != akshci.SourceAccessFile {
			t.Errorf("CAs = %+v, source %q, want the one CA from the access files", inv.CAs, inv.CASource)
		}
		if got := issuerOf(t, inv, "KVA"); got != "" {
			t.Errorf("KVA issuer = %q, want none (signed by a CA the host does not list)", got)
		}
	})
}
