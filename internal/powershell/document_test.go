// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

var (
	caExpiry      = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	kvaExpiry     = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	mocctlExpiry  = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	kmsExpiry     = time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	csiExpiry     = time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)
	caphExpiry    = time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)
	kvaTokExpiry  = time.Date(2026, 4, 25, 0, 0, 0, 0, time.UTC)
	servingExpiry = time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC) // 4-day certificate
	kubecfgExpiry = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	mgmtKcExpiry  = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
)

// The two access-file locations of the fixture, shaped like a 2024 host's: the configured
// directory under the deployment's working directory (Moc.accessFileDirPath ending in
// WorkingDir\CloudCfg, as a user's Get-AksHciConfig output on AksHci 1.2.16 shows) and
// the profile's .wssd [moc pkg/auth/auth_env.go].
const (
	fixtureConfigDir = `C:\ClusterStorage\Volume01\AksHci\WorkingDir\CloudCfg`
	fixtureProfile   = `C:\Users\akshci-admin\.wssd`
)

// fixture is a document of the current version as the inventory script prints it,
// built as a map so each test can break one source.
type fixture map[string]any

// failure is a failed source as the script reports it.
func failure(code, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

func derB64(t testing.TB, pemText string) string {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("no PEM")
	}
	return b64(string(block.Bytes))
}

// mocctlLifetime is what mocctl prints for [0].[tokenexpiryinseconds,tokenexpiry,revoked]:
// moc's printer round-trips the identity through a generic map, so the 90 days of
// seconds come out as a float in YAML [moc pkg/config/config.go MarshalOutput].
const mocctlLifetime = "- 7.776e+06\r\n- 90\r\n- false\r\n"

func clusterRecord(t testing.TB, name string) map[string]any {
	return map[string]any{
		"name":               name,
		"kubeconfig":         map[string]any{"clientCertificate": b64(certPEM(t, name+"-admin", kubecfgExpiry)), "file": "config", "failure": nil},
		"servingCertificate": derB64(t, certPEM(t, name+"-apiserver", servingExpiry)),
		"servingFailure":     nil,
		"csiToken":           map[string]any{"exp": csiExpiry.Unix(), "failure": nil},
		"kmsToken":           map[string]any{"exp": kmsExpiry.Unix(), "failure": nil},
		"kmsIdentity":        map[string]any{"printed": mocctlLifetime, "failure": nil},
		"calls":              5,
	}
}

func command(name, target string, confirm bool, sets ...map[string]any) map[string]any {
	list := []any{}
	for _, s := range sets {
		list = append(list, s)
	}
	return map[string]any{"name": name, "target": target, "confirm": confirm, "confirmImpact": "High", "sets": list}
}

func paramSet(name string, params ...string) map[string]any {
	return map[string]any{"name": name, "parameters": params}
}

func fullProbe(patchLB bool) map[string]any {
	cloud := []string{"name!", "fixCloudCredentials!", "sshPrivateKeyFile", "force"}
	if patchLB {
		cloud = append(cloud, "patchLoadBalancer")
	}
	return map[string]any{"module": "1.1.60", "commands": []any{
		command("Update-AksHciCertificates", "Repair-AksHciCerts", true, paramSet("__AllParameterSets", "sshPrivateKeyFile")),
		command("Update-AksHciClusterCertificates", "Repair-AksHciClusterCerts", true,
			paramSet("cloud", cloud...), paramSet("kubelet", "name!", "fixKubeletCredentials!", "force")),
		command("Invoke-AksHciRotateCACertificate", "Invoke-AksHciRotateCACertificate", true, paramSet("__AllParameterSets")),
		command("Get-AksHciCredential", "Get-AksHciCredential", true, paramSet("__AllParameterSets", "name!", "configPath")),
	}}
}

func docAccessFile(location, folder, path, identity, cert, ca string) map[string]any {
	return map[string]any{"location": location, "folder": folder, "path": path, "identityName": identity,
		"clientCertificate": cert, "cloudCertificate": ca, "failure": nil}
}

func newFixture(t testing.TB) fixture {
	ca := b64(certPEM(t, "ca-old", caExpiry) + certPEM(t, "ca-new", caExpiry.AddDate(1, 0, 0)))
	return fixture{
		"version":           DocumentVersion,
		"now":               "2026-03-04T05:06:07.1234567Z",
		"managementCluster": "akshci-mgmt",
		"config":            map[string]any{"cloudFqdn": "ca-2f0e1b.contoso.local", "accessFileDirPath": fixtureConfigDir, "failure": nil},
		"clusterNames":      []string{"akshci-mgmt", "zeta", "alpha"},
		"clusterNamesError": nil,
		"probe":             fullProbe(true),
		"session":           map[string]any{"kerberosTickets": 1, "failure": nil},
		"accessFileRoots": []any{
			map[string]any{"location": "configured", "path": fixtureConfigDir, "failure": nil},
			map[string]any{"location": "profile", "path": fixtureProfile, "failure": nil},
		},
		"accessFiles": []any{
			docAccessFile("configured", "kvactl", fixtureConfigDir+`\kvactl\cloudconfig`, "kva", b64(certPEM(t, "kva", kvaExpiry)), ca),
			docAccessFile("profile", "mocctl", fixtureProfile+`\mocctl\cloudconfig`, "admin", b64(certPEM(t, "mocctl", mocctlExpiry)), ca),
		},
		"managementKubeconfig": map[string]any{"clientCertificate": b64(certPEM(t, "mgmt-admin", mgmtKcExpiry)), "failure": nil},
		"caphToken":            map[string]any{"exp": caphExpiry.Unix(), "failure": nil},
		"kvaToken":             map[string]any{"exp": kvaTokExpiry.Unix(), "failure": nil},
		"clusters":             []any{clusterRecord(t, "zeta"), clusterRecord(t, "alpha")},
	}
}

