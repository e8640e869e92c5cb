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
		{
			Title: "Helpers",
			Reads: "Nothing by themselves. Limit-Text keeps the head and the tail of an error text and blanks anything " +
				"shaped like a token or a key before it is kept. New-Failure records a code and such a text. Invoke-Native " +
				"runs a program with a timeout and an optional environment, keeps its output in a variable (never on the " +
				"pipeline, so a transcript cannot record a token) and, when it fails, its standard error. Get-JwtExp " +
				"decodes only the payload of a token and returns only its exp number. Get-LoginTokenExp finds the token " +
				"in a login YAML, plain or base64. Get-ServingCertificate completes a TLS handshake without validating " +
				"and returns the server's public certificate.",
			Leaves:  "Nothing.",
			Sources: "[caph docs] tokens are JWTs (Inf); [moc pkg/auth/auth.go] LoginConfig keys (V-src); output rule of the inventory design",
			Code: `function Limit-Text([string]$Text) {
    if (-not $Text) { return '' }
    $t = $Text -replace 'eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*', '[token]'
    $t = $t -replace '[A-Za-z0-9+/=_-]{48,}', '[long-value]'
    $half = [int][math]::Floor($maxText / 2)
    if ($t.Length -gt $maxText) { $t = $t.Substring(0, $half) + ' ... ' + $t.Substring($t.Length - $half) }
    $t
}
function New-Failure([string]$Code, [string]$Text) { [ordered]@{ code = $Code; message = (Limit-Text $Text) } }
function Invoke-Native([string]$File, [string[]]$ArgumentList, [int]$TimeoutSeconds, [hashtable]$Environment) {
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $File
    $psi.Arguments = (@($ArgumentList) | ForEach-Object { '"' + ($_ -replace '"', '\"') + '"' }) -join ' '
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.CreateNoWindow = $true
    if ($Environment) { foreach ($k in $Environment.Keys) { $psi.EnvironmentVariables[$k] = [string]$Environment[$k] } }
    try { $p = [System.Diagnostics.Process]::Start($psi) } catch { return @{ failure = (New-Failure 'not-started' $_.Exception.Message); out = '' } }
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
        try { $p.Kill() } catch { }
        return @{ failure = (New-Failure 'timeout' ''); out = '' }
    }
    $p.WaitForExit()
    if ($p.ExitCode -ne 0) { return @{ failure = (New-Failure 'exit' ('exit status ' + $p.ExitCode + ': ' + $err.Result)); out = '' } }
    @{ failure = $null; out = $out.Result }
}
function Get-JwtExp([string]$Token) {
    $t = $Token.Trim().Trim('"', "'")
    if ($t -eq '' -or $t -eq 'null' -or $t -eq '[]') { return @{ exp = $null; failure = (New-Failure 'empty' '') } }
    $parts = $t.Split('.')
    if ($parts.Count -ne 3) { return @{ exp = $null; failure = (New-Failure 'no-exp' 'not a JWT') } }
    $p = $parts[1].Replace('-', '+').Replace('_', '/')
    switch ($p.Length % 4) { 2 { $p += '==' } 3 { $p += '=' } }
    try { $claims = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($p)) | ConvertFrom-Json } catch { return @{ exp = $null; failure = (New-Failure 'no-exp' 'payload is not JSON') } }
    if ($null -eq $claims.exp -or [string]$claims.exp -notmatch '^\d{1,12}$') { return @{ exp = $null; failure = (New-Failure 'no-exp' 'no numeric exp claim') } }
    @{ exp = [int64]$claims.exp; failure = $null }
}
function Get-LoginTokenExp([string]$Text) {
    $t = $Text
    for ($i = 0; $i -lt 3; $i++) {
        if ([string]::IsNullOrWhiteSpace($t)) { return @{ exp = $null; failure = (New-Failure 'empty' '') } }
        if ($t -match '(?m)^\s*token:\s*(\S+)\s*$') { return Get-JwtExp $Matches[1] }
        if ($t.Trim().Split('.').Count -eq 3) { return Get-JwtExp $t }
        try { $t = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($t.Trim())) } catch { break }
    }
    @{ exp = $null; failure = (New-Failure 'no-exp' 'no token line') }
}
function Get-ServingCertificate([string]$Url, [int]$TimeoutSeconds) {
    try { $u = [Uri]$Url } catch { return @{ certificate = $null; failure = (New-Failure 'not-found' 'server is not a URL') } }
    $tcp = New-Object System.Net.Sockets.TcpClient
    try {
        $connect = $tcp.ConnectAsync($u.Host, $u.Port)
        if (-not $connect.Wait($TimeoutSeconds * 1000)) { return @{ certificate = $null; failure = (New-Failure 'timeout' '') } }
        $tcp.ReceiveTimeout = $TimeoutSeconds * 1000
        $tcp.SendTimeout = $TimeoutSeconds * 1000
        $ssl = New-Object System.Net.Security.SslStream($tcp.GetStream(), $false, { $true })
        $ssl.AuthenticateAsClient($u.Host, $null, [System.Security.Authentication.SslProtocols]::Tls12, $false)
        @{ certificate = [Convert]::ToBase64String($ssl.RemoteCertificate.Export('Cert')); failure = $null }
    } catch {
        @{ certificate = $null; failure = (New-Failure 'unreachable' $_.Exception.Message) }
    } finally {
        $tcp.Close()
    }
}`,
		},
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
		{
			Title: "Per workload cluster, at most " + strconv.Itoa(MaxParallelClusters) + " at a time",
			Reads: "Get-AksHciCredential into a private folder created first (removed in finally), -configPath given as that " +
				"folder and, only when that fails and writes nothing, as a file in it (Microsoft's own tools use both forms): " +
				"only client-certificate-data and server of the file it writes. A TLS handshake to that server (no credential). The Secret " +
				"kube-system/akshcicsiwssdlogintoken (CSI), and mocctl security identity get for KMSPlugin-NAME-moc-kms-plugin " +
				"(NAME is the cluster), called as the Moc module calls it, with --cloudFqdn and the configured access-file " +
				"directory: tokens decoded in this process. mocctl's tokenexpiryinseconds and tokenexpiry (lifetimes, not " +
				"dates) and revoked, as printed.",
			Leaves: "Per cluster: the kubeconfig's public client certificate, the name of the file the cmdlet wrote and which " +
				"-configPath form worked, the " +
				"API server's public certificate, the exp numbers of the CSI and KMS tokens, mocctl's printed lifetime fields " +
				"and revoked flag, error texts, the number of calls made.",
			Sources: "[d:reference/ps/get-akshcicredential.md] -configPath is a location, default %USERPROFILE%\\.kube (Doc); [#269] the folder must exist (Obs); " +
				"[wac] one Microsoft extension passes a folder and reads <name>-kubeconfig, another passes a file (Obs); [scripts] -Confirm:$false (Obs); " +
				"[#186] CSI secret (Obs); [d-old:known-issues.md] KMS identity and mocctl --cloudFqdn (Doc); [moc pkg/auth/auth_env.go] ACCESSFILE_DIR_PATH (V-src); " +
				"[sdk services/security/security.go] lowercase keys (V-src); [jmes] case-sensitive lookups (V-src); [moc pkg/config/config.go] numbers printed as floats (V-src)",
			Code: `$clusterScript = {
    param([string]$Name, [string]$Kubectl, [string]$Mocctl, [int]$NativeTimeout, [int]$TlsTimeout, [string]$Kubeconfig, [string]$Server, [string]$Fqdn, [string]$AccessDir)
    $calls = 0
    $c = [ordered]@{ name = $Name; servingCertificate = $null; servingFailure = $null; csiToken = $null; kmsToken = $null; kmsIdentity = $null; calls = 0 }
    if ($Server) {
        $calls++
        $s = Get-ServingCertificate $Server $TlsTimeout
        $c.servingCertificate = $s.certificate
        $c.servingFailure = $s.failure
    } else { $c.servingFailure = New-Failure 'skipped' 'no kubeconfig server' }
    if ($Kubeconfig) {
        $calls++
        $csi = Invoke-Native $Kubectl @('--kubeconfig', $Kubeconfig, '-n', 'kube-system', 'get', 'secret', 'akshcicsiwssdlogintoken', '-o', 'jsonpath={.data}') $NativeTimeout $null
        if ($csi.failure) { $c.csiToken = [ordered]@{ exp = $null; failure = $csi.failure } }
        else {
            $c.csiToken = [ordered]@{ exp = $null; failure = (New-Failure 'no-exp' 'no key holds a token with exp') }
            try { $data = $csi.out | ConvertFrom-Json } catch { $data = $null }
            if ($data) {
                foreach ($p in $data.PSObject.Properties) {
                    $e = Get-LoginTokenExp ([string]$p.Value)
                    if ($null -ne $e.exp) { $c.csiToken = [ordered]@{ exp = $e.exp; failure = $null }; break }
                }
            }
            $data = $null
        }
        $csi = $null
    } else { $c.csiToken = [ordered]@{ exp = $null; failure = (New-Failure 'skipped' 'no kubeconfig') } }
    $identity = 'KMSPlugin-' + $Name + '-moc-kms-plugin'
    $mocArgs = @('security', 'identity', 'get', '--name', $identity)
    if ($Fqdn) { $mocArgs += @('--cloudFqdn', $Fqdn) }
    $mocEnv = $(if ($AccessDir) { @{ ACCESSFILE_DIR_PATH = $AccessDir } } else { $null })
    $calls++
    $t = Invoke-Native $Mocctl ($mocArgs + @('--query', '[0].token')) $NativeTimeout $mocEnv
    if ($t.failure) { $c.kmsToken = [ordered]@{ exp = $null; failure = $t.failure } }
    else { $e = Get-JwtExp $t.out; $c.kmsToken = [ordered]@{ exp = $e.exp; failure = $e.failure } }
    $t = $null
    $calls++
    $f = Invoke-Native $Mocctl ($mocArgs + @('--query', '[0].[tokenexpiryinseconds,tokenexpiry,revoked]')) $NativeTimeout $mocEnv
    if ($f.failure) { $c.kmsIdentity = [ordered]@{ printed = $null; failure = $f.failure } }
    else { $c.kmsIdentity = [ordered]@{ printed = (Limit-Text $f.out); failure = $null } }
    $c.calls = $calls
    $c
}
$credentialScript = {
    param([string]$Name, [string]$Folder, [bool]$Confirm)
    $confirmArgs = @{}
    if ($Confirm) { $confirmArgs.Confirm = $false }
    $form = 'folder'
    try { Get-AksHciCredential -name $Name -configPath $Folder @confirmArgs | Out-Null }
    catch {
        if (@(Get-ChildItem -LiteralPath $Folder -Recurse -File).Count -gt 0) { throw }
        $first = [string]$_.Exception.Message
        $form = 'file'
        try { Get-AksHciCredential -name $Name -configPath (Join-Path $Folder 'kubeconfig') @confirmArgs | Out-Null }
        catch { throw ('-configPath as a folder: ' + $first + ' | as a file: ' + $_.Exception.Message) }
    }
    $files = @(Get-ChildItem -LiteralPath $Folder -Recurse -File)
    $file = @($files | Where-Object { $_.Name -eq ($Name + '-kubeconfig') -or $_.Name -eq 'config' -or $_.Name -eq 'kubeconfig' })[0]
    if (-not $file -and $files.Count -eq 1) { $file = $files[0] }
    if (-not $file) { return [ordered]@{ clientCertificate = $null; server = $null; path = $null; file = $null; form = $form; failure = (New-Failure 'not-found' ('files written: ' + (@($files | ForEach-Object { $_.Name }) -join ', '))) } }
    $text = Get-Content -Raw -LiteralPath $file.FullName
    $k = [ordered]@{ clientCertificate = $null; server = $null; path = $file.FullName; file = $file.Name; form = $form; failure = $null }
    if ($text -match '(?m)^\s*client-certificate-data:\s*(\S+)') { $k.clientCertificate = $Matches[1] } else { $k.failure = New-Failure 'not-found' 'no client-certificate-data' }
    if ($text -match '(?m)^\s*server:\s*(\S+)') { $k.server = $Matches[1] }
    $text = $null
    $k
}
function Invoke-Bounded($Pool, $Jobs, [scriptblock]$Script, [int]$TimeoutSeconds, [int]$Max) {
    $results = @{}
    $queue = New-Object System.Collections.Queue
    foreach ($j in $Jobs) { $queue.Enqueue($j) }
    $running = New-Object System.Collections.ArrayList
    while ($queue.Count -gt 0 -or $running.Count -gt 0) {
        while ($queue.Count -gt 0 -and $running.Count -lt $Max) {
            $j = $queue.Dequeue()
            $ps = [PowerShell]::Create()
            $ps.RunspacePool = $Pool
            [void]$ps.AddScript($Script)
            foreach ($a in $j.args) { [void]$ps.AddArgument($a) }
            [void]$running.Add(@{ key = $j.key; ps = $ps; handle = $ps.BeginInvoke(); deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds) })
        }
        foreach ($t in @($running)) {
            if ($t.handle.IsCompleted) {
                try { $results[$t.key] = @{ value = @($t.ps.EndInvoke($t.handle))[0]; failure = $null } }
                catch { $results[$t.key] = @{ value = $null; failure = (New-Failure 'exception' ([string]$_.Exception.Message)) } }
                $t.ps.Dispose()
                $running.Remove($t)
            } elseif ([DateTime]::UtcNow -gt $t.deadline) {
                $t.ps.Stop()
                $t.ps.Dispose()
                $results[$t.key] = @{ value = $null; failure = (New-Failure 'timeout' '') }
                $running.Remove($t)
            }
        }
        if ($running.Count -gt 0) {
            [void][System.Threading.WaitHandle]::WaitAny([System.Threading.WaitHandle[]]@($running | ForEach-Object { $_.handle.AsyncWaitHandle }), 200)
        }
    }
    $results
}
$iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
[void]$iss.ImportPSModule(@('AksHci'))
$iss.Variables.Add((New-Object System.Management.Automation.Runspaces.SessionStateVariableEntry -ArgumentList 'maxText', $maxText, ''))
foreach ($fn in @('Limit-Text', 'New-Failure', 'Invoke-Native', 'Get-JwtExp', 'Get-LoginTokenExp', 'Get-ServingCertificate')) {
    $iss.Commands.Add((New-Object System.Management.Automation.Runspaces.SessionStateFunctionEntry -ArgumentList $fn, (Get-Command $fn).Definition))
}
$pool = [RunspaceFactory]::CreateRunspacePool(1, $maxParallel, $iss, $Host)
$tmp = Join-Path $env:TEMP ('akshybrid-' + [Guid]::NewGuid().ToString('N'))
try {
    $dir = New-Item -ItemType Directory -Path $tmp
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($me, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
    Set-Acl -LiteralPath $dir.FullName -AclObject $acl
    $pool.Open()
    $jobs = @(for ($i = 0; $i -lt $workload.Count; $i++) {
        $f = Join-Path $tmp ([string]$i)
        [void](New-Item -ItemType Directory -Path $f)
        @{ key = $workload[$i]; args = @($workload[$i], $f, $credentialConfirm) }
    })
    $kc = Invoke-Bounded $pool $jobs $credentialScript $credentialTimeout $maxParallel
    $jobs = @(foreach ($n in $workload) {
        $k = $kc[$n].value
        @{ key = $n; args = @($n, $kubectl, $mocctl, $nativeTimeout, $tlsTimeout, $(if ($k) { $k.path } else { '' }), $(if ($k) { $k.server } else { '' }), $fqdn, $accessDir) }
    })
    $out = Invoke-Bounded $pool $jobs $clusterScript ($tlsTimeout + 3 * $nativeTimeout + 10) $maxParallel
    foreach ($n in $workload) {
        $k = $kc[$n].value
        $kf = $kc[$n].failure
        if ($k -and $k.failure) { $kf = $k.failure }
        if (-not $k -and -not $kf) { $kf = New-Failure 'exception' 'no result' }
        $c = $out[$n].value
        if (-not $c) { $c = [ordered]@{ name = $n; servingCertificate = $null; servingFailure = $out[$n].failure; csiToken = $null; kmsToken = $null; kmsIdentity = $null; calls = 0 } }
        $c.kubeconfig = [ordered]@{ clientCertificate = $(if ($k) { $k.clientCertificate } else { $null }); file = $(if ($k) { $k.file } else { $null }); form = $(if ($k) { $k.form } else { $null }); failure = $kf }
        $c.calls = $c.calls + 1
        $r.clusters += $c
    }
} finally {
    $pool.Dispose()
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
}`,
		},
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
