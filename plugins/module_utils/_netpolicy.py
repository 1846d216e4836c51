# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network-firewall policies: every enabled flow whose two sides sit in different zones of a
firewall becomes an allow policy from the initiating zone to the receiving zone. Pure.

Flows are taken at the organisation level: each flow once per scope instance (once; per AD site
an Edge is subscribed to; per DAG), its sides resolved to the same named address objects the
host rules use. The hosts a flow reaches are filtered as the host rules filter them: by version,
and by the flow's toggle on the listening side. Microsoft's support rule holds across a firewall:
between the organisation's hosts (Exchange servers and domain controllers) in different zones the
policy allows any service, scoped to those addresses; the flows inside the organisation are listed
on it. Objects that span zones are split into per-zone parts named ``<object>.<zone>``.
"""

from __future__ import annotations

import bisect
import hashlib
import ipaddress

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils._inputs import PlanError
from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, range_tuples

MAX_NAME = 63
MAX_PIECES = 20000
ORG = "organisation"
ANY_SERVICE = "any"


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in str(text).lower()).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out or "x"


def _limit(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_NAME - 9]}-{digest}"


class _Zones:
    """Longest-prefix placement of addresses into one firewall's zones."""

    def __init__(self, name: str, spec: dict):
        self.name = name
        self.declared = {}
        for zone, zspec in spec["zones"].items():
            for net in zspec["declared"]:
                self.declared[net] = zone
        self.by_version = {4: [], 6: []}
        for net, zone in self.declared.items():
            self.by_version[net.version].append((net, zone))
        self.cache = {}

    def place(self, net) -> list:
        """[(piece, zone)]: ``net`` split where declared ranges of different zones cut it."""
        cached = self.cache.get(net)
        if cached is None:
            pieces = []
            self._place(net, pieces)
            cached = self.cache[net] = pieces
        return cached

    def _place(self, net, pieces) -> None:
        if len(pieces) > MAX_PIECES:
            raise PlanError(f"host '{self.name}'", "exchange_firewall_zones",
                            f"{net} is cut into too many pieces by the declared zones; declare fewer, larger ranges")
        zone = self.declared.get(net)
        if zone is not None:
            pieces.append((net, zone))
            return
        inner = [d for d, _z in self.by_version[net.version] if d != net and d.subnet_of(net)]
        if not inner:
            containers = [(d, z) for d, z in self.by_version[net.version] if net.subnet_of(d)]
            if containers:
                pieces.append((net, max(containers, key=lambda c: c[0].prefixlen)[1]))
            return
        for half in net.subnets(prefixlen_diff=1):
            self._place(half, pieces)

    def split(self, nets) -> dict:
        """{zone: [networks]} for an address set (pieces outside every zone are dropped)."""
        out = {}
        for net in nets:
            for piece, zone in self.place(net):
                out.setdefault(zone, []).append(piece)
        return {zone: list(_collapse(pieces)) for zone, pieces in out.items()}


def _collapse(nets):
    v4 = [n for n in nets if n.version == 4]
    v6 = [n for n in nets if n.version == 6]
    return list(ipaddress.collapse_addresses(v4)) + list(ipaddress.collapse_addresses(v6))


def _text(net) -> str:
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def _scope_instances(flow: dict, topology: dict) -> list:
    """[(src scope key, dst scope key, ports context)] of a flow across the organisation."""
    scope = flow["scope"]
    if scope is None:
        return [(None, None, None)]
    if scope == "edge_subscription":
        sites = sorted({h["edge_site"] for h in topology["hosts"].values()
                        if "edge_transport" in h["roles"] and h["edge_site"] is not None})
        return [(site, site, None) for site in sites]
    if scope == "dag":
        return [(dag, dag, dag) for dag in sorted(topology["dags"])]
    if scope == "witness":
        out = []
        for dag in sorted(topology["dags"]):
            if topology["dags"][dag]["witness"] is not None:
                out.append(("witness", dag))
        return [(("dags", (dag,)), ("member", dag), dag) for _kind, dag in out]
    return []


def _side_key(endpoint: str, scope, member_key, witness_key):
    """The witness scope keys differ per side: the DAG's members vs its witness."""
    if scope != "witness":
        return member_key
    return witness_key if endpoint == "dag_witness" else member_key


