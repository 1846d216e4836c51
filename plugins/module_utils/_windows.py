# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall: plan rules -> NetSecurity rules, want-vs-have reconcile, renderers. Pure.

Every decision of the Windows applier is made here, in Python, so that it is tested on any
machine: the PowerShell module only reads the rule group and executes the operations it is given.

A rule is identified by its ``Name`` (the unique InstanceID of New-NetFirewallRule), which is the
plan's rule name. Windows allows several rules with the same *display* name: copies of our rules
inside our group (same display name, another Name) are duplicates and are removed.
"""

from __future__ import annotations

import fnmatch
import ipaddress

from ansible_collections.exchange.firewall.plugins.module_utils._ports import address_text, port_text

DEFAULT_GROUP = "exchange.firewall"
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
    return sorted(ports, key=lambda p: (p == "Any", int(p.split("-")[0]) if p != "Any" else 0, p))


def _sort_addresses(addresses):
    def key(a):
        if a == "Any":
            return (0, 0, "")
        net = ipaddress.ip_network(a, strict=False)
        return (net.version, int(net.network_address), a)
    return sorted(set(addresses), key=key)


def desired(rules: list, group: str = DEFAULT_GROUP) -> list:
    """The NetSecurity rules for a host's plan rules, sorted by Name."""
    out = []
    for rule in rules:
        name = rule.get("name")
        if not name:
            raise WindowsRuleError("every rule needs a name")
        if rule.get("action", "allow") != "allow":
            raise WindowsRuleError(f"rule '{name}': only 'allow' rules are supported")
        protocol = {"tcp": "TCP", "udp": "UDP", "any": "Any"}.get(rule.get("protocol"))
        if protocol is None:
            raise WindowsRuleError(f"rule '{name}': protocol must be tcp, udp or any, got {rule.get('protocol')!r}")
        ports = [_port(p, name) for p in rule.get("local_ports") or []]
        if protocol != "Any" and not ports:
            raise WindowsRuleError(f"rule '{name}': a {protocol} rule needs local ports")
        remotes = [str(a) for a in rule.get("remote_addresses") or []]
        if not remotes:
            raise WindowsRuleError(f"rule '{name}': no remote addresses")
        if ANY_PAIR <= set(remotes):
            addresses = ["Any"]
        else:
            addresses = _sort_addresses(_address(a, name) for a in remotes)
        flows = ", ".join(rule.get("flow_ids") or [])
        sources = ", ".join(c.get("id", c.get("title", "")) for c in rule.get("citations") or [])
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


def reconcile(current: list, want: list, group: str = DEFAULT_GROUP, purge: bool = True) -> dict:
    """Operations that turn ``current`` (rules read from the host) into ``want``.

    Only rules of ``group`` are ever changed or removed. A rule of another group that already
    uses one of our Names is a conflict, not something to take over.
    """
    have = [normalise(r) for r in current]
    ours = [r for r in have if r["Group"] == group]
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
    return {"operations": ops, "changed": bool(ops)}


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


def _ps_quote(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ps_list(items) -> str:
    return "@(" + ", ".join(_ps_quote(i) for i in items) + ")"


def powershell_script(host: str, want: list, group: str = DEFAULT_GROUP, purge: bool = True) -> str:
    """A readable script that applies the host's rule set with the NetSecurity cmdlets."""
    lines = [
        f"# exchange.firewall: Windows Firewall rules for {host}",
        "# Review, then run in an elevated PowerShell on the host (Windows Server 2012 R2 or later).",
        "#Requires -Modules NetSecurity",
        "$ErrorActionPreference = 'Stop'",
        f"$group = {_ps_quote(group)}",
        "",
    ]
    for rule in want:
        common = [f"-DisplayName {_ps_quote(rule['DisplayName'])}", f"-Direction {rule['Direction']}",
                  f"-Action {rule['Action']}", f"-Protocol {rule['Protocol']}",
                  f"-RemoteAddress {_ps_list(rule['RemoteAddress'])}", "-Profile Any", "-Enabled True",
                  f"-Description {_ps_quote(rule['Description'])}"]
        if rule["Protocol"] != "Any":
            common.append(f"-LocalPort {_ps_list(rule['LocalPort'])}")
        args = " ".join(common)
        lines += [
            f"if (Get-NetFirewallRule -Name {_ps_quote(rule['Name'])} -ErrorAction SilentlyContinue) {{",
            f"    Set-NetFirewallRule -Name {_ps_quote(rule['Name'])} {args}",
            "} else {",
            f"    New-NetFirewallRule -Name {_ps_quote(rule['Name'])} -Group $group {args} | Out-Null",
            "}",
        ]
    if purge:
        lines += [
            "",
            "# Remove rules of the group that are not in the plan (never touches other groups).",
            f"$keep = {_ps_list(r['Name'] for r in want)}",
            "Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue |",
            "    Where-Object { $keep -notcontains $_.Name } | Remove-NetFirewallRule",
        ]
    return "\n".join(lines) + "\n"
