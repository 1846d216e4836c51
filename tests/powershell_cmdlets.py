"""Microsoft's documented parameter sets of every cmdlet the collection's PowerShell calls.

Copied from the SYNTAX section of each cmdlet's page on learn.microsoft.com (URL per cmdlet;
NetSecurity pages of the windowsserver2025-ps view, whose sets are the same as Windows Server
2012 R2's for the parameters used here). One entry per parameter set: the parameters listed in
that set's syntax block (canonical names; aliases are not accepted by the check) and the ones it
marks as mandatory (not in brackets). The common parameters (about_CommonParameters) belong to
every set.

A call is valid when one set holds all its named parameters; a call that gets no pipeline input
and no positional argument must also give that set's mandatory parameters.
"""

from __future__ import annotations

COMMON_PARAMETERS = ("Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable",
                     "OutVariable", "OutBuffer", "PipelineVariable", "Verbose", "WarningAction", "WarningVariable")

_RULE_PROPERTIES = ("NewDisplayName", "Description", "Enabled", "Profile", "Platform", "Direction", "Action",
                    "EdgeTraversalPolicy", "LooseSourceMapping", "LocalOnlyMapping", "Owner", "LocalAddress",
                    "RemoteAddress", "Protocol", "LocalPort", "RemotePort", "IcmpType", "DynamicTarget", "Program",
                    "Package", "Service", "InterfaceAlias", "InterfaceType", "LocalUser", "RemoteUser",
                    "RemoteMachine", "Authentication", "Encryption", "OverrideBlockRules",
                    "RemoteDynamicKeywordAddresses")
_CIM = ("CimSession", "ThrottleLimit", "AsJob")
_QUERY = ("Description", "DisplayGroup", "Group", "Enabled", "Direction", "Action", "EdgeTraversalPolicy",
          "LooseSourceMapping", "LocalOnlyMapping", "Owner", "PrimaryStatus", "Status", "PolicyStoreSource",
          "PolicyStoreSourceType")
_ASSOCIATED_WITH_RULE = ("AssociatedNetFirewallAddressFilter", "AssociatedNetFirewallApplicationFilter",
                         "AssociatedNetFirewallInterfaceFilter", "AssociatedNetFirewallInterfaceTypeFilter",
                         "AssociatedNetFirewallPortFilter", "AssociatedNetFirewallSecurityFilter",
                         "AssociatedNetFirewallServiceFilter", "AssociatedNetFirewallProfile")


def _set(params, required=()):
    return {"params": frozenset(params) | frozenset(required), "required": frozenset(required)}


def _rule_selection_sets(extra=()):
    """The sets Get-, Remove- and Disable-NetFirewallRule share; ``extra`` is -PassThru/-WhatIf/-Confirm."""
    store = ("PolicyStore", "TracePolicyStore")
    sets = {
        "GetAll": _set(("All",) + store + _CIM + extra),
        "ByName": _set(store + _CIM + extra, ("Name",)),
        "ByDisplayName": _set(store + _CIM + extra, ("DisplayName",)),
        "ByQuery": _set(_QUERY + store + _CIM + extra),
    }
    for associated in _ASSOCIATED_WITH_RULE:
        sets["By" + associated] = _set(store + _CIM + extra, (associated,))
    return sets


def _filter_sets(*associated):
    base = ("PolicyStore", "GPOSession") + _CIM
    sets = {"GetAll": _set(("All",) + base)}
    for name in associated:
        sets["By" + name] = _set(base, (name,))
    return sets


_SET_RULE_COMMON = ("PolicyStore",) + _RULE_PROPERTIES + _CIM + ("PassThru", "WhatIf", "Confirm")
_SWITCHES = ("PassThru", "WhatIf", "Confirm")

