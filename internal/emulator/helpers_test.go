// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

const day = 24 * time.Hour

// t0 is when every test deployment is created.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var ctx = context.Background()

type fixture struct {
	t     testing.TB
	clock *akshci.FakeClock
	path  string
	e     *Emulator
}

// newFixture prepares a deployment at t0 with the given workload clusters.
func newFixture(t testing.TB, clusters ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: akshci.NewFakeClock(t0), path: filepath.Join(t.TempDir(), "state.db")}
	f.e = f.emulator(0, clusters...)
	if err := f.e.Prepare(ctx); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return f
}

// emulator returns another Emulator on the fixture's file and clock.
func (f *fixture) emulator(offset time.Duration, clusters ...string) *Emulator {
	f.t.Helper()
	e, err := New(Config{StatePath: f.path, Clock: f.clock, TimeOffset: offset, WorkloadClusters: clusters})
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return e
}

func (f *fixture) advance(d time.Duration) { f.clock.Advance(d) }

func (f *fixture) inventory() *akshci.Inventory {
	f.t.Helper()
	inv, err := f.e.Inventory(ctx)
	if err != nil {
		f.t.Fatalf("Inventory: %v", err)
	}
	return inv
}

func (f *fixture) status() map[string]string {
	f.t.Helper()
	st, err := f.e.ClientStatus(ctx)
	if err != nil {
		f.t.Fatalf("ClientStatus: %v", err)
	}
	return st
}

func (f *fixture) snapshot() *Snapshot {
	f.t.Helper()
	s, err := f.e.Snapshot(ctx)
	if err != nil {
		f.t.Fatalf("Snapshot: %v", err)
	}
	return s
}

func (f *fixture) bytes() []byte {
	f.t.Helper()
	b, err := os.ReadFile(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// creds returns the credentials of the management cluster ("") or of a cluster.
func creds(t testing.TB, inv *akshci.Inventory, cluster string) []akshci.Credential {
	t.Helper()
	if cluster == "" {
		return inv.Management
	}
	c, ok := inv.Cluster(cluster)
	if !ok {
		t.Fatalf("cluster %q missing from inventory (have %v)", cluster, inv.ClusterNames())
	}
	return c.Credentials
}

// cred finds one credential.
func cred(t testing.TB, inv *akshci.Inventory, cluster, client string, typ akshci.CredentialType) akshci.Credential {
	t.Helper()
	for _, c := range creds(t, inv, cluster) {
		if c.Client == client && c.Type == typ {
			return c
		}
	}
	t.Fatalf("no %s %s in %q", client, typ, cluster)
	return akshci.Credential{}
}

func notAfter(t testing.TB, inv *akshci.Inventory, cluster, client string, typ akshci.CredentialType) time.Time {
	t.Helper()
	return cred(t, inv, cluster, client, typ).NotAfter
}

// wantNotAfter checks one credential's expiry, expressed as an offset from t0.
func wantNotAfter(t testing.TB, inv *akshci.Inventory, cluster, client string, typ akshci.CredentialType, want time.Duration) {
	t.Helper()
	if got := notAfter(t, inv, cluster, client, typ); !got.Equal(t0.Add(want)) {
		t.Errorf("%q %s %s NotAfter = %s (t0%+.2fd), want t0%+.2fd", cluster, client, typ, got.Format(time.RFC3339),
			got.Sub(t0).Hours()/24, want.Hours()/24)
	}
}

// certOf parses a certificate from a snapshot.
func certOf(t testing.TB, snap *Snapshot, cluster, client string) *x509.Certificate {
	t.Helper()
	mats := snap.Management
	if cluster != "" {
		mats = nil
		for _, c := range snap.Clusters {
			if c.Name == cluster {
				mats = c.Credentials
			}
		}
	}
	for _, m := range mats {
		if m.Client == client && m.Type == akshci.Certificate {
			return parsePEM(t, m.CertificatePEM)
		}
	}
	t.Fatalf("no %s certificate in snapshot of %q", client, cluster)
	return nil
}

func parsePEM(t testing.TB, data []byte) *x509.Certificate {
	t.Helper()
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PEM certificate: %q", data)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkState verifies a state file from the inside: every certificate is signed by its
// CA, every private key belongs to its certificate, every token exists, and bbolt's own
// consistency check passes. It is what "complete and consistent" means after a crash.
func checkState(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	return db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("bbolt check: %w", err)
		}
		top := tx.Bucket(bucketTop)
		if top == nil {
			return fmt.Errorf("no top bucket")
		}
		var st storedState
		if err := json.Unmarshal(top.Get(keyState), &st); err != nil {
			return err
		}
		ca, err := x509.ParseCertificate(st.CACert)
		if err != nil {
			return err
		}
		if err := checkKey(top.Bucket(bucketSecrets).Get(secretCA), ca); err != nil {
			return fmt.Errorf("CA key: %w", err)
		}
		check := func(name string, data []byte, secKey []byte) error {
			rec, err := decodeGroupRecord(data)
			if err != nil {
				return fmt.Errorf("%s record: %w", name, err)
			}
			var sec storedSecrets
			if err := json.Unmarshal(top.Bucket(bucketSecrets).Get(secKey), &sec); err != nil {
				return fmt.Errorf("%s secrets: %w", name, err)
			}
			want := len(catalogFor(name != ""))
			if len(rec.Identities) != want || len(sec.Tokens) != want {
				return fmt.Errorf("%s: %d identities, %d tokens, want %d", name, len(rec.Identities), len(sec.Tokens), want)
			}
			for _, id := range rec.Identities {
				c, err := x509.ParseCertificate(id.Certificate)
				if err != nil {
					return err
				}
				if err := c.CheckSignatureFrom(ca); err != nil {
					return fmt.Errorf("%s %s: %w", name, id.Client, err)
				}
				if err := checkKey([]byte(sec.Keys[id.Client]), c); err != nil {
					return fmt.Errorf("%s %s key: %w", name, id.Client, err)
				}
				if sec.Tokens[id.Client] == "" || !id.TokenNotAfter.After(id.TokenIssuedAt) {
					return fmt.Errorf("%s %s token missing or invalid", name, id.Client)
				}
			}
			if name != "" {
				kca, err := x509.ParseCertificate(rec.KubeCACert)
				if err != nil {
					return err
				}
				if err := checkKey([]byte(sec.KubeCAKey), kca); err != nil {
					return fmt.Errorf("%s kube CA key: %w", name, err)
				}
				kc, err := x509.ParseCertificate(rec.Kubelet)
				if err != nil {
					return err
				}
				if err := kc.CheckSignatureFrom(kca); err != nil {
					return fmt.Errorf("%s kubelet: %w", name, err)
				}
				if err := checkKey([]byte(sec.Keys[akshci.KubeletClient.Name]), kc); err != nil {
					return fmt.Errorf("%s kubelet key: %w", name, err)
				}
			}
			return nil
		}
		if err := check("", top.Get(keyManagement), keyManagement); err != nil {
			return err
		}
		return top.Bucket(bucketClusters).ForEach(func(k, v []byte) error {
			return check(string(k), v, []byte("cluster/"+string(k)))
		})
	})
}

