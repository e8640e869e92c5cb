// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
)

// checkFile verifies, before bbolt ever maps the file, every structure bbolt will
// dereference: the page size it derives, both meta pages (bbolt would fall back to an
// older commit past a damaged one) and the one it picks, every page reachable from the
// root bucket (nested and inline buckets included), and the freelist.
//
// Why a check of our own rather than recover(): bbolt reads pages through unchecked
// pointer arithmetic over a memory map, so a damaged file ends in an out-of-bounds
// read (SIGSEGV, or SIGBUS past the end of a truncated file) or in an assertion panic,
// and when it opens a file without a synced freelist it walks the tree on a goroutine of
// its own that panics on the first inconsistency (DB.freepages). None of these can be
// recovered. Opening a copy in a child process first would contain the crash, but every
// binary that embeds the emulator (the provider, each test binary) would need a re-exec
// hook, and every operation would pay a process start. Checking the bytes is cheap (one
// read of a file of a few hundred KiB) and exact, because it mirrors what this bbolt
// version reads (go.etcd.io/bbolt v1.5.0: DB.getPageSize, DB.meta, Tx.page's FastCheck,
// Tx.recursivelyCheckBucket, freelist Read); the corruption fuzz test proves it.
//
// data is the whole file, read while holding the file lock. A nil error means bbolt can
// open the file and walk every bucket without touching memory outside the file.
func checkFile(data []byte) error {
	c := &fileChecker{data: data}
	return c.check()
}

// Layout constants of the bbolt file format (version 2), from go.etcd.io/bbolt
// internal/common: page header 16 bytes, branch and leaf elements 16 bytes each, a
// bucket header 16 bytes, meta fields as in common.Meta.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	elementSize      = 16
	bucketHeaderSize = 16
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagMeta         = 0x04
	flagFreelist     = 0x10
	leafFlagBucket   = 0x01
	noFreelist       = ^uint64(0)
	metaChecksumEnd  = pageHeaderSize + 56 // the checksum covers the meta fields before it
	minPageSize      = 1024
	maxPageSize      = 1 << 16
	// maxDepth bounds the recursion through nested buckets and branch pages; the
	// emulator's files are three buckets deep and a few pages high.
	maxDepth = 64
)

var le = binary.LittleEndian

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// parseMeta reads the meta page at off and reports whether bbolt would accept it
// (common.Meta.Validate: magic, version, checksum).
func parseMeta(data []byte, off int) (meta, bool) {
	if off < 0 || off+metaChecksumEnd+8 > len(data) {
		return meta{}, false
	}
	m := data[off+pageHeaderSize:]
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return meta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(data[off+pageHeaderSize : off+metaChecksumEnd])
	if h.Sum64() != le.Uint64(data[off+metaChecksumEnd:]) {
		return meta{}, false
	}
	return meta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, true
}

type fileChecker struct {
	data      []byte
	pageSize  uint64
	meta      meta
	reachable map[uint64]bool
}

func (c *fileChecker) check() error {
	if len(c.data) < 2*minPageSize {
		return fmt.Errorf("it is only %d bytes long, too short for a bbolt database", len(c.data))
	}
	// The page size, as DB.getPageSize finds it: from the first meta page, else from
	// the first valid meta page at 1 KiB, 2 KiB, ... 16 MiB.
	var ok bool
	var m0 meta
	if m0, ok = parseMeta(c.data, 0); ok {
		c.pageSize = uint64(m0.pageSize)
	} else {
		for i := 0; i <= 14; i++ {
			pos := 1024 << i
			if pos >= len(c.data)-1024 {
				break
			}
			if m, ok := parseMeta(c.data, pos); ok {
				c.pageSize = uint64(m.pageSize)
				break
			}
		}
	}
	if c.pageSize == 0 {
		return errors.New("neither of its two meta pages is valid")
	}
	if c.pageSize < minPageSize || c.pageSize > maxPageSize || c.pageSize&(c.pageSize-1) != 0 {
		return fmt.Errorf("its meta page records an impossible page size %d", c.pageSize)
	}
	if uint64(len(c.data)) < 2*c.pageSize {
		return fmt.Errorf("it is only %d bytes long, shorter than its two meta pages", len(c.data))
	}
	// bbolt writes both meta pages when it creates a file and one of them at every
	// commit, so in a sound file both are valid. With one of them invalid bbolt would use
	// the other, silently going back one commit (or, in a file written once, to the
	// empty database bbolt created): the file is damaged, and its last commit or more is
	// lost. The backup holds the last commit, so a damaged meta page is refused like any
	// other damage rather than read as an older deployment, or written over.
	m0, ok0 := parseMeta(c.data, 0)
	m1, ok1 := parseMeta(c.data, int(c.pageSize))
	switch {
	case !ok0 && !ok1:
		return errors.New("neither of its two meta pages is valid")
	case !ok0 || !ok1:
		bad := 0
		if ok0 {
			bad = 1
		}
		return fmt.Errorf("its meta page %d is not valid (wrong magic number, version or checksum)", bad)
	}
	// The meta page in use, as DB.meta picks it: the one with the higher transaction ID
	// (on a tie, the first).
	c.meta = m0
	if m1.txid > m0.txid {
		c.meta = m1
	}
	if err := c.checkMeta(); err != nil {
		return err
	}
	c.reachable = map[uint64]bool{0: true, 1: true}
	if c.meta.freelist != noFreelist {
		if _, err := c.page(c.meta.freelist, flagFreelist); err != nil {
			return fmt.Errorf("freelist: %w", err)
		}
	}
	if err := c.checkTree(c.meta.root, nil, nil, 0); err != nil {
		return err
	}
	return c.checkFreelist()
}

