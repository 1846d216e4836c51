# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network firewall's zones, read from its inventory variables and validated. Pure.

    exchange_firewall_zones:
      <zone>:                         lowercase name
        networks: [clients]           named networks (exchange_firewall_networks, 'internet')
        cidrs: [172.16.50.0/24]       address ranges
        groups: [exchange_mailbox]    inventory groups: their hosts' (internal) addresses
        hosts: [relay01]              inventory hosts: their (internal) addresses
        interfaces: [inside]          the interface(s) the zone sits behind (ACL vendors, nftables)
        vrf: null                     the VRF, where the vendor needs one

An address belongs to the zone that declares the most specific range holding it, as routing
would decide; the same range (or address) declared in two zones is an error. A host's external
addresses (``exchange_firewall_external_addresses``, the Edge's Internet-facing NIC) are never
pulled into a zone by the host or its group: they land in the zone whose ranges hold them.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils._inputs import (
    VAR,
    Collector,
    PlanError,
    address,
    network,
    to_dict,
    to_list,
    to_str,
)

ZONE_KEYS = ("networks", "cidrs", "groups", "hosts", "interfaces", "vrf")
_ZONE_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_INTERFACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
# ansible_network_os -> provider (the role task file provider_network_<provider>.yml).
NETWORK_OS = {
    "cisco.ios.ios": "ios", "ios": "ios",
    "arista.eos.eos": "eos", "eos": "eos",
    "cisco.asa.asa": "asa", "asa": "asa",
    "junipernetworks.junos.junos": "junos", "junos": "junos",
    "fortinet.fortios.fortios": "fortios", "fortios": "fortios",
    "paloaltonetworks.panos.panos": "panos", "panos": "panos",
}
PROVIDERS = ("ios", "eos", "asa", "junos", "fortios", "panos", "nftables")
DEFAULT_ACTIONS = ("protect", "deny")


def _var(key: str) -> str:
    return VAR + key


def firewall(name: str, hvars: dict, groups: dict, hostvars: dict, hosts: dict, networks: dict) -> dict:
    """The validated zone model of network firewall ``name``."""
    where = f"host '{name}'"
    errors = Collector()
    raw = hvars.get(_var("zones"))
    if raw is None:
        raise PlanError(where, _var("zones"), "a network firewall needs its zones (zone name -> networks, cidrs, "
                        "groups and/or hosts, and the interfaces behind which each zone sits)")
    raw = to_dict(raw, where, _var("zones"))
    if not raw:
        raise PlanError(where, _var("zones"), "declares no zone")
    zones = {}
    for zone in sorted(raw, key=str):
        spec = errors.run(_zone, name, zone, raw[zone], groups, hostvars, hosts, networks)
        if spec is not None:
            zones[zone] = spec
    errors.check()
    seen = {}
    for zone, spec in zones.items():
        for net in spec["declared"]:
            if net in seen and seen[net] != zone:
                errors.errors.append(PlanError(where, f"{_var('zones')}.{zone}", f"{net} is also in zone "
                                               f"'{seen[net]}'; an address or network belongs to one zone"))
            seen.setdefault(net, zone)
    errors.check()
    return {"name": name, "zones": zones, **_provider(name, hvars),
            "default_action": _default_action(name, hvars)}


def _zone(fw, zone, spec, groups, hostvars, hosts, networks) -> dict:
    where = f"host '{fw}'"
    var = f"{_var('zones')}.{zone}"
    if not isinstance(zone, str) or not _ZONE_RE.match(zone):
        raise PlanError(where, _var("zones"), f"zone name {zone!r}: use 1-31 lowercase letters, digits and "
                        "underscores, starting with a letter")
    spec = to_dict(spec if spec is not None else {}, where, var)
    unknown = sorted(set(spec) - set(ZONE_KEYS))
    if unknown:
        raise PlanError(where, f"{var}.{unknown[0]}", f"unknown key (use {', '.join(ZONE_KEYS)})")
    declared, members = [], []
    for name in to_list(spec.get("networks") or [], where, f"{var}.networks", allow_scalar=True):
        if name not in networks:
            raise PlanError(where, f"{var}.networks", f"unknown network {name!r} (declare it in "
                            "exchange_firewall_networks)")
        declared.extend(networks[name])
    for cidr in to_list(spec.get("cidrs") or [], where, f"{var}.cidrs", allow_scalar=True):
        declared.append(network(cidr, where, f"{var}.cidrs"))
    names = []
    for group in to_list(spec.get("groups") or [], where, f"{var}.groups", allow_scalar=True):
        if not isinstance(group, str) or group not in groups:
            raise PlanError(where, f"{var}.groups", f"group {group!r} is not in the inventory")
        names.extend(groups[group])
    for host in to_list(spec.get("hosts") or [], where, f"{var}.hosts", allow_scalar=True):
        if not isinstance(host, str) or host not in hostvars:
            raise PlanError(where, f"{var}.hosts", f"host {host!r} is not in the inventory")
        names.append(host)
    for host in sorted(set(names)):
        if host == fw:
            continue
        members.append(host)
        for addr in _internal_addresses(host, hostvars, hosts, where, var):
            declared.append(ipaddress.ip_network(addr))
    interfaces = [to_str(i, where, f"{var}.interfaces") for i in
                  to_list(spec.get("interfaces") or [], where, f"{var}.interfaces", allow_scalar=True)]
    bad = [i for i in interfaces if not _INTERFACE_RE.match(i)]
    if bad:
        raise PlanError(where, f"{var}.interfaces", f"invalid interface name {bad[0]!r}")
    vrf = spec.get("vrf")
    if vrf is not None:
        vrf = to_str(vrf, where, f"{var}.vrf")
        if not _INTERFACE_RE.match(vrf):
            raise PlanError(where, f"{var}.vrf", f"invalid VRF name {vrf!r}")
    if not declared:
        raise PlanError(where, var, "the zone is empty: give it networks, cidrs, groups or hosts")
    unique = sorted(set(declared), key=lambda n: (n.version, n.network_address, n.prefixlen))
    return {"interfaces": interfaces, "vrf": vrf, "declared": unique, "members": members}


def _internal_addresses(host, hostvars, hosts, where, var) -> list:
    if host in hosts:
        return hosts[host]["addresses"]
    hvars = hostvars.get(host, {})
    raw = hvars.get(_var("addresses"), hvars.get("ansible_host"))
    if raw is None:
        raise PlanError(where, var, f"host {host!r} has no address (exchange_firewall_addresses or ansible_host)")
    items = raw if isinstance(raw, list) else [raw]
    return [address(item, f"host '{host}'", _var("addresses")) for item in items]


def _provider(name: str, hvars: dict) -> dict:
    where = f"host '{name}'"
    network_os = hvars.get("ansible_network_os")
    chosen = hvars.get(_var("provider"))
    if chosen is not None:
        chosen = to_str(chosen, where, _var("provider"))
        if chosen not in PROVIDERS:
            raise PlanError(where, _var("provider"), f"unknown network-firewall provider {chosen!r} "
                            f"(one of {', '.join(PROVIDERS)})")
        return {"provider": chosen, "network_os": network_os}
    provider = NETWORK_OS.get(str(network_os).lower()) if network_os is not None else None
    return {"provider": provider, "network_os": network_os}


def _default_action(name: str, hvars: dict) -> str:
    value = hvars.get(_var("network_default_action"), "protect")
    if value not in DEFAULT_ACTIONS:
        raise PlanError(f"host '{name}'", _var("network_default_action"),
                        f"must be one of {', '.join(DEFAULT_ACTIONS)}, got {value!r}")
    return value
