// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// pageKind is what one page of a state file holds, as checkFile walks it.
type pageKind string

const (
	kindMeta     pageKind = "meta"
	kindBranch   pageKind = "branch"
	kindLeaf     pageKind = "leaf"
	kindFreelist pageKind = "freelist"
	kindOverflow pageKind = "overflow" // the continuation of a page holding a large value
	kindFree     pageKind = "free"     // below the high-water mark, reachable from nothing
	kindUnused   pageKind = "unused"   // at or past the high-water mark (the file's preallocated end)
)

// pageKinds classifies every page of an intact file with 4 KiB pages.
func pageKinds(t *testing.T, data []byte) []pageKind {
	t.Helper()
	c := &fileChecker{data: data}
	if err := c.check(); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	kinds := make([]pageKind, len(data)/4096)
	kinds[0], kinds[1] = kindMeta, kindMeta
	for id := uint64(2); id < uint64(len(kinds)); id++ {
		off := id * 4096
		switch {
		case id >= c.meta.pgid:
			kinds[id] = kindUnused
		case !c.reachable[id]:
			kinds[id] = kindFree
		default:
			switch le.Uint16(data[off+8:]) {
			case flagBranch:
				kinds[id] = kindBranch
			case flagLeaf:
				kinds[id] = kindLeaf
			case flagFreelist:
				kinds[id] = kindFreelist
			}
			for i := range uint64(le.Uint32(data[off+12:])) {
				kinds[id+1+i] = kindOverflow
			}
			id += uint64(le.Uint32(data[off+12:]))
		}
	}
	return kinds
}

// newestMeta returns the page number (0 or 1) of the meta page bbolt uses.
func newestMeta(data []byte) int {
	m0, _ := parseMeta(data, 0)
	m1, _ := parseMeta(data, 4096)
	if m1.txid > m0.txid {
		return 1
	}
	return 0
}

// reads are the operations plans, refreshes and data sources run.
func reads() []struct {
	name string
	op   func(*Emulator) error
} {
	return []struct {
		name string
		op   func(*Emulator) error
	}{
		{"Prepare", func(e *Emulator) error { return e.Prepare(ctx) }},
		{"Inventory", func(e *Emulator) error { _, err := e.Inventory(ctx); return err }},
		{"Snapshot", func(e *Emulator) error { _, err := e.Snapshot(ctx); return err }},
		{"ClientStatus", func(e *Emulator) error { _, err := e.ClientStatus(ctx); return err }},
		{"Kubeconfig", func(e *Emulator) error { _, err := e.Kubeconfig(ctx, "demo"); return err }},
		{"Secrets", func(e *Emulator) error { _, err := e.Secrets(ctx); return err }},
	}
}

// requireRefusal checks that err is the damaged-file error: it names the file, says it was
// left untouched and gives the command that restores the backup.
func requireRefusal(t *testing.T, label string, err error, path string) {
	t.Helper()
	var sfe *StateFileError
	if !errors.As(err, &sfe) || !sfe.Damaged {
		t.Errorf("%s: %v, want the damaged-file error", label, err)
		return
	}
	for _, want := range []string{fmt.Sprintf("%q is damaged", path), "left untouched", fmt.Sprintf("cp %q %q", path+".backup", path)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q lacks %q", label, err, want)
		}
	}
}

// writeDamaged writes data as the state file of a fresh directory next to backup, and
// returns its path.
func writeDamaged(t *testing.T, data, backup []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, stateFileMode); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".backup", backup, stateFileMode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDamagedMetaPageIsNeverAnOlderDeployment is the reported defect: a deployment that
// first use created has been committed once, so the other meta page is the empty
// database bbolt starts with. With the newest meta page damaged, bbolt falls back to
// that one, and a plan initialised a new deployment over the file. With more history
// the fallback is the previous commit, which the next update would have written over.
// Either meta page damaged, of a new file or one with history, every operation (reads
// and updates) refuses the file with the damaged-file error and leaves it byte-identical.
func TestDamagedMetaPageIsNeverAnOlderDeployment(t *testing.T) {
	fresh := newFixture(t, "demo")
	history := newFixture(t, "demo")
	history.advance(10 * day)
	history.must(history.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	for _, base := range []struct {
		name string
		f    *fixture
	}{{"a new file", fresh}, {"a file with history", history}} {
		data, backup := base.f.bytes(), readBackup(t, base.f)
		newest := newestMeta(data)
		for _, page := range []struct {
			name string
			n    int
		}{{"newest", newest}, {"older", 1 - newest}} {
			damaged := bytes.Clone(data)
			damaged[page.n*4096+pageHeaderSize+16] ^= 0x01 // a bit of the root page number: the checksum no longer matches
			ops := everyOperation()
			for _, r := range reads() {
				ops = append(ops, struct {
					name  string
					write bool
					op    func(*Emulator) error
				}{r.name, false, r.op})
			}
			for _, op := range ops {
				path := writeDamaged(t, damaged, backup)
				e, err := New(Config{StatePath: path, Clock: base.f.clock, WorkloadClusters: []string{"demo", "configured"}})
				if err != nil {
					t.Fatal(err)
				}
				label := fmt.Sprintf("%s, %s meta page %d damaged, %s", base.name, page.name, page.n, op.name)
				requireRefusal(t, label, op.op(e), path)
				if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
					t.Errorf("%s: the file was modified", label)
				}
			}
		}
	}
}

