# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end-of-run record of an apply, audit or verify run: per host what happened, and the lines a
person reads at a glance. Pure.

Each ``*_report`` returns {"kind", "hosts" or "sources", ..., "summary": {"text", "lines", counts}}:
the JSON written next to the plan (``apply.json``, ``audit.json``, ``verify.json``), the report's
section and the playbook's last message.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd
from ansible_collections.exchange.firewall.plugins.module_utils import _verify

NO_RESULT = "no result"


# ---- apply ------------------------------------------------------------------------------------

def _firewalld_rules(rules: list, raw: dict) -> dict:
    """Per planned rule: added (all its entries were added), changed (some), or unchanged."""
    added = set(raw.get("added", {}).get("ports", [])) | set(raw.get("added", {}).get("rich_rules", []))
    removed = set(raw.get("removed", {}).get("ports", [])) | set(raw.get("removed", {}).get("rich_rules", []))
    out = {"added": [], "changed": [], "unchanged": 0, "removed": []}
    explained = set()
    for rule in rules:
        if rule.get("direction", "in") != "in":
            continue
        try:
            single = fwd.desired([rule], "planned")
        except fwd.RulesetError:
            continue
        entries = single["ports"] | single["rich_rules"]
        explained |= entries
        new = entries & added
        if entries and new == entries:
            out["added"].append(rule["name"])
        elif new:
            out["changed"].append(rule["name"])
        else:
            out["unchanged"] += 1
    gone = sorted(removed - explained)
    if gone:
        out["removed"].append(f"{len(gone)} entries no longer planned")
    return out


def apply_host(host: str, provider: str | None, raw: dict | None, rules: list | None = None) -> dict:
    """One host's apply outcome from the registered result of its provider's task."""
    entry = {"host": host, "provider": provider, "status": NO_RESULT, "added": [], "changed": [], "removed": [],
             "unchanged": 0, "detail": ""}
    if raw is None:
        entry["detail"] = "no result: the host failed or was unreachable before the apply task"
        return entry
    if raw.get("failed"):
        return dict(entry, status="failed", detail=str(raw.get("msg", "the apply task failed")))
    if raw.get("skipped"):
        return dict(entry, status="skipped", detail=str(raw.get("skip_reason", "")))
    changed = bool(raw.get("changed"))
    if provider == "firewalld":
        per_rule = _firewalld_rules(rules or [], raw)
        entry.update(per_rule)
        if raw.get("skipped_rules"):
            entry["detail"] = f"not applied by firewalld (outbound): {', '.join(raw['skipped_rules'])}"
    elif provider in ("windows",):
        ops = raw.get("operations") or []
        entry["added"] = [o["Name"] for o in ops if o.get("op") == "add"]
        entry["changed"] = [o["Name"] for o in ops if o.get("op") == "set"]
        entry["removed"] = [o["Name"] for o in ops if o.get("op") == "remove"]
        entry["unchanged"] = max(0, len(rules or []) - len(entry["added"]) - len(entry["changed"]))
        disabled = [o["Name"] for o in ops if o.get("op") == "disable"]
        if disabled:
            entry["detail"] = f"Exchange Setup rules disabled: {', '.join(disabled)}"
    elif provider == "windows_fallback":
        items = raw.get("results") or []
        entry["changed"] = [str((r.get("item") or {}).get("name")) for r in items if r.get("changed")]
        entry["unchanged"] = sum(1 for r in items if not r.get("changed"))
        failed = [str((r.get("item") or {}).get("name")) for r in items if r.get("failed")]
        if failed:
            return dict(entry, status="failed", detail=f"rules that failed: {', '.join(failed)}")
        entry["detail"] = "one call per rule (community.windows.win_firewall_rule); added and changed are not told apart"
    elif provider == "nftables":
        diff = raw.get("diff") or {}
        before = {line.strip() for line in (diff.get("before") or "").splitlines() if line.strip()}
        after = {line.strip() for line in (diff.get("after") or "").splitlines() if line.strip()}
        entry["added"] = [f"{len(after - before)} table lines"] if after - before else []
        entry["removed"] = [f"{len(before - after)} table lines"] if before - after else []
        entry["detail"] = "the table was replaced in one transaction" if changed else ""
    else:
        entry["detail"] = "changed on the device" if changed else "nothing to change"
    entry["status"] = "changed" if changed else "unchanged"
    return entry


def _line_apply(h: dict) -> str:
    name = f"{h['host']} ({h['provider'] or '?'})"
    if h["status"] in (NO_RESULT, "failed", "skipped"):
        return f"{name}: {h['status'].upper()} - {h['detail']}"
    parts = [f"{len(h['added'])} rules added", f"{len(h['changed'])} changed", f"{len(h['removed'])} removed",
             f"{h['unchanged']} unchanged"]
    return f"{name}: {h['status']} - " + ", ".join(parts) + (f" ({h['detail']})" if h["detail"] else "")


