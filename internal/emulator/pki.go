// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// kubeCALifetime is the documented lifetime of the Kubernetes root CAs of a cluster.
const kubeCALifetime = 10 * 365 * 24 * time.Hour

// certSpec describes a certificate to issue.
type certSpec struct {
	commonName   string
	organization []string
	notBefore    time.Time
	notAfter     time.Time
	isCA         bool
	serverAuth   bool
}

// generateKey returns a fresh ECDSA P-256 key and its PKCS #8 PEM encoding.
func generateKey() (*ecdsa.PrivateKey, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", fmt.Errorf("generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("encoding key: %w", err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// parseKey reads a key written by generateKey.
func parseKey(keyPEM string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("stored private key is not a PEM \"PRIVATE KEY\" block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("stored private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("stored private key of type %T cannot sign", key)
	}
	return signer, nil
}

// randomSerial returns a positive 127-bit serial number.
func randomSerial() *big.Int {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	b[0] &= 0x7f
	b[0] |= 0x40 // never zero, always 16 bytes
	return new(big.Int).SetBytes(b)
}

// createCertificate issues a certificate for pub. With a nil parent it is self-signed
// and signer must be the key of pub.
func createCertificate(spec certSpec, pub crypto.PublicKey, parent *x509.Certificate, signer crypto.Signer) ([]byte, error) {
	tpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: spec.commonName, Organization: spec.organization},
		NotBefore:    spec.notBefore,
		NotAfter:     spec.notAfter,
	}
	if spec.isCA {
		tpl.IsCA = true
		tpl.BasicConstraintsValid = true
		tpl.MaxPathLenZero = true
		tpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	} else {
		tpl.KeyUsage = x509.KeyUsageDigitalSignature
		tpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		if spec.serverAuth {
			tpl.ExtKeyUsage = append(tpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		}
	}
	if parent == nil {
		parent = tpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("issuing certificate %q: %w", spec.commonName, err)
	}
	return der, nil
}

// newCA creates a self-signed CA certificate and its key.
func newCA(commonName string, organization []string, notBefore time.Time, lifetime time.Duration) (der []byte, keyPEM string, err error) {
	key, keyPEM, err := generateKey()
	if err != nil {
		return nil, "", err
	}
	der, err = createCertificate(certSpec{
		commonName:   commonName,
		organization: organization,
		notBefore:    notBefore,
		notAfter:     notBefore.Add(lifetime),
		isCA:         true,
	}, key.Public(), nil, key)
	if err != nil {
		return nil, "", err
	}
	return der, keyPEM, nil
}

// issuer signs certificates with a CA.
type issuer struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// issue creates a key and a certificate for it signed by the issuer.
func (is *issuer) issue(spec certSpec) (der []byte, keyPEM string, err error) {
	key, keyPEM, err := generateKey()
	if err != nil {
		return nil, "", err
	}
	der, err = createCertificate(spec, key.Public(), is.cert, is.key)
	if err != nil {
		return nil, "", err
	}
	return der, keyPEM, nil
}

// certValidity reads the validity period of a DER certificate: the emulator always
// derives expiry from the stored certificate, never from a copy kept beside it. It walks
// the DER only as far as the validity (about 30 times cheaper than a full
// x509.ParseCertificate, which matters for an inventory of hundreds of certificates);
// TestCertValidity checks it against crypto/x509.
func certValidity(der []byte) (notBefore, notAfter time.Time, err error) {
	in := cryptobyte.String(der)
	var cert, tbs, validity cryptobyte.String
	if !in.ReadASN1(&cert, casn1.SEQUENCE) || !in.Empty() ||
		!cert.ReadASN1(&tbs, casn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(casn1.Tag(0).Constructed().ContextSpecific()) || // version
		!tbs.SkipASN1(casn1.INTEGER) || // serial number
		!tbs.SkipASN1(casn1.SEQUENCE) || // signature algorithm
		!tbs.SkipASN1(casn1.SEQUENCE) || // issuer
		!tbs.ReadASN1(&validity, casn1.SEQUENCE) {
		return time.Time{}, time.Time{}, errors.New("malformed certificate")
	}
	if notBefore, err = readASN1Time(&validity); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if notAfter, err = readASN1Time(&validity); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return notBefore.UTC(), notAfter.UTC(), nil
}

func readASN1Time(s *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(casn1.UTCTime):
		if s.ReadASN1UTCTime(&t) {
			return t, nil
		}
	case s.PeekASN1Tag(casn1.GeneralizedTime):
		if s.ReadASN1GeneralizedTime(&t) {
			return t, nil
		}
	}
	return time.Time{}, errors.New("malformed certificate validity")
}

// certPEM encodes a DER certificate as PEM.
func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
