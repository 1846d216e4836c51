# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network firewalls: validate a firewall view and normalise it for the vendor renderers. Pure.

A *firewall view* is the plain dict the engine computes for one network firewall (zones with
their interfaces, address objects, services, the protected addresses and the allow policies).
``load()`` checks every reference and every name, parses addresses and ports, and returns a
normalised copy (sorted, deduplicated, ``ipaddress`` networks, ``(low, high)`` port ranges) that
all renderers share. Everything that comes from the inventory is untrusted: names must match a
strict pattern and free text goes through ``clean_text()`` before it reaches any device text.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

VIEW_NAME = re.compile(r"^[a-z0-9_.-]{1,63}$")
PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,15}$")
INTERFACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._:-]{0,63}$")
VRF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
ACTIONS = ("protect", "deny")
PROTOCOLS = ("tcp", "udp", "any")
# Free text keeps only these characters; everything else becomes "_" (see clean_text).
_TEXT_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:()/@+=\[\]-]")


class NetworkViewError(ValueError):
    """The firewall view is invalid, or cannot be rendered for a vendor."""


def clean_text(text, limit: int) -> str:
    """Free text (descriptions, comments) made safe for any device's command line.

    Control characters, line and paragraph separators become spaces, so no text can start a new
    command line; quotes, ``;``, ``?``, ``!``, ``#``, braces, backslashes and any other
    character outside a small allowlist become ``_``, so no text can close a quoted string,
    separate a command, open a configuration block or ask an IOS CLI for help. Runs of spaces
    collapse, and the result is cut to ``limit`` characters.
    """
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(text))
    text = _TEXT_UNSAFE.sub("_", text)
    return " ".join(text.split())[:limit].strip()


def _fail(view_name: str, message: str):
    raise NetworkViewError(f"firewall '{view_name}': {message}")


def _network(text, where: str, fw: str):
    if not isinstance(text, str):
        _fail(fw, f"{where}: address {text!r} is not a string")
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        _fail(fw, f"{where}: {text!r} is not an IPv4/IPv6 address or network (host bits must be zero)")


def sort_networks(networks) -> list:
    """Deduplicated, IPv4 first, then by address and prefix length."""
    return sorted(set(networks), key=lambda n: (n.version, int(n.network_address), n.prefixlen))


def _port_range(text, where: str, fw: str) -> tuple:
    match = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", str(text).strip())
    if match:
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if 1 <= low <= high <= 65535:
            return (low, high)
    _fail(fw, f"{where}: invalid port {text!r} (expected N or N-M within 1-65535)")


def _names(value, where: str, fw: str) -> list:
    if not isinstance(value, list) or not value:
        _fail(fw, f"{where} must be a non-empty list")
    for item in value:
        if not isinstance(item, str) or not VIEW_NAME.match(item):
            _fail(fw, f"{where}: invalid name {item!r} (allowed: [a-z0-9_.-], at most 63 characters)")
    return list(value)


def _check_name(name, what: str, fw: str) -> str:
    if not isinstance(name, str) or not VIEW_NAME.match(name):
        _fail(fw, f"{what} name {name!r} is invalid (allowed: [a-z0-9_.-], at most 63 characters)")
    return name


def _mapping(view: dict, key: str, fw: str, empty: bool = True) -> dict:
    value = view.get(key) if view.get(key) is not None or not empty else {}
    if not isinstance(value, dict) or (not value and not empty):
        _fail(fw, f"'{key}' must be a {'' if empty else 'non-empty '}mapping")
    return value


def _zones(view: dict, fw: str) -> dict:
    zones, owner = {}, {}
    for name, zone in sorted(_mapping(view, "zones", fw, empty=False).items()):
        _check_name(name, "zone", fw)
        zone = zone if isinstance(zone, dict) else _fail(fw, f"zone '{name}' must be a mapping")
        interfaces = zone.get("interfaces") or []
        if not isinstance(interfaces, list):
            _fail(fw, f"zone '{name}': interfaces must be a list")
        for interface in interfaces:
            if not isinstance(interface, str) or not INTERFACE.match(interface):
                _fail(fw, f"zone '{name}': invalid interface name {interface!r}")
            if interface in owner:
                _fail(fw, f"interface '{interface}' is in zones '{owner[interface]}' and '{name}'")
            owner[interface] = name
        vrf = zone.get("vrf")
        if vrf is not None and (not isinstance(vrf, str) or not VRF.match(vrf)):
            _fail(fw, f"zone '{name}': invalid vrf {vrf!r}")
        addresses = [_network(a, f"zone '{name}'", fw) for a in zone.get("addresses") or []]
        zones[name] = {"interfaces": sorted(interfaces), "vrf": vrf, "addresses": sort_networks(addresses)}
    return zones


def _objects(view: dict, fw: str) -> dict:
    objects = {}
    for name, obj in sorted(_mapping(view, "address_objects", fw).items()):
        _check_name(name, "address object", fw)
        obj = obj if isinstance(obj, dict) else _fail(fw, f"address object '{name}' must be a mapping")
        raw = obj.get("addresses")
        if not isinstance(raw, list) or not raw:
            _fail(fw, f"address object '{name}' has no addresses")
        networks = sort_networks(_network(a, f"address object '{name}'", fw) for a in raw)
        objects[name] = {"addresses": networks, "description": clean_text(obj.get("description") or "", 1000)}
    return objects


