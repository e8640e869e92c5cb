// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Client names the lifecycle rules single out.
const (
	kvaClient       = "KVA"
	kmsClient       = "KMS"
	nodeAgentClient = "NodeAgent"
	lbClient        = "LoadBalancer"
	// managementName is the emulated management cluster's name ((Get-AksHciConfig).Kva.kvaName
	// on a real host), used in the KMS plugin identity name of the recovery steps.
	managementName = "management"
)

// loginAtStart lists the clients that log in with their token every time they start,
// whatever their certificate: CAPH and CSI keep their access file on an emptyDir volume,
// which a restart empties ([caph] config/default, [#186]); the node agent joins the cloud
// agent with its token when it starts and is stuck in Starting once that token has
// expired ([d-old:known-issues-upgrade.md]).
var loginAtStart = map[string]bool{"CAPH": true, "CSI": true, nodeAgentClient: true}

// restart starts every client of the group again at now (a reboot, a restart of the
// cluster's components, or power-on). A client logs in with its token when its
// certificate has expired or when it always does at start (loginAtStart); the login
// succeeds while the token and the cloud agent CA are valid, and issues a certificate
// with the standard lifetime. Otherwise the client is locked out until a new token
// reaches it (an update, or a documented manual recovery). kvactl is a command-line tool
// and does not run, so a restart does nothing to it.
//
// This is why "a cluster not updated for 90 days keeps running, and after a reboot it
// does not work" [d:certificates-overview.md]: expiry alone stops nothing.
func (g *group) restart(now, caNotAfter time.Time) {
	for _, id := range g.ids {
		if !g.isCluster() && id.client.Name == kvaClient {
			continue
		}
		if id.cert.notAfter.After(now) && !loginAtStart[id.client.Name] && !id.lockedOut {
			continue
		}
		if id.tokenNotAfter.After(now) && caNotAfter.After(now) && g.loginUntil(id, caNotAfter).After(now) {
			id.cert.replace(now, capAt(now.Add(akshci.Lifetime), caNotAfter))
			id.lockedOut = false
		} else {
			id.lockedOut = true
		}
		g.changed = true
	}
	if g.changed {
		g.rec.EvaluatedAt = now
	}
}

// kvactlCert is kvactl's certificate as one kvactl run at now sees it: every run renews
// the certificate first when 30% or less of its lifetime remains and it has not expired
// (NewAuthorizerFromEnvironment calls RenewCertificates, [moc] pkg/auth/certrenew.go,
// real-host-expiry.md §1 B, V-src). The renewal keeps the lifetime and begins at now.
//
// The emulator never persists this renewal: every read computes it again from the
// stored certificate, a pure function of the state and the time, so plans and refreshes
// need not write the state file. The price: a deployment read only by plans between day
// 63 and day 90 still has its stored day-90 certificate afterwards, where a real host
// would have kept the renewal.
func kvactlCert(c certState, now, caNotAfter time.Time) certState {
	life := c.lifetime()
	due := c.notAfter.Add(-life * 3 / 10).Truncate(time.Second)
	if end := capAt(now.Add(life), caNotAfter); life > 0 && !now.Before(due) && now.Before(c.notAfter) &&
		now.Before(caNotAfter) && end.After(c.notAfter) {
		c.replace(now, end)
	}
	return c
}

// kvaLockout decides whether kvactl works at now. An expired client certificate cannot
// be renewed, only replaced by a login ([moc] pkg/certs); kvactl did not log in again
// by itself ([#146]: its cmdlets failed until the access file was deleted), so an
// expired certificate fails every call: with "Certificate has expired: Expired" while the
// token is valid [#146], with "Valid Token Required" once the token has expired too
// [#169].
func kvaLockout(certNotAfter, tokenNotAfter, now time.Time) (akshci.Lockout, bool) {
	switch {
	case certNotAfter.After(now):
		return akshci.Lockout{}, false
	case tokenNotAfter.After(now):
		return akshci.KVACertificateLockout(), true
	}
	return akshci.KVATokenLockout(), true
}

// identity returns the group's identity of client.
func (g *group) identity(client string) *identity {
	for _, id := range g.ids {
		if id.client.Name == client {
			return id
		}
	}
	return nil
}

// kvactl returns the KVA identity's certificate as a kvactl call at now sees it, and the
// lockout it hits, if any. Only the management group has a KVA identity.
func (g *group) kvactl(now, caNotAfter time.Time) (certState, akshci.Lockout, bool) {
	id := g.identity(kvaClient)
	if id == nil || g.isCluster() {
		return certState{}, akshci.Lockout{}, false
	}
	c := kvactlCert(id.cert, now, caNotAfter)
	l, locked := kvaLockout(c.notAfter, id.tokenNotAfter, now)
	return c, l, locked
}

// Documented symptoms of a client that cannot log in.
const (
	symptomValidToken = "rpc error: code = Unauthenticated desc = Valid Token Required." //nolint:gosec // an error text, not a credential
	symptomCAPH       = "failed to create scope: rpc error: code = Unauthenticated desc = Valid Token Required.\\n" +
		"failed to create wssd session: login failed (Update-AksHci hangs at \"ControlPlane machines are still upgrading...\")"
)

