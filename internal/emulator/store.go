// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Layout of the state file. Everything lives under one top-level bucket whose presence,
// together with the schema key, marks the file as ours.
var (
	bucketTop      = []byte("akshybrid-emulator")
	bucketClusters = []byte("clusters")
	bucketSecrets  = []byte("secrets")
	keySchema      = []byte("schema")
	keyState       = []byte("state")
	keyManagement  = []byte("management")
	secretCA       = []byte("ca")
)

// schemaVersion is the layout version written to and required from the state file.
const schemaVersion = "1"

// stateFileMode is the permission of a new state file: it holds private keys and tokens.
const stateFileMode = 0o600

// session is one operation: one open of the state file, one bbolt transaction.
type session struct {
	e  *Emulator
	tx *bolt.Tx
	// top, clusters and secrets are the records of the three buckets (see records).
	top, clusterRecs, secretRecs *records
	now                          time.Time
	state                        storedState
	ca                           *x509.Certificate
	// prevCA is the CA the last rotation replaced; nil before the first rotation.
	prevCA *x509.Certificate
	cloud  *issuer // lazily loaded signer of the cloud agent CA
	dirty  bool
	// write is set for operations that may commit (updates); reads run in a read-only
	// transaction, so nothing they compute is persisted.
	write bool
}

// records is one bucket of the state file as an operation sees it. An update reads and
// writes the bbolt bucket itself, in the write transaction it commits or rolls back. A
// read runs in a read-only transaction (on a file opened read-only), so what it computes
// (the replay up to now, the moved clock, configured clusters not created yet) is kept
// in memory over the stored records and dropped when the read ends.
type records struct {
	b *bolt.Bucket
	// over holds a read's changes (nil for an update); a nil value is a deleted record.
	over map[string][]byte
}

func newRecords(b *bolt.Bucket) *records {
	r := &records{b: b}
	if !b.Writable() {
		r.over = map[string][]byte{}
	}
	return r
}

func (r *records) get(k []byte) []byte {
	if v, ok := r.over[string(k)]; ok {
		return v
	}
	return r.b.Get(k)
}

func (r *records) put(k, v []byte) error {
	if r.over == nil {
		return r.b.Put(k, v)
	}
	r.over[string(k)] = bytes.Clone(v)
	return nil
}

func (r *records) delete(k []byte) error {
	if r.over == nil {
		return r.b.Delete(k)
	}
	r.over[string(k)] = nil
	return nil
}

// each calls fn for every record in key order (v is nil for a nested bucket, as bbolt's
// cursor reports it). fn must not change the records.
func (r *records) each(fn func(k, v []byte) error) error {
	c := r.b.Cursor()
	if len(r.over) == 0 {
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := fn(k, v); err != nil {
				return err
			}
		}
		return nil
	}
	merged := map[string][]byte{}
	present := map[string]bool{}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		merged[string(k)], present[string(k)] = v, true
	}
	for k, v := range r.over {
		merged[k], present[k] = v, v != nil
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		if present[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn([]byte(k), merged[k]); err != nil {
			return err
		}
	}
	return nil
}

// view runs fn on the deployment as of now without persisting anything: the file is
// opened read-only (so a read-only file can be read) and the replay up to now, missing
// configured clusters and the clock's move stay in memory. Plans and refreshes only ever
// call views. The one exception is first use: a missing file is created (see create)
// before fn runs.
func (e *Emulator) view(ctx context.Context, fn func(*session) error) error {
	return e.run(ctx, false, fn)
}

// update runs fn in one write transaction, committing only when something changed and
// fn succeeded, then refreshes the backup copy. A failed operation leaves the file as it
// was. Only updates (terraform apply) and the test operations (AddCluster, PowerOff, ...)
// persist the emulated clock.
func (e *Emulator) update(ctx context.Context, fn func(*session) error) error {
	return e.run(ctx, true, fn)
}

