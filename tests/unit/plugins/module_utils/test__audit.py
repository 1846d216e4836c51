"""Drift audit decisions over live states as the read modules return them."""

from __future__ import annotations

import copy

import pytest
from helpers import ROOT, expanded, load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _audit
from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd
from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

LAB = ROOT / "examples" / "lab" / "inventory"


@pytest.fixture(scope="module")
def lab():
    return expanded(build_plan(*load_inventory(LAB)))


@pytest.fixture(scope="module")
def example():
    return expanded(build_plan(*load_inventory()))


def live_zone(rules, drop=(), add=(), configs=("runtime", "permanent")):
    want = fwd.desired(rules)
    entries = {k: sorted(want[k]) for k in fwd.ENTRY_KINDS}
    out = {"zone": "exfw", "owner": {}, "other_zones": [], "policies": [], "ingress_priority": 0}
    for config in ("runtime", "permanent"):
        state = copy.deepcopy(entries)
        if config in configs:
            state["rich_rules"] = [r for r in state["rich_rules"] if r not in drop] + list(add)
        out[config] = state
        out["owner"][config] = fwd.OWNER_SHORT
    return out


def test_in_sync(lab):
    rules = lab["hosts"]["relay01"]["rules"]
    finding = _audit.firewalld("relay01", rules, live_zone(rules))
    assert finding["status"] == "in sync" and finding["counts"]["rules"] == 2


def test_a_rule_gone_from_the_runtime_zone_only(lab):
    rules = lab["hosts"]["relay01"]["rules"]
    v4 = 'rule family="ipv4" source address="10.250.1.0/24" port port="25" protocol="tcp" accept'
    v6 = 'rule family="ipv6" source address="fd00:250:1::/64" port port="25" protocol="tcp" accept'
    partial = _audit.firewalld("relay01", rules, live_zone(rules, drop=[v4], configs=["runtime"]))
    assert partial["status"] == "drift" and partial["missing"] == []
    assert partial["differing"] == [{"rule": "exfw-in-tcp-smtp-clients", "where": "runtime configuration",
                                     "what": "missing TCP 25 from 10.250.1.0/24"}]
    whole = _audit.firewalld("relay01", rules, live_zone(rules, drop=[v4, v6]))
    assert whole["missing"] == [{"rule": "exfw-in-tcp-smtp-clients", "where": "runtime and permanent configurations",
                                 "what": "TCP 25 from 10.250.1.0/24, fd00:250:1::/64"}]


def test_extra_entries_count_only_when_purging(lab):
    rules = lab["hosts"]["relay01"]["rules"]
    extra = 'rule family="ipv4" source address="10.9.9.0/24" port port="8080" protocol="tcp" accept'
    finding = _audit.firewalld("relay01", rules, live_zone(rules, add=[extra]))
    assert finding["status"] == "drift"
    assert finding["extra"] == [{"what": "TCP 8080 from 10.9.9.0/24", "entry": extra,
                                 "where": "runtime and permanent configurations"}]
    kept = _audit.firewalld("relay01", rules, live_zone(rules, add=[extra]), purge=False)
    assert kept["status"] == "in sync" and kept["extra"] and "exchange_firewall_purge is false" in kept["note"]


def test_a_missing_zone_and_a_zone_not_owned(lab):
    rules = lab["hosts"]["relay01"]["rules"]
    finding = _audit.firewalld("relay01", rules, {"runtime": None, "permanent": None, "owner": {}})
    assert finding["status"] == "drift"
    assert [m["rule"] for m in finding["missing"]] == ["exfw-in-tcp-management", "exfw-in-tcp-smtp-clients"]
    assert "does not exist in the runtime and permanent configurations" in finding["note"]
    foreign = live_zone(rules)
    foreign["owner"]["runtime"] = "someone"
    assert _audit.firewalld("relay01", rules, foreign)["status"] == "error"


