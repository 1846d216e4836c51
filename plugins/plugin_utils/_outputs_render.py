# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's output set, rendered in memory: {relative path: text}. Controller side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from ansible_collections.exchange.firewall.plugins.module_utils import (
    _engine,
    _netfw_render,
    _nftables,
    _render_csv,
    _render_markdown,
    _windows,
)
from ansible_collections.exchange.firewall.plugins.module_utils._plan_schema import expand_rules, firewall_view


def plan_json(plan: dict) -> str:
    return json.dumps(plan, indent=2, sort_keys=True) + "\n"


RESULT_KINDS = ("apply", "audit", "verify")
# What report.html reads of each record: its lists, and the keys of their items.
RECORD_LISTS = {
    "apply": {"hosts": ("host", "provider", "status", "added", "changed", "removed", "unchanged", "detail")},
    "audit": {"hosts": ("host", "provider", "status", "missing", "extra", "differing", "shadowing")},
    "verify": {"flows": ("flow", "host", "rule", "probes", "passed"),
               "closed": ("source", "source_address", "host", "address", "port", "why", "observed", "passed")},
}


def _is_record(kind: str, record) -> bool:
    """A record of ``kind`` with everything report.html reads (a damaged or foreign file is not one)."""
    if not isinstance(record, dict) or record.get("kind") != kind or "generated_at" not in record:
        return False
    if not isinstance(record.get("summary"), dict) or "text" not in record["summary"]:
        return False
    for key, fields in RECORD_LISTS[kind].items():
        items = record.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) and all(f in i for f in fields) for i in items):
            return False
    return True


def read_results(directory) -> dict:
    """{kind: {"file", "text", "record"}} of the apply/audit/verify records in an output set.

    A record that cannot be read, or is not one (damaged, edited, of another version), is left out.
    """
    out = {}
    for kind in RESULT_KINDS:
        path = Path(directory) / f"{kind}.json"
        try:
            text = path.read_text()
            record = json.loads(text)
        except (OSError, ValueError):
            continue
        if _is_record(kind, record):
            out[kind] = {"file": path.name, "text": text, "record": record}
    return out


def render_all(plan: dict, windows_scripts: bool = True, windows_group: str = _windows.DEFAULT_GROUP,
               report_template=None, report: bool = True, results: dict | None = None) -> dict:
    """Every output file of a plan. Host names were validated by the planner (safe file names).

    plan.md and report.html name the SHA-256 of the plan.json they describe (what an approver signs).
    ``report_template``: a compiled or a path to a Jinja2 template for report.html (default: the bundled one);
    ``results``: the apply/audit/verify records to show in it ({kind: record}).
    """
    # Rendering, like planning, builds many small objects and frees none until the end: the cyclic
    # collector would walk them again and again, more often the larger the organisation.
    with _engine.paused_gc():
        return _render_all(plan, windows_scripts, windows_group, report_template, report, results)


def _render_all(plan, windows_scripts, windows_group, report_template, report, results) -> dict:
    text = plan_json(plan)
    digest = hashlib.sha256(text.encode()).hexdigest()
    files = {
        "plan.json": text,
        "plan.md": _render_markdown.render(plan, plan.get("meta"), plan_sha256=digest),
        "plan.csv": _render_csv.render(plan),
        "address-objects.csv": _render_csv.render_objects(plan),
    }
    if report:
        from ansible_collections.exchange.firewall.plugins.plugin_utils import _report_html

        files["report.html"] = _report_html.render(plan, report_template, plan_sha256=digest, results=results)
    if windows_scripts:
        files.update(windows_scripts_for(plan, windows_group))
    files.update(network_files(plan))
    return files


def network_files(plan: dict) -> dict:
    """Per network firewall: its view (the renderers' input) and its configuration for its provider.

    Vendor providers: the module arguments the role passes to the vendor's own modules (plus
    PAN-OS XML when pan-os-python is installed); nftables: the table, as ``nft -f`` reads it.
    """
    files = {}
    for name in plan.get("network_firewalls", {}):
        view = firewall_view(plan, name)
        files[f"network/{name}.view.json"] = json.dumps(view, indent=2, sort_keys=True) + "\n"
        provider = view["provider"]
        if provider == "nftables":
            files[f"network/{name}.nft"] = _nftables.render(view).text
        elif provider in _netfw_render.RENDERERS:
            config = _netfw_render.render(view, provider)
            files[f"network/{name}.{provider}.yml"] = yaml.safe_dump(config, sort_keys=True, default_flow_style=False)
            if provider == "panos":
                try:
                    from ansible_collections.exchange.firewall.plugins.plugin_utils._panos_xml import xml
                except ImportError:  # pan-os-python is optional
                    continue
                try:
                    files[f"network/{name}.panos.xml"] = "\n".join(xml(config)) + "\n"
                except ImportError:
                    pass
    return files


def windows_scripts_for(plan: dict, group: str) -> dict:
    """A script per Windows host, plus the address objects they share (each address list written once)."""
    prefix = plan["settings"]["rule_prefix"]
    hosts = [h for h, entry in plan["hosts"].items() if entry["platform"] == "windows"]
    used = sorted({r["remote_object"] for h in hosts for r in plan["hosts"][h]["rules"]})
    cache, objects = {}, {}
    for name in used:
        plan_addresses = tuple(plan["address_objects"][name]["addresses"])
        if plan_addresses not in cache:
            cache[plan_addresses] = _windows.remote_addresses(plan_addresses, name)
        objects[name] = cache[("object", name)] = cache[plan_addresses]
    files = {}
    if hosts:
        files[f"windows/{_windows.OBJECTS_FILE}"] = _windows.address_objects_json(objects)
    for host in hosts:
        by_rule = {r["name"]: r["remote_object"] for r in plan["hosts"][host]["rules"]}
        want = _windows.desired(expand_rules(plan, host), group, prefix, address_cache=cache, remote_objects=by_rule)
        files[f"windows/{host}.ps1"] = _windows.powershell_script(host, want, group, True, prefix, objects=by_rule)
    return files
