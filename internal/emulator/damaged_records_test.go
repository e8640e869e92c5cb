// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// damageIssuer returns a copy of the DER certificate der whose issuer's first relative
// distinguished name is tagged OCTET STRING instead of SET. The outer structure still
// reads, so the lenient validity reader (certValidity) finds the dates, but crypto/x509
// refuses the certificate ("invalid RDNSequence"): the damage TestCorruptionFuzz once
// produced in a Kubernetes CA (base 1, seed 38).
func damageIssuer(t *testing.T, der []byte) []byte {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(der, cert.RawIssuer) // the issuer comes before the subject
	// RawIssuer is a SEQUENCE: its tag, its length (short form, or 0x80|n and n bytes),
	// then the first RDN, a SET (tag 0x31).
	hdr := 2
	if l := cert.RawIssuer[1]; l&0x80 != 0 {
		hdr += int(l & 0x7f)
	}
	out := bytes.Clone(der)
	if at < 0 || out[at+hdr] != 0x31 {
		t.Fatalf("no SET at the start of the issuer (at %d)", at)
	}
	out[at+hdr] = 0x04
	if _, err := x509.ParseCertificate(out); err == nil {
		t.Fatal("the damaged certificate still parses")
	}
	if _, _, err := certValidity(out); err != nil {
		t.Fatalf("the damage must leave the validity readable, as in the fuzz case: %v", err)
	}
	return out
}

// editBolt opens the fixture's file directly with bbolt (no emulator check) and runs fn
// on the emulator's top bucket in one write transaction.
func editBolt(t *testing.T, path string, fn func(top *bolt.Bucket) error) {
	t.Helper()
	writeBolt(t, path, func(tx *bolt.Tx) error { return fn(tx.Bucket(bucketTop)) })
}

// everyOperation lists every operation of the emulator that reads or changes the
// deployment (Prepare and Secrets, which read no cluster record, aside), reads first.
func everyOperation() []struct {
	name  string
	write bool
	op    func(*Emulator) error
} {
	return []struct {
		name  string
		write bool
		op    func(*Emulator) error
	}{
		{"Inventory", false, func(e *Emulator) error { _, err := e.Inventory(ctx); return err }},
		{"Snapshot", false, func(e *Emulator) error { _, err := e.Snapshot(ctx); return err }},
		{"ClientStatus", false, func(e *Emulator) error { _, err := e.ClientStatus(ctx); return err }},
		{"Kubeconfig", false, func(e *Emulator) error { _, err := e.Kubeconfig(ctx, "demo"); return err }},
		{"UpdateManagementCertificates", true, func(e *Emulator) error {
			return e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
		}},
		{"UpdateClusterCertificates", true, func(e *Emulator) error {
			return e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true})
		}},
		{"RotateCACertificate", true, func(e *Emulator) error { return e.RotateCACertificate(ctx) }},
		{"AddCluster", true, func(e *Emulator) error { return e.AddCluster(ctx, "other") }},
		{"DeleteCluster", true, func(e *Emulator) error { return e.DeleteCluster(ctx, "demo") }},
		{"PowerOff", true, func(e *Emulator) error { return e.PowerOff(ctx, "demo") }},
		{"PowerOn", true, func(e *Emulator) error { return e.PowerOn(ctx, "demo") }},
		{"Restart", true, func(e *Emulator) error { return e.Restart(ctx, "demo") }},
		{"PowerOffManagement", true, func(e *Emulator) error { return e.PowerOffManagement(ctx) }},
		{"PowerOnManagement", true, func(e *Emulator) error { return e.PowerOnManagement(ctx) }},
		{"RecoverKMSPlugin", true, func(e *Emulator) error { return e.RecoverKMSPlugin(ctx, Management) }},
		{"RepairMoc", true, func(e *Emulator) error { return e.RepairMoc(ctx) }},
		{"DeleteKvactlAccessFile", true, func(e *Emulator) error { return e.DeleteKvactlAccessFile(ctx) }},
	}
}

