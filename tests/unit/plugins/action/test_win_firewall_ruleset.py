"""The Windows action plugin's flow and its WinRM round trips, counted at the module-execution
boundary (ActionBase._execute_module).

There is no Windows here. Behind that boundary stands SimulatedRuleStore: an in-memory rule list
that honours the documented contract of win_firewall_rule_state (query / apply operations, rules
reported the way Get-NetFirewallRule and its filters report them, IPv4 subnets in mask notation).
It is a test double of the host, used to count round trips and to drive the action's decisions;
the PowerShell module itself is not executed by these tests.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from ansible_collections.exchange.firewall.plugins.action.win_firewall_ruleset import STATE_MODULE, ActionModule
from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win

GROUP = "exchange.firewall"


def plan_rules(n=40):
    rules = [{"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["3389", "5985-5986"],
              "remote_addresses": ["10.1.5.0/24"], "flow_ids": ["mgmt-windows"]}]
    for i in range(n - 1):
        rules.append({"name": f"exfw-in-tcp-app{i:02d}", "protocol": "tcp", "local_ports": [str(10000 + i)],
                      "remote_addresses": [f"10.{100 + i}.0.0/16", f"fd00:{i:x}::/64"]})
    return rules


class SimulatedRuleStore:
    def __init__(self, rules=(), setup_rules=(), drop_ops=()):
        self.rules = {r["Name"]: copy.deepcopy(r) for r in rules}
        self.setup_rules = [copy.deepcopy(r) for r in setup_rules]
        self.drop_ops = set(drop_ops)
        self.calls = []

    @staticmethod
    def _report(rule):
        out = copy.deepcopy(rule)
        out["RemoteAddress"] = [a.replace("/16", "/255.255.0.0").replace("/24", "/255.255.255.0")
                                for a in out["RemoteAddress"]]
        return out

    def __call__(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        assert module_name == STATE_MODULE
        self.calls.append(copy.deepcopy(module_args))
        if module_args["state"] == "apply":
            for op in module_args["operations"]:
                if op["name"] in self.drop_ops:
                    continue
                if op["op"] in ("add", "set"):
                    self.rules[op["name"]] = {
                        "Name": op["name"], "DisplayName": op["display_name"], "Group": module_args["group"],
                        "Direction": op["direction"], "Action": op["action"], "Enabled": op["enabled"],
                        "Profile": op["profile"], "Protocol": op["protocol"],
                        "LocalPort": op["local_port"] if op["protocol"] != "Any" else ["Any"],
                        "RemoteAddress": op["remote_address"], "Description": op["description"]}
                elif op["op"] == "remove":
                    del self.rules[op["name"]]
                elif op["op"] == "disable":
                    for rule in self.setup_rules:
                        if rule["Name"] == op["name"]:
                            rule["Enabled"] = False
        result = {"changed": module_args["state"] == "apply",
                  "rules": [self._report(r) for r in self.rules.values()
                            if r["Group"] == module_args["group"] or r["Name"] in module_args.get("names", [])]}
        if module_args.get("include_setup_rules"):
            result["setup_rules"] = copy.deepcopy(self.setup_rules)
        return result


def run(store, check_mode=False, **args):
    task = SimpleNamespace(args=args, async_val=0, check_mode=check_mode, action="exchange.firewall.win_firewall_ruleset",
                           diff=True)
    connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir=None))
    action = ActionModule(task, connection, None, None, None, None)  # shared_loader_obj: required before 2.19
    action._execute_module = store
    return action.run(task_vars={})


def test_forty_rules_from_scratch_take_two_round_trips_and_a_rerun_one():
    store = SimulatedRuleStore()
    first = run(store, rules=plan_rules())
    assert not first.get("failed"), first
    assert first["changed"] and first["round_trips"] == 2 and len(store.calls) == 2
    assert [c["state"] for c in store.calls] == ["query", "apply"]
    assert [o["op"] for o in first["operations"]] == ["add"] * 40
    assert len(store.rules) == 40
    second = run(store, rules=plan_rules())
    assert not second["changed"] and second["round_trips"] == 1 and len(store.calls) == 3


def test_the_fallback_provider_needs_one_module_call_per_rule():
    rules = plan_rules()
    params = win.community_params(win.desired(rules))
    assert len(params) == 40   # the role loops community.windows.win_firewall_rule over these: 40 round trips
    store = SimulatedRuleStore()
    assert run(store, rules=rules)["round_trips"] == 2


def test_check_mode_reads_once_changes_nothing_and_reports_the_same_operations():
    store = SimulatedRuleStore()
    checked = run(store, check_mode=True, rules=plan_rules())
    assert checked["changed"] and checked["round_trips"] == 1
    assert [c["state"] for c in store.calls] == ["query"] and store.rules == {}
    applied = run(SimulatedRuleStore(), rules=plan_rules())
    assert checked["operations"] == applied["operations"]
    assert "exfw-in-tcp-app00: Inbound TCP ports 10000 from 10.100.0.0/16,fd00::/64 enabled" in checked["diff"]["after"]


def test_changed_scope_is_one_set_operation():
    store = SimulatedRuleStore()
    run(store, rules=plan_rules(3))
    changed = plan_rules(3)
    changed[1]["remote_addresses"] = ["10.200.0.0/16"]
    result = run(store, rules=changed)
    assert [(o["op"], o["Name"], o["changed"]) for o in result["operations"]] == [
        ("set", "exfw-in-tcp-app00", ["RemoteAddress"])]
    assert store.rules["exfw-in-tcp-app00"]["RemoteAddress"] == ["10.200.0.0/16"]


def test_purge_only_inside_the_group_and_never_setup_rules():
    foreign = {"Name": "Foreign", "DisplayName": "Foreign", "Group": "other", "Direction": "Inbound",
               "Action": "Allow", "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ["8080"],
               "RemoteAddress": ["Any"], "Description": ""}
    store = SimulatedRuleStore([foreign])
    run(store, rules=plan_rules(5))
    result = run(store, rules=plan_rules(3))
    assert sorted(o["Name"] for o in result["operations"] if o["op"] == "remove") == [
        "exfw-in-tcp-app02", "exfw-in-tcp-app03"]
    assert "Foreign" in store.rules


def test_a_foreign_rule_with_our_name_fails_after_one_round_trip():
    squatter = {"Name": "exfw-in-tcp-management", "DisplayName": "x", "Group": "other", "Direction": "Inbound",
                "Action": "Allow", "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ["1"],
                "RemoteAddress": ["Any"], "Description": ""}
    store = SimulatedRuleStore([squatter])
    result = run(store, rules=plan_rules(2))
    assert result["failed"] and "exists outside the group" in result["msg"] and result["round_trips"] == 1
    assert store.rules["exfw-in-tcp-management"]["Group"] == "other"


def test_lockout_is_refused_before_any_round_trip():
    store = SimulatedRuleStore()
    result = run(store, rules=plan_rules()[1:])
    assert result["failed"] and "no inbound rule allows management access" in result["msg"]
    assert store.calls == []


def test_setup_rule_hardening_report_then_disable():
    setup = [{"Name": "{P}", "DisplayName": "MSExchange - POP3 (TCP-In)", "Enabled": True},
             {"Name": "{O}", "DisplayName": "MSExchange - OWA (GFW) (TCP-In)", "Enabled": True}]
    store = SimulatedRuleStore(setup_rules=setup)
    report = run(store, rules=plan_rules(2), harden_setup_rules="report", features={"pop3": False})
    assert [o["Name"] for o in report["setup_rules_to_disable"]] == ["{P}"]
    assert all(o["op"] != "disable" for o in report["operations"])
    assert store.setup_rules[0]["Enabled"] is True
    disabled = run(store, rules=plan_rules(2), harden_setup_rules="disable", features={"pop3": False})
    assert [o["Name"] for o in disabled["operations"] if o["op"] == "disable"] == ["{P}"]
    assert store.setup_rules[0]["Enabled"] is False and store.setup_rules[1]["Enabled"] is True
    untouched = SimulatedRuleStore(setup_rules=setup)
    run(untouched, rules=plan_rules(2), features={"pop3": False})
    assert untouched.calls[0]["include_setup_rules"] is False


def test_state_absent_removes_the_group():
    store = SimulatedRuleStore()
    run(store, rules=plan_rules(3))
    result = run(store, state="absent")
    assert result["changed"] and store.rules == {}


def test_a_host_that_does_not_end_up_as_planned_fails_the_task():
    store = SimulatedRuleStore(drop_ops={"exfw-in-tcp-app01"})
    result = run(store, rules=plan_rules(3))
    assert result["failed"] and "does not match the plan after applying: add exfw-in-tcp-app01" in result["msg"]


@pytest.mark.parametrize("bad", [{"rules": "not a list"}, {"rules": [{"protocol": "tcp"}]}])
def test_bad_arguments_fail_without_a_round_trip(bad):
    store = SimulatedRuleStore()
    result = run(store, **bad)
    assert result["failed"] and store.calls == []


@pytest.mark.parametrize("purge, removed", [("no", False), ("false", False), ("0", False), (False, False),
                                            ("yes", True), ("true", True), ("1", True), (True, True)])
def test_purge_accepts_ansible_booleans(purge, removed):
    store = SimulatedRuleStore()
    run(store, rules=plan_rules(3))
    result = run(store, rules=plan_rules(2), purge=purge)
    assert not result.get("failed"), result
    assert ("exfw-in-tcp-app01" not in store.rules) is removed


@pytest.mark.parametrize("group", ["Windows Remote Management", "", "Remote Desktop", "@FirewallAPI.dll,-28752",
                                   "MSExchange", "exchange*"])
@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_group_that_is_not_ours_fails_before_any_round_trip(group, state):
    winrm = {"Name": "WINRM-HTTP-In-TCP", "DisplayName": "Windows Remote Management (HTTP-In)", "Group": group,
             "Direction": "Inbound", "Action": "Allow", "Enabled": True, "Profile": "Any", "Protocol": "TCP",
             "LocalPort": ["5985"], "RemoteAddress": ["Any"], "Description": ""}
    store = SimulatedRuleStore([winrm])
    result = run(store, rules=plan_rules(2), group=group, state=state)
    assert result["failed"] and result["msg"].startswith("exchange_firewall_windows_group: ")
    assert store.calls == [] and "WINRM-HTTP-In-TCP" in store.rules


def test_rules_of_the_group_without_the_prefix_are_never_removed():
    theirs = {"Name": "Admin-RDP", "DisplayName": "Admin RDP", "Group": GROUP, "Direction": "Inbound",
              "Action": "Allow", "Enabled": True, "Profile": "Any", "Protocol": "TCP", "LocalPort": ["3389"],
              "RemoteAddress": ["Any"], "Description": ""}
    store = SimulatedRuleStore([theirs])
    result = run(store, rules=plan_rules(2))
    assert not result.get("failed"), result
    assert "Admin-RDP" in store.rules and result["unmanaged_rules"] == ["Admin-RDP"]
    assert all(o["Name"] != "Admin-RDP" for o in result["operations"])
    assert any("Admin-RDP" in w for w in result["warnings"])
    absent = run(store, state="absent")
    assert "Admin-RDP" in store.rules and not any(o["Name"] == "Admin-RDP" for o in absent["operations"])


def test_the_rule_prefix_reaches_the_module_and_bounds_the_plan():
    store = SimulatedRuleStore()
    rules = [dict(r, name=r["name"].replace("exfw-", "contoso-")) for r in plan_rules(3)]
    result = run(store, rules=rules, rule_prefix="contoso")
    assert not result.get("failed"), result
    assert [c["rule_prefix"] for c in store.calls] == ["contoso", "contoso"]
    refused = run(SimulatedRuleStore(), rules=plan_rules(3), rule_prefix="contoso")
    assert refused["failed"] and "must start with the rule prefix 'contoso-'" in refused["msg"]
