"""Evaluate a new connection against rendered vendor configurations (first match, as the devices do).

``verdict(vendor, view, out, packet)`` returns "permit" or "deny" when one of the collection's
entries matches, or None when none does (the device's other rules decide). A packet is a dict:
from_zone, to_zone, src, dst (ipaddress objects), proto ("tcp"/"udp"), sport, dport; it is the
first packet of a connection, so TCP "established" entries never match it.
"""

from __future__ import annotations

import ipaddress
import re


def _in(ip, network) -> bool:
    return network is None or (ip.version == network.version and ip in network)


def _ports(spec, port) -> bool:
    if not spec:
        return True
    ((op, value),) = spec.items()
    if op == "eq":
        return int(value) == port
    if isinstance(value, dict):
        return int(value["start"]) <= port <= int(value["end"])
    low, high = str(value).split()
    return int(low) <= port <= int(high)


def _side(side: dict):
    if side.get("any"):
        return None
    if "host" in side:
        return ipaddress.ip_network(side["host"])
    if "subnet_address" in side:
        return ipaddress.ip_network(side["subnet_address"])
    if "wildcard_bits" in side:
        return ipaddress.ip_network(f"{side['address']}/{side['wildcard_bits']}")
    return ipaddress.ip_network(side["address"])


def _proto(protocol: str, packet: dict) -> bool:
    return protocol in ("ip", "ipv6") or protocol == packet["proto"]


def _router_acl(config: list, name: str, packet: dict, flags) -> str | None:
    for afi in config:
        for acl in afi["acls"]:
            if acl["name"] != name:
                continue
            for ace in acl["aces"]:
                if "grant" not in ace or flags(ace) or not _proto(ace["protocol"], packet):
                    continue
                src, dst = ace["source"], ace["destination"]
                if (_in(packet["src"], _side(src)) and _in(packet["dst"], _side(dst))
                        and _ports(src.get("port_protocol"), packet["sport"])
                        and _ports(dst.get("port_protocol"), packet["dport"])):
                    return ace["grant"]
    return None


def _acl_name(bindings: list, view: dict, packet: dict) -> str:
    interface = view["zones"][packet["from_zone"]]["interfaces"][0]
    afi = "ipv4" if packet["dst"].version == 4 else "ipv6"
    groups = next(b["access_groups"] for b in bindings if b["name"] == interface)
    return next(g["acls"][0]["name"] for g in groups if g["afi"] == afi)


def _ios_established(ace) -> bool:
    return bool(ace.get("protocol_options", {}).get("tcp", {}).get("established"))


def _eos_established(ace) -> bool:
    return bool(ace.get("protocol_options", {}).get("tcp", {}).get("flags", {}).get("established"))


def _ios(view, out, packet):
    name = _acl_name(out["cisco.ios.ios_acl_interfaces"]["config"], view, packet)
    return _router_acl(out["cisco.ios.ios_acls"]["config"], name, packet, _ios_established)


def _eos(view, out, packet):
    name = _acl_name(out["arista.eos.eos_acl_interfaces"]["config"], view, packet)
    return _router_acl(out["arista.eos.eos_acls"]["config"], name, packet, _eos_established)


def _asa(view, out, packet):
    networks, services = {}, {}
    for block in out["cisco.asa.asa_ogs"]["config"]:
        for group in block["object_groups"]:
            if block["object_type"] == "network":
                obj = group["network_object"]
                nets = [ipaddress.ip_network(h) for h in obj.get("host", [])]
                nets += [ipaddress.ip_network(a.replace(" ", "/")) for a in obj.get("address", [])]
                nets += [ipaddress.ip_network(a) for a in obj.get("ipv6_address", [])]
                networks[group["name"]] = nets
            else:
                services[group["name"]] = (group["protocol"], group["port_object"])
    interface = view["zones"][packet["from_zone"]]["interfaces"][0]
    line = next(x for x in out["cisco.asa.asa_config"]["lines"] if x.endswith(f" interface {interface}"))
    acl = next(a for a in out["cisco.asa.asa_acls"]["config"]["acls"] if a["name"] == line.split()[1])
    for ace in acl["aces"]:
        if "grant" not in ace or not _proto(ace["protocol"], packet):
            continue
        src, dst = ace["source"], ace["destination"]
        src_ok = src.get("any") or any(_in(packet["src"], n) for n in networks[src["object_group"]])
        dst_ok = dst.get("any") or any(_in(packet["dst"], n) for n in networks[dst["object_group"]])
        svc_ok = True
        if "service_object_group" in dst:
            protocol, ports = services[dst["service_object_group"]]
            svc_ok = protocol == packet["proto"] and any(_ports(p, packet["dport"]) for p in ports)
        if src_ok and dst_ok and svc_ok:
            return ace["grant"]
    return None


