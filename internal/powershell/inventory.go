// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"strconv"
	"strings"
)

// DocumentVersion is the version of the inventory document the script prints and
// ParseInventory accepts. Version 2 carried raw public material per source with an
// error code; version 3 added Get-AksHciCluster's failure; version 4 reports every
// failure as a mechanical code plus the host's own text (bounded, secrets masked), so
// that the provider, not the script, decides what a failure means; it adds the
// configured access-file directory, the KVA token and the probe's -Confirm support.
const DocumentVersion = 4

// Per-call timeouts of the inventory script, in seconds. Get-AksHciCredential runs
// kvactl against the management cluster [#160], so it gets the longest; a TLS handshake
// to a VIP on the local network needs little.
const (
	CredentialTimeoutSeconds = 120
	NativeTimeoutSeconds     = 30
	TLSTimeoutSeconds        = 5
	// MaxParallelClusters bounds how many workload clusters the script inventories at
	// once, in one PowerShell process (a runspace pool).
	MaxParallelClusters = 4
	// MaxErrorText bounds each error text the script keeps (characters): its head and
	// its tail, where a record names the failure.
	MaxErrorText = 600
)

// Section is one step of the inventory script, with what it reads and what it prints:
// the docs page for administrators is generated from these.
type Section struct {
	Title string
	// Reads says what the step reads on the host.
	Reads string
	// Leaves says what of it leaves the host (is printed).
	Leaves string
	// Sources are the research keys behind the step, with what each rests on.
	Sources string
	// Code is the PowerShell, without indentation.
	Code string
}

// Call is an external call the inventory makes: a program, cmdlet or TLS dial. The
// stand-in checks that the script contains Line and counts the calls it models.
type Call struct {
	Name string
	// PerCluster is true for calls made once per workload cluster.
	PerCluster bool
	// Line is a fragment of the script that makes the call.
	Line string
	// TimeoutSeconds bounds the call.
	TimeoutSeconds int
}

// InventoryCalls lists every external call of the inventory script.
var InventoryCalls = []Call{
	{Name: "Get-AksHciConfig", Line: "$cfg = Get-AksHciConfig", TimeoutSeconds: 0},
	{Name: "Get-AksHciCluster", Line: "$names = @(Get-AksHciCluster", TimeoutSeconds: 0},
	{Name: "Get-Command (probe)", Line: "Get-Command $n -ErrorAction SilentlyContinue", TimeoutSeconds: 0},
	{Name: "klist", Line: "Invoke-Native 'klist.exe' @() $nativeTimeout", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "kubectl get secret caphlogintoken", Line: "'get', 'secret', 'caphlogintoken'", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "Get-AksHciCredential", PerCluster: true, Line: "Get-AksHciCredential -name $Name -configPath $Folder", TimeoutSeconds: CredentialTimeoutSeconds},
	{Name: "TLS handshake to the API server", PerCluster: true, Line: "Get-ServingCertificate $Server $TlsTimeout", TimeoutSeconds: TLSTimeoutSeconds},
	{Name: "kubectl get secret akshcicsiwssdlogintoken", PerCluster: true, Line: "'get', 'secret', 'akshcicsiwssdlogintoken'", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "mocctl security identity get (token)", PerCluster: true, Line: "'--query', '[0].token'", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "mocctl security identity get (lifetime, revoked)", PerCluster: true, Line: "'--query', '[0].[tokenexpiryinseconds,tokenexpiry,revoked]'", TimeoutSeconds: NativeTimeoutSeconds},
}

