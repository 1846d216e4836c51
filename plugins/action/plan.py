# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for exchange.firewall.plan: computes the plan on the controller and, with
``output_dir``, writes the whole output set in one step (docs: modules/plan.py)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_diff, _plan_schema, _render_markdown
from ansible_collections.exchange.firewall.plugins.plugin_utils import _output, _outputs_render, _report_html, _store
from ansible_collections.exchange.firewall.plugins.plugin_utils._action import utc_now, validated_args
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import (
    build_plan,
    collection_version,
    fingerprint,
    host_vars,
    non_default_settings,
    plain,
    settings_from,
)

ARGUMENT_SPEC = {
    "settings": {"type": "dict"},
    "hosts": {"type": "list", "elements": "str"},
    "output_dir": {"type": "path"},
    "windows_scripts": {"type": "bool", "default": True},
    "windows_group": {"type": "str", "default": "exchange.firewall"},
    "from_plan": {"type": "raw"},
    "store": {"type": "bool", "default": True},
    "previous_plan": {"type": "path"},
    "report": {"type": "bool", "default": True},
    "report_template": {"type": "path"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args, error = validated_args(ARGUMENT_SPEC, self._task.args)
        if error:
            return dict(result, failed=True, msg=error)
        # The approved plan to compare with and the report template are read before anything else:
        # a bad path or a bad file stops the run here, naming the variable, with nothing written.
        try:
            previous = _previous(args.get("previous_plan"))
            template = _report_html.load_template(args.get("report_template")) if args["report"] else None
        except ValueError as exc:
            return dict(result, failed=True, msg=str(exc))
        timings = {}
        started = time.perf_counter()
        groups = plain(task_vars.get("groups", {}))
        settings = settings_from(_controller_vars(self._task, task_vars))
        settings.update(plain(args.get("settings") or {}))
        names = sorted({h for members in groups.values() for h in members})
        if args.get("hosts"):
            missing = sorted(set(args["hosts"]) - set(names))
            if missing:
                return dict(result, failed=True, msg=f"hosts: {', '.join(missing)} not in the inventory")
        hostvars = host_vars(task_vars["hostvars"], names)
        timings["inventory_s"] = time.perf_counter() - started
        try:
            mark = time.perf_counter()
            plan = build_plan(groups, hostvars, settings)
            if args.get("from_plan") is not None:
                plan = _approved(args["from_plan"], plan)
            timings["engine_s"] = time.perf_counter() - mark
        except ValueError as exc:
            if args.get("output_dir") and not self._play_context.check_mode:
                _output.mark_failed(args["output_dir"], str(exc))
            return dict(result, failed=True, msg=str(exc))
        if args.get("hosts"):
            wanted = set(args["hosts"])
            plan["hosts"] = {h: v for h, v in plan["hosts"].items() if h in wanted}
        if previous is not None:
            try:
                plan["changes_since_previous"] = _plan_diff.compare(previous[0], plan, hosts=args.get("hosts"))
            except (ValueError, KeyError, TypeError) as exc:
                return dict(result, failed=True, msg=f"exchange_firewall_previous_plan: {args['previous_plan']}: "
                                                     f"cannot be compared with this plan ({exc})")
            plan["changes_since_previous"]["previous"]["sha256"] = previous[1]
            result["changes_since_previous"] = plan["changes_since_previous"]["summary"]
        rules = sum(len(h["rules"]) for h in plan["hosts"].values())
        warnings = [f"{h}: {w}" for h, v in plan["hosts"].items() for w in v["warnings"]]
        result.update(changed=False, stats={"hosts": len(plan["hosts"]), "rules": rules}, plan_warnings=warnings,
                      targets=_targets(plan))
        meta = {"collection_version": collection_version(),
                "inventory_fingerprint": fingerprint(groups, hostvars, settings),
                "non_default_settings": non_default_settings(settings)}
        if args.get("output_dir"):
            try:
                self._write(args, plan, meta, result, timings, template)
            except (OSError, ValueError) as exc:
                return dict(result, failed=True, msg=str(exc))
        else:
            plan["meta"] = dict(meta, generated_at=utc_now())
            result["summary"] = _render_markdown.render(plan, plan["meta"])
        result["plan"] = plan
        if args["store"]:
            # Written in check mode too: it is the run's private copy that the host entry point reads.
            mark = time.perf_counter()
            try:
                result["store"] = _store.write(plan, _store.default_location(C.DEFAULT_LOCAL_TMP))
            except (OSError, ValueError) as exc:
                return dict(result, failed=True, msg=f"cannot write the rule-set store: {exc}")
            timings["store_s"] = time.perf_counter() - mark
        timings["total_s"] = time.perf_counter() - started
        result["timings"] = {k: round(v, 3) for k, v in timings.items()}
        return result

    def _write(self, args, plan, meta, result, timings, template=None):
        directory = args["output_dir"]
        digest = hashlib.sha256(_outputs_render.plan_json(plan).encode()).hexdigest()
        previous = _output.read_manifest(directory) or {}
        # The generation time changes only when the plan does, so an unchanged plan rewrites nothing.
        generated = previous.get("generated_at") if previous.get("plan_digest") == digest else None
        plan["meta"] = dict(meta, generated_at=generated or utc_now())
        mark = time.perf_counter()
        # The latest apply, audit and verify records stay with the plan they were made for: kept
        # (and shown in report.html) while the plan is the same, dropped with it when it changes.
        carried = _outputs_render.read_results(directory) if previous.get("plan_digest") == digest else {}
        files = _outputs_render.render_all(plan, args["windows_scripts"], args["windows_group"],
                                           report_template=template, report=args["report"],
                                           results={k: v["record"] for k, v in carried.items()})
        files.update({v["file"]: v["text"] for v in carried.values()})
        timings["render_s"] = time.perf_counter() - mark
        result["plan_sha256"] = hashlib.sha256(files["plan.json"].encode()).hexdigest()
        changes = _output.plan_changes(directory, files)
        changed = bool(changes["added"] or changes["changed"] or changes["removed"] or changes["failed_marker"])
        check = self._play_context.check_mode
        mark = time.perf_counter()
        if changed and not check:
            _output.write(directory, files, changes, {"plan_digest": digest, "generated_at": plan["meta"]["generated_at"]})
        timings["write_s"] = time.perf_counter() - mark
        verb = "would be written" if check else "written"
        result["changed"] = changed
        result["output"] = {
            "directory": str(directory), "files": len(files),
            "added": changes["added"], "changed": changes["changed"], "removed": changes["removed"],
            "unchanged": len(changes["unchanged"]),
            "msg": (f"{len(files)} files {verb} to {directory}" if changed
                    else f"{directory} is up to date ({len(files)} files)"),
        }
        if self._task.diff and changed:
            result["diff"] = _output.diff(directory, files, changes)


def _controller_vars(task, task_vars: dict):
    """The variables the organisation settings come from: the task's, as on localhost.

    Delegated to localhost from a managed host (a --limit without localhost), the inventory
    variables are localhost's, never the delegating host's own; role defaults, play and extra
    variables stay as the task sees them.
    """
    host = task_vars.get("inventory_hostname")
    if task.delegate_to != "localhost" or host in (None, "localhost"):
        return task_vars
    own, controller = task_vars["hostvars"][host], task_vars["hostvars"]["localhost"]
    names = [k for k in task_vars if str(k).startswith("exchange_firewall_")]
    variables = {k: task_vars[k] for k in names if k not in own}
    variables.update({k: controller[k] for k in controller.keys() if str(k).startswith("exchange_firewall_")})
    return variables


def _approved(source, computed: dict) -> dict:
    """An approved plan (a plan or the path of a plan.json) to apply instead of the computed one.

    The inventory is still validated (the computed plan); hosts must exist in both.
    """
    if isinstance(source, str):
        with open(source, encoding="utf-8") as handle:
            source = json.load(handle)
    plan = _plan_schema.check(_plan_schema.readable_text(plain(source), "exchange_firewall_plan"), "exchange_firewall_plan")
    unknown = sorted(set(plan["hosts"]) - set(computed["hosts"]))
    if unknown:
        raise ValueError(f"exchange_firewall_plan: hosts {', '.join(unknown)} are not planned hosts of this inventory")
    return plan


def _previous(path):
    """(the approved plan to compare with, SHA-256 of its file), or None; errors name the variable."""
    if not path:
        return None
    variable = "exchange_firewall_previous_plan"
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{variable}: {path} does not exist (give the path of an approved plan.json)") from None
    except OSError as exc:
        raise ValueError(f"{variable}: {path} cannot be read ({exc.strerror})") from None
    try:
        plan = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"{variable}: {path} is not JSON ({exc})") from None
    plan = _plan_schema.check(_plan_schema.readable_text(plan, variable), variable)
    return _plan_diff.without_changes(plan), hashlib.sha256(data).hexdigest()


def _targets(plan: dict) -> dict:
    """Hosts an apply run reaches, by platform; 'unsupported': planned hosts no applier can reach."""
    targets = {"linux": [], "windows": [], "network": [], "unsupported": []}
    for name, host in plan["hosts"].items():
        targets.setdefault(host["platform"], []).append(name)
    for name, firewall in plan.get("network_firewalls", {}).items():
        targets["network" if firewall.get("provider") else "unsupported"].append(name)
    return targets
