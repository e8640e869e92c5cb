package powershell

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Document is the JSON the inventory script prints between its markers (version 1).
// Certificates are base64 PEM exactly as the host stores them; their expiry is read
// here, never in PowerShell. A credential the host could not read is null or absent.
type Document struct {
	Version       int             `json:"version"`
	Now           string          `json:"now"`
	CACertificate *string         `json:"caCertificate"`
	Management    []DocCredential `json:"management"`
	Clusters      []DocCluster    `json:"clusters"`
}

// DocCluster is one workload cluster in a Document.
type DocCluster struct {
	Name        string          `json:"name"`
	Credentials []DocCredential `json:"credentials"`
}

// DocCredential is one credential in a Document: a certificate (Certificate, base64
// PEM) or a token (TokenExpiryInSeconds, Unix seconds).
type DocCredential struct {
	Client      string  `json:"client"`
	Type        string  `json:"type"`
	Certificate *string `json:"certificate,omitempty"`
	// TokenExpiryInSeconds is the identity field of that name. It counts only when it
	// is an absolute Unix time; a small value is a lifetime and says nothing about when
	// the token expires. JSON numbers and numeric strings are accepted.
	TokenExpiryInSeconds json.RawMessage `json:"tokenExpiryInSeconds,omitempty"`
}

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

// ParseInventory reads the inventory script's output: the document between the
// markers of nonce, with everything around it ignored.
func ParseInventory(out []byte, nonce string) (*akshci.Inventory, error) {
	raw, err := extractDocument(out, nonce)
	if err != nil {
		return nil, err
	}
	var doc Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, &InventoryError{Reason: "the document is not valid JSON: " + err.Error()}
	}
	return doc.Inventory()
}

// Inventory converts the document: every client of the akshci catalog gets a
// certificate and a token credential (a workload cluster also the kubelet
// certificate); the ones the document does not report are unknown.
func (doc *Document) Inventory() (*akshci.Inventory, error) {
	if doc.Version != 1 {
		return nil, &InventoryError{Reason: fmt.Sprintf("document version %d is not supported (want 1)", doc.Version)}
	}
	if doc.Now == "" {
		return nil, &InventoryError{Reason: "the document has no host time (now)"}
	}
	now, err := time.Parse(time.RFC3339Nano, doc.Now)
	if err != nil {
		return nil, &InventoryError{Reason: "the host time " + strconv.Quote(doc.Now) + " is not an RFC 3339 time"}
	}
	inv := &akshci.Inventory{Now: now.UTC()}
	if doc.CACertificate != nil && strings.TrimSpace(*doc.CACertificate) != "" {
		certs, err := decodeCertificates(*doc.CACertificate)
		if err != nil {
			return nil, &InventoryError{Reason: "cloud agent CA certificate: " + err.Error()}
		}
		// CloudCertificate may hold several CAs (during a rotation); the earliest expiry
		// is the one that breaks something first.
		for _, c := range certs {
			if inv.CAExpiresAt.IsZero() || c.NotAfter.Before(inv.CAExpiresAt) {
				inv.CAExpiresAt = c.NotAfter.UTC()
			}
		}
	}
	inv.Management, err = credentials(akshci.ManagementClients, false, doc.Management, "management cluster")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range doc.Clusters {
		if err := ValidateClusterName(c.Name); err != nil {
			return nil, &InventoryError{Reason: err.Error()}
		}
		if seen[c.Name] {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(c.Name) + " is listed twice"}
		}
		seen[c.Name] = true
		creds, err := credentials(akshci.ClusterClients, true, c.Credentials, "workload cluster "+strconv.Quote(c.Name))
		if err != nil {
			return nil, err
		}
		inv.Clusters = append(inv.Clusters, akshci.Cluster{Name: c.Name, Credentials: creds})
	}
	inv.SortClusters()
	return inv, nil
}

type credKey struct {
	client string
	typ    akshci.CredentialType
}

func credentials(catalog []akshci.Client, kubelet bool, entries []DocCredential, where string) ([]akshci.Credential, error) {
	found := map[credKey]time.Time{}
	for _, e := range entries {
		typ := akshci.CredentialType(e.Type)
		var notAfter time.Time
		switch typ {
		case akshci.Certificate:
			if e.Certificate == nil || strings.TrimSpace(*e.Certificate) == "" {
				continue
			}
			certs, err := decodeCertificates(*e.Certificate)
			if err != nil {
				return nil, &InventoryError{Reason: fmt.Sprintf("%s, %s certificate: %v", where, e.Client, err)}
			}
			notAfter = certs[0].NotAfter.UTC() // the leaf; a chain may follow
		case akshci.Token:
			t, ok, err := tokenExpiry(e.TokenExpiryInSeconds)
			if err != nil {
				return nil, &InventoryError{Reason: fmt.Sprintf("%s, %s token: %v", where, e.Client, err)}
			}
			if !ok {
				continue
			}
			notAfter = t
		default:
			continue // a kind of credential this provider does not know
		}
		k := credKey{e.Client, typ}
		if prev, ok := found[k]; !ok || notAfter.Before(prev) {
			found[k] = notAfter
		}
	}
	var out []akshci.Credential
	for _, c := range catalog {
		out = append(out,
			akshci.Credential{Client: c.Name, Type: akshci.Certificate, Scope: c.Scope, AutoRenew: c.CertificateAutoRenew,
				NotAfter: found[credKey{c.Name, akshci.Certificate}]},
			akshci.Credential{Client: c.Name, Type: akshci.Token, Scope: c.Scope,
				NotAfter: found[credKey{c.Name, akshci.Token}]})
	}
	if kubelet {
		for _, k := range akshci.KubernetesClients {
			out = append(out, akshci.Credential{Client: k.Name, Type: akshci.Certificate, Scope: k.Scope, AutoRenew: k.CertificateAutoRenew,
				NotAfter: found[credKey{k.Name, akshci.Certificate}]})
		}
	}
	return out, nil
}

// tokenExpiry reads tokenExpiryInSeconds: null or absent, or a value that is not an
// absolute time, gives ok == false (unknown).
func tokenExpiry(raw json.RawMessage) (time.Time, bool, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, false, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return time.Time{}, false, fmt.Errorf("tokenExpiryInSeconds %s is not a number", s)
		}
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t.UTC(), true, nil
		}
		s = strings.TrimSpace(str)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f || f > 1e15 || f < -1e15 {
			return time.Time{}, false, fmt.Errorf("tokenExpiryInSeconds %s is not a number", excerptN(s, 40))
		}
		n = int64(f)
	}
	if n < minUnixExpiry {
		return time.Time{}, false, nil
	}
	if n > 1e13 { // beyond year 318857: not seconds
		return time.Time{}, false, fmt.Errorf("tokenExpiryInSeconds %d is not a Unix time in seconds", n)
	}
	return time.Unix(n, 0).UTC(), true, nil
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
