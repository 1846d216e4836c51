"""Property tests: random firewall views through every vendor renderer.

For any valid view and every vendor: the names the collection creates are legal for the vendor,
unique in their namespace and carry the prefix; every policy's (source, destination, service)
triple is permitted by the rendered configuration (evaluated first-match, as the device does,
by tests/netfw_eval.py); and nothing else is: a new connection to a protected address (to any
address in ``deny`` mode) that the rendered entries permit is covered by a policy (or, for the
stateless router ACLs, is the reply of one), and in ``protect`` mode one that no policy covers
is denied by the collection's own entries.
"""

from __future__ import annotations

import ipaddress
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netfw_eval import verdict
from netfw_views import VENDORS

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_render import render

NAME = st.from_regex(r"[a-z0-9_.-]{1,63}", fullmatch=True)
LEGAL = re.compile(r"^[A-Za-z0-9_.-]+$")
ROUTERS = ("ios", "eos")
ZONE_BASED = ("junos", "fortios", "panos")


def _net(version):
    bits = 32 if version == 4 else 128
    return st.builds(lambda a, p: str(ipaddress.ip_network((a, p), strict=False)),
                     st.integers(0, 2 ** bits - 1), st.integers(0 if version == 4 else 0, bits))


NETWORK = st.one_of(_net(4), _net(6), st.sampled_from(["10.1.10.11", "fd00:1:10::11", "0.0.0.0/0", "::/0"]))
PORT = st.one_of(st.integers(1, 65535).map(str),
                 st.tuples(st.integers(1, 65535), st.integers(0, 3000)).map(lambda t: f"{t[0]}-{min(65535, t[0] + t[1])}"))
SERVICE = st.one_of(st.just({"protocol": "any", "ports": []}),
                    st.builds(lambda p, ports: {"protocol": p, "ports": ports}, st.sampled_from(["tcp", "udp"]),
                              st.lists(PORT, min_size=1, max_size=2, unique=True)))


def _family(addresses):
    return {ipaddress.ip_network(a).version for a in addresses}


@st.composite
def views(draw):
    zones = draw(st.lists(NAME, min_size=2, max_size=4, unique=True))
    objects = draw(st.dictionaries(NAME, st.lists(NETWORK, min_size=1, max_size=3, unique=True), min_size=1, max_size=5))
    services = draw(st.dictionaries(NAME, SERVICE, min_size=1, max_size=4))
    names = draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    policies = []
    for name in names:
        src = draw(st.lists(st.sampled_from(sorted(objects)), min_size=1, max_size=2, unique=True))
        dst = draw(st.lists(st.sampled_from(sorted(objects)), min_size=1, max_size=2, unique=True))
        if not _family(a for o in src for a in objects[o]) & _family(a for o in dst for a in objects[o]):
            continue
        policies.append({"name": name, "from_zone": draw(st.sampled_from(zones)), "to_zone": draw(st.sampled_from(zones)),
                         "source": src, "destination": dst,
                         "services": draw(st.lists(st.sampled_from(sorted(services)), min_size=1, max_size=2, unique=True)),
                         "action": "allow", "flow_ids": [], "citations": [], "comment": draw(st.text(max_size=120))})
    hosts = sorted({str(ipaddress.ip_network(a).network_address) for o in objects.values() for a in o})
    protected = draw(st.lists(st.sampled_from(hosts), max_size=4, unique=True))
    return {"name": "fw", "prefix": draw(st.sampled_from(["exfw", "fw", "x1"])),
            "default_action": draw(st.sampled_from(["protect", "deny"])),
            "zones": {z: {"interfaces": [f"eth{i}"], "vrf": None, "addresses": []} for i, z in enumerate(zones)},
            "address_objects": {k: {"addresses": v, "description": draw(st.text(max_size=80))} for k, v in objects.items()},
            "services": services, "protected": protected, "policies": policies}


def _namespaces(vendor: str, out: dict) -> list:
    """(names, length limit) per namespace of the names the collection creates."""
    if vendor in ROUTERS:
        key = "cisco.ios.ios_acls" if vendor == "ios" else "arista.eos.eos_acls"
        return [([a["name"] for f in out[key]["config"] for a in f["acls"]], 64)]
    if vendor == "asa":
        groups = [g["name"] for b in out["cisco.asa.asa_ogs"]["config"] for g in b["object_groups"]]
        return [(groups + [a["name"] for a in out["cisco.asa.asa_acls"]["config"]["acls"]], 64)]
    if vendor == "junos":
        lines = out["junipernetworks.junos.junos_config"]["lines"]
        book = sorted({line.split()[5] for line in lines if line.startswith("set security address-book")})
        apps = sorted({line.split()[3] for line in lines if line.startswith("set applications")})
        policies = [p["name"] for z in out["junipernetworks.junos.junos_security_policies"]["config"]["from_zones"]
                    for t in z["to_zones"] for p in t["policies"]]
        return [(book, 63), (apps, 63), (policies, 63)]
    if vendor == "fortios":
        m = "fortinet.fortios.fortios_firewall_"
        addresses = [x["name"] for t in ("address", "address6", "addrgrp", "addrgrp6") for x in out[m + t]]
        return [(addresses, 79), ([x["name"] for x in out[m + "service_custom"]], 79),
                ([x["name"] for x in out[m + "policy"]], 35)]
    m = "paloaltonetworks.panos.panos_"
    return [([x["name"] for t in ("address_object", "address_group") for x in out[m + t]], 63),
            ([x["name"] for x in out[m + "service_object"]], 63), ([x["rule_name"] for x in out[m + "security_rule"]], 63)]


