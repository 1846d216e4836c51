"""The end-of-run record and summary lines of apply and audit runs."""

from __future__ import annotations

from helpers import ROOT, expanded, load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _audit, _results
from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

LAB = ROOT / "examples" / "lab" / "inventory"


def test_firewalld_apply_outcome_per_rule():
    rules = expanded(build_plan(*load_inventory(LAB)))["hosts"]["relay01"]["rules"]
    want = fwd.desired(rules)
    first = {"changed": True, "added": {"sources": sorted(want["sources"]), "ports": [],
                                        "rich_rules": sorted(want["rich_rules"])}, "removed": {}}
    entry = _results.apply_host("relay01", "firewalld", first, rules)
    assert entry["status"] == "changed" and entry["added"] == ["exfw-in-tcp-management", "exfw-in-tcp-smtp-clients"]
    one = sorted(want["rich_rules"])[-1]  # the IPv6 entry of the SMTP rule
    later = {"changed": True, "added": {"rich_rules": [one]}, "removed": {"rich_rules": ["rule family=\"ipv4\" x"]}}
    entry = _results.apply_host("relay01", "firewalld", later, rules)
    assert (entry["added"], entry["changed"], entry["unchanged"], entry["removed"]) == \
        ([], ["exfw-in-tcp-smtp-clients"], 1, ["1 entries no longer planned"])
    same = _results.apply_host("relay01", "firewalld", {"changed": False, "added": {}, "removed": {}}, rules)
    assert same["status"] == "unchanged" and same["unchanged"] == 2


def test_windows_and_missing_outcomes():
    ops = [{"op": "add", "Name": "exfw-a"}, {"op": "set", "Name": "exfw-b"}, {"op": "remove", "Name": "exfw-c"}]
    entry = _results.apply_host("ex01", "windows", {"changed": True, "operations": ops}, [{}, {}, {}])
    outcome = (entry["added"], entry["changed"], entry["removed"], entry["unchanged"])
    assert outcome == (["exfw-a"], ["exfw-b"], ["exfw-c"], 1)
    report = _results.apply_report([entry, _results.apply_host("ex02", None, None)], "now", False)
    assert report["summary"]["text"] == "2 hosts: 1 changed, 0 unchanged, 1 failed or without result"
    assert report["summary"]["lines"] == [
        "ex01 (windows): changed - 1 rules added, 1 changed, 1 removed, 1 unchanged",
        "ex02 (?): NO RESULT - no result: the host failed or was unreachable before the apply task"]


def test_audit_summary_lines():
    sync = _audit.result("a", "firewalld", rules=2)
    drift = _audit.result("b", "windows", missing=[{"rule": "exfw-x", "what": "", "where": "runtime configuration"}],
                          rules=3)
    report = _results.audit_report([sync, drift, _results.no_audit("c")], "now")
    assert report["summary"]["lines"] == [
        "a (firewalld): in sync (2 rules)",
        "b (windows): DRIFT - 1 missing: exfw-x (runtime configuration)",
        "c (?): NO RESULT - the host failed or was unreachable before the audit"]
    assert (report["summary"]["drift"], report["summary"]["errors"]) == (1, 1)


def test_fallback_provider_outcome_from_its_loop():
    raw = {"changed": True, "results": [{"item": {"name": "exfw-a"}, "changed": True},
                                        {"item": {"name": "exfw-b"}, "changed": False}]}
    entry = _results.apply_host("ex01", "windows_fallback", raw, [{}, {}])
    assert (entry["status"], entry["changed"], entry["unchanged"]) == ("changed", ["exfw-a"], 1)
    raw["results"][1]["failed"] = True
    assert _results.apply_host("ex01", "windows_fallback", raw, [{}, {}])["status"] == "failed"
