package emulator

import (
	"encoding/binary"
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

// A state file whose first meta page is damaged is still sound: like bbolt, the check
// finds the page size from the second meta page and uses that one.
func TestCheckFileFallsBackToTheSecondMetaPage(t *testing.T) {
	f := newFixture(t, "demo")
	data := f.bytes()
	if err := checkFile(data); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	clear(data[:minPageSize])
	if err := checkFile(data); err != nil {
		t.Errorf("first meta page zeroed: %v, want the second meta page used", err)
	}
}
