// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"strconv"
	"strings"
	"time"
)

// DefaultRenewBefore is the default renewal window: 30 days, the documented advice to
// renew within 60 days of a 90-day lifetime with a margin for missed scheduled runs.
const DefaultRenewBefore = 30 * 24 * time.Hour

// Hours writes a duration the way the configuration takes it, in whole hours ("720h"),
// so messages and docs derive their figures from the constants here.
func Hours(d time.Duration) string { return strconv.FormatInt(int64(d/time.Hour), 10) + "h" }

// Days writes a duration in whole days ("30 days").
func Days(d time.Duration) string {
	n := int64(d / (24 * time.Hour))
	if n == 1 || n == -1 {
		return strconv.FormatInt(n, 10) + " day"
	}
	return strconv.FormatInt(n, 10) + " days"
}

// Status is what the renewal policy concludes about a set of credentials.
type Status struct {
	// ExpiresAt is the earliest expiry that counts (see Evaluate); zero when none does.
	ExpiresAt time.Time
	// Credential names the credential that expires at ExpiresAt, e.g. "KMS token".
	Credential string
	// Ready is true when the credentials should be renewed now.
	Ready bool
	// Revoked names the credentials the host reports as revoked; any makes Ready true.
	Revoked []string
	// DueByAge is true when Ready comes from the renewal schedule (ApplySchedule):
	// the last renewal is older than renew_every.
	DueByAge bool
}

// Evaluate is the one renewal policy, shared by resources, data sources, Read and plan.
//
// A credential counts towards ExpiresAt when it does not renew itself (tokens, client
// certificates of clients without a renewal loop). A self-renewing credential counts only
// once it has expired, which means its own renewal failed: otherwise a 4-day kubelet
// certificate would make every plan a renewal. A credential whose expiry is unknown does
// not count: nothing is invented.
//
// Ready is ExpiresAt - window <= now, which includes anything already expired.
func Evaluate(now time.Time, creds []Credential, window time.Duration) Status {
	var st Status
	for _, c := range creds {
		if c.Revoked {
			st.Revoked = append(st.Revoked, c.Name())
		}
		if !c.Known() || (c.AutoRenew && !c.Expired(now)) {
			continue
		}
		if st.ExpiresAt.IsZero() || c.NotAfter.Before(st.ExpiresAt) ||
			(c.NotAfter.Equal(st.ExpiresAt) && c.Name() < st.Credential) {
			st.ExpiresAt = c.NotAfter
			st.Credential = c.Name()
		}
	}
	if !st.ExpiresAt.IsZero() {
		st.Ready = !st.ExpiresAt.Add(-window).After(now)
	}
	if len(st.Revoked) > 0 {
		st.Ready = true
	}
	return st
}

// RecommendedRenewEvery is the interval the AKS hybrid documentation gives for renewing
// the MOC tokens and certificates: within 60 days of the last renewal, since tokens
// issued by the update cmdlets are valid 90 days [d:certificates-update-after-sixty-days.md].
// The same 60 days (two thirds of Lifetime) as NoForceRotationLeft, from the same guidance.
const RecommendedRenewEvery = NoForceRotationLeft

// ApplySchedule is the fallback for hosts that cannot tell an expiry: with renewEvery
// above zero, the renewal is also due once the last renewal (renewedAt, on the host's
// clock) is renewEvery old, whatever the host reports. A zero renewedAt (never renewed
// by this resource, e.g. after an import) or renewEvery leaves st as it is.
func ApplySchedule(st Status, now, renewedAt time.Time, renewEvery time.Duration) Status {
	if renewEvery <= 0 || renewedAt.IsZero() || st.Ready {
		return st
	}
	if !renewedAt.Add(renewEvery).After(now) {
		st.Ready = true
		st.DueByAge = true
	}
	return st
}

// ValidateRenewEvery checks a renewal interval: it must be above zero, and shorter than
// the credential lifetime, otherwise credentials expire before the schedule renews them.
func ValidateRenewEvery(every time.Duration) error {
	if every <= 0 {
		return &WindowError{Window: every, Reason: "must be longer than zero", Kind: "renewal interval"}
	}
	if every >= Lifetime {
		return &WindowError{Window: every, Kind: "renewal interval", Reason: "must be shorter than the credential lifetime of " +
			Lifetime.String() + " (90 days), otherwise credentials expire before the schedule renews them; the AKS hybrid " +
			"documentation advises renewing within " + RecommendedRenewEvery.String() + " (60 days)"}
	}
	return nil
}

// MinRenewEveryWithoutForce is the longest renewal interval that cannot work without
// -force: credentials renewed this long ago still have NoForceRotationLeft of their
// Lifetime left, so an update cmdlet run without -force rotates nothing. renew_every must
// be longer, or force set.
const MinRenewEveryWithoutForce = Lifetime - NoForceRotationLeft

// ValidateRenewEveryForce checks a renewal interval together with the force setting:
// without force, a schedule that falls due while the credentials it renewed last still
// have NoForceRotationLeft left plans renewals the cmdlet skips.
func ValidateRenewEveryForce(every time.Duration, force bool) error {
	if err := ValidateRenewEvery(every); err != nil {
		return err
	}
	if !force && every <= MinRenewEveryWithoutForce {
		return &WindowError{Window: every, Kind: "renewal interval", Reason: "is too short without force: credentials " +
			"renewed " + Days(every) + " ago still have " + Days(Lifetime-every) + " of their " + Days(Lifetime) +
			" left, and without -force the update cmdlets rotate only credentials with less than " +
			Days(NoForceRotationLeft) + " left, so the scheduled renewal would run and change nothing"}
	}
	return nil
}

