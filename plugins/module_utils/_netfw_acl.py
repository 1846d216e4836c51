# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network firewalls: interface ACLs for stateless routers (Cisco IOS, Arista EOS). Pure.

One ACL per zone and address family, bound inbound on the zone's interfaces. A router ACL keeps
no state, so besides the policies' own entries (in the ACL of the source zone) it needs the
replies (in the ACL of the destination zone): TCP replies only with ``established`` (ACK or RST
set, so no connection can be opened backwards), UDP replies only from the service port, and for
``any`` services all IP traffic back. Then, by ``default_action``:

- ``protect``: deny everything else to the protected addresses, then ``permit ip any any``
  (an interface without ACL permits everything, so other traffic is left alone);
- ``deny``: nothing more; the vendor's implicit deny ends the ACL. An ACL that would have no
  entry gets an explicit ``deny`` so that it exists and denies.

Entries are plain dicts (``grant``, ``protocol``, ``src``/``dst`` networks or ``None`` for any,
``sport``/``dport`` port ranges, ``established``, ``remark``) that the vendor modules map to
their module arguments.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import (
    clean_text,
    is_any,
    of_family,
    require_interfaces,
)

AFI = {4: "ipv4", 6: "ipv6"}


def _entry(grant, protocol, src, dst, sport=None, dport=None, established=False, remark=None) -> dict:
    return {"grant": grant, "protocol": protocol, "src": None if src is None or is_any(src) else src,
            "dst": None if dst is None or is_any(dst) else dst, "sport": sport, "dport": dport,
            "established": established, "remark": remark}


def _key(entry: dict) -> tuple:
    return tuple((k, str(v)) for k, v in entry.items() if k != "remark")


def _policy_entries(view: dict, policy: dict, version: int, reply: bool) -> list:
    sources = of_family(policy["source_addresses"], version)
    destinations = of_family(policy["destination_addresses"], version)
    out = []
    for service_name in policy["services"]:
        service = view["services"][service_name]
        ports = service["ports"] or [None]
        protocol = service["protocol"] if service["protocol"] != "any" else "ip"
        for port in ports:
            for src in sources:
                for dst in destinations:
                    if not reply:
                        out.append(_entry("permit", protocol, src, dst, dport=port))
                    elif protocol == "tcp":
                        out.append(_entry("permit", "tcp", dst, src, sport=port, established=True))
                    else:
                        out.append(_entry("permit", protocol, dst, src, sport=port))
    return out


def zone_acls(view: dict, vendor: str, namer, remark_limit: int) -> list:
    """The ACLs of every zone and address family, sorted by zone then family."""
    require_interfaces(view, vendor)
    acls = []
    for zone in sorted(view["zones"]):
        for version in (4, 6):
            entries = []
            for policy in view["policies"]:
                for reply, matches in ((False, policy["from_zone"] == zone), (True, policy["to_zone"] == zone)):
                    if not matches:
                        continue
                    block = _policy_entries(view, policy, version, reply)
                    if block:
                        label = f"reply {policy['name']}" if reply else f"{policy['name']} {policy['comment']}"
                        block[0]["remark"] = clean_text(label, remark_limit)
                        entries.extend(block)
            if view["default_action"] == "protect":
                protected = of_family(view["protected"], version)
                for index, network in enumerate(protected):
                    remark = clean_text(f"{view['prefix']}: deny other traffic to protected hosts", remark_limit)
                    entries.append(_entry("deny", "ip", None, network, remark=None if index else remark))
                entries.append(_entry("permit", "ip", None, None,
                                      remark=clean_text(f"{view['prefix']}: leave other traffic alone", remark_limit)))
            elif not entries:
                entries.append(_entry("deny", "ip", None, None,
                                      remark=clean_text(f"{view['prefix']}: no policy from this zone", remark_limit)))
            seen, unique = set(), []
            for entry in entries:
                if _key(entry) not in seen:
                    seen.add(_key(entry))
                    unique.append(entry)
            suffix = "in" if version == 4 else "in6"
            acls.append({"name": namer("acl", zone, suffix), "zone": zone, "afi": AFI[version], "version": version,
                         "interfaces": view["zones"][zone]["interfaces"], "entries": unique})
    return acls


def bindings(acls: list) -> list:
    """Interface -> {afi: ACL name} for the ACL-interface modules, sorted by interface."""
    by_interface: dict = {}
    for acl in acls:
        for interface in acl["interfaces"]:
            by_interface.setdefault(interface, {})[acl["afi"]] = acl["name"]
    return [{"name": interface,
             "access_groups": [{"afi": afi, "acls": [{"name": name, "direction": "in"}]}
                               for afi, name in sorted(groups.items())]}
            for interface, groups in sorted(by_interface.items())]
