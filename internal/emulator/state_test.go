// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "state file path must not be empty"},
		{Config{StatePath: "x.db", TimeOffset: -time.Hour}, "negative"},
		{Config{StatePath: "x.db", LockTimeout: -time.Second}, "negative"},
		{Config{StatePath: "x.db", WorkloadClusters: []string{"a", ""}}, "DNS labels"},
		{Config{StatePath: "x.db", WorkloadClusters: []string{"Demo_1"}}, "DNS labels"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	e, err := New(Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if e.lockTimeout != DefaultLockTimeout || e.Path() != path {
		t.Errorf("defaults: %v %q", e.lockTimeout, e.Path())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New touched the disk: %v", err)
	}
}

func TestClockNeverMovesBackwards(t *testing.T) {
	f := newFixture(t)
	ahead := f.emulator(48 * time.Hour)
	// Only an update (terraform apply) persists the emulated clock; reads never do.
	f.must(ahead.Prepare(ctx))
	if err := f.emulator(0).Prepare(ctx); err != nil {
		t.Fatalf("a read at offset 48h moved the persisted clock: %v", err)
	}
	f.must(ahead.UpdateManagementCertificates(ctx, akshci.ManagementOptions{}))
	before := f.bytes()

	err := f.emulator(0).Prepare(ctx)
	var ce *ClockError
	if !errors.As(err, &ce) {
		t.Fatalf("offset 0 after 48h: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"emulated clock in " + fmt.Sprintf("%q", f.path) + " is at " + t0.Add(48*time.Hour).Format(time.RFC3339),
		"move it back to " + t0.Format(time.RFC3339),
		"raise the time offset to at least 48h",
		"delete the state file",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if ce.MinOffset != 48*time.Hour {
		t.Errorf("MinOffset %s", ce.MinOffset)
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("a refused clock changed the state file")
	}

	// Within a minute: clamped, never backwards.
	inv, err := f.emulator(48*time.Hour - 30*time.Second).Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Now.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("Now %s", inv.Now)
	}
	f.clock.Advance(-30 * time.Second)
	if inv, err = ahead.Inventory(ctx); err != nil || !inv.Now.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("clock moved back 30s: %v %v", inv, err)
	}
	f.clock.Advance(time.Hour + 30*time.Second)
	if inv, err = ahead.Inventory(ctx); err != nil || !inv.Now.Equal(t0.Add(49*time.Hour)) {
		t.Errorf("clock moved on: %v %v", inv, err)
	}
	// The suggestion works.
	f.must(f.emulator(ce.MinOffset).Prepare(ctx))
}

func TestStatePathErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing", "state.db"), "does not exist; create it or choose another state file path"},
		{dir, "is a directory"},
		{filepath.Join(file, "state.db"), "a parent of it is not a directory"},
	} {
		e, err := New(Config{StatePath: tc.path, Clock: akshci.NewFakeClock(t0)})
		if err != nil {
			t.Fatal(err)
		}
		err = e.Prepare(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a missing directory was created")
	}

	// An unwritable place: a read-only directory, or for root (who may write anywhere
	// else) sysfs, where creating a file is refused.
	unwritable := filepath.Join(dir, "ro", "state.db")
	if err := os.Mkdir(filepath.Dir(unwritable), 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		unwritable = "/sys/akshybrid-emulator-test.db"
	}
	e, _ := New(Config{StatePath: unwritable, Clock: akshci.NewFakeClock(t0)})
	if err := e.Prepare(ctx); err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), unwritable) {
		t.Errorf("unwritable path: %v", err)
	}
}

