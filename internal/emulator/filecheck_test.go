// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The tests in this file build bbolt pages by hand, from the layout of go.etcd.io/bbolt
// v1.5.0 internal/common (page.go, meta.go): a page header is id u64, flags u16, count
// u16, overflow u32; a leaf element is flags u32, pos u32, ksize u32, vsize u32 and a
// branch element pos u32, ksize u32, child pgid u64, pos counting from the element's own
// start; a bucket value is root pgid u64, sequence u64, then (root 0) an inline leaf page.
// Every bound of checkFile is tried on both sides, so that an off-by-one in the check is
// caught by name rather than by the randomised TestCorruptionFuzz.

const testPageSize = 1024

// header writes a page header at the start of p.
func header(p []byte, id uint64, flags, count uint16, overflow uint32) {
	binary.LittleEndian.PutUint64(p, id)
	binary.LittleEndian.PutUint16(p[8:], flags)
	binary.LittleEndian.PutUint16(p[10:], count)
	binary.LittleEndian.PutUint32(p[12:], overflow)
}

type leafElem struct {
	bucket bool
	k, v   []byte
}

// leafPage returns a leaf page (no padding: as stored inline) holding elems in order.
func leafPage(id uint64, elems ...leafElem) []byte {
	size := pageHeaderSize + elementSize*len(elems)
	for _, el := range elems {
		size += len(el.k) + len(el.v)
	}
	p := make([]byte, size)
	header(p, id, flagLeaf, uint16(len(elems)), 0) //nolint:gosec // a handful of elements
	data := pageHeaderSize + elementSize*len(elems)
	for i, el := range elems {
		e := pageHeaderSize + i*elementSize
		var flags uint32
		if el.bucket {
			flags = leafFlagBucket
		}
		binary.LittleEndian.PutUint32(p[e:], flags)
		binary.LittleEndian.PutUint32(p[e+4:], uint32(data-e))     //nolint:gosec // small
		binary.LittleEndian.PutUint32(p[e+8:], uint32(len(el.k)))  //nolint:gosec // small
		binary.LittleEndian.PutUint32(p[e+12:], uint32(len(el.v))) //nolint:gosec // small
		data += copy(p[data:], el.k)
		data += copy(p[data:], el.v)
	}
	return p
}

type branchElem struct {
	k     []byte
	child uint64
}

func branchPage(id uint64, elems ...branchElem) []byte {
	size := pageHeaderSize + elementSize*len(elems)
	for _, el := range elems {
		size += len(el.k)
	}
	p := make([]byte, size)
	header(p, id, flagBranch, uint16(len(elems)), 0) //nolint:gosec // a handful of elements
	data := pageHeaderSize + elementSize*len(elems)
	for i, el := range elems {
		e := pageHeaderSize + i*elementSize
		binary.LittleEndian.PutUint32(p[e:], uint32(data-e))      //nolint:gosec // small
		binary.LittleEndian.PutUint32(p[e+4:], uint32(len(el.k))) //nolint:gosec // small
		binary.LittleEndian.PutUint64(p[e+8:], el.child)
		data += copy(p[data:], el.k)
	}
	return p
}

// inlineBucket is a bucket value whose root is the inline leaf page.
func inlineBucket(page []byte) []byte { return append(make([]byte, bucketHeaderSize), page...) }

// rootBucket is a bucket value whose root is page id.
func rootBucket(id uint64) []byte {
	v := make([]byte, bucketHeaderSize)
	binary.LittleEndian.PutUint64(v, id)
	return v
}

// checker returns a fileChecker over pages 1 KiB pages with the high-water mark pgid,
// pages 0 and 1 (the meta pages) already in use, and the given pages written in.
func checker(pages int, pgid uint64, content map[uint64][]byte) *fileChecker {
	data := make([]byte, pages*testPageSize)
	for id, p := range content {
		copy(data[id*testPageSize:], p)
	}
	return &fileChecker{data: data, pageSize: testPageSize, meta: meta{pgid: pgid}, reachable: map[uint64]bool{0: true, 1: true}}
}

