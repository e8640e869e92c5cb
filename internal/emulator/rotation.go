// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// RotateCACertificate emulates Invoke-AksHciRotateCACertificate
// [ps:invoke-akshcirotatecacertificate]: a new cloud agent CA, valid 365 days
// (akshci.CALifetime) from the emulated now, replaces the current one. It works whether
// or not the CA has expired (rotation is the documented way out of an expired CA).
//
// What the rotation leaves behind (derived: the sources only name CredentialMonitor's
// Single/Overlap status, whose semantics are undocumented, facts §3): the replaced CA
// stays trusted until its own expiry (the overlap), so clients keep their certificates
// and a client can still log in with a token issued before the rotation until then.
// Every certificate issued from now on is signed by the new CA, so certificates that
// renew themselves move over by themselves; the others (and every token) are re-issued
// by the follow-up renewals, Update-AksHciCertificates and then
// Update-AksHciClusterCertificates for each workload cluster, which rotate every client
// whose certificate the replaced CA signed. Once the replaced CA has expired it is no
// longer reported, and a certificate it signed is unusable.
func (e *Emulator) RotateCACertificate(ctx context.Context) error {
	return e.update(ctx, func(s *session) error {
		m, err := s.management()
		if err != nil {
			return err
		}
		if m.poweredOff() {
			return &PoweredOffError{Since: m.rec.PoweredOffAt}
		}
		der, keyPEM, err := newCA(fmt.Sprintf("akshybrid emulator cloud agent CA %s", s.now.Format("20060102T150405Z")),
			[]string{"MOC emulated cloud agent"}, s.now, akshci.CALifetime)
		if err != nil {
			return err
		}
		ca, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		key, err := parseKey(keyPEM)
		if err != nil {
			return err
		}
		s.state.PreviousCACert, s.state.RotatedAt, s.state.CACert = s.state.CACert, s.now, der
		s.prevCA, s.ca, s.cloud = s.ca, ca, &issuer{cert: ca, key: key}
		if err := s.put(s.secretsBucket(), secretCA, []byte(keyPEM)); err != nil {
			return err
		}
		if err := s.putJSON(s.top, keyState, s.state); err != nil {
			return err
		}
		// The module's own CLI, kvactl, logs in again with its token as part of the
		// rotation, so the follow-up Update-AksHciCertificates can run (derived: the
		// cmdlet runs through the module, which needs kvactl afterwards). With an expired
		// token kvactl stays locked out, which Update-AksHciCertificates repairs [#169].
		if id := m.identity(kvaClient); id != nil && id.tokenNotAfter.After(s.now) {
			id.cert.replace(s.now, s.now.Add(akshci.Lifetime))
			m.rec.EvaluatedAt = s.now
			m.changed = true
			return s.save(m, storedSecrets{})
		}
		return nil
	})
}

// cas lists the CAs the deployment trusts at now, the current one first: the replaced
// one only while it has not expired.
func (s *session) cas() []*x509.Certificate {
	out := []*x509.Certificate{s.ca}
	if s.prevCA != nil && s.prevCA.NotAfter.After(s.now) {
		out = append(out, s.prevCA)
	}
	return out
}

// caInfo describes the trusted CAs for an inventory.
func (s *session) caInfo() []akshci.CA {
	var out []akshci.CA
	for _, c := range s.cas() {
		out = append(out, akshci.CA{Fingerprint: akshci.Fingerprint(c.Raw), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()})
	}
	return out
}

// issuerFingerprint names the cloud agent CA that signed der: the current one or the one
// the last rotation replaced (whether or not it is still trusted); "" for anything else.
func (s *session) issuerFingerprint(der []byte) string {
	raw, err := certIssuer(der)
	if err != nil {
		return ""
	}
	for _, c := range []*x509.Certificate{s.ca, s.prevCA} {
		if c != nil && bytes.Equal(raw, c.RawSubject) {
			return akshci.Fingerprint(c.Raw)
		}
	}
	return ""
}

// markIssuers sets IssuerFingerprint on the MOC client certificates of a group's
// credentials (in the order credentials() lists them: per identity its certificate then
// its token).
func (s *session) markIssuers(g *group, creds []akshci.Credential) {
	for i, id := range g.ids {
		if 2*i < len(creds) && creds[2*i].Type == akshci.Certificate && !id.cert.reissue {
			creds[2*i].IssuerFingerprint = s.issuerFingerprint(id.cert.der)
		}
	}
}

// certIssuer returns the raw issuer name of a DER certificate, walking the DER only as
// far as the issuer (like certValidity).
func certIssuer(der []byte) ([]byte, error) {
	in := cryptobyte.String(der)
	var cert, tbs, issuer cryptobyte.String
	if !in.ReadASN1(&cert, casn1.SEQUENCE) ||
		!cert.ReadASN1(&tbs, casn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(casn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(casn1.INTEGER) ||
		!tbs.SkipASN1(casn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&issuer, casn1.SEQUENCE) {
		return nil, errors.New("malformed certificate")
	}
	return issuer, nil
}

// signedByReplacedCA reports whether a client certificate of ids was signed by a CA other
// than the current one: an update cmdlet rotates such clients whatever their dates, since
// moving every client to the new CA is what the follow-up renewals are for (derived).
func (s *session) signedByReplacedCA(ids []*identity) bool {
	if s.prevCA == nil {
		return false
	}
	cur := akshci.Fingerprint(s.ca.Raw)
	for _, id := range ids {
		if !id.cert.reissue && s.issuerFingerprint(id.cert.der) != cur {
			return true
		}
	}
	return false
}