def _service_match(view, names, proto, port) -> bool:
    for name in names:
        svc = view["services"][name]
        if svc["protocol"] == "any":
            return True
        if svc["protocol"] == proto and any(lo <= port <= hi for lo, hi in _ranges(svc)):
            return True
    return False


def _ranges(svc):
    out = []
    for p in svc["ports"]:
        low, _sep, high = p.partition("-")
        out.append((int(low), int(high or low)))
    return out


def _inside(view, objects, ip) -> bool:
    return any(ip.version == n.version and ip in n for o in objects
               for n in map(ipaddress.ip_network, view["address_objects"][o]["addresses"]))


def covered(view, vendor, packet) -> bool:
    for p in view["policies"]:
        acl_based = vendor in ROUTERS or vendor == "asa"  # an interface ACL only knows where traffic enters
        zones_ok = p["from_zone"] == packet["from_zone"] and (acl_based or p["to_zone"] == packet["to_zone"])
        if (zones_ok and _inside(view, p["source"], packet["src"]) and _inside(view, p["destination"], packet["dst"])
                and _service_match(view, p["services"], packet["proto"], packet["dport"])):
            return True
        if (vendor in ROUTERS and p["to_zone"] == packet["from_zone"] and _inside(view, p["destination"], packet["src"])
                and _inside(view, p["source"], packet["dst"])
                and _service_match(view, p["services"], packet["proto"], packet["sport"])):
            return True
    return False


def _first(network: str):
    return ipaddress.ip_network(network).network_address


def _policy_packets(view):
    for p in view["policies"]:
        for s in (a for o in p["source"] for a in view["address_objects"][o]["addresses"][:2]):
            for d in (a for o in p["destination"] for a in view["address_objects"][o]["addresses"][:2]):
                if _first(s).version != _first(d).version:
                    continue
                for name in p["services"]:
                    svc = view["services"][name]
                    for proto, port in ([("tcp", 7)] if svc["protocol"] == "any"
                                        else [(svc["protocol"], lo) for lo, _hi in _ranges(svc)]):
                        yield {"from_zone": p["from_zone"], "to_zone": p["to_zone"], "src": _first(s), "dst": _first(d),
                               "proto": proto, "sport": 40000, "dport": port}


def _probe_packets(view, data):
    addresses = sorted({_first(a) for o in view["address_objects"].values() for a in o["addresses"]},
                       key=lambda a: (a.version, int(a)))
    targets = [ipaddress.ip_address(a) for a in view["protected"]]
    if view["default_action"] == "deny":
        targets += addresses
    ports = sorted({lo for s in view["services"].values() for lo, _hi in _ranges(s)} | {1, 22, 443, 40000})
    zones = sorted(view["zones"])
    for dst in targets[:6]:
        for src in [a for a in addresses if a.version == dst.version][:3]:
            yield {"from_zone": data.draw(st.sampled_from(zones)), "to_zone": data.draw(st.sampled_from(zones)),
                   "src": src, "dst": dst, "proto": data.draw(st.sampled_from(["tcp", "udp"])),
                   "sport": data.draw(st.sampled_from(ports)), "dport": data.draw(st.sampled_from(ports))}


EXAMPLES = int(os.environ.get("EXFW_HYPOTHESIS_EXAMPLES", "60"))  # e.g. 800 for a longer search


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(view=views(), data=st.data())
def test_every_vendor_permits_the_policies_and_nothing_else(view, data):
    for vendor in VENDORS:
        out = render(view, vendor)
        for names, limit in _namespaces(vendor, out):
            assert len(names) == len(set(names)), (vendor, names)
            for name in names:
                assert LEGAL.match(name) and len(name) <= limit and name.startswith(view["prefix"] + "-"), (vendor, name)
        for packet in _policy_packets(view):
            assert verdict(vendor, view, out, packet) == "permit", (vendor, packet)
        for packet in _probe_packets(view, data):
            result = verdict(vendor, view, out, packet)
            if result == "permit":
                assert covered(view, vendor, packet), (vendor, packet)
            elif (view["default_action"] == "protect" and packet["dst"] in map(ipaddress.ip_address, view["protected"])
                  and not covered(view, vendor, packet) and packet["from_zone"] != packet["to_zone"]):
                assert result == "deny", (vendor, packet)