func TestForeignFilesAreNeverModified(t *testing.T) {
	dir := t.TempDir()
	garbage := make([]byte, 64<<10)
	_, _ = rand.Read(garbage)

	foreign := filepath.Join(dir, "foreign.db")
	writeBolt(t, foreign, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("other-app"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	newer := filepath.Join(dir, "newer.db")
	writeBolt(t, newer, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketTop)
		if err != nil {
			return err
		}
		return b.Put(keySchema, []byte("99"))
	})
	unmarked := filepath.Join(dir, "unmarked.db")
	writeBolt(t, unmarked, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket(bucketTop)
		return err
	})

	for _, tc := range []struct {
		name    string
		path    string
		content []byte
		want    string
	}{
		{"garbage", filepath.Join(dir, "garbage.db"), garbage, "is not an akshybrid emulator state file: it is not a bbolt database"},
		{"text", filepath.Join(dir, "notes.txt"), []byte("hello, world\n"), "is not an akshybrid emulator state file"},
		{"foreign bbolt", foreign, nil, "is not an akshybrid emulator state file: it is a bbolt database without the \"akshybrid-emulator\" bucket"},
		{"unmarked", unmarked, nil, "has no schema version"},
		{"newer schema", newer, nil, "format version \"99\""},
	} {
		if tc.content != nil {
			if err := os.WriteFile(tc.path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		fiBefore, _ := os.Stat(tc.path)
		e, err := New(Config{StatePath: tc.path, Clock: akshci.NewFakeClock(t0), WorkloadClusters: []string{"demo"}})
		if err != nil {
			t.Fatal(err)
		}
		for op, err := range map[string]error{
			"prepare":   e.Prepare(ctx),
			"inventory": func() error { _, err := e.Inventory(ctx); return err }(),
			"update":    e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}),
		} {
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("%s %s: %v, want %q", tc.name, op, err, tc.want)
			}
			var sfe *StateFileError
			if errors.As(err, &sfe) && !strings.HasSuffix(err.Error(), "; move it away or choose another state file path") {
				t.Errorf("%s %s: %q", tc.name, op, err)
			}
		}
		after, _ := os.ReadFile(tc.path)
		fiAfter, _ := os.Stat(tc.path)
		if !bytes.Equal(before, after) || !fiBefore.ModTime().Equal(fiAfter.ModTime()) || fiBefore.Mode() != fiAfter.Mode() {
			t.Errorf("%s: the file was modified", tc.name)
		}
	}
}

func writeBolt(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestEmptyFilesAreNeverInitialised: an existing file of zero bytes, or an empty bbolt
// database, is not a new deployment: every operation refuses it, saying how to start
// over (delete it) or, next to a backup, how to restore it, and leaves it as it was, its
// mode included. Only a missing file is created (TestFirstUseCreatesTheFile).
func TestEmptyFilesAreNeverInitialised(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil { //nolint:gosec // the mode a user's touch gives
		t.Fatal(err)
	}
	emptied := newFixture(t, "demo") // emptied after first use: its backup is the way back
	if err := os.Truncate(emptied.path, 0); err != nil {
		t.Fatal(err)
	}
	emptyBolt := filepath.Join(dir, "empty-bolt.db")
	writeBolt(t, emptyBolt, func(*bolt.Tx) error { return nil })
	lostRecords := newFixture(t, "demo") // a bbolt database of ours whose records are gone
	writeBolt(t, lostRecords.path, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketTop) })
	for _, tc := range []struct {
		name, path string
		want       []string
		damaged    bool
	}{
		{"zero bytes", empty, []string{"is empty (0 bytes); it was left untouched", "To start a new emulated deployment, delete the empty file",
			"no backup copy"}, true},
		{"zero bytes next to a backup", emptied.path, []string{"is empty (0 bytes)",
			fmt.Sprintf("cp %q %q", emptied.path+".backup", emptied.path), "or delete the empty file"}, true},
		{"an empty bbolt database", emptyBolt, []string{"is not an akshybrid emulator state file: it is an empty bbolt database"}, false},
		{"a bbolt database of ours without records", lostRecords.path, []string{"is damaged (it is a bbolt database that holds nothing",
			fmt.Sprintf("cp %q %q", lostRecords.path+".backup", lostRecords.path)}, true},
	} {
		before, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		fiBefore, _ := os.Stat(tc.path)
		for _, op := range everyOperation() {
			e, _ := New(Config{StatePath: tc.path, Clock: akshci.NewFakeClock(t0), WorkloadClusters: []string{"demo"}})
			err := op.op(e)
			var sfe *StateFileError
			if !errors.As(err, &sfe) || sfe.Damaged != tc.damaged {
				t.Errorf("%s, %s: %v, want a state file error (damaged %v)", tc.name, op.name, err, tc.damaged)
				continue
			}
			for _, w := range append(tc.want, strconv.Quote(tc.path)) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s, %s: %q lacks %q", tc.name, op.name, err, w)
				}
			}
		}
		after, _ := os.ReadFile(tc.path)
		fiAfter, _ := os.Stat(tc.path)
		if !bytes.Equal(before, after) || fiAfter.Mode() != fiBefore.Mode() || !fiAfter.ModTime().Equal(fiBefore.ModTime()) {
			t.Errorf("%s: the file was modified (%d bytes, mode %v; was %d bytes, mode %v)", tc.name, len(after), fiAfter.Mode(), len(before), fiBefore.Mode())
		}
	}
}