func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want it accepted", what, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: err = %v, want %q", what, err, want)
	}
}

// validMeta returns n bytes holding a meta page (bbolt common.Meta: magic, version,
// page size, flags, root, sequence, freelist, pgid, txid, then the FNV-64a checksum of
// those 56 bytes) at off.
func validMeta(n, off int, pageSize uint32) []byte {
	data := make([]byte, n)
	m := data[off+pageHeaderSize:]
	binary.LittleEndian.PutUint32(m[0:], boltMagic)
	binary.LittleEndian.PutUint32(m[4:], boltVersion)
	binary.LittleEndian.PutUint32(m[8:], pageSize)
	binary.LittleEndian.PutUint64(m[16:], 3)
	binary.LittleEndian.PutUint64(m[32:], noFreelist)
	binary.LittleEndian.PutUint64(m[40:], 4)
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	binary.LittleEndian.PutUint64(m[56:], h.Sum64())
	return data
}

// A meta page is read only when its checksum lies inside the data: the page header, 56
// bytes of fields and the 8-byte checksum, 80 bytes.
func TestParseMetaNeedsTheWholeChecksum(t *testing.T) {
	if m, ok := parseMeta(validMeta(80, 0, 4096), 0); !ok || m.pageSize != 4096 || m.root != 3 || m.pgid != 4 || m.freelist != noFreelist {
		t.Errorf("80 bytes: %+v %v, want the meta page read", m, ok)
	}
	if _, ok := parseMeta(validMeta(80, 0, 4096)[:79], 0); ok {
		t.Error("79 bytes: a truncated checksum was accepted")
	}
	if _, ok := parseMeta(validMeta(2048, 1024, 4096), 1024); !ok {
		t.Error("a meta page at 1 KiB was not read")
	}
	if _, ok := parseMeta(validMeta(2048, 1024, 4096), -1); ok {
		t.Error("a negative offset was accepted")
	}
}

// Like bbolt's getPageSizeFromSecondMeta, a second meta page is looked for at 1 KiB, 2
// KiB, ... up to 16 MiB (1024<<14), and only where more than 1 KiB of the file follows.
func TestCheckFileLooksForTheSecondMetaPageWhereBboltDoes(t *testing.T) {
	// At 2 KiB in a 3 KiB file exactly 1 KiB follows: bbolt stops before it.
	data := validMeta(3072, 2048, 2048)
	wantErr(t, "meta at 2 KiB of 3 KiB", checkFile(data), "neither of its two meta pages is valid")
	// In a 4000-byte file it is read (and the file is then too short for 2 KiB pages).
	data = validMeta(4000, 2048, 2048)
	wantErr(t, "meta at 2 KiB of 4 KiB", checkFile(data), "it is only 4000 bytes long, shorter than its two meta pages")
	// The last place bbolt looks: 16 MiB (a page size found there is then refused).
	data = validMeta(16<<20+4096, 16<<20, 16<<20)
	wantErr(t, "meta at 16 MiB", checkFile(data), "impossible page size 16777216")
}

// A file of exactly two pages has room for its meta pages (and is then refused for its
// page count); a shorter one is refused for its length.
func TestCheckFileTwoMetaPagesBoundary(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	wantErr(t, "two 4 KiB pages", checkFile(data[:8192]), "but the file holds 2")
	wantErr(t, "6000 bytes", checkFile(data[:6000]), "it is only 6000 bytes long, shorter than its two meta pages")
}

// Of two valid meta pages bbolt uses the one with the higher transaction ID, the first
// on a tie (DB.meta).
func TestCheckFileUsesTheMetaPageBboltUses(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	txid0 := binary.LittleEndian.Uint64(data[16+48:])
	txid1 := binary.LittleEndian.Uint64(data[4096+16+48:])
	for _, tt := range []struct {
		name  string
		txid1 uint64 // of the second meta page, whose root is made invalid
		want  string
	}{
		{"tie: the first", txid0, ""},
		{"second older: the first", min(txid0, txid1) - 1, ""},
		{"second newer: the second", max(txid0, txid1) + 1, "its root page 1 is out of range"},
	} {
		d := bytes.Clone(data)
		// Both meta pages get the first one's fields, then the second its own txid and a bad root.
		copy(d[4096+16:4096+16+56], d[16:16+56])
		editMeta(d, 4096, 48, tt.txid1, 8)
		editMeta(d, 4096, metaRoot, 1, 8)
		wantErr(t, tt.name, checkFile(d), tt.want)
	}
}

