# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule engine: topology + catalog -> per-host rule sets (the plan).

Pure and stdlib-only, deterministic, linear in the number of hosts: remote address sets are
resolved once per (endpoint, version filter, scope) and shared between hosts.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils import _netpolicy
from ansible_collections.exchange.firewall.plugins.module_utils._ports import (
    address_text,
    format_ranges,
    merge_ranges,
    range_tuples,
)
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError, collapse

SCHEMA_VERSION = 2
ORG_LABEL = "organisation"
_SLUG_RE = re.compile(r"[^a-z0-9]+")
MAX_NAME = 64


def slug(text: str) -> str:
    return _SLUG_RE.sub("-", str(text).lower()).strip("-") or "x"


def address_strings(nets) -> list:
    return [address_text(net) for net in nets]


def select_flows(topology: dict, include_ids=None, exclude_ids=None) -> list:
    """Catalog + user flows, minus exclusions. ``include_ids``/``exclude_ids`` are id collections."""
    flows = catalog.flows() + [dict(f) for f in topology["extra_flows"]]
    known = {f["id"] for f in flows}
    for var, ids in (("flows_include", include_ids), ("flows_exclude", exclude_ids)):
        for fid in sorted(ids or ()):
            if fid not in known:
                raise PlanError("organisation", "exchange_firewall_" + var, f"selects unknown flow id {fid!r}")
    if include_ids is not None:
        if not set(include_ids) - set(catalog.PROTECTED_FLOWS):
            # An expression that matches nothing (a typo in a field name or a value) would leave the
            # management rule and the support rule only: every service flow closed, silently.
            raise PlanError("organisation", "exchange_firewall_flows_include",
                            "selects no flow besides the ones always planned (" +
                            ", ".join(catalog.PROTECTED_FLOWS) + "): every service flow would be closed; "
                            "check the expression, or use exchange_firewall_flows_exclude to remove flows")
        include = set(include_ids) | set(catalog.PROTECTED_FLOWS)
        flows = [f for f in flows if f["id"] in include]
    if exclude_ids:
        protected = sorted(set(exclude_ids) & set(catalog.PROTECTED_FLOWS))
        if protected:
            raise PlanError("organisation", "exchange_firewall_flows_exclude",
                            f"flow {protected[0]!r} cannot be excluded: it carries management access or "
                            "Microsoft's support rule")
        flows = [f for f in flows if f["id"] not in set(exclude_ids)]
    return flows


