// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// DefaultLockTimeout is how long an operation waits for another process to release the
// state file when Config.LockTimeout is zero.
const DefaultLockTimeout = 10 * time.Second

// Config describes an emulated deployment.
type Config struct {
	// StatePath is the bbolt file holding the deployment; created with mode 0600 when
	// missing (by any operation, a read included). Reads need only read access to it.
	StatePath string
	// Clock is the wall clock; nil means akshci.RealClock. The package never reads the
	// machine's time any other way.
	Clock akshci.Clock
	// TimeOffset is added to Clock.Now() to give the emulated time. It must not be
	// negative, and it must not move the emulated clock behind the time already
	// persisted in the state file by more than a minute.
	TimeOffset time.Duration
	// WorkloadClusters are created, running, on first use when missing. Clusters absent
	// from the list are never deleted.
	WorkloadClusters []string
	// LockTimeout is how long to wait for another process's lock; DefaultLockTimeout
	// when zero.
	LockTimeout time.Duration
}

// Emulator is an emulated AKS hybrid deployment kept in one bbolt file. It implements
// akshci.Host and is safe for concurrent use. See the package documentation for the
// model.
type Emulator struct {
	path        string
	clock       akshci.Clock
	offset      time.Duration
	clusters    []string
	lockTimeout time.Duration

	// gate admits one operation at a time (a channel rather than a mutex, so that an
	// operation waiting behind another gives up at its own deadline); see run.
	gate    chan struct{}
	ensured bool // the configured clusters have been checked once
}

var _ akshci.Host = (*Emulator)(nil)

// New validates cfg. It touches nothing on disk: Prepare (or any operation) opens the
// state file.
func New(cfg Config) (*Emulator, error) {
	if strings.TrimSpace(cfg.StatePath) == "" {
		return nil, errors.New("the emulator's state file path must not be empty")
	}
	if cfg.TimeOffset < 0 {
		return nil, fmt.Errorf("the emulator's time offset %s is negative: the emulated clock only moves forward, so the offset must be zero or more", cfg.TimeOffset)
	}
	if cfg.LockTimeout < 0 {
		return nil, fmt.Errorf("emulator lock timeout %s is negative", cfg.LockTimeout)
	}
	path, err := filepath.Abs(cfg.StatePath)
	if err != nil {
		return nil, fmt.Errorf("emulator state file path %q: %w", cfg.StatePath, err)
	}
	e := &Emulator{path: path, clock: cfg.Clock, offset: cfg.TimeOffset, lockTimeout: cfg.LockTimeout, gate: make(chan struct{}, 1)}
	if e.clock == nil {
		e.clock = akshci.RealClock{}
	}
	if e.lockTimeout == 0 {
		e.lockTimeout = DefaultLockTimeout
	}
	seen := map[string]bool{}
	for _, name := range cfg.WorkloadClusters {
		if err := akshci.ValidateClusterName(name); err != nil {
			return nil, fmt.Errorf("configured workload cluster: %w", err)
		}
		if !seen[name] {
			seen[name] = true
			e.clusters = append(e.clusters, name)
		}
	}
	return e, nil
}

// Path is the absolute path of the state file.
func (e *Emulator) Path() string { return e.path }

// Prepare opens (creating it when missing) and checks the state file, the emulated
// clock and the configured clusters, like a read: it persists nothing else.
func (e *Emulator) Prepare(ctx context.Context) error {
	return e.view(ctx, func(s *session) error {
		_, err := s.management()
		return err
	})
}

