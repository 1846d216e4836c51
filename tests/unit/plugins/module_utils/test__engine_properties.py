"""Property tests over random inventories (hypothesis).

* No rule has a remote 'any' unless its source is a declared Internet-facing network.
* Every enabled flow of a host is covered by the rules produced, and nothing more: checked
  against a brute-force reference computed here from the catalog, independently of the engine.
* The output is deterministic (and independent of inventory order).
"""

from __future__ import annotations

import ipaddress
import json

from helpers import expanded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.module_utils._ports import range_tuples

SITES = ["HQ", "DR", "BR"]
UNVERIFIED = sorted(f["id"] for f in catalog.FLOWS if not f["verified"])
# Edge versions that may be subscribed to the transport servers of an organisation of each version.
EDGE_VERSIONS = {"2010": ["2010", "2013"], "2013": ["2013", "2010"], "2016": ["2016", "2010", "2013"],
                 "2019": ["2019", "2013"], "se": ["se"]}


@st.composite
def organisations(draw):
    version = draw(st.sampled_from(["2016", "2019", "se", "2013", "2010"]))
    n_mbx = draw(st.integers(1, 6))
    n_edge = draw(st.integers(0, 2))
    n_dc = draw(st.integers(1, 3))
    n_relay = draw(st.integers(0, 2))
    n_lb = draw(st.integers(0, 1))
    dual_stack = draw(st.booleans())
    groups = {"all": [], "exchange_mailbox": [], "exchange_edge": [], "domain_controllers": [],
              "smtp_relays": [], "load_balancers": [], "exchange_witness": [], "exchange_client_access": [],
              "exchange_hub_transport": [], "exchange_unified_messaging": [], "skype_for_business_servers": []}
    hostvars = {}
    counter = iter(range(1, 250))

    def add(name, group, extra):
        n = next(counter)
        addrs = [f"10.0.{n // 200}.{n % 200 + 1}"]
        if dual_stack:
            addrs.append(f"fd00::{n:x}")
        hostvars[name] = dict(extra, exchange_firewall_addresses=addrs)
        groups[group].append(name)
        groups["all"].append(name)

    dags = {}
    use_witness = draw(st.booleans())
    if use_witness:
        add("wit1", "exchange_witness", {})
    for i in range(n_mbx):
        extra = {"exchange_firewall_version": version, "exchange_firewall_ad_site": draw(st.sampled_from(SITES))}
        if draw(st.booleans()):
            dag = draw(st.sampled_from(["DAG1", "DAG2"]))
            extra["exchange_firewall_dag"] = dag
            dags[dag] = {"witness": "wit1"} if use_witness else {}
        if draw(st.booleans()):
            extra["exchange_firewall_features"] = {"pop3": draw(st.booleans()), "imap4": draw(st.booleans()),
                                                   "publish_to_internet": draw(st.booleans())}
        if version == "2010" and draw(st.booleans()):
            extra["exchange_firewall_public_folders"] = True
        add(f"mbx{i}", "exchange_mailbox", extra)
        if version in ("2010", "2013") and draw(st.booleans()):
            groups["exchange_client_access"].append(f"mbx{i}")
        if version == "2010" and (i == 0 or draw(st.booleans())):
            groups["exchange_hub_transport"].append(f"mbx{i}")
        if version == "2010" and draw(st.booleans()):
            groups["exchange_unified_messaging"].append(f"mbx{i}")
    transport = groups["exchange_hub_transport"] if version == "2010" else groups["exchange_mailbox"]
    sites = sorted({hostvars[h]["exchange_firewall_ad_site"] for h in transport})
    for i in range(n_edge):
        edge_vars = {"exchange_firewall_version": draw(st.sampled_from(EDGE_VERSIONS[version])),
                     "exchange_firewall_edge_site": draw(st.sampled_from(sites))}
        if draw(st.booleans()):
            edge_vars["exchange_firewall_external_addresses"] = [f"198.51.100.{i + 1}"]
        if draw(st.booleans()):
            edge_vars["exchange_firewall_hybrid_transport"] = True
        add(f"edge{i}", "exchange_edge", edge_vars)
    if draw(st.booleans()):
        add("sfb0", "skype_for_business_servers", {})
    for i in range(n_dc):
        add(f"dc{i}", "domain_controllers", {})
    for i in range(n_relay):
        add(f"relay{i}", "smtp_relays", {})
    for i in range(n_lb):
        add(f"lb{i}", "load_balancers", {})
    networks = {"management": ["192.168.5.0/24"]}
    for name in ("clients", "smtp_clients", "exchange_online", "um_gateways", "dns_servers", "public_dns_servers"):
        if draw(st.booleans()):
            networks[name] = [f"172.{16 + len(networks)}.0.0/16"]
    allow = draw(st.one_of(st.booleans(), st.lists(st.sampled_from(UNVERIFIED), max_size=8)))
    settings = {
        "exchange_firewall_networks": networks,
        "exchange_firewall_dags": dags,
        "exchange_firewall_outbound": draw(st.booleans()),
        "exchange_firewall_allow_unverified": allow,
        "exchange_firewall_um_startup_mode": draw(st.sampled_from([None, "TCP", "TLS", "Dual"])),
        "exchange_firewall_features": {
            "hybrid": draw(st.booleans()) and "exchange_online" in networks,
            "external_access": draw(st.booleans()),
            "smart_host": draw(st.booleans()),
            "load_balanced_smtp": draw(st.booleans()),
            "outbound_frontend_proxy": draw(st.booleans()),
        },
    }
    rpc = draw(st.sampled_from(["default", "static", "override"]))
    if rpc == "static":
        settings.update(exchange_firewall_rpc_client_access_port=59531, exchange_firewall_address_book_port=59600)
    elif rpc == "override":
        settings["exchange_firewall_rpc_dynamic_ports"] = ["50000-50100"]
    return groups, hostvars, settings