class _Resolver:
    """Resolves endpoints to interned address sets, each published once as a named address object.

    Hosts are indexed by role, and by (role, AD site), (role, subscribed site) and (role, DAG), with
    their addresses parsed once, so resolving a scoped set touches only the hosts it contains: the
    engine stays linear in the number of hosts. Rules and policies refer to a set by its id; the
    plan publishes each set once, under a stable, readable object name.
    """

    def __init__(self, topology: dict):
        self.topo = topology
        self.hosts = topology["hosts"]
        self.nets = {}
        self.by_role = {}
        self.by_site = {}
        self.by_edge_site = {}
        self.by_dag = {}
        self.role_versions = {}
        for name in sorted(self.hosts):
            host = self.hosts[name]
            self.nets[name] = _host_nets(host)
            for role in host["roles"]:
                self.by_role.setdefault(role, []).append(host)
                self.by_site.setdefault((role, host["ad_site"]), []).append(host)
                self.by_edge_site.setdefault((role, host["edge_site"]), []).append(host)
                if host["dag"] is not None:
                    self.by_dag.setdefault((role, str(host["dag"])), []).append(host)
                self.role_versions.setdefault(role, set()).add(host["version"])
        self.witness_dags = {}
        for dag in sorted(topology["dags"]):
            witness = topology["dags"][dag]["witness"]
            self.witness_dags[witness] = self.witness_dags.get(witness, ()) + (dag,)
        self.cache = {}
        self.interned = {}
        self.set_nets = []
        self.set_strings = []
        self.names = {}       # (name, set id) -> object name
        self.objects = {}     # object name -> {"kind", "sid", "description", "members"}
        self.used = set()     # object names that rules refer to

    def intern(self, nets) -> int:
        nets = tuple(nets)
        sid = self.interned.get(nets)
        if sid is None:
            sid = self.interned[nets] = len(self.set_nets)
            self.set_nets.append(nets)
            self.set_strings.append(address_strings(nets))
        return sid

    def publish(self, sid: int, name: str, kind: str, description: str, members=()) -> str:
        """Give address set ``sid`` an object name (unique; the first owner of a name keeps it)."""
        key = (name, sid)
        if key in self.names:
            return self.names[key]
        unique, counter = name, 2
        while unique in self.objects and self.objects[unique]["sid"] != sid:
            unique = f"{name}-{counter}"
            counter += 1
        self.objects.setdefault(unique, {"kind": kind, "sid": sid, "description": description,
                                         "members": sorted(members)})
        self.names[key] = unique
        return unique

    def org_set(self):
        key = ("__org__",)
        if key not in self.cache:
            nets, members = [], []
            skype = self.topo.get("skype_in_org", False)
            for name, host in self.hosts.items():
                if any(catalog.ROLES[r]["internal"] and (skype or r != "skype_for_business") for r in host["roles"]):
                    nets.extend(self.nets[name])
                    members.append(name)
            sid = self.intern(collapse(nets))
            what = "Exchange servers, domain controllers and Lync/Skype for Business servers" if skype and \
                self.by_role.get("skype_for_business") else "Exchange servers and domain controllers"
            obj = self.publish(sid, ORG_LABEL, "organisation", f"{what} (Microsoft's support rule)", members)
            self.cache[key] = (sid, obj)
        return self.cache[key]

    def resolve(self, endpoint: str, flow: dict, local: dict, local_role: str, versions=None):
        """(label, address set id or None if undeclared, object name) for ``endpoint`` seen from ``local``.

        ``versions``: the Exchange versions of the remote side (default: the flow's versions).
        """
        if endpoint not in catalog.ROLES:
            key = ("__net__", endpoint)
            if key not in self.cache:
                nets = self.topo["networks"].get(endpoint)
                if nets is None:
                    self.cache[key] = (None, None)
                else:
                    sid = self.intern(nets)
                    self.cache[key] = (sid, self.publish(sid, endpoint, "network", f"network '{endpoint}'"))
            sid, obj = self.cache[key]
            return endpoint, sid, obj
        scope = flow["scope"]
        scope_key, label = self._scope_key(scope, endpoint, local, local_role)
        sid, obj = self.resolve_key(endpoint, flow["versions"] if versions is None else versions, scope, scope_key,
                                    flag=flow.get("host_flag"))
        return label, sid, obj

    def resolve_key(self, endpoint: str, versions, scope, scope_key, feature=None, external=False, flag=None):
        """(set id, object name) of the hosts of role ``endpoint`` that fit the flow's versions and scope.

        ``feature``: only hosts with that toggle (or all of those toggles, a tuple) on; ``flag``: only
        hosts with that host flag set; ``external``: their external addresses (the Edge's
        Internet-facing NIC) where they have any.
        """
        versions = tuple(versions) if catalog.ROLES[endpoint]["exchange"] else None
        features = (feature,) if isinstance(feature, str) else tuple(feature or ())
        key = (endpoint, versions, scope, scope_key, features, external, flag)
        cached = self.cache.get(key)
        if cached is None:
            candidates = self._candidates(scope, scope_key, endpoint)
            kept = [h for h in candidates if versions is None or h["version"] in versions]
            fewer = [f for f in features if any(not h["features"].get(f, False) for h in kept)]
            kept = [h for h in kept if all(h["features"].get(f, False) for f in features)]
            flagged = flag is not None and any(not h["flags"].get(flag, False) for h in kept)
            if flag is not None:
                kept = [h for h in kept if h["flags"].get(flag, False)]
            external = external and any(h["external_addresses"] for h in kept)
            nets = []
            for host in kept:
                outside = external and host["external_addresses"]
                nets.extend(_nets(host["external_addresses"]) if outside else self.nets[host["name"]])
            sid = self.intern(collapse(nets))
            name, description = self._object_name(endpoint, versions, scope, scope_key)
            if fewer:
                name += "".join(f"-{slug(f)}" for f in fewer)
                description += f" with {' and '.join(fewer)} on"
            if flagged:
                name += f"-{slug(flag)}"
                description += f" ({flag.replace('_', ' ')})"
            if external:
                name += "-external"
                description += " (external addresses)"
            cached = self.cache[key] = (sid, self.publish(sid, name, "role", description, [h["name"] for h in kept]))
        return cached

    def _object_name(self, endpoint, versions, scope, scope_key):
        name = endpoint
        what = catalog.ROLE_NAMES.get(endpoint, endpoint)
        present = self.role_versions.get(endpoint, set())
        if versions is not None and not present <= set(versions):
            kept = sorted(v for v in present if v in versions)
            name += "-v" + "-".join(kept or ["none"])
            what += f" (Exchange {', '.join(kept) or 'none'})"
        if scope == "edge_subscription":
            name += f"-site-{slug(scope_key)}"
            what += (f" subscribed to AD site {scope_key}" if endpoint == "edge_transport"
                     else f" in AD site {scope_key}")
        elif scope == "dag":
            name += f"-dag-{slug(scope_key)}"
            what += f" in DAG {scope_key}"
        elif scope == "witness":
            kind, value = scope_key
            dags = value if kind == "dags" else (value,)
            name += f"-dag-{'-'.join(slug(d) for d in dags if d is not None) or 'none'}"
            what += (f" of DAG {', '.join(str(d) for d in dags)}" if kind == "dags"
                     else f" (witness of DAG {value})")
        return name, what

    def _candidates(self, scope, scope_key, endpoint) -> list:
        if scope is None:
            return self.by_role.get(endpoint, [])
        if scope == "edge_subscription":
            index = self.by_edge_site if endpoint == "edge_transport" else self.by_site
            return index.get((endpoint, scope_key), [])
        if scope == "dag":
            return [] if scope_key is None else self.by_dag.get((endpoint, str(scope_key)), [])
        if scope == "witness":
            kind, value = scope_key
            if kind == "dags":
                return [h for dag in value for h in self.by_dag.get((endpoint, str(dag)), [])]
            if value is None:
                return []
            witness = self.topo["dags"].get(str(value), {}).get("witness")
            host = self.hosts.get(witness)
            return [host] if host is not None and endpoint in host["roles"] else []
        return []

    def _scope_key(self, scope, endpoint, local, local_role):
        if scope is None:
            return None, endpoint
        if scope == "edge_subscription":
            site = local["edge_site"] if local_role == "edge_transport" else local["ad_site"]
            return site, f"{endpoint}-site-{slug(site)}"
        if scope == "dag":
            return local["dag"], f"{endpoint}-dag-{slug(local['dag'])}"
        if scope == "witness":
            if local_role == "dag_witness":
                dags = self.witness_dags.get(local["name"], ())
                return ("dags", dags), f"{endpoint}-dag-{'-'.join(slug(d) for d in dags) or 'none'}"
            return ("member", local["dag"]), f"{endpoint}-dag-{slug(local['dag'])}"
        raise PlanError(f"host '{local['name']}'", "exchange_firewall_extra_flows", f"unknown scope {scope!r}")

    def is_empty(self, sid: int) -> bool:
        return not self.set_nets[sid]

    def objects_addresses(self, name: str) -> list:
        return self.set_strings[self.objects[name]["sid"]]

    def address_objects(self, networks: dict) -> dict:
        """The objects rules refer to, plus every declared network, sorted by name."""
        for name in networks:
            self.used.add(self.resolve(name, {"scope": None, "versions": []}, {}, "")[2])
        out = {}
        for name in sorted(self.used):
            obj = self.objects[name]
            sid = obj["sid"]
            out[name] = {"kind": obj["kind"], "addresses": self.set_strings[sid],
                         "members": obj["members"], "description": obj["description"]}
        return out