// Inventory reports the emulated time, the cloud agent CA, every credential and the
// lockouts, after replaying everything that happened since the last operation. Reading
// the cluster list runs kvactl (Get-AksHciCluster), which renews kvactl's certificate
// past 70% of its life (kvactlCert) and fails while kvactl is locked out: the workload
// clusters are then left out and Lockouts says why.
func (e *Emulator) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	var inv *akshci.Inventory
	err := e.view(ctx, func(s *session) error {
		v, err := s.current()
		if err != nil {
			return err
		}
		inv = &akshci.Inventory{Now: s.now, CAExpiresAt: s.ca.NotAfter, CAs: s.caInfo(), CASource: akshci.SourceEmulator,
			DeploymentID: s.deploymentID(), Management: v.m.credentials(), Clusters: make([]akshci.Cluster, 0, len(v.cs)),
			Lockouts: v.lockouts}
		s.markIssuers(v.m, inv.Management)
		for i, c := range inv.Management {
			if c.Client == kvaClient && c.Type == akshci.Certificate {
				inv.Management[i].NotAfter = v.kva.notAfter
			}
		}
		for _, g := range v.cs {
			creds := g.credentials()
			s.markIssuers(g, creds)
			inv.Clusters = append(inv.Clusters, akshci.Cluster{Name: g.name, Credentials: creds})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv.SortClusters()
	return inv, nil
}

// deploymentView is what an inventory reads: the management group, the workload
// clusters (none while the cluster list is blocked), kvactl's certificate as the
// inventory's kvactl call leaves it, and the lockouts.
type deploymentView struct {
	m        *group
	cs       []*group
	kva      certState
	lockouts []akshci.Lockout
}

// current is the deployment as a read sees it; kvactl's self-renewal is computed, not
// stored, so it is the same for every read at the same time (and the caller's view
// transaction is rolled back anyway).
func (s *session) current() (*deploymentView, error) {
	m, err := s.management()
	if err != nil {
		return nil, err
	}
	if m.poweredOff() {
		return nil, &PoweredOffError{Since: m.rec.PoweredOffAt}
	}
	v := &deploymentView{m: m, lockouts: m.lockouts(s.now, s.caNotAfter())}
	v.kva, _, _ = m.kvactl(s.now, s.caNotAfter())
	for _, l := range v.lockouts {
		if l.BlocksClusterList {
			return v, nil
		}
	}
	if v.cs, err = s.clusters(); err != nil {
		return nil, err
	}
	for _, g := range v.cs {
		v.lockouts = append(v.lockouts, g.lockouts(s.now, s.caNotAfter())...)
	}
	return v, nil
}

// blockingOrder ranks the lockouts that block a cmdlet by what the cmdlet hits first:
// the management API server being down, then kvactl, then the node agent.
var blockingOrder = []akshci.LockoutKind{akshci.LockoutManagementKMS, akshci.LockoutKVACertificate,
	akshci.LockoutKVAToken, akshci.LockoutNodeAgent}

// blocked returns the lockout of the management group that makes op fail first.
func (s *session) blocked(m *group, op string, cluster bool) error {
	ls := m.lockouts(s.now, s.caNotAfter())
	for _, kind := range blockingOrder {
		for _, l := range ls {
			if l.Kind == kind && ((!cluster && l.BlocksManagementUpdate) || (cluster && (l.BlocksClusterUpdates || l.BlocksClusterList))) {
				return &akshci.LockoutError{Operation: op, Lockout: l}
			}
		}
	}
	return nil
}

// UpdateManagementCertificates emulates Update-AksHciCertificates: a new token and a new
// certificate for every management client, when some management credential is due (less
// than two thirds of its lifetime left, or expired) or when forced.
func (e *Emulator) UpdateManagementCertificates(ctx context.Context, opts akshci.ManagementOptions) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.management()
		if err != nil {
			return err
		}
		if err := s.requireCA(); err != nil {
			return err
		}
		if g.poweredOff() {
			return &PoweredOffError{Since: g.rec.PoweredOffAt}
		}
		if err := s.blocked(g, "Update-AksHciCertificates", false); err != nil {
			return err
		}
		if !opts.Force && !identitiesDue(s.now, g.ids) && !anyLockedOut(g.ids) && !s.signedByReplacedCA(g.ids) {
			return nil
		}
		for _, id := range g.ids {
			g.rotate(id, s.now)
		}
		return s.save(g, storedSecrets{})
	})
}

