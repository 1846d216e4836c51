# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS: arista.eos.eos_acls and arista.eos.eos_acl_interfaces arguments from a view. Pure.

The same ACLs as for IOS (``_netfw_acl``). EOS writes a remark as an entry of its own, so a
policy's remark takes the sequence number just before its first entry.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils import _netfw_acl
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import MAX_NAME, MAX_TEXT, Namer
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import is_host

VENDOR = "arista.eos"


def _side(network, port) -> dict:
    if network is None:
        side = {"any": True}
    elif is_host(network):
        side = {"host": str(network.network_address)}
    else:
        side = {"subnet_address": str(network)}
    if port is not None:
        low, high = port
        side["port_protocol"] = {"eq": str(low)} if low == high else {"range": f"{low} {high}"}
    return side


def _aces(entries: list, version: int) -> list:
    aces, sequence = [], 0
    for entry in entries:
        if entry["remark"]:
            sequence += 10
            aces.append({"sequence": sequence, "remark": entry["remark"]})
        sequence += 10
        protocol = "ipv6" if entry["protocol"] == "ip" and version == 6 else entry["protocol"]
        ace = {"sequence": sequence, "grant": entry["grant"], "protocol": protocol,
               "source": _side(entry["src"], entry["sport"]), "destination": _side(entry["dst"], entry["dport"])}
        if entry["established"]:
            ace["protocol_options"] = {"tcp": {"flags": {"established": True}}}
        aces.append(ace)
    return aces


def render(view: dict) -> dict:
    """Module arguments (without ``state``) keyed by module name."""
    namer = Namer(view["prefix"], MAX_NAME["eos"], view["name"])
    acls = _netfw_acl.zone_acls(view, VENDOR, namer, MAX_TEXT["eos"])
    config = [{"afi": afi, "acls": [{"name": a["name"], "aces": _aces(a["entries"], a["version"])}
                                    for a in acls if a["afi"] == afi]}
              for afi in ("ipv4", "ipv6")]
    return {
        "arista.eos.eos_acls": {"config": config},
        "arista.eos.eos_acl_interfaces": {"config": _netfw_acl.bindings(acls)},
    }