// ValidateCARenewEvery checks the rotation interval of the cloud agent CA: above zero and
// shorter than the CA's lifetime, otherwise the CA expires before the schedule rotates it.
// The rotation has no -force: it always issues a new CA.
func ValidateCARenewEvery(every time.Duration) error {
	if every <= 0 {
		return &WindowError{Window: every, Reason: "must be longer than zero", Kind: "rotation interval"}
	}
	if every >= CALifetime {
		return &WindowError{Window: every, Kind: "rotation interval", Reason: "must be shorter than the cloud agent CA's " +
			"lifetime of " + Hours(CALifetime) + " (" + Days(CALifetime) + "), otherwise the CA expires before the schedule " +
			"rotates it"}
	}
	return nil
}

// RotatesWithoutForce reports whether an update cmdlet run without -force may rotate
// something among creds (the credentials in its scope) at the inventory's time: a MOC
// credential with less than NoForceRotationLeft left, one whose expiry is unknown, one
// signed by a CA other than the current one (the cmdlets move every client to the current
// CA; derived, see the emulator's signedByReplacedCA), a revoked one, or a Kubernetes
// certificate, whose own lifetime this package does not know (so it may be due).
func (inv *Inventory) RotatesWithoutForce(creds []Credential) bool {
	cur, hasCA := CurrentCA(inv.CAs)
	for _, c := range creds {
		switch {
		case !c.Known(), c.Revoked, c.Scope == ScopeKubelet,
			c.NotAfter.Sub(inv.Now) < NoForceRotationLeft,
			hasCA && c.IssuerFingerprint != "" && !strings.EqualFold(c.IssuerFingerprint, cur.Fingerprint):
			return true
		}
	}
	return false
}

// RenewalEffect is what a renewal changed among the credentials it renews, by name.
type RenewalEffect struct {
	// Changed were re-issued: their expiry, issuer or fingerprint moved, or they appeared
	// or disappeared.
	Changed []string
	// Unchanged were known before and after, with the same expiry, issuer and fingerprint.
	Unchanged []string
	// Unobserved had no known expiry before or after: nothing can be said about them.
	Unobserved []string
}

// CompareRenewal compares the credentials a renewal renews, read before it and after
// it. Only a credential known on both sides can show that nothing changed; one whose
// expiry the host reported only on one side proves nothing either way.
func CompareRenewal(before, after []Credential) RenewalEffect {
	var e RenewalEffect
	prior := make(map[string]Credential, len(before))
	for _, c := range before {
		prior[c.Name()] = c
	}
	seen := make(map[string]bool, len(after))
	for _, a := range after {
		seen[a.Name()] = true
		b, ok := prior[a.Name()]
		switch {
		case !ok:
			e.Changed = append(e.Changed, a.Name())
		case !a.Known() || !b.Known():
			e.Unobserved = append(e.Unobserved, a.Name())
		case !a.NotAfter.Equal(b.NotAfter) || a.IssuerFingerprint != b.IssuerFingerprint || a.Fingerprint != b.Fingerprint:
			e.Changed = append(e.Changed, a.Name())
		default:
			e.Unchanged = append(e.Unchanged, a.Name())
		}
	}
	for _, b := range before {
		if !seen[b.Name()] {
			e.Changed = append(e.Changed, b.Name())
		}
	}
	return e
}

// MinRenewBefore is the shortest renewal window accepted. A shorter one (a typo such as
// "1ns" or "30s") leaves no time between a scheduled plan finding a credential due and
// the credential expiring. A choice of this provider, not a platform fact.
const MinRenewBefore = time.Hour

// NoForceRotationLeft is how much lifetime a credential may have left for the update
// cmdlets to rotate it without -force: less than two thirds of its lifetime, which is 60
// days of a 90-day credential, Microsoft's guidance to update within 60 days
// [d:certificates-update-after-sixty-days.md], [d:certificates-overview.md]. The emulator
// models the cmdlets with the same rule (emulator dueForRotation). Without force, a
// renewal window at least this wide would plan renewals the cmdlet skips.
const NoForceRotationLeft = Lifetime * 2 / 3

// ValidateWindow checks a renewal window against the credential lifetime: shorter than
// MinRenewBefore leaves no time to act, and one at least as long as the lifetime makes
// every credential due the moment it is issued, so every apply would renew.
func ValidateWindow(window time.Duration) error {
	if window < MinRenewBefore {
		return &WindowError{Window: window, Reason: "must be at least " + MinRenewBefore.String() + ", so that a scheduled plan finds a credential due while there is still time to renew it"}
	}
	if window >= Lifetime {
		return &WindowError{Window: window, Reason: "must be shorter than the credential lifetime of " + Lifetime.String() + " (90 days), otherwise a fresh credential is already inside the window and every apply would renew it"}
	}
	return nil
}

// ValidateWindowForce checks a resource's window together with its force setting:
// without force, the cmdlet rotates only credentials with less than NoForceRotationLeft
// left, so a wider window would plan a renewal that then does nothing.
func ValidateWindowForce(window time.Duration, force bool) error {
	if err := ValidateWindow(window); err != nil {
		return err
	}
	if !force && window >= NoForceRotationLeft {
		return &WindowError{Window: window, Reason: "is too wide without force: without -force the update cmdlets rotate only " +
			"credentials with less than " + NoForceRotationLeft.String() + " (two thirds of the 90-day lifetime) left, so a " +
			"renewal planned earlier would run and change nothing"}
	}
	return nil
}

// WindowError explains a renewal window that cannot work.
type WindowError struct {
	Window time.Duration
	Reason string
	// Kind names the setting; "renewal window" when empty.
	Kind string
}

func (e *WindowError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "renewal window"
	}
	return kind + " " + e.Window.String() + " " + e.Reason
}