// UpdateClusterCertificates emulates Update-AksHciClusterCertificates -name cluster.
// -fixKubeletCredentials (or -name alone, see akshci.ClusterOptions) re-issues the
// Kubernetes certificates of the control plane and runs first; -fixCloudCredentials
// rotates the tokens and certificates of KMS, CSI, CertManager and CloudProvider, and of
// the load balancer with -patchLoadBalancer. Each fix rotates only when something in its
// scope is due (or a client of its scope is locked out), or when forced. The cmdlet runs
// kvactl against the management cluster, so a kvactl or management lockout makes it fail.
func (e *Emulator) UpdateClusterCertificates(ctx context.Context, cluster string, opts akshci.ClusterOptions) error {
	if err := validateClusterOptions(opts); err != nil {
		return err
	}
	return e.update(ctx, func(s *session) error {
		m, err := s.management()
		if err != nil {
			return err
		}
		if m.poweredOff() {
			return &PoweredOffError{Since: m.rec.PoweredOffAt}
		}
		if err := s.requireCA(); err != nil {
			return err
		}
		if err := s.blocked(m, "Update-AksHciClusterCertificates -name "+cluster, true); err != nil {
			return err
		}
		// The cmdlet runs kvactl, which renews its own certificate when due; an update
		// writes the state anyway, so this renewal is kept.
		if kva := m.identity(kvaClient); kva != nil {
			if c := kvactlCert(kva.cert, s.now, s.caNotAfter()); c.reissue {
				kva.cert = c
				m.rec.EvaluatedAt = s.now
				m.changed = true
				if err := s.save(m, storedSecrets{}); err != nil {
					return err
				}
			}
		}
		g, err := s.cluster(cluster)
		if err != nil {
			return err
		}
		if err := s.requireCA(); err != nil {
			return err
		}
		if g.poweredOff() {
			return &PoweredOffError{Cluster: cluster, Since: g.rec.PoweredOffAt}
		}
		if opts.FixKubeletCredentials || opts.NameOnly() {
			if opts.Force || dueForRotation(s.now, g.kubelet.notBefore, g.kubelet.notAfter) {
				g.reissueKubelet(s.now)
			}
			// The kubelet server certificate is on the control-plane nodes, so the fix
			// reissues it (inferred, akshci.KubeletServerClient). The admin kubeconfig
			// certificate is informational: no cmdlet is documented to renew it
			// (akshci.KubeconfigAdminClient), so no operation here does.
			if c := g.kubeletServer; opts.Force || dueForRotation(s.now, c.notBefore, c.notAfter) {
				c.replace(s.now, s.now.Add(akshci.KubeconfigLifetime))
				g.rec.EvaluatedAt = s.now
				g.changed = true
			}
		}
		if opts.FixCloudCredentials {
			var scope []*identity
			for _, id := range g.ids {
				if id.client.Scope == akshci.ScopeCloud || (opts.PatchLoadBalancer && id.client.Scope == akshci.ScopeLoadBalancer) {
					scope = append(scope, id)
				}
			}
			if opts.Force || identitiesDue(s.now, scope) || anyLockedOut(scope) || s.signedByReplacedCA(scope) {
				for _, id := range scope {
					g.rotate(id, s.now)
				}
			}
		}
		return s.save(g, storedSecrets{})
	})
}

func anyLockedOut(ids []*identity) bool {
	for _, id := range ids {
		if id.lockedOut {
			return true
		}
	}
	return false
}

func validateClusterOptions(opts akshci.ClusterOptions) error { return opts.Validate() }

// Snapshot is an inventory with the public material behind it: what a real host would
// let a script read (certificates and token expiry times), never keys or tokens.
type Snapshot struct {
	Now time.Time
	// CACertificatePEM holds the trusted cloud agent CAs, concatenated, the current one
	// first (after a rotation the replaced one follows while it is still trusted), as an
	// access file's CloudCertificate may (research A1).
	CACertificatePEM []byte
	Management       []Material
	// Clusters is empty while a lockout blocks the cluster list (see Lockouts).
	Clusters []ClusterMaterial
	// Lockouts are the inventory's lockouts.
	Lockouts []akshci.Lockout
}

// ClusterMaterial is the public material of one workload cluster.
type ClusterMaterial struct {
	Name        string
	Credentials []Material
}

// Material is one credential's public material.
type Material struct {
	Client string
	Type   akshci.CredentialType
	// CertificatePEM is set for certificates; their expiry is in the certificate.
	CertificatePEM []byte
	// NotAfter is set for tokens.
	NotAfter time.Time
}

// Snapshot evaluates the deployment like Inventory and returns its public material, in
// the same order as the inventory's credentials.
func (e *Emulator) Snapshot(ctx context.Context) (*Snapshot, error) {
	var snap *Snapshot
	err := e.view(ctx, func(s *session) error {
		v, err := s.current()
		if err != nil {
			return err
		}
		var caPEM []byte
		for _, c := range s.cas() {
			caPEM = append(caPEM, certPEM(c.Raw)...)
		}
		snap = &Snapshot{Now: s.now, CACertificatePEM: caPEM, Management: v.m.materials(),
			Lockouts: v.lockouts}
		if v.kva.reissue {
			// kvactl renewed its certificate during this read: show the renewed one,
			// signed for this read only (kvactlCert).
			is, err := s.cloudIssuer()
			if err != nil {
				return err
			}
			der, _, err := is.issue(certSpec{commonName: identityName(v.m, kvaClient), organization: []string{v.m.label()},
				notBefore: v.kva.notBefore, notAfter: v.kva.notAfter})
			if err != nil {
				return err
			}
			for i, mat := range snap.Management {
				if mat.Client == kvaClient && mat.Type == akshci.Certificate {
					snap.Management[i].CertificatePEM = certPEM(der)
				}
			}
		}
		for _, g := range v.cs {
			snap.Clusters = append(snap.Clusters, ClusterMaterial{Name: g.name, Credentials: g.materials()})
		}
		return nil
	})
	return snap, err
}

