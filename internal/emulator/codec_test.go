// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"
)

// The record format, written out from the comment at the top of codec.go: strings and
// byte slices are uvarint-length-prefixed, a time is a zero flag byte then varint Unix
// seconds and varint nanoseconds, a bool is one byte.
type recordBuilder []byte

func (b recordBuilder) str(s string) recordBuilder {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func (b recordBuilder) time(sec, nsec int64) recordBuilder {
	return binary.AppendVarint(binary.AppendVarint(append(b, 0), sec), nsec)
}

func (b recordBuilder) zeroTime() recordBuilder { return append(b, 1) }

func (b recordBuilder) count(n uint64) recordBuilder { return binary.AppendUvarint(b, n) }

// v1Head is a version 1 record of cluster "demo" up to its identity count: created at
// Unix 1000, evaluated and powered off never, not stale, no Kubernetes CA or kubelet.
func v1Head() recordBuilder {
	b := recordBuilder{1}.str("demo").time(1000, 0).zeroTime().zeroTime()
	b = append(b, 0) // not stale
	return b.str("").str("")
}

// A version 1 record (no lock-out flags, no serving or admin certificates) still reads,
// including one without identities and one whose last field is a time.
func TestDecodeVersion1Records(t *testing.T) {
	empty := v1Head().count(0)
	rec, err := decodeGroupRecord(empty)
	if err != nil || rec.Cluster != "demo" || len(rec.Identities) != 0 || !rec.CreatedAt.Equal(time.Unix(1000, 0)) {
		t.Fatalf("v1 record without identities: %+v, %v", rec, err)
	}
	one := v1Head().count(1).str("KMS").str("").time(2000, 0).time(3000, 5)
	rec, err = decodeGroupRecord(one)
	if err != nil || len(rec.Identities) != 1 || rec.Identities[0].Client != "KMS" ||
		!rec.Identities[0].TokenNotAfter.Equal(time.Unix(3000, 5)) || rec.Identities[0].LockedOut {
		t.Fatalf("v1 record with one identity: %+v, %v", rec, err)
	}
	// Cut inside the last varint (the nanoseconds of the token expiry).
	if _, err := decodeGroupRecord(one[:len(one)-1]); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("v1 record cut in its last varint: err = %v, want truncated", err)
	}
}

// Nanoseconds lie in [0, 1e9): a damaged time is refused, not normalised.
func TestDecodeRefusesNanosecondsOutOfRange(t *testing.T) {
	for _, tt := range []struct {
		nsec int64
		ok   bool
	}{
		{999_999_999, true},
		{1_000_000_000, false},
		{-1, false},
	} {
		_, err := decodeGroupRecord(v1Head().count(1).str("KMS").str("").zeroTime().time(3000, tt.nsec))
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "bad nanoseconds")) {
			t.Errorf("nanoseconds %d: err = %v, want accepted %v", tt.nsec, err, tt.ok)
		}
	}
}

// A record that claims more identities than it has bytes is refused before anything is
// allocated for them.
func TestDecodeRefusesAnImpossibleIdentityCount(t *testing.T) {
	_, err := decodeGroupRecord(v1Head().count(1 << 50))
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("2^50 identities in a few bytes: err = %v, want truncated", err)
	}
}

// bbolt needs two meta pages of at least 1 KiB: a shorter file is refused for its
// length, a file of exactly 2 KiB is examined (and here refused for its meta pages).
func TestCheckFileLengthBoundary(t *testing.T) {
	for _, tt := range []struct {
		size int
		want string
	}{
		{100, "it is only 100 bytes long, too short for a bbolt database"},
		{2047, "it is only 2047 bytes long, too short for a bbolt database"},
		{2048, "neither of its two meta pages is valid"},
	} {
		if err := checkFile(make([]byte, tt.size)); err == nil || err.Error() != tt.want {
			t.Errorf("%d zero bytes: err = %v, want %q", tt.size, err, tt.want)
		}
	}
}