// The mechanical codes the script reports for a failed source. The script only says what
// happened (a file missing, a program that did not start or exited non-zero, a cmdlet
// that threw); what the host's text means is decided in Go (failures.go).
const (
	// CodeNotFound: a file, folder or setting the step reads does not exist.
	CodeNotFound = "not-found"
	// CodeDenied: reading a file threw UnauthorizedAccessException.
	CodeDenied = "denied"
	// CodeTimeout: the call exceeded its timeout and was stopped.
	CodeTimeout = "timeout"
	// CodeUnreachable: the TLS dial did not connect or complete.
	CodeUnreachable = "unreachable"
	// CodeNotStarted: the program could not be started (not installed there).
	CodeNotStarted = "not-started"
	// CodeExit: the program exited non-zero; the message is its standard error.
	CodeExit = "exit"
	// CodeException: a cmdlet threw; the message is the exception's.
	CodeException = "exception"
	// CodeEmpty: the program succeeded but printed nothing, null or [] (mocctl's answer
	// for an identity it does not have: moc's printer prints a jmespath null [moc
	// pkg/config/config.go]).
	CodeEmpty = "empty"
	// CodeNoExp: a token was found but has no exp claim the host could decode.
	CodeNoExp = "no-exp"
	// CodeSkipped: the step needs what an earlier step failed to read.
	CodeSkipped = "skipped"
)

// Locations of access files, in the order the script reads them: the directory the
// deployment configures ((Get-AksHciConfig).Moc.accessFileDirPath, seen on a 2024 host
// as ...\WorkingDir\CloudCfg), then the account's profile. moc puts a tool's access file
// at <ACCESSFILE_DIR_PATH>\<exe>\cloudconfig when that variable is set, otherwise at
// %USERPROFILE%\.wssd\<exe>\cloudconfig [moc pkg/auth/auth_env.go GetWssdConfigLocation,
// V-src].
const (
	LocationConfigured = "configured"
	LocationProfile    = "profile"
)

