// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func certPEM(t testing.TB, cn string, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// wrapOutput surrounds a document with what a real session prints around it.
func wrapOutput(doc, nonce string) string {
	return "WARNING: The names of some imported commands from the module 'AksHci' include unapproved verbs.\r\n" +
		"   AksHci 1.2.3 — banner text with AKSHYBRID-BEGIN-not-the-nonce and {\"json\": \"noise\"}\r\n" +
		"Progress: [oooooooo    ]\r" + "Progress: [oooooooooooo]\r\n" +
		"AKSHYBRID-BEGIN-" + strings.Repeat("f", 32) + "\r\n{\"version\":2,\"now\":\"2000-01-01T00:00:00Z\"}\r\nAKSHYBRID-END-" + strings.Repeat("f", 32) + "\r\n" +
		"\r\nAKSHYBRID-BEGIN-" + nonce + "\r\n" + doc + "\r\nAKSHYBRID-END-" + nonce + "\r\n" +
		"WARNING: trailing noise\r\n"
}

func utf16le(s string, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// A localized Windows prints its warnings in the user's language: in UTF-16LE most of
// those characters have a non-zero high byte, so only the byte order mark tells the
// encoding. Output with a BOM is read as UTF-16LE whatever its text.
func TestParseInventoryUTF16WithALocalizedBanner(t *testing.T) {
	j, err := json.Marshal(newFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	banner := strings.Repeat("警告: 模块 AksHci 中某些导入命令的名称包含未经批准的动词。\r\n", 4)
	out := utf16le(banner+"AKSHYBRID-BEGIN-"+testNonce+"\r\n"+string(j)+"\r\nAKSHYBRID-END-"+testNonce+"\r\n", true)
	inv, err := ParseInventory(out, testNonce)
	if err != nil {
		t.Fatalf("UTF-16LE with a BOM and a Chinese banner: %v", err)
	}
	if got := strings.Join(inv.ClusterNames(), ","); got != "alpha,zeta" {
		t.Errorf("clusters %s", got)
	}
}

func TestInventoryErrorShowsTheHostOutputOnlyWhenThereIsSome(t *testing.T) {
	if got := (&InventoryError{Reason: "no begin marker"}).Error(); got != "cannot read the inventory printed by the host: no begin marker" {
		t.Errorf("without output: %q", got)
	}
	if got := (&InventoryError{Reason: "no begin marker", Output: "Import-Module : failed"}).Error(); got !=
		"cannot read the inventory printed by the host: no begin marker\nhost output: Import-Module : failed" {
		t.Errorf("with output: %q", got)
	}
}

// Without a BOM, UTF-16LE is recognised by its zero high bytes: at least 9 in 10 of the
// first 100 characters, and at least 4 characters to judge by.
func TestLooksUTF16LEThresholds(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want bool
	}{
		{"4 ASCII characters", utf16le("AKSH", false), true},
		{"3 ASCII characters: too short to tell", utf16le("AKS", false), false},
		{"18 of 20 characters ASCII", utf16le("AKSHYBRID-BEGIN-AB模块", false), true},
		{"17 of 20 characters ASCII", utf16le("AKSHYBRID-BEGIN-A模块模", false), false},
		{"UTF-8 text", []byte("AKSHYBRID-BEGIN-"), false},
	} {
		if got := looksUTF16LE(tt.in); got != tt.want {
			t.Errorf("%s: looksUTF16LE = %v, want %v", tt.name, got, tt.want)
		}
	}
}
