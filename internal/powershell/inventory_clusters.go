// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import "strconv"

// clustersSection is the per-workload-cluster step of the inventory: Get-AksHciCredential, the TLS handshake, the CSI and KMS tokens, at most MaxParallelClusters at a time.
func clustersSection() Section {
	return Section{
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
	}
}
