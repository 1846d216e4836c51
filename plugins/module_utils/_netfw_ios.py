# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS: cisco.ios.ios_acls and cisco.ios.ios_acl_interfaces arguments from a view. Pure.

Named extended ACLs, one per zone and address family (IOS keeps IPv4 and IPv6 ACLs apart), see
``_netfw_acl``. Sequence numbers step by 10 so that an administrator can read the order.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils import _netfw_acl
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import MAX_NAME, MAX_TEXT, Namer
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import is_host

VENDOR = "cisco.ios"


def _port(port) -> dict:
    low, high = port
    return {"eq": str(low)} if low == high else {"range": {"start": low, "end": high}}


def _side(network, port) -> dict:
    if network is None:
        side = {"any": True}
    elif is_host(network):
        side = {"host": str(network.network_address)}
    elif network.version == 4:
        side = {"address": str(network.network_address), "wildcard_bits": str(network.hostmask)}
    else:
        side = {"address": str(network)}
    if port is not None:
        side["port_protocol"] = _port(port)
    return side


def _ace(entry: dict, sequence: int, version: int) -> dict:
    protocol = entry["protocol"]
    if protocol == "ip" and version == 6:
        protocol = "ipv6"
    ace = {"sequence": sequence, "grant": entry["grant"], "protocol": protocol,
           "source": _side(entry["src"], entry["sport"]), "destination": _side(entry["dst"], entry["dport"])}
    if entry["established"]:
        ace["protocol_options"] = {"tcp": {"established": True}}
    if entry["remark"] and version == 4:
        # cisco.ios renders IPv6 remarks as "<sequence> remark ...", which IPv6 ACL mode does not
        # take, so IPv6 ACLs carry no remarks (the IPv4 ACL of the zone has the same ones).
        ace["remarks"] = [entry["remark"]]
    return ace


def render(view: dict) -> dict:
    """Module arguments (without ``state``) keyed by module name."""
    namer = Namer(view["prefix"], MAX_NAME["ios"], view["name"])
    acls = _netfw_acl.zone_acls(view, VENDOR, namer, MAX_TEXT["ios"])
    config = []
    for afi in ("ipv4", "ipv6"):
        items = []
        for acl in (a for a in acls if a["afi"] == afi):
            item = {"name": acl["name"],
                    "aces": [_ace(e, 10 * (i + 1), acl["version"]) for i, e in enumerate(acl["entries"])]}
            if afi == "ipv4":
                item["acl_type"] = "extended"
            items.append(item)
        config.append({"afi": afi, "acls": items})
    return {
        "cisco.ios.ios_acls": {"config": config},
        "cisco.ios.ios_acl_interfaces": {"config": _netfw_acl.bindings(acls)},
    }
