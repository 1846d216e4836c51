#!powershell

# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Opens TCP connections from this Windows host and reports how each one ended, with a bounded
# timeout (System.Net.Sockets.TcpClient; Test-NetConnection has no timeout and pings first), and
# returns the host's own unicast addresses. It changes nothing.

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'

$spec = @{
    options = @{
        probes = @{
            type = 'list'
            elements = 'dict'
            default = @()
            options = @{
                id = @{ type = 'raw' }
                address = @{ type = 'str'; required = $true }
                port = @{ type = 'int'; required = $true }
                source = @{ type = 'str' }
            }
        }
        timeout = @{ type = 'float'; default = 2.0 }
        workers = @{ type = 'int'; default = 16 }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$timeoutMs = [int]($module.Params.timeout * 1000)
if ($timeoutMs -lt 100 -or $timeoutMs -gt 30000) {
    $module.FailJson('timeout must be between 0.1 and 30 seconds')
}
if ($module.Params.workers -lt 1 -or $module.Params.workers -gt 64) {
    $module.FailJson('workers must be between 1 and 64')
}
if (@($module.Params.probes).Count -gt 2000) {
    $module.FailJson('at most 2000 probes per call')
}

Function Get-LocalAddress {
    $found = [System.Collections.Generic.List[string]]@()
    foreach ($interface in [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
        if ($interface.OperationalStatus -ne [System.Net.NetworkInformation.OperationalStatus]::Up) { continue }
        foreach ($unicast in $interface.GetIPProperties().UnicastAddresses) {
            $ip = $unicast.Address
            if ([System.Net.IPAddress]::IsLoopback($ip) -or $ip.IsIPv6LinkLocal) { continue }
            $text = $ip.ToString().Split('%')[0]
            if (-not $found.Contains($text)) { $found.Add($text) }
        }
    }
    , $found.ToArray()
}

Function ConvertTo-ProbeState {
    param([System.Net.Sockets.SocketError]$Code)
    switch ($Code) {
        'ConnectionRefused' { return 'refused' }
        'TimedOut' { return 'timeout' }
        'HostUnreachable' { return 'rejected' }
        'AccessDenied' { return 'rejected' }
        'NetworkUnreachable' { return 'unreachable' }
        'AddressNotAvailable' { return 'unreachable' }
        default { return 'error' }
    }
}

Function Start-Probe {
    # A probe that cannot start (an address that does not parse, a source address this host does
    # not have) is reported as that probe's error; the others still run.
    param($Probe)
    $client = $null
    try {
        $address = [System.Net.IPAddress]::Parse([string]$Probe.address)
        $client = [System.Net.Sockets.TcpClient]::new($address.AddressFamily)
        if ($Probe.source) {
            $client.Client.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Parse([string]$Probe.source), 0))
        }
        @{
            probe = $Probe
            client = $client
            task = $client.ConnectAsync($address, [int]$Probe.port)
            watch = [System.Diagnostics.Stopwatch]::StartNew()
            error = $null
        }
    }
    catch {
        if ($null -ne $client) { $client.Dispose() }
        @{
            probe = $Probe
            client = $null
            task = $null
            watch = [System.Diagnostics.Stopwatch]::StartNew()
            error = $_.Exception.Message
        }
    }
}

Function Complete-Probe {
    param($Running)
    $probe = $Running.probe
    $state = 'timeout'
    $detail = 'no answer'
    try {
        if ($null -ne $Running.error) {
            $state = 'error'
            $detail = $Running.error
        }
        elseif ($Running.task.Wait($timeoutMs)) {
            $state = 'open'
            $detail = ''
        }
    }
    catch {
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
        if ($inner -is [System.Net.Sockets.SocketException]) {
            $state = ConvertTo-ProbeState -Code $inner.SocketErrorCode
        }
        else {
            $state = 'error'
        }
        $detail = $inner.Message
    }
    finally {
        if ($null -ne $Running.client) { $Running.client.Dispose() }
    }
    @{
        id = $probe.id
        address = $probe.address
        port = $probe.port
        source = $probe.source
        state = $state
        detail = $detail
        elapsed_ms = [int]$Running.watch.ElapsedMilliseconds
    }
}

foreach ($probe in @($module.Params.probes)) {
    if ($probe.port -lt 1 -or $probe.port -gt 65535) {
        $module.FailJson('probe ' + [string]$probe.id + ': port ' + [string]$probe.port + ' is out of range 1-65535')
    }
}

$results = [System.Collections.Generic.List[object]]@()
$batch = [System.Collections.Generic.List[object]]@()
try {
    foreach ($probe in @($module.Params.probes)) {
        $batch.Add((Start-Probe -Probe $probe))
        if ($batch.Count -ge $module.Params.workers) {
            foreach ($running in $batch) { $results.Add((Complete-Probe -Running $running)) }
            $batch.Clear()
        }
    }
    foreach ($running in $batch) { $results.Add((Complete-Probe -Running $running)) }
}
catch {
    foreach ($running in $batch) { if ($null -ne $running.client) { $running.client.Dispose() } }
    $module.FailJson("TCP probe failed: $($_.Exception.Message)", $_)
}

$module.Result.addresses = Get-LocalAddress
$module.Result.results = $results.ToArray()
$module.ExitJson()
