# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flow diagram of a plan as a graph: nodes, clusters and labelled edges. Pure.

Hosts are aggregated by role and AD site (one node per group), so the diagram stays bounded
however many hosts the organisation has: with more than ``max_groups`` groups, by role only.
Remote sides become nodes of their own: each named network, the organisation (Microsoft's support
rule) and, for role objects, the groups of their member hosts. Network firewalls are clusters of
their zones, their policies edges between zones. Every edge carries the protocols and ports of the
rules (or policies) it stands for; edges of rules with unverified flows are marked.
Node ids are stable and readable (tests and the report refer to them).
"""

from __future__ import annotations

import re

from ansible_collections.exchange.firewall.plugins.module_utils import _report_model as model
from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, range_tuples
from ansible_collections.exchange.firewall.plugins.module_utils._text import natural_key, one_line

MAX_GROUPS = 40
MAX_FIREWALLS = 12
MAX_NAMES = 4
MAX_PORTS = 8
_ID_RE = re.compile(r"[^a-z0-9]+")

ROLE_LABELS = {
    "mailbox": "Mailbox", "client_access": "Client Access", "hub_transport": "Hub Transport",
    "unified_messaging": "Unified Messaging", "edge_transport": "Edge Transport", "dag_witness": "DAG witness",
    "domain_controller": "Domain controller", "smtp_relay": "SMTP relay", "load_balancer": "Load balancer",
    "reverse_proxy": "Reverse proxy", "network_firewall": "Network firewall",
}


def _slug(text) -> str:
    return _ID_RE.sub("-", str(text).lower()).strip("-") or "x"


class _Ids:
    """Readable, unique node ids: a slug, with a counter when two names share it."""

    def __init__(self):
        self.by_key = {}
        self.taken = set()

    def get(self, key, base: str) -> str:
        if key not in self.by_key:
            unique, counter = base, 2
            while unique in self.taken:
                unique, counter = f"{base}-{counter}", counter + 1
            self.taken.add(unique)
            self.by_key[key] = unique
        return self.by_key[key]


def _role_label(roles) -> str:
    return " + ".join(ROLE_LABELS.get(r, r) for r in roles)


def _names_line(names: list) -> str:
    names = sorted(names, key=natural_key)
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" +{len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _ports_label(ports: dict) -> str:
    """{protocol: [ports]} -> 'TCP 25, 50636 | UDP 53' (at most MAX_PORTS ports per protocol shown)."""
    if "any" in ports:
        return "any"
    parts = []
    for proto in sorted(ports):
        items = format_ranges(merge_ranges(range_tuples(ports[proto])))
        text = ", ".join(items[:MAX_PORTS]) + (f" +{len(items) - MAX_PORTS} more" if len(items) > MAX_PORTS else "")
        parts.append(f"{proto.upper()} {text}")
    return " | ".join(parts)


def build(plan: dict, max_groups: int = MAX_GROUPS, max_firewalls: int = MAX_FIREWALLS) -> dict:
    """{"nodes": {id: {label, kind, cluster}}, "clusters": {id: {label, kind}}, "edges": [...], "notes": [...]}.

    Each edge: {src, dst, label, kind: rule|policy, unverified: bool, rules: [names]}; sorted.
    """
    index = model.known_hosts(plan)
    objects = model.all_objects(plan)
    flows = plan.get("flows") or {}
    ids = _Ids()
    notes = []

    def group_key(host: str, by_site: bool):
        entry = index.get(host) or plan["hosts"].get(host) or {"roles": ["unknown"], "ad_site": None}
        site = entry.get("ad_site") if by_site else None
        return tuple(entry["roles"]), site

    # Group the hosts that have rule sets, plus every member host of a role object a rule uses.
    wanted = set(plan["hosts"])
    for host in plan["hosts"].values():
        for rule in host["rules"]:
            obj = objects.get(rule["remote_object"]) or {}
            if obj.get("kind") not in ("network", "organisation"):
                wanted.update(obj.get("members") or [])
    by_site = len({group_key(h, True) for h in wanted}) <= max_groups
    if not by_site:
        notes.append(f"More than {max_groups} role and site groups: hosts are grouped by role only.")
    groups = {}
    for host in sorted(wanted, key=natural_key):
        groups.setdefault(group_key(host, by_site), []).append(host)

    nodes, clusters = {}, {}
    group_node = {}
    for (roles, site), members in sorted(groups.items(), key=lambda i: (i[0][1] or "", _role_label(i[0][0]))):
        node = ids.get(("group", roles, site), "hosts-" + _slug("-".join(roles)) + (f"-{_slug(site)}" if site else ""))
        cluster = None
        if site:
            cluster = ids.get(("site", site), "site-" + _slug(site))
            clusters[cluster] = {"label": f"AD site {one_line(site)}", "kind": "site"}
        count = f" ({len(members)})" if len(members) > 1 else ""
        nodes[node] = {"label": [_role_label(roles) + count, _names_line(members)], "kind": "hosts",
                       "cluster": cluster, "hosts": members}
        for member in members:
            group_node[member] = node

    remote_cache = {}

    def remote_nodes(name: str) -> list:
        if name not in remote_cache:
            remote_cache[name] = _remote_nodes(name)
        return remote_cache[name]

    def _remote_nodes(name: str) -> list:
        obj = objects.get(name) or {"kind": "unknown", "members": [], "addresses": []}
        if obj["kind"] == "organisation":
            node = ids.get(("org",), "organisation")
            nodes.setdefault(node, {"label": ["Organisation", "Exchange servers and domain controllers"],
                                    "kind": "organisation", "cluster": None})
            return [node]
        if obj["kind"] != "network" and obj.get("members"):
            return sorted({group_node[m] for m in obj["members"] if m in group_node})
        node = ids.get(("net", name), "net-" + _slug(name))
        count = len(obj.get("addresses") or [])
        label = "Any address" if model.is_any(obj.get("addresses")) else f"{count} address{'es' if count != 1 else ''}"
        nodes.setdefault(node, {"label": [f"{one_line(name)}", label], "kind": "network", "cluster": None})
        return [node]

    edges = {}

    def add_edge(src, dst, protocol, ports, kind, unverified, rule):
        edge = edges.setdefault((src, dst, kind), {"ports": {}, "unverified": False, "rules": set()})
        edge["ports"].setdefault(protocol, []).extend(ports if protocol != "any" else [])
        edge["unverified"] = edge["unverified"] or unverified
        edge["rules"].add(rule)

    for host_name, host in plan["hosts"].items():
        local = group_node[host_name]
        for rule in host["rules"]:
            unverified = bool(model.unverified_flows(rule, flows))
            for remote in remote_nodes(rule["remote_object"]):
                src, dst = (remote, local) if rule["direction"] == "in" else (local, remote)
                add_edge(src, dst, rule["protocol"], rule["local_ports"], "rule", unverified, rule["name"])

    firewalls = list((plan.get("network_firewalls") or {}).items())
    if len(firewalls) > max_firewalls:
        notes.append(f"{len(firewalls)} network firewalls: the first {max_firewalls} are drawn; all are in the tables.")
    for name, firewall in firewalls[:max_firewalls]:
        cluster = ids.get(("fw", name), "fw-" + _slug(name))
        clusters[cluster] = {"label": f"Network firewall {one_line(name)}", "kind": "firewall"}
        zone_node = {}
        for zone in firewall.get("zones") or {}:
            node = ids.get(("zone", name, zone), f"{cluster}-zone-{_slug(zone)}")
            zone_node[zone] = node
            nodes[node] = {"label": [f"zone {one_line(zone)}"], "kind": "zone", "cluster": cluster}
        services = firewall.get("services") or {}
        for policy in firewall.get("policies") or []:
            src, dst = zone_node.get(policy["from_zone"]), zone_node.get(policy["to_zone"])
            if src is None or dst is None:
                continue
            unverified = bool(model.unverified_flows(policy, flows))
            for key in policy.get("services") or []:
                spec = services.get(key) or {"protocol": "any", "ports": []}
                add_edge(src, dst, spec["protocol"], spec.get("ports") or [], "policy", unverified, policy["name"])

    out_edges = []
    for (src, dst, kind), edge in sorted(edges.items()):
        out_edges.append({"src": src, "dst": dst, "kind": kind, "label": _ports_label(edge["ports"]),
                          "unverified": edge["unverified"], "rules": sorted(edge["rules"])})
    return {"nodes": dict(sorted(nodes.items())), "clusters": dict(sorted(clusters.items())), "edges": out_edges,
            "notes": notes, "grouped_by": "role and AD site" if by_site else "role"}