def flow_instances(topology: dict, flows: list, resolver, allow_unverified) -> list:
    """Every (flow, source sets, destination sets, ports) of the organisation.

    ``allow_unverified``: True, False or the list of unverified flow ids to use.
    """
    facing = set(topology["settings"]["internet_facing_networks"])
    org_versions = set(topology.get("versions") or catalog.VERSIONS)
    out = []
    for flow in flows:
        if flow["id"] == "org-support-rule" or not catalog.unverified_allowed(flow, allow_unverified):
            continue
        if not catalog.has_exchange_end(flow) and not org_versions.intersection(flow["versions"]):
            continue
        listening = "dst" if any(e in catalog.ROLES and catalog.ROLES[e]["managed"] for e in flow["dst"]) else "src"
        for key_a, key_b, dag in _scope_instances(flow, topology):
            sides = {}
            for side in ("src", "dst"):
                other = flow["dst"] if side == "src" else flow["src"]
                external = any(e in facing for e in other)
                sets = []
                for endpoint in flow[side]:
                    if endpoint not in catalog.ROLES:
                        nets = topology["networks"].get(endpoint)
                        if nets is None:
                            continue
                        sid = resolver.intern(nets)
                        sets.append((sid, resolver.publish(sid, endpoint, "network", f"network '{endpoint}'")))
                        continue
                    if flow["scope"] == "witness":
                        key = key_b if endpoint == "dag_witness" else key_a
                    else:
                        key = key_a
                    toggles = tuple(catalog.toggles(flow)) if side == listening else ()
                    sets.append(resolver.resolve_key(endpoint, catalog.side_versions(flow, side), flow["scope"], key,
                                                     feature=toggles, flag=flow.get("host_flag"),
                                                     external=external and endpoint == "edge_transport"))
                sides[side] = [(sid, obj) for sid, obj in sets if not resolver.is_empty(sid)]
            if sides["src"] and sides["dst"]:
                out.append((flow, sides["src"], sides["dst"], _ports(flow, topology, dag)))
    return out


def _ports(flow: dict, topology: dict, dag) -> list:
    port = topology["dags"].get(dag, {}).get("replication_port") if dag is not None else None
    return catalog.ports_for(flow, topology["settings"], replication_port=port)


def _services(protocol: str, ranges: list) -> list:
    if protocol == "any":
        return [ANY_SERVICE]
    return [f"{protocol}-{r}" for r in format_ranges(merge_ranges(ranges))]