// list returns the fixture's list under key.
func (f fixture) list(key string) []any {
	l, ok := f[key].([]any)
	if !ok {
		panic(key + " is not a list")
	}
	return l
}

// zeta returns the record of workload cluster zeta, for a test to break.
func (f fixture) zeta() map[string]any {
	for _, c := range f.list("clusters") {
		if m, ok := c.(map[string]any); ok && m["name"] == "zeta" {
			return m
		}
	}
	panic("no zeta")
}

func (f fixture) output(t testing.TB) []byte {
	j, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(wrapOutput(string(j), testNonce))
}

func (f fixture) parse(t *testing.T) *akshci.Inventory {
	t.Helper()
	inv, err := ParseInventory(f.output(t), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func cred(t *testing.T, creds []akshci.Credential, name string) akshci.Credential {
	t.Helper()
	for _, c := range creds {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("no credential %q", name)
	return akshci.Credential{}
}

func TestParseInventoryEncodingsAndBanners(t *testing.T) {
	j, err := json.Marshal(newFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(j)
	outputs := map[string][]byte{
		"crlf-banners-warnings": []byte(wrapOutput(doc, testNonce)),
		"bom":                   append([]byte("\xEF\xBB\xBF"), wrapOutput(doc, testNonce)...),
		"utf16le":               utf16le(wrapOutput(doc, testNonce), true),
		"utf16le-nobom":         utf16le(wrapOutput(doc, testNonce), false),
		"lf-only":               []byte("AKSHYBRID-BEGIN-" + testNonce + "\n" + doc + "\nAKSHYBRID-END-" + testNonce),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			inv, err := ParseInventory(out, testNonce)
			if err != nil {
				t.Fatal(err)
			}
			if got := inv.ClusterNames(); strings.Join(got, ",") != "alpha,zeta" {
				t.Errorf("clusters %v, want alpha,zeta (sorted, management cluster excluded)", got)
			}
		})
	}
}

func TestParseInventorySources(t *testing.T) {
	inv := newFixture(t).parse(t)
	if want := time.Date(2026, 3, 4, 5, 6, 7, 123456700, time.UTC); !inv.Now.Equal(want) {
		t.Errorf("Now = %s, want %s", inv.Now, want)
	}
	if inv.ManagementCluster != "akshci-mgmt" {
		t.Errorf("ManagementCluster = %q", inv.ManagementCluster)
	}
	if !inv.CAExpiresAt.Equal(caExpiry.AddDate(1, 0, 0)) {
		t.Errorf("CAExpiresAt = %s, want the newest CA of a rotation, %s", inv.CAExpiresAt, caExpiry.AddDate(1, 0, 0))
	}
	wantMgmt := map[string]struct {
		at  time.Time
		src akshci.Source
	}{
		"KVA certificate":             {kvaExpiry, akshci.SourceAccessFile},
		"KVA token":                   {kvaTokExpiry, akshci.SourceTokenExp},
		"mocctl certificate":          {mocctlExpiry, akshci.SourceAccessFile},
		"CAPH token":                  {caphExpiry, akshci.SourceTokenExp},
		"KubeconfigAdmin certificate": {mgmtKcExpiry, akshci.SourceKubeconfig},
	}
	for _, c := range inv.Management {
		w, ok := wantMgmt[c.Name()]
		switch {
		case ok && (!c.NotAfter.Equal(w.at) || c.Source != w.src || c.UnknownReason != ""):
			t.Errorf("%s = %s from %q (%q), want %s from %q", c.Name(), c.NotAfter, c.Source, c.UnknownReason, w.at, w.src)
		case !ok && (c.Known() || c.UnknownReason == ""):
			t.Errorf("%s = %s, reason %q: want unknown with a reason", c.Name(), c.NotAfter, c.UnknownReason)
		}
	}
	if m := cred(t, inv.Management, "mocctl certificate"); !m.AutoRenew {
		t.Error("a host tool's access-file certificate renews when the tool runs [moc certrenew.go]; want AutoRenew")
	}
	zeta, _ := inv.Cluster("zeta")
	wantCluster := map[string]struct {
		at    time.Time
		src   akshci.Source
		scope akshci.Scope
	}{
		"KMS token":                   {kmsExpiry, akshci.SourceTokenExp, akshci.ScopeCloud},
		"CSI token":                   {csiExpiry, akshci.SourceTokenExp, akshci.ScopeCloud},
		"Kubelet certificate":         {servingExpiry, akshci.SourceTLSHandshake, akshci.ScopeKubelet},
		"KubeconfigAdmin certificate": {kubecfgExpiry, akshci.SourceKubeconfig, akshci.ScopeInformational},
	}
	for _, c := range zeta.Credentials {
		w, ok := wantCluster[c.Name()]
		switch {
		case ok && (!c.NotAfter.Equal(w.at) || c.Source != w.src || c.Scope != w.scope):
			t.Errorf("zeta %s = %s from %q scope %s, want %s from %q scope %s", c.Name(), c.NotAfter, c.Source, c.Scope, w.at, w.src, w.scope)
		case !ok && c.Known():
			t.Errorf("zeta %s known without a source", c.Name())
		}
	}
	// Every Kubernetes certificate of the catalog is there, as with the emulator; the
	// kubelet server certificate is not read, so it is unknown with a reason.
	for _, k := range akshci.KubernetesClients {
		c := cred(t, zeta.Credentials, k.Name+" certificate")
		if c.Scope != k.Scope || c.AutoRenew != k.CertificateAutoRenew {
			t.Errorf("zeta %s: scope %s auto-renew %v, want the catalog's %s %v", c.Name(), c.Scope, c.AutoRenew, k.Scope, k.CertificateAutoRenew)
		}
	}
	if ks := cred(t, zeta.Credentials, "KubeletServer certificate"); ks.Known() || !strings.Contains(ks.UnknownReason, "10250") {
		t.Errorf("kubelet server certificate = %+v, want unknown, naming the kubelet port it could be read from", ks)
	}
	if inv.Cmdlets == nil || inv.Cmdlets.ModuleVersion != "1.1.60" || !inv.Cmdlets.Cluster.Has("patchloadbalancer") || inv.Cmdlets.Management.Has("force") ||
		!inv.Cmdlets.Management.Confirm || inv.Cmdlets.Management.ConfirmImpact != "High" || !inv.Cmdlets.RotateCA.Found || !inv.Cmdlets.Credential.Confirm {
		t.Errorf("probe = %+v", inv.Cmdlets)
	}
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings %v for a session with a Kerberos ticket", inv.Warnings)
	}
	st := akshci.Evaluate(inv.Now, zeta.Credentials, 30*24*time.Hour)
	if !st.ExpiresAt.Equal(kmsExpiry) || st.Credential != "KMS token" {
		t.Errorf("zeta expires %s (%s), want the KMS token at %s: the 4-day serving certificate renews itself", st.ExpiresAt, st.Credential, kmsExpiry)
	}
}

func TestParseInventoryMissingAccessFiles(t *testing.T) {
	f := newFixture(t)
	f["accessFiles"] = []any{}
	f["accessFileRoots"] = []any{
		map[string]any{"location": "configured", "path": fixtureConfigDir, "failure": failure("not-found", "")},
		map[string]any{"location": "profile", "path": fixtureProfile, "failure": failure("not-found", "")},
	}
	inv := f.parse(t)
	kva := cred(t, inv.Management, "KVA certificate")
	if kva.Known() || !strings.HasPrefix(kva.UnknownReason, "not-found") || !strings.Contains(kva.UnknownReason, fixtureConfigDir) ||
		!strings.Contains(kva.UnknownReason, fixtureProfile) {
		t.Errorf("KVA certificate = %+v, want unknown, not-found, naming both places looked in", kva)
	}
	if !inv.CAExpiresAt.IsZero() {
		t.Errorf("CA expiry %s without an access file", inv.CAExpiresAt)
	}
	// The other sources still work.
	if c := cred(t, inv.Management, "CAPH token"); !c.NotAfter.Equal(caphExpiry) {
		t.Errorf("CAPH token = %s", c.NotAfter)
	}
}

// Without kvactl's access file the KVA certificate is unknown; the reason is the
// failure of a location the script could not search when there is one, otherwise that
// the file is missing.
func TestParseInventoryKVAReasonFollowsTheLocationFailure(t *testing.T) {
	f := newFixture(t)
	f["accessFiles"] = []any{}
	f["accessFileRoots"] = []any{
		map[string]any{"location": "profile", "path": fixtureProfile, "failure": failure("denied", "Access to the path 'C:\\Users\\akshci-admin\\.wssd' is denied.")},
	}
	kva := cred(t, f.parse(t).Management, "KVA certificate")
	if !strings.HasPrefix(kva.UnknownReason, "denied: ") || !strings.Contains(kva.UnknownReason, fixtureProfile) {
		t.Errorf("profile denied: KVA reason %q", kva.UnknownReason)
	}
	f["accessFileRoots"] = []any{map[string]any{"location": "profile", "path": fixtureProfile, "failure": nil}}
	kva = cred(t, f.parse(t).Management, "KVA certificate")
	if !strings.HasPrefix(kva.UnknownReason, "not-found: ") || !strings.Contains(kva.UnknownReason, `kvactl\cloudconfig`) {
		t.Errorf("no access files, no error: KVA reason %q", kva.UnknownReason)
	}
}

// A 2024 host keeps kvactl's access file under the configured directory
// ((Get-AksHciConfig).Moc.accessFileDirPath, ...\WorkingDir\CloudCfg), where moc puts it
// when ACCESSFILE_DIR_PATH is set [moc pkg/auth/auth_env.go]; the profile may hold an old
// copy. The configured one counts, the same file reached twice counts once, and each
// credential says where it came from.
func TestParseInventoryAccessFilesFromBothLocationsCountOnce(t *testing.T) {
	f := newFixture(t)
	old := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	files := f.list("accessFiles")
	files = append(files,
		// a stale copy of kvactl's file in the profile
		docAccessFile("profile", "kvactl", fixtureProfile+`\kvactl\cloudconfig`, "kva", b64(certPEM(t, "kva-old", old)), ""),
		// the configured directory's file again, as a listing that reached it twice would show it
		docAccessFile("profile", "kvactl", strings.ToUpper(fixtureConfigDir)+`/kvactl/cloudconfig`, "kva", b64(certPEM(t, "kva", kvaExpiry)), ""),
	)
	f["accessFiles"] = files
	inv := f.parse(t)
	var kvas []akshci.Credential
	for _, c := range inv.Management {
		if c.Client == "KVA" && c.Type == akshci.Certificate {
			kvas = append(kvas, c)
		}
	}
	if len(kvas) != 1 || !kvas[0].NotAfter.Equal(kvaExpiry) {
		t.Fatalf("KVA certificates %+v, want exactly one, the configured directory's (%s)", kvas, kvaExpiry)
	}
	if o := kvas[0].Origin; !strings.Contains(o, fixtureConfigDir) || !strings.Contains(o, "configured") ||
		!strings.Contains(o, fixtureProfile+`\kvactl\cloudconfig`) || !strings.Contains(o, "not counted") {
		t.Errorf("KVA origin %q: want the configured path, and the profile copy named as not counted", o)
	}
	if o := cred(t, inv.Management, "mocctl certificate").Origin; !strings.Contains(o, fixtureProfile) || !strings.Contains(o, "profile") {
		t.Errorf("mocctl origin %q, want the profile path", o)
	}
	for _, c := range inv.Management {
		if strings.HasPrefix(c.Client, "unrecognised") {
			t.Errorf("unexpected %s", c.Name())
		}
	}
}

// In the 2020 layout (aksArc#47) the access file sits directly in %USERPROFILE%\.wssd.
// Only documented folder names are clients: that file and unknown folders are listed as
// unrecognised access files, their CA still counts, and the KVA certificate stays
// unknown with a reason that names the layout.
func TestParseInventoryOldLayoutIsNotAClient(t *testing.T) {
	f := newFixture(t)
	ca := b64(certPEM(t, "ca-2020", caExpiry))
	f["accessFiles"] = []any{
		docAccessFile("profile", ".wssd", fixtureProfile+`\cloudconfig`, "", b64(certPEM(t, "wssd", kvaExpiry)), ca),
		docAccessFile("profile", "nodectl", fixtureProfile+`\nodectl\cloudconfig`, "", b64(certPEM(t, "nodectl", mocctlExpiry)), ""),
	}
	inv := f.parse(t)
	for _, c := range inv.Management {
		if c.Client == ".wssd" || c.Client == "nodectl" {
			t.Errorf("%s: a folder name taken as a client", c.Name())
		}
	}
	root := cred(t, inv.Management, "unrecognised access file .wssd certificate")
	if !root.NotAfter.Equal(kvaExpiry) || root.Renewable() {
		t.Errorf("root access file = %+v, want listed with its expiry, informational", root)
	}
	if c := cred(t, inv.Management, "unrecognised access file nodectl certificate"); !c.NotAfter.Equal(mocctlExpiry) {
		t.Errorf("unknown folder = %+v", c)
	}
	kva := cred(t, inv.Management, "KVA certificate")
	if kva.Known() || !strings.Contains(kva.UnknownReason, "2020 layout") {
		t.Errorf("KVA certificate = %+v, want unknown, naming the 2020 layout", kva)
	}
	if !inv.CAExpiresAt.Equal(caExpiry) {
		t.Errorf("CA expiry %s, want the root file's CA %s", inv.CAExpiresAt, caExpiry)
	}
}

// A lifetime of 0 seconds from mocctl explains nothing, so the reason does not quote it.
func TestParseInventoryZeroTokenLifetimeIsNotQuoted(t *testing.T) {
	f := newFixture(t)
	f.zeta()["kmsToken"] = map[string]any{"exp": nil, "failure": failure("no-exp", "no numeric exp claim")}
	f.zeta()["kmsIdentity"] = map[string]any{"printed": "- 0\n- 0\n- false\n", "failure": nil}
	zeta, _ := f.parse(t).Cluster("zeta")
	if k := cred(t, zeta.Credentials, "KMS token"); k.Known() || !strings.HasPrefix(k.UnknownReason, "no-exp") ||
		strings.Contains(k.UnknownReason, "tokenexpiryinseconds") {
		t.Errorf("KMS token reason %q: want no-exp without a lifetime", k.UnknownReason)
	}
}

func TestParseInventoryAPIServerDown(t *testing.T) {
	f := newFixture(t)
	z := f.zeta()
	z["servingCertificate"], z["servingFailure"] = nil, failure("unreachable", "No connection could be made because the target machine actively refused it.")
	z["csiToken"] = map[string]any{"exp": nil, "failure": failure("exit", "exit status 1: Unable to connect to the server: dial tcp 10.0.0.5:6443: connectex: No connection could be made because the target machine actively refused it.")}
	inv := f.parse(t)
	zeta, _ := inv.Cluster("zeta")
	s := cred(t, zeta.Credentials, "Kubelet certificate")
	if s.Known() || !strings.HasPrefix(s.UnknownReason, "unreachable") || !strings.Contains(s.UnknownReason, "#127") {
		t.Errorf("serving certificate = %+v, want unknown, unreachable, naming the KMS token cause", s)
	}
	if c := cred(t, zeta.Credentials, "KMS token"); !c.NotAfter.Equal(kmsExpiry) {
		t.Errorf("KMS token %s: mocctl goes through the cloud agent, not the API server", c.NotAfter)
	}
	if zeta.Unknown() {
		t.Error("zeta is unknown although its KMS token and kubeconfig are known")
	}
}

func TestParseInventoryExpiredServingCertificate(t *testing.T) {
	f := newFixture(t)
	expired := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) // before the host's now
	f.zeta()["servingCertificate"] = derB64(t, certPEM(t, "zeta-apiserver", expired))
	inv := f.parse(t)
	zeta, _ := inv.Cluster("zeta")
	st := akshci.Evaluate(inv.Now, akshci.ClusterOptions{FixKubeletCredentials: true}.Scoped(zeta.Credentials), 30*24*time.Hour)
	if !st.Ready || st.Credential != "Kubelet certificate" || !st.ExpiresAt.Equal(expired) {
		t.Errorf("kubelet scope = %+v, want due now for the expired serving certificate", st)
	}
}