func (e *Emulator) run(ctx context.Context, write bool, fn func(*session) error) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	select {
	case e.gate <- struct{}{}:
		defer func() { <-e.gate }()
	case <-ctx.Done():
		return fmt.Errorf("emulator: waiting for another operation on %q: %w", e.path, ctx.Err())
	}

	db, err := e.open(ctx, write)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing emulator state %q: %w", e.path, cerr)
		}
	}()
	// Defence in depth: checkFile has vetted the structure bbolt reads, and our own
	// records are decoded with checks, but a panic on this goroutine must still not take
	// the provider down.
	defer func() {
		if r := recover(); r != nil {
			err = &StateFileError{Path: e.path, Reason: fmt.Sprintf("reading it failed (%v)", r), Damaged: true, Backup: e.existingBackup()}
		}
	}()
	tx, err := db.Begin(write)
	if err != nil {
		return fmt.Errorf("emulator state %q: %w", e.path, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()

	s, err := e.begin(tx, write)
	if err != nil {
		return err
	}
	if err := fn(s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if write && s.dirty {
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("writing emulator state %q: %w", e.path, err)
		}
		committed = true
		e.ensured = true
		e.writeBackup(db)
	}
	return nil
}

// create writes a new deployment to the missing state file (first use, also from a
// read: that is how a plan against a new state file path works). The file is written
// under a temporary name next to it and linked into place only once complete, so no
// process ever sees a half-written or empty state file; when two processes create it at
// once, one link wins and the other process uses that file.
func (e *Emulator) create() error {
	dir := filepath.Dir(e.path)
	di, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot create emulator state %q: directory %q does not exist; create it or choose another state file path", e.path, dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("cannot create emulator state %q: a parent of it is not a directory; choose another state file path", e.path)
	case err != nil:
		return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
	case !di.IsDir():
		return fmt.Errorf("cannot create emulator state %q: %q is not a directory; choose another state file path", e.path, dir)
	}
	f, err := os.CreateTemp(dir, filepath.Base(e.path)+".new-*") // mode 0600 (stateFileMode)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("cannot create emulator state %q: permission denied; make its directory writable by this user or choose another state file path", e.path)
		}
		return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }()
	db, err := bolt.Open(tmp, stateFileMode, &bolt.Options{
		NoFreelistSync: true, // as every open of the state file
		OpenFile:       func(string, int, fs.FileMode) (*os.File, error) { return f, nil },
	})
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		s := &session{e: e, tx: tx, write: true}
		if err := s.initialise(e.clock.Now().UTC().Add(e.offset).Truncate(time.Second)); err != nil {
			return err
		}
		for _, name := range e.clusters {
			if err := s.createCluster(name); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
	}
	created, err := os.ReadFile(tmp) //nolint:gosec // our temporary file next to the state file
	if err != nil {
		return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
	}
	switch err := os.Link(tmp, e.path); {
	case errors.Is(err, fs.ErrExist):
		return nil // another process created it first: that is the deployment
	case err != nil:
		// A file system without hard links: rename, which would replace a file created
		// since the check, so check just before (the window is this one call).
		if _, serr := os.Lstat(e.path); !errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		if err := os.Rename(tmp, e.path); err != nil {
			return fmt.Errorf("cannot create emulator state %q: %w", e.path, err)
		}
	}
	e.ensured = true
	// A backup next to a missing file is the copy of a deployment that was deleted:
	// keep it, it is the way back.
	if e.existingBackup() == "" {
		e.saveBackup(func(w io.Writer) error { _, err := w.Write(created); return err })
	}
	return nil
}