// The freelist page's bounds: page 2 is the first data page, the last one is below the
// high-water mark.
func TestCheckFileFreelistPageBounds(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	pages := uint64(len(data) / 4096)
	for _, tt := range []struct {
		name     string
		freelist uint64
		refused  bool
	}{
		{"page 1", 1, true},
		{"page 2", 2, false},
		{"below the high-water mark", pages - 1, false},
	} {
		err := checkFile(bothMetas(bothMetas(data, metaPgid, pages, 8), metaFreelist, tt.freelist, 8))
		if got := err != nil && strings.Contains(err.Error(), "its freelist page"); got != tt.refused {
			t.Errorf("%s: err = %v, refused for its range: %v, want %v", tt.name, err, got, tt.refused)
		}
	}
}

// page: IDs 2 up to below the high-water mark, the overflow pages included; no page
// is used twice, overflow pages included.
func TestCheckFilePageBounds(t *testing.T) {
	leaf := func(id uint64, overflow uint32) []byte {
		p := make([]byte, pageHeaderSize)
		header(p, id, flagLeaf, 0, overflow)
		return p
	}
	c := checker(6, 4, map[uint64][]byte{2: leaf(2, 0), 3: leaf(3, 0), 4: leaf(4, 0)})
	_, err := c.page(1, flagLeaf)
	wantErr(t, "page 1", err, "page 1 is out of range")
	p, err := c.page(2, flagLeaf)
	wantErr(t, "page 2", err, "")
	if len(p) != testPageSize || le.Uint64(p) != 2 {
		t.Errorf("page 2: %d bytes naming page %d", len(p), le.Uint64(p))
	}
	_, err = c.page(3, flagLeaf)
	wantErr(t, "the last page below the high-water mark", err, "")
	_, err = c.page(4, flagLeaf)
	wantErr(t, "the high-water mark", err, "page 4 is out of range")
	_, err = c.page(2, flagLeaf)
	wantErr(t, "page 2 again", err, "page 2 is referenced twice")

	// Page 2 with one overflow page ends at page 3, the last page: allowed, and page 3
	// is then in use. With two it would run to the high-water mark.
	c = checker(6, 4, map[uint64][]byte{2: leaf(2, 1), 3: leaf(3, 0)})
	p, err = c.page(2, flagLeaf)
	wantErr(t, "page 2 and its overflow page", err, "")
	if len(p) != 2*testPageSize {
		t.Errorf("page 2 with an overflow page: %d bytes, want %d", len(p), 2*testPageSize)
	}
	_, err = c.page(3, flagLeaf)
	wantErr(t, "the overflow page as a page", err, "page 3 is referenced twice")
	c = checker(6, 4, map[uint64][]byte{2: leaf(2, 2)})
	_, err = c.page(2, flagLeaf)
	wantErr(t, "overflow to the high-water mark", err, "page 2 runs past the last page")
}

// elements: the element headers must fit in the page, exactly fitting is fine.
func TestElementsFit(t *testing.T) {
	p := make([]byte, pageHeaderSize+2*elementSize)
	header(p, 2, flagLeaf, 2, 0)
	if n, err := elements(p); err != nil || n != 2 {
		t.Errorf("2 elements in %d bytes: %d, %v", len(p), n, err)
	}
	header(p, 2, flagLeaf, 3, 0)
	if _, err := elements(p); err == nil || err.Error() != "3 elements do not fit in a 48-byte page" {
		t.Errorf("3 elements in 48 bytes: %v", err)
	}
}