// checkKey verifies that keyPEM is the private key of cert.
func checkKey(keyPEM []byte, cert *x509.Certificate) error {
	key, err := parseKey(string(keyPEM))
	if err != nil {
		return err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return fmt.Errorf("key does not match certificate %q", cert.Subject.CommonName)
	}
	return nil
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

// modelInventory reads every group straight from the model, as Inventory would without
// its kvactl call: the workload clusters are listed even while kvactl is locked out.
func (f *fixture) modelInventory() *akshci.Inventory {
	f.t.Helper()
	inv := &akshci.Inventory{}
	f.must(f.e.view(ctx, func(s *session) error {
		m, cs, err := s.groups()
		if err != nil {
			return err
		}
		inv.Now, inv.CAExpiresAt, inv.CAs, inv.Management = s.now, s.ca.NotAfter, s.caInfo(), m.credentials()
		s.markIssuers(m, inv.Management)
		for _, g := range cs {
			creds := g.credentials()
			s.markIssuers(g, creds)
			inv.Clusters = append(inv.Clusters, akshci.Cluster{Name: g.name, Credentials: creds})
		}
		return nil
	}))
	return inv
}

// lockoutKinds lists the kinds of an inventory's lockouts, "<cluster>/<client>:<kind>".
func lockoutKinds(inv *akshci.Inventory) []string {
	var out []string
	for _, l := range inv.Lockouts {
		out = append(out, l.Cluster+"/"+l.Client+":"+string(l.Kind))
	}
	return out
}

// modelLockouts lists every group's lockouts straight from the model, workload clusters
// included even while kvactl is locked out.
func (f *fixture) modelLockouts() []akshci.Lockout {
	f.t.Helper()
	var out []akshci.Lockout
	f.must(f.e.view(ctx, func(s *session) error {
		m, cs, err := s.groups()
		if err != nil {
			return err
		}
		out = m.lockouts(s.now, s.caNotAfter())
		for _, g := range cs {
			out = append(out, g.lockouts(s.now, s.caNotAfter())...)
		}
		return nil
	}))
	return out
}