// open opens the state file, read-only for a read (creating it when missing), locks it
// (shared for a read, exclusive for an update), waiting for another process at most
// Config.LockTimeout and never beyond ctx's deadline, checks its structure with
// checkFile, and only then hands the locked file to bbolt. An update refuses a file that
// is read-only, even where the user (root) could write it anyway.
func (e *Emulator) open(ctx context.Context, write bool) (*bolt.DB, error) {
	fi, err := os.Stat(e.path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := e.create(); err != nil {
			return nil, err
		}
		fi, err = os.Stat(e.path)
	}
	switch {
	case err == nil:
		if fi.IsDir() {
			return nil, fmt.Errorf("emulator state file path %q is a directory; point the state file path at a file (it is created when missing)", e.path)
		}
		if !fi.Mode().IsRegular() {
			return nil, &StateFileError{Path: e.path, Reason: "it is not a regular file"}
		}
	case errors.Is(err, syscall.ENOTDIR):
		return nil, fmt.Errorf("cannot create emulator state %q: a parent of it is not a directory; choose another state file path", e.path)
	default:
		return nil, fmt.Errorf("cannot access emulator state %q: %w", e.path, err)
	}
	if write && fi.Mode().Perm()&0o222 == 0 {
		return nil, &ReadOnlyError{Path: e.path, Why: fmt.Sprintf("mode %04o", fi.Mode().Perm())}
	}

	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(e.path, flag, 0)
	if err != nil {
		switch {
		case write && errors.Is(err, syscall.EROFS):
			return nil, &ReadOnlyError{Path: e.path, Why: "it is on a read-only file system"}
		case write && errors.Is(err, fs.ErrPermission):
			return nil, &ReadOnlyError{Path: e.path, Why: "this user may not write it"}
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("cannot open emulator state %q: permission denied; make the file readable by this user or choose another state file path", e.path)
		}
		return nil, fmt.Errorf("cannot open emulator state %q: %w", e.path, err)
	}
	handed := false
	defer func() {
		if !handed {
			_ = f.Close()
		}
	}()
	wait, err := e.lock(ctx, f, write)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("cannot access emulator state %q: %w", e.path, err)
	}
	if fi.Size() == 0 {
		// Not a new deployment: the emulator never leaves an empty file (see create), so
		// something emptied it, and starting over in it would hide that.
		return nil, &StateFileError{Path: e.path, Reason: "it is empty", Damaged: true, Empty: true, Backup: e.existingBackup()}
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, fmt.Errorf("cannot read emulator state %q: %w", e.path, err)
	}
	if err := checkFile(data); err != nil {
		return nil, e.unreadable(data, err)
	}
	handed = true // bbolt closes f from here on, also when Open fails
	db, err := bolt.Open(e.path, stateFileMode, &bolt.Options{
		// The lock is already held on f (or, without pre-locking, bbolt waits for it).
		Timeout: wait,
		// A read opens the file read-only: bbolt then takes a shared lock and writes
		// nothing, not even the freelist it would otherwise load.
		ReadOnly: !write,
		// Not syncing the freelist means opening never writes: bbolt would otherwise
		// commit a transaction at open time to files written without a freelist, and a
		// foreign file must never be modified. bbolt rebuilds the freelist on open.
		NoFreelistSync: true,
		OpenFile:       func(string, int, fs.FileMode) (*os.File, error) { return f, nil },
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, &LockedError{Path: e.path, Waited: wait}
		}
		return nil, &StateFileError{Path: e.path, Reason: "bbolt cannot open it (" + err.Error() + ")", Damaged: true, Backup: e.existingBackup()}
	}
	return db, nil
}

// lockPoll is how often a busy lock is tried again (bbolt's own retry interval): flock
// has no way to wait for a lock with a deadline.
const lockPoll = 50 * time.Millisecond

// lock takes the lock on f (exclusive when the operation may write), waiting at most
// the lock timeout and never past ctx's end. It returns how long bbolt may still wait
// where the platform locks later.
func (e *Emulator) lock(ctx context.Context, f *os.File, exclusive bool) (time.Duration, error) {
	limit := e.lockTimeout
	var atLimit error // what ends the wait at limit
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < limit {
			limit, atLimit = max(left, time.Millisecond), context.DeadlineExceeded
		}
	}
	if !preLocked {
		return limit, nil
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	ticker := time.NewTicker(lockPoll)
	defer ticker.Stop()
	for {
		busy, err := tryLock(f, exclusive)
		if err != nil {
			return 0, fmt.Errorf("cannot lock emulator state %q: %w", e.path, err)
		}
		if !busy {
			return limit, nil
		}
		select {
		case <-ctx.Done():
			return 0, &LockedError{Path: e.path, Waited: limit, Cause: ctx.Err()}
		case <-timer.C:
			return 0, &LockedError{Path: e.path, Waited: limit, Cause: atLimit}
		case <-ticker.C:
		}
	}
}

// unreadable explains a file checkFile refused: damaged when it carries bbolt's marker
// or a backup shows it was ours, otherwise not an emulator state file at all.
func (e *Emulator) unreadable(data []byte, err error) error {
	backup := e.existingBackup()
	_, meta0 := parseMeta(data, 0)
	magic := len(data) >= pageHeaderSize+4 && le.Uint32(data[pageHeaderSize:]) == boltMagic
	if backup == "" && !meta0 && !magic {
		return &StateFileError{Path: e.path, Reason: "it is not a bbolt database (" + err.Error() + ")"}
	}
	return &StateFileError{Path: e.path, Reason: err.Error(), Damaged: true, Backup: backup}
}