// span: an element's data may end exactly at the page's end, and be empty there.
func TestSpanBounds(t *testing.T) {
	p := []byte("0123456789abcdefghijklmnopqrstuv") // 32 bytes
	for _, tt := range []struct {
		elem, pos, n uint64
		want         string // "!" for an error
	}{
		{16, 4, 4, "klmn"},
		{16, 8, 8, "opqrstuv"},
		{16, 16, 0, ""},
		{16, 8, 9, "!"},
		{16, 17, 0, "!"},
	} {
		got, err := span(p, tt.elem, tt.pos, tt.n)
		switch {
		case tt.want == "!" && err == nil:
			t.Errorf("span(%d, %d, %d) = %q, want an error", tt.elem, tt.pos, tt.n, got)
		case tt.want != "!" && (err != nil || string(got) != tt.want):
			t.Errorf("span(%d, %d, %d) = %q, %v, want %q", tt.elem, tt.pos, tt.n, got, err, tt.want)
		}
	}
}

// checkOrder: keys strictly increasing, the first may equal the lower bound (a child's
// first key is its parent's key), each below the upper bound.
func TestCheckOrder(t *testing.T) {
	k := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, x := range s {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		keys   [][]byte
		lo, hi []byte
		want   string
	}{
		{"increasing", k("a", "b", "c"), nil, nil, ""},
		{"first equals the lower bound", k("b", "c"), []byte("b"), []byte("d"), ""},
		{"first below the lower bound", k("a", "c"), []byte("b"), nil, "key 0 is out of order"},
		{"a repeated key", k("a", "b", "b"), nil, nil, "key 2 is out of order"},
		{"decreasing", k("b", "a"), nil, nil, "key 1 is out of order"},
		{"last below the upper bound", k("a", "c"), nil, []byte("d"), ""},
		{"last equals the upper bound", k("a", "d"), nil, []byte("d"), "key 1 is beyond its parent's range"},
	} {
		wantErr(t, tt.name, checkOrder(tt.keys, tt.lo, tt.hi), tt.want)
	}
}