func TestParseInventoryTokenWithoutExp(t *testing.T) {
	f := newFixture(t)
	f.zeta()["kmsToken"] = map[string]any{"exp": nil, "failure": failure("no-exp", "no numeric exp claim")}
	inv := f.parse(t)
	zeta, _ := inv.Cluster("zeta")
	k := cred(t, zeta.Credentials, "KMS token")
	if k.Known() {
		t.Fatalf("KMS token known: %s; a lifetime (tokenexpiryinseconds) must never become a date", k.NotAfter)
	}
	for _, want := range []string{"no-exp", "tokenexpiryinseconds = 7776000", "lifetime, not a date"} {
		if !strings.Contains(k.UnknownReason, want) {
			t.Errorf("reason %q lacks %q", k.UnknownReason, want)
		}
	}
}

func TestParseInventoryRevokedIdentity(t *testing.T) {
	f := newFixture(t)
	f.zeta()["kmsIdentity"] = map[string]any{"printed": "- 7.776e+06\n- 90\n- true\n", "failure": nil}
	inv := f.parse(t)
	zeta, _ := inv.Cluster("zeta")
	if !cred(t, zeta.Credentials, "KMS token").Revoked {
		t.Error("revoked flag lost")
	}
}

// A module without -patchLoadBalancer (1.1.60's Repair-AksHciClusterCerts): the default
// call runs without it, with a warning; the probe is read into parameter sets.
func TestParseInventoryModuleWithoutPatchLoadBalancer(t *testing.T) {
	f := newFixture(t)
	f["probe"] = fullProbe(false)
	inv := f.parse(t)
	got, warnings, err := inv.Cmdlets.ClusterCall(akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true})
	if err != nil || got.PatchLoadBalancer || len(warnings) != 1 {
		t.Fatalf("ClusterCall = %+v, %q, %v; want the call without -patchLoadBalancer and a warning", got, warnings, err)
	}
	if _, _, err := inv.Cmdlets.ClusterCall(akshci.ClusterOptions{FixCloudCredentials: true, Force: true}); err != nil {
		t.Errorf("fixCloud+force refused: %v", err)
	}
}

