# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for exchange.firewall.report (docs: modules/report.py).

Runs on the controller after the apply, audit or verify plays. It collects each host's result from
the variables the role's tasks registered (hostvars), writes ``<kind>.json`` and a report.html
with the results into the output set the plan task wrote in this run (through _output: all or
nothing), and returns the end-of-run summary. It fails when asked to and the results say so.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema, _results
from ansible_collections.exchange.firewall.plugins.plugin_utils import _output, _outputs_render, _report_html, _store
from ansible_collections.exchange.firewall.plugins.plugin_utils._action import utc_now, validated_args
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain

ARGUMENT_SPEC = {
    "kind": {"type": "str", "required": True, "choices": ["apply", "audit", "verify"]},
    "hosts": {"type": "list", "elements": "str", "default": []},
    "output_dir": {"type": "path"},
    "plan_sha256": {"type": "str"},
    "report_template": {"type": "path"},
    "fail_on_drift": {"type": "bool", "default": False},
    "fail_on_failure": {"type": "bool", "default": False},
}
# The variables the role's tasks register on each host, by provider (apply mode).
APPLY_RESULTS = (
    ("firewalld", "__exchange_firewall_firewalld_result"),
    ("windows", "__exchange_firewall_windows_result"),
    ("windows_fallback", "__exchange_firewall_windows_fallback_result"),
    ("nftables", "__exchange_firewall_nftables_result"),
    ("network", "__exchange_firewall_network_acls"),
    ("network", "__exchange_firewall_network_commit"),
    ("network", "__exchange_firewall_panos_rules"),
)
AUDIT_RESULT = "__exchange_firewall_audit"
VERIFY_RESULT = "__exchange_firewall_verify"


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
        hostvars = task_vars.get("hostvars", {})
        check = bool(self._play_context.check_mode)
        kind = args["kind"]

        def var(host, name):
            try:
                value = hostvars[host].get(name) if host in hostvars else None
            # An undefined or failing template is no result.
            except Exception:  # pylint: disable=broad-except
                return None
            return plain(value) if value is not None else None

        if kind == "apply":
            store = _store.default_location(C.DEFAULT_LOCAL_TMP)
            hosts = []
            for host in args["hosts"]:
                provider, raw = None, None
                for name, variable in APPLY_RESULTS:
                    value = var(host, variable)
                    if value is not None and not value.get("skipped"):
                        provider, raw = name, value
                        break
                try:
                    entry = _store.read(store, host)
                except (OSError, ValueError):
                    entry = None
                rules = (entry or {}).get("rules") or []
                hosts.append(_results.apply_host(host, provider, raw, rules))
            record = _results.apply_report(hosts, utc_now(), check)
        elif kind == "audit":
            findings = [var(h, AUDIT_RESULT) or _results.no_audit(h) for h in args["hosts"]]
            record = _results.audit_report(findings, utc_now())
        else:
            record = _results.verify_report({h: var(h, VERIFY_RESULT) for h in args["hosts"]}, utc_now())

        summary = record["summary"]
        result.update(changed=False, record=record, summary_lines=summary["lines"], summary=summary["text"])
        if args.get("output_dir"):
            try:
                self._write(args, kind, record, result, check)
            except (OSError, ValueError) as exc:
                return dict(result, failed=True, msg=str(exc))
        # The verdict is returned, not acted on: the role shows the summary first, then fails on it.
        failure = None
        if kind == "audit" and args["fail_on_drift"] and (summary["drift"] or summary["errors"]):
            failure = (f"drift found (exchange_firewall_audit_fail_on_drift is true): {summary['text']}. "
                       + " | ".join(line for line in summary["lines"] if "in sync" not in line))
        elif kind == "verify" and args["fail_on_failure"] and summary["failed"]:
            failure = (f"verification failed (exchange_firewall_verify_fail_on_failure is true): {summary['text']}. "
                       + " | ".join(line.strip() for line in summary["lines"] if "FAIL" in line or "NO RESULT" in line))
        result["verdict"] = {"failed": failure is not None, "msg": failure or summary["text"]}
        return result

    def _write(self, args, kind, record, result, check):
        directory = Path(args["output_dir"]).resolve()
        plan_file = directory / "plan.json"
        try:
            text = plan_file.read_bytes()
        except FileNotFoundError:
            if check:
                result["output"] = {"msg": f"{directory} has no plan.json (check mode: the plan was not written)"}
                return
            raise ValueError(f"exchange_firewall_output_dir: {directory} has no plan.json; run the plan first") from None
        digest = hashlib.sha256(text).hexdigest()
        if args.get("plan_sha256") and digest != args["plan_sha256"]:
            if check:
                result["output"] = {"msg": f"{directory} holds another plan (check mode: this run's plan was not "
                                           "written); nothing would be added to it"}
                return
            raise ValueError(f"exchange_firewall_output_dir: {directory}/plan.json is not the plan of this run "
                             f"(SHA-256 {digest}, expected {args['plan_sha256']}); nothing was written")
        plan = _plan_schema.check(json.loads(text), "exchange_firewall_output_dir")
        # report.html shows every record kept for this plan (an audit after an apply shows both).
        results = {k: v["record"] for k, v in _outputs_render.read_results(directory).items()}
        results[kind] = record
        files = {f"{kind}.json": json.dumps(record, indent=2, sort_keys=True) + "\n",
                 "report.html": _report_html.render(plan, args.get("report_template"), plan_sha256=digest,
                                                    results=results)}
        changes = _output.update_changes(directory, files)
        if not check:
            _output.update(directory, files, changes)
        # A run's record is rewritten by every run: it is not counted as a change (an unchanged
        # apply run stays changed=0). Check mode writes nothing.
        verb = "would be written" if check else "written"
        result["output"] = {"directory": str(directory), "files": sorted(files), "added": changes["added"],
                            "changed": changes["changed"], "msg": f"{kind}.json and report.html {verb} to {directory}"}
