# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan as plain data for the human-readable reports (Markdown and HTML). Pure.

Everything here is text or lists of text, in a fixed order, so that a template only has to lay it
out: host names beside their addresses, citations with http(s) links only, unverified flows
marked, the disabled flows with their reasons. Nothing is escaped here; each renderer escapes for
its own format (``_text.md`` for Markdown, Jinja2's autoescape for HTML).
"""

from __future__ import annotations

import bisect
import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils._text import natural_key, one_line, safe_url

ANY = ({"0.0.0.0/0", "::/0"}, {"0.0.0.0/0"}, {"::/0"})
# A rule lists its remote hosts by name up to this many; beyond, it refers to the object's full list.
INLINE_MEMBERS = 8
_ANCHOR_RE = re.compile(r"[^a-z0-9]+")


def anchor(kind: str, name) -> str:
    """A stable HTML id: the kind, a slug of the name and, when the slug loses information, a hash."""
    text = str(name)
    slug = _ANCHOR_RE.sub("-", text.lower()).strip("-") or "x"
    if slug != text:
        slug += "-" + format(sum((i + 1) * ord(c) for i, c in enumerate(text)) % 0xFFFFFF, "06x")
    return f"{kind}-{slug}"


def is_any(addresses) -> bool:
    addresses = addresses or ()
    return len(addresses) <= 2 and set(addresses) in ANY


def known_hosts(plan: dict) -> dict:
    """{host: {roles, ad_site, addresses, external_addresses}}: the planned hosts and their peers
    (the hosts without a rule set of their own, such as domain controllers)."""
    out = {h: {"roles": e.get("roles") or [], "ad_site": e.get("ad_site"), "addresses": e.get("addresses") or [],
               "external_addresses": e.get("external_addresses") or []} for h, e in (plan.get("peer_hosts") or {}).items()}
    for host, entry in plan.get("hosts", {}).items():
        out[host] = {"roles": entry.get("roles") or [], "ad_site": entry.get("ad_site"),
                     "addresses": entry.get("addresses") or [], "external_addresses": entry.get("external_addresses") or []}
    return out


def host_addresses(plan: dict) -> dict:
    """{host: [addresses]} of every host the plan knows (its planned hosts and their peers)."""
    return {h: list(e["addresses"]) + list(e["external_addresses"]) for h, e in known_hosts(plan).items()}


def _net(text):
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


class _Ranges:
    """An object's addresses as sorted integer ranges per IP version: which one holds an address, in log time."""

    def __init__(self, addresses, parsed):
        self.by_version = {4: [], 6: []}
        for text in addresses:
            net = parsed(text)
            if net is not None:
                self.by_version[net.version].append((int(net.network_address), int(net.broadcast_address), text))
        for ranges in self.by_version.values():
            ranges.sort()
        self.starts = {v: [r[0] for r in ranges] for v, ranges in self.by_version.items()}

    def find(self, ip):
        """The object's address (text) that holds ``ip`` (an ip_network), or None."""
        if ip is None:
            return None
        ranges = self.by_version[ip.version]
        at = bisect.bisect_right(self.starts[ip.version], int(ip.network_address)) - 1
        if at >= 0 and int(ip.broadcast_address) <= ranges[at][1]:
            return ranges[at][2]
        return None


def _parser(nets):
    def parsed(text):
        if text not in nets:
            nets[text] = _net(text)
        return nets[text]
    return parsed


def _locator(addresses, parsed):
    """address text -> the object's address (text) that holds it, or None. An exact match costs a set
    lookup; only addresses that are not one of the object's own are parsed and located by bisection."""
    exact = set(addresses)
    ranges = []

    def locate(address):
        if address in exact:
            return address
        if not ranges:
            ranges.append(_Ranges(addresses, parsed))
        return ranges[0].find(parsed(address))
    return locate


def object_hosts(obj: dict, addresses_of: dict, nets=None) -> tuple:
    """([(member, [its addresses in the object])], [addresses of the object no member has]).

    Members without an address in the object (for example outside a zone part) are left out.
    ``nets``: a cache {text: ip_network} shared between calls (each address is parsed once at most).
    """
    addresses = obj.get("addresses") or []
    locate = _locator(addresses, _parser({} if nets is None else nets))
    members, covered = [], set()
    for member in obj.get("members") or []:
        mine = []
        for address in addresses_of.get(member, []):
            holder = locate(address)
            if holder is not None:
                mine.append(address)
                covered.add(holder)
        if mine:
            members.append((member, mine))
    return members, [a for a in addresses if a not in covered]


def address_owners(obj: dict, addresses_of: dict, nets=None, members=None) -> list:
    """[(address, [hosts])]: each address of the object with the members that have it (or an
    address inside it, for a network)."""
    nets = {} if nets is None else nets
    if members is None:
        members = object_hosts(obj, addresses_of, nets)[0]
    locate = _locator(obj.get("addresses") or [], _parser(nets))
    owners = {}
    for member, mine in members:
        for address in mine:
            holder = locate(address)
            if holder is not None:
                owners.setdefault(holder, set()).add(member)
    return [(a, sorted(owners.get(a, ()), key=natural_key)) for a in obj.get("addresses") or []]


class Index:
    """The plan's objects with their member hosts, each computed once (reports refer to them many times)."""

    def __init__(self, plan: dict):
        self.addresses_of = host_addresses(plan)
        self.objects = all_objects(plan)
        self.nets = {}
        self._hosts = {}
        self._names = {}
        self.remotes = {}
        self.cites = {}

    def hosts(self, name: str) -> tuple:
        """object_hosts of the named object (([], addresses) for an object without members)."""
        if name not in self._hosts:
            obj = self.objects.get(name) or {"addresses": [], "members": []}
            self._hosts[name] = (object_hosts(obj, self.addresses_of, self.nets) if obj.get("members")
                                 else ([], list(obj.get("addresses") or [])))
        return self._hosts[name]

    def names(self, name: str) -> list:
        """The names of the object's member hosts that have an address in it (computed once)."""
        if name not in self._names:
            self._names[name] = [m for m, _a in self.hosts(name)[0]]
        return self._names[name]

    def owners(self, name: str) -> list:
        obj = self.objects.get(name) or {"addresses": [], "members": []}
        return address_owners(obj, self.addresses_of, self.nets, self.hosts(name)[0])


def all_objects(plan: dict) -> dict:
    objects = dict(plan.get("address_objects") or {})
    for firewall in (plan.get("network_firewalls") or {}).values():
        objects.update(firewall.get("address_objects") or {})
    return objects


def unverified_flows(item: dict, flows: dict) -> list:
    """Flow ids of a rule or policy that the catalog marks unverified (the rule's own list when it has one)."""
    if "unverified_flow_ids" in item:
        return list(item.get("unverified_flow_ids") or [])
    return [f for f in item.get("flow_ids") or [] if (flows.get(f) or {}).get("verified") is False]


def citation_list(ids, citations: dict, cache: dict | None = None) -> list:
    out = []
    cache = {} if cache is None else cache
    for key in ids or []:
        if key not in cache:
            cite = citations.get(key) or {}
            cache[key] = {"id": str(key), "title": one_line(cite.get("title") or key), "url": safe_url(cite.get("url"))}
        out.append(cache[key])
    return out


def _flow_list(item: dict, flows: dict) -> list:
    unverified = set(unverified_flows(item, flows))
    return [{"id": f, "purpose": one_line((flows.get(f) or {}).get("purpose") or ""), "unverified": f in unverified,
             "feature": (flows.get(f) or {}).get("feature")} for f in item.get("flow_ids") or []]


def _remote(name: str, index: Index) -> dict:
    """The remote side of a rule or policy (computed once per object: many rules share it)."""
    if name not in index.remotes:
        index.remotes[name] = _remote_of(name, index)
    return index.remotes[name]


def _remote_of(name: str, index: Index) -> dict:
    obj = index.objects.get(name) or {"kind": "unknown", "addresses": [], "members": [], "description": ""}
    names = index.names(name)
    return {"name": name, "anchor": anchor("obj", name), "kind": obj.get("kind"), "any": is_any(obj.get("addresses")),
            "description": one_line(obj.get("description") or ""),
            "members": names if len(names) <= INLINE_MEMBERS else [], "member_count": len(names),
            "address_count": len(obj.get("addresses") or [])}


def _ports_text(protocol: str, ports) -> str:
    if protocol == "any":
        return "any"
    return f"{protocol.upper()} {', '.join(ports) if ports else 'any'}"


def host_sections(plan: dict, index: Index | None = None) -> list:
    flows = plan.get("flows") or {}
    index = index or Index(plan)
    out = []
    for name, host in plan["hosts"].items():
        rules = []
        for rule in host["rules"]:
            flow_list = _flow_list(rule, flows)
            rules.append({
                "name": rule["name"], "anchor": anchor("rule", f"{name}/{rule['name']}"),
                "direction": rule["direction"], "protocol": rule["protocol"],
                "ports": list(rule["local_ports"]), "ports_text": _ports_text(rule["protocol"], rule["local_ports"]),
                "remote": _remote(rule["remote_object"], index),
                "description": one_line(rule.get("description") or ""),
                "flows": flow_list, "unverified": any(f["unverified"] for f in flow_list),
                "sources": citation_list(rule.get("citation_ids"), plan.get("citations") or {}, index.cites),
            })
        out.append({
            "name": name, "anchor": anchor("host", name), "platform": host["platform"], "roles": list(host["roles"]),
            "version": host.get("version"), "ad_site": host.get("ad_site"), "dag": host.get("dag"),
            "edge_site": host.get("edge_site"), "addresses": list(host.get("addresses") or []),
            "external_addresses": list(host.get("external_addresses") or []),
            "rules": rules,
            "disabled": [{"id": d["id"], "reason": one_line(d.get("reason") or ""),
                          "purpose": one_line((flows.get(d["id"]) or {}).get("purpose") or "")}
                         for d in host.get("disabled_flows") or []],
            "warnings": [one_line(w) for w in host.get("warnings") or []],
        })
    return out


def firewall_sections(plan: dict, index: Index | None = None) -> list:
    flows = plan.get("flows") or {}
    index = index or Index(plan)
    out = []
    for name, firewall in (plan.get("network_firewalls") or {}).items():
        services = firewall.get("services") or {}
        policies = []
        for policy in firewall.get("policies") or []:
            flow_list = _flow_list(policy, flows)
            svc = []
            for key in policy.get("services") or []:
                spec = services.get(key) or {"protocol": "any", "ports": []}
                svc.append(_ports_text(spec["protocol"], spec.get("ports")))
            policies.append({
                "name": policy["name"], "anchor": anchor("policy", f"{name}/{policy['name']}"),
                "from_zone": policy["from_zone"], "to_zone": policy["to_zone"], "action": policy.get("action", "allow"),
                "source": [_remote(o, index) for o in policy.get("source") or []],
                "destination": [_remote(o, index) for o in policy.get("destination") or []],
                "services": svc, "description": one_line(policy.get("description") or ""),
                "flows": flow_list, "unverified": any(f["unverified"] for f in flow_list),
                "sources": citation_list(policy.get("citation_ids"), plan.get("citations") or {}, index.cites),
            })
        out.append({
            "name": name, "anchor": anchor("fw", name), "status": firewall.get("status"),
            "note": one_line(firewall.get("note") or ""), "provider": firewall.get("provider"),
            "default_action": firewall.get("default_action"),
            "zones": [{"name": z, "interfaces": list(spec.get("interfaces") or []),
                       "addresses": list(spec.get("addresses") or [])}
                      for z, spec in (firewall.get("zones") or {}).items()],
            "policies": policies,
            "warnings": [one_line(w) for w in firewall.get("warnings") or []],
        })
    return out


def object_sections(plan: dict, index: Index | None = None) -> list:
    index = index or Index(plan)
    out = []
    for name in sorted(index.objects):
        obj = index.objects[name]
        members, others = index.hosts(name)
        out.append({"name": name, "anchor": anchor("obj", name), "kind": obj.get("kind"),
                    "description": one_line(obj.get("description") or ""), "any": is_any(obj.get("addresses")),
                    "hosts": [{"name": m, "addresses": a} for m, a in members], "other_addresses": others,
                    "addresses": list(obj.get("addresses") or [])})
    return out


def summary(plan: dict) -> dict:
    flows = plan.get("flows") or {}
    rules = [r for h in plan["hosts"].values() for r in h["rules"]]
    firewalls = plan.get("network_firewalls") or {}
    policies = [p for f in firewalls.values() for p in f.get("policies") or []]
    return {
        "hosts": len(plan["hosts"]), "rules": len(rules), "firewalls": len(firewalls), "policies": len(policies),
        "objects": len(all_objects(plan)), "flows": len(flows),
        "unverified_rules": sum(1 for r in rules if unverified_flows(r, flows)),
        "disabled_flows": sum(len(h.get("disabled_flows") or []) for h in plan["hosts"].values()),
        "warnings": sum(len(h.get("warnings") or []) for h in plan["hosts"].values()),
        "by_platform": {p: sum(1 for h in plan["hosts"].values() if h["platform"] == p)
                        for p in sorted({h["platform"] for h in plan["hosts"].values()})},
    }


def citations(plan: dict) -> list:
    return [dict(citation_list([k], plan.get("citations") or {})[0], anchor=anchor("src", k))
            for k in sorted(plan.get("citations") or {}, key=natural_key)]