// A module whose every set of Update-AksHciClusterCertificates makes a fix switch
// mandatory cannot run it with -name alone; one with an optional set can.
func TestParseInventoryProbeOfNameAlone(t *testing.T) {
	f := newFixture(t)
	inv := f.parse(t) // fullProbe: both sets have a mandatory fix switch
	var ce *akshci.CmdletError
	if _, _, err := inv.Cmdlets.ClusterCall(akshci.ClusterOptions{}); !errors.As(err, &ce) || !ce.NameAlone {
		t.Errorf("-name alone on mandatory sets = %v, want refused", err)
	}
	f["probe"] = map[string]any{"module": "1.1.60", "commands": []any{
		command("Update-AksHciCertificates", "", false),
		command("Update-AksHciClusterCertificates", "Repair-AksHciClusterCerts", false,
			paramSet("cloud", "name!", "fixCloudCredentials", "force"), paramSet("kubelet", "name!", "fixKubeletCredentials!", "force")),
	}}
	if _, _, err := f.parse(t).Cmdlets.ClusterCall(akshci.ClusterOptions{}); err != nil {
		t.Errorf("-name alone with an optional set = %v", err)
	}
}

// A set that makes a parameter mandatory which the provider does not pass (here -force)
// is read with its mandatory mark, so the call is refused before it would prompt.
func TestParseInventoryProbeKeepsMandatoryMarks(t *testing.T) {
	f := newFixture(t)
	f["probe"] = map[string]any{"module": "1.2.16", "commands": []any{
		command("Update-AksHciCertificates", "Update-AksHciCertificates", true, paramSet("__AllParameterSets", "force!")),
		command("Update-AksHciClusterCertificates", "Update-AksHciClusterCertificates", true,
			paramSet("cloud", "name!", "fixCloudCredentials!", "patchLoadBalancer", "force")),
	}}
	inv := f.parse(t)
	if err := inv.Cmdlets.CheckManagement(akshci.ManagementOptions{}); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Errorf("CheckManagement without force on a module that makes -force mandatory = %v", err)
	}
	if err := inv.Cmdlets.CheckManagement(akshci.ManagementOptions{Force: true}); err != nil {
		t.Errorf("CheckManagement with force = %v", err)
	}
	if inv.Cmdlets.RotateCA.Found || inv.Cmdlets.Credential.Found {
		t.Errorf("commands the probe did not list are found: %+v", inv.Cmdlets)
	}
}