// inventorySections is the inventory script, step by step. Every step is independent:
// a failure gives null plus a failure (code and the host's text), never a guess.
// Nothing here decides anything: the provider reads the document (document.go) and
// decides which credential is which, what a failure means and what is due.
func inventorySections() []Section {
	return []Section{
		{
			Title:   "Document and limits",
			Reads:   "The host's UTC clock.",
			Leaves:  "The host's UTC time.",
			Sources: "provider design",
			Code: `$r = [ordered]@{ version = ` + strconv.Itoa(DocumentVersion) + `; now = [DateTime]::UtcNow.ToString('o'); managementCluster = $null; config = $null; clusterNames = @(); clusterNamesError = $null; probe = $null; session = $null; accessFileRoots = @(); accessFiles = @(); managementKubeconfig = $null; caphToken = $null; kvaToken = $null; clusters = @() }
$credentialTimeout = ` + strconv.Itoa(CredentialTimeoutSeconds) + `
$nativeTimeout = ` + strconv.Itoa(NativeTimeoutSeconds) + `
$tlsTimeout = ` + strconv.Itoa(TLSTimeoutSeconds) + `
$maxParallel = ` + strconv.Itoa(MaxParallelClusters) + `
$maxText = ` + strconv.Itoa(MaxErrorText),
		},
		helpersSection(),
		{
			Title: "Host prologue",
			Reads: "(Get-AksHciConfig): the management cluster's name (Kva.kvaName), the path of its kubeconfig " +
				"(Kva.kubeconfig), the cloud agent's address (Moc.cloudfqdn), the configured access-file directory " +
				"(Moc.accessFileDirPath), and the AksHci install folder for kubectl.exe and mocctl.exe.",
			Leaves:  "The management cluster's name, the cloud agent's address and the access-file directory (paths, no content).",
			Sources: "[d:azure-hybrid-benefit.md] kvaName (Doc); [d:work-with-autoscaler-profiles.md] Kva.kubeconfig (Doc); [d-old:known-issues.md] Moc.cloudfqdn (Doc); a 2024 host's Get-AksHciConfig output, accessFileDirPath (Obs); [d-old:troubleshoot.md] tool paths (Doc)",
			Code: `$cfg = $null
try {
    $cfg = Get-AksHciConfig
    $r.managementCluster = [string]$cfg.Kva.kvaName
    $r.config = [ordered]@{ cloudFqdn = [string]$cfg.Moc.cloudfqdn; accessFileDirPath = [string]$cfg.Moc.accessFileDirPath; failure = $null }
} catch {
    $r.config = [ordered]@{ cloudFqdn = $null; accessFileDirPath = $null; failure = (New-Failure 'exception' $_.Exception.Message) }
}
$mgmt = [string]$r.managementCluster
$mgmtKubeconfig = $(if ($cfg) { [string]$cfg.Kva.kubeconfig } else { '' })
$fqdn = [string]$r.config.cloudFqdn
$accessDir = [string]$r.config.accessFileDirPath
$kubectl = Join-Path $env:ProgramFiles 'AksHci\kubectl.exe'
$mocctl = Join-Path $env:ProgramFiles 'AksHci\mocctl.exe'`,
		},
		{
			Title: "Workload clusters",
			Reads: "Get-AksHciCluster, which lists the management cluster too; the provider leaves its name out. This runs " +
				"kvactl, which may renew kvactl's own certificate, so access files are read last. When it fails (kvactl " +
				"locked out, for example), the rest of the inventory still runs: the management cluster's credentials " +
				"never depend on the list. Skipped when Get-AksHciConfig failed, since the management cluster could not be " +
				"told apart.",
			Leaves:  "Cluster names, or Get-AksHciCluster's error text.",
			Sources: "[d:reference/ps/get-akshcicluster.md] (Doc); [wac] management name filtered out (Obs); [#160] runs kvactl (Obs); [moc pkg/auth/auth.go] renewal on use (V-src); [#146], [#169] kvactl failures (Obs)",
			Code: `$names = @()
if (-not $cfg) { $r.clusterNamesError = New-Failure 'skipped' 'Get-AksHciConfig failed' }
else {
    try { $names = @(Get-AksHciCluster | ForEach-Object { [string]$_.Name }) }
    catch { $names = @(); $r.clusterNamesError = New-Failure 'exception' $_.Exception.Message }
}
$r.clusterNames = $names
$workload = @($names | Where-Object { $_ -cne $mgmt })`,
		},
		{
			Title: "Parameter-set probe",
			Reads: "Get-Command for the cmdlets the provider runs (Update-AksHciCertificates, Update-AksHciClusterCertificates, " +
				"Invoke-AksHciRotateCACertificate, Get-AksHciCredential), aliases resolved (in 1.1.59 and 1.1.60 the update " +
				"cmdlets are aliases of Repair-AksHciCerts and Repair-AksHciClusterCerts), whether each takes -Confirm and the " +
				"ConfirmImpact it declares, and the module version.",
			Leaves:  "Command names, parameter-set names and parameter names (a trailing ! marks a mandatory one), -Confirm support and ConfirmImpact.",
			Sources: "[gallery-psm1] aliases (V-src for 1.1.59/1.1.60); [scripts] Get-AksHciCredential -Confirm:$false (Obs); PowerShell's CmdletBinding ConfirmImpact (Doc)",
			Code: `$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$probe = [ordered]@{ module = [string](Get-Module AksHci | Select-Object -First 1).Version; commands = @() }
foreach ($n in @('Update-AksHciCertificates', 'Update-AksHciClusterCertificates', 'Invoke-AksHciRotateCACertificate', 'Get-AksHciCredential')) {
    $c = Get-Command $n -ErrorAction SilentlyContinue
    if ($c -and $c.CommandType -eq 'Alias') { $c = $c.ResolvedCommand }
    if (-not $c) {
        $probe.commands += [ordered]@{ name = $n; target = $null; confirm = $false; confirmImpact = $null; sets = @() }
        continue
    }
    $binding = $null
    if ($c.CommandType -eq 'Function') { $binding = @($c.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] })[0] }
    elseif ($c.CommandType -eq 'Cmdlet') { $binding = @($c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true))[0] }
    $impact = $(if ($binding) { [string]$binding.ConfirmImpact } else { $null })
    $sets = @(foreach ($s in $c.ParameterSets) {
        [ordered]@{ name = $s.Name; parameters = @($s.Parameters | Where-Object { $common -notcontains $_.Name } | ForEach-Object { if ($_.IsMandatory) { $_.Name + '!' } else { $_.Name } }) }
    })
    $probe.commands += [ordered]@{ name = $n; target = $c.Name; confirm = $c.Parameters.ContainsKey('Confirm'); confirmImpact = $impact; sets = $sets }
}
$r.probe = $probe
$credentialConfirm = [bool]@($probe.commands | Where-Object { $_.name -eq 'Get-AksHciCredential' })[0].confirm`,
		},
		{
			Title: "Network credentials of this session",
			Reads: "klist: a session opened with an SSH key is a network logon without credentials and holds no " +
				"Kerberos ticket; cmdlets that reach other cluster nodes then fail.",
			Leaves:  "The number of cached Kerberos tickets, or klist's error text.",
			Sources: "Win32-OpenSSH #1349, #518, #1047 logon types (Obs, maintainer statements)",
			Code: `$k = Invoke-Native 'klist.exe' @() $nativeTimeout $null
if ($k.failure) { $r.session = [ordered]@{ kerberosTickets = $null; failure = $k.failure } }
else { $r.session = [ordered]@{ kerberosTickets = ([regex]::Matches($k.out, '(?m)^\s*#\d+>')).Count; failure = $null } }`,
		},
		{
			Title: "Management cluster: kubeconfig, CAPH token and KVA token",
			Reads: "kubeconfig-mgmt: only the client-certificate-data line. The Secret default/caphlogintoken (key value, " +
				"a LoginConfig YAML whose token is a JWT) and (Get-AksHciConfig).Kva.identity (kvactl's login YAML), " +
				"decoded in this process.",
			Leaves:  "The kubeconfig's public client certificate; the exp numbers of the CAPH and KVA tokens. Never client-key-data or a token.",
			Sources: "[d:work-with-autoscaler-profiles.md] kubeconfig (Doc); [#145] (Obs); [caph pkg/auth/auth.go] secret, namespace, key (V-src); Kva.identity holds kvactl's login YAML (Obs); JWT exp (Inf)",
			Code: `$mk = [ordered]@{ clientCertificate = $null; failure = $null }
if ($mgmtKubeconfig -and (Test-Path -LiteralPath $mgmtKubeconfig)) {
    try {
        $text = Get-Content -Raw -LiteralPath $mgmtKubeconfig
        if ($text -match '(?m)^\s*client-certificate-data:\s*(\S+)') { $mk.clientCertificate = $Matches[1] } else { $mk.failure = New-Failure 'not-found' 'no client-certificate-data' }
    } catch [System.UnauthorizedAccessException] { $mk.failure = New-Failure 'denied' $_.Exception.Message } catch { $mk.failure = New-Failure 'exception' $_.Exception.Message }
} else { $mk.failure = New-Failure 'not-found' 'Kva.kubeconfig' }
$text = $null
$r.managementKubeconfig = $mk
$caph = Invoke-Native $kubectl @('--kubeconfig', $mgmtKubeconfig, '-n', 'default', 'get', 'secret', 'caphlogintoken', '-o', 'jsonpath={.data.value}') $nativeTimeout $null
if ($caph.failure) { $r.caphToken = [ordered]@{ exp = $null; failure = $caph.failure } }
else { $e = Get-LoginTokenExp $caph.out; $r.caphToken = [ordered]@{ exp = $e.exp; failure = $e.failure } }
$caph = $null
if (-not $cfg) { $r.kvaToken = [ordered]@{ exp = $null; failure = (New-Failure 'skipped' 'Get-AksHciConfig failed') } }
else { $e = Get-LoginTokenExp ([string]$cfg.Kva.identity); $r.kvaToken = [ordered]@{ exp = $e.exp; failure = $e.failure } }
$e = $null`,
		},
		clustersSection(),
		{
			Title: "Access files (read last)",
			Reads: "Every cloudconfig (MOC access files of host tools such as kvactl and mocctl) under the configured " +
				"directory (Moc.accessFileDirPath), then under %USERPROFILE%\\.wssd, each file once: the JSON is loaded in " +
				"this process, and only IdentityName, ClientCertificate and CloudCertificate are taken. ClientKey is never " +
				"touched.",
			Leaves:  "Per file: which location it came from, its folder name, its path, the identity name, the public client certificate and the cloud agent CA certificate(s).",
			Sources: "[moc pkg/auth/auth.go] WssdConfig (V-src); [moc pkg/auth/auth_env.go] <dir>\\<exe>\\cloudconfig (V-src); a 2024 host's accessFileDirPath (Obs); [#146] kvactl path (Obs); [#47] the 2020 layout (Obs)",
			Code: `$roots = @()
if ($accessDir) { $roots += [ordered]@{ location = '` + LocationConfigured + `'; path = $accessDir } }
$roots += [ordered]@{ location = '` + LocationProfile + `'; path = (Join-Path $env:USERPROFILE '.wssd') }
foreach ($root in $roots) {
    $entry = [ordered]@{ location = $root.location; path = $root.path; failure = $null }
    if (-not (Test-Path -LiteralPath $root.path)) { $entry.failure = New-Failure 'not-found' ''; $r.accessFileRoots += $entry; continue }
    try { $found = @(Get-ChildItem -LiteralPath $root.path -Recurse -Filter 'cloudconfig' -File -ErrorAction Stop) }
    catch [System.UnauthorizedAccessException] { $entry.failure = New-Failure 'denied' $_.Exception.Message; $found = @() }
    catch { $entry.failure = New-Failure 'exception' $_.Exception.Message; $found = @() }
    $r.accessFileRoots += $entry
    foreach ($file in $found) {
        $e = [ordered]@{ location = $root.location; folder = $file.Directory.Name; path = $file.FullName; identityName = $null; clientCertificate = $null; cloudCertificate = $null; failure = $null }
        try {
            $a = Get-Content -Raw -LiteralPath $file.FullName | ConvertFrom-Json
            $e.identityName = [string]$a.IdentityName
            $e.clientCertificate = [string]$a.ClientCertificate
            $e.cloudCertificate = [string]$a.CloudCertificate
            $a = $null
        } catch [System.UnauthorizedAccessException] { $e.failure = New-Failure 'denied' $_.Exception.Message } catch { $e.failure = New-Failure 'exception' $_.Exception.Message }
        $r.accessFiles += $e
    }
}`,
		},
	}
}