// BackupPath is where the emulator keeps a copy of the state file as of the last
// committed operation (the path of the state file plus ".backup").
func (e *Emulator) BackupPath() string { return e.path + ".backup" }

func (e *Emulator) existingBackup() string {
	if fi, err := os.Stat(e.BackupPath()); err == nil && fi.Mode().IsRegular() {
		return e.BackupPath()
	}
	return ""
}

// writeBackup copies the committed database next to it (see saveBackup).
func (e *Emulator) writeBackup(db *bolt.DB) {
	_ = db.View(func(tx *bolt.Tx) error {
		e.saveBackup(func(w io.Writer) error { _, err := tx.WriteTo(w); return err })
		return nil
	})
}

// saveBackup writes the backup copy with write, to a temporary file that is then
// renamed, so a crash never leaves a half-written backup. It is best effort: the
// operation has already succeeded, and a missing backup only removes a recovery path.
func (e *Emulator) saveBackup(write func(io.Writer) error) {
	tmp := e.BackupPath() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, stateFileMode) //nolint:gosec // next to the configured state file
	if err != nil {
		return
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, e.BackupPath())
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
}

// begin checks the schema, moves the emulated clock and makes sure the configured
// clusters exist (in memory only, for a view).
func (e *Emulator) begin(tx *bolt.Tx, write bool) (*session, error) {
	s := &session{e: e, tx: tx, write: write}
	wall := e.clock.Now().UTC().Add(e.offset).Truncate(time.Second)
	top := tx.Bucket(bucketTop)
	if top == nil {
		return nil, e.notOurs(tx)
	}
	s.top = newRecords(top)
	if err := s.load(wall); err != nil {
		return nil, err
	}
	if write {
		if err := s.verifyRecords(); err != nil {
			return nil, err
		}
		if s.state.DeploymentID == "" {
			// A file written before the identity was recorded is named after its cloud
			// agent CA (deploymentID). The first update records that name, so that a CA
			// rotation, which replaces the CA, keeps it. It is stored without marking the
			// session dirty: it is committed with the update's own changes, a rotation
			// among them, and an update that changes nothing still writes nothing.
			s.state.DeploymentID = s.deploymentID()
			data, err := json.Marshal(s.state)
			if err != nil {
				return nil, err
			}
			if err := s.top.put(keyState, data); err != nil {
				return nil, err
			}
		}
	}
	if !e.ensured {
		for _, name := range e.clusters {
			if s.clusterBucket().get([]byte(name)) == nil {
				if err := s.createCluster(name); err != nil {
					return nil, err
				}
			}
		}
	}
	return s, nil
}

// notOurs explains a bbolt database without the emulator's bucket. An empty one is never
// initialised: the emulator creates its files complete (see create), so a database next
// to a backup is one of ours whose records were lost, and any other is not ours to fill.
func (e *Emulator) notOurs(tx *bolt.Tx) error {
	backup := e.existingBackup()
	if !isEmptyDB(tx) {
		return &StateFileError{Path: e.path, Reason: "it is a bbolt database without the \"akshybrid-emulator\" bucket",
			Damaged: backup != "", Backup: backup}
	}
	if backup != "" {
		return &StateFileError{Path: e.path, Reason: "it is a bbolt database that holds nothing: its records are lost",
			Damaged: true, Backup: backup}
	}
	return &StateFileError{Path: e.path, Reason: "it is an empty bbolt database"}
}

