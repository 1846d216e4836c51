"""Which connections a verify source must be able to open, which it must not, and the verdicts."""

from __future__ import annotations

import pytest
from helpers import ROOT, expanded, load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _results, _verify
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

LAB = ROOT / "examples" / "lab" / "inventory"


@pytest.fixture(scope="module")
def lab():
    plan = expanded(build_plan(*load_inventory(LAB)))
    return plan["hosts"], plan["flows"]


def probes(lab, source, addresses, **kw):
    hosts, flows = lab
    return _verify.plan_probes(source, addresses, hosts, flows, **kw)["probes"]


def test_address_pairs_share_the_longest_prefix():
    assert _verify.pairs(["10.250.1.2", "10.251.1.2", "fd00:250:1::2", "127.0.0.1", "fe80::1"],
                         ["10.250.2.1", "10.250.1.1", "fd00:250:1::1"]) == \
        [(_verify._ip("10.250.1.2"), _verify._ip("10.250.1.1")), (_verify._ip("fd00:250:1::2"), _verify._ip("fd00:250:1::1"))]
    assert _verify.pairs(["10.0.0.1"], ["fd00::1"]) == []


def test_the_application_client_must_reach_smtp_and_the_web_and_nothing_else(lab):
    planned = probes(lab, "apps", ["10.250.1.2", "10.251.1.2", "fd00:250:1::2"])
    required = [(p["host"], p["address"], p["port"], p["rule"], tuple(p["flow_ids"])) for p in planned
                if p["expect"] == "open"]
    assert required == [
        ("proxy01", "10.251.1.1", 80, "exfw-in-tcp-clients", ("lb-http-clients",)),
        ("proxy01", "10.251.1.1", 443, "exfw-in-tcp-clients", ("lb-https-clients",)),
        ("relay01", "10.250.1.1", 25, "exfw-in-tcp-smtp-clients", ("relay-smtp-clients",)),
        ("relay01", "fd00:250:1::1", 25, "exfw-in-tcp-smtp-clients", ("relay-smtp-clients",)),
    ]
    closed = [(p["host"], p["address"], p["port"]) for p in planned if p["expect"] == "closed"]
    assert ("relay01", "10.250.1.1", 22) in closed  # open for management only
    assert ("proxy01", "10.251.1.1", 22) in closed
    assert len(closed) == 9 and all(p["rule"] is None for p in planned if p["expect"] == "closed")
    assert [p["id"] for p in planned] == list(range(len(planned)))


def test_a_source_no_rule_allows_gets_only_closed_probes(lab):
    planned = probes(lab, "other", ["10.250.2.2", "10.251.2.2"])
    assert {p["expect"] for p in planned} == {"closed"}
    assert sorted((p["host"], p["port"]) for p in planned) == [
        ("proxy01", 22), ("proxy01", 80), ("proxy01", 443), ("relay01", 22), ("relay01", 23), ("relay01", 25)]
    assert probes(lab, "other", ["10.250.2.2"], closed_sample=0) == []


def test_rules_of_any_protocol_and_udp(lab):
    hosts = {"h": {"addresses": ["10.0.0.1"], "rules": [
        {"name": "exfw-in-any-organisation", "direction": "in", "protocol": "any", "local_ports": [],
         "remote_addresses": ["10.0.0.0/24"], "flow_ids": ["f-tcp"], "action": "allow"},
        {"name": "exfw-in-udp-x", "direction": "in", "protocol": "udp", "local_ports": ["53"],
         "remote_addresses": ["10.0.0.0/24"], "flow_ids": [], "action": "allow"}]}}
    out = _verify.plan_probes("s", ["10.0.0.9"], hosts, {"f-tcp": {"protocol": "tcp", "ports": ["3343", "135"]}})
    assert [(p["port"], p["expect"]) for p in out["probes"]] == [(135, "open")]  # everything is allowed: no closed
    assert out["notes"] == ["1 UDP rules are not probed (no reply proves nothing)"]


def test_bounded_number_of_probes(lab):
    hosts, flows = lab
    out = _verify.plan_probes("apps", ["10.250.1.2", "10.251.1.2"], hosts, flows, max_probes=3)
    assert len(out["probes"]) == 3 and "only the first 3" in out["notes"][0]
    with pytest.raises(_verify.VerifyError, match="no usable address"):
        _verify.plan_probes("x", ["127.0.0.1"], hosts, flows)


@pytest.mark.parametrize("expect, state, passed", [
    ("open", "open", True), ("open", "refused", True), ("open", "rejected", False), ("open", "timeout", False),
    ("open", "error", False), ("closed", "rejected", True), ("closed", "timeout", True),
    ("closed", "unreachable", True), ("closed", "open", False), ("closed", "refused", False),
])
def test_verdicts(expect, state, passed):
    probe = {"id": 0, "host": "h", "address": "10.0.0.1", "port": 25, "source_address": "10.0.0.9", "expect": expect,
             "rule": "r" if expect == "open" else None, "flow_ids": ["f"] if expect == "open" else [], "why": ""}
    [judged] = _verify.evaluate("s", [probe], [{"id": 0, "state": state}])
    assert judged["passed"] is passed


def test_the_verify_record_names_the_failing_rule_and_flow(lab):
    planned = probes(lab, "apps", ["10.250.1.2", "fd00:250:1::2"], closed_sample=1)
    observed = [{"id": p["id"], "state": "rejected" if p["expect"] == "closed" or
                 (p["port"] == 25 and p["address"] == "10.250.1.1") else "open"} for p in planned]
    judged = _verify.evaluate("apps", planned, observed)
    record = _results.verify_report({"apps": {"probes": judged, "addresses": [], "notes": []}, "gone": None}, "now")
    summary = record["summary"]
    assert summary["required"] == 2 and summary["required_passed"] == 1 and summary["failed"] == 2
    assert "FAIL 10.250.1.2 -> relay01 10.250.1.1:25 expected open, got rejected (rule exfw-in-tcp-smtp-clients, " \
           "flows relay-smtp-clients)" in "\n".join(summary["lines"])
    assert "gone: NO RESULT - the source failed or was unreachable" in summary["lines"]
    [flow] = record["flows"]
    assert (flow["flow"], flow["host"], flow["passed"], len(flow["probes"])) == ("relay-smtp-clients", "relay01", False, 2)