func readBackup(t *testing.T, f *fixture) []byte {
	t.Helper()
	b, err := os.ReadFile(f.e.BackupPath())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDamagedPagesAreRefusedOrHarmless damages every page of a state file with history,
// one at a time, in two ways (zeroed; overwritten with seeded noise), in a file written
// as the emulator writes it and in one with a synced freelist, so that every kind of
// page is hit: both meta pages, branch and leaf pages, overflow pages, the freelist page,
// free pages and the unused end of the file. A page that bbolt reads (meta, branch, leaf,
// freelist) damaged is always refused by the reads and by an update, with the
// damaged-file error; damage anywhere else is either refused the same way or harmless,
// and then the file is still the same deployment. In every case the reads leave the file
// byte-identical, and nothing is ever turned into a new deployment.
func TestDamagedPagesAreRefusedOrHarmless(t *testing.T) {
	f := newFixture(t, "demo", "prod")
	f.advance(30 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true}))
	id := f.inventory().DeploymentID
	backup := readBackup(t, f)
	seen := map[pageKind]int{}
	outcomes := map[string]int{}
	for b, base := range [][]byte{f.bytes(), writeSyncedFreelist(t, f.bytes())} {
		kinds := pageKinds(t, base)
		r := rand.New(rand.NewPCG(uint64(b), 20))
		for page, kind := range kinds {
			seen[kind]++
			for _, damage := range []string{"zeroed", "noise"} {
				data := bytes.Clone(base)
				p := data[page*4096 : (page+1)*4096]
				if damage == "zeroed" {
					clear(p)
				} else {
					for i := range p {
						p[i] = byte(r.UintN(256))
					}
				}
				if bytes.Equal(data, base) {
					continue // a zeroed page that was zero already
				}
				label := fmt.Sprintf("base %d, page %d (%s) %s", b, page, kind, damage)
				outcomes[string(kind)+" "+damagedPageCase(t, label, kind, data, backup, id, f)]++
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
	for _, kind := range []pageKind{kindMeta, kindBranch, kindLeaf, kindFreelist, kindOverflow, kindFree, kindUnused} {
		if seen[kind] == 0 {
			t.Errorf("the files have no %s page: the test no longer covers it", kind)
		}
	}
}

// damagedPageCase runs the reads and an update on one damaged file and returns the outcome.
func damagedPageCase(t *testing.T, label string, kind pageKind, data, backup []byte, id string, f *fixture) string {
	t.Helper()
	path := writeDamaged(t, data, backup)
	e, err := New(Config{StatePath: path, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	mustRefuse := kind == kindMeta || kind == kindBranch || kind == kindLeaf || kind == kindFreelist
	refused := 0
	for _, op := range reads() {
		err := op.op(e)
		switch {
		case err != nil:
			requireRefusal(t, label+", "+op.name, err, path)
			refused++
		case mustRefuse:
			t.Errorf("%s, %s: read a damaged %s page", label, op.name, kind)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
			t.Fatalf("%s, %s: a read modified the file", label, op.name)
		}
	}
	if inv, err := e.Inventory(ctx); err == nil && inv.DeploymentID != id {
		t.Errorf("%s: the file became deployment %q, was %q", label, inv.DeploymentID, id)
	}
	err = e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
	switch {
	case err != nil:
		requireRefusal(t, label+", update", err, path)
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
			t.Errorf("%s: a refused update modified the file", label)
		}
		if refused == 0 {
			return "update refused"
		}
		return "refused"
	case mustRefuse || refused > 0:
		t.Errorf("%s: an update wrote to a file a read refused or that has a damaged %s page", label, kind)
	}
	if inv, err := e.Inventory(ctx); err != nil || inv.DeploymentID != id {
		t.Errorf("%s: after the update: %v", label, err)
	}
	return "harmless"
}

// TestEmptiedRootIsNeverANewDeployment: the root page, or the top bucket's page, emptied
// (its element count zeroed) is a structurally valid bbolt page, so checkFile passes it
// and the database looks empty, or the top bucket unmarked. An empty database used to be
// initialised as a new deployment; next to its backup, either is refused as damaged.
func TestEmptiedRootIsNeverANewDeployment(t *testing.T) {
	f := newFixture(t, "demo")
	data, backup := f.bytes(), readBackup(t, f)
	m, _ := parseMeta(data, newestMeta(data)*4096)
	root := data[m.root*4096:]
	// The root leaf's only element is the top bucket, whose value starts with its root page.
	e := pageHeaderSize
	if le.Uint16(root[10:]) != 1 || le.Uint32(root[e:])&leafFlagBucket == 0 {
		t.Fatal("the root page does not hold just the top bucket")
	}
	value := e + int(le.Uint32(root[e+4:])) + int(le.Uint32(root[e+8:]))
	topPage := le.Uint64(root[value:])
	if topPage == 0 {
		t.Fatal("the top bucket is inline")
	}
	for _, tc := range []struct {
		name string
		page uint64
	}{{"root page", m.root}, {"top bucket's page", topPage}} {
		damaged := bytes.Clone(data)
		le.PutUint16(damaged[tc.page*4096+10:], 0)
		for _, op := range everyOperation() {
			path := writeDamaged(t, damaged, backup)
			e, _ := New(Config{StatePath: path, Clock: f.clock, WorkloadClusters: []string{"demo"}})
			requireRefusal(t, tc.name+" emptied, "+op.name, op.op(e), path)
			if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
				t.Errorf("%s emptied, %s: the file was modified", tc.name, op.name)
			}
		}
	}
}
