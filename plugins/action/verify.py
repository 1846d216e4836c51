# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for exchange.firewall.verify (docs: modules/verify.py).

Runs on a verify source. One round trip asks the source for its addresses (the probe module with
no probes); the probes are chosen here from the plan (module_utils/_verify.py); a second round
trip runs them on the source; the results are judged here. Linux and other POSIX sources run
exchange.firewall.tcp_probe, Windows sources exchange.firewall.win_tcp_probe.
"""

from __future__ import annotations

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema, _verify
from ansible_collections.exchange.firewall.plugins.plugin_utils import _store
from ansible_collections.exchange.firewall.plugins.plugin_utils._action import validated_args
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain

ARGUMENT_SPEC = {
    "plan": {"type": "raw"},
    "store": {"type": "path"},
    "hosts": {"type": "list", "elements": "str"},
    "addresses": {"type": "list", "elements": "str"},
    "timeout": {"type": "float", "default": 2.0},
    "closed_sample": {"type": "int", "default": 3},
    "max_probes": {"type": "int", "default": 400},
}


def planned_hosts(plan=None, store=None) -> tuple:
    """({host: entry with expanded rules} of the Linux and Windows hosts, {flow id: spec})."""
    if plan is not None:
        plan = _plan_schema.check(plan, "exchange_firewall_plan")
        entries = {h: _plan_schema.host_ruleset(plan, h) for h in plan["hosts"]}
        flows = plan.get("flows") or {}
    else:
        entries = {h: _store.read(store, h) for h in _store.hosts(store)}
        flows = _store.flows(store)
    return {h: e for h, e in entries.items() if e and e.get("platform") in ("linux", "windows")}, flows


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def _probe(self, task_vars, probes, timeout):
        windows = getattr(self._connection._shell, "SHELL_FAMILY", "") == "powershell"
        module = "exchange.firewall.win_tcp_probe" if windows else "exchange.firewall.tcp_probe"
        return self._execute_module(module_name=module, module_args={"probes": probes, "timeout": timeout},
                                    task_vars=task_vars)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args, error = validated_args(ARGUMENT_SPEC, self._task.args)
        if error:
            return dict(result, failed=True, msg=error)
        source = task_vars.get("inventory_hostname", "?")
        if not 0.1 <= args["timeout"] <= 30:
            msg = f"exchange_firewall_verify_timeout: {args['timeout']} is not between 0.1 and 30 seconds"
            return dict(result, failed=True, msg=msg)
        try:
            plan = args.get("plan")
            if isinstance(plan, str):
                import json

                with open(plan, encoding="utf-8") as handle:
                    plan = json.load(handle)
            hosts, flows = planned_hosts(plain(plan) if plan is not None else None,
                                         args.get("store") or _store.default_location(C.DEFAULT_LOCAL_TMP))
        except (OSError, ValueError) as exc:
            return dict(result, failed=True, msg=f"exchange.firewall.verify: cannot read the plan: {exc}")
        unknown = sorted(set(args.get("hosts") or []) - set(hosts))
        if unknown:
            msg = f"exchange.firewall.verify: {', '.join(unknown)} are not planned Linux or Windows hosts"
            return dict(result, failed=True, msg=msg)
        addresses = args.get("addresses")
        if not addresses:
            found = self._probe(task_vars, [], args["timeout"])
            if found.get("failed"):
                msg = f"{source}: reading the source's addresses failed: {found.get('msg', 'no message')}"
                return dict(result, failed=True, msg=msg)
            addresses = found.get("addresses") or []
        try:
            planned = _verify.plan_probes(source, addresses, hosts, flows, closed_sample=args["closed_sample"],
                                          max_probes=args["max_probes"], only=args.get("hosts"))
        except _verify.VerifyError as exc:
            return dict(result, failed=True, msg=str(exc))
        probes = planned["probes"]
        observed = []
        if probes:
            ran = self._probe(task_vars, [{"id": p["id"], "address": p["address"], "port": p["port"],
                                           "source": p["source_address"]} for p in probes], args["timeout"])
            if ran.get("failed"):
                return dict(result, failed=True, msg=f"{source}: the probes failed: {ran.get('msg', 'no message')}")
            observed = ran.get("results") or []
        judged = _verify.evaluate(source, probes, observed)
        counts = _verify.summary(judged)["counts"]
        result.update(changed=False, source=source, addresses=[str(a) for a in _verify.usable(addresses)],
                      probes=judged, notes=planned["notes"], counts=counts)
        return result
