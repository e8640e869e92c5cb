// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// corruptionCases is how many damaged files TestCorruptionFuzz tries per base file.
const corruptionCases = 160

// corruptionBases builds the files the fuzz damages: a deployment with two clusters,
// renewed a few times so that it spans several pages and has free pages, as the
// emulator writes it (no synced freelist, so bbolt rebuilds the freelist on open by
// walking the tree on a goroutine of its own), and the same file with a synced
// freelist (bbolt then trusts the freelist page instead).
func corruptionBases(t *testing.T) (noFreelist, freelist []byte, id string) {
	t.Helper()
	f := newFixture(t, "demo", "prod")
	for i := range 4 {
		f.advance(30 * day)
		f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
		f.must(f.e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: i%2 == 0}))
	}
	id = f.inventory().DeploymentID
	noFreelist = f.bytes()

	freelist = writeSyncedFreelist(t, noFreelist)
	return noFreelist, freelist, id
}

// corrupt damages a copy of base in one of several ways chosen by r, and says how.
func corrupt(base []byte, r *rand.Rand) ([]byte, string) {
	data := bytes.Clone(base)
	const pageSize = 4096 // what the emulator's files use on the machines the tests run on
	pages := len(data) / pageSize
	page := func() int { return r.IntN(pages) }
	dataPage := func() int { return 2 + r.IntN(pages-2) }
	switch kind := r.IntN(11); kind {
	case 0:
		n := r.IntN(len(data))
		return data[:n], fmt.Sprintf("truncated to %d bytes", n)
	case 1:
		n := pageSize * (1 + r.IntN(pages-1))
		return data[:n], fmt.Sprintf("truncated to %d pages", n/pageSize)
	case 2:
		n := 1 + r.IntN(8)
		for range n {
			data[r.IntN(len(data))] ^= byte(1 + r.IntN(255))
		}
		return data, fmt.Sprintf("%d random bytes flipped", n)
	case 3:
		p := page()
		for i := range pageSize {
			data[p*pageSize+i] = byte(r.UintN(256))
		}
		return data, fmt.Sprintf("page %d overwritten with noise", p)
	case 4:
		p := dataPage()
		clear(data[p*pageSize : (p+1)*pageSize])
		return data, fmt.Sprintf("page %d zeroed", p)
	case 5:
		p := dataPage()
		field := []struct {
			off, size int
			name      string
		}{{0, 8, "id"}, {8, 2, "flags"}, {10, 2, "count"}, {12, 4, "overflow"}}[r.IntN(4)]
		for i := range field.size {
			data[p*pageSize+field.off+i] = byte(r.UintN(256))
		}
		return data, fmt.Sprintf("page %d header %s randomised", p, field.name)
	case 6:
		// An element header (pos, ksize, vsize, child) of a data page.
		p := dataPage()
		off := p*pageSize + 16 + 16*r.IntN(8) + 4*r.IntN(4)
		binary.LittleEndian.PutUint32(data[off:], r.Uint32()>>r.IntN(32))
		return data, fmt.Sprintf("page %d element field at %d randomised", p, off-p*pageSize)
	case 7:
		// A meta page whose checksum still matches: only a structural check finds it.
		m := r.IntN(2)
		field := []struct {
			off  int
			name string
		}{{8, "page size"}, {16, "root"}, {32, "freelist"}, {40, "page count"}, {48, "txid"}}[r.IntN(5)]
		at := m*pageSize + 16 + field.off
		switch field.name {
		case "page size":
			binary.LittleEndian.PutUint32(data[at:], r.Uint32()>>r.IntN(32))
		case "txid":
			binary.LittleEndian.PutUint64(data[at:], r.Uint64N(1<<20))
		default:
			binary.LittleEndian.PutUint64(data[at:], r.Uint64N(uint64(pages)*2+2))
		}
		h := fnv.New64a()
		_, _ = h.Write(data[m*pageSize+16 : m*pageSize+16+56])
		binary.LittleEndian.PutUint64(data[m*pageSize+16+56:], h.Sum64())
		return data, fmt.Sprintf("meta %d %s rewritten with a valid checksum", m, field.name)
	case 8:
		a, b := dataPage(), dataPage()
		copy(data[a*pageSize:(a+1)*pageSize], base[b*pageSize:(b+1)*pageSize])
		return data, fmt.Sprintf("page %d replaced by page %d", a, b)
	case 9:
		a, b := dataPage(), dataPage()
		copy(data[a*pageSize:], base[b*pageSize:(b+1)*pageSize])
		copy(data[b*pageSize:], base[a*pageSize:(a+1)*pageSize])
		return data, fmt.Sprintf("pages %d and %d swapped", a, b)
	default:
		// A child pointer or bucket root pointing somewhere plausible but wrong.
		p := dataPage()
		off := p*pageSize + 16 + 16*r.IntN(4) + 8
		binary.LittleEndian.PutUint64(data[off:], uint64(r.IntN(pages+4)))
		return data, fmt.Sprintf("page %d pointer field randomised", p)
	}
}

// corruptionReplayEnv names a damaged file (one a failing TestCorruptionFuzz kept) for
// TestCorruptionFuzz to run its operations on instead of the seeded cases.
const corruptionReplayEnv = "AKSHYBRID_CORRUPTION_FILE"