// checkTree and checkBucket: a branch page's children hold the keys between its keys, a
// bucket's root is a page or an inline leaf, and nesting stops at maxDepth.
func TestCheckTreeBranchesAndBuckets(t *testing.T) {
	leaf3 := leafPage(3, leafElem{k: []byte("a"), v: []byte("1")}, leafElem{k: []byte("b"), v: []byte("2")})
	leaf4 := leafPage(4, leafElem{k: []byte("m"), v: []byte("3")})
	branch := branchPage(2, branchElem{[]byte("a"), 3}, branchElem{[]byte("m"), 4})
	c := checker(6, 5, map[uint64][]byte{2: branch, 3: leaf3, 4: leaf4})
	wantErr(t, "a branch over two leaves", c.checkTree(2, nil, nil, 0), "")
	if !c.reachable[2] || !c.reachable[3] || !c.reachable[4] || c.reachable[5] {
		t.Errorf("reachable %v, want pages 2 to 4", c.reachable)
	}

	// A key of the first leaf at or past the branch's next key is out of place.
	bad := leafPage(3, leafElem{k: []byte("a"), v: []byte("1")}, leafElem{k: []byte("m"), v: []byte("2")})
	c = checker(6, 5, map[uint64][]byte{2: branch, 3: bad, 4: leaf4})
	wantErr(t, "a leaf key at the next branch key", c.checkTree(2, nil, nil, 0), "leaf page 3: key 1 is beyond its parent's range")

	c = checker(6, 5, map[uint64][]byte{2: branchPage(2)})
	wantErr(t, "an empty branch", c.checkTree(2, nil, nil, 0), "branch page 2 is empty")

	// A branch at the last page of a file that ends at the high-water mark: the page
	// after it is not read.
	c = checker(5, 5, map[uint64][]byte{2: branch, 3: leaf3, 4: leaf4})
	wantErr(t, "a child at the high-water mark", c.checkTree(5, nil, nil, 0), "page 5 is out of range")

	// Depth: maxDepth itself is allowed, one more is not, for a page and for its children.
	c = checker(6, 5, map[uint64][]byte{3: leaf3})
	wantErr(t, "a leaf at maxDepth", c.checkTree(3, nil, nil, maxDepth), "")
	c = checker(6, 5, map[uint64][]byte{3: leaf3})
	wantErr(t, "a leaf past maxDepth", c.checkTree(3, nil, nil, maxDepth+1), "nested too deep")
	c = checker(6, 5, map[uint64][]byte{2: branch, 3: leaf3, 4: leaf4})
	wantErr(t, "a branch at maxDepth", c.checkTree(2, nil, nil, maxDepth), "nested too deep")
	c = checker(6, 5, map[uint64][]byte{2: branch, 3: leaf3, 4: leaf4})
	wantErr(t, "a branch just above maxDepth", c.checkTree(2, nil, nil, maxDepth-1), "")

	// Buckets: a root page, an inline leaf (empty, or holding a nested inline bucket).
	c = checker(6, 5, map[uint64][]byte{3: leaf3})
	wantErr(t, "a bucket with a root page", c.checkBucket(rootBucket(3), 0), "")
	c = checker(6, 5, map[uint64][]byte{3: leaf3})
	wantErr(t, "a bucket whose root is at maxDepth", c.checkBucket(rootBucket(3), maxDepth-1), "")
	c = checker(6, 5, map[uint64][]byte{3: leaf3})
	wantErr(t, "a bucket whose root is past maxDepth", c.checkBucket(rootBucket(3), maxDepth), "nested too deep")
	wantErr(t, "a truncated bucket header", c.checkBucket(make([]byte, bucketHeaderSize-1), 0), "its header is truncated")
	empty := leafPage(0)
	wantErr(t, "an empty inline bucket", c.checkBucket(inlineBucket(empty), 0), "")
	wantErr(t, "a truncated inline page", c.checkBucket(inlineBucket(empty[:pageHeaderSize-1]), 0), "its inline page is truncated")
	notLeaf := bytes.Clone(empty)
	binary.LittleEndian.PutUint16(notLeaf[8:], flagBranch)
	wantErr(t, "an inline branch", c.checkBucket(inlineBucket(notLeaf), 0), "its inline page has type flags 0x1, want a leaf")
	wantErr(t, "an inline bucket at maxDepth", c.checkBucket(inlineBucket(empty), maxDepth-1), "")
	wantErr(t, "an inline bucket past maxDepth", c.checkBucket(inlineBucket(empty), maxDepth), "nested too deep")
	nested := leafPage(0, leafElem{bucket: true, k: []byte("inner"), v: inlineBucket(empty)})
	wantErr(t, "a nested inline bucket within maxDepth", c.checkBucket(inlineBucket(nested), maxDepth-2), "")
	wantErr(t, "a nested inline bucket past maxDepth", c.checkBucket(inlineBucket(nested), maxDepth-1), `bucket "inner": its buckets are nested too deep`)
	brokenInner := leafPage(0, leafElem{bucket: true, k: []byte("inner"), v: make([]byte, 3)})
	wantErr(t, "a nested bucket with a broken header", c.checkBucket(inlineBucket(brokenInner), 0), `bucket "inner": its header is truncated`)
	plain := leafPage(0, leafElem{k: []byte("key"), v: make([]byte, 3)})
	wantErr(t, "a plain value is not read as a bucket", c.checkBucket(inlineBucket(plain), 0), "")
}

// freelistPage returns a 1 KiB freelist page (page 2) listing ids; long forces the form bbolt
// writes for 0xFFFF or more IDs (count 0xFFFF, then the count as u64 in the first slot).
func freelistPage(long bool, count uint64, ids ...uint64) []byte {
	const id = 2
	p := make([]byte, testPageSize)
	idx := 0
	if long {
		header(p, id, flagFreelist, 0xFFFF, 0)
		binary.LittleEndian.PutUint64(p[pageHeaderSize:], count)
		idx = 1
	} else {
		header(p, id, flagFreelist, uint16(count), 0) //nolint:gosec // the tests' counts fit
	}
	for i, x := range ids {
		binary.LittleEndian.PutUint64(p[pageHeaderSize+(idx+i)*8:], x)
	}
	return p
}