// A state file with either meta page damaged is refused: bbolt would silently use the
// other one, an older commit (TestDamagedMetaPageIsNeverAnOlderDeployment). The page size
// is still found from the second meta page, as bbolt finds it, so the message names the
// damaged page rather than the page size.
func TestCheckFileRefusesADamagedMetaPage(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	if err := checkFile(data); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	for page := range 2 {
		d := bytes.Clone(data)
		clear(d[page*4096 : page*4096+minPageSize])
		wantErr(t, fmt.Sprintf("meta page %d zeroed", page), checkFile(d), fmt.Sprintf("its meta page %d is not valid", page))
	}
}

// The meta page layout, from bbolt's common.Meta: after the 16-byte page header, magic
// u32, version u32, pageSize u32, flags u32, root pgid u64, sequence u64, freelist u64,
// pgid u64, txid u64, then the FNV-64a checksum of those 56 bytes.
const (
	metaPageSize = 8
	metaRoot     = 16
	metaFreelist = 32
	metaPgid     = 40
)

// editMeta sets a field of the meta page at off and recomputes its checksum, as bbolt
// would have written it.
func editMeta(data []byte, off, field int, value uint64, size int) {
	m := data[off+16:]
	if size == 4 {
		binary.LittleEndian.PutUint32(m[field:], uint32(value))
	} else {
		binary.LittleEndian.PutUint64(m[field:], value)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	binary.LittleEndian.PutUint64(m[56:], h.Sum64())
}

// bothMetas applies editMeta to both meta pages of a file with 4 KiB pages.
func bothMetas(data []byte, field int, value uint64, size int) []byte {
	out := append([]byte(nil), data...)
	editMeta(out, 0, field, value, size)
	editMeta(out, 4096, field, value, size)
	return out
}

// The meta fields' bounds are inclusive where bbolt's are: page sizes 1 KiB to 64 KiB,
// at least 3 pages and no more than the file holds, a root below the high-water mark.
func TestCheckFileMetaBounds(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	if err := checkFile(data); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	if got := binary.LittleEndian.Uint32(data[16+metaPageSize:]); got != 4096 {
		t.Fatalf("the fixture's page size is %d; this test edits 4 KiB pages", got)
	}
	pages := uint64(len(data) / 4096)
	for _, tt := range []struct {
		name    string
		data    []byte
		refused string // "" when the check must not stop at this bound
	}{
		{"page size 512", bothMetas(data, metaPageSize, 512, 4), "impossible page size 512"},
		{"page size 1 KiB", bothMetas(data, metaPageSize, 1024, 4), ""},
		{"page size 64 KiB", bothMetas(data, metaPageSize, 1<<16, 4), ""},
		{"page size 128 KiB", bothMetas(data, metaPageSize, 1<<17, 4), "impossible page size 131072"},
		{"2 pages", bothMetas(data, metaPgid, 2, 8), "its meta page counts 2 pages"},
		{"3 pages", bothMetas(bothMetas(data, metaPgid, 3, 8), metaRoot, 2, 8), ""},
		{"every page of the file", bothMetas(data, metaPgid, pages, 8), ""},
		{"one page past the file", bothMetas(data, metaPgid, pages+1, 8), fmt.Sprintf("its meta page counts %d pages, but the file holds %d", pages+1, pages)},
		{"root page 1", bothMetas(data, metaRoot, 1, 8), "its root page 1 is out of range"},
		{"root page 2", bothMetas(data, metaRoot, 2, 8), ""},
		{"root at the high-water mark", bothMetas(bothMetas(data, metaPgid, pages, 8), metaRoot, pages, 8), fmt.Sprintf("its root page %d is out of range", pages)},
		{"freelist at the high-water mark", bothMetas(bothMetas(data, metaPgid, pages, 8), metaFreelist, pages, 8), fmt.Sprintf("its freelist page %d is out of range", pages)},
	} {
		err := checkFile(tt.data)
		switch {
		case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.refused)
		case tt.refused == "" && err != nil && (strings.Contains(err.Error(), "impossible page size") ||
			strings.Contains(err.Error(), "its meta page counts") || strings.Contains(err.Error(), "its root page")):
			t.Errorf("%s: refused at the bound: %v", tt.name, err)
		}
	}
}
