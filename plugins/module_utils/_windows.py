# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall: plan rules -> NetSecurity rules, want-vs-have reconcile, renderers. Pure.

Every decision of the Windows applier is made here, in Python, so that it is tested on any
machine: the PowerShell module only reads the rule group and executes the operations it is given.

A rule is identified by its ``Name`` (the unique InstanceID of New-NetFirewallRule), which is the
plan's rule name. Windows allows several rules with the same *display* name: copies of our rules
inside our group (same display name, another Name with the prefix) are duplicates and are removed.

What the collection owns is narrow on purpose: a rule is ours only when it is in the rule group
(``exchange_firewall_windows_group``) **and** its Name starts with the rule prefix
(``exchange_firewall_rule_prefix`` and a dash). Nothing else is ever changed or removed, and a group
name that could cover Windows' or Exchange Setup's rules is refused before anything happens.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
import unicodedata

from ansible_collections.exchange.firewall.plugins.module_utils._ports import address_text, port_text

DEFAULT_GROUP = "exchange.firewall"
DEFAULT_PREFIX = "exfw"
GROUP_VARIABLE = "exchange_firewall_windows_group"
PREFIX_VARIABLE = "exchange_firewall_rule_prefix"
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{1,11}$")  # the planner's rule_prefix rule
# Display groups of Windows' own predefined rules (English names). Purge is also bounded by the rule
# prefix, so this list is a second line, not the only one; '@'-resource strings and MSExchange* are
# refused separately.
BUILTIN_GROUPS = (
    "Active Directory Domain Services", "Active Directory Web Services", "BranchCache - Content Retrieval (Uses HTTP)",
    "BranchCache - Hosted Cache Client (Uses HTTPS)", "BranchCache - Hosted Cache Server (Uses HTTPS)",
    "BranchCache - Peer Discovery (Uses WSD)", "COM+ Network Access", "COM+ Remote Administration",
    "Core Networking", "Core Networking Diagnostics", "DFS Management", "DFS Replication", "DHCP Server",
    "DHCP Server Management", "DNS Service", "Distributed Transaction Coordinator", "Failover Clusters",
    "File and Printer Sharing", "File and Printer Sharing over SMBDirect", "File Server Remote Management",
    "Hyper-V", "Hyper-V Management Clients", "Hyper-V Replica HTTP", "Hyper-V Replica HTTPS", "iSCSI Service",
    "Key Management Service", "mDNS", "Netlogon Service", "Netlogon Service Authz", "Network Discovery",
    "Performance Logs and Alerts", "Remote Administration", "Remote Desktop", "Remote Desktop - RemoteFX",
    "Remote Desktop (WebSocket)", "Remote Event Log Management", "Remote Event Monitor",
    "Remote Scheduled Tasks Management", "Remote Service Management", "Remote Shutdown",
    "Remote Volume Management", "Routing and Remote Access", "Secure Socket Tunneling Protocol",
    "Secure World Wide Web Services (HTTPS)", "SNMP Trap", "Windows Defender Firewall Remote Management",
    "Windows Firewall Remote Management", "Windows Internet Naming Service (WINS)",
    "Windows Management Instrumentation (WMI)", "Windows Remote Management",
    "Windows Remote Management (Compatibility)", "Windows Server Update Services", "World Wide Web Services (HTTP)",
    "World Wide Web Services (QUIC)",
)
_BUILTIN = frozenset(g.casefold() for g in BUILTIN_GROUPS)
# PowerShell wildcard characters (and the wildcard escape): -Name and -Group of the NetSecurity
# query cmdlets treat them as patterns, so a Name or group holding one could select other rules.
WILDCARD_CHARS = "*?[]`"
# Characters PowerShell's tokenizer reads as a single quote (CharExtensions.IsSingleQuote in
# PowerShell's CharTraits.cs): the ASCII apostrophe and U+2018, U+2019, U+201A, U+201B.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
ANY_PAIR = {"0.0.0.0/0", "::/0"}
FIELDS = ("DisplayName", "Group", "Direction", "Action", "Enabled", "Profile", "Protocol", "LocalPort",
          "RemoteAddress", "Description")
