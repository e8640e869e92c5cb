// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

// helpersSection is the inventory's PowerShell helper functions: bounded error texts, native calls with a timeout, JWT exp decoding, TLS handshakes.
func helpersSection() Section {
	return Section{
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
	}
}