def _nets(host):
    return [ipaddress.ip_network(a) for a in host["addresses"]]


def _versions(flow, side):
    return flow.get(f"{side}_versions") or flow["versions"]


def _ports(flow, topo, me):
    """The flow's ports under the organisation's settings, written out here independently of the catalog."""
    settings = topo["settings"]
    setting = flow["port_setting"]
    if setting == "dag_replication_port" and me["dag"] is not None:
        return topo["dags"][me["dag"]]["replication_port"] or flow["ports"]
    if setting in ("rpc_client_access", "rpc_public_folders"):
        if settings["rpc_dynamic_ports"]:
            return settings["rpc_dynamic_ports"]
        if settings["rpc_client_access_port"]:
            extra = [settings["address_book_port"]] if setting == "rpc_client_access" else []
            return [settings["rpc_client_access_port"]] + extra
    if setting == "um_startup_mode":
        mode = settings["um_startup_mode"]
        if "2010" in flow["versions"]:
            return {"tcp": ["5065", "5067"], "tls": ["5066", "5068"]}.get(mode, ["5065-5068"])
        return ["5065-5068"] if mode == "dual" else ["5065-5067"]
    return flow["ports"]


def _allowed(flow, allow):
    return flow["verified"] or allow is True or (isinstance(allow, list) and flow["id"] in allow)


def _reference(topo, name):
    """Brute force: the (direction, protocol, port range, remote network) a host must allow."""
    hosts = topo["hosts"]
    me = hosts[name]
    settings = topo["settings"]
    internal_host = any(catalog.ROLES[r]["internal"] for r in me["roles"])
    present = {h["version"] for h in hosts.values() if h["version"]} or set(catalog.VERSIONS)
    need, org_needed = set(), False
    for flow in catalog.FLOWS:
        for direction, local_side, remote_side in (("in", "dst", "src"), ("out", "src", "dst")):
            if direction == "out" and not settings["outbound"]:
                continue
            exchange_ends = [e for e in flow["src"] + flow["dst"] if e in catalog.ROLES and catalog.ROLES[e]["exchange"]]
            if not exchange_ends:
                needed = flow["versions"]
            elif all(e in catalog.ROLES and catalog.ROLES[e]["exchange"] for e in flow[remote_side]):
                needed = _versions(flow, remote_side)
            else:
                needed = None
            if needed is not None and not present & set(needed):
                continue
            for role in me["roles"]:
                if role not in flow[local_side]:
                    continue
                if me["version"] is not None and me["version"] not in _versions(flow, local_side):
                    continue
                toggles = ([flow["feature"]] if flow["feature"] else []) + flow["requires"]
                if not all(me["features"][t] for t in toggles):
                    continue
                if flow["host_flag"] and not me["flags"][flow["host_flag"]]:
                    continue
                if not _allowed(flow, settings["allow_unverified"]):
                    continue
                if flow["internal"] and internal_host:
                    org_needed = True
                    continue
                for end in flow[remote_side]:
                    if end in catalog.ROLES:
                        remote = []
                        for other in hosts.values():
                            if end not in other["roles"]:
                                continue
                            if catalog.ROLES[end]["exchange"] and other["version"] not in _versions(flow, remote_side):
                                continue
                            if flow["host_flag"] and not other["flags"][flow["host_flag"]]:
                                continue
                            if not _related(flow["scope"], me, role, other, end, topo):
                                continue
                            remote += _nets(other)
                    else:
                        remote = list(topo["networks"].get(end) or [])
                    for lo, hi in range_tuples(_ports(flow, topo, me)):
                        for net in remote:
                            need.add((direction, flow["protocol"], lo, hi, net))
    return need, org_needed


