// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Document is the JSON the inventory script prints between its markers (version DocumentVersion): raw
// public material per source, each with an error code when the source failed. Field
// names are the script's; every decision about them is made in Inventory.
type Document struct {
	Version              int             `json:"version"`
	Now                  string          `json:"now"`
	ManagementCluster    *string         `json:"managementCluster"`
	ClusterNames         []string        `json:"clusterNames"`
	ClusterNamesError    *DocError       `json:"clusterNamesError"`
	Probe                *DocProbe       `json:"probe"`
	Session              *DocSession     `json:"session"`
	AccessFiles          []DocAccessFile `json:"accessFiles"`
	AccessFilesError     *string         `json:"accessFilesError"`
	ManagementKubeconfig *DocKubeconfig  `json:"managementKubeconfig"`
	CAPHToken            *DocToken       `json:"caphToken"`
	Clusters             []DocCluster    `json:"clusters"`
}

// DocError is a cmdlet that failed: an error code and the error's message, for the
// provider to recognise documented failures in.
type DocError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DocProbe is the parameter-set probe of the renewal cmdlets.
type DocProbe struct {
	Module   string       `json:"module"`
	Commands []DocCommand `json:"commands"`
}

// DocCommand is one probed cmdlet; Target is null when Get-Command found nothing.
type DocCommand struct {
	Name   string        `json:"name"`
	Target *string       `json:"target"`
	Sets   []DocParamSet `json:"sets"`
}

// DocParamSet is one parameter set; a trailing ! marks a mandatory parameter.
type DocParamSet struct {
	Name       string   `json:"name"`
	Parameters []string `json:"parameters"`
}

// DocSession says whether the session holds network credentials.
type DocSession struct {
	KerberosTickets *int    `json:"kerberosTickets"`
	Error           *string `json:"error"`
}

// DocAccessFile is one %USERPROFILE%\.wssd\<folder>\cloudconfig.
type DocAccessFile struct {
	Folder            string  `json:"folder"`
	IdentityName      *string `json:"identityName"`
	ClientCertificate *string `json:"clientCertificate"`
	CloudCertificate  *string `json:"cloudCertificate"`
	Error             *string `json:"error"`
}

// DocKubeconfig is the client certificate of a kubeconfig.
type DocKubeconfig struct {
	ClientCertificate *string `json:"clientCertificate"`
	Error             *string `json:"error"`
}

// DocToken is a login token's exp claim (Unix seconds), decoded on the host.
type DocToken struct {
	Exp   *int64  `json:"exp"`
	Error *string `json:"error"`
}

// DocIdentity is what mocctl reports about a MOC identity, as printed (strings).
type DocIdentity struct {
	TokenExpiryInSeconds *string `json:"tokenexpiryinseconds"`
	TokenExpiry          *string `json:"tokenexpiry"`
	Revoked              *string `json:"revoked"`
	Error                *string `json:"error"`
}

// DocCluster is one workload cluster.
type DocCluster struct {
	Name               string         `json:"name"`
	Kubeconfig         *DocKubeconfig `json:"kubeconfig"`
	ServingCertificate *string        `json:"servingCertificate"`
	ServingError       *string        `json:"servingError"`
	CSIToken           *DocToken      `json:"csiToken"`
	KMSToken           *DocToken      `json:"kmsToken"`
	KMSIdentity        *DocIdentity   `json:"kmsIdentity"`
	// Calls counts the external calls the script made for this cluster.
	Calls int `json:"calls"`
}

// Error codes a source may report.
const (
	CodeUnreachable = "unreachable"
	CodeNotFound    = "not-found"
	CodeNoExp       = "no-exp"
	CodeDenied      = "denied"
	CodeTimeout     = "timeout"
	CodeError       = "error"
)

var codeMeaning = map[string]string{
	CodeUnreachable: "the source did not answer",
	CodeNotFound:    "the source does not exist on this host",
	CodeNoExp:       "the token has no exp claim the host could decode (MOC tokens are JWTs by inference, not documented)",
	CodeDenied:      "the session's account may not read it (run as the account that installed AKS hybrid, or an administrator)",
	CodeTimeout:     "the call exceeded its timeout",
	CodeError:       "the call failed",
}

// ParseInventory reads the inventory script's output: the document between the
// markers of nonce, with everything around it (banners, warnings) ignored.
func ParseInventory(out []byte, nonce string) (*akshci.Inventory, error) {
	doc, err := ParseDocument(out, nonce)
	if err != nil {
		return nil, err
	}
	return doc.Inventory()
}

