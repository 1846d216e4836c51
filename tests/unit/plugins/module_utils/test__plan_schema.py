"""Schema 2: address objects defined once; expanded rules are exactly the schema-1 rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema as schema
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "v1").glob("*.json.gz"))


def test_the_recorded_plans_are_there():
    assert [p.name for p in FIXTURES] == ["example.json.gz", "generated100.json.gz", "org2010.json.gz",
                                          "org2013.json.gz", "small.json.gz"]


def load(path):
    with gzip.open(path, "rt") as handle:
        return json.load(handle)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name.split(".")[0] for p in FIXTURES])
def test_expanded_rules_equal_the_schema_1_rules(path):
    """The rule sets did not change: recorded schema-1 plans of five organisations, planned again."""
    case = load(path)
    # Network firewalls did not shape schema-1 host rules (they had no zones then).
    firewalls = set(case["groups"].get("network_firewalls", []))
    groups = {g: [h for h in members if h not in firewalls] for g, members in case["groups"].items()}
    plan = json.loads(json.dumps(build_plan(groups, case["hostvars"], case["settings"])))
    old = case["plan"]
    assert plan["schema_version"] == 2 and old["schema_version"] == 1
    assert set(plan["hosts"]) == set(old["hosts"])
    for host, entry in old["hosts"].items():
        assert schema.expand_rules(plan, host) == entry["rules"], host
        assert {k: v for k, v in plan["hosts"][host].items() if k in entry and k != "rules"} == \
            {k: v for k, v in entry.items() if k != "rules"}
        assert plan["hosts"][host]["external_addresses"] == []


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
