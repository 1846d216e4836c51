"""Plan-to-plan changes: rule by rule and policy by policy, on what a device enforces."""

from __future__ import annotations

import copy
import gzip
import json

import pytest
import yaml
from helpers import ROOT, load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_diff, _plan_schema
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

VARIANT = ROOT / "examples" / "variants" / "approved-2026-q3.yml"


@pytest.fixture(scope="module")
def example():
    return build_plan(*load_inventory())


def variant_plan():
    """The variant as `-e @examples/variants/...` gives it: extra vars win over every host's variables."""
    groups, hostvars, settings = load_inventory()
    extra = yaml.safe_load(VARIANT.read_text())
    settings.update(extra)
    for host_vars in hostvars.values():
        host_vars.update({k: v for k, v in extra.items() if k in host_vars})
    return build_plan(groups, hostvars, settings)


@pytest.fixture(scope="module")
def approved():
    return variant_plan()


def test_the_same_plan_has_no_changes(example):
    changes = _plan_diff.compare(copy.deepcopy(example), example)
    assert changes["summary"]["unchanged"] is True
    assert changes["hosts"] == {} and changes["network_firewalls"] == {}


def test_changes_since_the_approved_variant_name_their_flows(example, approved):
    changes = _plan_diff.compare(approved, example)
    summary = changes["summary"]
    assert (summary["rules_added"], summary["rules_removed"], summary["rules_changed"]) == (1, 2, 4)
    assert (summary["policies_added"], summary["policies_removed"], summary["policies_changed"]) == (0, 2, 1)
    for host in ("ex01", "ex02", "ex03", "ex04"):
        [change] = changes["hosts"][host]["changed"]
        assert change["name"] == "exfw-in-tcp-clients"
        assert change["changes"] == {"ports": {"added": [], "removed": ["110", "995"]}}
        assert change["caused_by"] == ["mbx-pop3-clients"]
    relay = changes["hosts"]["relay01"]
    assert [r["name"] for r in relay["added"]] == ["exfw-in-tcp-smtp-clients"]
    assert relay["added"][0]["addresses"] == ["10.30.0.0/24"] and relay["added"][0]["ports"] == ["25"]
    assert [r["name"] for r in relay["removed"]] == ["exfw-in-tcp-edge-transport", "exfw-in-tcp-mailbox"]
    assert relay["removed"][0]["flow_ids"] == ["relay-smtp-smart-host"]
    [policy] = changes["network_firewalls"]["fw01"]["changed"]
    assert policy["changes"] == {"services": {"tcp": {"added": [], "removed": ["110", "995"]}}}
    assert policy["caused_by"] == ["mbx-pop3-clients"]


def test_a_renamed_object_with_the_same_addresses_is_no_change(example):
    renamed = copy.deepcopy(example)
    renamed["address_objects"]["client-networks"] = renamed["address_objects"].pop("clients")
    for host in renamed["hosts"].values():
        for rule in host["rules"]:
            if rule["remote_object"] == "clients":
                rule["remote_object"] = "client-networks"
    for firewall in renamed["network_firewalls"].values():
        for policy in firewall["policies"]:
            for side in ("source", "destination"):
                policy[side] = ["client-networks" if o == "clients" else o for o in policy[side]]
    assert _plan_diff.compare(example, renamed)["summary"]["unchanged"] is True


def test_changed_addresses_are_listed(example):
    moved = copy.deepcopy(example)
    moved["address_objects"]["management"]["addresses"] = ["10.1.5.0/24", "10.9.9.0/24", "fd00:1:5::/64"]
    changes = _plan_diff.compare(example, moved)
    change = changes["hosts"]["relay01"]["changed"][0]
    assert change["changes"] == {"addresses": {"added": ["10.9.9.0/24"], "removed": []}}
    assert change["caused_by"] == ["mgmt-linux"]


def test_hosts_added_and_removed(example):
    smaller = copy.deepcopy(example)
    del smaller["hosts"]["fs01"]
    changes = _plan_diff.compare(example, smaller)
    assert changes["hosts"]["fs01"]["status"] == "removed"
    assert changes["summary"]["hosts_removed"] == ["fs01"]
    assert _plan_diff.compare(smaller, example)["summary"]["hosts_added"] == ["fs01"]
    # A run limited to some hosts compares only them.
    assert _plan_diff.compare(example, smaller, hosts=["ex01"])["summary"]["unchanged"] is True


def test_a_schema_1_plan_is_upgraded_then_compared(example):
    with gzip.open(ROOT / "tests" / "unit" / "fixtures" / "v1" / "example.json.gz", "rt") as handle:
        old = _plan_schema.check(json.load(handle)["plan"])
    changes = _plan_diff.compare(old, example)
    assert changes["previous"]["upgraded_from"] == 1
    # Since that plan, the Edge's external address left the Mailbox servers' rule (mail from the
    # Edge comes from its internal address), and the firewalls gained their policies.
    assert {h: [(c["name"], c["changes"]) for c in e["changed"]] for h, e in changes["hosts"].items()} == {
        host: [("exfw-in-tcp-edge-transport-site-hq", {"addresses": {"added": [], "removed": ["198.51.100.25"]}})]
        for host in ("ex01", "ex02")}
    assert changes["summary"]["policies_added"] == sum(len(f["policies"]) for f in example["network_firewalls"].values())


@pytest.mark.parametrize("ranges, minus, expected", [
    ([(1, 100)], [(50, 60)], [(1, 49), (61, 100)]),
    ([(80, 80), (443, 443)], [(80, 80)], [(443, 443)]),
    ([(49152, 65535)], [(1, 65535)], []),
    ([(25, 25)], [], [(25, 25)]),
])
def test_port_subtraction(ranges, minus, expected):
    assert _plan_diff._subtract(ranges, minus) == expected


def test_own_changes_are_dropped_before_comparing(example, approved):
    recorded = dict(example, changes_since_previous=_plan_diff.compare(approved, example))
    assert "changes_since_previous" not in _plan_diff.without_changes(recorded)


def test_the_approved_variant_differs_from_the_example_only_where_it_says():
    example = yaml.safe_load((ROOT / "examples" / "inventory" / "group_vars" / "all.yml").read_text())
    variant = yaml.safe_load(VARIANT.read_text())
    networks = dict(example["exchange_firewall_networks"])
    networks.pop("smtp_clients")
    assert variant["exchange_firewall_networks"] == networks, "keep the variant's networks in step with the example"
    assert variant["exchange_firewall_features"] == dict(example["exchange_firewall_features"], pop3=True,
                                                         smart_host=True)
