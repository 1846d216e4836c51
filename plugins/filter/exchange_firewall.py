# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the planning engine and the Windows renderers (docs in the .yml files beside this one)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.exchange.firewall.plugins.module_utils import _render_csv, _render_markdown, _windows
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import (
    build_plan,
    host_vars,
    plain,
)


def plan(groups, hostvars, settings=None):
    """Compute the plan from ``groups``, ``hostvars`` and organisation ``settings``."""
    try:
        groups = plain(groups)
        if not isinstance(groups, dict):
            raise AnsibleFilterError("exchange.firewall.plan: the input must be the 'groups' mapping")
        names = sorted({h for members in groups.values() for h in members})
        settings = plain(settings or {})
        if not isinstance(settings, dict):
            raise AnsibleFilterError("exchange.firewall.plan: settings must be a mapping")
        return build_plan(groups, host_vars(hostvars, names), settings)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def plan_summary(plan_data):
    """Render a plan as Markdown."""
    try:
        return _render_markdown.render(plain(plan_data))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.plan_summary: not a plan ({exc})") from exc


def plan_csv(plan_data):
    """Render a plan as CSV, one row per rule."""
    try:
        return _render_csv.render(plain(plan_data))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.plan_csv: not a plan ({exc})") from exc


def win_firewall_rule_params(rules, group=_windows.DEFAULT_GROUP):
    """Plan rules -> parameter sets for community.windows.win_firewall_rule (one per rule)."""
    try:
        return _windows.community_params(_windows.desired(plain(rules), group))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def powershell_script(rules, host, group=_windows.DEFAULT_GROUP, purge=True):
    """Plan rules -> a PowerShell script (New/Set/Remove-NetFirewallRule) for a change request."""
    try:
        return _windows.powershell_script(str(host), _windows.desired(plain(rules), group), group, bool(purge))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {
            "plan": plan,
            "plan_summary": plan_summary,
            "plan_csv": plan_csv,
            "win_firewall_rule_params": win_firewall_rule_params,
            "powershell_script": powershell_script,
        }