@pytest.mark.parametrize("zone, priority, shadows", [
    ("block", 0, True),        # before 'exfw' by name
    ("trusted", 0, False),     # after 'exfw': it never sees traffic from its source
    ("zzz", -10, True),        # an earlier ingress priority wins over the name
])
def test_foreign_zones_before_ours_in_the_dispatch_order_shadow_it(lab, zone, priority, shadows):
    rules = lab["hosts"]["relay01"]["rules"]
    live = live_zone(rules)
    live["other_zones"] = [{"name": zone, "sources": ["10.250.1.7"], "interfaces": [], "target": "%%REJECT%%",
                            "ingress_priority": priority}]
    finding = _audit.firewalld("relay01", rules, live)
    assert bool(finding["shadowing"]) is shadows
    if shadows:
        assert finding["shadowing"][0]["rules"] == ["exfw-in-tcp-smtp-clients"]


def test_policies_towards_the_host_that_decide_something(lab):
    rules = lab["hosts"]["relay01"]["rules"]
    live = live_zone(rules)
    live["policies"] = [
        {"name": "allow-host-ipv6", "target": "CONTINUE", "ingress_zones": ["ANY"], "egress_zones": ["HOST"],
         "rich_rules": ['rule family="ipv6" icmp-type name="neighbour-solicitation" accept'], "ports": []},
        {"name": "lockdown", "target": "REJECT", "ingress_zones": ["ANY"], "egress_zones": ["HOST"],
         "rich_rules": [], "ports": []}]
    finding = _audit.firewalld("relay01", rules, live)
    assert [s["policy"] for s in finding["shadowing"]] == ["lockdown"]


def windows_state(want, **changes):
    rules = []
    for rule in want:
        live = dict(rule, Protocol=rule["Protocol"], LocalPort=list(rule["LocalPort"]))
        live.update(changes.get(rule["Name"], {}))
        rules.append(live)
    return rules


def test_windows_drift_uses_the_appliers_decisions(example):
    rules = example["hosts"]["ex01"]["rules"]
    want = win.desired(rules)
    assert _audit.windows("ex01", rules, {"rules": windows_state(want)})["status"] == "in sync"
    state = windows_state(want, **{"exfw-in-tcp-clients": {"LocalPort": ["443"]}})
    state = [r for r in state if r["Name"] != "exfw-in-tcp-smtp-relay"]
    state.append(dict(want[0], Name="exfw-in-tcp-old", DisplayName="exfw-in-tcp-old"))
    finding = _audit.windows("ex01", rules, {"rules": state})
    assert [m["rule"] for m in finding["missing"]] == ["exfw-in-tcp-smtp-relay"]
    assert finding["differing"] == [{"rule": "exfw-in-tcp-clients", "what": "LocalPort: 443 -> 80, 443, 587",
                                     "where": ""}]
    assert [e["entry"] for e in finding["extra"]] == ["exfw-in-tcp-old"]


