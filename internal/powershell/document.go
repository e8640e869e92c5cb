// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Document is the JSON the inventory script prints between its markers (version
// DocumentVersion): raw public material per source, each with a failure when the source
// failed. Field names are the script's; every decision about them is made in Inventory.
type Document struct {
	Version              int             `json:"version"`
	Now                  string          `json:"now"`
	ManagementCluster    *string         `json:"managementCluster"`
	Config               *DocConfig      `json:"config"`
	ClusterNames         []string        `json:"clusterNames"`
	ClusterNamesError    *DocFailure     `json:"clusterNamesError"`
	Probe                *DocProbe       `json:"probe"`
	Session              *DocSession     `json:"session"`
	AccessFileRoots      []DocRoot       `json:"accessFileRoots"`
	AccessFiles          []DocAccessFile `json:"accessFiles"`
	ManagementKubeconfig *DocKubeconfig  `json:"managementKubeconfig"`
	CAPHToken            *DocToken       `json:"caphToken"`
	KVAToken             *DocToken       `json:"kvaToken"`
	Clusters             []DocCluster    `json:"clusters"`
}

// DocFailure is a source that failed: a mechanical code the script can tell by itself
// (one of the Code* constants of inventory.go) and the host's own text, bounded, with
// anything shaped like a token blanked on the host; it is masked again here.
type DocFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DocConfig is what Get-AksHciConfig reports: the cloud agent's address and the
// configured access-file directory.
type DocConfig struct {
	CloudFqdn         *string     `json:"cloudFqdn"`
	AccessFileDirPath *string     `json:"accessFileDirPath"`
	Failure           *DocFailure `json:"failure"`
}

// DocProbe is the parameter-set probe of the cmdlets the provider runs.
type DocProbe struct {
	Module   string       `json:"module"`
	Commands []DocCommand `json:"commands"`
}

// DocCommand is one probed cmdlet; Target is null when Get-Command found nothing.
type DocCommand struct {
	Name          string        `json:"name"`
	Target        *string       `json:"target"`
	Confirm       bool          `json:"confirm"`
	ConfirmImpact *string       `json:"confirmImpact"`
	Sets          []DocParamSet `json:"sets"`
}

// DocParamSet is one parameter set; a trailing ! marks a mandatory parameter.
type DocParamSet struct {
	Name       string   `json:"name"`
	Parameters []string `json:"parameters"`
}

// DocSession says whether the session holds network credentials.
type DocSession struct {
	KerberosTickets *int        `json:"kerberosTickets"`
	Failure         *DocFailure `json:"failure"`
}

// DocRoot is one location the script searched for access files.
type DocRoot struct {
	Location string      `json:"location"`
	Path     string      `json:"path"`
	Failure  *DocFailure `json:"failure"`
}

// DocAccessFile is one cloudconfig found under a root.
type DocAccessFile struct {
	Location          string      `json:"location"`
	Folder            string      `json:"folder"`
	Path              string      `json:"path"`
	IdentityName      *string     `json:"identityName"`
	ClientCertificate *string     `json:"clientCertificate"`
	CloudCertificate  *string     `json:"cloudCertificate"`
	Failure           *DocFailure `json:"failure"`
}

// DocKubeconfig is the client certificate of a kubeconfig; File is the name of the file
// Get-AksHciCredential wrote (workload clusters only).
type DocKubeconfig struct {
	ClientCertificate *string `json:"clientCertificate"`
	File              *string `json:"file,omitempty"`
	// Form says how -configPath was given when the cmdlet wrote it: "folder" or "file".
	Form    *string     `json:"form,omitempty"`
	Failure *DocFailure `json:"failure"`
}

// DocToken is a login token's exp claim (Unix seconds), decoded on the host.
type DocToken struct {
	Exp     *int64      `json:"exp"`
	Failure *DocFailure `json:"failure"`
}

// DocIdentity is what mocctl printed for [0].[tokenexpiryinseconds,tokenexpiry,revoked]:
// public numbers and a flag, as text, parsed here (parseIdentityFields).
type DocIdentity struct {
	Printed *string     `json:"printed"`
	Failure *DocFailure `json:"failure"`
}

