// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"strconv"
	"strings"
)

// DocumentVersion is the version of the inventory document the script prints and
// ParseInventory accepts. Version 2 carries raw public material per source (access
// files, kubeconfigs, TLS handshakes, token exp claims) with a per-source error code;
// version 3 adds clusterNamesError, Get-AksHciCluster's failure, instead of failing the
// whole script.
const DocumentVersion = 3

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
)

// Section is one step of the inventory script, with what it reads and what it prints:
// the docs page for administrators is generated from these.
type Section struct {
	Title string
	// Reads says what the step reads on the host.
	Reads string
	// Leaves says what of it leaves the host (is printed).
	Leaves string
	// Sources are the research keys behind the step.
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
	{Name: "Get-AksHciCredential", PerCluster: true, Line: "Get-AksHciCredential -name $Name -configPath", TimeoutSeconds: CredentialTimeoutSeconds},
	{Name: "TLS handshake to the API server", PerCluster: true, Line: "Get-ServingCertificate $Server $TlsTimeout", TimeoutSeconds: TLSTimeoutSeconds},
	{Name: "kubectl get secret akshcicsiwssdlogintoken", PerCluster: true, Line: "'get', 'secret', 'akshcicsiwssdlogintoken'", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "mocctl security identity get (token)", PerCluster: true, Line: "'--query', '[0].token'", TimeoutSeconds: NativeTimeoutSeconds},
	{Name: "mocctl security identity get (lifetime, revoked)", PerCluster: true, Line: "'--query', '[0].[tokenexpiryinseconds,tokenexpiry,revoked]'", TimeoutSeconds: NativeTimeoutSeconds},
}

