#!powershell

# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Reads the rules of one Windows Firewall rule group (and, on request, Exchange Setup's
# MSExchange* rules) and executes add/set/remove/disable operations computed by the
# exchange.firewall.win_firewall_ruleset action plugin. It makes no decisions of its own.

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'

$spec = @{
    options = @{
        group = @{ type = 'str'; required = $true }
        state = @{ type = 'str'; default = 'query'; choices = @('query', 'apply') }
        include_setup_rules = @{ type = 'bool'; default = $false }
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

Function ConvertTo-RuleState {
    param([Object[]]$Rules)
    # One pipeline call per filter type for all rules, joined on InstanceID: far fewer CIM calls
    # than one Get-NetFirewall*Filter per rule.
    $ports = @{}
    $addresses = @{}
    if ($Rules.Count -gt 0) {
        $Rules | Get-NetFirewallPortFilter | ForEach-Object { $ports[$_.InstanceID] = $_ }
        $Rules | Get-NetFirewallAddressFilter | ForEach-Object { $addresses[$_.InstanceID] = $_ }
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
            LocalPort = if ($port) { @($port.LocalPort | ForEach-Object { [string]$_ }) } else { @('Any') }
            RemoteAddress = if ($address) { @($address.RemoteAddress | ForEach-Object { [string]$_ }) } else { @('Any') }
        }
    }
}

Function Get-GroupState {
    $rules = @(Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue)
    # Rules of other groups that already use one of the planned Names: reported so that the
    # controller refuses to take them over.
    $names = @($module.Params.names | Where-Object { $_ })
    if ($names.Count -gt 0) {
        $inGroup = @($rules | ForEach-Object { $_.Name })
        $rules += @(Get-NetFirewallRule -Name $names -ErrorAction SilentlyContinue |
            Where-Object { $inGroup -notcontains $_.Name })
    }
    , @(ConvertTo-RuleState -Rules $rules)
}

Function Get-SetupRuleState {
    $rules = @(Get-NetFirewallRule -DisplayName 'MSExchange*' -ErrorAction SilentlyContinue)
    , @(ConvertTo-RuleState -Rules $rules)
}

Function Get-RuleParameter {
    param($Operation)
    $params = @{
        DisplayName = $Operation.display_name
        Direction = $Operation.direction
        Action = $Operation.action
        Protocol = $Operation.protocol
        RemoteAddress = [string[]]$Operation.remote_address
        Profile = $Operation.profile
        Enabled = if ($Operation.enabled) { 'True' } else { 'False' }
        Description = $Operation.description
    }
    if ($Operation.protocol -ne 'Any') {
        $params.LocalPort = [string[]]$Operation.local_port
    }
    $params
}

try {
    if ($module.Params.state -eq 'apply' -and -not $module.CheckMode) {
        foreach ($operation in $module.Params.operations) {
            switch ($operation.op) {
                'add' {
                    $params = Get-RuleParameter -Operation $operation
                    New-NetFirewallRule -Name $operation.name -Group $group @params | Out-Null
                }
                'set' {
                    $params = Get-RuleParameter -Operation $operation
                    $params.NewDisplayName = $params.DisplayName
                    $params.Remove('DisplayName')
                    if ($operation.protocol -eq 'Any') {
                        # Ports must be cleared before the protocol can become Any.
                        Set-NetFirewallRule -Name $operation.name -LocalPort Any -ErrorAction SilentlyContinue
                    }
                    Set-NetFirewallRule -Name $operation.name @params
                }
                'remove' { Remove-NetFirewallRule -Name $operation.name }
                'disable' { Disable-NetFirewallRule -Name $operation.name }
            }
            $module.Result.changed = $true
        }
    }
    $module.Result.rules = Get-GroupState
    if ($module.Params.include_setup_rules) {
        $module.Result.setup_rules = Get-SetupRuleState
    }
}
catch {
    $module.FailJson("Windows Firewall operation failed: $($_.Exception.Message)", $_)
}

$module.ExitJson()
