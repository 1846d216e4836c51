# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fortinet FortiOS: parameters for the fortinet.fortios firewall modules from a view. Pure.

FortiOS keeps IPv4 and IPv6 apart: every network becomes a ``firewall address`` or
``firewall address6`` entry, every address object an ``addrgrp`` (its IPv4 part) and/or an
``addrgrp6`` (its IPv6 part). TCP/UDP services become ``firewall service custom`` entries; ``any``
is FortiOS's predefined ``ALL``. A policy carries both families (FortiOS 6.4+ consolidated
policies) for the families its source and destination share. The view has no policy ids, and
FortiOS needs one: it is ``policyid_base`` plus a number from the SHA-256 of the policy name, so
it stays the same when other policies come and go. FortiOS matches policies in list order, not by
id, and appends new ones at the end; the README tells the administrator to move the block.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import (
    MAX_NAME,
    MAX_POLICY_NAME,
    MAX_TEXT,
    Namer,
    digest,
)
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import (
    NetworkViewError,
    clean_text,
    of_family,
    require_interfaces,
)

MODULE = "fortinet.fortios.fortios_firewall_"
POLICYID_BASE = 1_000_000_000
POLICYID_SPAN = 1 << 24


def _objects(view: dict, namer: Namer) -> tuple:
    out = {k: [] for k in ("address", "address6", "addrgrp", "addrgrp6")}
    groups = {}
    objects = dict(view["address_objects"])
    if view["default_action"] == "protect" and view["protected"]:
        objects[None] = {"addresses": view["protected"], "description": "exchange.firewall: protected hosts"}
    for name, obj in sorted(objects.items(), key=lambda item: (item[0] is None, item[0] or "")):
        comment = clean_text(obj["description"], MAX_TEXT["fortios"])
        base = ("object", name) if name else ("group", "protected")
        members = {4: [], 6: []}
        for index, network in enumerate(obj["addresses"], start=1):
            entry = {"name": namer(base[0] + "-entry", base[1], str(index)), "comment": comment}
            if network.version == 4:
                entry.update(type="ipmask", subnet=f"{network.network_address} {network.netmask}")
                out["address"].append(entry)
            else:
                entry.update(type="ipprefix", ip6=str(network))
                out["address6"].append(entry)
            members[network.version].append({"name": entry["name"]})
        for version, table, parts in ((4, "addrgrp", (base[1],)), (6, "addrgrp6", (base[1], "v6"))):
            if members[version]:
                group = {"name": namer(f"{base[0]}{version}", *parts), "member": members[version], "comment": comment}
                out[table].append(group)
                groups[(name, version)] = group["name"]
    return out, groups


def _services(view: dict, namer: Namer) -> tuple:
    out, names = [], {}
    for name, svc in view["services"].items():
        if svc["protocol"] == "any":
            names[name] = "ALL"
            continue
        ranges = " ".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in svc["ports"])
        names[name] = namer("service", name)
        out.append({"name": names[name], "protocol": "TCP/UDP/SCTP", f"{svc['protocol']}_portrange": ranges,
                    "comment": "exchange.firewall"})
    return out, names


def _policy(name: str, src_if: list, dst_if: list, addresses: dict, services: list, action: str, comment: str) -> dict:
    policy = {"name": name, "srcintf": [{"name": i} for i in src_if], "dstintf": [{"name": i} for i in dst_if]}
    for key, values in sorted(addresses.items()):
        if values:
            policy[key] = [{"name": v} for v in values]
    policy.update(service=[{"name": s} for s in services], action=action, schedule="always", status="enable",
                  logtraffic="all", comments=comment)
    return policy


def _policies(view: dict, namer: Namer, groups: dict, services: dict) -> list:
    zones = view["zones"]
    out = []
    for p in view["policies"]:
        addresses = {}
        for version, suffix in ((4, ""), (6, "6")):
            if of_family(p["source_addresses"], version) and of_family(p["destination_addresses"], version):
                addresses["srcaddr" + suffix] = sorted(groups[(o, version)] for o in p["source"] if (o, version) in groups)
                addresses["dstaddr" + suffix] = sorted(groups[(o, version)] for o in p["destination"]
                                                       if (o, version) in groups)
        svc = sorted({services[s] for s in p["services"]})
        out.append(_policy(namer("policy", p["name"]), zones[p["from_zone"]]["interfaces"],
                           zones[p["to_zone"]]["interfaces"], addresses, ["ALL"] if "ALL" in svc else svc, "accept",
                           clean_text(p["comment"], MAX_TEXT["fortios"])))
    if view["default_action"] == "protect" and view["protected"]:
        for zone in sorted(zones):
            sources = sorted(i for z in zones if z != zone for i in zones[z]["interfaces"])
            if not sources:
                continue
            addresses = {}
            for version, suffix in ((4, ""), (6, "6")):
                if (None, version) in groups:
                    addresses["srcaddr" + suffix] = ["all"]
                    addresses["dstaddr" + suffix] = [groups[(None, version)]]
            out.append(_policy(namer("policy", "protect", zone), sources, zones[zone]["interfaces"], addresses,
                               ["ALL"], "deny", "exchange.firewall: deny other traffic to protected hosts"))
    return out


def _number(policies: list, base: int, firewall: str) -> None:
    if not 1 <= base <= 4294967294 - POLICYID_SPAN:
        raise NetworkViewError(f"firewall '{firewall}': policyid_base {base} is out of range")
    taken = set()
    for policy in sorted(policies, key=lambda p: p["name"]):
        number = int(digest(policy["name"]), 16) % POLICYID_SPAN
        while number in taken:
            number = (number + 1) % POLICYID_SPAN
        taken.add(number)
        policy["policyid"] = base + number


def render(view: dict, policyid_base: int = POLICYID_BASE) -> dict:
    """Parameter dicts (the module's object option, e.g. ``firewall_address``) per module, in order."""
    require_interfaces(view, "fortinet.fortios")
    addresses = Namer(view["prefix"], MAX_NAME["fortios"], view["name"])
    objects, groups = _objects(view, addresses)
    services, service_names = _services(view, Namer(view["prefix"], MAX_NAME["fortios"], view["name"]))
    policies = _policies(view, Namer(view["prefix"], MAX_POLICY_NAME["fortios"], view["name"]), groups, service_names)
    _number(policies, int(policyid_base), view["name"])
    out = {MODULE + table: items for table, items in objects.items()}
    out[MODULE + "service_custom"] = services
    out[MODULE + "policy"] = policies
    return out