// verifyRecords decodes every record before an operation that may commit: an update
// touches only some records, and must not write into a file of which another part is
// damaged (it would carry the damage on and move the file past its backup). It decodes
// at least what any read decodes, with the same functions (decodeGroupRecord and
// decodeGroup, which parses each cluster's Kubernetes CA; the cloud agent CA and its key),
// so that a file a read refuses is refused by every update too. It also parses every
// stored key, the Kubernetes CA key of each cluster included, which a read parses only
// when it signs with it: a read may succeed on such a file, an update never writes to it.
func (s *session) verifyRecords() error {
	if _, err := s.cloudIssuer(); err != nil {
		return err
	}
	check := func(name string, data []byte) error {
		rec, err := s.decodeRecord(name, data)
		if err != nil {
			return err
		}
		if _, err := decodeGroup(name, rec); err != nil {
			return s.damaged(err) // as advanceGroup reports it
		}
		return nil
	}
	if data := s.top.get(keyManagement); data == nil {
		return s.damaged(errors.New("the management cluster record is missing"))
	} else if err := check("", data); err != nil {
		return err
	}
	var clusters []string
	err := s.clusterBucket().each(func(k, v []byte) error {
		if v == nil || len(k) == 0 {
			return s.damaged(fmt.Errorf("the clusters bucket holds an unexpected entry %q", k))
		}
		if err := check(string(k), v); err != nil {
			return err
		}
		clusters = append(clusters, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	kubeCAKeys := map[string]bool{} // secret record keys holding a Kubernetes CA key that parses
	err = s.secretsBucket().each(func(k, v []byte) error {
		if string(k) == string(secretCA) {
			return nil // parsed by cloudIssuer above
		}
		var sec storedSecrets
		if err := json.Unmarshal(v, &sec); err != nil {
			return s.damaged(fmt.Errorf("secrets record %q: %w", k, err))
		}
		for name, key := range sec.Keys {
			if _, err := parseKey(key); err != nil {
				return s.damaged(fmt.Errorf("secrets record %q, key of %s: %w", k, name, err))
			}
		}
		if sec.KubeCAKey != "" {
			if _, err := parseKey(sec.KubeCAKey); err != nil {
				return s.damaged(fmt.Errorf("secrets record %q, Kubernetes CA key: %w", k, err))
			}
			kubeCAKeys[string(k)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Every cluster is created with its Kubernetes CA key (createCluster), and a read that
	// signs one of its Kubernetes certificates needs it (signKubeCerts).
	for _, name := range clusters {
		g := &group{name: name}
		if !kubeCAKeys[string(secretKey(g))] {
			return s.damaged(fmt.Errorf("the Kubernetes CA key of %s is missing", g.label()))
		}
	}
	return nil
}

func isEmptyDB(tx *bolt.Tx) bool {
	k, _ := tx.Cursor().First()
	return k == nil
}

// initialise writes a new deployment: the schema marker, the cloud agent CA and the
// management cluster's identities.
func (s *session) initialise(now time.Time) error {
	top, err := s.tx.CreateBucket(bucketTop)
	if err != nil {
		return err
	}
	clusters, err := top.CreateBucket(bucketClusters)
	if err != nil {
		return err
	}
	secrets, err := top.CreateBucket(bucketSecrets)
	if err != nil {
		return err
	}
	s.top, s.clusterRecs, s.secretRecs = newRecords(top), newRecords(clusters), newRecords(secrets)
	if err := s.put(s.top, keySchema, []byte(schemaVersion)); err != nil {
		return err
	}
	der, keyPEM, err := newCA("akshybrid emulator cloud agent CA", []string{"MOC emulated cloud agent"}, now, akshci.CALifetime)
	if err != nil {
		return err
	}
	s.now = now
	s.state = storedState{Now: now, CreatedAt: now, CACert: der, DeploymentID: newDeploymentID()}
	if s.ca, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return err
	}
	s.cloud = &issuer{cert: s.ca, key: key}
	if err := s.put(s.secretsBucket(), secretCA, []byte(keyPEM)); err != nil {
		return err
	}
	if err := s.putJSON(s.top, keyState, s.state); err != nil {
		return err
	}
	g := newGroup("", now)
	return s.save(g, storedSecrets{})
}

// load reads and checks the deployment record and moves the emulated clock.
func (s *session) load(wall time.Time) error {
	switch v := s.top.get(keySchema); {
	case v == nil:
		// Ours but damaged when the backup shows it was ours (its records were lost).
		backup := s.e.existingBackup()
		return &StateFileError{Path: s.e.path, Reason: "the \"akshybrid-emulator\" bucket has no schema version",
			Damaged: backup != "", Backup: backup}
	case string(v) != schemaVersion:
		return fmt.Errorf("emulator state %q has format version %q, but this provider understands only version %q: use the provider version that wrote it, or move the file away", s.e.path, v, schemaVersion)
	}
	clusters, secrets := s.top.b.Bucket(bucketClusters), s.top.b.Bucket(bucketSecrets)
	if clusters == nil || secrets == nil {
		return s.damaged(errors.New("missing buckets"))
	}
	s.clusterRecs, s.secretRecs = newRecords(clusters), newRecords(secrets)
	if err := s.getJSON(s.top, keyState, &s.state); err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(s.state.CACert)
	if err != nil {
		return s.damaged(fmt.Errorf("cloud agent CA: %w", err))
	}
	s.ca = ca
	if len(s.state.PreviousCACert) > 0 {
		if s.prevCA, err = x509.ParseCertificate(s.state.PreviousCACert); err != nil {
			return s.damaged(fmt.Errorf("previous cloud agent CA: %w", err))
		}
	}

	persisted := s.state.Now
	switch {
	case wall.Before(persisted.Add(-clockTolerance)):
		need := persisted.Sub(s.e.clock.Now().UTC())
		if r := need % time.Minute; r != 0 {
			need += time.Minute - r // round up to a whole minute
		}
		return &ClockError{Path: s.e.path, At: persisted, Would: wall, MinOffset: need}
	case wall.After(persisted):
		s.now = wall
		s.state.Now = wall
		return s.putJSON(s.top, keyState, s.state)
	default:
		s.now = persisted // within the tolerance: never move backwards
		return nil
	}
}

func (s *session) damaged(err error) error {
	return &StateFileError{Path: s.e.path, Reason: err.Error(), Damaged: true, Backup: s.e.existingBackup()}
}

func (s *session) put(r *records, key, value []byte) error {
	s.dirty = true
	return r.put(key, value)
}

func (s *session) putJSON(r *records, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.put(r, key, data)
}

func (s *session) getJSON(r *records, key []byte, v any) error {
	data := r.get(key)
	if data == nil {
		return s.damaged(fmt.Errorf("record %q is missing", key))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return s.damaged(fmt.Errorf("record %q: %w", key, err))
	}
	return nil
}

func (s *session) clusterBucket() *records { return s.clusterRecs }
func (s *session) secretsBucket() *records { return s.secretRecs }

func secretKey(g *group) []byte {
	if g.isCluster() {
		return []byte("cluster/" + g.name)
	}
	return keyManagement
}

func (s *session) caNotAfter() time.Time { return s.ca.NotAfter }

// trust is what the last CA rotation left behind, for the groups' dynamics.
func (s *session) trust() caTrust {
	if s.prevCA == nil {
		return caTrust{}
	}
	return caTrust{rotatedAt: s.state.RotatedAt, prevNotAfter: s.prevCA.NotAfter}
}

func (s *session) caExpired() bool { return !s.ca.NotAfter.After(s.now) }

// requireCA fails when the cloud agent CA has expired: nothing can be issued then.
func (s *session) requireCA() error {
	if s.caExpired() {
		return &CAExpiredError{ExpiredAt: s.ca.NotAfter, Now: s.now, Path: s.e.path}
	}
	return nil
}

// cloudIssuer returns the signer of the cloud agent CA, reading its key on first use.
func (s *session) cloudIssuer() (*issuer, error) {
	if s.cloud == nil {
		keyPEM := s.secretsBucket().get(secretCA)
		if keyPEM == nil {
			return nil, s.damaged(errors.New("the cloud agent CA key is missing"))
		}
		key, err := parseKey(string(keyPEM))
		if err != nil {
			return nil, s.damaged(err)
		}
		s.cloud = &issuer{cert: s.ca, key: key}
	}
	return s.cloud, nil
}

// newGroup returns a group whose identities are all still to be issued at now.
func newGroup(cluster string, now time.Time) *group {
	g := &group{name: cluster, rec: storedGroup{Cluster: cluster, CreatedAt: now, EvaluatedAt: now}}
	for _, c := range catalogFor(cluster != "") {
		id := &identity{client: c}
		g.rotate(id, now)
		g.ids = append(g.ids, id)
	}
	if cluster != "" {
		g.kubelet = &certState{}
		g.reissueKubelet(now)
		g.kubeletServer, g.kubeconfigAdmin = &certState{}, &certState{}
		g.kubeletServer.replace(now, now.Add(akshci.KubeconfigLifetime))
		g.kubeconfigAdmin.replace(now, now.Add(akshci.KubeconfigLifetime))
	}
	g.changed = true
	return g
}

// createCluster adds a running workload cluster with fresh credentials.
func (s *session) createCluster(name string) error {
	if err := s.requireCA(); err != nil {
		return err
	}
	der, keyPEM, err := newCA("kubernetes", []string{name}, s.now, kubeCALifetime)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	g := newGroup(name, s.now)
	g.rec.KubeCACert = der
	g.kubeCA, g.kubeCANotAfter = ca, ca.NotAfter.UTC()
	return s.save(g, storedSecrets{KubeCAKey: keyPEM})
}

// management loads the management cluster, advanced to now.
func (s *session) management() (*group, error) {
	return s.loadGroup("", s.top.get(keyManagement))
}

// cluster loads a workload cluster advanced to now, or returns a
// *akshci.ClusterNotFoundError.
func (s *session) cluster(name string) (*group, error) {
	data := s.clusterBucket().get([]byte(name))
	if data == nil || name == "" {
		return nil, &akshci.ClusterNotFoundError{Name: name, Existing: s.clusterNames()}
	}
	return s.loadGroup(name, data)
}

// groups returns the management group and every workload cluster, evaluated up to now.
func (s *session) groups() (*group, []*group, error) {
	m, err := s.management()
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.clusters()
	if err != nil {
		return nil, nil, err
	}
	return m, cs, nil
}

// clusters loads every workload cluster in name order, advanced to now.
func (s *session) clusters() ([]*group, error) {
	type loaded struct {
		name string
		rec  storedGroup
	}
	var recs []loaded
	err := s.clusterBucket().each(func(k, v []byte) error {
		rec, err := s.decodeRecord(string(k), v) // copies: saving below may move pages
		if err != nil {
			return err
		}
		recs = append(recs, loaded{string(k), rec})
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*group, 0, len(recs))
	for _, r := range recs {
		g, err := s.advanceGroup(r.name, r.rec)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func (s *session) clusterNames() []string {
	var names []string
	_ = s.clusterBucket().each(func(k, _ []byte) error {
		names = append(names, string(k))
		return nil
	})
	sort.Strings(names)
	return names
}

// loadGroup decodes a group, replays its dynamics up to now and saves what changed.
func (s *session) loadGroup(name string, data []byte) (*group, error) {
	if data == nil {
		return nil, s.damaged(errors.New("the management cluster record is missing"))
	}
	rec, err := s.decodeRecord(name, data)
	if err != nil {
		return nil, err
	}
	return s.advanceGroup(name, rec)
}

// decodeRecord decodes the stored record of the group called name ("" for the management
// cluster); every operation reads group records through it and decodeGroup, the update
// precheck (verifyRecords) included, so they refuse a damaged record with the same error.
func (s *session) decodeRecord(name string, data []byte) (storedGroup, error) {
	rec, err := decodeGroupRecord(data)
	if err != nil {
		return rec, s.damaged(fmt.Errorf("record of %s: %w", (&group{name: name}).label(), err))
	}
	return rec, nil
}

func (s *session) advanceGroup(name string, rec storedGroup) (*group, error) {
	g, err := decodeGroup(name, rec)
	if err != nil {
		return nil, s.damaged(err)
	}
	g.trust = s.trust()
	g.advance(s.now, s.caNotAfter())
	if g.changed {
		if err := s.save(g, storedSecrets{}); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// readSecrets reads the secret record of a group (empty when there is none yet).
func (s *session) readSecrets(g *group) (storedSecrets, error) {
	var sec storedSecrets
	if data := s.secretsBucket().get(secretKey(g)); data != nil {
		if err := json.Unmarshal(data, &sec); err != nil {
			return sec, s.damaged(fmt.Errorf("secrets of %s: %w", g.label(), err))
		}
	}
	return sec, nil
}

// save signs every pending certificate, generates pending tokens, and writes the
// group's public and secret records. base seeds the secrets of a group that has none
// stored yet.
func (s *session) save(g *group, base storedSecrets) error {
	if !g.changed {
		return nil
	}
	sec, err := s.readSecrets(g)
	if err != nil {
		return err
	}
	if base.KubeCAKey != "" {
		sec.KubeCAKey = base.KubeCAKey
	}
	if sec.Tokens == nil {
		sec.Tokens = map[string]string{}
	}
	if sec.Keys == nil {
		sec.Keys = map[string]string{}
	}
	secretsChanged := false

	g.rec.Identities = g.rec.Identities[:0]
	for _, id := range g.ids {
		if id.cert.reissue {
			is, err := s.cloudIssuer()
			if err != nil {
				return err
			}
			if err := s.sign(is, &id.cert, certSpec{
				commonName:   identityName(g, id.client.Name),
				organization: []string{g.label()},
			}, sec.Keys, id.client.Name); err != nil {
				return err
			}
			secretsChanged = true
		}
		if id.newToken {
			is, err := s.cloudIssuer()
			if err != nil {
				return err
			}
			tok, err := signToken(is.key, tokenClaims{
				Issuer: is.cert.Subject.CommonName, Name: identityName(g, id.client.Name),
				IssuedAt: id.tokenIssuedAt.Unix(), Expires: id.tokenNotAfter.Unix(),
			})
			if err != nil {
				return err
			}
			sec.Tokens[id.client.Name] = tok
			id.newToken = false
			secretsChanged = true
		}
		g.rec.Identities = append(g.rec.Identities, storedIdentity{
			Client:        id.client.Name,
			Certificate:   id.cert.der,
			TokenIssuedAt: id.tokenIssuedAt,
			TokenNotAfter: id.tokenNotAfter,
			LockedOut:     id.lockedOut,
		})
	}
	kubeSigned, err := s.signKubeCerts(g, &sec)
	if err != nil {
		return err
	}
	secretsChanged = secretsChanged || kubeSigned
	if g.kubelet != nil {
		g.rec.Kubelet = g.kubelet.der
		g.rec.KubeletServer = g.kubeletServer.der
		g.rec.KubeconfigAdmin = g.kubeconfigAdmin.der
	}
	if secretsChanged {
		if err := s.putJSON(s.secretsBucket(), secretKey(g), sec); err != nil {
			return err
		}
	}
	b, key := s.top, keyManagement
	if g.isCluster() {
		b, key = s.clusterBucket(), []byte(g.name)
	}
	if err := s.put(b, key, encodeGroup(g.rec)); err != nil {
		return err
	}
	g.changed = false
	return nil
}

// sign issues the pending certificate c and records its new key under keys[name]. The
// validity is read back from the signed certificate and must be the one asked for.
func (s *session) sign(is *issuer, c *certState, spec certSpec, keys map[string]string, name string) error {
	// No certificate outlives its issuer: whatever the dynamics computed, the signer
	// caps the validity at its own expiry.
	c.notAfter = capAt(c.notAfter, is.cert.NotAfter.UTC())
	if !c.notAfter.After(c.notBefore) {
		c.notBefore = c.notAfter.Add(-time.Second)
	}
	spec.notBefore, spec.notAfter = c.notBefore, c.notAfter
	der, keyPEM, err := is.issue(spec)
	if err != nil {
		return err
	}
	signed, err := loadCert(der)
	if err != nil {
		return err
	}
	if !signed.notBefore.Equal(c.notBefore) || !signed.notAfter.Equal(c.notAfter) {
		return fmt.Errorf("internal error: certificate %q issued for %s..%s reads %s..%s",
			spec.commonName, c.notBefore, c.notAfter, signed.notBefore, signed.notAfter)
	}
	*c = signed
	keys[name] = keyPEM
	return nil
}

func identityName(g *group, client string) string {
	if g.isCluster() {
		return g.name + "-" + client
	}
	return "management-" + client
}

// deleteCluster removes a cluster and its secrets.
func (s *session) deleteCluster(name string) error {
	s.dirty = true
	if err := s.clusterBucket().delete([]byte(name)); err != nil {
		return err
	}
	return s.secretsBucket().delete([]byte("cluster/" + name))
}

// newDeploymentID names a new emulated deployment: 128 random bits, so that a state
// file deleted and created again, even at the same emulated second, is told apart.
func newDeploymentID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "emulator-" + hex.EncodeToString(b[:])
}

// deploymentID is the deployment's identity. Files written before it was recorded are
// identified by their cloud agent CA until their first update records that (begin), so
// the identity stays when the CA is rotated.
func (s *session) deploymentID() string {
	if s.state.DeploymentID != "" {
		return s.state.DeploymentID
	}
	sum := sha256.Sum256(s.state.CACert)
	return "emulator-ca-" + hex.EncodeToString(sum[:16])
}