// ParseDocument extracts and decodes the document, refusing fields it does not know.
func ParseDocument(out []byte, nonce string) (*Document, error) {
	raw, err := extractDocument(out, nonce)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, &InventoryError{Reason: "the document is not valid JSON: " + err.Error()}
	}
	if probe.Version != DocumentVersion {
		return nil, &InventoryError{Reason: fmt.Sprintf("document version %d is not supported (want %d): the host ran a script from another provider version", probe.Version, DocumentVersion)}
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &InventoryError{Reason: "the document does not match version " + strconv.Itoa(DocumentVersion) + ": " + err.Error()}
	}
	return &doc, nil
}

func checkCode(where string, code *string) error {
	if code == nil {
		return nil
	}
	if _, ok := codeMeaning[*code]; !ok {
		return &InventoryError{Reason: fmt.Sprintf("%s: unknown error code %q", where, *code)}
	}
	return nil
}

func reason(code *string, detail string) string {
	r := *code + ": " + codeMeaning[*code]
	if detail != "" {
		r += " (" + detail + ")"
	}
	return r
}

// noPublicSource is the reason for catalog credentials no public source exposes on a
// real host (research §1 B5, C3', C5).
const noPublicSource = "not-found: no public source exposes it on a real host"

// Inventory converts the document into the domain's inventory.
func (doc *Document) Inventory() (*akshci.Inventory, error) {
	if doc.Now == "" {
		return nil, &InventoryError{Reason: "the document has no host time (now)"}
	}
	now, err := time.Parse(time.RFC3339Nano, doc.Now)
	if err != nil {
		return nil, &InventoryError{Reason: "the host time " + strconv.Quote(doc.Now) + " is not an RFC 3339 time"}
	}
	inv := &akshci.Inventory{Now: now.UTC()}
	if doc.ManagementCluster != nil {
		inv.ManagementCluster = *doc.ManagementCluster
	}
	if inv.Cmdlets, err = doc.Probe.cmdlets(); err != nil {
		return nil, err
	}
	if w, err := doc.Session.warning(); err != nil {
		return nil, err
	} else if w != "" {
		inv.Warnings = append(inv.Warnings, w)
	}
	if inv.Management, inv.CAExpiresAt, err = doc.management(); err != nil {
		return nil, err
	}
	doc.markCAs(inv)
	if inv.Lockouts, err = doc.clusterListLockouts(); err != nil {
		return nil, err
	}
	if inv.Clusters, err = doc.clusters(inv.ManagementCluster); err != nil {
		return nil, err
	}
	inv.SortClusters()
	return inv, nil
}

func (p *DocProbe) cmdlets() (*akshci.CmdletProbe, error) {
	if p == nil {
		return nil, &InventoryError{Reason: "the document has no parameter-set probe"}
	}
	out := &akshci.CmdletProbe{ModuleVersion: p.Module}
	seen := map[string]bool{}
	for _, c := range p.Commands {
		if seen[c.Name] {
			return nil, &InventoryError{Reason: "the probe lists " + c.Name + " twice"}
		}
		seen[c.Name] = true
		cp := akshci.CmdletParameters{Parameters: map[string]bool{}}
		if c.Target != nil {
			cp.Found = true
			cp.Target = *c.Target
		}
		// -name alone binds only if some set makes nothing but -name mandatory.
		cp.NameAloneRefused = len(c.Sets) > 0
		for _, s := range c.Sets {
			others := false
			for _, name := range s.Parameters {
				lower := strings.ToLower(strings.TrimSuffix(name, "!"))
				cp.Parameters[lower] = true
				others = others || (strings.HasSuffix(name, "!") && lower != "name")
			}
			if !others {
				cp.NameAloneRefused = false
			}
		}
		switch c.Name {
		case "Update-AksHciCertificates":
			out.Management = cp
		case "Update-AksHciClusterCertificates":
			out.Cluster = cp
		default:
			return nil, &InventoryError{Reason: "the probe reports an unexpected command " + strconv.Quote(c.Name)}
		}
	}
	return out, nil
}

// NoNetworkCredentialsWarning is the warning for a session without Kerberos tickets.
const NoNetworkCredentialsWarning = "The PowerShell session on the host holds no network credentials (klist lists no " +
	"Kerberos ticket): Windows OpenSSH with key authentication gives a network logon (type 3) that cannot reach other " +
	"machines. Reading the inventory works, but a renewal cmdlet that reaches other cluster nodes may fail with access " +
	"denied. Use password authentication for the SSH user, or run the provider on the node itself; see the guide " +
	"\"Connecting to an AKS hybrid host\"."