# Setup's own inbound rules that the optional hardening may disable, by the feature that makes
# them unnecessary when it is off (Exchange 2010 Setup rule names; 2013+ Setup creates the same
# POP3/IMAP4 rule families).
SETUP_RULES_BY_FEATURE = {
    "pop3": ("MSExchange - POP3*", "MSExchangePOP3*", "MSExchange - POP3 (FGW)*"),
    "imap4": ("MSExchange - IMAP4*", "MSExchangeIMAP4*"),
}
SETUP_PREFIX = "MSExchange"


class WindowsRuleError(ValueError):
    """Bad rule set, unsafe change or a conflict on the host."""


def _address(text: str, rule: str) -> str:
    text = str(text).strip()
    if text.lower() == "any":
        return "Any"
    try:
        return address_text(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise WindowsRuleError(f"rule '{rule}': invalid remote address {text!r}") from None


def _port(text: str, rule: str) -> str:
    try:
        return port_text(text)
    except ValueError as exc:
        raise WindowsRuleError(f"rule '{rule}': {exc}") from None


def _sort_ports(ports):
    """Numbers and ranges by value, then keywords a rule read from the host may hold (RPC, RPCEPMap...), then Any."""
    def key(port):
        first = str(port).split("-", maxsplit=1)[0]
        return (port == "Any", not first.isdigit(), int(first) if first.isdigit() else 0, str(port))
    return sorted(ports, key=key)


def _sort_addresses(addresses):
    def key(a):
        if a == "Any":
            return (0, 0, "")
        net = ipaddress.ip_network(a, strict=False)
        return (net.version, int(net.network_address), a)
    return sorted(set(addresses), key=key)


def _unsafe_char(text: str) -> str | None:
    """The first character that cannot appear in a rule Name or group: wildcards, line breaks, controls."""
    for char in text:
        if char in WILDCARD_CHARS or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return char
    return None


def validate_group(group) -> str:
    """The collection's own rule group, or WindowsRuleError naming exchange_firewall_windows_group.

    Purge removes the group's rules, so a group that Windows or Exchange Setup also uses (or an
    empty one) would let it remove rules such as WINRM-HTTP-In-TCP.
    """
    if not isinstance(group, str) or not group.strip():
        reason = "must name a rule group that only this collection uses; an empty group is refused"
    elif group != group.strip():
        reason = "must not start or end with white space"
    elif _unsafe_char(group) is not None:
        reason = (f"must not contain {_unsafe_char(group)!r} (wildcards {WILDCARD_CHARS!r}, line breaks "
                  "and control characters are refused)")
    elif group.startswith("@"):
        reason = "is a resource string ('@...'), which names one of Windows' built-in groups"
    elif group.casefold().startswith("msexchange"):
        reason = "starts with 'MSExchange', the prefix of Exchange Setup's own rules"
    elif group.casefold() in _BUILTIN:
        reason = "is one of Windows' built-in rule groups"
    else:
        return group
    raise WindowsRuleError(f"{GROUP_VARIABLE}: {group!r} {reason}; choose a group that only this collection "
                           f"uses (default '{DEFAULT_GROUP}')")


def validate_prefix(prefix) -> str:
    if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
        raise WindowsRuleError(f"{PREFIX_VARIABLE}: must be 2-12 lowercase letters/digits starting with a letter, "
                               f"got {prefix!r}")
    return prefix


def owned(name: str, prefix: str) -> bool:
    """Whether a rule Name carries the collection's rule prefix (``<prefix>-``)."""
    return str(name).startswith(prefix + "-")


def remote_addresses(remotes, rule: str = "?") -> list:
    """Plan addresses as RemoteAddress values: 'Any' for 0.0.0.0/0 + ::/0, else sorted, canonical."""
    remotes = [str(a) for a in remotes]
    if not remotes:
        raise WindowsRuleError(f"rule '{rule}': no remote addresses")
    if ANY_PAIR <= set(remotes):
        return ["Any"]
    return _sort_addresses(_address(a, rule) for a in remotes)


def desired(rules: list, group: str = DEFAULT_GROUP, prefix: str = DEFAULT_PREFIX, address_cache=None,
            remote_objects=None) -> list:
    """The NetSecurity rules for a host's plan rules, sorted by Name.

    ``address_cache`` (a dict) lets many hosts share the conversion of the same address list;
    ``remote_objects`` ({rule name: address object name}) lets them find it by the object's name,
    without reading the list again (the organisation's list is as long as the organisation is large).
    """
    validate_group(group)
    validate_prefix(prefix)
    out = []
    for rule in rules:
        name = rule.get("name")
        if not name:
            raise WindowsRuleError("every rule needs a name")
        name = str(name)
        if not owned(name, prefix):
            raise WindowsRuleError(f"rule '{name}': the Name must start with the rule prefix '{prefix}-' "
                                   f"({PREFIX_VARIABLE}); only such rules are ever changed or removed")
        if _unsafe_char(name) is not None:
            raise WindowsRuleError(f"rule {name!r}: the Name must not contain {_unsafe_char(name)!r} (wildcards "
                                   f"{WILDCARD_CHARS!r}, line breaks and control characters are refused)")
        if rule.get("action", "allow") != "allow":
            raise WindowsRuleError(f"rule '{name}': only 'allow' rules are supported")
        protocol = {"tcp": "TCP", "udp": "UDP", "any": "Any"}.get(rule.get("protocol"))
        if protocol is None:
            raise WindowsRuleError(f"rule '{name}': protocol must be tcp, udp or any, got {rule.get('protocol')!r}")
        ports = [_port(p, name) for p in rule.get("local_ports") or []]
        if protocol != "Any" and not ports:
            raise WindowsRuleError(f"rule '{name}': a {protocol} rule needs local ports")
        key = ("object", remote_objects[name]) if remote_objects and name in remote_objects else None
        addresses = address_cache.get(key) if address_cache is not None and key is not None else None
        if addresses is None:
            remotes = tuple(str(a) for a in rule.get("remote_addresses") or [])
            if address_cache is None:
                addresses = remote_addresses(remotes, name)
            else:
                addresses = address_cache.get(remotes)
                if addresses is None:
                    addresses = address_cache[remotes] = remote_addresses(remotes, name)
                if key is not None:
                    address_cache[key] = addresses
        flows = ", ".join(str(f) for f in rule.get("flow_ids") or [])
        sources = ", ".join(str(c.get("id", c.get("title", ""))) for c in rule.get("citations") or [])
        description = f"exchange.firewall: {flows}" + (f" (sources: {sources})" if sources else "")
        out.append({
            "Name": name,
            "DisplayName": name,
            "Group": group,
            "Direction": "Outbound" if rule.get("direction") == "out" else "Inbound",
            "Action": "Allow",
            "Enabled": True,
            "Profile": "Any",
            "Protocol": protocol,
            "LocalPort": _sort_ports(ports) if ports else ["Any"],
            "RemoteAddress": addresses,
            "Description": description[:1024],
        })
    names = [r["Name"] for r in out]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise WindowsRuleError(f"rule '{duplicates[0]}' appears twice in the rule set")
    return sorted(out, key=lambda r: r["Name"])


def normalise(rule: dict) -> dict:
    """A rule as read from the host (Get-NetFirewallRule + filters), in desired()'s shape."""
    def as_list(value):
        if value is None:
            return ["Any"]
        if isinstance(value, str):
            value = [value]
        return list(value) or ["Any"]

    protocol = str(rule.get("Protocol") or "Any")
    protocol = {"tcp": "TCP", "udp": "UDP", "any": "Any", "6": "TCP", "17": "UDP"}.get(protocol.lower(), protocol)
    ports = [p if str(p).lower() != "any" else "Any" for p in as_list(rule.get("LocalPort"))]
    addresses = []
    for item in as_list(rule.get("RemoteAddress")):
        if str(item).lower() == "any":
            addresses.append("Any")
            continue
        try:
            # Windows reports IPv4 subnets as 10.0.0.0/255.255.255.0; ipaddress reads both forms.
            addresses.append(address_text(ipaddress.ip_network(str(item), strict=False)))
        except ValueError:
            addresses.append(str(item))  # keywords such as LocalSubnet are kept as they are
    enabled = rule.get("Enabled")
    if isinstance(enabled, str):
        enabled = enabled.lower() in ("true", "1", "yes")
    direction = str(rule.get("Direction") or "Inbound")
    direction = {"1": "Inbound", "2": "Outbound", "in": "Inbound", "out": "Outbound"}.get(direction.lower(), direction)
    return {
        "Name": str(rule.get("Name")),
        "DisplayName": str(rule.get("DisplayName") or rule.get("Name")),
        "Group": str(rule.get("Group") or ""),
        "Direction": direction,
        "Action": str(rule.get("Action") or "Allow"),
        "Enabled": bool(enabled),
        "Profile": str(rule.get("Profile") or "Any"),
        "Protocol": protocol,
        "LocalPort": _sort_ports(ports),
        "RemoteAddress": _sort_addresses(addresses) if all(_is_net(a) for a in addresses) else sorted(addresses),
        "Description": str(rule.get("Description") or ""),
    }


def _is_net(text) -> bool:
    if text == "Any":
        return True
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def reconcile(current: list, want: list, group: str = DEFAULT_GROUP, purge: bool = True,
              prefix: str = DEFAULT_PREFIX) -> dict:
    """Operations that turn ``current`` (rules read from the host) into ``want``.

    Only rules of ``group`` whose Name carries ``prefix`` are ever changed or removed. A rule of
    another group that already uses one of our Names is a conflict, not something to take over.
    Rules of the group without the prefix are left alone and listed in ``unmanaged``.
    """
    validate_group(group)
    validate_prefix(prefix)
    have = [normalise(r) for r in current]
    in_group = [r for r in have if r["Group"] == group]
    ours = [r for r in in_group if owned(r["Name"], prefix)]
    by_name = {}
    for rule in have:
        by_name.setdefault(rule["Name"], rule)
    want_names = {r["Name"] for r in want}
    want_display = {r["DisplayName"] for r in want}
    ops = []
    for rule in want:
        existing = by_name.get(rule["Name"])
        if existing is None:
            ops.append({"op": "add", **rule})
        elif existing["Group"] != group:
            raise WindowsRuleError(f"a rule named '{rule['Name']}' exists outside the group '{group}' "
                                   f"(group {existing['Group']!r}); refusing to take it over")
        else:
            changed = sorted(f for f in FIELDS if existing[f] != rule[f])
            if changed:
                ops.append({"op": "set", "changed": changed, "before": {f: existing[f] for f in changed}, **rule})
    for rule in sorted(ours, key=lambda r: r["Name"]):
        if rule["Name"] in want_names:
            continue
        duplicate = rule["DisplayName"] in want_display
        if purge or duplicate:
            ops.append({"op": "remove", "Name": rule["Name"], "DisplayName": rule["DisplayName"],
                        "reason": "duplicate display name" if duplicate else "not in the plan"})
    unmanaged = sorted(r["Name"] for r in in_group if not owned(r["Name"], prefix))
    return {"operations": ops, "changed": bool(ops), "unmanaged": unmanaged}


def setup_rules_to_disable(setup_rules: list, features: dict) -> list:
    """Exchange Setup's inbound rules that serve a feature that is off (optional hardening)."""
    out = []
    for rule in setup_rules:
        display = str(rule.get("DisplayName") or "")
        if not display.startswith(SETUP_PREFIX):
            continue
        enabled = rule.get("Enabled")
        if isinstance(enabled, str):
            enabled = enabled.lower() == "true"
        if not enabled:
            continue
        for feature, patterns in SETUP_RULES_BY_FEATURE.items():
            if not features.get(feature, False) and any(fnmatch.fnmatchcase(display, p) for p in patterns):
                out.append({"op": "disable", "Name": str(rule.get("Name")), "DisplayName": display,
                            "reason": f"feature '{feature}' is off"})
                break
    return sorted(out, key=lambda o: o["Name"])


def check_management(want: list, management_ports: list) -> None:
    """Refuse a rule set without an inbound rule for one of the management ports (WinRM)."""
    ports = [int(p) for p in management_ports]
    if not ports:
        return
    for rule in want:
        if rule["Direction"] != "Inbound" or rule["Protocol"] not in ("TCP", "Any"):
            continue
        if rule["Protocol"] == "Any" or "Any" in rule["LocalPort"]:
            return
        for port in rule["LocalPort"]:
            low, _sep, high = port.partition("-")
            if any(int(low) <= p <= int(high or low) for p in ports):
                return
    raise WindowsRuleError(f"refusing to apply: no inbound rule allows management access (TCP "
                           f"{', '.join(map(str, ports))}); the plan would lock the host out")


def diff_text(rules: list) -> str:
    lines = []
    for rule in sorted(rules, key=lambda r: r["Name"]):
        lines.append(f"{rule['Name']}: {rule['Direction']} {rule['Protocol']} ports {','.join(rule['LocalPort'])} "
                     f"from {','.join(rule['RemoteAddress'])} {'enabled' if rule['Enabled'] else 'disabled'}")
    return "\n".join(lines) + ("\n" if lines else "")


# ---- renderers ------------------------------------------------------------------------------

def module_operations(ops: list) -> list:
    """Operations in the PowerShell module's option format (snake_case keys)."""
    out = []
    for op in ops:
        item = {"op": op["op"], "name": op["Name"]}
        if op["op"] in ("add", "set"):
            item.update({
                "display_name": op["DisplayName"], "direction": op["Direction"], "protocol": op["Protocol"],
                "local_port": op["LocalPort"], "remote_address": op["RemoteAddress"], "action": op["Action"],
                "enabled": op["Enabled"], "profile": op["Profile"], "description": op["Description"],
            })
        out.append(item)
    return out


def community_params(want: list) -> list:
    """Parameter sets for community.windows.win_firewall_rule, one per rule (fallback provider).

    That module identifies rules by display name (``name``) and cannot purge.
    """
    out = []
    for rule in want:
        params = {
            "name": rule["DisplayName"],
            "group": rule["Group"],
            "description": rule["Description"],
            "direction": "in" if rule["Direction"] == "Inbound" else "out",
            "action": "allow",
            "protocol": rule["Protocol"].lower(),
            "remoteip": ",".join(rule["RemoteAddress"]).replace("Any", "any"),
            "profiles": ["domain", "private", "public"],
            "enabled": True,
            "state": "present",
        }
        if rule["Protocol"] != "Any":
            params["localport"] = ",".join(rule["LocalPort"])
        out.append(params)
    return out


def ps_quote(text) -> str:
    """``text`` as a PowerShell single-quoted (verbatim) string literal.

    Inside a verbatim string PowerShell expands nothing ($, backtick, #, ;, line breaks are plain
    characters); the only special characters are the single quotes. Its tokenizer reads five of
    them (SINGLE_QUOTES) and ends the string at one that is not followed by another; two in a row,
    of any of the five, stand for the second one (Tokenizer.ScanStringLiteral: "Check for 2 quotes
    in a row. If so, the first is the 'escape' and append the second quote"). Doubling every one of
    the five therefore keeps the value exact: U+2019 becomes U+2019 U+2019, which PowerShell reads
    back as one U+2019. Doubling only the ASCII apostrophe (as about_Quoting_Rules shows) would let a
    U+2019 in the value end the string early. NUL is refused: PowerShell's tokenizer uses it as its
    end-of-input mark.
    """
    if "\x00" in str(text):
        raise WindowsRuleError(f"a NUL character cannot be written into a PowerShell script: {str(text)!r}")
    return "'" + "".join(c + c if c in SINGLE_QUOTES else c for c in str(text)) + "'"


def _ps_list(items) -> str:
    return "@(" + ", ".join(ps_quote(i) for i in items) + ")"


OBJECTS_FILE = "address-objects.json"


def address_objects_json(objects: dict) -> str:
    """The address objects the host scripts share ({name: RemoteAddress values}), as JSON data.

    A data file, not a script: the host scripts read it with ConvertFrom-Json, so nothing in it can
    run. Each address list is written once, however many hosts use it.
    """
    return json.dumps({name: list(objects[name]) for name in sorted(objects)}, indent=1) + "\n"


def _rule_arguments(rule: dict, objects=None) -> str:
    """The rule's properties as NetSecurity parameters shared by New- and Set-NetFirewallRule.

    Direction, Action, Protocol, Profile and Enabled are fixed words chosen by desired(); every
    other value is a quoted literal, or a named address object of the shared objects file.
    """
    args = [f"-Direction {rule['Direction']}", f"-Action {rule['Action']}", f"-Protocol {rule['Protocol']}"]
    if rule["Protocol"] != "Any":
        args.append(f"-LocalPort {_ps_list(rule['LocalPort'])}")
    name = (objects or {}).get(rule["Name"])
    remote = f"$addressObjects.{ps_quote(name)}" if name else _ps_list(rule["RemoteAddress"])
    args += [f"-RemoteAddress {remote}", "-Profile Any",
             f"-Enabled {'True' if rule['Enabled'] else 'False'}", f"-Description {ps_quote(rule['Description'])}"]
    return " ".join(args)


def powershell_script(host: str, want: list, group: str = DEFAULT_GROUP, purge: bool = True,
                      prefix: str = DEFAULT_PREFIX, objects=None) -> str:
    """A readable script that applies the host's rule set with the NetSecurity cmdlets.

    No inventory text is written outside a quoted literal (the host name is a variable, not a
    comment). An existing rule is changed through the object read by its Name
    (Set-NetFirewallRule -InputObject, renamed with -NewDisplayName: -Name and -DisplayName are
    selectors of different parameter sets). Purge removes only rules of the group whose Name
    starts with the rule prefix.

    With ``objects`` ({rule Name: address object name}), a rule refers to its remote addresses by
    name, in the shared objects file (OBJECTS_FILE, beside the script), instead of repeating them,
    so that the scripts of N hosts grow linearly with N.
    """
    validate_group(group)
    validate_prefix(prefix)
    lines = [
        "# exchange.firewall: the Windows Firewall rule set of the inventory host in $planHost.",
        "# Review, then run in an elevated PowerShell on the host (Windows Server 2012 R2 or later).",
        "# Values from the inventory are single-quoted literals: nothing in them is expanded or run.",
        "#Requires -Modules NetSecurity",
        "$ErrorActionPreference = 'Stop'",
        f"$planHost = {ps_quote(host)}",
        f"$group = {ps_quote(group)}",
        f"$rulePrefix = {ps_quote(prefix + '-')}",
        "",
    ]
    if objects and any(r["Name"] in objects for r in want):
        lines += [
            "# Address objects shared by the scripts of this folder (a JSON data file; run this script as a file).",
            f"$objectsFile = Join-Path -Path $PSScriptRoot -ChildPath {ps_quote(OBJECTS_FILE)}",
            "$addressObjects = Get-Content -LiteralPath $objectsFile -Raw | ConvertFrom-Json",
            "",
        ]
    for rule in want:
        args = _rule_arguments(rule, objects)
        lines += [
            f"$rule = Get-NetFirewallRule -Name {ps_quote(rule['Name'])} -ErrorAction SilentlyContinue",
            "if (-not $rule) {",
            f"    $null = New-NetFirewallRule -Name {ps_quote(rule['Name'])} -DisplayName {ps_quote(rule['DisplayName'])}"
            f" -Group $group {args}",
            "} elseif ($rule.Group -ne $group) {",
            "    throw ($planHost + ': a rule named ' + $rule.Name + ' exists outside the group ' + $group"
            " + '; refusing to take it over')",
            "} else {",
        ]
        if rule["Protocol"] == "Any":
            # A rule that is already Any has no ports to clear; the next call fails loudly if this
            # one could not clear them.
            lines.append("    # Ports must be Any before the protocol can become Any.")
            lines.append("    Set-NetFirewallRule -InputObject $rule -LocalPort Any -ErrorAction SilentlyContinue")
        lines += [
            f"    Set-NetFirewallRule -InputObject $rule -NewDisplayName {ps_quote(rule['DisplayName'])} {args}",
            "}",
        ]
    if purge:
        lines += [
            "",
            "# Remove rules of the group that left the plan: only those whose Name starts with the rule",
            "# prefix; rules of other groups and rules without the prefix are never touched.",
            f"$keep = {_ps_list(r['Name'] for r in want)}",
            "foreach ($rule in @(Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue)) {",
            "    if ($rule.Group -eq $group -and $rule.Name.StartsWith($rulePrefix, [System.StringComparison]::Ordinal)"
            " -and $keep -notcontains $rule.Name) {",
            "        Remove-NetFirewallRule -InputObject $rule",
            "    }",
            "}",
        ]
    return "\n".join(lines) + "\n"
