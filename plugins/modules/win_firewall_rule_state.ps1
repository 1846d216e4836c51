#!powershell

# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Reads the rules of one Windows Firewall rule group (and, on request, Exchange Setup's
# MSExchange* rules) and executes add/set/remove/disable operations computed by the
# exchange.firewall.win_firewall_ruleset action plugin. It makes no decisions of its own; as a
# second line of defence it refuses what the controller refuses: a group that is not the
# collection's own, and any change to a rule outside the group or whose Name lacks the rule
# prefix. Values arrive as module options and are only passed as parameter values: no script text
# is ever built from them. Every call names its parameters (no splatting), so the collection's
# tests check each one against the cmdlet's documented parameter sets.

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'

$spec = @{
    options = @{
        group = @{ type = 'str'; required = $true }
        rule_prefix = @{ type = 'str'; default = 'exfw' }
        state = @{ type = 'str'; default = 'query'; choices = @('query', 'apply') }
        include_setup_rules = @{ type = 'bool'; default = $false }
        include_block_rules = @{ type = 'bool'; default = $false }
        names = @{ type = 'list'; elements = 'str'; default = @() }
        operations = @{
            type = 'list'
            elements = 'dict'
            default = @()
            options = @{
                op = @{ type = 'str'; required = $true; choices = @('add', 'set', 'remove', 'disable') }
                name = @{ type = 'str'; required = $true }
                display_name = @{ type = 'str' }
                direction = @{ type = 'str'; choices = @('Inbound', 'Outbound') }
                protocol = @{ type = 'str'; choices = @('TCP', 'UDP', 'Any') }
                local_port = @{ type = 'list'; elements = 'str' }
                remote_address = @{ type = 'list'; elements = 'str' }
                action = @{ type = 'str'; choices = @('Allow') }
                enabled = @{ type = 'bool' }
                profile = @{ type = 'str' }
                description = @{ type = 'str' }
            }
        }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$group = $module.Params.group
$rulePrefix = $module.Params.rule_prefix + '-'

# Windows' own rule groups, equal to BUILTIN_GROUPS in plugins/module_utils/_windows.py (a unit
# test compares the two lists).
$builtinGroups = @(
    'Active Directory Domain Services', 'Active Directory Web Services',
    'BranchCache - Content Retrieval (Uses HTTP)', 'BranchCache - Hosted Cache Client (Uses HTTPS)',
    'BranchCache - Hosted Cache Server (Uses HTTPS)', 'BranchCache - Peer Discovery (Uses WSD)',
    'COM+ Network Access', 'COM+ Remote Administration', 'Core Networking', 'Core Networking Diagnostics',
    'DFS Management', 'DFS Replication', 'DHCP Server', 'DHCP Server Management', 'DNS Service',
    'Distributed Transaction Coordinator', 'Failover Clusters', 'File and Printer Sharing',
    'File and Printer Sharing over SMBDirect', 'File Server Remote Management', 'Hyper-V',
    'Hyper-V Management Clients', 'Hyper-V Replica HTTP', 'Hyper-V Replica HTTPS', 'iSCSI Service',
    'Key Management Service', 'mDNS', 'Netlogon Service', 'Netlogon Service Authz', 'Network Discovery',
    'Performance Logs and Alerts', 'Remote Administration', 'Remote Desktop', 'Remote Desktop - RemoteFX',
    'Remote Desktop (WebSocket)', 'Remote Event Log Management', 'Remote Event Monitor',
    'Remote Scheduled Tasks Management', 'Remote Service Management', 'Remote Shutdown',
    'Remote Volume Management', 'Routing and Remote Access', 'Secure Socket Tunneling Protocol',
    'Secure World Wide Web Services (HTTPS)', 'SNMP Trap', 'Windows Defender Firewall Remote Management',
    'Windows Firewall Remote Management', 'Windows Internet Naming Service (WINS)',
    'Windows Management Instrumentation (WMI)', 'Windows Remote Management',
    'Windows Remote Management (Compatibility)', 'Windows Server Update Services',
    'World Wide Web Services (HTTP)', 'World Wide Web Services (QUIC)'
)
# PowerShell wildcard characters and their escape: -Name and -Group treat them as patterns.
$wildcardChars = [char[]]@('*', '?', '[', ']', '`')

Function Test-OwnedGroup {
    param([string]$Name)
    if ([string]::IsNullOrWhiteSpace($Name) -or $Name -ne $Name.Trim()) { return $false }
    if ($Name.IndexOfAny($wildcardChars) -ge 0) { return $false }
    foreach ($char in $Name.ToCharArray()) {
        $category = [System.Globalization.CharUnicodeInfo]::GetUnicodeCategory($char).ToString()
        if (@('Control', 'Format', 'LineSeparator', 'ParagraphSeparator') -contains $category) { return $false }
    }
    if ($Name.StartsWith('@') -or $Name.StartsWith('MSExchange', [System.StringComparison]::OrdinalIgnoreCase)) {
        return $false
    }
    foreach ($builtin in $builtinGroups) {
        if ($Name -eq $builtin) { return $false }
    }
    $true
}

Function Test-OwnedName {
    param([string]$Name)
    $Name.StartsWith($rulePrefix, [System.StringComparison]::Ordinal) -and $Name.IndexOfAny($wildcardChars) -lt 0
}

Function Get-GroupRule {
    # -Group matches by pattern; keep only the rules whose Group is exactly ours.
    foreach ($rule in @(Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue)) {
        if ($rule.Group -eq $group) { $rule }
    }
}

Function Get-SetupRule {
    foreach ($rule in @(Get-NetFirewallRule -DisplayName 'MSExchange*' -ErrorAction SilentlyContinue)) {
        if ($rule.DisplayName.StartsWith('MSExchange', [System.StringComparison]::Ordinal)) { $rule }
    }
}

Function Get-BlockRule {
    # Enabled inbound block rules of every group: Windows Firewall applies them before any allow
    # rule, so one that matches a planned rule's traffic shadows it (read for the drift audit).
    @(Get-NetFirewallRule -Direction Inbound -Action Block -Enabled True -ErrorAction SilentlyContinue)
}

Function ConvertTo-RuleState {
    param([Object[]]$Rules)
    # One pipeline call per filter type for all rules, joined on InstanceID: far fewer CIM calls
    # than one Get-NetFirewall*Filter per rule.
    $ports = @{}
    $addresses = @{}
    if ($Rules.Count -gt 0) {
        foreach ($filter in @($Rules | Get-NetFirewallPortFilter)) { $ports[$filter.InstanceID] = $filter }
        foreach ($filter in @($Rules | Get-NetFirewallAddressFilter)) { $addresses[$filter.InstanceID] = $filter }
    }
    foreach ($rule in $Rules) {
        $port = $ports[$rule.InstanceID]
        $address = $addresses[$rule.InstanceID]
        @{
            Name = $rule.Name
            DisplayName = $rule.DisplayName
            Group = $rule.Group
            Direction = $rule.Direction.ToString()
            Action = $rule.Action.ToString()
            Enabled = ($rule.Enabled.ToString() -eq 'True')
            Profile = $rule.Profile.ToString()
            Description = $rule.Description
            Protocol = if ($port) { [string]$port.Protocol } else { 'Any' }
            LocalPort = if ($port) { @(foreach ($value in @($port.LocalPort)) { [string]$value }) } else { @('Any') }
            RemoteAddress = if ($address) {
                @(foreach ($value in @($address.RemoteAddress)) { [string]$value })
            } else { @('Any') }
        }
    }
}

Function Get-GroupState {
    $rules = @(Get-GroupRule)
    # Rules of other groups that already use one of the planned Names: reported so that the
    # controller refuses to take them over. Names holding a wildcard are never looked up.
    $names = @(foreach ($name in @($module.Params.names)) {
        if ($name -and $name.IndexOfAny($wildcardChars) -lt 0) { $name }
    })
    if ($names.Count -gt 0) {
        $inGroup = @(foreach ($rule in $rules) { $rule.Name })
        foreach ($rule in @(Get-NetFirewallRule -Name $names -ErrorAction SilentlyContinue)) {
            if ($inGroup -notcontains $rule.Name) { $rules += $rule }
        }
    }
    , @(ConvertTo-RuleState -Rules $rules)
}

Function Get-OwnedRule {
    param([string]$Name)
    if (-not (Test-OwnedName -Name $Name)) {
        throw ('refusing to change the rule ' + $Name + ': its Name does not start with ' + $rulePrefix)
    }
    if (-not $ownedRules.ContainsKey($Name)) {
        throw ('refusing to change the rule ' + $Name + ': it is not a rule of the group ' + $group)
    }
    $ownedRules[$Name]
}

Function Add-Rule {
    param($Operation)
    $name = [string]$Operation.name
    if (-not (Test-OwnedName -Name $name)) {
        throw ('refusing to create the rule ' + $name + ': its Name must start with ' + $rulePrefix + ' and hold no wildcard')
    }
    $enabled = if ($Operation.enabled) { 'True' } else { 'False' }
    $remote = [string[]]$Operation.remote_address
    if ($Operation.protocol -eq 'Any') {
        $null = New-NetFirewallRule -Name $name -DisplayName $Operation.display_name -Group $group -Direction $Operation.direction -Action $Operation.action -Protocol Any -RemoteAddress $remote -Profile $Operation.profile -Enabled $enabled -Description $Operation.description
    }
    else {
        $ports = [string[]]$Operation.local_port
        $null = New-NetFirewallRule -Name $name -DisplayName $Operation.display_name -Group $group -Direction $Operation.direction -Action $Operation.action -Protocol $Operation.protocol -LocalPort $ports -RemoteAddress $remote -Profile $Operation.profile -Enabled $enabled -Description $Operation.description
    }
}

Function Set-Rule {
    param($Operation)
    # The rule object read from the group, not a -Name lookup: -Name is a pattern, and -Name and
    # -DisplayName select different parameter sets (the display name changes with -NewDisplayName).
    $rule = Get-OwnedRule -Name $Operation.name
    $enabled = if ($Operation.enabled) { 'True' } else { 'False' }
    $remote = [string[]]$Operation.remote_address
    if ($Operation.protocol -eq 'Any') {
        # Ports must be Any before the protocol can become Any.
        Set-NetFirewallRule -InputObject $rule -LocalPort Any -ErrorAction SilentlyContinue
        Set-NetFirewallRule -InputObject $rule -NewDisplayName $Operation.display_name -Direction $Operation.direction -Action $Operation.action -Protocol Any -RemoteAddress $remote -Profile $Operation.profile -Enabled $enabled -Description $Operation.description
    }
    else {
        $ports = [string[]]$Operation.local_port
        Set-NetFirewallRule -InputObject $rule -NewDisplayName $Operation.display_name -Direction $Operation.direction -Action $Operation.action -Protocol $Operation.protocol -LocalPort $ports -RemoteAddress $remote -Profile $Operation.profile -Enabled $enabled -Description $Operation.description
    }
}

Function Remove-OwnedRule {
    param([string]$Name)
    Remove-NetFirewallRule -InputObject (Get-OwnedRule -Name $Name)
}

Function Disable-SetupRule {
    param([string]$Name)
    foreach ($rule in $setupRules) {
        if ($rule.Name -eq $Name) {
            Disable-NetFirewallRule -InputObject $rule
            return
        }
    }
    throw ('refusing to disable the rule ' + $Name + ': it is not one of Exchange Setup''s MSExchange* rules')
}

if (-not (Test-OwnedGroup -Name $group)) {
    $module.FailJson('exchange_firewall_windows_group: ''' + $group + ''' is empty, one of Windows'' built-in groups, a resource string (@...), an MSExchange* name, or holds wildcards or line breaks; refusing to use it')
}
if ($module.Params.rule_prefix -cnotmatch '^[a-z][a-z0-9]{1,11}$') {
    $module.FailJson('exchange_firewall_rule_prefix: must be 2-12 lowercase letters/digits starting with a letter')
}

try {
    if ($module.Params.state -eq 'apply' -and -not $module.CheckMode) {
        $ownedRules = @{}
        foreach ($rule in @(Get-GroupRule)) {
            if (Test-OwnedName -Name $rule.Name) { $ownedRules[$rule.Name] = $rule }
        }
        $setupRules = @(Get-SetupRule)
        foreach ($operation in $module.Params.operations) {
            switch ($operation.op) {
                'add' { Add-Rule -Operation $operation }
                'set' { Set-Rule -Operation $operation }
                'remove' { Remove-OwnedRule -Name $operation.name }
                'disable' { Disable-SetupRule -Name $operation.name }
            }
            $module.Result.changed = $true
        }
    }
    $module.Result.rules = Get-GroupState
    if ($module.Params.include_setup_rules) {
        $module.Result.setup_rules = @(ConvertTo-RuleState -Rules @(Get-SetupRule))
    }
    if ($module.Params.include_block_rules) {
        $module.Result.block_rules = @(ConvertTo-RuleState -Rules @(Get-BlockRule))
    }
}
catch {
    $module.FailJson("Windows Firewall operation failed: $($_.Exception.Message)", $_)
}

$module.ExitJson()
