// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Group records (management and workload clusters) are read by every inventory, so they
// use a compact binary encoding rather than JSON, whose base64 certificates made up
// most of an inventory's cost. Layout, version 1: a version byte, then the fields of
// storedGroup in order; strings and byte slices are uvarint-length-prefixed; a time is
// a zero flag byte, then varint Unix seconds and varint nanoseconds (UTC); a bool is one
// byte; the identities are a uvarint count followed by each identity's fields.
// Version 2 adds each identity's LockedOut after its token expiry, then the
// KubeletServer and KubeconfigAdmin certificates after the identities. Version 1 records
// are still read.
const groupCodecVersion = 2

type encoder struct{ buf []byte }

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}
func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}
func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}
func (e *encoder) time(t time.Time) {
	e.bool(t.IsZero())
	if !t.IsZero() {
		e.buf = binary.AppendVarint(e.buf, t.Unix())
		e.buf = binary.AppendVarint(e.buf, int64(t.Nanosecond()))
	}
}

func encodeGroup(rec storedGroup) []byte {
	size := 64
	for _, id := range rec.Identities {
		size += len(id.Certificate) + len(id.Client) + 32
	}
	e := &encoder{buf: make([]byte, 0, size+len(rec.KubeCACert)+len(rec.Kubelet))}
	e.buf = append(e.buf, groupCodecVersion)
	e.string(rec.Cluster)
	e.time(rec.CreatedAt)
	e.time(rec.EvaluatedAt)
	e.time(rec.PoweredOffAt)
	e.bool(rec.Stale)
	e.bytes(rec.KubeCACert)
	e.bytes(rec.Kubelet)
	e.uvarint(uint64(len(rec.Identities)))
	for _, id := range rec.Identities {
		e.string(id.Client)
		e.bytes(id.Certificate)
		e.time(id.TokenIssuedAt)
		e.time(id.TokenNotAfter)
		e.bool(id.LockedOut)
	}
	e.bytes(rec.KubeletServer)
	e.bytes(rec.KubeconfigAdmin)
	return e.buf
}

var errTruncated = errors.New("record truncated")

// decoder reads what encoder wrote; the first error sticks. Byte slices are copied, so
// the result outlives the bbolt transaction that produced the input.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.err = errTruncated
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) bytes() []byte {
	b := d.raw()
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

func (d *decoder) string() string { return string(d.raw()) }

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.buf) == 0 {
		d.err = errTruncated
		return false
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	if b > 1 {
		d.err = fmt.Errorf("bad boolean %d", b)
	}
	return b == 1
}

func (d *decoder) time() time.Time {
	if d.bool() || d.err != nil {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.varint()
	if nsec < 0 || nsec >= int64(time.Second) {
		d.err = fmt.Errorf("bad nanoseconds %d", nsec)
		return time.Time{}
	}
	return time.Unix(sec, nsec).UTC()
}

func decodeGroupRecord(data []byte) (storedGroup, error) {
	var rec storedGroup
	if len(data) == 0 || (data[0] != 1 && data[0] != groupCodecVersion) {
		return rec, errors.New("unknown record encoding")
	}
	v2 := data[0] == 2
	d := &decoder{buf: data[1:]}
	rec.Cluster = d.string()
	rec.CreatedAt = d.time()
	rec.EvaluatedAt = d.time()
	rec.PoweredOffAt = d.time()
	rec.Stale = d.bool()
	rec.KubeCACert = d.bytes()
	rec.Kubelet = d.bytes()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)) {
		d.err = errTruncated
	}
	if d.err == nil {
		rec.Identities = make([]storedIdentity, 0, n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		si := storedIdentity{
			Client:        d.string(),
			Certificate:   d.bytes(),
			TokenIssuedAt: d.time(),
			TokenNotAfter: d.time(),
		}
		if v2 {
			si.LockedOut = d.bool()
		}
		rec.Identities = append(rec.Identities, si)
	}
	if v2 {
		rec.KubeletServer = d.bytes()
		rec.KubeconfigAdmin = d.bytes()
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = errors.New("trailing bytes")
	}
	return rec, d.err
}
