# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan rules -> the entries of the collection-owned firewalld zone, and want-vs-have. Pure.

The zone holds three kinds of entries:

* ``sources``: the addresses whose inbound traffic the zone governs. ``all`` binds 0.0.0.0/0 and
  ::/0, so the plan is the host's whole inbound policy; ``planned`` binds only the plan's remote
  addresses, and other sources keep the zone of their interface.
* ``ports``: ``"443/tcp"`` for rules open to any address of both families.
* ``rich_rules``: one per (address, port range) for source-scoped rules, in firewalld's canonical
  text form, so what is read back compares equal to what was written.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.exchange.firewall.plugins.module_utils._ports import address_text, port_text

ANY = {"0.0.0.0/0", "::/0"}
OWNER_SHORT = "exchange.firewall"
OWNER_DESCRIPTION = ("Managed by the exchange.firewall Ansible collection: every entry of this zone is "
                     "owned by it and may be replaced on the next run.")
ENTRY_KINDS = ("sources", "ports", "rich_rules")


class RulesetError(ValueError):
    """Bad rule set or unsafe change; the message says which rule or why."""


def _network(text: str, rule: str) -> ipaddress._BaseNetwork:
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        raise RulesetError(f"rule '{rule}': invalid remote address {text!r}") from None


def _port_text(port: str, rule: str) -> str:
    try:
        return port_text(port)
    except ValueError as exc:
        raise RulesetError(f"rule '{rule}': {exc}") from None


def rich_rule(family: str, address: str, port: str | None, protocol: str | None) -> str:
    """Canonical firewalld rich rule text (the form firewalld's Rich_Rule prints)."""
    text = f'rule family="{family}" source address="{address}"'
    if port is not None:
        text += f' port port="{port}" protocol="{protocol}"'
    return text + " accept"


def desired(rules: list, bind_sources: str = "all") -> dict:
    """Entries the zone must hold for these plan rules (inbound rules only)."""
    ports, rich, sources = set(), set(), set()
    skipped = []
    for rule in rules:
        name = rule.get("name", "?")
        if rule.get("direction", "in") != "in":
            skipped.append(name)
            continue
        if rule.get("action", "allow") != "allow":
            raise RulesetError(f"rule '{name}': only 'allow' rules are supported")
        protocol = rule.get("protocol")
        if protocol not in ("tcp", "udp", "any"):
            raise RulesetError(f"rule '{name}': protocol must be tcp, udp or any, got {protocol!r}")
        local_ports = [_port_text(p, name) for p in rule.get("local_ports") or []]
        if protocol != "any" and not local_ports:
            raise RulesetError(f"rule '{name}': a {protocol} rule needs local ports")
        if protocol == "any" and local_ports:
            raise RulesetError(f"rule '{name}': a rule for any protocol cannot have local ports")
        remotes = rule.get("remote_addresses") or []
        if not remotes:
            raise RulesetError(f"rule '{name}': no remote addresses")
        nets = sorted({_network(a, name) for a in remotes}, key=lambda n: (n.version, n))
        texts = {address_text(n) for n in nets}
        if protocol != "any" and ANY <= texts:
            ports.update(f"{p}/{protocol}" for p in local_ports)
            nets = [n for n in nets if n.prefixlen != 0]
        for net in nets:
            family = "ipv4" if net.version == 4 else "ipv6"
            address = address_text(net)
            sources.add(address)
            if protocol == "any":
                rich.add(rich_rule(family, address, None, None))
            else:
                rich.update(rich_rule(family, address, p, protocol) for p in local_ports)
    if bind_sources == "all" or ports:
        sources = set(ANY) if bind_sources == "all" else sources | ANY
    return {"sources": sources, "ports": ports, "rich_rules": rich, "skipped": sorted(skipped)}


def entries(settings: dict, canonical=None) -> dict:
    """Entries of a firewalld zone settings dict (as getSettingsDict() returns it)."""
    canon = canonical or (lambda text: text)
    return {
        "sources": set(settings.get("sources") or []),
        "ports": {f"{port}/{proto}" for port, proto in settings.get("ports") or []},
        "rich_rules": {canon(r) for r in settings.get("rules_str") or []},
    }


def merge(want: dict, have: dict, purge: bool) -> dict:
    """What the zone should hold: the plan, plus what is there already unless purging."""
    return {k: set(want[k]) | (set() if purge else set(have.get(k, ()))) for k in ENTRY_KINDS}


def difference(new: dict, have: dict) -> dict:
    return {
        "added": {k: sorted(new[k] - have.get(k, set())) for k in ENTRY_KINDS},
        "removed": {k: sorted(have.get(k, set()) - new[k]) for k in ENTRY_KINDS},
    }


def is_empty(diff: dict) -> bool:
    return not any(diff["added"][k] or diff["removed"][k] for k in ENTRY_KINDS)


def as_text(entry_set: dict) -> str:
    lines = []
    for kind in ENTRY_KINDS:
        for item in sorted(entry_set.get(kind, ())):
            lines.append(f"{kind[:-1] if kind != 'rich_rules' else 'rich rule'}: {item}")
    return "\n".join(lines) + ("\n" if lines else "")


def settings_from(entry_set: dict, base: dict | None = None) -> dict:
    """A zone settings dict (getSettingsDict() shape) holding exactly these entries."""
    settings = dict(base or {})
    settings.update({
        "short": OWNER_SHORT,
        "description": OWNER_DESCRIPTION,
        "target": "default",
        "sources": sorted(entry_set["sources"]),
        "ports": [tuple(p.split("/", 1)) for p in sorted(entry_set["ports"])],
        "rules_str": sorted(entry_set["rich_rules"]),
    })
    return settings


def _allows(entry_set: dict, address, port: int) -> bool:
    for item in entry_set["ports"]:
        number, proto = item.split("/", 1)
        low, _sep, high = number.partition("-")
        if proto == "tcp" and int(low) <= port <= int(high or low):
            if address is None or any(address in ipaddress.ip_network(s) for s in entry_set["sources"]):
                return True
    for rule in entry_set["rich_rules"]:
        parts = dict(chunk.split("=", 1) for chunk in rule.replace('"', "").split() if "=" in chunk)
        if parts.get("protocol", "tcp") != "tcp" and "protocol" in parts:
            continue
        if "port" in parts:
            low, _sep, high = parts["port"].partition("-")
            if not int(low) <= port <= int(high or low):
                continue
        if address is None or address in ipaddress.ip_network(parts["address"]):
            return True
    return False


def check_management(entry_set: dict, management_ports: list, client: str | None, client_port: int | None):
    """Refuse a rule set that would remove management access (or the caller's own connection)."""
    ports = [int(p) for p in management_ports]
    if ports and not any(_allows(entry_set, None, p) for p in ports):
        raise RulesetError(
            f"refusing to apply: no rule allows management access (TCP {', '.join(map(str, ports))}); "
            "the plan would lock the host out")
    if client and client_port:
        address = ipaddress.ip_address(client.split("%", 1)[0])
        if not _allows(entry_set, address, client_port):
            raise RulesetError(
                f"refusing to apply: this connection (from {client} to TCP {client_port}) is not allowed by "
                "the new rule set; add its address to the management network")
