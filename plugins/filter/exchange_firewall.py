# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the planning engine and the Windows renderers (docs in the .yml files beside this one)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema, _render_csv, _render_markdown, _windows
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import (
    PREFIX,
    build_plan,
    host_vars,
    plain,
    settings_from,
)


def _inventory_settings(hostvars) -> dict:
    """The exchange_firewall_* variables the controller sees: localhost's (group_vars/all, extra vars).

    A filter cannot see the task's variables; ``hostvars['localhost']`` holds what the plan module
    reads on localhost, apart from play and role variables. A plain dict without 'localhost' gives none.
    """
    try:
        variables = hostvars["localhost"]
    except (KeyError, TypeError):
        return {}
    return settings_from(variables)


def plan(groups, hostvars, settings=None):
    """Compute the plan from ``groups``, ``hostvars`` and the organisation settings of the inventory,
    overridden by ``settings``."""
    try:
        groups = plain(groups)
        if not isinstance(groups, dict):
            raise AnsibleFilterError("exchange.firewall.plan: the input must be the 'groups' mapping")
        names = sorted({h for members in groups.values() for h in members})
        explicit = plain(settings or {})
        if not isinstance(explicit, dict):
            raise AnsibleFilterError("exchange.firewall.plan: settings must be a mapping")
        merged = _inventory_settings(hostvars)
        merged.update({k if k.startswith(PREFIX) else PREFIX + k: v for k, v in explicit.items()})
        return build_plan(groups, host_vars(hostvars, names), merged)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def _checked(plan_data, name):
    try:
        return _plan_schema.check(plain(plan_data), f"exchange.firewall.{name}")
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def plan_summary(plan_data):
    """Render a plan as Markdown."""
    plan_data = _checked(plan_data, "plan_summary")
    try:
        return _render_markdown.render(plan_data, plan_data.get("meta"))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.plan_summary: not a plan ({exc})") from exc


def plan_csv(plan_data, table="rules"):
    """Render a plan as CSV: one row per rule (``rules``) or per object address (``address_objects``)."""
    plan_data = _checked(plan_data, "plan_csv")
    renderers = {"rules": _render_csv.render, "address_objects": _render_csv.render_objects}
    if table not in renderers:
        raise AnsibleFilterError(f"exchange.firewall.plan_csv: table must be one of {', '.join(renderers)}")
    try:
        return renderers[table](plan_data)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.plan_csv: not a plan ({exc})") from exc


def host_ruleset(plan_data, host):
    """One host's entry of a plan with literal addresses in its rules (what the appliers take).

    Reads only that host's entry and the objects and citations its rules name, so that applying
    to N hosts stays linear whatever the plan's size.
    """
    host = str(host)
    try:
        if plan_data["schema_version"] != _plan_schema.SCHEMA_VERSION:
            plan_data = _plan_schema.check(plain(plan_data), "exchange_firewall_plan")
        entry = plan_data["hosts"].get(host) if host in plan_data["hosts"] else None
        if entry is None:
            return None
        entry = plain(entry)
        objects, citations = plan_data["address_objects"], plan_data["citations"]
        subset = {"hosts": {host: entry},
                  "address_objects": {r["remote_object"]: plain(objects[r["remote_object"]]) for r in entry["rules"]},
                  "citations": {c: plain(citations[c]) for r in entry["rules"] for c in r.get("citation_ids", [])},
                  "settings": {"rule_prefix": plain((plan_data.get("settings") or {}).get("rule_prefix", "exfw"))}}
        return _plan_schema.host_ruleset(subset, host)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.host_ruleset: not a plan of this collection ({exc})") from exc
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


# The options of the Windows filters, as documented in their .yml files (a test keeps them equal).
# Validating with ansible-core converts as a module would: purge "no" is False, not bool("no").
WIN_FIREWALL_RULE_PARAMS_SPEC = {
    "_input": {"type": "list", "elements": "dict", "required": True},
    "group": {"type": "str", "default": _windows.DEFAULT_GROUP},
    "rule_prefix": {"type": "str", "default": _windows.DEFAULT_PREFIX},
}
POWERSHELL_SCRIPT_SPEC = {
    "_input": {"type": "list", "elements": "dict", "required": True},
    "host": {"type": "str", "required": True},
    "group": {"type": "str", "default": _windows.DEFAULT_GROUP},
    "purge": {"type": "bool", "default": True},
    "rule_prefix": {"type": "str", "default": _windows.DEFAULT_PREFIX},
}


def _options(name, spec, **options):
    options = {k: plain(v) for k, v in options.items() if v is not None}
    result = ArgumentSpecValidator(spec).validate(options)
    if result.error_messages:
        raise AnsibleFilterError(f"exchange.firewall.{name}: " + "; ".join(result.error_messages))
    return result.validated_parameters


def win_firewall_rule_params(rules, group=None, rule_prefix=None):
    """Plan rules -> parameter sets for community.windows.win_firewall_rule (one per rule)."""
    opts = _options("win_firewall_rule_params", WIN_FIREWALL_RULE_PARAMS_SPEC, _input=rules, group=group,
                    rule_prefix=rule_prefix)
    try:
        return _windows.community_params(_windows.desired(opts["_input"], opts["group"], opts["rule_prefix"]))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def powershell_script(rules, host=None, group=None, purge=None, rule_prefix=None):
    """Plan rules -> a PowerShell script (New/Set/Remove-NetFirewallRule) for a change request."""
    opts = _options("powershell_script", POWERSHELL_SCRIPT_SPEC, _input=rules, host=host, group=group, purge=purge,
                    rule_prefix=rule_prefix)
    try:
        want = _windows.desired(opts["_input"], opts["group"], opts["rule_prefix"])
        return _windows.powershell_script(opts["host"], want, opts["group"], opts["purge"], opts["rule_prefix"])
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {
            "plan": plan,
            "plan_summary": plan_summary,
            "plan_csv": plan_csv,
            "host_ruleset": host_ruleset,
            "win_firewall_rule_params": win_firewall_rule_params,
            "powershell_script": powershell_script,
        }