// lockouts lists the group's lockouts at now, management first, in catalog order.
func (g *group) lockouts(now, caNotAfter time.Time) []akshci.Lockout {
	var out []akshci.Lockout
	if !g.isCluster() {
		if _, l, locked := g.kvactl(now, caNotAfter); locked {
			out = append(out, l)
		}
	}
	for _, id := range g.ids {
		if !id.lockedOut {
			continue
		}
		name := id.client.Name
		switch {
		case !g.isCluster() && name == kmsClient:
			out = append(out, akshci.ManagementKMSLockout(managementName))
		case !g.isCluster() && name == nodeAgentClient:
			out = append(out, akshci.NodeAgentLockout())
		case !g.isCluster():
			symptom, sources := symptomValidToken, "[#107], [ps:update-akshcicertificates]"
			if name == "CAPH" {
				symptom = symptomCAPH
			}
			out = append(out, akshci.ClientLockout("", name, symptom,
				"run Update-AksHciCertificates (apply akshybrid_management_certificates), which gives every management "+
					"client a new token.", sources))
		default:
			out = append(out, clusterClientLockout(g.name, name))
		}
	}
	return out
}

// clusterClientLockout is a workload cluster client that failed to log in at its last
// start; -fixCloudCredentials (with -patchLoadBalancer for the load balancer) reissues
// its token [ps:update-akshciclustercertificates], [d:update-certificates.md].
func clusterClientLockout(cluster, client string) akshci.Lockout {
	remedy := "run Update-AksHciClusterCertificates -name " + cluster + " -fixCloudCredentials (fix_cloud_credentials = true)."
	symptom, sources := symptomValidToken, "[ps:update-akshciclustercertificates]"
	switch client {
	case kmsClient:
		// [#127] is the management cluster's KMS plugin; the same plugin runs on every
		// control plane, so the same outage is inferred for a workload cluster.
		symptom = "the KMS plugin logs \"" + symptomValidToken + "\" and the cluster's API server is down (kubectl fails)."
		sources = "[#127] (inferred for a workload cluster), [ps:update-akshciclustercertificates]"
	case "CertManager":
		symptom = "kubectl logs fails with \"remote error: tls: internal error\"."
		sources = "[#237]"
	case "CSI":
		sources = "[#186], [ps:update-akshciclustercertificates]"
	case lbClient:
		symptom = "LoadBalancer services get a VIP but are unreachable, and scaling fails."
		remedy = "run Update-AksHciClusterCertificates -name " + cluster + " -fixCloudCredentials -patchLoadBalancer " +
			"(fix_cloud_credentials and patch_load_balancer = true)."
		sources = "community AKS hybrid load balancer post, [d:update-certificates.md]"
	}
	return akshci.ClientLockout(cluster, client, symptom, remedy, sources)
}

// Status texts reported by ClientStatus.
const (
	statusOK = "ok"
	// statusLockedOut is the documented error a client gets when it has to log in with
	// an expired token.
	statusLockedOut = "locked out: " + symptomValidToken
	// statusExpiredRunning is a client whose certificate and token have expired while it
	// runs: it keeps working until its next start [d:certificates-overview.md].
	statusExpiredRunning = "expired, still running: its certificate and token have expired; it fails to log in at its next restart"
	// statusStarting is a node agent stuck in Starting [d-old:known-issues-upgrade.md].
	statusStarting = "Starting: the node agent cannot join the cloud agent with its expired token; kill wssdagent and run Repair-Moc"
)

// statuses reports the health of each client of the group, keyed by client name.
func (g *group) statuses(now, caNotAfter time.Time) map[string]string {
	out := make(map[string]string, len(g.ids)+3)
	stopped := "stopped: the cluster's VMs are powered off since " + g.rec.PoweredOffAt.Format(time.RFC3339)
	for _, id := range g.ids {
		name := id.client.Name
		cert, token := id.cert.notAfter, id.tokenNotAfter
		if !g.isCluster() && name == kvaClient {
			c, l, locked := g.kvactl(now, caNotAfter)
			if locked {
				out[name] = "locked out: " + l.Symptom
				continue
			}
			cert = c.notAfter
		}
		certExpired, tokenExpired := !cert.After(now), !token.After(now)
		switch {
		case g.poweredOff():
			out[name] = stopped
		case id.lockedOut && name == nodeAgentClient:
			out[name] = statusStarting
		case id.lockedOut:
			out[name] = statusLockedOut
		case !caNotAfter.After(now):
			out[name] = "cannot reach the cloud agent: x509: certificate has expired or is not yet valid: " +
				"the cloud agent CA expired at " + caNotAfter.Format(time.RFC3339)
		case certExpired && tokenExpired:
			out[name] = statusExpiredRunning
		case certExpired:
			out[name] = "Certificate has expired: Expired (logs in again with its token when it restarts)"
		default:
			out[name] = statusOK
		}
	}
	for i, c := range g.kubeCerts() {
		name := akshci.KubernetesClients[i].Name
		switch {
		case g.poweredOff():
			out[name] = stopped
		case !c.notAfter.After(now):
			out[name] = "expired: x509: certificate has expired or is not yet valid: current time " +
				now.Format(time.RFC3339) + " is after " + c.notAfter.Format(time.RFC3339)
		default:
			out[name] = statusOK
		}
	}
	return out
}