// DocCluster is one workload cluster.
type DocCluster struct {
	Name               string         `json:"name"`
	Kubeconfig         *DocKubeconfig `json:"kubeconfig"`
	ServingCertificate *string        `json:"servingCertificate"`
	ServingFailure     *DocFailure    `json:"servingFailure"`
	CSIToken           *DocToken      `json:"csiToken"`
	KMSToken           *DocToken      `json:"kmsToken"`
	KMSIdentity        *DocIdentity   `json:"kmsIdentity"`
	// Calls counts the external calls the script made for this cluster.
	Calls int `json:"calls"`
}

// codeMeaning says what each mechanical code means; the host's text, when there is one,
// is read by failureReason.
var codeMeaning = map[string]string{
	CodeNotFound:    "the source does not exist on this host",
	CodeDenied:      "the session's account may not read it (run as the account that installed AKS hybrid, or an administrator)",
	CodeTimeout:     "the call exceeded its timeout",
	CodeUnreachable: "the source did not answer",
	CodeNotStarted:  "the program could not be started on the host",
	CodeExit:        "the program failed",
	CodeException:   "the cmdlet failed",
	CodeEmpty:       "the source answered null or nothing (for mocctl: no such identity, or it holds no token)",
	CodeNoExp:       "the token has no exp claim the host could decode (MOC tokens are JWTs by inference, not documented)",
	CodeSkipped:     "not read, because a step it needs failed",
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

func checkCode(where string, f *DocFailure) error {
	if f == nil {
		return nil
	}
	if _, ok := codeMeaning[f.Code]; !ok {
		return &InventoryError{Reason: fmt.Sprintf("%s: unknown failure code %q", where, f.Code)}
	}
	return nil
}

// failureReason says why a source failed, for a credential's UnknownReason: the code and
// its meaning; for a program or cmdlet that failed with a known text, that text's family
// (its code, meaning and remedy) instead; for an unknown text, that it is unknown, with
// the host's masked text. detail, when set, adds where the source is.
func failureReason(f *DocFailure, tool, detail string) string {
	var b strings.Builder
	fams := recognise(f.Message, tool)
	switch {
	case len(fams) > 0 && f.Code != CodeNotFound && f.Code != CodeEmpty && f.Code != CodeSkipped:
		b.WriteString(fams[0].code + ": " + fams[0].meaning)
	case f.Code == CodeExit || f.Code == CodeException || f.Code == CodeNotStarted:
		b.WriteString(f.Code + ": " + codeMeaning[f.Code])
		if strings.TrimSpace(f.Message) != "" {
			b.WriteString(" with an error the provider does not know (unknown error)")
		}
		fams = nil
	case f.Code == CodeEmpty:
		// mocctl prints null for an identity it does not have: that is a missing source.
		b.WriteString(CodeNotFound + ": " + codeMeaning[CodeEmpty])
		fams = nil
	default:
		b.WriteString(f.Code + ": " + codeMeaning[f.Code])
		fams = nil
	}
	if detail != "" {
		b.WriteString(" (" + detail + ")")
	}
	if t := strings.TrimSpace(f.Message); t != "" {
		b.WriteString("; the host said: " + quotedText(t))
	}
	for _, fam := range fams {
		b.WriteString("\nRemedy: " + fam.remedy)
	}
	return b.String()
}

// quotedText is a host text for a reason: masked, whitespace collapsed, bounded.
func quotedText(s string) string {
	return strconv.Quote(excerptN(mask(strings.Join(strings.Fields(s), " ")), MaxErrorText))
}

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
	if err := doc.config(inv); err != nil {
		return nil, err
	}
	if inv.Cmdlets, err = doc.Probe.cmdlets(); err != nil {
		return nil, err
	}
	if w, err := doc.Session.warning(); err != nil {
		return nil, err
	} else if w != "" {
		inv.Warnings = append(inv.Warnings, w)
	}
	files, err := doc.accessFiles()
	if err != nil {
		return nil, err
	}
	if inv.Management, inv.CAExpiresAt, err = doc.management(files); err != nil {
		return nil, err
	}
	markCAs(inv, files)
	if err := doc.clusterList(inv); err != nil {
		return nil, err
	}
	if inv.Clusters, err = doc.clusters(inv.ManagementCluster); err != nil {
		return nil, err
	}
	inv.SortClusters()
	return inv, nil
}

