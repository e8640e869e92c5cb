// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

const (
	// staleAfter is how long a workload cluster can stay powered off before its MOC
	// credentials are invalidated (the documented shutdown matrix).
	staleAfter = 30 * 24 * time.Hour
	// clockTolerance is how far behind the persisted emulated time the configured clock
	// may be before it is an error rather than silently clamped.
	clockTolerance = time.Minute
	// maxSteps bounds the renewal replay of one certificate in one evaluation. Renewals
	// stop when the issuing CA expires, so the real bound is the CA lifetime divided by
	// 70% of the shortest certificate lifetime (about 1,300 for kubelet certificates).
	maxSteps = 1 << 20
)

// Stored records. Public material (certificates, expiry times, power state) and secrets
// (tokens, private keys) live in separate records, so that reading an inventory never
// decodes a secret.

// storedState is the deployment-wide record.
type storedState struct {
	// Now is the emulated time of the last committed operation.
	Now       time.Time `json:"now"`
	CreatedAt time.Time `json:"created_at"`
	// CACert is the cloud agent CA certificate (DER).
	CACert []byte `json:"ca_certificate"`
	// PreviousCACert is the CA that the last Invoke-AksHciRotateCACertificate replaced
	// (DER), and RotatedAt when; both empty until the first rotation.
	PreviousCACert []byte    `json:"previous_ca_certificate,omitempty"`
	RotatedAt      time.Time `json:"rotated_at,omitzero"`
	// DeploymentID is random, chosen when the file is initialised (see deploymentID).
	DeploymentID string `json:"deployment_id,omitempty"`
}