class _Firewall:
    """Policies of one firewall."""

    def __init__(self, spec: dict, resolver, settings: dict, managed: dict):
        self.spec = spec
        self.name = spec["name"]
        self.zones = _Zones(spec["name"], spec)
        self.resolver = resolver
        self.prefix = settings["rule_prefix"]
        self.splits = {}
        self.parts = {}        # part object name -> {"addresses", "description", "members", "kind"}
        self.policies = {}     # (from, to, src, dst) -> {"services": {proto: ranges}, "flows": set()}
        self.managed = managed
        self.org = None        # {zone: networks} of the organisation, when the support rule applies
        self.folded = {}       # (from, to) -> flows the support rule covers there

    def split(self, sid: int) -> dict:
        if sid not in self.splits:
            self.splits[sid] = self.zones.split(self.resolver.set_nets[sid])
        return self.splits[sid]

    def part(self, sid: int, obj: str, zone: str) -> str:
        """The object's name where it lies in one zone entirely, else its part in ``zone``."""
        split = self.split(sid)
        whole = self.resolver.set_nets[sid]
        if list(split) == [zone] and list(split[zone]) == list(_collapse(whole)):
            return obj
        name = f"{obj}.{zone}"
        if name not in self.parts:
            base = self.resolver.objects.get(obj, {})
            self.parts[name] = {"kind": "zone_part", "addresses": [_text(n) for n in split[zone]],
                                "members": list(base.get("members", [])), "object": obj, "zone": zone,
                                "description": f"{base.get('description', obj)}, part in zone {zone}"}
        return name

    def add(self, flow: dict, sources: list, destinations: list, ports: list) -> None:
        protocol = flow["protocol"]
        ranges = [] if protocol == "any" else range_tuples(ports)
        for src_sid, src_obj in sources:
            src_split = self.split(src_sid)
            for dst_sid, dst_obj in destinations:
                dst_split = self.split(dst_sid)
                for from_zone in sorted(src_split):
                    for to_zone in sorted(dst_split):
                        if from_zone == to_zone:
                            continue
                        if not {n.version for n in src_split[from_zone]} & {n.version for n in dst_split[to_zone]}:
                            continue  # an IPv4-only side and an IPv6-only side: no packet can match
                        if self._covered(src_split[from_zone], from_zone) and self._covered(dst_split[to_zone], to_zone):
                            # Both sides are organisation hosts: the support rule's "any" already allows it.
                            self.folded.setdefault((from_zone, to_zone), set()).add(flow["id"])
                            continue
                        key = (from_zone, to_zone, self.part(src_sid, src_obj, from_zone),
                               self.part(dst_sid, dst_obj, to_zone))
                        entry = self.policies.setdefault(key, {"services": {}, "flows": set()})
                        entry["services"].setdefault(protocol, []).extend(ranges)
                        entry["flows"].add(flow["id"])

    def _covered(self, nets, zone) -> bool:
        org = (self.org or {}).get(zone)
        return bool(org) and all(any(n.version == o.version and n.subnet_of(o) for o in org) for n in nets)

    def add_support_rule(self, org_sid: int, internal_flows: list) -> None:
        split = self.split(org_sid)
        zones = sorted(split)
        crossing = {key: set(flows) for key, flows in self.folded.items()}
        for flow, sources, destinations, _unused in internal_flows:
            for src_sid, _o in sources:
                for dst_sid, _d in destinations:
                    for from_zone in self.split(src_sid):
                        for to_zone in self.split(dst_sid):
                            if from_zone != to_zone:
                                crossing.setdefault((from_zone, to_zone), set()).add(flow["id"])
        for from_zone in zones:
            for to_zone in zones:
                if from_zone == to_zone or not {n.version for n in split[from_zone]} & {n.version for n in split[to_zone]}:
                    continue
                key = (from_zone, to_zone, self.part(org_sid, ORG, from_zone), self.part(org_sid, ORG, to_zone))
                entry = self.policies.setdefault(key, {"services": {}, "flows": set()})
                entry["services"]["any"] = []
                entry["flows"] |= {"org-support-rule"} | crossing.get((from_zone, to_zone), set())

    def output(self, used_flows: dict, citations_of) -> dict:
        services, policies, names = {}, [], set()
        for key in sorted(self.policies):
            from_zone, to_zone, src, dst = key
            entry = self.policies[key]
            svc = []
            if "any" in entry["services"]:
                svc = [ANY_SERVICE]
            else:
                for protocol in sorted(entry["services"]):
                    svc += _services(protocol, entry["services"][protocol])
            for name in svc:
                if name == ANY_SERVICE:
                    services[name] = {"protocol": "any", "ports": []}
                else:
                    protocol, _sep, ports = name.partition("-")
                    services[name] = {"protocol": protocol, "ports": [ports]}
            base = _limit(f"{self.prefix}-{_slug(from_zone)}-{_slug(to_zone)}-{_slug(src)}-{_slug(dst)}")
            name, counter = base, 2
            while name in names:
                name = _limit(f"{base}-{counter}")
                counter += 1
            names.add(name)
            flow_ids = sorted(entry["flows"])
            cite_ids = []
            for fid in flow_ids:
                for cite in citations_of(used_flows[fid]):
                    if cite["id"] not in cite_ids:
                        cite_ids.append(cite["id"])
            policy = {
                "name": name, "from_zone": from_zone, "to_zone": to_zone, "source": [src], "destination": [dst],
                "services": svc, "action": "allow", "flow_ids": flow_ids, "citation_ids": cite_ids,
                "description": "; ".join(used_flows[f]["purpose"] for f in flow_ids),
            }
            unverified = [f for f in flow_ids if not used_flows[f].get("verified", True)]
            if unverified:
                policy["unverified_flow_ids"] = unverified
            policies.append(policy)
        policies.sort(key=lambda p: (p["from_zone"], p["to_zone"], p["name"]))
        zones = {zone: {"interfaces": spec["interfaces"], "vrf": spec["vrf"],
                        "addresses": [_text(n) for n in spec["declared"]], "members": spec["members"]}
                 for zone, spec in self.spec["zones"].items()}
        return {
            "status": "planned",
            "provider": self.spec["provider"],
            "network_os": self.spec["network_os"],
            "default_action": self.spec["default_action"],
            "zones": zones,
            "address_objects": {name: self.parts[name] for name in sorted(self.parts)},
            "services": dict(sorted(services.items())),
            "policies": policies,
            "protected": self._protected(policies),
            "warnings": self._warnings(),
        }

    def _protected(self, policies: list) -> list:
        """Addresses of managed hosts that are destinations of this firewall's policies."""
        zone_of = {}
        for addr in self.managed:
            pieces = self.zones.place(ipaddress.ip_network(addr))
            if pieces:
                zone_of[addr] = pieces[0][1]
        ordered = {4: [], 6: []}
        for addr in zone_of:
            ordered[addr.version].append(int(addr))
        for version in ordered:
            ordered[version].sort()
        hits = set()
        for policy in policies:
            for obj in policy["destination"]:
                addresses = self.parts[obj]["addresses"] if obj in self.parts else self.resolver.objects_addresses(obj)
                for text in addresses:
                    net = ipaddress.ip_network(text)
                    values = ordered[net.version]
                    low = bisect.bisect_left(values, int(net.network_address))
                    high = bisect.bisect_right(values, int(net.broadcast_address))
                    for value in values[low:high]:
                        addr = ipaddress.ip_address(value) if net.version == 4 else ipaddress.IPv6Address(value)
                        if zone_of.get(addr) == policy["to_zone"]:
                            hits.add(addr)
        return [str(a) for a in sorted(hits, key=lambda a: (a.version, a))]

    def _warnings(self) -> list:
        out = []
        for addr, host in sorted(self.managed.items(), key=lambda item: (item[0].version, item[0])):
            pieces = self.zones.place(ipaddress.ip_network(addr))
            if pieces and ipaddress.ip_network(addr) not in self.zones.declared:
                zone = pieces[0][1]
                zone_nets = [n for n, z in self.zones.declared.items() if z == zone]
                if any(n.prefixlen == 0 for n in zone_nets) and not any(
                        n.prefixlen and ipaddress.ip_network(addr).subnet_of(n) for n in zone_nets
                        if n.version == addr.version):
                    out.append(f"{host}'s address {addr} falls in zone '{zone}' only through its default range "
                               "(0.0.0.0/0 or ::/0); declare the range it sits in, or the host, in its zone")
        return out


