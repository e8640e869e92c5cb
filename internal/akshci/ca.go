// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// CARenewBefore is the default window of the cloud agent CA rotation: 60 days of the
// CA's 365 (CALifetime, [d:certificates-overview.md]). The CA is never rotated
// automatically and the rotation interrupts every client [ps:invoke-akshcirotatecacertificate],
// so the window leaves two months to schedule the maintenance. (A choice, not a
// documented figure; 60 days echoes the documented "update within 60 days" advice.)
const CARenewBefore = 60 * 24 * time.Hour

// RotateCACmdlet is the documented cmdlet that rotates the cloud agent CA; it takes no
// parameters [ps:invoke-akshcirotatecacertificate].
const RotateCACmdlet = "Invoke-AksHciRotateCACertificate"

// CAClient names the cloud agent CA where it is listed among credentials.
const CAClient = "Cloud agent CA"

// Fingerprint is the SHA-256 of a certificate's DER encoding, lowercase hex: what the
// provider keeps to notice that the CA behind a state changed.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// CA is one cloud agent CA a host reports. After Invoke-AksHciRotateCACertificate a
// host may report several: a client's access file may hold old and new CA certificates
// together (research A1, inferred from CloudCertificate holding "one or more" PEM
// certificates and CredentialMonitor's Single/Overlap status).
type CA struct {
	Fingerprint string
	NotBefore   time.Time
	NotAfter    time.Time
}

// Expired reports whether the CA has expired at now.
func (c CA) Expired(now time.Time) bool { return !c.NotAfter.After(now) }

// CurrentCA picks the CA the host issues with: the one with the latest NotAfter
// (research A1: "report the one with the latest NotAfter"). ok is false when the host
// reported none.
func CurrentCA(cas []CA) (CA, bool) {
	var best CA
	for _, c := range cas {
		if best.Fingerprint == "" || c.NotAfter.After(best.NotAfter) {
			best = c
		}
	}
	return best, best.Fingerprint != ""
}

// CAState is the renewal policy's view of the CA at the inventory's time.
type CAState int

const (
	// CAUnknown: the host reported no CA expiry.
	CAUnknown CAState = iota
	// CAValid: the CA is valid and outside the window.
	CAValid
	// CAExpiring: the CA is valid but inside the window.
	CAExpiring
	// CAExpired: nothing can be issued or renewed until the CA is rotated.
	CAExpired
)

// CAStatus classifies the inventory's CA against a window.
func (inv *Inventory) CAStatus(window time.Duration) CAState {
	switch {
	case inv.CAExpiresAt.IsZero():
		return CAUnknown
	case !inv.CAExpiresAt.After(inv.Now):
		return CAExpired
	case !inv.CAExpiresAt.Add(-window).After(inv.Now):
		return CAExpiring
	}
	return CAValid
}

// CAExpired reports whether the cloud agent CA has expired on the host's clock.
func (inv *Inventory) CAExpired() bool { return inv.CAStatus(0) == CAExpired }

// CACredential is the cloud agent CA as a credential, for the policy (Evaluate) and the
// data source: a certificate that never renews itself [d:certificates-overview.md].
func (inv *Inventory) CACredential() Credential {
	c := Credential{Client: CAClient, Type: Certificate, Scope: ScopeCA, NotAfter: inv.CAExpiresAt, Source: inv.CASource}
	if ca, ok := CurrentCA(inv.CAs); ok {
		c.Fingerprint = ca.Fingerprint
	}
	if inv.CAExpiresAt.IsZero() {
		c.UnknownReason = "the host reported no cloud agent CA"
	}
	return c
}

// Unusable reports whether a credential can no longer be used whatever its own date:
// it was signed by a cloud agent CA that has expired (or one the host no longer
// trusts), so every TLS handshake with the cloud agent fails
// ("certificate signed by unknown authority" [#160], "Certificate has expired" [moc]).
// A credential whose issuer the host did not report is judged by the current CA.
func (inv *Inventory) Unusable(c Credential) bool {
	if c.Scope == ScopeKubelet || c.Scope == ScopeCA {
		// The Kubernetes certificates have their own 10-year CA [d:secure-communication.md];
		// the CA itself is judged by its own date.
		return false
	}
	if c.IssuerFingerprint != "" {
		for _, ca := range inv.CAs {
			if strings.EqualFold(ca.Fingerprint, c.IssuerFingerprint) {
				return ca.Expired(inv.Now)
			}
		}
		if len(inv.CAs) > 0 {
			return true // signed by a CA the host no longer reports: no longer trusted
		}
	}
	return inv.CAExpired()
}

// EffectiveExpiry is when a credential stops working: its own NotAfter, or its
// issuer's expiry when that comes first (a certificate never outlives its CA).
func (inv *Inventory) EffectiveExpiry(c Credential) time.Time {
	if c.Scope == ScopeKubelet || c.Scope == ScopeCA {
		return c.NotAfter
	}
	ca := inv.CAExpiresAt
	if c.IssuerFingerprint != "" {
		found := false
		for _, x := range inv.CAs {
			if strings.EqualFold(x.Fingerprint, c.IssuerFingerprint) {
				ca, found = x.NotAfter, true
			}
		}
		if !found && len(inv.CAs) > 0 {
			ca = inv.Now // no longer trusted
		}
	}
	if !ca.IsZero() && c.Known() && ca.Before(c.NotAfter) {
		return ca
	}
	return c.NotAfter
}

// WithIssuerExpiry returns creds with each NotAfter moved to EffectiveExpiry, so that
// Evaluate sees a credential signed by an old or expired CA as due.
func (inv *Inventory) WithIssuerExpiry(creds []Credential) []Credential {
	out := make([]Credential, len(creds))
	for i, c := range creds {
		c.NotAfter = inv.EffectiveExpiry(c)
		out[i] = c
	}
	return out
}

// CARotator is a host that can rotate its cloud agent CA (Invoke-AksHciRotateCACertificate).
type CARotator interface {
	RotateCACertificate(ctx context.Context) error
}

// BoundByCA is the policy's last word for credentials the CA signs: when every
// credential that makes st ready ends with the CA (it was capped at the CA's expiry,
// since no certificate outlives its CA) and the CA is still valid, renewing cannot move
// their expiry, so st is not ready: rotating the CA is what is due. A schedule
// (renew_every), a revoked credential, or any credential due before the CA (or with
// its own CA, like the Kubernetes certificates) keeps st ready. creds and window are
// what st was evaluated from.
func (inv *Inventory) BoundByCA(creds []Credential, window time.Duration, st Status) Status {
	if !st.Ready || st.DueByAge || len(st.Revoked) > 0 || inv.CAExpiresAt.IsZero() || !inv.CAExpiresAt.After(inv.Now) {
		return st
	}
	for _, c := range creds {
		counts := c.Known() && (!c.AutoRenew || c.Expired(inv.Now))
		due := counts && !c.NotAfter.Add(-window).After(inv.Now)
		signedByCA := c.Scope != ScopeKubelet && c.Scope != ScopeCA
		if due && (!signedByCA || c.NotAfter.Before(inv.CAExpiresAt)) {
			return st
		}
	}
	st.Ready = false
	return st
}