def test_windows_block_rules_shadow_the_allow_rules_they_overlap(example):
    rules = example["hosts"]["ex01"]["rules"]
    block = {"Name": "{guid}", "DisplayName": "Block SMTP", "Group": "", "Direction": "Inbound", "Action": "Block",
             "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ["25"], "RemoteAddress": ["Any"]}
    live = {"rules": windows_state(win.desired(rules)), "block_rules": [block]}
    finding = _audit.windows("ex01", rules, live)
    assert finding["status"] == "drift"
    [shadow] = finding["shadowing"]
    assert shadow["rules"] == ["exfw-in-any-organisation", "exfw-in-tcp-edge-transport-site-hq",
                               "exfw-in-tcp-smtp-relay"]
    live["block_rules"] = [dict(block, LocalPort=["9999"])]
    assert [s["rules"] for s in _audit.windows("ex01", rules, live)["shadowing"]] == [["exfw-in-any-organisation"]]


def test_nftables_drift_from_the_check_mode_listing():
    view = {"prefix": "exfw", "policies": [{"name": "exfw-a"}, {"name": "exfw-b"}]}
    after = ('table inet exfw {\n ip saddr @a tcp dport 25 accept comment "exfw-a tcp-25"\n'
             ' ip saddr @b tcp dport 443 accept comment "exfw-b tcp-443"\n'
             ' ip saddr @b tcp dport 80 accept comment "exfw-b tcp-80"\n}')
    before = after.replace(' ip saddr @b tcp dport 80 accept comment "exfw-b tcp-80"\n', "") + "\n ip saddr 1.2.3.4 accept"
    finding = _audit.nftables("fw02", view, {"diff": {"before": before, "after": after}})
    assert finding["differing"][0]["rule"] == "exfw-b" and "tcp dport 80" in finding["differing"][0]["what"]
    assert [e["what"] for e in finding["extra"]] == ["ip saddr 1.2.3.4 accept"]
    assert _audit.nftables("fw02", view, {"diff": {"before": after, "after": after}})["status"] == "in sync"
    gone = _audit.nftables("fw02", view, {"diff": {"before": "", "after": after}})
    assert [m["rule"] for m in gone["missing"]] == ["exfw-a", "exfw-b"]


def test_vendor_acls_compare_entries_not_positions():
    ace = {"grant": "permit", "protocol": "tcp", "source": {"address": "10.20.0.0", "wildcard_bits": "0.0.255.255"},
           "destination": {"host": "10.1.10.11", "port_protocol": {"eq": "www"}}}
    want = [{"afi": "ipv4", "acls": [{"name": "exfw-clients-in", "aces": [dict(ace, sequence=10, remarks=["x"])]}]}]
    renumbered = dict(ace, sequence=99, destination={"host": "10.1.10.11", "port_protocol": {"eq": "80"}})
    have = [{"afi": "ipv4", "acls": [{"name": "exfw-clients-in", "aces": [renumbered]},
                                     {"name": "other", "aces": [ace]}]}]
    assert _audit.acls("fw01", "ios", want, have, "exfw")["status"] == "in sync"
    missing = _audit.acls("fw01", "ios", want, [{"afi": "ipv4", "acls": [{"name": "exfw-clients-in", "aces": []}]}],
                          "exfw")
    assert missing["differing"][0]["rule"] == "exfw-clients-in"
    stray = _audit.acls("fw01", "ios", want, have + [{"afi": "ipv4", "acls": [{"name": "exfw-old-in", "aces": [ace]}]}],
                        "exfw")
    assert [e["entry"] for e in stray["extra"]] == ["exfw-old-in"]


@pytest.mark.parametrize("ports, smtp_blocked", [
    (["RPC"], False), (["RPCEPMap"], False), (["IPHTTPSIn"], False), (["RPC", "25"], True),
    # Keywords whose ports the host decides may be any port: the block rule is reported, not overlooked.
    (["Teredo"], True), (["PlayToDiscovery"], True),
])
def test_windows_port_keywords_of_foreign_and_own_rules_are_compared_not_fatal(example, ports, smtp_blocked):
    rules = example["hosts"]["ex01"]["rules"]
    want = win.desired(rules)
    block = {"Name": "{guid}", "DisplayName": "Block dynamic RPC", "Group": "", "Direction": "Inbound",
             "Action": "Block", "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ports,
             "RemoteAddress": ["Any"]}
    finding = _audit.windows("ex01", rules, {"rules": windows_state(want), "block_rules": [block]})
    [shadow] = finding["shadowing"]
    assert "exfw-in-any-organisation" in shadow["rules"]
    assert ("exfw-in-tcp-smtp-relay" in shadow["rules"]) is smtp_blocked
    own = dict(want[0], Name="exfw-in-tcp-old", DisplayName="exfw-in-tcp-old", LocalPort=ports)
    finding = _audit.windows("ex01", rules, {"rules": windows_state(want) + [own]})
    assert [e["entry"] for e in finding["extra"]] == ["exfw-in-tcp-old"]


def test_windows_block_rules_for_address_ranges_shadow_the_rules_they_cover(example):
    rules = example["hosts"]["ex01"]["rules"]
    relay = next(r for r in rules if r["name"] == "exfw-in-tcp-smtp-relay")
    first = relay["remote_addresses"][0].split("/")[0]
    block = {"Name": "{guid}", "DisplayName": "Block a range", "Group": "", "Direction": "Inbound", "Action": "Block",
             "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ["25"],
             "RemoteAddress": [f"{first}-{first}"]}
    finding = _audit.windows("ex01", rules, {"rules": windows_state(win.desired(rules)), "block_rules": [block]})
    assert "exfw-in-tcp-smtp-relay" in finding["shadowing"][0]["rules"]
    block["RemoteAddress"] = ["192.0.2.1-192.0.2.9"]
    finding = _audit.windows("ex01", rules, {"rules": windows_state(win.desired(rules)), "block_rules": [block]})
    assert finding["shadowing"] == []