def plan_firewalls(topology: dict, flows: list, resolver, used_flows: dict, citations_of) -> dict:
    """The ``network_firewalls`` section of the plan."""
    settings = topology["settings"]
    if not topology.get("firewalls"):
        return {}
    instances = flow_instances(topology, flows, resolver, settings["allow_unverified"])
    allow_all = settings["intra_org"] == "allow_all"
    managed = {}
    for name, host in topology["hosts"].items():
        if any(catalog.ROLES[r]["managed"] for r in host["roles"]):
            for addr in host["addresses"] + host["external_addresses"]:
                managed[addr] = name
    org_sid, _org_obj = resolver.org_set()
    support = next(f for f in catalog.FLOWS if f["id"] == "org-support-rule")
    out = {}
    for name in sorted(topology["firewalls"]):
        firewall = _Firewall(topology["firewalls"][name], resolver, settings, managed)
        if allow_all:
            firewall.org = firewall.split(org_sid)
        internal = []
        for instance in instances:
            flow = instance[0]
            if flow["internal"] and allow_all:
                internal.append(instance)
                continue
            firewall.add(*instance)
        if allow_all:
            firewall.add_support_rule(org_sid, internal)
        for policy_key in firewall.policies.values():
            for fid in policy_key["flows"]:
                if fid == "org-support-rule":
                    used_flows[fid] = support
                else:
                    used_flows[fid] = next(i[0] for i in instances if i[0]["id"] == fid)
        section = firewall.output(used_flows, citations_of)
        for policy in section["policies"]:
            for obj in policy["source"] + policy["destination"]:
                if obj not in section["address_objects"]:
                    resolver.used.add(obj)
        out[name] = section
    return out