// config reads Get-AksHciConfig's result. Without it the management cluster cannot be
// told apart from the workload clusters, so the script skips Get-AksHciCluster; the
// sources that need no configuration (access files in the profile) still count.
func (doc *Document) config(inv *akshci.Inventory) error {
	c := doc.Config
	if c == nil {
		return &InventoryError{Reason: "the document has no configuration (Get-AksHciConfig) record"}
	}
	if err := checkCode("Get-AksHciConfig", c.Failure); err != nil {
		return err
	}
	if c.Failure != nil {
		inv.Warnings = append(inv.Warnings, "Get-AksHciConfig failed on the host, so the workload clusters, kubeconfig-mgmt, "+
			"the configured access-file directory and the KVA token could not be read: "+failureReason(c.Failure, toolAny, ""))
	}
	return nil
}

func (p *DocProbe) cmdlets() (*akshci.CmdletProbe, error) {
	if p == nil {
		return nil, &InventoryError{Reason: "the document has no parameter-set probe"}
	}
	out := &akshci.CmdletProbe{ModuleVersion: p.Module}
	seen := map[string]bool{}
	for _, c := range p.Commands {
		if seen[c.Name] {
			return nil, &InventoryError{Reason: "the probe lists " + strconv.Quote(c.Name) + " twice"}
		}
		seen[c.Name] = true
		cp := akshci.CmdletParameters{Confirm: c.Confirm}
		if c.Target != nil {
			cp.Found = true
			cp.Target = *c.Target
		}
		if c.ConfirmImpact != nil {
			cp.ConfirmImpact = *c.ConfirmImpact
		}
		for _, s := range c.Sets {
			set := akshci.ParameterSet{Name: s.Name, Parameters: map[string]bool{}}
			for _, name := range s.Parameters {
				mandatory := strings.HasSuffix(name, "!")
				set.Parameters[strings.ToLower(strings.TrimSuffix(name, "!"))] = mandatory
			}
			cp.Sets = append(cp.Sets, set)
		}
		switch c.Name {
		case "Update-AksHciCertificates":
			out.Management = cp
		case "Update-AksHciClusterCertificates":
			out.Cluster = cp
		case akshci.RotateCACmdlet:
			out.RotateCA = cp
		case "Get-AksHciCredential":
			out.Credential = cp
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
	if err := checkCode("session check", s.Failure); err != nil {
		return "", err
	}
	if s.Failure == nil && s.KerberosTickets != nil && *s.KerberosTickets == 0 {
		return NoNetworkCredentialsWarning, nil
	}
	return "", nil
}

func (doc *Document) management(files []accessFile) ([]akshci.Credential, time.Time, error) {
	creds := catalogCredentials(false)
	var ca time.Time
	kva := false
	for _, a := range files {
		for _, c := range a.cas {
			// After a CA rotation the field holds the old and the new CA; the one that
			// counts is the newest (research §1 A, notes; inferred).
			if c.NotAfter.After(ca) {
				ca = c.NotAfter.UTC()
			}
		}
		cred := akshci.Credential{Client: a.client, Type: akshci.Certificate, Scope: akshci.ScopeInformational,
			Source: akshci.SourceAccessFile, Origin: a.origin(),
			// A host tool renews its own certificate each time it runs once 70% of the
			// lifetime has passed [moc pkg/auth/auth.go, certrenew.go, V-src]; an expired
			// mocctl certificate needs Repair-MocLogin [#168], not an update cmdlet.
			AutoRenew: true}
		switch {
		case a.failure != nil:
			cred.Source = ""
			cred.UnknownReason = failureReason(a.failure, toolAny, "reading "+a.path)
		case a.certificate == nil:
			cred.Source = ""
			cred.UnknownReason = "not-found: the access file " + a.path + " has no ClientCertificate"
		default:
			cred.NotAfter = a.certificate.NotAfter.UTC()
		}
		if a.kva {
			// KVA is renewed by Update-AksHciCertificates [d:certificates-update-after-sixty-days.md].
			kva = true
			set(creds, "KVA", akshci.Certificate, cred)
			continue
		}
		creds = append(creds, cred)
	}
	if !kva {
		set(creds, "KVA", akshci.Certificate, akshci.Credential{UnknownReason: doc.noKVAReason(files)})
	}
	for _, t := range []struct {
		where  string
		client string
		token  *DocToken
		detail string
	}{
		{"CAPH token", "CAPH", doc.CAPHToken, "Secret default/caphlogintoken"},
		{"KVA token", "KVA", doc.KVAToken, "(Get-AksHciConfig).Kva.identity"},
	} {
		tok, err := tokenCredential(t.where, t.token, toolKvactl, t.detail)
		if err != nil {
			return nil, ca, err
		}
		set(creds, t.client, akshci.Token, tok)
	}
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

// noKVAReason says why no access file gave the KVA certificate: where the script looked
// and what it found instead.
func (doc *Document) noKVAReason(files []accessFile) string {
	var looked, failed []string
	for _, r := range doc.AccessFileRoots {
		looked = append(looked, r.Path+" ("+r.Location+")")
		if r.Failure != nil && r.Failure.Code != CodeNotFound {
			failed = append(failed, failureReason(r.Failure, toolAny, r.Path))
		}
	}
	if len(failed) > 0 {
		return strings.Join(failed, "; ")
	}
	why := "not-found: no kvactl access file (kvactl\\cloudconfig) under " + strings.Join(looked, " or ")
	for _, a := range files {
		if a.root {
			why += "; " + a.path + " sits directly in its folder: the 2020 layout: those releases kept one access file there, shared by " +
				"all of the account's MOC tools (aksArc#47; moc's default before its per-tool folders of March 2021), so it is " +
				"listed as an unrecognised access file rather than as KVA's"
		}
	}
	return why + " (AKS hybrid keeps access files in the configured directory, (Get-AksHciConfig).Moc.accessFileDirPath, " +
		"or in the profile of the account that installed it)"
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
		if err := checkCode(where+", KMS identity", id.Failure); err != nil {
			return nil, err
		}
		if id.Printed != nil {
			f := parseIdentityFields(*id.Printed)
			if f.lifetime > 0 {
				lifetime = "mocctl reports tokenexpiryinseconds = " + strconv.FormatInt(f.lifetime, 10) + ", a token lifetime, not a date"
			}
			revoked = f.revoked
		}
	}
	kms, err := tokenCredential(where+", KMS token", c.KMSToken, toolMocctl, lifetime)
	if err != nil {
		return nil, err
	}
	kms.Revoked = revoked
	set(creds, "KMS", akshci.Token, kms)
	csi, err := tokenCredential(where+", CSI token", c.CSIToken, toolAny, "")
	if err != nil {
		return nil, err
	}
	set(creds, "CSI", akshci.Token, csi)

	// The API server's serving certificate is a 4-day control-plane certificate
	// [d:certificates-overview.md]; an expired one means -fixKubeletCredentials [#233].
	if err := checkCode(where+", TLS handshake", c.ServingFailure); err != nil {
		return nil, err
	}
	serving := akshci.Credential{}
	switch {
	case c.ServingFailure != nil:
		serving.UnknownReason = failureReason(c.ServingFailure, toolAny,
			"TLS handshake to the API server; an expired KMS token or expired control-plane certificates take it down [#127, #233]")
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

// identityFields are mocctl's printed answer to [0].[tokenexpiryinseconds,tokenexpiry,
// revoked]. mocctl prints a jmespath result through a generic map, so numbers come back
// as float64 and its YAML printer writes 90 days of seconds as 7.776e+06 [moc
// pkg/config/config.go MarshalOutput, pkg/marshal (yaml.v3), V-src]; a missing identity
// prints null.
type identityFields struct {
	lifetime int64
	revoked  bool
}

// parseIdentityFields reads that answer as YAML (a sequence, "- 7.776e+06") or JSON
// (an array); anything it cannot read gives zero values: these are explanations, never
// dates.
func parseIdentityFields(printed string) identityFields {
	var values []string
	t := strings.TrimSpace(printed)
	if strings.HasPrefix(t, "[") {
		var raw []json.RawMessage
		if json.Unmarshal([]byte(t), &raw) == nil {
			for _, v := range raw {
				values = append(values, strings.Trim(string(v), `"`))
			}
		}
	} else {
		for _, line := range strings.Split(t, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "-"); ok {
				values = append(values, strings.Trim(strings.TrimSpace(v), `"'`))
			}
		}
	}
	var f identityFields
	if len(values) > 0 {
		f.lifetime = wholeNumber(values[0])
	}
	if len(values) > 2 {
		f.revoked = strings.EqualFold(values[2], "true")
	}
	return f
}

// wholeNumber reads a printed number, integer or float ("7776000", "7.776e+06"), as a
// whole positive number; zero when it is none.
func wholeNumber(s string) int64 {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > math.MaxInt64/2 || f != math.Trunc(f) {
		return 0
	}
	return int64(f)
}

// notRead is the reason for the kubelet server certificate: a source exists (a TLS
// handshake to each node's kubelet port, research C6, inferred), but the inventory does
// not read it.
const notRead = "not-found: the inventory does not read it (a TLS handshake to each node's kubelet port 10250 would, research C6)"

// noPublicSource is the reason for catalog credentials no public source exposes on a
// real host (research §1 B5, C3', C5).
const noPublicSource = "not-found: no public source exposes it on a real host"

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
			creds[i].NotAfter, creds[i].Source, creds[i].UnknownReason, creds[i].Revoked, creds[i].Origin =
				found.NotAfter, found.Source, found.UnknownReason, found.Revoked, found.Origin
			return
		}
	}
}

