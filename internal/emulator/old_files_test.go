// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// oldFiles are the state files earlier releases wrote (testdata/README.md): born at
// oldFileBorn with the workload cluster "demo", their clock at day 70.
var oldFiles = []struct {
	commit string
	// recordsID is set for files written since the deployment ID was recorded.
	recordsID bool
	// v1 is set for files with version 1 cluster records, which the first update that
	// loads them upgrades (TestVersion1RecordsAreRead).
	v1 bool
}{{"efec759", false, true}, {"03ce995", false, false}, {"518c12f", true, false}, {"4486443", true, false}}

var oldFileBorn = time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)

// copyOldFile writes the state file of commit, decompressed, into a fresh directory.
func copyOldFile(t *testing.T, commit string) string {
	t.Helper()
	gz, err := os.Open(filepath.Join("testdata", "state-"+commit+".db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gz.Close() }()
	r, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, stateFileMode); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedDeploymentID reads the deployment ID recorded in a state file ("" when none is).
func storedDeploymentID(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var st storedState
	if err := db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket(bucketTop).Get(keyState), &st) }); err != nil {
		t.Fatal(err)
	}
	return st.DeploymentID
}

// TestOldFilesKeepTheirDeploymentThroughCARotations: a file of each earlier release is
// read (a plan, which writes nothing, not even the deployment ID), then its CA is rotated
// twice, each time followed by the renewals, and its deployment ID never changes. A file
// written before the ID was recorded is named after its first CA: the rotation used to
// rename it (the name came from the current CA), so every resource applied to it then
// reported that the deployment had changed. The first update that commits records the
// name; one that changes nothing still writes nothing.
func TestOldFilesKeepTheirDeploymentThroughCARotations(t *testing.T) {
	for _, old := range oldFiles {
		t.Run(old.commit, func(t *testing.T) {
			path := copyOldFile(t, old.commit)
			clock := akshci.NewFakeClock(oldFileBorn)
			at := func(d int) *Emulator {
				e, err := New(Config{StatePath: path, Clock: clock, TimeOffset: time.Duration(d) * day, WorkloadClusters: []string{"demo"}})
				if err != nil {
					t.Fatal(err)
				}
				return e
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			inv, err := at(100).Inventory(ctx)
			if err != nil {
				t.Fatalf("a plan on the old file: %v", err)
			}
			id := inv.DeploymentID
			if want := `^emulator-[0-9a-f]{32}$`; !old.recordsID {
				if !regexp.MustCompile(`^emulator-ca-[0-9a-f]{32}$`).MatchString(id) {
					t.Fatalf("deployment %q, want the name derived from the CA", id)
				}
			} else if !regexp.MustCompile(want).MatchString(id) {
				t.Fatalf("deployment %q, want the recorded random one", id)
			}
			if _, ok := inv.Cluster("demo"); !ok || !inv.Now.Equal(oldFileBorn.Add(100*day)) {
				t.Fatalf("the old file reads as %+v", inv)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("a plan changed the old file")
			}
			// An update with nothing to do (the cloud credentials were renewed on day 70)
			// writes nothing, the deployment ID included.
			if err := at(70).UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true}); err != nil {
				t.Fatal(err)
			}
			if after, _ := os.ReadFile(path); !old.v1 && !bytes.Equal(before, after) {
				t.Fatal("an update with nothing to do changed the old file")
			}

			caBefore := inv.CAs[0].Fingerprint
			for _, d := range []int{320, 700} { // the second CA expires on day 685
				e := at(d)
				if err := e.RotateCACertificate(ctx); err != nil {
					t.Fatalf("day %d: rotation: %v", d, err)
				}
				inv, err := e.Inventory(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if inv.DeploymentID != id || inv.CAs[0].Fingerprint == caBefore {
					t.Errorf("day %d: after the rotation: deployment %q (was %q), CA %s (was %s)", d, inv.DeploymentID, id, inv.CAs[0].Fingerprint, caBefore)
				}
				if got := storedDeploymentID(t, path); got != id {
					t.Errorf("day %d: the rotation recorded deployment %q, want %q", d, got, id)
				}
				caBefore = inv.CAs[0].Fingerprint
				if err := e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}); err != nil {
					t.Fatalf("day %d: %v", d, err)
				}
				if err := e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, FixKubeletCredentials: true, PatchLoadBalancer: true}); err != nil {
					t.Fatalf("day %d: %v", d, err)
				}
				if inv, err := at(d).Inventory(ctx); err != nil || inv.DeploymentID != id || len(inv.Lockouts) != 0 {
					t.Errorf("day %d: after the renewals: %v, %v", d, inv, err)
				}
			}
			if err := checkState(path); err != nil {
				t.Error(err)
			}
		})
	}
}