func TestParseInventoryEveryClusterSourceFailed(t *testing.T) {
	f := newFixture(t)
	z := f.zeta()
	z["kubeconfig"] = map[string]any{"clientCertificate": nil, "file": nil, "failure": failure("timeout", "")}
	z["servingCertificate"], z["servingFailure"] = nil, failure("skipped", "no kubeconfig server")
	z["csiToken"] = map[string]any{"exp": nil, "failure": failure("skipped", "no kubeconfig")}
	z["kmsToken"] = map[string]any{"exp": nil, "failure": failure("exit", "exit status 1: Error: Access is denied.")}
	inv := f.parse(t)
	u := inv.UnknownClusters()
	if len(u) != 1 || u[0].Name != "zeta" {
		t.Fatalf("UnknownClusters() = %v, want zeta", u)
	}
	reasons := strings.Join(u[0].UnknownReasons(), "\n")
	for _, want := range []string{"KubeconfigAdmin certificate: timeout", "KMS token: denied", "Access is denied"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons %q lack %q", reasons, want)
		}
	}
}

// Get-AksHciCluster fails with kvactl's documented texts while kvactl is locked out
// [#146], [#169]: the script reports the text, and the provider turns it into the
// lockout, keeping the management cluster's credentials so its renewal (the fix for the
// token [#169]) can still be planned. The texts are as the AksHci module wraps them, and
// as a console wraps them at its width (the #169 text broken inside "azurestackhci
// session" and "Valid Token", the continuation indented).
func TestParseInventoryKvactlLockoutBlocksTheClusterList(t *testing.T) {
	tests := []struct {
		name, message    string
		want             akshci.LockoutKind
		blocksManagement bool
	}{
		{"expired token [#169]",
			"C:\\Program Files\\AksHci\\kvactl.exe cluster get --clustername=web --kubeconfig=\"C:\\kubeconfig-mgmt\" System.Collections.Hashtable.generic_non_zero 1 " +
				"[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = Unauthenticated desc = Valid Token Required.]",
			akshci.LockoutKVAToken, false},
		{"expired token [#169], wrapped at 80 columns",
			"System.Collections.Hashtable.generic_non_zero 1 [Error: failed to get new provider: failed to create azure\r\n" +
				"   stackhci session: rpc error: code = Unauthenticated desc = Valid To\r\n   ken Required.]",
			akshci.LockoutKVAToken, false},
		{"expired certificate [#146]",
			"Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired",
			akshci.LockoutKVACertificate, true},
		{"expired certificate, the variant seen in [#145]",
			"Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired: Expired]",
			akshci.LockoutKVACertificate, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f["clusterNames"], f["clusters"] = []string{}, []any{}
			f["clusterNamesError"] = failure("exception", tc.message)
			inv := f.parse(t)
			l, blocked := inv.ClusterListBlocked()
			if !blocked || l.Kind != tc.want || len(inv.Lockouts) != 1 {
				t.Fatalf("lockouts %+v, want one %s blocking the cluster list", inv.Lockouts, tc.want)
			}
			if len(inv.Clusters) != 0 {
				t.Errorf("clusters %v while the list is blocked", inv.ClusterNames())
			}
			if got := len(inv.Blocking("")) > 0; got != tc.blocksManagement {
				t.Errorf("management renewal blocked = %v, want %v", got, tc.blocksManagement)
			}
			if c := cred(t, inv.Management, "CAPH token"); !c.NotAfter.Equal(caphExpiry) {
				t.Errorf("CAPH token %s: the management sources do not depend on Get-AksHciCluster", c.NotAfter)
			}
		})
	}
}