// InventorySections returns the steps of the inventory script, for the docs page.
func InventorySections() []Section { return inventorySections() }

// InventoryScript returns the exact inventory script the provider sends, with nonce as
// its marker nonce (the provider uses a fresh random one each run).
func InventoryScript(nonce string) string { return inventoryScript(nonce) }

// inventoryScript is the inventory: the sections in order, then the document printed
// between the nonce's markers.
func inventoryScript(nonce string) string {
	var body []string
	for _, s := range inventorySections() {
		body = append(body, "", "# --- "+s.Title+" ("+s.Sources+")")
		body = append(body, strings.Split(s.Code, "\n")...)
	}
	body = append(body, "",
		"$j = ConvertTo-Json -InputObject $r -Depth 8 -Compress",
		"# The marker text is assembled here so that it never appears whole in the script itself.",
		"$nl = [string][char]10",
		"$nonce = "+quote(nonce),
		"[Console]::Out.Write($nl + '"+BeginMarker+"' + $nonce + $nl + $j + $nl + '"+EndMarker+"' + $nonce + $nl)")
	return wrap(op{Op: OpInventory, Nonce: nonce}, []string{
		"Prints one JSON document between nonce markers: the host's UTC time, the clusters, and per source a",
		"public certificate (base64), a token's exp number or printed lifetime fields, or a failure code with the",
		"host's error text. It never prints a key or a token. Every decision (which credential is which, what a",
		"failure means, what is due) is made by the provider.",
	}, body)
}