// TestCorruptionFuzz damages the emulator's state file in 2×160 seeded ways and
// runs a read, an update and a snapshot on each. The provider process must never crash
// (a bbolt panic on its own goroutine, or a SIGBUS past a truncated file, would end this
// test binary), a damaged file is reported naming the file and left byte-identical, and
// a file that still opens is never silently turned into a new deployment. The damage is
// seeded (the same kind, page and offset on every run: PCG seeded with the base file's
// number and the case's number, both printed); the base file's bytes are not, since its
// keys are fresh each run, so a failing case's file is kept and can be replayed with
// AKSHYBRID_CORRUPTION_FILE=<kept file>.
func TestCorruptionFuzz(t *testing.T) {
	if path := os.Getenv(corruptionReplayEnv); path != "" {
		data, err := os.ReadFile(path) //nolint:gosec // a file the developer names
		if err != nil {
			t.Fatal(err)
		}
		replay := filepath.Join(t.TempDir(), "replay.db")
		if err := os.WriteFile(replay, data, 0o600); err != nil { //nolint:gosec // the test's own temp dir
			t.Fatal(err)
		}
		t.Logf("replaying %s: %s", path, fuzzCase(t, replay, data, "", path))
		return
	}
	noFreelist, freelist, id := corruptionBases(t)
	dir := t.TempDir()
	t.Logf("damage seeds: rand.NewPCG(base, seed) for base 0 (no synced freelist) and 1 (synced), seed 0..%d", corruptionCases-1)
	counts := map[string]int{}
	for b, base := range [][]byte{noFreelist, freelist} {
		for seed := range corruptionCases {
			r := rand.New(rand.NewPCG(uint64(b), uint64(seed)))
			data, how := corrupt(base, r)
			path := filepath.Join(dir, fmt.Sprintf("case-%d-%d.db", b, seed))
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			label := fmt.Sprintf("base %d seed %d (%s)", b, seed, how)
			failed := t.Failed()
			counts[fuzzCase(t, path, data, id, label)]++
			if !failed && t.Failed() {
				// The base deployment has fresh keys each run, so keep the exact bytes.
				keep := filepath.Join(os.TempDir(), fmt.Sprintf("akshybrid-fuzz-%d-%d.db", b, seed))
				if os.WriteFile(keep, data, 0o600) == nil {
					t.Logf("%s: damaged file kept; replay it with %s=%s go test ./internal/emulator -run '^TestCorruptionFuzz$'",
						label, corruptionReplayEnv, keep)
				}
			}
		}
	}
	t.Logf("outcomes over %d damaged files: %v", 2*corruptionCases, counts)
	// Most damage lands in free pages or unused bytes and is harmless; the fuzz must
	// still hit live structures often, or it proves little.
	if counts["refused"] < corruptionCases/2 {
		t.Errorf("only %d of %d damaged files were refused: the fuzz no longer reaches live data", counts["refused"], 2*corruptionCases)
	}
}

// fuzzCase runs the operations on one damaged file and returns the outcome class.
func fuzzCase(t *testing.T, path string, data []byte, id, label string) string {
	t.Helper()
	e, err := New(Config{StatePath: path, Clock: akshci.NewFakeClock(t0.Add(150 * day)), LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	inv, invErr := e.Inventory(ctx)
	_, snapErr := e.Snapshot(ctx)
	if invErr != nil || snapErr != nil {
		for _, err := range []error{invErr, snapErr} {
			if err != nil {
				checkRefusal(t, err, path, label)
			}
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
			t.Errorf("%s: a refused file was modified", label)
		}
		// Every operation that may write decodes at least what a read decodes first
		// (verifyRecords), so a file a read finds damaged is refused as damaged.
		updErr := e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
		var readSFE, updSFE *StateFileError
		switch {
		case updErr == nil:
			t.Errorf("%s: a read failed (%v) but an update succeeded", label, errors.Join(invErr, snapErr))
		case (errors.As(invErr, &readSFE) || errors.As(snapErr, &readSFE)) && readSFE.Damaged &&
			(!errors.As(updErr, &updSFE) || !updSFE.Damaged):
			t.Errorf("%s: a read found the file damaged (%v) but the update failed otherwise: %v", label, readSFE, updErr)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
			t.Errorf("%s: a refused update modified the file", label)
		}
		return "refused"
	}
	if id != "" && inv.DeploymentID != id { // "" when replaying a kept file
		t.Errorf("%s: the damaged file became deployment %q, was %q", label, inv.DeploymentID, id)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Errorf("%s: a read modified the file", label)
	}
	if err := e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}); err != nil {
		checkRefusal(t, err, path, label)
		return "read only"
	}
	if inv, err := e.Inventory(ctx); err != nil || (id != "" && inv.DeploymentID != id) {
		t.Errorf("%s: after an update: %v", label, err)
	}
	return "harmless"
}

func checkRefusal(t *testing.T, err error, path, label string) {
	t.Helper()
	var sfe *StateFileError
	var ce *ClockError
	var cae *CAExpiredError
	switch {
	case errors.As(err, &sfe):
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "left untouched") {
			t.Errorf("%s: %q does not name the file and say it was left untouched", label, msg)
		}
	case errors.As(err, &ce), errors.As(err, &cae):
		// A bit flipped inside a stored time or certificate that still decodes.
	default:
		t.Errorf("%s: unexpected error %T: %v", label, err, err)
	}
}