func TestSecretsNeverInInventory(t *testing.T) {
	f := newFixture(t, "demo", "other")
	f.advance(100 * day)
	f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
	secrets := mustSecrets(t, f.e)
	want := 1 + 2*len(akshci.ManagementClients) + 2*(2*len(akshci.ClusterClients)+len(akshci.KubernetesClients)+1)
	if len(secrets) != want {
		t.Errorf("%d secrets, want %d", len(secrets), want)
	}
	keys, tokens := 0, 0
	for _, s := range secrets {
		switch {
		case strings.Contains(s, "-----BEGIN PRIVATE KEY-----"):
			keys++
		case len(s) >= 40 && !strings.ContainsAny(s, " \n"):
			tokens++
		default:
			t.Errorf("unexpected secret %.20q", s)
		}
	}
	if tokens != len(akshci.ManagementClients)+2*len(akshci.ClusterClients) {
		t.Errorf("%d tokens", tokens)
	}
	inv, snap, st := f.inventory(), f.snapshot(), f.status()
	public := fmt.Sprintf("%#v\n%#v\n%#v\n%s", inv, snap, st, snapshotText(snap))
	for _, s := range secrets {
		if strings.Contains(public, s) || strings.Contains(public, firstLine(s)) {
			t.Errorf("secret %.30q appears in inventory, snapshot or status", s)
		}
	}
	// The state file itself holds them (that is what Secrets reads), nothing else.
	data := f.bytes()
	for _, s := range secrets {
		if !bytes.Contains(data, []byte(s)) && !bytes.Contains(data, []byte(jsonEscape(s))) {
			t.Errorf("secret %.30q not found in the state file", s)
		}
	}
}

func snapshotText(s *Snapshot) string {
	var b strings.Builder
	b.Write(s.CACertificatePEM)
	for _, m := range s.Management {
		b.Write(m.CertificatePEM)
	}
	for _, c := range s.Clusters {
		for _, m := range c.Credentials {
			b.Write(m.CertificatePEM)
		}
	}
	return b.String()
}

// firstLine is the first line of a key's base64 body: enough to catch a partial leak.
func firstLine(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 1 {
		return lines[1]
	}
	return s
}

func jsonEscape(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }

func TestWorkloadClusters(t *testing.T) {
	f := newFixture(t, "a", "b", "a")
	if got := f.inventory().ClusterNames(); !equalStrings(got, []string{"a", "b"}) {
		t.Fatalf("clusters %v", got)
	}
	// A list without "a" never deletes it; a new name is created on first use.
	e := f.emulator(0, "b", "c")
	inv, err := e.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.ClusterNames(); !equalStrings(got, []string{"a", "b", "c"}) {
		t.Fatalf("clusters %v", got)
	}
	if err := e.AddCluster(ctx, "b"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate AddCluster: %v", err)
	}
	// The one cluster-name rule (akshci.ValidateClusterName): DNS labels, so the empty name is refused.
	if err := e.AddCluster(ctx, ""); err == nil || !strings.Contains(err.Error(), "DNS labels") || !strings.Contains(err.Error(), `got ""`) {
		t.Errorf("empty AddCluster name: %v", err)
	}
	f.advance(day)
	f.must(e.AddCluster(ctx, "d"))
	f.must(e.DeleteCluster(ctx, "a"))
	inv, _ = e.Inventory(ctx)
	if got := inv.ClusterNames(); !equalStrings(got, []string{"b", "c", "d"}) {
		t.Fatalf("clusters %v", got)
	}
	wantNotAfter(t, inv, "d", "KMS", akshci.Token, 91*day)
	// Created only on an Emulator's first use, not on every operation.
	f.must(e.DeleteCluster(ctx, "c"))
	inv, _ = e.Inventory(ctx)
	if got := inv.ClusterNames(); !equalStrings(got, []string{"b", "d"}) {
		t.Fatalf("clusters %v", got)
	}
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentUse runs operations from several goroutines on one Emulator and on a
// second Emulator sharing the file (the lock is per open file, even in one process).
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, "demo")
	other := f.emulator(0)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		e := f.e
		if i%2 == 1 {
			e = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				var err error
				switch (i + j) % 4 {
				case 0:
					_, err = e.Inventory(ctx)
				case 1:
					err = e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true})
				case 2:
					err = e.UpdateClusterCertificates(ctx, "demo", akshci.ClusterOptions{FixCloudCredentials: true, Force: true})
				case 3:
					_, err = e.ClientStatus(ctx)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
}