// Any other failure of Get-AksHciCluster leaves the management cluster's credentials
// known and makes only the workload clusters unknown, with the host's text, what it
// means and what to run; an unknown text is kept and said to be unknown.
func TestParseInventoryClusterListFailureFailsAlone(t *testing.T) {
	tests := []struct {
		name, message string
		want          []string
	}{
		{"kvactl version mismatch [#145]", "Error: unknown flag: --tags", []string{"tags-flag", "unknown flag: --tags", "aksArc#145"}},
		{"deadline", "rpc error: code = DeadlineExceeded desc = context deadline exceeded", []string{"deadline-exceeded", "Get-ClusterGroup"}},
		{"unknown text", "The frobnicator is out of flux.", []string{"unknown error", "The frobnicator is out of flux."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f["clusterNames"], f["clusters"] = []string{}, []any{}
			f["clusterNamesError"] = failure("exception", tc.message)
			inv := f.parse(t)
			err := inv.ClusterListUnavailable()
			var cle *akshci.ClusterListError
			if !errors.As(err, &cle) || len(inv.Lockouts) != 0 {
				t.Fatalf("ClusterListUnavailable() = %v with lockouts %v, want a *ClusterListError and no lockout", err, inv.Lockouts)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if c := cred(t, inv.Management, "KVA certificate"); !c.NotAfter.Equal(kvaExpiry) {
				t.Errorf("KVA certificate %s: the management credentials must not depend on the cluster list", c.NotAfter)
			}
			if _, err := inv.Credentials("zeta"); !errors.Is(err, akshci.ErrClusterListUnavailable) {
				t.Errorf("Credentials(zeta) = %v, want the cluster list's failure, not a missing cluster", err)
			}
		})
	}
	f := newFixture(t)
	f["clusterNamesError"] = failure("exception", "Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired")
	if _, err := ParseInventory(f.output(t), testNonce); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("got %v, want a refusal of a document with a failed and a successful cluster list", err)
	}
}