def _junos(view, out, packet):
    addresses, sets, apps = {}, {}, {}
    for line in out["junipernetworks.junos.junos_config"]["lines"]:
        words = line.split()
        if line.startswith("set security address-book global address "):
            addresses[words[5]] = ipaddress.ip_network(words[6])
        elif line.startswith("set security address-book global address-set ") and words[6] == "address":
            sets.setdefault(words[5], []).append(addresses[words[7]])
        elif line.startswith("set applications application "):
            match = re.search(r"protocol (\w+) destination-port (\d+)(?:-(\d+))?$", line)
            apps.setdefault(words[3], []).append((match[1], int(match[2]), int(match[3] or match[2])))
    for zone in out["junipernetworks.junos.junos_security_policies"]["config"]["from_zones"]:
        for to in zone["to_zones"]:
            if (zone["name"], to["name"]) != (packet["from_zone"], packet["to_zone"]):
                continue
            for policy in to["policies"]:
                m = policy["match"]
                if not (m["source_address"].get("any") or any(
                        _in(packet["src"], n) for s in m["source_address"]["addresses"] for n in sets[s])):
                    continue
                if not (m["destination_address"].get("any") or any(
                        _in(packet["dst"], n) for s in m["destination_address"]["addresses"] for n in sets[s])):
                    continue
                if not (m["application"].get("any") or any(
                        p == packet["proto"] and lo <= packet["dport"] <= hi
                        for a in m["application"]["names"] for p, lo, hi in apps[a])):
                    continue
                return "deny" if policy["then"].get("deny") else "permit"
    return None


def _named_networks(entries: list, key: str) -> dict:
    out = {}
    for entry in entries:
        value = entry[key]
        out[entry["name"]] = ipaddress.ip_network(value.replace(" ", "/") if " " in value else value)
    return out


def _fortios(view, out, packet):
    m = "fortinet.fortios.fortios_firewall_"
    nets = {**_named_networks(out[m + "address"], "subnet"), **_named_networks(out[m + "address6"], "ip6")}
    groups = {g["name"]: [nets[x["name"]] for x in g["member"]] for g in out[m + "addrgrp"] + out[m + "addrgrp6"]}
    groups["all"] = [None]
    services = {}
    for svc in out[m + "service_custom"]:
        for proto in ("tcp", "udp"):
            for item in svc.get(f"{proto}_portrange", "").split():
                low, _sep, high = item.partition("-")
                services.setdefault(svc["name"], []).append((proto, int(low), int(high or low)))
    in_if = view["zones"][packet["from_zone"]]["interfaces"][0]
    out_if = view["zones"][packet["to_zone"]]["interfaces"][0]
    suffix = "" if packet["dst"].version == 4 else "6"
    for policy in out[m + "policy"]:
        if in_if not in [i["name"] for i in policy["srcintf"]] or out_if not in [i["name"] for i in policy["dstintf"]]:
            continue
        src = [n for g in policy.get("srcaddr" + suffix, []) for n in groups[g["name"]]]
        dst = [n for g in policy.get("dstaddr" + suffix, []) for n in groups[g["name"]]]
        if not any(_in(packet["src"], n) for n in src) or not any(_in(packet["dst"], n) for n in dst):
            continue
        names = [s["name"] for s in policy["service"]]
        if "ALL" not in names and not any(p == packet["proto"] and lo <= packet["dport"] <= hi
                                          for s in names for p, lo, hi in services[s]):
            continue
        return "permit" if policy["action"] == "accept" else "deny"
    return None


def _panos(view, out, packet):
    m = "paloaltonetworks.panos.panos_"
    nets = {a["name"]: ipaddress.ip_network(a["value"]) for a in out[m + "address_object"]}
    groups = {g["name"]: [nets[x] for x in g["static_value"]] for g in out[m + "address_group"]}
    groups["any"] = [None]
    services = {}
    for svc in out[m + "service_object"]:
        for item in svc["destination_port"].split(","):
            low, _sep, high = item.partition("-")
            services.setdefault(svc["name"], []).append((svc["protocol"], int(low), int(high or low)))
    for rule in out[m + "security_rule"]:
        if packet["from_zone"] not in rule["source_zone"] or packet["to_zone"] not in rule["destination_zone"]:
            continue
        if rule["rule_type"] == "interzone" and packet["from_zone"] == packet["to_zone"]:
            continue
        if not any(_in(packet["src"], n) for g in rule["source_ip"] for n in groups[g]):
            continue
        if not any(_in(packet["dst"], n) for g in rule["destination_ip"] for n in groups[g]):
            continue
        if "any" not in rule["service"] and not any(p == packet["proto"] and lo <= packet["dport"] <= hi
                                                    for s in rule["service"] for p, lo, hi in services[s]):
            continue
        return "permit" if rule["action"] == "allow" else "deny"
    return None


EVALUATORS = {"ios": _ios, "eos": _eos, "asa": _asa, "junos": _junos, "fortios": _fortios, "panos": _panos}


def verdict(vendor: str, view: dict, out: dict, packet: dict):
    return EVALUATORS[vendor](view, out, packet)