func (c *fileChecker) checkMeta() error {
	m := c.meta
	if uint64(m.pageSize) != c.pageSize {
		return fmt.Errorf("its meta pages disagree on the page size (%d and %d)", c.pageSize, m.pageSize)
	}
	if m.pgid < 3 || m.pgid > uint64(len(c.data))/c.pageSize {
		return fmt.Errorf("its meta page counts %d pages, but the file holds %d", m.pgid, uint64(len(c.data))/c.pageSize)
	}
	if m.root < 2 || m.root >= m.pgid {
		return fmt.Errorf("its root page %d is out of range", m.root)
	}
	if m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid) {
		return fmt.Errorf("its freelist page %d is out of range", m.freelist)
	}
	return nil
}

// page returns the bytes of page id, with its overflow pages, after checking what
// Tx.page's FastCheck asserts (the page names itself and has exactly one type flag),
// that it has the wanted type, lies below the high-water mark inside the file, and
// shares none of its pages with another reachable page.
func (c *fileChecker) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= c.meta.pgid {
		return nil, fmt.Errorf("page %d is out of range", id)
	}
	off := id * c.pageSize
	hdr := c.data[off : off+pageHeaderSize]
	if got := le.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d identifies itself as page %d", id, got)
	}
	if flags := le.Uint16(hdr[8:]); flags != want {
		return nil, fmt.Errorf("page %d has type flags %#x, want %#x", id, flags, want)
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if id+overflow >= c.meta.pgid {
		return nil, fmt.Errorf("page %d runs past the last page", id)
	}
	for i := id; i <= id+overflow; i++ {
		if c.reachable[i] {
			return nil, fmt.Errorf("page %d is referenced twice", i)
		}
		c.reachable[i] = true
	}
	return c.data[off : off+(overflow+1)*c.pageSize], nil
}

// elements checks that a page's element headers fit in it and returns their count.
func elements(p []byte) (int, error) {
	n := int(le.Uint16(p[10:]))
	if pageHeaderSize+n*elementSize > len(p) {
		return 0, fmt.Errorf("%d elements do not fit in a %d-byte page", n, len(p))
	}
	return n, nil
}

// span returns p[i+pos : i+pos+n] for the element at i, or an error when it leaves p.
func span(p []byte, elem uint64, pos, n uint64) ([]byte, error) {
	start := elem + pos
	if start > uint64(len(p)) || n > uint64(len(p))-start {
		return nil, errors.New("an element points outside its page")
	}
	return p[start : start+n], nil
}

