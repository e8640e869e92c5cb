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
	// StatePath is the bbolt file holding the deployment; created with mode 0600.
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
		return nil, errors.New("emulator state_path must not be empty")
	}
	if cfg.TimeOffset < 0 {
		return nil, fmt.Errorf("emulator time_offset %s is negative: the emulated clock only moves forward, so the offset must be zero or more", cfg.TimeOffset)
	}
	if cfg.LockTimeout < 0 {
		return nil, fmt.Errorf("emulator lock timeout %s is negative", cfg.LockTimeout)
	}
	path, err := filepath.Abs(cfg.StatePath)
	if err != nil {
		return nil, fmt.Errorf("emulator state_path %q: %w", cfg.StatePath, err)
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
		if name == "" {
			return nil, errors.New("emulator workload_clusters must not contain an empty name")
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

// Prepare opens (creating it on first use) and checks the state file, the emulated
// clock and the configured clusters, like a read: it persists nothing else.
func (e *Emulator) Prepare(ctx context.Context) error {
	return e.view(ctx, func(s *session) error {
		_, err := s.management()
		return err
	})
}

// Inventory reports the emulated time, the cloud agent CA and every credential, after
// replaying everything that happened since the last operation.
func (e *Emulator) Inventory(ctx context.Context) (*akshci.Inventory, error) {
	var inv *akshci.Inventory
	err := e.view(ctx, func(s *session) error {
		m, cs, err := s.groups()
		if err != nil {
			return err
		}
		inv = &akshci.Inventory{Now: s.now, CAExpiresAt: s.ca.NotAfter, DeploymentID: s.deploymentID(), Management: m.credentials(),
			Clusters: make([]akshci.Cluster, 0, len(cs))}
		for _, g := range cs {
			inv.Clusters = append(inv.Clusters, akshci.Cluster{Name: g.name, Credentials: g.credentials()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv.SortClusters()
	return inv, nil
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
		if !opts.Force && !identitiesDue(s.now, g.ids) {
			return nil
		}
		for _, id := range g.ids {
			g.rotate(id, s.now)
		}
		return s.save(g, storedSecrets{})
	})
}

// UpdateClusterCertificates emulates Update-AksHciClusterCertificates -name cluster.
// -fixKubeletCredentials re-issues the Kubernetes control-plane certificates and runs
// first; -fixCloudCredentials rotates the tokens and certificates of KMS, CSI,
// CertManager and CloudProvider, and of the load balancer with -patchLoadBalancer. Each
// fix rotates only when something in its scope is due, or when forced.
func (e *Emulator) UpdateClusterCertificates(ctx context.Context, cluster string, opts akshci.ClusterOptions) error {
	if err := validateClusterOptions(opts); err != nil {
		return err
	}
	return e.update(ctx, func(s *session) error {
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
		if opts.FixKubeletCredentials &&
			(opts.Force || dueForRotation(s.now, g.kubelet.notBefore, g.kubelet.notAfter)) {
			g.reissueKubelet(s.now)
		}
		if opts.FixCloudCredentials {
			var scope []*identity
			for _, id := range g.ids {
				if id.client.Scope == akshci.ScopeCloud || (opts.PatchLoadBalancer && id.client.Scope == akshci.ScopeLoadBalancer) {
					scope = append(scope, id)
				}
			}
			if opts.Force || identitiesDue(s.now, scope) {
				for _, id := range scope {
					g.rotate(id, s.now)
				}
			}
		}
		return s.save(g, storedSecrets{})
	})
}

func validateClusterOptions(opts akshci.ClusterOptions) error {
	if !opts.FixCloudCredentials && !opts.FixKubeletCredentials {
		return errors.New("Update-AksHciClusterCertificates needs -fixCloudCredentials or -fixKubeletCredentials (or both): neither was set, so there is nothing to update")
	}
	if opts.PatchLoadBalancer && !opts.FixCloudCredentials {
		return errors.New("Update-AksHciClusterCertificates: -patchLoadBalancer works only together with -fixCloudCredentials")
	}
	return nil
}

// Snapshot is an inventory with the public material behind it: what a real host would
// let a script read (certificates and token expiry times), never keys or tokens.
type Snapshot struct {
	Now              time.Time
	CACertificatePEM []byte
	Management       []Material
	Clusters         []ClusterMaterial
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
		m, cs, err := s.groups()
		if err != nil {
			return err
		}
		snap = &Snapshot{Now: s.now, CACertificatePEM: certPEM(s.state.CACert), Management: m.materials()}
		for _, g := range cs {
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
	if g.kubelet != nil {
		out = append(out, Material{Client: akshci.KubeletClient.Name, Type: akshci.Certificate, CertificatePEM: certPEM(g.kubelet.der)})
	}
	return out
}

// AddCluster creates a running workload cluster with fresh credentials.
func (e *Emulator) AddCluster(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("workload cluster name must not be empty")
	}
	return e.update(ctx, func(s *session) error {
		if s.clusterBucket().Get([]byte(name)) != nil {
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
// renew what became due while it was off, and log in again where their certificate
// expired but their token is valid; expired kubelet certificates stay expired until
// -fixKubeletCredentials. Powering on a running cluster does nothing.
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
		return s.save(g, storedSecrets{})
	})
}

// ClientStatus reports how each client is doing, keyed "management/<client>" or
// "cluster/<name>/<client>": "ok", the documented "locked out: rpc error: code =
// Unauthenticated desc = Valid Token Required." when its certificate and token have both
// expired, "stopped: ..." while its cluster is powered off, and so on.
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
		c := s.secretsBucket().Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if string(k) == string(secretCA) {
				out = append(out, string(v))
				continue
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
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