// When Get-AksHciConfig fails, the script cannot tell the management cluster apart and
// skips the cluster list; the profile's access files still count and a warning says why.
func TestParseInventoryConfigFailureSkipsTheClusterList(t *testing.T) {
	f := newFixture(t)
	f["config"] = map[string]any{"cloudFqdn": nil, "accessFileDirPath": nil, "failure": failure("exception", "Cannot bind argument to parameter 'Path' because it is null.")}
	f["managementCluster"] = nil
	f["clusterNames"], f["clusters"] = []string{}, []any{}
	f["clusterNamesError"] = failure("skipped", "Get-AksHciConfig failed")
	f["kvaToken"] = map[string]any{"exp": nil, "failure": failure("skipped", "Get-AksHciConfig failed")}
	f["accessFileRoots"] = []any{map[string]any{"location": "profile", "path": fixtureProfile, "failure": nil}}
	f["accessFiles"] = []any{f.list("accessFiles")[1]}
	inv := f.parse(t)
	if !errors.Is(inv.ClusterListUnavailable(), akshci.ErrClusterListUnavailable) {
		t.Errorf("cluster list = %v, want unavailable", inv.ClusterListUnavailable())
	}
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "Get-AksHciConfig failed") {
		t.Errorf("warnings %q", inv.Warnings)
	}
	if c := cred(t, inv.Management, "mocctl certificate"); !c.NotAfter.Equal(mocctlExpiry) {
		t.Errorf("mocctl certificate %s", c.NotAfter)
	}
	if c := cred(t, inv.Management, "KVA token"); c.Known() || !strings.HasPrefix(c.UnknownReason, "skipped") {
		t.Errorf("KVA token = %+v", c)
	}
}

func TestParseInventoryNoNetworkCredentials(t *testing.T) {
	f := newFixture(t)
	f["session"] = map[string]any{"kerberosTickets": 0, "failure": nil}
	inv := f.parse(t)
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "no network credentials") {
		t.Errorf("warnings = %v", inv.Warnings)
	}
}

