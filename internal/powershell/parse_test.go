package powershell

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

var (
	hostNow   = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	caExpiry  = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	kvaExpiry = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	kmsExpiry = time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
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

// docJSON is a document like the inventory script prints (ConvertTo-Json -Compress).
func docJSON(t testing.TB) string {
	ca := b64(certPEM(t, "ca-old", caExpiry) + certPEM(t, "ca-new", caExpiry.AddDate(1, 0, 0)))
	kva := b64(certPEM(t, "kva", kvaExpiry))
	return fmt.Sprintf(`{"version":1,"now":"2026-03-04T05:06:07.1234567Z","caCertificate":%q,`+
		`"management":[{"type":"certificate","client":"KVA","certificate":%q},{"client":"Mystery","type":"certificate","certificate":null}],`+
		`"clusters":[{"name":"zeta","credentials":[{"client":"KMS","type":"token","tokenExpiryInSeconds":%d}]},`+
		`{"name":"alpha","credentials":[{"client":"KMS","type":"token","tokenExpiryInSeconds":null},{"client":"CSI","type":"token","tokenExpiryInSeconds":7776000}]}]}`,
		ca, kva, kmsExpiry.Unix())
}

// wrapOutput surrounds a document with what a real session prints around it.
func wrapOutput(doc, nonce string) string {
	return "WARNING: The names of some imported commands from the module 'AksHci' include unapproved verbs.\r\n" +
		"   AksHci 1.2.3 — banner text with AKSHYBRID-BEGIN-not-the-nonce and {\"json\": \"noise\"}\r\n" +
		"Progress: [oooooooo    ]\r" + "Progress: [oooooooooooo]\r\n" +
		"AKSHYBRID-BEGIN-" + strings.Repeat("f", 32) + "\r\n{\"version\":1,\"now\":\"2000-01-01T00:00:00Z\"}\r\nAKSHYBRID-END-" + strings.Repeat("f", 32) + "\r\n" +
		"\r\nAKSHYBRID-BEGIN-" + nonce + "\r\n" + doc + "\r\nAKSHYBRID-END-" + nonce + "\r\n" +
		"WARNING: trailing noise\r\n"
}

func TestParseInventory(t *testing.T) {
	doc := docJSON(t)
	outputs := map[string][]byte{
		"crlf-banners":  []byte(wrapOutput(doc, testNonce)),
		"bom":           append([]byte("\xEF\xBB\xBF"), wrapOutput(doc, testNonce)...),
		"utf16le":       utf16le(wrapOutput(doc, testNonce), true),
		"utf16le-nobom": utf16le(wrapOutput(doc, testNonce), false),
		"lf-only":       []byte("AKSHYBRID-BEGIN-" + testNonce + "\n" + doc + "\nAKSHYBRID-END-" + testNonce),
		"same-line":     []byte("noise AKSHYBRID-BEGIN-" + testNonce + doc + "AKSHYBRID-END-" + testNonce + " more"),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			inv, err := ParseInventory(out, testNonce)
			if err != nil {
				t.Fatal(err)
			}
			checkParsed(t, inv)
		})
	}
}

