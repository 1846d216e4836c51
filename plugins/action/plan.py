# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for exchange.firewall.plan: computes the plan on the controller (docs: modules/plan.py)."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.exchange.firewall.plugins.module_utils import _render_markdown
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import (
    build_plan,
    host_vars,
    plain,
    settings_from,
)

ARGUMENT_SPEC = {
    "settings": {"type": "dict"},
    "hosts": {"type": "list", "elements": "str"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(plain(self._task.args))
        if validation.error_messages:
            return dict(result, failed=True, msg="; ".join(validation.error_messages))
        args = validation.validated_parameters
        groups = plain(task_vars.get("groups", {}))
        settings = settings_from(task_vars)
        settings.update(plain(args.get("settings") or {}))
        names = sorted({h for members in groups.values() for h in members})
        if args.get("hosts"):
            missing = sorted(set(args["hosts"]) - set(names))
            if missing:
                return dict(result, failed=True, msg=f"hosts: {', '.join(missing)} not in the inventory")
        try:
            plan = build_plan(groups, host_vars(task_vars["hostvars"], names), settings)
        except ValueError as exc:
            return dict(result, failed=True, msg=str(exc))
        if args.get("hosts"):
            wanted = set(args["hosts"])
            plan["hosts"] = {h: v for h, v in plan["hosts"].items() if h in wanted}
        rules = sum(len(h["rules"]) for h in plan["hosts"].values())
        warnings = [f"{h}: {w}" for h, v in plan["hosts"].items() for w in v["warnings"]]
        return dict(result, changed=False, plan=plan, summary=_render_markdown.render(plan),
                    stats={"hosts": len(plan["hosts"]), "rules": rules}, plan_warnings=warnings)
