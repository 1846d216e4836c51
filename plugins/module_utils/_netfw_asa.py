# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco ASA: cisco.asa.asa_ogs, cisco.asa.asa_acls and access-group lines from a view. Pure.

The ASA is stateful, so only the initiating direction is rendered. Each address object becomes a
network object-group (IPv4 and IPv6 together, as ASA 9 allows), each TCP/UDP service a service
object-group, and each zone one extended ACL bound inbound to the zone's interfaces with
``access-group`` (no resource module binds ACLs, so these are text lines for
``cisco.asa.asa_config``). ASA object-groups and ACLs share one namespace, hence one ``Namer``.

Note for ``protect``: the final ``permit ip any any`` also replaces the security-level default
(lower to higher level denied) on the bound interfaces; the README says so.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import MAX_NAME, MAX_TEXT, Namer
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import (
    clean_text,
    is_host,
    require_interfaces,
)

VENDOR = "cisco.asa"


def _network_object(networks) -> dict:
    hosts = [str(n.network_address) for n in networks if is_host(n)]
    v4 = [f"{n.network_address} {n.netmask}" for n in networks if n.version == 4 and not is_host(n)]
    v6 = [str(n) for n in networks if n.version == 6 and not is_host(n)]
    out = {}
    for key, values in (("host", hosts), ("address", v4), ("ipv6_address", v6)):
        if values:
            out[key] = values
    return out


def _port_object(port) -> dict:
    low, high = port
    return {"eq": str(low)} if low == high else {"range": {"start": str(low), "end": str(high)}}


def _groups(view: dict, namer: Namer) -> tuple:
    network, service = [], []
    for name, obj in view["address_objects"].items():
        group = {"name": namer("object", name), "network_object": _network_object(obj["addresses"])}
        if obj["description"]:
            group["description"] = clean_text(obj["description"], MAX_TEXT["asa"])
        network.append(group)
    if view["default_action"] == "protect" and view["protected"]:
        network.append({"name": namer("group", "protected"), "description": "exchange.firewall: protected hosts",
                        "network_object": _network_object(view["protected"])})
    for name, svc in view["services"].items():
        if svc["protocol"] != "any":
            service.append({"name": namer("service", name), "protocol": svc["protocol"],
                            "port_object": [_port_object(p) for p in svc["ports"]]})
    config = [{"object_type": "network", "object_groups": sorted(network, key=lambda g: g["name"])}]
    if service:
        config.append({"object_type": "service", "object_groups": sorted(service, key=lambda g: g["name"])})
    return config


def _ace(grant: str, protocol: str, source: dict, destination: dict) -> dict:
    return {"grant": grant, "protocol": protocol, "protocol_options": {protocol: True},
            "source": source, "destination": destination}


def _zone_aces(view: dict, zone: str, namer: Namer) -> list:
    aces = []
    for policy in (p for p in view["policies"] if p["from_zone"] == zone):
        aces.append({"remark": clean_text(f"{policy['name']} {policy['comment']}", MAX_TEXT["asa"])})
        for service_name in policy["services"]:
            svc = view["services"][service_name]
            for src in policy["source"]:
                for dst in policy["destination"]:
                    destination = {"object_group": namer("object", dst)}
                    if svc["protocol"] != "any":
                        destination["service_object_group"] = namer("service", service_name)
                    protocol = svc["protocol"] if svc["protocol"] != "any" else "ip"
                    aces.append(_ace("permit", protocol, {"object_group": namer("object", src)}, destination))
    if view["default_action"] == "protect":
        if view["protected"]:
            aces.append({"remark": clean_text(f"{view['prefix']}: deny other traffic to protected hosts", 100)})
            aces.append(_ace("deny", "ip", {"any": True}, {"object_group": namer("group", "protected")}))
        aces.append(_ace("permit", "ip", {"any": True}, {"any": True}))
    elif not aces:
        aces.append(_ace("deny", "ip", {"any": True}, {"any": True}))
    for line, ace in enumerate(aces, start=1):
        ace["line"] = line
    return aces


def render(view: dict) -> dict:
    """Module arguments (without ``state``) keyed by module name; access-group lines as text."""
    require_interfaces(view, VENDOR)
    namer = Namer(view["prefix"], MAX_NAME["asa"], view["name"])
    groups = _groups(view, namer)
    acls, lines = [], []
    for zone in sorted(view["zones"]):
        name = namer("acl", zone, "in")
        acls.append({"name": name, "acl_type": "extended", "aces": _zone_aces(view, zone, namer)})
        lines.extend(f"access-group {name} in interface {i}" for i in view["zones"][zone]["interfaces"])
    return {
        "cisco.asa.asa_ogs": {"config": groups},
        "cisco.asa.asa_acls": {"config": {"acls": acls}},
        "cisco.asa.asa_config": {"lines": sorted(lines, key=lambda line: line.rsplit(" ", 1)[1])},
    }