func checkParsed(t *testing.T, inv *akshci.Inventory) {
	t.Helper()
	if want := hostNow.Add(123456700 * time.Nanosecond); !inv.Now.Equal(want) {
		t.Errorf("Now = %s, want %s", inv.Now, want)
	}
	if !inv.CAExpiresAt.Equal(caExpiry) {
		t.Errorf("CAExpiresAt = %s, want the earliest CA expiry %s", inv.CAExpiresAt, caExpiry)
	}
	if got := inv.ClusterNames(); fmt.Sprint(got) != "[alpha zeta]" {
		t.Errorf("clusters %v, want sorted [alpha zeta]", got)
	}
	if len(inv.Management) != 2*len(akshci.ManagementClients) {
		t.Errorf("%d management credentials, want %d", len(inv.Management), 2*len(akshci.ManagementClients))
	}
	for _, c := range inv.Management {
		c0, _ := akshci.LookupClient(akshci.ManagementClients, c.Client)
		if c.Scope != c0.Scope || c.AutoRenew != (c.Type == akshci.Certificate && c0.CertificateAutoRenew) {
			t.Errorf("%s: scope %s auto-renew %v does not follow the catalog", c.Name(), c.Scope, c.AutoRenew)
		}
		switch {
		case c.Client == "KVA" && c.Type == akshci.Certificate:
			if !c.NotAfter.Equal(kvaExpiry) {
				t.Errorf("KVA certificate NotAfter %s, want %s", c.NotAfter, kvaExpiry)
			}
		case c.Known():
			t.Errorf("%s is known (%s) but the host did not report it", c.Name(), c.NotAfter)
		}
	}
	zeta, _ := inv.Cluster("zeta")
	alpha, _ := inv.Cluster("alpha")
	if len(zeta.Credentials) != 2*len(akshci.ClusterClients)+len(akshci.KubernetesClients) {
		t.Errorf("zeta has %d credentials", len(zeta.Credentials))
	}
	for _, c := range zeta.Credentials {
		if c.Client == "KMS" && c.Type == akshci.Token {
			if !c.NotAfter.Equal(kmsExpiry) {
				t.Errorf("zeta KMS token %s, want %s", c.NotAfter, kmsExpiry)
			}
		} else if c.Known() {
			t.Errorf("zeta %s known", c.Name())
		}
		if c.Client == "Kubelet" && (c.Scope != akshci.ScopeKubelet || !c.AutoRenew) {
			t.Errorf("kubelet credential %+v", c)
		}
		if c.Client == "LoadBalancer" && c.Scope != akshci.ScopeLoadBalancer {
			t.Errorf("load balancer credential %+v", c)
		}
	}
	for _, c := range alpha.Credentials {
		if c.Known() { // null token, and a lifetime (7776000 s) is not an expiry
			t.Errorf("alpha %s known: %s", c.Name(), c.NotAfter)
		}
	}
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

func TestParseInventoryErrors(t *testing.T) {
	good := docJSON(t)
	wrapped := func(doc string) string {
		return "banner\r\nAKSHYBRID-BEGIN-" + testNonce + "\r\n" + doc + "\r\nAKSHYBRID-END-" + testNonce + "\r\n"
	}
	keyPEM := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name, out, want string
	}{
		{"empty", "", "no begin marker"},
		{"only banners", "WARNING: something\r\nAksHci loaded\r\n", "no begin marker"},
		{"other nonce", wrapOutput(good, strings.Repeat("e", 32)), "no begin marker"},
		{"end without begin", "AKSHYBRID-END-" + testNonce, "end marker came without a begin marker"},
		{"truncated", "AKSHYBRID-BEGIN-" + testNonce + "\r\n" + good[:len(good)/2], "truncated"},
		{"twice", wrapped(good) + wrapped(good), "more than once"},
		{"bad json", wrapped(`{"version":1,"now":`), "not valid JSON"},
		{"not an object", wrapped(`[1,2]`), "not valid JSON"},
		{"no version", wrapped(`{"now":"2026-01-01T00:00:00Z"}`), "version 0 is not supported"},
		{"no now", wrapped(`{"version":1}`), "no host time"},
		{"bad now", wrapped(`{"version":1,"now":"yesterday"}`), "not an RFC 3339 time"},
		{"bad base64", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","management":[{"client":"KVA","type":"certificate","certificate":"%%%"}]}`), "KVA certificate: not base64 or PEM"},
		{"bad pem", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","management":[{"client":"KVA","type":"certificate","certificate":"` + b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") + `"}]}`), "KVA certificate: bad certificate"},
		{"not a cert", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","caCertificate":"` + b64("hello") + `"}`), "cloud agent CA certificate: no PEM certificate"},
		{"private key", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","clusters":[{"name":"c","credentials":[{"client":"KMS","type":"certificate","certificate":"` + b64(keyPEM) + `"}]}]}`), "holds a private key"},
		{"bad token", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","management":[{"client":"KMS","type":"token","tokenExpiryInSeconds":"soon"}]}`), "KMS token: tokenExpiryInSeconds soon is not a number"},
		{"huge token", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","management":[{"client":"KMS","type":"token","tokenExpiryInSeconds":99999999999999}]}`), "not a Unix time in seconds"},
		{"duplicate cluster", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","clusters":[{"name":"a"},{"name":"a"}]}`), "listed twice"},
		{"cluster with newline", wrapped(`{"version":1,"now":"2026-01-01T00:00:00Z","clusters":[{"name":"a\nb"}]}`), "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := ParseInventory([]byte(tc.out), testNonce)
			var ierr *InventoryError
			if !errors.As(err, &ierr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, %v; want an InventoryError containing %q", inv, err, tc.want)
			}
			if strings.Contains(err.Error(), "MIGHAgEAMBMGByqGSM49") {
				t.Fatalf("error repeats key material: %v", err)
			}
		})
	}
}

func TestTokenExpiryForms(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for raw, want := range map[string]time.Time{
		fmt.Sprint(at.Unix()):          at,
		fmt.Sprintf(`"%d"`, at.Unix()): at,
		`"2026-06-01T00:00:00Z"`:       at,
		fmt.Sprintf("%d.0", at.Unix()): at,
		"7776000":                      {},
		"0":                            {},
		"null":                         {},
		"":                             {},
	} {
		got, ok, err := tokenExpiry([]byte(raw))
		if err != nil || ok != !want.IsZero() || !got.Equal(want) {
			t.Errorf("tokenExpiry(%s) = %s, %v, %v; want %s", raw, got, ok, err, want)
		}
	}
}

func FuzzParseInventory(f *testing.F) {
	f.Add([]byte(wrapOutput(docJSON(f), testNonce)))
	f.Add([]byte("AKSHYBRID-BEGIN-" + testNonce + "{}AKSHYBRID-END-" + testNonce))
	f.Add([]byte("AKSHYBRID-BEGIN-" + testNonce + `{"version":1,"now":"2026-01-01T00:00:00Z","management":[{"client":"KVA","type":"certificate","certificate":"LS0t"}]}AKSHYBRID-END-` + testNonce))
	f.Add(utf16le("AKSHYBRID-BEGIN-"+testNonce, true))
	f.Fuzz(func(t *testing.T, out []byte) {
		inv, err := ParseInventory(out, testNonce)
		if err == nil && inv == nil {
			t.Fatal("nil inventory without an error")
		}
	})
}