def _services(view: dict, fw: str) -> dict:
    services = {}
    for name, svc in sorted(_mapping(view, "services", fw).items()):
        _check_name(name, "service", fw)
        svc = svc if isinstance(svc, dict) else _fail(fw, f"service '{name}' must be a mapping")
        protocol = svc.get("protocol")
        if protocol not in PROTOCOLS:
            _fail(fw, f"service '{name}': protocol must be tcp, udp or any, got {protocol!r}")
        ports = svc.get("ports") or []
        if not isinstance(ports, list):
            _fail(fw, f"service '{name}': ports must be a list")
        if protocol == "any" and ports:
            _fail(fw, f"service '{name}': protocol 'any' cannot have ports")
        if protocol != "any" and not ports:
            _fail(fw, f"service '{name}': a {protocol} service needs ports")
        ranges = sorted({_port_range(p, f"service '{name}'", fw) for p in ports})
        services[name] = {"protocol": protocol, "ports": ranges}
    return services


def _families(networks) -> set:
    return {n.version for n in networks}


def _policies(view: dict, zones: dict, objects: dict, services: dict, fw: str) -> list:
    raw = view.get("policies")
    if not isinstance(raw, list):
        _fail(fw, "'policies' must be a list")
    out, seen = [], set()
    for policy in raw:
        if not isinstance(policy, dict):
            _fail(fw, "every policy must be a mapping")
        name = _check_name(policy.get("name"), "policy", fw)
        if name in seen:
            _fail(fw, f"policy '{name}' appears twice")
        seen.add(name)
        where = f"policy '{name}'"
        for key in ("from_zone", "to_zone"):
            if policy.get(key) not in zones:
                _fail(fw, f"{where}: unknown {key.replace('_', ' ')} {policy.get(key)!r}")
        if policy.get("action", "allow") != "allow":
            _fail(fw, f"{where}: only 'allow' policies are supported, got {policy.get('action')!r}")
        refs = {}
        for key, table, what in (("source", objects, "address object"), ("destination", objects, "address object"),
                                 ("services", services, "service")):
            refs[key] = sorted(set(_names(policy.get(key), f"{where}: {key}", fw)))
            for ref in refs[key]:
                if ref not in table:
                    _fail(fw, f"{where}: unknown {what} '{ref}' in {key}")
        src = sort_networks(n for o in refs["source"] for n in objects[o]["addresses"])
        dst = sort_networks(n for o in refs["destination"] for n in objects[o]["addresses"])
        if not _families(src) & _families(dst):
            _fail(fw, f"{where}: source and destination share no address family (IPv4/IPv6)")
        out.append({
            "name": name, "from_zone": policy["from_zone"], "to_zone": policy["to_zone"],
            "source": refs["source"], "destination": refs["destination"], "services": refs["services"],
            "source_addresses": src, "destination_addresses": dst,
            "comment": clean_text(policy.get("comment") or "", 1000),
            "flow_ids": [clean_text(f, 100) for f in policy.get("flow_ids") or []],
        })
    return sorted(out, key=lambda p: p["name"])


def load(view) -> dict:
    """Validate a firewall view and return its normalised form (see the module docstring)."""
    if not isinstance(view, dict):
        raise NetworkViewError("a firewall view must be a mapping")
    fw = view.get("name")
    if not isinstance(fw, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", fw):
        raise NetworkViewError(f"firewall view: invalid firewall name {fw!r}")
    prefix = view.get("prefix")
    if not isinstance(prefix, str) or not PREFIX.match(prefix):
        _fail(fw, f"invalid prefix {prefix!r} (a letter, then letters, digits, '_' or '-', at most 16)")
    if view.get("default_action") not in ACTIONS:
        _fail(fw, f"default_action must be 'protect' or 'deny', got {view.get('default_action')!r}")
    zones = _zones(view, fw)
    objects = _objects(view, fw)
    services = _services(view, fw)
    protected = view.get("protected") or []
    if not isinstance(protected, list):
        _fail(fw, "'protected' must be a list")
    return {
        "name": fw,
        "prefix": prefix,
        "default_action": view["default_action"],
        "zones": zones,
        "address_objects": objects,
        "services": services,
        "protected": sort_networks(_network(a, "protected", fw) for a in protected),
        "policies": _policies(view, zones, objects, services, fw),
    }


def require_interfaces(view: dict, vendor: str, zones=None) -> None:
    """Fail when a zone the vendor must bind to interfaces has none."""
    for name in sorted(zones if zones is not None else view["zones"]):
        if not view["zones"][name]["interfaces"]:
            _fail(view["name"], f"zone '{name}' has no interfaces; {vendor} binds its rules to the zone's interfaces")


def of_family(networks, version: int) -> list:
    return [n for n in networks if n.version == version]


def is_any(network) -> bool:
    return network.prefixlen == 0


def is_host(network) -> bool:
    return network.prefixlen == network.max_prefixlen