// The synced freelist: every listed page is a data page below the high-water mark,
// listed once, not in use, and the list fits in its page; both of bbolt's count forms.
func TestCheckFreelist(t *testing.T) {
	const pgid = 200
	run := func(name string, page []byte, want string) {
		t.Helper()
		c := checker(4, pgid, map[uint64][]byte{2: page})
		c.meta.freelist = 2
		c.reachable[2], c.reachable[3] = true, true
		wantErr(t, name, c.checkFreelist(), want)
	}
	run("free pages", freelistPage(false, 2, 4, pgid-1), "")
	run("free pages, long form", freelistPage(true, 2, 4, pgid-1), "")
	run("page 1", freelistPage(false, 1, 1), "freelist lists page 1, out of range")
	run("the high-water mark", freelistPage(false, 1, pgid), "freelist lists page 200, out of range")
	run("a page twice", freelistPage(false, 2, 5, 5), "freelist lists page 5 twice")
	run("a page in use", freelistPage(false, 1, 3), "freelist lists page 3, which is in use")
	// A 1 KiB page holds (1024-16)/8 = 126 IDs, one fewer in the long form.
	full := make([]uint64, 126)
	for i := range full {
		full[i] = uint64(4 + i)
	}
	run("126 IDs", freelistPage(false, 126, full...), "")
	run("127 IDs", freelistPage(false, 127, full...), "freelist lists 127 pages, more than its page holds")
	run("125 IDs, long form", freelistPage(true, 125, full[:125]...), "")
	run("126 IDs, long form", freelistPage(true, 126, full[:125]...), "freelist lists 126 pages, more than its page holds")

	// 200 IDs need the page's overflow page: 2 KiB hold (2048-16)/8 = 254.
	long := make([]uint64, 200)
	for i := range long {
		long[i] = uint64(5 + i)
	}
	spanning := make([]byte, 2*testPageSize)
	copy(spanning, freelistPage(false, 200, long[:126]...))
	header(spanning, 2, flagFreelist, 200, 1)
	for i, x := range long[126:] {
		binary.LittleEndian.PutUint64(spanning[testPageSize+i*8:], x)
	}
	c := checker(5, 300, map[uint64][]byte{2: spanning})
	c.meta.freelist = 2
	c.reachable[2], c.reachable[3] = true, true
	c.data[2*testPageSize-12] = 7 // the end of page 1 is not the freelist's header
	wantErr(t, "a freelist with an overflow page", c.checkFreelist(), "")

	c = checker(4, pgid, nil)
	c.meta.freelist = noFreelist
	wantErr(t, "no synced freelist", c.checkFreelist(), "")
}

// checkFile walks the tree from the root of the meta page in use and reads a synced
// freelist: a zeroed root page, or a freelist page that is not one, is refused, and the
// same file without the damage is not.
func TestCheckFileWalksTheTreeAndTheFreelist(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	m0, _ := parseMeta(data, 0)
	m1, _ := parseMeta(data, 4096)
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	d := bytes.Clone(data)
	clear(d[m.root*4096 : (m.root+1)*4096])
	wantErr(t, "root page zeroed", checkFile(d), "identifies itself as page 0")

	// A synced freelist, as bbolt writes it when opened without NoFreelistSync.
	synced := writeSyncedFreelist(t, data)
	wantErr(t, "a synced freelist", checkFile(synced), "")
	s0, _ := parseMeta(synced, 0)
	s1, _ := parseMeta(synced, 4096)
	s := s0
	if s1.txid > s0.txid {
		s = s1
	}
	if s.freelist == noFreelist {
		t.Fatal("bbolt wrote no freelist page")
	}
	binary.LittleEndian.PutUint16(synced[s.freelist*4096+8:], flagLeaf)
	wantErr(t, "a freelist page that is a leaf", checkFile(synced), "freelist: page")
}

// writeSyncedFreelist returns data as bbolt leaves it after opening it with its
// defaults, which sync the freelist: a freelist page in the file.
func writeSyncedFreelist(t *testing.T, data []byte) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "synced.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path) //nolint:gosec // the test's own temp dir
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out, data) {
		t.Fatal("bbolt did not sync a freelist")
	}
	return out
}