func (g *group) materials() []Material {
	out := make([]Material, 0, 2*len(g.ids)+1)
	for _, id := range g.ids {
		out = append(out,
			Material{Client: id.client.Name, Type: akshci.Certificate, CertificatePEM: certPEM(id.cert.der)},
			Material{Client: id.client.Name, Type: akshci.Token, NotAfter: id.tokenNotAfter})
	}
	for i, c := range g.kubeCerts() {
		out = append(out, Material{Client: akshci.KubernetesClients[i].Name, Type: akshci.Certificate, CertificatePEM: certPEM(c.der)})
	}
	return out
}

// AddCluster creates a running workload cluster with fresh credentials.
func (e *Emulator) AddCluster(ctx context.Context, name string) error {
	if err := akshci.ValidateClusterName(name); err != nil {
		return err
	}
	return e.update(ctx, func(s *session) error {
		if s.clusterBucket().get([]byte(name)) != nil {
			return fmt.Errorf("workload cluster %q already exists", name)
		}
		return s.createCluster(name)
	})
}

// DeleteCluster removes a workload cluster and its credentials.
func (e *Emulator) DeleteCluster(ctx context.Context, name string) error {
	return e.update(ctx, func(s *session) error {
		if _, err := s.cluster(name); err != nil {
			return err
		}
		return s.deleteCluster(name)
	})
}

// PowerOff stops a workload cluster's VMs from the current emulated time. Nothing
// renews while they are stopped. Powering off a stopped cluster does nothing.
func (e *Emulator) PowerOff(ctx context.Context, name string) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.cluster(name)
		if err != nil || g.poweredOff() {
			return err
		}
		g.rec.PoweredOffAt = s.now
		g.rec.EvaluatedAt = s.now
		g.rec.Stale = false
		g.changed = true
		return s.save(g, storedSecrets{})
	})
}

// PowerOn starts a workload cluster's VMs at the current emulated time. Its clients
// renew what became due while it was off and then start (see Restart); expired kubelet
// certificates stay expired until -fixKubeletCredentials. Powering on a running cluster
// does nothing.
func (e *Emulator) PowerOn(ctx context.Context, name string) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.cluster(name)
		if err != nil || !g.poweredOff() {
			return err
		}
		g.rec.PoweredOffAt = time.Time{}
		g.rec.Stale = false
		g.rec.EvaluatedAt = s.now
		g.changed = true
		g.advance(s.now, s.caNotAfter())
		g.restart(s.now, s.caNotAfter())
		return s.save(g, storedSecrets{})
	})
}

// ClientStatus reports how each client is doing, keyed "management/<client>" or
// "cluster/<name>/<client>": "ok"; "expired, still running: ..." when its certificate
// and token have expired while it runs; the documented "locked out: rpc error: code =
// Unauthenticated desc = Valid Token Required." when it failed to log in at its last
// start; "Starting: ..." for a node agent stuck that way; kvactl's lockout text; "stopped:
// ..." while its cluster is powered off; and so on. It is the emulator's own view and
// runs no kvactl call of its own beyond computing what one would see.
func (e *Emulator) ClientStatus(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := e.view(ctx, func(s *session) error {
		m, err := s.management()
		if err != nil {
			return err
		}
		for client, st := range m.statuses(s.now, s.caNotAfter()) {
			out["management/"+client] = st
		}
		cs, err := s.clusters()
		if err != nil {
			return err
		}
		for _, g := range cs {
			for client, st := range g.statuses(s.now, s.caNotAfter()) {
				out["cluster/"+g.name+"/"+client] = st
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Secrets lists every token value and private key PEM held in the state file (the CA
// keys included), sorted, so that tests can assert none of them leaks. Certificates a
// read replays are signed in memory only and never stored, so their keys are not listed.
func (e *Emulator) Secrets(ctx context.Context) ([]string, error) {
	var out []string
	err := e.view(ctx, func(s *session) error {
		return s.secretsBucket().each(func(k, v []byte) error {
			if string(k) == string(secretCA) {
				out = append(out, string(v))
				return nil
			}
			var sec storedSecrets
			if err := json.Unmarshal(v, &sec); err != nil {
				return s.damaged(fmt.Errorf("secrets record %q: %w", k, err))
			}
			for _, v := range sec.Tokens {
				out = append(out, v)
			}
			for _, v := range sec.Keys {
				out = append(out, v)
			}
			if sec.KubeCAKey != "" {
				out = append(out, sec.KubeCAKey)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