// damagedReason runs op on a fresh copy of data at the given moment and returns the
// reason of the damaged-file error it must fail with; the copy must be left byte-identical.
func damagedReason(t *testing.T, data []byte, at time.Time, op func(*Emulator) error) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, stateFileMode); err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{StatePath: path, Clock: akshci.NewFakeClock(at)})
	if err != nil {
		t.Fatal(err)
	}
	opErr := op(e)
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("the damaged file was modified")
	}
	var sfe *StateFileError
	if opErr == nil || !errors.As(opErr, &sfe) || !sfe.Damaged {
		return "", opErr
	}
	return sfe.Reason, opErr
}

// TestDamagedKubernetesCARefusesEveryOperation is the regression test for the fuzz case
// base 1, seed 38: a workload cluster's Kubernetes CA certificate whose dates still read
// but which crypto/x509 refuses. A read failed on it, but an update succeeded and wrote
// to the file, because the update's precheck read only the CA's dates. Now every
// operation, read or write, refuses the file with the same reason and writes nothing,
// both when a Kubernetes certificate is due (day 3: the kubelet certificate is renewed
// every 2.8 days, package doc) and when none is (day 1).
func TestDamagedKubernetesCARefusesEveryOperation(t *testing.T) {
	f := newFixture(t, "demo", "prod")
	editBolt(t, f.path, func(top *bolt.Bucket) error {
		rec, err := decodeGroupRecord(top.Bucket(bucketClusters).Get([]byte("prod")))
		if err != nil {
			return err
		}
		rec.KubeCACert = damageIssuer(t, rec.KubeCACert)
		return top.Bucket(bucketClusters).Put([]byte("prod"), encodeGroup(rec))
	})
	data := f.bytes()
	const want = `workload cluster "prod" Kubernetes CA: x509: invalid RDNSequence`
	for _, at := range []time.Duration{day, 3 * day} {
		for _, tc := range everyOperation() {
			reason, err := damagedReason(t, data, t0.Add(at), tc.op)
			if reason != want {
				t.Errorf("day %d, %s: got %v, want a damaged-file error with reason %q", at/day, tc.name, err, want)
			}
		}
	}
}

// TestMissingKubernetesCAKeyRefusesEveryUpdate: a workload cluster whose secrets lost
// its Kubernetes CA key (every cluster is created with one). A read needs the key only
// to sign a Kubernetes certificate, so it may still succeed on day 1; every operation
// that may write refuses the file on any day and writes nothing, and on day 3 (the
// kubelet certificate is due) the reads refuse it too.
func TestMissingKubernetesCAKeyRefusesEveryUpdate(t *testing.T) {
	f := newFixture(t, "demo", "prod")
	editBolt(t, f.path, func(top *bolt.Bucket) error {
		b := top.Bucket(bucketSecrets)
		var sec storedSecrets
		if err := json.Unmarshal(b.Get([]byte("cluster/prod")), &sec); err != nil {
			return err
		}
		if sec.KubeCAKey == "" {
			t.Fatal("the fixture's cluster has no Kubernetes CA key to remove")
		}
		sec.KubeCAKey = ""
		v, err := json.Marshal(sec)
		if err != nil {
			return err
		}
		return b.Put([]byte("cluster/prod"), v)
	})
	data := f.bytes()
	for _, tc := range everyOperation() {
		reason, err := damagedReason(t, data, t0.Add(day), tc.op)
		switch {
		case tc.write && !strings.Contains(reason, `Kubernetes CA key of workload cluster "prod" is missing`):
			t.Errorf("day 1, %s: got %v, want the missing key reported", tc.name, err)
		case !tc.write && err != nil:
			t.Errorf("day 1, %s: a read that signs nothing with the key failed: %v", tc.name, err)
		}
		reason, err = damagedReason(t, data, t0.Add(3*day), tc.op)
		if !strings.Contains(reason, `"prod"`) || !strings.Contains(reason, "Kubernetes CA key") {
			t.Errorf("day 3, %s: got %v, want the missing key of \"prod\" reported", tc.name, err)
		}
	}
}