func tokenCredential(where string, t *DocToken, tool, detail string) (akshci.Credential, error) {
	var c akshci.Credential
	if t == nil {
		return c, &InventoryError{Reason: where + ": missing"}
	}
	if err := checkCode(where, t.Failure); err != nil {
		return c, err
	}
	switch {
	case t.Failure != nil:
		c.UnknownReason = failureReason(t.Failure, tool, detail)
	case t.Exp == nil:
		c.UnknownReason = failureReason(&DocFailure{Code: CodeNoExp}, tool, detail)
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
	if err := checkCode(where, k.Failure); err != nil {
		return c, err
	}
	switch {
	case k.Failure != nil:
		c.UnknownReason = failureReason(k.Failure, toolKvactl, "")
	case k.ClientCertificate == nil || strings.TrimSpace(*k.ClientCertificate) == "":
		c.UnknownReason = "not-found: the kubeconfig has no client-certificate-data"
	default:
		certs, err := decodeCertificates(*k.ClientCertificate)
		if err != nil {
			return c, &InventoryError{Reason: where + ", client certificate: " + err.Error()}
		}
		c.NotAfter, c.Source = certs[0].NotAfter.UTC(), akshci.SourceKubeconfig
		if k.File != nil {
			c.Origin = "the file " + strconv.Quote(*k.File) + " Get-AksHciCredential wrote"
			if k.Form != nil {
				c.Origin += ", given -configPath as a " + *k.Form
			}
		}
	}
	return c, nil
}

// markCAs lists the cloud agent CAs the access files hold (after a rotation, the old and
// the new one: research §1 A, inferred) and names the issuer of each access-file client
// certificate, matched by name (the issuer of a certificate is its CA's subject).
func markCAs(inv *akshci.Inventory, files []accessFile) {
	seen := map[string]bool{}
	var cas []*x509.Certificate
	for _, a := range files {
		for _, c := range a.cas {
			fp := akshci.Fingerprint(c.Raw)
			if !seen[fp] {
				seen[fp] = true
				cas = append(cas, c)
				inv.CAs = append(inv.CAs, akshci.CA{Fingerprint: fp, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()})
			}
		}
	}
	if len(cas) > 0 {
		inv.CASource = akshci.SourceAccessFile
	}
	issuers := map[string]string{}
	for _, a := range files {
		if a.certificate == nil || a.client == "" {
			continue
		}
		for _, ca := range cas {
			if bytes.Equal(a.certificate.RawIssuer, ca.RawSubject) {
				issuers[a.key()] = akshci.Fingerprint(ca.Raw)
			}
		}
	}
	for i, c := range inv.Management {
		if c.Type != akshci.Certificate || c.Source != akshci.SourceAccessFile {
			continue
		}
		key := c.Client
		if c.Client == "KVA" {
			key = "kvactl"
		}
		inv.Management[i].IssuerFingerprint = issuers[strings.ToLower(key)]
	}
}
