# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for exchange.firewall.win_firewall_ruleset (docs: modules/win_firewall_ruleset.py).

One WinRM round trip reads the rule group; the add/change/remove decisions are made here in
Python (module_utils/_windows.py); a second round trip executes them, only when something changes.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win
from ansible_collections.exchange.firewall.plugins.module_utils._ruleset_spec import RULE_SPEC
from ansible_collections.exchange.firewall.plugins.plugin_utils._action import validated_args

STATE_MODULE = "exchange.firewall.win_firewall_rule_state"
ARGUMENT_SPEC = {
    "rules": {"type": "list", "elements": "dict", "options": RULE_SPEC},
    "group": {"type": "str", "default": win.DEFAULT_GROUP},
    "rule_prefix": {"type": "str", "default": win.DEFAULT_PREFIX},
    "purge": {"type": "bool", "default": True},
    "management_ports": {"type": "list", "elements": "str", "default": ["5985", "5986"]},
    "harden_setup_rules": {"type": "str", "choices": ["off", "report", "disable"], "default": "off"},
    "features": {"type": "dict", "default": {}},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_diff = True

    def _state(self, task_vars, **args):
        result = self._execute_module(module_name=STATE_MODULE, module_args=args, task_vars=task_vars)
        self._round_trips += 1
        return result

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self._round_trips = 0
        args, error = validated_args(ARGUMENT_SPEC, self._task.args, required_if=[("state", "present", ("rules",))])
        if error:
            return dict(result, failed=True, msg=error)
        group, prefix = args["group"], args["rule_prefix"]
        purge = args["purge"] or args["state"] == "absent"
        try:
            # The group and prefix bound every change; they are checked before any round trip.
            win.validate_group(group)
            win.validate_prefix(prefix)
            want = win.desired(args["rules"] or [], group, prefix) if args["state"] == "present" else []
            if args["state"] == "present":
                win.check_management(want, args["management_ports"])
        except win.WindowsRuleError as exc:
            return dict(result, failed=True, msg=str(exc))

        harden = args["harden_setup_rules"]
        names = [r["Name"] for r in want]
        gathered = self._state(task_vars, group=group, rule_prefix=prefix, state="query",
                               include_setup_rules=harden != "off", names=names)
        if gathered.get("failed"):
            return dict(result, failed=True, msg=gathered.get("msg", "reading the rule group failed"),
                        round_trips=self._round_trips)
        try:
            plan = win.reconcile(gathered.get("rules", []), want, group, purge=purge, prefix=prefix)
        except win.WindowsRuleError as exc:
            return dict(result, failed=True, msg=str(exc), round_trips=self._round_trips)
        setup = win.setup_rules_to_disable(gathered.get("setup_rules", []), args["features"]) if harden != "off" else []
        operations = plan["operations"] + (setup if harden == "disable" else [])
        before = [win.normalise(r) for r in gathered.get("rules", []) if r.get("Group") == group]
        if plan["unmanaged"]:
            result.setdefault("warnings", []).append(
                f"rules of the group '{group}' whose Name does not start with '{prefix}-' are left alone "
                f"(not planned, never removed): {', '.join(plan['unmanaged'])}")
        result.update(
            changed=bool(operations), group=group, operations=operations, setup_rules_to_disable=setup,
            unmanaged_rules=plan["unmanaged"], round_trips=self._round_trips,
            diff={"before": win.diff_text(before), "after": win.diff_text(want),
                  "before_header": f"Windows Firewall group {group}", "after_header": f"Windows Firewall group {group}"},
        )
        if not operations or self._task.check_mode:
            return result
        applied = self._state(task_vars, group=group, rule_prefix=prefix, state="apply",
                              operations=win.module_operations(operations), names=names)
        result["round_trips"] = self._round_trips
        if applied.get("failed"):
            return dict(result, failed=True, msg=applied.get("msg", "applying the operations failed"))
        # Assert the effective state read back from the host, not only that the calls returned.
        leftover = win.reconcile(applied.get("rules", []), want, group, purge=purge, prefix=prefix)
        if leftover["operations"]:
            return dict(result, failed=True, msg="the rule group on the host does not match the plan after applying: "
                        + ", ".join(f"{o['op']} {o['Name']}" for o in leftover["operations"]))
        return result
