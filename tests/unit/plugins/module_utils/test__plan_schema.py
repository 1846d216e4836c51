"""Schema 2: address objects defined once; expanded rules are exactly the schema-1 rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema as schema
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "v1").glob("*.json.gz"))


def test_the_recorded_plans_are_there():
    assert [p.name for p in FIXTURES] == ["example.json.gz", "generated100.json.gz", "org2010.json.gz",
                                          "org2013.json.gz", "small.json.gz"]


def load(path):
    with gzip.open(path, "rt") as handle:
        return json.load(handle)


def unchanged_flows(old_plan: dict, ignore=()) -> set:
    """The flows a recorded plan used whose catalog entry is still the same (every field it recorded,
    except those in ``ignore``)."""
    current = {f["id"]: engine.public_flow(f) for f in catalog.flows()}
    return {fid for fid, old in old_plan["flows"].items()
            if fid in current and all(current[fid].get(key) == value for key, value in old.items()
                                      if key not in ignore)}


def _key(rule):
    return rule["direction"], rule["protocol"], tuple(rule["remote_addresses"])


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name.split(".")[0] for p in FIXTURES])
def test_expanded_rules_equal_the_schema_1_rules(path):
    """The rule sets did not change: recorded schema-1 plans of five organisations, planned again.

    The catalog truth pass changed flows on purpose (ports, versions, citations, sources, verified), so the
    comparison covers the flows whose catalog entry is unchanged apart from its citations: the organisations
    are planned again with only those flows (plus the protected ones), and every recorded rule, reduced to
    those flows, must come back the same (with the same citations where no flow on it changed its
    citations). Intended differences are therefore limited to the changed flows, found by
    ``unchanged_flows``; among them, on these fixtures: the 2010 CAS 443/80 and the 2010 Hub and Edge
    Internet 25 became unverified, the 2010 RPC range became 6005-59530, hub2010-mailbox-rpc was split per
    direction, edge-rdp-management is 2013 only, mbx-backend-https is unverified, the hybrid SMTP flows
    apply to the hybrid transport servers only and citations were corrected per version.
    """
    case = load(path)
    # Network firewalls did not shape schema-1 host rules (they had no zones then).
    firewalls = set(case["groups"].get("network_firewalls", []))
    groups = {g: [h for h in members if h not in firewalls] for g, members in case["groups"].items()}
    old = case["plan"]
    kept = unchanged_flows(old, ignore=("citations",))
    same = unchanged_flows(old)
    assert len(kept) >= len(old["flows"]) // 3, "most flows of the recorded plans are unchanged"
    topo = topology.build(groups, case["hostvars"], case["settings"])
    plan = json.loads(json.dumps(engine.plan(topo, include_ids=kept)))
    assert plan["schema_version"] == 2 and old["schema_version"] == 1
    assert set(plan["hosts"]) == set(old["hosts"])
    protected = set(catalog.PROTECTED_FLOWS)
    for host, entry in old["hosts"].items():
        new_rules = {_key(r): r for r in schema.expand_rules(plan, host)}
        expected = {}
        for rule in entry["rules"]:
            flows = [f for f in rule["flow_ids"] if f in kept or f in protected]
            if flows:
                expected[_key(rule)] = (rule, flows)
        assert set(new_rules) == set(expected), host
        for key, (rule, flows) in expected.items():
            new = new_rules[key]
            assert new["flow_ids"] == flows, (host, rule["name"])
            if set(rule["flow_ids"]) <= same:
                assert new == rule, (host, rule["name"])
            elif set(rule["flow_ids"]) <= kept:
                assert dict(new, citations=None) == dict(rule, citations=None), (host, rule["name"])
            else:
                # A changed flow was on the rule (dropped, or a protected flow with new citations): the same
                # rule otherwise, with ports within the recorded ones.
                ignore = ("flow_ids", "local_ports", "citations", "description")
                assert {k: v for k, v in new.items() if k not in ignore} == \
                    {k: v for k, v in rule.items() if k not in ignore}, (host, rule["name"])
                assert set(new["local_ports"]) <= set(rule["local_ports"]), (host, rule["name"])
        skip = ("rules", "features", "disabled_flows", "warnings")
        assert {k: v for k, v in plan["hosts"][host].items() if k in entry and k not in skip} == \
            {k: v for k, v in entry.items() if k not in skip}
        # New toggles were added; the recorded ones keep their values.
        assert {k: plan["hosts"][host]["features"][k] for k in entry["features"]} == entry["features"]
        assert [w for w in entry["warnings"] if w.split(":")[0][5:] in kept] == \
            [w for w in plan["hosts"][host]["warnings"] if w.split(":")[0][5:] in kept]
        assert plan["hosts"][host]["external_addresses"] == []


def test_the_restricted_comparison_still_sees_a_changed_rule():
    """A recorded rule whose ports no longer match is caught (the comparison can fail)."""
    case = load(FIXTURES[[p.name for p in FIXTURES].index("small.json.gz")])
    kept = unchanged_flows(case["plan"])
    assert "mbx-https-clients" in kept and "mbx-backend-https" not in kept
    plan = engine.plan(topology.build(case["groups"], case["hostvars"], case["settings"]), include_ids=kept)
    rules = schema.expand_rules(plan, "mbx1")
    clients = next(r for r in rules if r["name"] == "exfw-in-tcp-clients")
    recorded = next(r for r in case["plan"]["hosts"]["mbx1"]["rules"] if r["name"] == "exfw-in-tcp-clients")
    assert clients == recorded
    assert dict(clients, local_ports=["443"]) != recorded


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name.split(".")[0] for p in FIXTURES])
def test_schema_1_plans_are_upgraded(path):
    old = load(path)["plan"]
    upgraded = schema.check(old)
    assert upgraded["schema_version"] == 2 and upgraded["upgraded_from"] == 1
    for host, entry in old["hosts"].items():
        assert schema.expand_rules(upgraded, host) == entry["rules"]


def test_each_address_set_is_defined_once_and_rules_refer_to_it():
    case = load(FIXTURES[[p.name for p in FIXTURES].index("generated100.json.gz")])
    plan = build_plan(case["groups"], case["hostvars"], case["settings"])
    old_bytes = len(json.dumps(case["plan"]))
    new_bytes = len(json.dumps(plan))
    assert new_bytes < old_bytes / 2
    org = plan["address_objects"]["organisation"]
    assert org["kind"] == "organisation" and len(org["members"]) > 50
    internal = [h for h in plan["hosts"].values() if any(r["remote_object"] == "organisation" for r in h["rules"])]
    assert len(internal) > 40
    assert json.dumps(plan).count(org["addresses"][-1]) == 1 + sum(
        1 for h in plan["hosts"].values() for a in h["addresses"] if a == org["addresses"][-1])


@pytest.mark.parametrize("plan, message", [
    ({}, "not a plan of this collection"),
    ({"schema_version": 3}, "schema_version 3 is not supported"),
    ({"schema_version": 2, "hosts": {}}, "schema 2 plan without 'address_objects'"),
])
def test_unreadable_plans_get_a_clear_error(plan, message):
    with pytest.raises(schema.PlanSchemaError, match=message):
        schema.check(plan)


def test_a_rule_naming_an_undefined_object_is_an_error():
    plan = {"schema_version": 2, "address_objects": {}, "citations": {},
            "hosts": {"h": {"rules": [{"name": "r", "remote_object": "ghost", "citation_ids": []}]}}}
    with pytest.raises(schema.PlanSchemaError, match="host 'h': rule 'r' refers to 'ghost'"):
        schema.expand_rules(plan, "h")