func TestParseInventoryStrict(t *testing.T) {
	keyPEM := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name   string
		change func(f fixture)
		want   string
	}{
		{"version 1", func(f fixture) { f["version"] = 1 }, "version 1 is not supported"},
		{"no version", func(f fixture) { delete(f, "version") }, "version 0 is not supported"},
		{"unknown field", func(f fixture) { f["tokenExpiryInSeconds"] = 1 }, "unknown field"},
		{"no now", func(f fixture) { f["now"] = "" }, "no host time"},
		{"bad now", func(f fixture) { f["now"] = "yesterday" }, "not an RFC 3339 time"},
		{"unknown code", func(f fixture) { f.zeta()["servingFailure"] = failure("oops", "") }, `unknown failure code "oops"`},
		{"failure as a string", func(f fixture) { f.zeta()["servingFailure"] = "unreachable" }, "does not match version"},
		{"duplicate name", func(f fixture) { f["clusterNames"] = []string{"zeta", "zeta", "alpha"} }, "twice"},
		{"duplicate record", func(f fixture) { f["clusters"] = []any{clusterRecord(t, "zeta"), clusterRecord(t, "zeta")} }, "listed twice"},
		{"access file in no searched location", func(f fixture) {
			f["accessFileRoots"] = f.list("accessFileRoots")[1:]
		}, "not among the locations searched"},
		{"location twice", func(f fixture) {
			r := f.list("accessFileRoots")
			f["accessFileRoots"] = append(r, r[0])
		}, "listed twice"},
		{"no config", func(f fixture) { delete(f, "config") }, "no configuration"},
		{"management as workload", func(f fixture) {
			f["clusters"] = append(f.list("clusters"), clusterRecord(t, "akshci-mgmt"))
		}, "management cluster"},
		{"record missing", func(f fixture) { f["clusters"] = []any{clusterRecord(t, "zeta")} }, `"alpha" has no record`},
		{"name with newline", func(f fixture) { f["clusterNames"] = []string{"a\nb"} }, "control character"},
		{"private key", func(f fixture) {
			f.zeta()["kubeconfig"] = map[string]any{"clientCertificate": b64(keyPEM), "failure": nil}
		}, "holds a private key"},
		{"bad base64", func(f fixture) { f.zeta()["servingCertificate"] = "%%%" }, "not base64 or PEM"},
		{"exp not seconds", func(f fixture) { f["caphToken"] = map[string]any{"exp": int64(99999999999999), "failure": nil} }, "not a Unix time"},
		{"no probe", func(f fixture) { delete(f, "probe") }, "no parameter-set probe"},
		{"unknown cluster list code", func(f fixture) {
			f["clusterNames"], f["clusters"] = []string{}, []any{}
			f["clusterNamesError"] = failure("oops", "x")
		}, `unknown failure code "oops"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.change(f)
			inv, err := ParseInventory(f.output(t), testNonce)
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

func TestParseInventoryMarkers(t *testing.T) {
	good := newFixture(t).output(t)
	for name, tc := range map[string]struct{ out, want string }{
		"empty":             {"", "no begin marker"},
		"only banners":      {"WARNING: something\r\nAksHci loaded\r\n", "no begin marker"},
		"end without begin": {"AKSHYBRID-END-" + testNonce, "end marker came without a begin marker"},
		"truncated":         {string(good[:len(good)/2]), "truncated"},
		"twice":             {string(good) + string(good), "more than once"},
		"empty document":    {"AKSHYBRID-BEGIN-" + testNonce + "AKSHYBRID-END-" + testNonce, "the document is not valid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseInventory([]byte(tc.out), testNonce)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseInventory(f *testing.F) {
	f.Add(newFixture(f).output(f))
	f.Add([]byte("AKSHYBRID-BEGIN-" + testNonce + "{}AKSHYBRID-END-" + testNonce))
	f.Add(utf16le("AKSHYBRID-BEGIN-"+testNonce, true))
	f.Fuzz(func(t *testing.T, out []byte) {
		inv, err := ParseInventory(out, testNonce)
		if err != nil {
			// Whatever the host printed, the refusal is an inventory error that says why.
			var ie *InventoryError
			if inv != nil || !errors.As(err, &ie) || ie.Reason == "" {
				t.Fatalf("refusal %T %v with inventory %v, want an *InventoryError with a reason and no inventory", err, err, inv)
			}
			return
		}
		if inv == nil {
			t.Fatal("nil inventory without an error")
		}
		// Accepted output carries this run's begin marker, in UTF-8 or in UTF-16LE (byte
		// order marks, which PowerShell may print anywhere, left out).
		marker := "AKSHYBRID-BEGIN-" + testNonce
		utf8Text := bytes.ReplaceAll(out, []byte("\xEF\xBB\xBF"), nil)
		utf16Text := bytes.ReplaceAll(out, []byte("\xFF\xFE"), nil)
		if !bytes.Contains(utf8Text, []byte(marker)) && !bytes.Contains(utf16Text, utf16le(marker, false)) {
			t.Fatalf("accepted output without the begin marker %q", marker)
		}
		if inv.Now.IsZero() {
			t.Error("accepted a document without the host's time")
		}
		// Workload clusters come sorted by name, once each, never the management cluster.
		for i, c := range inv.Clusters {
			if c.Name == inv.ManagementCluster || (i > 0 && inv.Clusters[i-1].Name >= c.Name) {
				t.Fatalf("clusters %v (management %q): not sorted, unique and workload-only", inv.ClusterNames(), inv.ManagementCluster)
			}
		}
		again, err := ParseInventory(out, testNonce)
		if err != nil || !reflect.DeepEqual(inv, again) {
			t.Fatalf("a second parse of the same output differs: %v", err)
		}
	})
}

// TestParseInventoryReportsNamesOutsideTheDomainRule: the DNS-label rule is for names a
// configuration sends; a name the host lists is reported as it is (here a management
// cluster and a workload cluster with capitals and a dot), so one such cluster never
// hides the rest of the inventory. Only a name quoting could not carry is refused (see
// TestParseInventoryStrict, "name with newline").
func TestParseInventoryReportsNamesOutsideTheDomainRule(t *testing.T) {
	f := newFixture(t)
	f["managementCluster"] = "AksHci-Mgmt"
	f["clusterNames"] = []string{"AksHci-Mgmt", "Zeta.Prod", "alpha"}
	f["clusters"] = []any{clusterRecord(t, "Zeta.Prod"), clusterRecord(t, "alpha")}
	inv := f.parse(t)
	var names []string
	for _, c := range inv.Clusters {
		names = append(names, c.Name)
	}
	if want := []string{"Zeta.Prod", "alpha"}; !slices.Equal(names, want) {
		t.Errorf("clusters %q, want %q", names, want)
	}
}