func TestContextCancelled(t *testing.T) {
	f := newFixture(t)
	c, cancel := contextWithCancel()
	cancel()
	if _, err := f.e.Inventory(c); err == nil {
		t.Error("cancelled context accepted")
	}
}

func TestGroupCodecRoundTrip(t *testing.T) {
	rec := storedGroup{
		Cluster:      "demo",
		CreatedAt:    t0,
		EvaluatedAt:  t0.Add(time.Hour + 5*time.Nanosecond),
		PoweredOffAt: time.Time{},
		Stale:        true,
		KubeCACert:   []byte{1, 2, 3},
		Kubelet:      []byte{4},
		Identities: []storedIdentity{
			{Client: "KMS", Certificate: []byte("der"), TokenIssuedAt: t0, TokenNotAfter: t0.Add(akshci.Lifetime), LockedOut: true},
			{Client: "CSI", Certificate: nil, TokenIssuedAt: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		KubeletServer:   []byte{5},
		KubeconfigAdmin: []byte{6, 7},
	}
	data := encodeGroup(rec)
	got, err := decodeGroupRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", rec) {
		t.Errorf("round trip:\n%#v\n%#v", got, rec)
	}
	for i := range data {
		if _, err := decodeGroupRecord(data[:i]); err == nil {
			t.Errorf("truncated at %d accepted", i)
		}
	}
	if _, err := decodeGroupRecord(append(data, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

// TestDamagedRecord: a state file of ours whose cluster record is broken is reported,
// and left alone.
func TestDamagedRecord(t *testing.T) {
	f := newFixture(t, "demo")
	db, err := bolt.Open(f.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTop).Bucket(bucketClusters).Put([]byte("demo"), []byte{groupCodecVersion, 0xff})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	before := f.bytes()
	_, err = f.e.Inventory(ctx)
	var sfe *StateFileError
	if !errors.As(err, &sfe) || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), `"demo"`) {
		t.Errorf("damaged record: %v", err)
	}
	if !bytes.Equal(before, f.bytes()) {
		t.Error("a damaged file was modified")
	}
}

func TestRealClockByDefault(t *testing.T) {
	e, err := New(Config{StatePath: filepath.Join(t.TempDir(), "state.db"), TimeOffset: 10 * day, WorkloadClusters: []string{"demo"}})
	if err != nil {
		t.Fatal(err)
	}
	before := akshci.RealClock{}.Now().Add(10 * day).Truncate(time.Second)
	inv, err := e.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := akshci.RealClock{}.Now().Add(10 * day)
	if inv.Now.Before(before) || inv.Now.After(after) {
		t.Errorf("Now %s not between %s and %s", inv.Now, before, after)
	}
	if st, err := e.ClientStatus(ctx); err != nil || st["cluster/demo/KMS"] != statusOK {
		t.Errorf("%v %v", st, err)
	}
}

// TestVersion1RecordsAreRead: a cluster record written before the lockout flag and the
// unmanaged Kubernetes certificates existed is read, and those certificates are issued
// on first load (one year from the record's last evaluation).
func TestVersion1RecordsAreRead(t *testing.T) {
	f := newFixture(t, "demo")
	f.must(f.e.update(ctx, func(s *session) error {
		g, err := s.cluster("demo")
		if err != nil {
			return err
		}
		// The version 1 layout: the version 2 one without the additions.
		r := g.rec
		e := &encoder{}
		e.buf = append(e.buf, 1)
		e.string(r.Cluster)
		e.time(r.CreatedAt)
		e.time(r.EvaluatedAt)
		e.time(r.PoweredOffAt)
		e.bool(r.Stale)
		e.bytes(r.KubeCACert)
		e.bytes(r.Kubelet)
		e.uvarint(uint64(len(r.Identities)))
		for _, id := range r.Identities {
			e.string(id.Client)
			e.bytes(id.Certificate)
			e.time(id.TokenIssuedAt)
			e.time(id.TokenNotAfter)
		}
		return s.put(s.clusterBucket(), []byte("demo"), e.buf)
	}))
	f.advance(day)
	inv := f.inventory()
	wantNotAfter(t, inv, "demo", "KMS", akshci.Token, 90*day)
	wantNotAfter(t, inv, "demo", "KubeletServer", akshci.Certificate, 365*day)
	wantNotAfter(t, inv, "demo", "KubeconfigAdmin", akshci.Certificate, 365*day)
	if err := checkState(f.path); err != nil {
		t.Fatal(err)
	}
}

// TestUnreadableFileWithTheBboltMagicIsDamaged: a file that carries bbolt's magic number
// where the first meta page has it (after the 16-byte page header) was a database, and
// is reported as damaged; one byte shorter, the magic is incomplete and the file is not
// a bbolt database at all.
func TestUnreadableFileWithTheBboltMagicIsDamaged(t *testing.T) {
	for _, tt := range []struct {
		size    int
		damaged bool
	}{{20, true}, {19, false}} {
		path := filepath.Join(t.TempDir(), "state.db")
		data := make([]byte, 20)
		binary.LittleEndian.PutUint32(data[16:], 0xED0CDAED) // bbolt's magic (common.Magic)
		if err := os.WriteFile(path, data[:tt.size], 0o600); err != nil {
			t.Fatal(err)
		}
		e, err := New(Config{StatePath: path, Clock: akshci.NewFakeClock(t0)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Inventory(ctx)
		var sfe *StateFileError
		if !errors.As(err, &sfe) || sfe.Damaged != tt.damaged {
			t.Errorf("%d bytes: %v, want damaged %v", tt.size, err, tt.damaged)
		}
	}
}

// TestDeploymentIdentity: a new deployment is named by 128 random bits ("emulator-" and
// 32 hex digits); a file written before the identity was recorded is named by its cloud
// agent CA ("emulator-ca-" and the first 16 bytes of the SHA-256 of the CA's DER, hex).
func TestDeploymentIdentity(t *testing.T) {
	f := newFixture(t, "demo")
	id := f.inventory().DeploymentID
	if !regexp.MustCompile(`^emulator-[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("new deployment %q", id)
	}
	var caDER []byte
	editBolt(t, f.path, func(top *bolt.Bucket) error {
		var st storedState
		if err := json.Unmarshal(top.Get(keyState), &st); err != nil {
			return err
		}
		caDER, st.DeploymentID = st.CACert, ""
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return top.Put(keyState, v)
	})
	sum := sha256.Sum256(caDER)
	if got, want := f.inventory().DeploymentID, "emulator-ca-"+hex.EncodeToString(sum[:16]); got != want {
		t.Errorf("file without a recorded identity: %q, want %q", got, want)
	}
}

// TestDeleteClusterRemovesItsSecrets: deleting a workload cluster removes its record and
// its secrets (keys and tokens), and nothing else's.
func TestDeleteClusterRemovesItsSecrets(t *testing.T) {
	f := newFixture(t, "demo", "prod")
	f.must(f.e.DeleteCluster(ctx, "demo"))
	db, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	err = db.View(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketTop)
		for _, tt := range []struct {
			b    []byte
			key  string
			want bool
		}{
			{bucketClusters, "demo", false}, {bucketSecrets, "cluster/demo", false},
			{bucketClusters, "prod", true}, {bucketSecrets, "cluster/prod", true}, {bucketSecrets, "management", true},
		} {
			if got := top.Bucket(tt.b).Get([]byte(tt.key)) != nil; got != tt.want {
				t.Errorf("%s/%s present: %v, want %v", tt.b, tt.key, got, tt.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