def apply_report(hosts: list, generated_at: str, check_mode: bool) -> dict:
    failed = [h for h in hosts if h["status"] in (NO_RESULT, "failed")]
    changed = [h for h in hosts if h["status"] == "changed"]
    text = (f"{len(hosts)} hosts: {len(changed)} changed, {len(hosts) - len(changed) - len(failed)} unchanged, "
            f"{len(failed)} failed or without result" + (" (check mode: nothing was changed)" if check_mode else ""))
    return {"kind": "apply", "generated_at": generated_at, "check_mode": check_mode, "hosts": hosts,
            "summary": {"text": text, "lines": [_line_apply(h) for h in hosts], "failed": len(failed),
                        "changed": len(changed)}}


# ---- audit ------------------------------------------------------------------------------------

def _line_audit(h: dict) -> str:
    name = f"{h['host']} ({h.get('provider') or '?'})"
    status = h.get("status", NO_RESULT)
    if status in ("in sync",):
        return f"{name}: in sync ({h['counts']['rules']} rules)" + (f"; {h['note']}" if h.get("note") else "")
    if status in ("not audited", "error", NO_RESULT):
        return f"{name}: {status.upper()} - {h.get('note', '')}"
    parts = []
    for key in ("missing", "differing", "extra", "shadowing"):
        items = h.get(key) or []
        if items:
            named = [f"{i.get('rule') or i.get('what')}" + (f" ({i['where']})" if i.get("where") else "")
                     for i in items[:3]]
            parts.append(f"{len(items)} {key}: " + "; ".join(named) + (" ..." if len(items) > 3 else ""))
    return f"{name}: DRIFT - " + " | ".join(parts)


def audit_report(findings: list, generated_at: str) -> dict:
    by_status = {}
    for h in findings:
        by_status.setdefault(h.get("status", NO_RESULT), []).append(h["host"])
    drift = len(by_status.get("drift", []))
    errors = len(by_status.get("error", [])) + len(by_status.get(NO_RESULT, []))
    text = (f"{len(findings)} hosts: {len(by_status.get('in sync', []))} in sync, {drift} with drift, "
            f"{errors} could not be read, {len(by_status.get('not audited', []))} not audited")
    return {"kind": "audit", "generated_at": generated_at, "hosts": findings,
            "summary": {"text": text, "lines": [_line_audit(h) for h in findings], "drift": drift,
                        "errors": errors, "by_status": by_status}}


def no_audit(host: str) -> dict:
    return {"host": host, "provider": None, "status": NO_RESULT, "missing": [], "extra": [], "differing": [],
            "shadowing": [], "note": "the host failed or was unreachable before the audit",
            "counts": {"rules": 0, "missing": 0, "extra": 0, "differing": 0, "shadowing": 0}}


# ---- verify -----------------------------------------------------------------------------------

def verify_report(sources: dict, generated_at: str) -> dict:
    """``sources``: {source: the verify task's result, or None}."""
    probes, rows, lines = [], [], []
    for source, raw in sorted(sources.items()):
        if raw is None or raw.get("failed") or "probes" not in raw:
            why = "the source failed or was unreachable" if raw is None else str(raw.get("msg", "failed"))
            rows.append({"source": source, "addresses": [], "probes": 0, "passed": 0, "failed": 0, "status": NO_RESULT,
                         "note": why})
            lines.append(f"{source}: NO RESULT - {why}")
            continue
        judged = raw.get("probes") or []
        probes += judged
        passed = sum(1 for p in judged if p["passed"])
        rows.append({"source": source, "addresses": raw.get("addresses") or [], "probes": len(judged), "passed": passed,
                     "failed": len(judged) - passed, "status": "passed" if passed == len(judged) else "failed",
                     "note": "; ".join(raw.get("notes") or [])})
        lines.append(f"{source}: {len(judged)} probes, {passed} passed, {len(judged) - passed} failed")
        for p in judged:
            if not p["passed"]:
                rule = f"rule {p['rule']}, flows {', '.join(p['flow_ids'])}" if p["rule"] else p["why"]
                lines.append(f"  FAIL {p['source_address']} -> {p['host']} {p['address']}:{p['port']} expected "
                             f"{p['expect']}, got {p['observed']} ({rule})")
    total = _verify.summary(probes)
    counts = total["counts"]
    no_result = sum(1 for r in rows if r["status"] == NO_RESULT)
    text = (f"{counts['flows']} flows probed from {len(rows)} sources: {counts['flows'] - counts['flows_failed']} "
            f"passed, {counts['flows_failed']} failed; required connections {counts['required_passed']}/"
            f"{counts['required']}, closed sample {counts['closed_passed']}/{counts['closed']}"
            + (f"; {no_result} sources without result" if no_result else ""))
    return {"kind": "verify", "generated_at": generated_at, "sources": rows, "flows": total["flows"],
            "closed": total["closed"], "probes": probes,
            "summary": {**counts, "text": text, "lines": lines, "failed": counts["failed"] + no_result,
                        "no_result": no_result}}