CMDLETS = {
    "New-NetFirewallRule": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/new-netfirewallrule?view=windowsserver2025-ps",
        # One parameter set; -DisplayName is mandatory, -Group is a plain property here.
        "sets": {
            "__AllParameterSets": _set(
                ("PolicyStore", "GPOSession", "Name", "Description", "Group") + tuple(
                    p for p in _RULE_PROPERTIES if p != "NewDisplayName") + _CIM + ("WhatIf", "Confirm"),
                ("DisplayName",)),
        },
    },
    "Set-NetFirewallRule": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/set-netfirewallrule?view=windowsserver2025-ps",
        # -Name, -DisplayName, -DisplayGroup, -Group and -InputObject each select a rule in their own
        # set; renaming is -NewDisplayName. -InputObject's set has no -PolicyStore.
        "sets": {
            "ByName": _set(_SET_RULE_COMMON, ("Name",)),
            "ByDisplayName": _set(_SET_RULE_COMMON, ("DisplayName",)),
            "ByDisplayGroup": _set(_SET_RULE_COMMON, ("DisplayGroup",)),
            "ByGroup": _set(_SET_RULE_COMMON, ("Group",)),
            "InputObject (cdxml)": _set(tuple(p for p in _SET_RULE_COMMON if p != "PolicyStore"), ("InputObject",)),
        },
    },
    "Get-NetFirewallRule": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/get-netfirewallrule?view=windowsserver2025-ps",
        "sets": _rule_selection_sets(),
    },
    "Remove-NetFirewallRule": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/remove-netfirewallrule?view=windowsserver2025-ps",
        "sets": {**_rule_selection_sets(_SWITCHES),
                 "InputObject (cdxml)": _set(_CIM + _SWITCHES, ("InputObject",))},
    },
    "Disable-NetFirewallRule": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/disable-netfirewallrule?view=windowsserver2025-ps",
        "sets": {**_rule_selection_sets(_SWITCHES),
                 "InputObject (cdxml)": _set(_CIM + _SWITCHES, ("InputObject",))},
    },
    "Get-NetFirewallPortFilter": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/get-netfirewallportfilter?view=windowsserver2025-ps",
        "sets": {**_filter_sets("AssociatedNetFirewallRule", "AssociatedNetIPsecRule"),
                 "ByQuery": _set(("Protocol", "DynamicTarget", "PolicyStore", "GPOSession") + _CIM)},
    },
    "Get-NetFirewallAddressFilter": {
        "url": "https://learn.microsoft.com/powershell/module/netsecurity/get-netfirewalladdressfilter?view=windowsserver2025-ps",
        "sets": _filter_sets("AssociatedNetFirewallRule", "AssociatedNetIPsecRule", "AssociatedNetIPsecMainModeRule"),
    },
    # Used by the exported scripts to read the shared address objects (a JSON data file).
    "Join-Path": {
        "url": "https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path?view=powershell-5.1",
        "sets": {"__AllParameterSets": _set(("Resolve", "Credential", "UseTransaction"), ("Path", "ChildPath"))},
    },
    "Get-Content": {
        "url": "https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content?view=powershell-5.1",
        "sets": {
            name: _set(("ReadCount", "TotalCount", "Tail", "Filter", "Include", "Exclude", "Force", "Credential",
                        "UseTransaction", "Delimiter", "Wait", "Raw", "Encoding", "Stream"), (selector,))
            for name, selector in (("Path", "Path"), ("LiteralPath", "LiteralPath"))
        },
    },
    "ConvertFrom-Json": {
        "url": "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertfrom-json?view=powershell-5.1",
        # One set; -InputObject is mandatory and comes from the pipeline in the exported scripts.
        "sets": {"__AllParameterSets": _set((), ("InputObject",))},
    },
    "Set-StrictMode": {
        "url": "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/set-strictmode?view=powershell-5.1",
        "sets": {"Version": _set((), ("Version",)), "Off": _set((), ("Off",))},
    },
}
_BY_LOWER = {name.lower(): name for name in CMDLETS}


def check_call(name: str, parameters, positional: int = 0, piped: bool = False, functions=None) -> str | None:
    """None when the call fits one documented parameter set, else why not.

    ``functions`` maps functions defined in the same script (lower-case) to their parameters.
    """
    given = {p.lower() for p in parameters}
    if functions and name.lower() in functions:
        declared = {p.lower() for p in functions[name.lower()]}
        unknown = sorted(given - declared - {c.lower() for c in COMMON_PARAMETERS})
        return f"{name} has no parameter {', '.join(unknown)}" if unknown else None
    canonical = _BY_LOWER.get(name.lower())
    if canonical is None:
        return f"{name} is not a cmdlet with recorded parameter sets"
    common = {c.lower() for c in COMMON_PARAMETERS}
    fitting = []
    for set_name, spec in CMDLETS[canonical]["sets"].items():
        allowed = {p.lower() for p in spec["params"]} | common
        if given <= allowed:
            fitting.append((set_name, spec))
    if not fitting:
        return (f"{canonical} -{' -'.join(parameters)}: no parameter set of {CMDLETS[canonical]['url']} "
                f"holds all these parameters")
    if piped or positional:
        return None
    if not any({p.lower() for p in spec["required"]} <= given for _name, spec in fitting):
        return (f"{canonical} -{' -'.join(parameters)}: the mandatory parameters of every fitting set "
                f"({', '.join(n for n, _s in fitting)}) are missing")
    return None