// checkTree checks the B+tree rooted at page id, whose keys must lie in [lo, hi) (nil
// for unbounded), and every bucket nested in it. It mirrors the ordering rules of
// Tx.recursivelyCheckPageKeyOrder, which DB.freepages enforces with a panic.
func (c *fileChecker) checkTree(id uint64, lo, hi []byte, depth int) error {
	if depth > maxDepth {
		return errors.New("its buckets are nested too deep")
	}
	off := id * c.pageSize
	if id >= 2 && id < c.meta.pgid && le.Uint16(c.data[off+8:]) == flagBranch {
		p, err := c.page(id, flagBranch)
		if err != nil {
			return err
		}
		n, err := elements(p)
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("branch page %d is empty", id)
		}
		keys := make([][]byte, n)
		children := make([]uint64, n)
		for i := range n {
			e := pageHeaderSize + i*elementSize
			pos, ksize := uint64(le.Uint32(p[e:])), uint64(le.Uint32(p[e+4:]))
			if keys[i], err = span(p, uint64(e), pos, ksize); err != nil { //nolint:gosec // e is a small non-negative offset
				return fmt.Errorf("page %d: %w", id, err)
			}
			children[i] = le.Uint64(p[e+8:])
		}
		if err := checkOrder(keys, lo, hi); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		for i := range n {
			upper := hi
			if i+1 < n {
				upper = keys[i+1]
			}
			if err := c.checkTree(children[i], keys[i], upper, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := c.page(id, flagLeaf)
	if err != nil {
		return err
	}
	return c.checkLeaf(p, lo, hi, depth)
}

// checkLeaf checks a leaf page (from the file or inline in a bucket value).
func (c *fileChecker) checkLeaf(p []byte, lo, hi []byte, depth int) error {
	id := le.Uint64(p)
	n, err := elements(p)
	if err != nil {
		return fmt.Errorf("leaf page %d: %w", id, err)
	}
	keys := make([][]byte, n)
	for i := range n {
		e := pageHeaderSize + i*elementSize
		// elements checked that the n element headers fit in p.
		flags := le.Uint32(p[e:])                                                                                //nolint:gosec // see above
		pos, ksize, vsize := uint64(le.Uint32(p[e+4:])), uint64(le.Uint32(p[e+8:])), uint64(le.Uint32(p[e+12:])) //nolint:gosec // see above
		kv, err := span(p, uint64(e), pos, ksize+vsize)                                                          //nolint:gosec // e is a small non-negative offset
		if err != nil {
			return fmt.Errorf("leaf page %d: %w", id, err)
		}
		keys[i] = kv[:ksize]
		if flags&leafFlagBucket != 0 {
			if err := c.checkBucket(kv[ksize:], depth); err != nil {
				return fmt.Errorf("bucket %q: %w", kv[:ksize], err)
			}
		}
	}
	if err := checkOrder(keys, lo, hi); err != nil {
		return fmt.Errorf("leaf page %d: %w", id, err)
	}
	return nil
}

// checkBucket checks a nested bucket's value: a bucket header, then either a root page
// in the file or, when the root is 0, an inline leaf page inside the value.
func (c *fileChecker) checkBucket(v []byte, depth int) error {
	if len(v) < bucketHeaderSize {
		return errors.New("its header is truncated")
	}
	root := le.Uint64(v)
	if root != 0 {
		return c.checkTree(root, nil, nil, depth+1)
	}
	inline := v[bucketHeaderSize:]
	if len(inline) < pageHeaderSize {
		return errors.New("its inline page is truncated")
	}
	if flags := le.Uint16(inline[8:]); flags != flagLeaf {
		return fmt.Errorf("its inline page has type flags %#x, want a leaf", flags)
	}
	if depth+1 > maxDepth {
		return errors.New("its buckets are nested too deep")
	}
	return c.checkLeaf(inline, nil, nil, depth+1)
}

// checkOrder checks that keys are strictly increasing, not below lo (the first key may
// equal it) and below hi.
func checkOrder(keys [][]byte, lo, hi []byte) error {
	prev := lo
	for i, k := range keys {
		cmp := 0
		if prev != nil {
			cmp = bytes.Compare(prev, k)
		}
		if cmp > 0 || (i > 0 && cmp == 0) {
			return fmt.Errorf("key %d is out of order", i)
		}
		if hi != nil && bytes.Compare(k, hi) >= 0 {
			return fmt.Errorf("key %d is beyond its parent's range", i)
		}
		prev = k
	}
	return nil
}

// checkFreelist checks the synced freelist (bbolt reads it on open and trusts it when
// allocating): every ID is a data page below the high-water mark, listed once, and not
// in use.
func (c *fileChecker) checkFreelist() error {
	if c.meta.freelist == noFreelist {
		return nil
	}
	off := c.meta.freelist * c.pageSize
	overflow := uint64(le.Uint32(c.data[off+12:]))
	p := c.data[off : off+(overflow+1)*c.pageSize]
	idx, count := uint64(0), uint64(le.Uint16(p[10:]))
	if count == 0xFFFF {
		if len(p) < pageHeaderSize+8 {
			return errors.New("freelist page is truncated")
		}
		idx, count = 1, le.Uint64(p[pageHeaderSize:])
	}
	if count > (uint64(len(p))-pageHeaderSize)/8-idx {
		return fmt.Errorf("freelist lists %d pages, more than its page holds", count)
	}
	seen := make(map[uint64]bool, count)
	for i := range count {
		id := le.Uint64(p[pageHeaderSize+(idx+i)*8:])
		switch {
		case id < 2 || id >= c.meta.pgid:
			return fmt.Errorf("freelist lists page %d, out of range", id)
		case seen[id]:
			return fmt.Errorf("freelist lists page %d twice", id)
		case c.reachable[id]:
			return fmt.Errorf("freelist lists page %d, which is in use", id)
		}
		seen[id] = true
	}
	return nil
}
