# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's output set, rendered in memory: {relative path: text}. Controller side."""

from __future__ import annotations

import json

from ansible_collections.exchange.firewall.plugins.module_utils import _render_csv, _render_markdown, _windows
from ansible_collections.exchange.firewall.plugins.module_utils._plan_schema import expand_rules


def plan_json(plan: dict) -> str:
    return json.dumps(plan, indent=2, sort_keys=True) + "\n"


def render_all(plan: dict, windows_scripts: bool = True, windows_group: str = _windows.DEFAULT_GROUP) -> dict:
    """Every output file of a plan. Host names were validated by the planner (safe file names)."""
    files = {
        "plan.json": plan_json(plan),
        "plan.md": _render_markdown.render(plan, plan.get("meta")),
        "plan.csv": _render_csv.render(plan),
        "address-objects.csv": _render_csv.render_objects(plan),
    }
    if windows_scripts:
        for host, entry in plan["hosts"].items():
            if entry["platform"] == "windows":
                rules = _windows.desired(expand_rules(plan, host), windows_group)
                files[f"windows/{host}.ps1"] = _windows.powershell_script(host, rules, windows_group, True)
    return files