// inventorySections is the inventory script, step by step. Every step is independent:
// a failure gives null plus an error code (unreachable, not-found, no-exp, denied,
// timeout, error), never a guess. Nothing here decides anything: the provider reads the
// document (parse.go) and decides which credential is which and what is due.
func inventorySections() []Section {
	return []Section{
		{
			Title:   "Document and limits",
			Reads:   "The host's UTC clock.",
			Leaves:  "The host's UTC time.",
			Sources: "provider design",
			Code: `$r = [ordered]@{ version = ` + strconv.Itoa(DocumentVersion) + `; now = [DateTime]::UtcNow.ToString('o'); managementCluster = $null; clusterNames = @(); clusterNamesError = $null; probe = $null; session = $null; accessFiles = @(); accessFilesError = $null; managementKubeconfig = $null; caphToken = $null; clusters = @() }
$credentialTimeout = ` + strconv.Itoa(CredentialTimeoutSeconds) + `
$nativeTimeout = ` + strconv.Itoa(NativeTimeoutSeconds) + `
$tlsTimeout = ` + strconv.Itoa(TLSTimeoutSeconds) + `
$maxParallel = ` + strconv.Itoa(MaxParallelClusters),
		},
		{
			Title: "Helpers",
			Reads: "Nothing by themselves. Invoke-Native runs a program with a timeout and keeps its output in a variable " +
				"(never on the pipeline, so a transcript cannot record a token). Get-JwtExp decodes only the payload of a " +
				"token and returns only its exp number. Get-ServingCertificate completes a TLS handshake without " +
				"validating and returns the server's public certificate.",
			Leaves:  "Nothing.",
			Sources: "[caph docs] (tokens are JWTs), [moc pkg/auth/auth.go] (LoginConfig keys), research §5 output rule",
			Code: `function Invoke-Native([string]$File, [string[]]$ArgumentList, [int]$TimeoutSeconds) {
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $File
    $psi.Arguments = (@($ArgumentList) | ForEach-Object { '"' + ($_ -replace '"', '\"') + '"' }) -join ' '
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.CreateNoWindow = $true
    try { $p = [System.Diagnostics.Process]::Start($psi) } catch { return @{ code = 'not-found'; out = ''; err = '' } }
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
        try { $p.Kill() } catch { }
        return @{ code = 'timeout'; out = ''; err = '' }
    }
    $p.WaitForExit()
    $code = $null
    if ($p.ExitCode -ne 0) { $code = Get-ErrorCode $err.Result }
    @{ code = $code; out = $out.Result; err = '' }
}
function Get-ErrorCode([string]$Text) {
    if ($Text -match '(?i)forbidden|unauthori[sz]ed|unauthenticated|access is denied|permission denied') { return 'denied' }
    if ($Text -match '(?i)notfound|not found|does not exist') { return 'not-found' }
    if ($Text -match '(?i)timed? ?out|deadline exceeded') { return 'timeout' }
    if ($Text -match '(?i)unable to connect|connection refused|no such host|unreachable|no route') { return 'unreachable' }
    'error'
}
function Get-JwtExp([string]$Token) {
    $parts = $Token.Trim().Trim('"', "'").Split('.')
    if ($parts.Count -ne 3) { return @{ exp = $null; code = 'no-exp' } }
    $p = $parts[1].Replace('-', '+').Replace('_', '/')
    switch ($p.Length % 4) { 2 { $p += '==' } 3 { $p += '=' } }
    try { $claims = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($p)) | ConvertFrom-Json } catch { return @{ exp = $null; code = 'no-exp' } }
    if ($null -eq $claims.exp -or [string]$claims.exp -notmatch '^\d{1,12}$') { return @{ exp = $null; code = 'no-exp' } }
    @{ exp = [int64]$claims.exp; code = $null }
}
function Get-LoginTokenExp([string]$Base64) {
    try { $text = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Base64.Trim())) } catch { return @{ exp = $null; code = 'no-exp' } }
    for ($i = 0; $i -lt 2; $i++) {
        if ($text -match '(?m)^\s*token:\s*(\S+)\s*$') { return Get-JwtExp $Matches[1] }
        if ($text.Trim().Split('.').Count -eq 3) { return Get-JwtExp $text }
        try { $text = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($text.Trim())) } catch { break }
    }
    @{ exp = $null; code = 'no-exp' }
}
function Get-ServingCertificate([string]$Url, [int]$TimeoutSeconds) {
    try { $u = [Uri]$Url } catch { return @{ certificate = $null; code = 'not-found' } }
    $tcp = New-Object System.Net.Sockets.TcpClient
    try {
        $connect = $tcp.ConnectAsync($u.Host, $u.Port)
        if (-not $connect.Wait($TimeoutSeconds * 1000)) { return @{ certificate = $null; code = 'timeout' } }
        $tcp.ReceiveTimeout = $TimeoutSeconds * 1000
        $tcp.SendTimeout = $TimeoutSeconds * 1000
        $ssl = New-Object System.Net.Security.SslStream($tcp.GetStream(), $false, { $true })
        $ssl.AuthenticateAsClient($u.Host, $null, [System.Security.Authentication.SslProtocols]::Tls12, $false)
        @{ certificate = [Convert]::ToBase64String($ssl.RemoteCertificate.Export('Cert')); code = $null }
    } catch {
        @{ certificate = $null; code = 'unreachable' }
    } finally {
        $tcp.Close()
    }
}`,
		},
		{
			Title: "Host prologue",
			Reads: "(Get-AksHciConfig): the management cluster's name (Kva.kvaName), the path of its kubeconfig " +
				"(Kva.kubeconfig), and the AksHci install folder for kubectl.exe and mocctl.exe.",
			Leaves:  "The management cluster's name.",
			Sources: "[d:azure-hybrid-benefit.md] kvaName; [d:work-with-autoscaler-profiles.md] Kva.kubeconfig; [d-old:troubleshoot.md] tool paths",
			Code: `$cfg = Get-AksHciConfig
$mgmt = [string]$cfg.Kva.kvaName
$r.managementCluster = $mgmt
$mgmtKubeconfig = [string]$cfg.Kva.kubeconfig
$kubectl = Join-Path $env:ProgramFiles 'AksHci\kubectl.exe'
$mocctl = Join-Path $env:ProgramFiles 'AksHci\mocctl.exe'`,
		},
		{
			Title: "Workload clusters",
			Reads: "Get-AksHciCluster, which lists the management cluster too; its name is skipped here and again by " +
				"the provider. This runs kvactl, which may renew kvactl's own certificate, so access files are read last. " +
				"When it fails (kvactl locked out, for example), the rest of the inventory still runs and the provider " +
				"reads the error's text.",
			Leaves:  "Cluster names, or Get-AksHciCluster's error message and an error code.",
			Sources: "[d:reference/ps/get-akshcicluster.md]; [wac]; [#160]; [moc pkg/auth/auth.go] renewal on use; [#146], [#169] kvactl failures",
			Code: `try { $names = @(Get-AksHciCluster | ForEach-Object { [string]$_.Name }) }
catch {
    $names = @()
    $m = [string]$_.Exception.Message
    $r.clusterNamesError = [ordered]@{ code = Get-ErrorCode $m; message = $m }
}
$r.clusterNames = $names
$workload = @($names | Where-Object { $_ -cne $mgmt })`,
		},
		{
			Title: "Parameter-set probe",
			Reads: "Get-Command for Update-AksHciCertificates and Update-AksHciClusterCertificates, aliases resolved " +
				"(in 1.1.59 and 1.1.60 they are aliases of Repair-AksHciCerts and Repair-AksHciClusterCerts), and the module version.",
			Leaves:  "Command names, parameter-set names and parameter names (a trailing ! marks a mandatory one).",
			Sources: "[gallery-psm1]; research §3",
			Code: `$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$probe = [ordered]@{ module = [string](Get-Module AksHci | Select-Object -First 1).Version; commands = @() }
foreach ($n in @('Update-AksHciCertificates', 'Update-AksHciClusterCertificates')) {
    $c = Get-Command $n -ErrorAction SilentlyContinue
    if ($c -and $c.CommandType -eq 'Alias') { $c = $c.ResolvedCommand }
    if (-not $c) {
        $probe.commands += [ordered]@{ name = $n; target = $null; sets = @() }
        continue
    }
    $sets = @(foreach ($s in $c.ParameterSets) {
        [ordered]@{ name = $s.Name; parameters = @($s.Parameters | Where-Object { $common -notcontains $_.Name } | ForEach-Object { if ($_.IsMandatory) { $_.Name + '!' } else { $_.Name } }) }
    })
    $probe.commands += [ordered]@{ name = $n; target = $c.Name; sets = $sets }
}
$r.probe = $probe`,
		},
		{
			Title: "Network credentials of this session",
			Reads: "klist: a session opened with an SSH key is a network logon without credentials and holds no " +
				"Kerberos ticket; cmdlets that reach other cluster nodes then fail.",
			Leaves:  "The number of cached Kerberos tickets, or an error code.",
			Sources: "Win32-OpenSSH #1349, #518, #1047 (logon types); research §8",
			Code: `$k = Invoke-Native 'klist.exe' @() $nativeTimeout
if ($k.code) { $r.session = [ordered]@{ kerberosTickets = $null; error = $k.code } }
else { $r.session = [ordered]@{ kerberosTickets = ([regex]::Matches($k.out, '(?m)^\s*#\d+>')).Count; error = $null } }`,
		},
		{
			Title: "Management cluster: kubeconfig and CAPH token",
			Reads: "kubeconfig-mgmt: only the client-certificate-data line. The Secret default/caphlogintoken (key value, " +
				"a LoginConfig YAML whose token is a JWT), decoded in this process.",
			Leaves:  "The kubeconfig's public client certificate; the CAPH token's exp number. Never client-key-data or the token.",
			Sources: "[d:work-with-autoscaler-profiles.md]; [#145]; [caph pkg/auth/auth.go] (V-src: secret, namespace, key); JWT exp (Inf)",
			Code: `$mk = [ordered]@{ clientCertificate = $null; error = $null }
if ($mgmtKubeconfig -and (Test-Path -LiteralPath $mgmtKubeconfig)) {
    try {
        $text = Get-Content -Raw -LiteralPath $mgmtKubeconfig
        if ($text -match '(?m)^\s*client-certificate-data:\s*(\S+)') { $mk.clientCertificate = $Matches[1] } else { $mk.error = 'not-found' }
    } catch [System.UnauthorizedAccessException] { $mk.error = 'denied' } catch { $mk.error = 'error' }
} else { $mk.error = 'not-found' }
$r.managementKubeconfig = $mk
$caph = Invoke-Native $kubectl @('--kubeconfig', $mgmtKubeconfig, '-n', 'default', 'get', 'secret', 'caphlogintoken', '-o', 'jsonpath={.data.value}') $nativeTimeout
if ($caph.code) { $r.caphToken = [ordered]@{ exp = $null; error = $caph.code } }
else { $e = Get-LoginTokenExp $caph.out; $r.caphToken = [ordered]@{ exp = $e.exp; error = $e.code } }
$caph = $null`,
		},
		{
			Title: "Per workload cluster, at most " + strconv.Itoa(MaxParallelClusters) + " at a time",
			Reads: "Get-AksHciCredential into a private temporary folder (removed in finally): only client-certificate-data " +
				"and server. A TLS handshake to that server (no credential). The Secret kube-system/akshcicsiwssdlogintoken " +
				"(CSI) and mocctl security identity get for KMSPlugin-NAME-moc-kms-plugin (NAME is the cluster): tokens decoded in this process. " +
				"mocctl's tokenexpiryinseconds and tokenexpiry (lifetimes, not dates) and revoked.",
			Leaves: "Per cluster: the kubeconfig's public client certificate, the API server's public certificate, the " +
				"exp numbers of the CSI and KMS tokens, the identity's lifetime fields and revoked flag, the number of calls made.",
			Sources: "[d:reference/ps/get-akshcicredential.md]; [scripts] -Confirm:$false; [#186] CSI secret; [d-old:known-issues.md] KMS identity; " +
				"[sdk services/security/security.go] lowercase keys; [jmes] case-sensitive lookups; research §5 step 4",
			Code: `$clusterScript = {
    param([string]$Name, [string]$Kubectl, [string]$Mocctl, [int]$NativeTimeout, [int]$TlsTimeout, [string]$Kubeconfig, [string]$Server)
    $calls = 0
    $c = [ordered]@{ name = $Name; servingCertificate = $null; servingError = $null; csiToken = $null; kmsToken = $null; kmsIdentity = $null; calls = 0 }
    if ($Server) {
        $calls++
        $s = Get-ServingCertificate $Server $TlsTimeout
        $c.servingCertificate = $s.certificate
        $c.servingError = $s.code
    } else { $c.servingError = 'not-found' }
    if ($Kubeconfig) {
        $calls++
        $csi = Invoke-Native $Kubectl @('--kubeconfig', $Kubeconfig, '-n', 'kube-system', 'get', 'secret', 'akshcicsiwssdlogintoken', '-o', 'jsonpath={.data}') $NativeTimeout
        if ($csi.code) { $c.csiToken = [ordered]@{ exp = $null; error = $csi.code } }
        else {
            $c.csiToken = [ordered]@{ exp = $null; error = 'no-exp' }
            try { $data = $csi.out | ConvertFrom-Json } catch { $data = $null }
            if ($data) {
                foreach ($p in $data.PSObject.Properties) {
                    $e = Get-LoginTokenExp ([string]$p.Value)
                    if ($null -ne $e.exp) { $c.csiToken = [ordered]@{ exp = $e.exp; error = $null }; break }
                }
            }
            $data = $null
        }
        $csi = $null
    } else { $c.csiToken = [ordered]@{ exp = $null; error = 'not-found' } }
    $identity = 'KMSPlugin-' + $Name + '-moc-kms-plugin'
    $calls++
    $t = Invoke-Native $Mocctl @('security', 'identity', 'get', '--name', $identity, '--query', '[0].token') $NativeTimeout
    if ($t.code) { $c.kmsToken = [ordered]@{ exp = $null; error = $t.code } }
    else { $e = Get-JwtExp $t.out; $c.kmsToken = [ordered]@{ exp = $e.exp; error = $e.code } }
    $t = $null
    $calls++
    $f = Invoke-Native $Mocctl @('security', 'identity', 'get', '--name', $identity, '--query', '[0].[tokenexpiryinseconds,tokenexpiry,revoked]') $NativeTimeout
    if ($f.code) { $c.kmsIdentity = [ordered]@{ tokenexpiryinseconds = $null; tokenexpiry = $null; revoked = $null; error = $f.code } }
    else {
        $v = @($f.out -split '\r?\n' | ForEach-Object { ($_ -replace '^\s*-\s*', '').Trim() } | Where-Object { $_ -ne '' })
        $c.kmsIdentity = [ordered]@{ tokenexpiryinseconds = $v[0]; tokenexpiry = $v[1]; revoked = $v[2]; error = $null }
    }
    $c.calls = $calls
    $c
}
$credentialScript = {
    param([string]$Name, [string]$Folder)
    Get-AksHciCredential -name $Name -configPath (Join-Path $Folder 'kubeconfig') -Confirm:$false | Out-Null
    $file = Get-ChildItem -LiteralPath $Folder -Recurse -File | Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match 'client-certificate-data:' } | Select-Object -First 1
    if (-not $file) { return [ordered]@{ clientCertificate = $null; server = $null; path = $null; error = 'not-found' } }
    $text = Get-Content -Raw -LiteralPath $file.FullName
    $k = [ordered]@{ clientCertificate = $null; server = $null; path = $file.FullName; error = $null }
    if ($text -match '(?m)^\s*client-certificate-data:\s*(\S+)') { $k.clientCertificate = $Matches[1] }
    if ($text -match '(?m)^\s*server:\s*(\S+)') { $k.server = $Matches[1] }
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
                try { $results[$t.key] = @{ value = @($t.ps.EndInvoke($t.handle))[0]; code = $null } }
                catch { $results[$t.key] = @{ value = $null; code = Get-ErrorCode ([string]$_.Exception.Message) } }
                $t.ps.Dispose()
                $running.Remove($t)
            } elseif ([DateTime]::UtcNow -gt $t.deadline) {
                $t.ps.Stop()
                $t.ps.Dispose()
                $results[$t.key] = @{ value = $null; code = 'timeout' }
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
foreach ($fn in @('Invoke-Native', 'Get-ErrorCode', 'Get-JwtExp', 'Get-LoginTokenExp', 'Get-ServingCertificate')) {
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
        @{ key = $workload[$i]; args = @($workload[$i], $f) }
    })
    $kc = Invoke-Bounded $pool $jobs $credentialScript $credentialTimeout $maxParallel
    $jobs = @(foreach ($n in $workload) {
        $k = $kc[$n].value
        @{ key = $n; args = @($n, $kubectl, $mocctl, $nativeTimeout, $tlsTimeout, $(if ($k) { $k.path } else { '' }), $(if ($k) { $k.server } else { '' })) }
    })
    $out = Invoke-Bounded $pool $jobs $clusterScript ($tlsTimeout + 3 * $nativeTimeout + 10) $maxParallel
    foreach ($n in $workload) {
        $k = $kc[$n].value
        $kerr = $kc[$n].code
        if (-not $k -and -not $kerr) { $kerr = 'error' }
        if ($k -and $k.error) { $kerr = $k.error }
        $c = $out[$n].value
        if (-not $c) { $c = [ordered]@{ name = $n; servingCertificate = $null; servingError = $out[$n].code; csiToken = $null; kmsToken = $null; kmsIdentity = $null; calls = 0 } }
        $c.kubeconfig = [ordered]@{ clientCertificate = $(if ($k) { $k.clientCertificate } else { $null }); error = $kerr }
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
			Reads: "Every %USERPROFILE%\\.wssd\\*\\cloudconfig (MOC access files of host tools such as kvactl and mocctl): " +
				"the JSON is loaded in this process, and only IdentityName, ClientCertificate and CloudCertificate are taken. " +
				"ClientKey is never touched.",
			Leaves:  "Folder name, identity name, the public client certificate and the cloud agent CA certificate(s).",
			Sources: "[moc pkg/auth/auth.go] WssdConfig (V-src); [moc pkg/auth/auth_env.go] per-tool folder (V-src); [#146] kvactl path",
			Code: `$wssd = Join-Path $env:USERPROFILE '.wssd'
if (Test-Path -LiteralPath $wssd) {
    foreach ($file in @(Get-ChildItem -LiteralPath $wssd -Recurse -Filter 'cloudconfig' -File -ErrorAction SilentlyContinue)) {
        $e = [ordered]@{ folder = $file.Directory.Name; identityName = $null; clientCertificate = $null; cloudCertificate = $null; error = $null }
        try {
            $a = Get-Content -Raw -LiteralPath $file.FullName | ConvertFrom-Json
            $e.identityName = [string]$a.IdentityName
            $e.clientCertificate = [string]$a.ClientCertificate
            $e.cloudCertificate = [string]$a.CloudCertificate
            $a = $null
        } catch [System.UnauthorizedAccessException] { $e.error = 'denied' } catch { $e.error = 'error' }
        $r.accessFiles += $e
    }
} else { $r.accessFilesError = 'not-found' }`,
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
		"public certificate (base64), a token's exp number or a lifetime, or an error code. It never prints a",
		"key or a token. Every decision (which credential is which, what is due) is made by the provider.",
	}, body)
}