def _related(scope, me, my_role, other, end, topo):
    if scope is None:
        return True
    if scope == "edge_subscription":
        if my_role == "edge_transport":
            return other["ad_site"] == me["edge_site"]
        return other["edge_site"] == me["ad_site"]
    if scope == "dag":
        return me["dag"] is not None and other["dag"] == me["dag"]
    if scope == "witness":
        if my_role == "dag_witness":
            return other["dag"] is not None and topo["dags"][other["dag"]]["witness"] == me["name"]
        return me["dag"] is not None and topo["dags"][me["dag"]]["witness"] == other["name"]
    raise AssertionError(scope)


def _covers(rule, lo, hi, net):
    ports_ok = any(a <= lo and hi <= b for a, b in range_tuples(rule["local_ports"]))
    nets = [ipaddress.ip_network(a) for a in rule["remote_addresses"]]
    return ports_ok and any(net.version == n.version and net.subnet_of(n) for n in nets)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_plan_properties(org):
    groups, hostvars, cfg = org
    topo = topology.build(groups, hostvars, cfg)
    compact = engine.plan(topo)
    plan = expanded(compact)
    facing = set(topo["settings"]["internet_facing_networks"])
    for name, host in plan["hosts"].items():
        need, org_needed = _reference(topo, name)
        per_port = [r for r in host["rules"] if r["protocol"] != "any"]
        # 1. 'any' only from Internet-facing networks.
        for rule in host["rules"]:
            if any(a in ("0.0.0.0/0", "::/0") for a in rule["remote_addresses"]):
                assert set(rule["remote_endpoints"]) <= facing, (name, rule["name"])
        # 2a. every enabled flow is covered ...
        for direction, protocol, lo, hi, net in need:
            assert any(r["direction"] == direction and r["protocol"] == protocol and _covers(r, lo, hi, net)
                       for r in per_port), (name, direction, protocol, lo, hi, net)
        # 2b. ... and nothing more: every (port range, remote network) of a rule is needed.
        for rule in per_port:
            for lo, hi in range_tuples(rule["local_ports"]):
                for addr in rule["remote_addresses"]:
                    net = ipaddress.ip_network(addr)
                    for port in (lo, hi):
                        # The union of the networks needed on this port must contain the rule's network.
                        union = ipaddress.collapse_addresses(
                            n[4] for n in need if n[0] == rule["direction"] and n[1] == rule["protocol"]
                            and n[4].version == net.version and n[2] <= port <= n[3])
                        assert any(net.subnet_of(u) for u in union), (name, rule["name"], port, addr)
        # 2c. the organisation rule exactly when an internal flow applies, scoped to internal hosts.
        org_rules = [r for r in host["rules"] if r["protocol"] == "any"]
        # Lync/Skype for Business servers are in the organisation set when it runs Exchange 2013 or later.
        skype = any(h["version"] not in (None, "2010") and "edge_transport" not in h["roles"]
                    for h in topo["hosts"].values())
        internal = sorted((n for h in topo["hosts"].values()
                           if any(catalog.ROLES[r]["internal"] and (skype or r != "skype_for_business")
                                  for r in h["roles"]) for n in _nets(h)),
                          key=lambda n: (n.version, n))
        if org_needed:
            assert org_rules
            for rule in org_rules:
                assert [ipaddress.ip_network(a) for a in rule["remote_addresses"]] == \
                    list(ipaddress.collapse_addresses([n for n in internal if n.version == 4])) + \
                    list(ipaddress.collapse_addresses([n for n in internal if n.version == 6]))
        else:
            assert not org_rules
        # management access is always there.
        assert any(set(r["flow_ids"]) & {"mgmt-windows", "mgmt-linux"} for r in host["rules"])
    # 3. deterministic, whatever the inventory order.
    again = engine.plan(topology.build(dict(reversed(list(groups.items()))),
                                       dict(reversed(list(hostvars.items()))), cfg))
    assert json.dumps(again) == json.dumps(compact)
    # 4. every object a rule names is defined once, and the plan names no object it does not define.
    used = {r["remote_object"] for h in compact["hosts"].values() for r in h["rules"]}
    assert used <= set(compact["address_objects"])