// storedGroup is the public record of the management cluster or of one workload cluster.
type storedGroup struct {
	Cluster   string    `json:"cluster,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// EvaluatedAt is the emulated time up to which the dynamics have been replayed.
	EvaluatedAt time.Time `json:"evaluated_at"`
	// PoweredOffAt is when the cluster's VMs were stopped; zero while they run.
	PoweredOffAt time.Time `json:"powered_off_at,omitzero"`
	// Stale is set once a powered-off cluster has lost its MOC credentials (more than
	// 30 days off) during the current power-off.
	Stale      bool             `json:"stale,omitempty"`
	KubeCACert []byte           `json:"kube_ca_certificate,omitempty"`
	Kubelet    []byte           `json:"kubelet_certificate,omitempty"`
	Identities []storedIdentity `json:"identities"`
	// KubeletServer and KubeconfigAdmin are the certificates that are not auto-renewed
	// (record version 2; a version 1 record gets them issued on first load).
	KubeletServer   []byte `json:"kubelet_server_certificate,omitempty"`
	KubeconfigAdmin []byte `json:"kubeconfig_admin_certificate,omitempty"`
}

// storedIdentity is the public half of one MOC identity.
type storedIdentity struct {
	Client        string    `json:"client"`
	Certificate   []byte    `json:"certificate"`
	TokenIssuedAt time.Time `json:"token_issued_at"`
	TokenNotAfter time.Time `json:"token_not_after"`
	// LockedOut is set when the client failed to log in at its last start (record
	// version 2); only a new token clears it.
	LockedOut bool `json:"locked_out,omitempty"`
}

// storedSecrets holds the secret half of a group: token values and private keys.
type storedSecrets struct {
	Tokens    map[string]string `json:"tokens,omitempty"`
	Keys      map[string]string `json:"keys,omitempty"`
	KubeCAKey string            `json:"kube_ca_key,omitempty"`
}

// certState is a certificate as the dynamics see it: its validity read from the stored
// DER, and possibly a pending re-issue with a new validity.
type certState struct {
	der       []byte
	notBefore time.Time
	notAfter  time.Time
	// reissue means notBefore/notAfter describe a certificate still to be signed.
	reissue bool
}

func loadCert(der []byte) (certState, error) {
	nb, na, err := certValidity(der)
	if err != nil {
		return certState{}, err
	}
	return certState{der: der, notBefore: nb, notAfter: na}, nil
}

func (c *certState) lifetime() time.Duration { return c.notAfter.Sub(c.notBefore) }

func (c *certState) replace(notBefore, notAfter time.Time) {
	c.notBefore, c.notAfter, c.reissue = notBefore, notAfter, true
}

// identity is one MOC identity: a login token and a client certificate.
type identity struct {
	client        akshci.Client
	cert          certState
	tokenIssuedAt time.Time
	tokenNotAfter time.Time
	// newToken means a fresh token value is still to be generated.
	newToken bool
	// lockedOut: the client failed to log in at its last start and is down.
	lockedOut bool
}

// group is the management cluster (name "") or one workload cluster, loaded for one
// operation.
type group struct {
	name    string
	rec     storedGroup
	ids     []*identity
	kubelet *certState
	// kubeletServer and kubeconfigAdmin are the Kubernetes certificates that are not
	// managed (not auto-renewed), signed by the cluster's Kubernetes CA.
	kubeletServer   *certState
	kubeconfigAdmin *certState
	// kubeCA is the cluster's Kubernetes CA, parsed whenever the group is decoded (not
	// only when it signs): every operation, read or update, then refuses a damaged one
	// the same way, whether or not a certificate is due. kubeCANotAfter is its expiry.
	kubeCA         *x509.Certificate
	kubeCANotAfter time.Time
	// trust is what the last CA rotation left behind (set when the group is loaded).
	trust   caTrust
	changed bool
}

// caTrust is what a rotation of the cloud agent CA left behind.
type caTrust struct {
	rotatedAt    time.Time // zero: never rotated
	prevNotAfter time.Time // the replaced CA's expiry
}

// loginUntil is until when id can log in again with its token. Its login file holds the
// CA that was current when the token was issued (LoginConfig.certificate, used to
// verify the cloud agent at login, [moc] pkg/auth/auth.go), so after a rotation a
// client that has no new token yet can log in only while the replaced CA is still
// trusted: until it expires (the overlap, see the package documentation: derived).
func (g *group) loginUntil(id *identity, caNotAfter time.Time) time.Time {
	if !g.trust.rotatedAt.IsZero() && id.tokenIssuedAt.Before(g.trust.rotatedAt) && g.trust.prevNotAfter.Before(caNotAfter) {
		return g.trust.prevNotAfter
	}
	return caNotAfter
}

func (g *group) isCluster() bool { return g.name != "" }

func (g *group) poweredOff() bool { return !g.rec.PoweredOffAt.IsZero() }

func catalogFor(cluster bool) []akshci.Client {
	if cluster {
		return akshci.ClusterClients
	}
	return akshci.ManagementClients
}

// decodeGroup turns a stored record into a group, reading every certificate's validity.
func decodeGroup(name string, rec storedGroup) (*group, error) {
	g := &group{name: name, rec: rec}
	byName := make(map[string]storedIdentity, len(rec.Identities))
	for _, si := range rec.Identities {
		byName[si.Client] = si
	}
	catalog := catalogFor(g.isCluster())
	if len(byName) != len(catalog) {
		return nil, fmt.Errorf("%s holds %d identities, want %d", g.label(), len(byName), len(catalog))
	}
	g.ids = make([]*identity, len(catalog))
	for i, c := range catalog {
		si, ok := byName[c.Name]
		if !ok {
			return nil, fmt.Errorf("%s has no %s identity", g.label(), c.Name)
		}
		cert, err := loadCert(si.Certificate)
		if err != nil {
			return nil, fmt.Errorf("%s %s certificate: %w", g.label(), c.Name, err)
		}
		g.ids[i] = &identity{client: c, cert: cert, tokenIssuedAt: si.TokenIssuedAt, tokenNotAfter: si.TokenNotAfter,
			lockedOut: si.LockedOut}
	}
	if g.isCluster() {
		ca, err := x509.ParseCertificate(rec.KubeCACert)
		if err != nil {
			return nil, fmt.Errorf("%s Kubernetes CA: %w", g.label(), err)
		}
		g.kubeCA, g.kubeCANotAfter = ca, ca.NotAfter.UTC()
		kc, err := loadCert(rec.Kubelet)
		if err != nil {
			return nil, fmt.Errorf("%s kubelet certificate: %w", g.label(), err)
		}
		g.kubelet = &kc
		for _, k := range []struct {
			der []byte
			dst **certState
		}{{rec.KubeletServer, &g.kubeletServer}, {rec.KubeconfigAdmin, &g.kubeconfigAdmin}} {
			if len(k.der) == 0 { // a version 1 record: issue it now
				c := &certState{}
				c.replace(rec.EvaluatedAt, rec.EvaluatedAt.Add(akshci.KubeconfigLifetime))
				*k.dst = c
				g.changed = true
				continue
			}
			c, err := loadCert(k.der)
			if err != nil {
				return nil, fmt.Errorf("%s Kubernetes certificate: %w", g.label(), err)
			}
			*k.dst = &c
		}
	}
	return g, nil
}

// label names the group in messages.
func (g *group) label() string {
	if g.isCluster() {
		return "workload cluster " + fmt.Sprintf("%q", g.name)
	}
	return "management cluster"
}

// advance replays the dynamics from the group's last evaluation up to now. Power state
// only changes through operations that first advance the group to that moment, so it is
// constant over the interval.
func (g *group) advance(now, caNotAfter time.Time) {
	if g.poweredOff() {
		g.advanceOff(now)
		return
	}
	start := g.rec.EvaluatedAt
	for _, id := range g.ids {
		// kvactl is a command-line tool: nothing of it runs between calls, so only a
		// call renews its certificate (kvactlCall). A locked-out client is down.
		if id.lockedOut || (!g.isCluster() && id.client.Name == kvaClient) {
			continue
		}
		if advanceCert(&id.cert, id.client.CertificateAutoRenew, id.tokenNotAfter, start, now, caNotAfter, g.loginUntil(id, caNotAfter)) {
			g.changed = true
		}
	}
	if g.kubelet != nil && advanceCert(g.kubelet, true, time.Time{}, start, now, g.kubeCANotAfter, g.kubeCANotAfter) {
		g.changed = true
	}
	if g.changed {
		g.rec.EvaluatedAt = now
	}
}

// advanceOff applies the shutdown matrix to a powered-off cluster: nothing renews, the
// kubelet certificates simply run out, and after more than 30 days off the cluster's
// MOC credentials are invalidated at the 30-day mark.
func (g *group) advanceOff(now time.Time) {
	mark := g.rec.PoweredOffAt.Add(staleAfter)
	if g.rec.Stale || !now.After(mark) {
		return
	}
	for _, id := range g.ids {
		if id.cert.notAfter.After(mark) {
			nb := id.cert.notBefore
			if !nb.Before(mark) {
				nb = mark.Add(-time.Second)
			}
			id.cert.replace(nb, mark)
		}
		if id.tokenNotAfter.After(mark) {
			// The token is re-signed with the new exp, so the stored token keeps telling
			// the truth, like the certificate.
			id.tokenNotAfter = mark
			id.newToken = true
		}
	}
	g.rec.Stale = true
	g.rec.EvaluatedAt = now
	g.changed = true
}

// advanceCert replays, in order, what happens to one running client's certificate
// between start (the moment up to which everything has been replayed, or the moment the
// client started) and now:
//
//   - a certificate that renews itself is renewed once 30% of its lifetime remains, or
//     at start if that moment has passed, provided it has not expired and its issuer is
//     valid; the new certificate has the same lifetime and begins at the renewal moment;
//   - an expired certificate is never renewed; its client logs in again at the moment of
//     expiry (or at start) when its token is still valid and it can still log in
//     (loginUntil: the CA its login file trusts is valid), which issues a certificate
//     with the standard lifetime;
//   - otherwise the client stays locked out (both expired) until an update.
//
// No certificate outlives its issuer: a new certificate ends at the issuer's expiry when
// that comes first (capped), and a renewal that could not end later than the
// certificate it replaces does not happen (it would gain nothing; derived).
//
// It reports whether anything happened. Only the final certificate is signed later: the
// intermediate ones could never be observed.
func advanceCert(c *certState, autoRenew bool, tokenNotAfter, start, now, issuerNotAfter, loginUntil time.Time) bool {
	changed := false
	for range maxSteps {
		life := c.lifetime()
		if life <= 0 {
			break
		}
		if autoRenew {
			at := c.notAfter.Add(-life * 3 / 10).Truncate(time.Second)
			if at.Before(start) {
				at = start
			}
			end := capAt(at.Add(life), issuerNotAfter)
			if at.Before(c.notAfter) && !at.After(now) && at.Before(issuerNotAfter) && end.After(c.notAfter) {
				c.replace(at, end)
				changed = true
				continue
			}
		}
		if !c.notAfter.After(now) {
			at := c.notAfter
			if at.Before(start) {
				at = start
			}
			if tokenNotAfter.After(at) && at.Before(issuerNotAfter) && at.Before(loginUntil) {
				c.replace(at, capAt(at.Add(akshci.Lifetime), issuerNotAfter))
				changed = true
				continue
			}
		}
		break
	}
	return changed
}

// capAt returns t, or limit when limit comes first: no certificate outlives its issuer.
func capAt(t, limit time.Time) time.Time {
	if !limit.IsZero() && limit.Before(t) {
		return limit
	}
	return t
}

// dueForRotation is the rule an update without -force applies: something in scope has
// less than two thirds of its lifetime left (60 days of a 90-day credential), or has
// expired.
func dueForRotation(now, issuedAt, notAfter time.Time) bool {
	left := notAfter.Sub(now)
	return left <= 0 || left < notAfter.Sub(issuedAt)*2/3
}

// identitiesDue reports whether any token or certificate of ids is due for rotation.
func identitiesDue(now time.Time, ids []*identity) bool {
	for _, id := range ids {
		if dueForRotation(now, id.cert.notBefore, id.cert.notAfter) ||
			dueForRotation(now, id.tokenIssuedAt, id.tokenNotAfter) {
			return true
		}
	}
	return false
}

// rotate gives an identity a new token and a new certificate, as a login with a freshly
// issued token does.
func (g *group) rotate(id *identity, now time.Time) {
	id.cert.replace(now, now.Add(akshci.Lifetime))
	id.tokenIssuedAt = now
	id.tokenNotAfter = now.Add(akshci.Lifetime)
	id.newToken = true
	id.lockedOut = false
	g.rec.EvaluatedAt = now
	g.changed = true
}

// reissueKubelet gives the cluster fresh Kubernetes control-plane certificates.
func (g *group) reissueKubelet(now time.Time) {
	g.kubelet.replace(now, now.Add(akshci.KubeletLifetime))
	g.rec.EvaluatedAt = now
	g.changed = true
}

// kubeCerts lists the cluster's Kubernetes certificates in akshci.KubernetesClients
// order.
func (g *group) kubeCerts() []*certState {
	if g.kubelet == nil {
		return nil
	}
	return []*certState{g.kubelet, g.kubeletServer, g.kubeconfigAdmin}
}

// credentials lists the group's credentials for an inventory, in akshci's catalog order
// (akshci.CatalogCredentials), with their expiries.
func (g *group) credentials() []akshci.Credential {
	out := akshci.CatalogCredentials(g.isCluster())
	for i, id := range g.ids {
		out[2*i].NotAfter, out[2*i+1].NotAfter = id.cert.notAfter, id.tokenNotAfter
	}
	for i, c := range g.kubeCerts() {
		out[2*len(g.ids)+i].NotAfter = c.notAfter
	}
	for i := range out {
		out[i].Source = akshci.SourceEmulator
	}
	return out
}