func (s *DocSession) warning() (string, error) {
	if s == nil {
		return "", &InventoryError{Reason: "the document has no session check"}
	}
	if err := checkCode("session check", s.Error); err != nil {
		return "", err
	}
	if s.Error == nil && s.KerberosTickets != nil && *s.KerberosTickets == 0 {
		return NoNetworkCredentialsWarning, nil
	}
	return "", nil
}

func (doc *Document) management() ([]akshci.Credential, time.Time, error) {
	creds := catalogCredentials(false)
	var ca time.Time
	folders := map[string]bool{}
	kva := false
	for _, a := range doc.AccessFiles {
		where := "access file " + strconv.Quote(a.Folder)
		if a.Folder == "" || folders[strings.ToLower(a.Folder)] {
			return nil, ca, &InventoryError{Reason: "access files: folder " + strconv.Quote(a.Folder) + " is empty or listed twice"}
		}
		folders[strings.ToLower(a.Folder)] = true
		if err := checkCode(where, a.Error); err != nil {
			return nil, ca, err
		}
		if a.CloudCertificate != nil && strings.TrimSpace(*a.CloudCertificate) != "" {
			certs, err := decodeCertificates(*a.CloudCertificate)
			if err != nil {
				return nil, ca, &InventoryError{Reason: where + ", CloudCertificate: " + err.Error()}
			}
			// After a CA rotation the field holds the old and the new CA; the one that
			// counts is the newest (research §1 A, notes; inferred).
			for _, c := range certs {
				if c.NotAfter.After(ca) {
					ca = c.NotAfter.UTC()
				}
			}
		}
		cred := akshci.Credential{Client: a.Folder, Type: akshci.Certificate, Scope: akshci.ScopeInformational, Source: akshci.SourceAccessFile,
			// A host tool renews its own certificate each time it runs once 70% of the
			// lifetime has passed [moc pkg/auth/auth.go, certrenew.go, V-src]; an expired
			// mocctl certificate needs Repair-MocLogin [#168], not an update cmdlet.
			AutoRenew: true}
		isKVA := strings.EqualFold(a.Folder, "kvactl") // [#146]
		if isKVA {
			kva = true
		}
		switch {
		case a.Error != nil:
			cred.Source = ""
			cred.UnknownReason = reason(a.Error, `reading %USERPROFILE%\.wssd\`+a.Folder+`\cloudconfig`)
		case a.ClientCertificate == nil || strings.TrimSpace(*a.ClientCertificate) == "":
			cred.Source = ""
			cred.UnknownReason = "not-found: the access file has no ClientCertificate"
		default:
			certs, err := decodeCertificates(*a.ClientCertificate)
			if err != nil {
				return nil, ca, &InventoryError{Reason: where + ", ClientCertificate: " + err.Error()}
			}
			cred.NotAfter = certs[0].NotAfter.UTC()
		}
		if isKVA {
			// KVA is renewed by Update-AksHciCertificates [d:certificates-update-after-sixty-days.md].
			set(creds, "KVA", akshci.Certificate, cred)
			continue
		}
		creds = append(creds, cred)
	}
	if !kva {
		why := "not-found: no %USERPROFILE%\\.wssd\\kvactl\\cloudconfig for the SSH user (AKS hybrid keeps it in the profile of the account that installed it)"
		if doc.AccessFilesError != nil {
			if err := checkCode("access files", doc.AccessFilesError); err != nil {
				return nil, ca, err
			}
			why = reason(doc.AccessFilesError, `%USERPROFILE%\.wssd`)
		}
		set(creds, "KVA", akshci.Certificate, akshci.Credential{UnknownReason: why})
	}
	tok, err := tokenCredential("CAPH token", doc.CAPHToken, nil)
	if err != nil {
		return nil, ca, err
	}
	set(creds, "CAPH", akshci.Token, tok)
	kc, err := kubeconfigCredential("management kubeconfig", doc.ManagementKubeconfig)
	if err != nil {
		return nil, ca, err
	}
	// kubeconfig-mgmt's client certificate (research B7): the management cluster's admin
	// kubeconfig, informational like a workload cluster's (akshci.KubeconfigAdminClient).
	k := akshci.KubeconfigAdminClient
	kc.Client, kc.Type, kc.Scope, kc.AutoRenew = k.Name, akshci.Certificate, k.Scope, k.CertificateAutoRenew
	creds = append(creds, kc)
	return creds, ca, nil
}

func (doc *Document) clusters(management string) ([]akshci.Cluster, error) {
	names := map[string]bool{}
	for _, n := range doc.ClusterNames {
		// Names the host lists are facts, not input, and never reach a script from here: a
		// garbled one is refused, but the DNS-label rule is for the names a configuration
		// sends. Applying it here would fail every inventory, the management cluster's
		// included, on a host whose list (the management cluster's own name among them)
		// holds one name the rule refuses.
		if err := quotableName(n); err != nil {
			return nil, &InventoryError{Reason: err.Error()}
		}
		if names[n] {
			return nil, &InventoryError{Reason: "Get-AksHciCluster lists " + strconv.Quote(n) + " twice"}
		}
		names[n] = true
	}
	records := map[string]DocCluster{}
	for _, c := range doc.Clusters {
		if c.Name == management && management != "" {
			return nil, &InventoryError{Reason: "the document inventories the management cluster " + strconv.Quote(c.Name) + " as a workload cluster"}
		}
		if !names[c.Name] {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(c.Name) + " is not in Get-AksHciCluster's list"}
		}
		if _, dup := records[c.Name]; dup {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(c.Name) + " is listed twice"}
		}
		records[c.Name] = c
	}
	var out []akshci.Cluster
	for _, n := range doc.ClusterNames {
		if n == management {
			continue // Get-AksHciCluster lists the AKS host too [d:reference/ps/get-akshcicluster.md]
		}
		rec, ok := records[n]
		if !ok {
			return nil, &InventoryError{Reason: "workload cluster " + strconv.Quote(n) + " has no record in the document"}
		}
		creds, err := rec.credentials()
		if err != nil {
			return nil, err
		}
		out = append(out, akshci.Cluster{Name: n, Credentials: creds})
	}
	return out, nil
}

func (c DocCluster) credentials() ([]akshci.Credential, error) {
	where := "workload cluster " + strconv.Quote(c.Name)
	creds := catalogCredentials(true)

	// KMS: the token's exp; mocctl's tokenexpiryinseconds is a lifetime, not a date
	// (research §0.2, Unv), so it only explains an unknown expiry.
	var lifetime string
	revoked := false
	if id := c.KMSIdentity; id != nil {
		if err := checkCode(where+", KMS identity", id.Error); err != nil {
			return nil, err
		}
		if id.TokenExpiryInSeconds != nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(*id.TokenExpiryInSeconds), 10, 64); err == nil && n > 0 {
				lifetime = "mocctl reports tokenexpiryinseconds = " + strconv.FormatInt(n, 10) + ", a token lifetime, not a date"
			}
		}
		if id.Revoked != nil {
			revoked = strings.EqualFold(strings.TrimSpace(*id.Revoked), "true")
		}
	}
	kms, err := tokenCredential(where+", KMS token", c.KMSToken, &lifetime)
	if err != nil {
		return nil, err
	}
	kms.Revoked = revoked
	set(creds, "KMS", akshci.Token, kms)
	csi, err := tokenCredential(where+", CSI token", c.CSIToken, nil)
	if err != nil {
		return nil, err
	}
	set(creds, "CSI", akshci.Token, csi)

	// The API server's serving certificate is a 4-day control-plane certificate
	// [d:certificates-overview.md]; an expired one means -fixKubeletCredentials [#233].
	if err := checkCode(where+", TLS handshake", c.ServingError); err != nil {
		return nil, err
	}
	serving := akshci.Credential{}
	switch {
	case c.ServingError != nil:
		serving.UnknownReason = reason(c.ServingError, "TLS handshake to the API server; an expired KMS token or expired control-plane certificates take it down [#127, #233]")
	case c.ServingCertificate == nil || strings.TrimSpace(*c.ServingCertificate) == "":
		serving.UnknownReason = "not-found: the API server presented no certificate"
	default:
		certs, err := decodeCertificates(*c.ServingCertificate)
		if err != nil {
			return nil, &InventoryError{Reason: where + ", API server certificate: " + err.Error()}
		}
		serving.NotAfter, serving.Source = certs[0].NotAfter.UTC(), akshci.SourceTLSHandshake
	}
	set(creds, akshci.KubeletClient.Name, akshci.Certificate, serving)

	// The admin kubeconfig's client certificate (research C1) is the KubeconfigAdmin
	// client of the catalog, informational (akshci.KubeconfigAdminClient says why).
	kc, err := kubeconfigCredential(where+", admin kubeconfig", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	set(creds, akshci.KubeconfigAdminClient.Name, akshci.Certificate, kc)
	return creds, nil
}

// notRead is the reason for the kubelet server certificate: a source exists (a TLS
// handshake to each node's kubelet port, research C6, inferred), but the inventory does
// not read it.
const notRead = "not-found: the inventory does not read it (a TLS handshake to each node's kubelet port 10250 would, research C6)"

// catalogCredentials lists every credential akshci.CatalogCredentials names, as unknown:
// a real host reports the same credentials as the emulator, the unreported ones unknown.
func catalogCredentials(cluster bool) []akshci.Credential {
	out := akshci.CatalogCredentials(cluster)
	for i := range out {
		out[i].UnknownReason = noPublicSource
		if out[i].Client == akshci.KubeletServerClient.Name {
			out[i].UnknownReason = notRead
		}
	}
	return out
}

// set fills in what a source found for the catalog credential client/typ.
func set(creds []akshci.Credential, client string, typ akshci.CredentialType, found akshci.Credential) {
	for i := range creds {
		if creds[i].Client == client && creds[i].Type == typ {
			creds[i].NotAfter, creds[i].Source, creds[i].UnknownReason, creds[i].Revoked =
				found.NotAfter, found.Source, found.UnknownReason, found.Revoked
			return
		}
	}
}

func tokenCredential(where string, t *DocToken, detail *string) (akshci.Credential, error) {
	var c akshci.Credential
	if t == nil {
		return c, &InventoryError{Reason: where + ": missing"}
	}
	if err := checkCode(where, t.Error); err != nil {
		return c, err
	}
	d := ""
	if detail != nil {
		d = *detail
	}
	switch {
	case t.Error != nil:
		c.UnknownReason = reason(t.Error, d)
	case t.Exp == nil:
		no := CodeNoExp
		c.UnknownReason = reason(&no, d)
	case *t.Exp < minUnixExpiry || *t.Exp > 1e11:
		return c, &InventoryError{Reason: fmt.Sprintf("%s: exp %d is not a Unix time in seconds", where, *t.Exp)}
	default:
		c.NotAfter, c.Source = time.Unix(*t.Exp, 0).UTC(), akshci.SourceTokenExp
	}
	return c, nil
}

func kubeconfigCredential(where string, k *DocKubeconfig) (akshci.Credential, error) {
	var c akshci.Credential
	if k == nil {
		return c, &InventoryError{Reason: where + ": missing"}
	}
	if err := checkCode(where, k.Error); err != nil {
		return c, err
	}
	switch {
	case k.Error != nil:
		c.UnknownReason = reason(k.Error, "")
	case k.ClientCertificate == nil || strings.TrimSpace(*k.ClientCertificate) == "":
		c.UnknownReason = "not-found: the kubeconfig has no client-certificate-data"
	default:
		certs, err := decodeCertificates(*k.ClientCertificate)
		if err != nil {
			return c, &InventoryError{Reason: where + ", client certificate: " + err.Error()}
		}
		c.NotAfter, c.Source = certs[0].NotAfter.UTC(), akshci.SourceKubeconfig
	}
	return c, nil
}

// markCAs lists the cloud agent CAs the access files hold (after a rotation, the old and
// the new one: research §1 A, inferred) and names the issuer of each access-file client
// certificate, matched by name (the issuer of a certificate is its CA's subject). The
// access files were checked by management() already; anything that does not decode is
// skipped here.
func (doc *Document) markCAs(inv *akshci.Inventory) {
	seen := map[string]bool{}
	var cas []*x509.Certificate
	issuers := map[string]string{}
	for _, a := range doc.AccessFiles {
		if a.CloudCertificate == nil {
			continue
		}
		certs, err := decodeCertificates(*a.CloudCertificate)
		if err != nil {
			continue
		}
		for _, c := range certs {
			fp := akshci.Fingerprint(c.Raw)
			if !seen[fp] {
				seen[fp] = true
				cas = append(cas, c)
				inv.CAs = append(inv.CAs, akshci.CA{Fingerprint: fp, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()})
			}
		}
	}
	for _, a := range doc.AccessFiles {
		if a.ClientCertificate == nil {
			continue
		}
		certs, err := decodeCertificates(*a.ClientCertificate)
		if err != nil || len(certs) == 0 {
			continue
		}
		for _, ca := range cas {
			if bytes.Equal(certs[0].RawIssuer, ca.RawSubject) {
				issuers[strings.ToLower(a.Folder)] = akshci.Fingerprint(ca.Raw)
			}
		}
	}
	if len(cas) > 0 {
		inv.CASource = akshci.SourceAccessFile
	}
	for i, c := range inv.Management {
		if c.Type != akshci.Certificate || c.Source != akshci.SourceAccessFile {
			continue
		}
		key := strings.ToLower(c.Client)
		if c.Client == "KVA" {
			key = "kvactl"
		}
		inv.Management[i].IssuerFingerprint = issuers[key]
	}
}