def _host_nets(host: dict) -> list:
    return _nets(host["addresses"])


def _nets(addresses) -> list:
    return [ipaddress.ip_network(a) for a in addresses]


def _flow_ports(flow: dict, topo: dict, local: dict) -> list:
    port = None
    if local.get("dag") is not None:
        port = topo["dags"].get(str(local["dag"]), {}).get("replication_port")
    return catalog.ports_for(flow, topo["settings"], replication_port=port)


def _citations(flow: dict) -> list:
    if flow.get("user"):
        return [dict(flow["citation"], id="user:" + flow["id"])]
    return [catalog.citation(key) for key in flow["cite"]]


def _index(flows: list):
    by_dst, by_src = {}, {}
    for flow in flows:
        for role in flow["dst"]:
            if role in catalog.ROLES:
                by_dst.setdefault(role, []).append(flow)
        for role in flow["src"]:
            if role in catalog.ROLES:
                by_src.setdefault(role, []).append(flow)
    return by_dst, by_src


@contextlib.contextmanager
def paused_gc():
    """Planning allocates many small objects and frees none of them until it ends; Python's cyclic
    garbage collector, which runs more often the more objects live, would make it superlinear."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan(topology: dict, include_ids=None, exclude_ids=None) -> dict:
    """Compute the plan: per managed host, its rule set; see the README for the schema."""
    with paused_gc():
        return _plan(topology, include_ids, exclude_ids)


def _plan(topology: dict, include_ids=None, exclude_ids=None) -> dict:
    flows = select_flows(topology, include_ids, exclude_ids)
    settings = topology["settings"]
    resolver = _Resolver(topology)
    by_dst, by_src = _index(flows)
    used_flows = {}
    hosts_out = {}
    for name in sorted(topology["hosts"]):
        host = topology["hosts"][name]
        if not any(catalog.ROLES[r]["managed"] for r in host["roles"]):
            continue
        hosts_out[name] = _host_plan(host, topology, resolver, by_dst, by_src, used_flows, settings)
    firewalls = _netpolicy.plan_firewalls(topology, flows, resolver, used_flows, _citations)
    public = {fid: public_flow(used_flows[fid]) for fid in sorted(used_flows)}
    unverified = {d["id"] for h in hosts_out.values() for d in h["disabled_flows"] if d["reason"] == UNVERIFIED_OFF}
    unverified |= {fid for fid, f in public.items() if not f["verified"]}
    reasons = {f["id"]: f.get("unverified_reason") or "no Microsoft source"
               for f in flows if f["id"] in unverified}
    citations = {}
    for flow in public.values():
        for cite in flow["citations"]:
            citations.setdefault(cite["id"], {"title": cite["title"], "url": cite["url"]})
    return {
        "schema_version": SCHEMA_VERSION,
        "settings": {
            "outbound": settings["outbound"],
            "intra_org": settings["intra_org"],
            "allow_unverified": settings["allow_unverified"],
            "rule_prefix": settings["rule_prefix"],
        },
        "address_objects": resolver.address_objects(topology["networks"]),
        "citations": dict(sorted(citations.items())),
        "hosts": hosts_out,
        "network_firewalls": firewalls,
        "flows": public,
        # Why each unverified flow the plan mentions (opened or not) has no Microsoft page behind it.
        "unverified_reasons": dict(sorted(reasons.items())),
    }


def public_flow(flow: dict) -> dict:
    return {
        "id": flow["id"], "versions": flow["versions"], "src": flow["src"], "dst": flow["dst"],
        "src_versions": flow.get("src_versions"), "dst_versions": flow.get("dst_versions"),
        "protocol": flow["protocol"], "ports": flow["ports"], "feature": flow["feature"],
        "requires": list(flow.get("requires") or []), "host_flag": flow.get("host_flag"),
        "scope": flow["scope"], "internal": flow["internal"], "verified": flow["verified"],
        "unverified_reason": flow.get("unverified_reason"),
        "purpose": flow["purpose"], "citations": _citations(flow),
    }


def _off_reason(flow, host, local_side, org_versions, roles_present):
    """Why ``flow`` does not apply to ``host`` on ``local_side``: None (it applies), "" (silently: another
    version, an organisation without the versions it needs or without hosts on the other side), or the
    reason listed under disabled_flows."""
    if host["version"] is not None and host["version"] not in catalog.side_versions(flow, local_side):
        return ""
    remote_side = "src" if local_side == "dst" else "dst"
    needed = catalog.versions_needed(flow, remote_side)
    if needed is not None and not org_versions.intersection(needed):
        return ""
    if all(e in catalog.ROLES and e not in roles_present for e in flow[remote_side]):
        return ""
    for toggle in catalog.toggles(flow):
        if not host["features"].get(toggle, False):
            return f"feature '{toggle}' is off"
    flag = flow.get("host_flag")
    if flag and not host["flags"].get(flag, False):
        return f"exchange_firewall_{flag} is false on this host"
    return None


UNVERIFIED_OFF = "unverified (exchange_firewall_allow_unverified; see unverified_reasons)"


def _unverified_text(flow) -> str:
    return f"unverified: {flow.get('unverified_reason') or 'no Microsoft source'}"


def _host_plan(host, topology, resolver, by_dst, by_src, used_flows, settings) -> dict:
    is_internal = any(catalog.ROLES[r]["internal"] for r in host["roles"])
    allow_all = settings["intra_org"] == "allow_all"
    allow = settings["allow_unverified"]
    org_versions = set(topology.get("versions") or catalog.VERSIONS)
    groups = {}
    org_ids = {"in": set(), "out": set()}
    warnings = []
    disabled = {}
    applied = set()
    directions = [("in", by_dst, "src")]
    if settings["outbound"]:
        directions.append(("out", by_src, "dst"))
    for direction, index, remote_side in directions:
        local_side = "dst" if direction == "in" else "src"
        seen = set()
        for role in host["roles"]:
            for flow in index.get(role, ()):
                if (flow["id"], role) in seen:
                    continue
                seen.add((flow["id"], role))
                reason = _off_reason(flow, host, local_side, org_versions, resolver.by_role)
                if reason == "":
                    continue
                if reason is not None:
                    disabled[flow["id"]] = reason
                    continue
                if not catalog.unverified_allowed(flow, allow):
                    disabled[flow["id"]] = UNVERIFIED_OFF
                    if flow.get("unverified_warning") and _reaches(flow, remote_side, host, role, resolver):
                        warnings.append(f"flow {flow['id']} is unverified and not opened, so "
                                        f"{flow['unverified_warning']}. {_unverified_text(flow)}. Once checked, "
                                        f"enable it with exchange_firewall_allow_unverified: [{flow['id']}]")
                    continue
                if flow["id"] == "org-support-rule":
                    continue
                applied.add(flow["id"])
                if flow["internal"] and allow_all and is_internal:
                    org_ids[direction].add(flow["id"])
                    used_flows[flow["id"]] = flow
                    continue
                _add_flow(host, role, flow, direction, remote_side, topology, resolver, groups, warnings,
                          used_flows)
    warnings += _setting_warnings(host, topology, resolver, applied, is_internal and allow_all)
    rules = []
    prefix = settings["rule_prefix"]
    if is_internal and allow_all:
        org, org_object = resolver.org_set()
        resolver.used.add(org_object)
        support = next(f for f in catalog.FLOWS if f["id"] == "org-support-rule")
        used_flows[support["id"]] = support
        for direction in ("in", "out") if settings["outbound"] else ("in",):
            ids = sorted(org_ids[direction] | {"org-support-rule"})
            rules.append(_rule(f"{prefix}-{direction}-any-{ORG_LABEL}", direction, "any", [], org_object,
                               [ORG_LABEL], ids, used_flows,
                               "All traffic with the other Exchange servers and the domain controllers "
                               "(Microsoft's support rule)."))
    names = {r["name"] for r in rules}
    for (direction, protocol, sid) in sorted(groups, key=lambda k: (k[0], k[1], sorted(groups[k]["labels"]),
                                                                    resolver.set_strings[k[2]])):
        entry = groups[(direction, protocol, sid)]
        labels = sorted(entry["labels"])
        name = _rule_name(prefix, direction, protocol, labels, names)
        names.add(name)
        ports = format_ranges(merge_ranges(entry["ports"]))
        purposes = "; ".join(used_flows[f]["purpose"] for f in sorted(entry["flows"]))
        rules.append(_rule(name, direction, protocol, ports, min(entry["objects"]), labels, sorted(entry["flows"]),
                           used_flows, purposes))
    rules.sort(key=lambda r: (r["direction"], r["name"]))
    mgmt_id = "mgmt-linux" if host["platform"] == "linux" else "mgmt-windows"
    if not any(mgmt_id in r["flow_ids"] for r in rules):
        raise PlanError(f"host '{host['name']}'", "exchange_firewall_networks.management",
                        "no management-access rule could be built; refusing to plan a lock-out")
    return {
        "platform": host["platform"],
        "roles": host["roles"],
        "version": host["version"],
        "ad_site": host["ad_site"],
        "dag": host["dag"],
        "edge_site": host["edge_site"],
        "addresses": [str(a) for a in host["addresses"]],
        "external_addresses": [str(a) for a in host["external_addresses"]],
        "features": dict(sorted(host["features"].items())),
        "flags": dict(sorted(host["flags"].items())),
        "rules": rules,
        "disabled_flows": [{"id": k, "reason": v} for k, v in sorted(disabled.items())],
        "warnings": sorted(set(warnings)),
    }


def _reaches(flow, remote_side, host, role, resolver) -> bool:
    """Whether the flow has anyone on its remote side for this host (a network always counts)."""
    versions = catalog.side_versions(flow, remote_side)
    for endpoint in flow[remote_side]:
        if endpoint not in catalog.ROLES:
            return True
        sid = resolver.resolve(endpoint, flow, host, role, versions)[1]
        if sid is not None and not resolver.is_empty(sid):
            return True
    return False


def _setting_warnings(host, topology, resolver, applied, in_org_rule) -> list:
    """Warnings about organisation settings as they affect this host."""
    out = []
    settings = topology["settings"]
    if applied & {"cas2010-rpc-dynamic", "mbx2010-pf-rpc-dynamic"} and not settings.get("rpc_dynamic_ports"):
        low, high = catalog.RPC_STATIC_RECOMMENDED
        keys = ["rpc_client_access_port"] + (["address_book_port"] if "cas2010-rpc-dynamic" in applied else [])
        for key in keys:
            port = settings.get(key)
            if port and not low <= int(port) <= high:
                out.append(f"exchange_firewall_{key} {port} is outside {low}-{high}, the range the Exchange Best "
                           "Practices Analyzer recommends for static RPC ports (gg191713), above the dynamic range "
                           "6005-59530 the Client Access role sets")
    if in_org_rule and host["version"] == "2010" and not topology.get("skype_in_org"):
        skype = [h["name"] for h in resolver.by_role.get("skype_for_business", [])]
        if skype:
            out.append(f"the Lync/Skype for Business servers ({', '.join(skype)}) are not in the organisation rule: "
                       "Exchange 2010's support statement (Understanding Client Access) covers Exchange servers and "
                       "domain controllers only; add the flows they need with exchange_firewall_extra_flows")
    return out


def _add_flow(host, role, flow, direction, remote_side, topology, resolver, groups, warnings, used_flows):
    ports = _flow_ports(flow, topology, host)
    remote_names = flow[remote_side]
    versions = catalog.side_versions(flow, remote_side)
    for endpoint in remote_names:
        label, sid, obj = resolver.resolve(endpoint, flow, host, role, versions)
        if sid is None:
            warnings.append(f"flow {flow['id']}: network '{endpoint}' is not declared in "
                            "exchange_firewall_networks, so no rule allows it")
            continue
        if resolver.is_empty(sid):
            continue
        key = (direction, flow["protocol"], sid)
        entry = groups.setdefault(key, {"labels": set(), "flows": set(), "ports": [], "objects": set()})
        entry["labels"].add(label)
        entry["objects"].add(obj)
        resolver.used.add(obj)
        entry["flows"].add(flow["id"])
        entry["ports"].extend(range_tuples(ports))
        used_flows[flow["id"]] = flow


def _rule_name(prefix, direction, protocol, labels, taken) -> str:
    base = f"{prefix}-{direction}-{protocol}-{'+'.join(slug(label) for label in labels)}"
    if len(base) > MAX_NAME:
        digest = hashlib.sha256(base.encode()).hexdigest()[:8]
        base = f"{base[:MAX_NAME - 9]}-{digest}"
    name, counter = base, 2
    while name in taken:
        name = f"{base}-{counter}"
        counter += 1
    return name


def _rule(name, direction, protocol, ports, remote_object, labels, flow_ids, used_flows, description) -> dict:
    citation_ids, seen = [], set()
    for fid in flow_ids:
        for cite in _citations(used_flows[fid]):
            if cite["url"] not in seen:
                seen.add(cite["url"])
                citation_ids.append(cite["id"])
    rule = {
        "name": name,
        "direction": direction,
        "protocol": protocol,
        "local_ports": ports,
        "remote_object": remote_object,
        "remote_endpoints": labels,
        "action": "allow",
        "flow_ids": flow_ids,
        "citation_ids": citation_ids,
        "description": description,
    }
    unverified = [f for f in flow_ids if not used_flows[f].get("verified", True)]
    if unverified:
        # Only on the rules that rest on an unverified flow (enabled by exchange_firewall_allow_unverified).
        rule["unverified_flow_ids"] = unverified
    return rule
