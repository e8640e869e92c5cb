// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// minUnixExpiry separates an absolute Unix time (after 2001-09-09) from a lifetime in
// seconds, which is never that long.
const minUnixExpiry = 1_000_000_000

// InventoryError reports output of the inventory script that cannot be used.
type InventoryError struct {
	Reason string
	// Output is an excerpt of what the host printed, secrets masked.
	Output string
}

func (e *InventoryError) Error() string {
	s := "cannot read the inventory printed by the host: " + e.Reason
	if e.Output != "" {
		s += "\nhost output: " + e.Output
	}
	return s
}

// normalizeOutput turns whatever encoding PowerShell chose into UTF-8 text: UTF-16LE
// (with or without a byte order mark), UTF-8 with a byte order mark, CRLF line ends.
func normalizeOutput(out []byte) []byte {
	if looksUTF16LE(out) {
		if len(out) >= 2 && out[0] == 0xFF && out[1] == 0xFE {
			out = out[2:]
		}
		u := make([]uint16, len(out)/2)
		for i := range u {
			u[i] = uint16(out[2*i]) | uint16(out[2*i+1])<<8
		}
		out = []byte(string(utf16.Decode(u)))
	}
	out = bytes.ReplaceAll(out, []byte("\xEF\xBB\xBF"), nil)
	return bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))
}

func looksUTF16LE(b []byte) bool {
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE {
		return true
	}
	n := min(len(b), 200) &^ 1
	if n < 8 {
		return false
	}
	zeros := 0
	for i := 1; i < n; i += 2 {
		if b[i] == 0 {
			zeros++
		}
	}
	return zeros*10 >= (n/2)*9
}

// extractDocument returns the text between the nonce's markers.
func extractDocument(out []byte, nonce string) ([]byte, error) {
	text := normalizeOutput(out)
	begin := []byte(BeginMarker + nonce)
	end := []byte(EndMarker + nonce)
	b := bytes.Index(text, begin)
	if b < 0 {
		reason := "the host printed no inventory (no begin marker): the script did not run to the end"
		if bytes.Contains(text, end) {
			reason = "the end marker came without a begin marker"
		}
		return nil, &InventoryError{Reason: reason, Output: excerpt(string(text))}
	}
	if bytes.Count(text, begin) > 1 {
		return nil, &InventoryError{Reason: "the begin marker appears more than once"}
	}
	rest := text[b+len(begin):]
	e := bytes.Index(rest, end)
	if e < 0 {
		return nil, &InventoryError{Reason: fmt.Sprintf("the output is truncated: no end marker after %d bytes of the document", len(rest))}
	}
	return bytes.TrimSpace(rest[:e]), nil
}

// decodeCertificates reads a certificate field: base64 of PEM (what access files and
// kubeconfigs hold), plain PEM, or base64 DER. The first certificate is the leaf.
func decodeCertificates(s string) ([]*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	var data []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		data = []byte(s)
	} else {
		compact := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, s)
		var err error
		data, err = base64.StdEncoding.DecodeString(compact)
		if err != nil {
			if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(compact, "=")); err != nil {
				return nil, errors.New("not base64 or PEM")
			}
		}
	}
	var certs []*x509.Certificate
	rest := data
	sawPEM := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, errors.New("holds a private key, which must never leave the host; it was discarded")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad certificate: %v", err)
		}
		certs = append(certs, c)
	}
	if !sawPEM {
		c, err := x509.ParseCertificates(data)
		if err != nil || len(c) == 0 {
			return nil, errors.New("no PEM certificate found")
		}
		certs = c
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE block in the PEM")
	}
	return certs, nil
}
