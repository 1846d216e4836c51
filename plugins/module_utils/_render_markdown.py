# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a plan as a Markdown document for change requests and auditors. Pure.

Rules name their remote side by address object; every object is listed once, with its member
hosts and all of its addresses (never truncated), so the document grows linearly with the
inventory. Every inventory-derived text is escaped (``_text.md``): no markup or HTML gets through.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils import _report_model as model
from ansible_collections.exchange.firewall.plugins.module_utils._text import md, md_code, md_link, natural_key

ANY = (["0.0.0.0/0", "::/0"], ["0.0.0.0/0"], ["::/0"])


def _header(plan: dict, meta: dict, plan_sha256: str | None = None) -> list:
    settings = plan["settings"]
    rows = []
    if plan_sha256:
        rows.append(("plan.json (SHA-256)", md_code(plan_sha256)))
    if meta.get("generated_at"):
        rows.append(("Generated (UTC)", md(meta["generated_at"])))
    if meta.get("collection_version"):
        rows.append(("Collection", f"exchange.firewall {md(meta['collection_version'])}"))
    if meta.get("inventory_fingerprint"):
        rows.append(("Inventory fingerprint", md_code(meta["inventory_fingerprint"])))
    rows.append(("Plan schema", md(plan["schema_version"])))
    rows.append(("Rule prefix", md_code(settings["rule_prefix"])))
    changed = meta.get("non_default_settings")
    if changed is not None:
        rows.append(("Settings that differ from the defaults",
                     "; ".join(f"{md_code(k)} = {md_code(v)}" for k, v in sorted(changed.items())) or "none"))
    rows.append(("Outbound rules", "on" if settings["outbound"] else "off"))
    rows.append(("Intra-organisation traffic", md_code(settings["intra_org"])))
    allow = settings["allow_unverified"]
    if isinstance(allow, list):
        rows.append(("Unverified flows", "only " + ", ".join(md_code(f) for f in allow)))
    else:
        rows.append(("Unverified flows", "allowed" if allow else "off"))
    return ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]


def _flow_list(entry) -> str:
    """The flow ids of a rule or policy; those that rest on an unverified flow are marked."""
    unverified = set(entry.get("unverified_flow_ids") or ())
    return md(", ".join(f"{f} (unverified)" if f in unverified else f for f in entry["flow_ids"]))


def _sources(citation_ids, citations) -> str:
    return "; ".join(md_link(c, citations[c]["url"]) for c in citation_ids)


def _object_ref(name, objects, index=None) -> str:
    obj = objects.get(name, {})
    if obj.get("addresses") in ANY:
        return f"any ({md_code(name)})"
    if not obj.get("members") or index is None:
        return md_code(name)
    members = index.names(name)
    if len(members) <= model.INLINE_MEMBERS:
        return f"{md_code(name)}: {md(', '.join(members))}"
    return f"{md_code(name)} ({len(members)} hosts, listed under Address objects)"


def _host_section(name, host, plan, index=None) -> list:
    citations = plan["citations"]
    objects = plan["address_objects"]
    facts = [f"roles: {md(', '.join(host['roles']))}", f"version: {md(host['version'] or '-')}",
             f"AD site: {md(host['ad_site'] or '-')}", f"DAG: {md(host['dag'] or '-')}"]
    if host.get("edge_site"):
        facts.append(f"subscribed to AD site: {md(host['edge_site'])}")
    facts.append(f"addresses: {md(', '.join(host['addresses']))}")
    lines = ["", f"## {md(name)}", "", "; ".join(facts) + ".", "",
             "| Rule | Dir | Proto | Local ports | Remote (address object) | Purpose | Flows | Sources |",
             "|---|---|---|---|---|---|---|---|"]
    for rule in host["rules"]:
        lines.append(
            f"| {md_code(rule['name'])} | {md(rule['direction'])} | {md(rule['protocol'])} | "
            f"{md(', '.join(rule['local_ports']) or 'any')} | {_object_ref(rule['remote_object'], objects, index)} | "
            f"{md(rule['description'])} | {_flow_list(rule)} | "
            f"{_sources(rule['citation_ids'], citations)} |")
    if host["disabled_flows"]:
        reasons = plan.get("unverified_reasons", {})

        def why(entry):
            if entry["id"] in reasons and entry["reason"].startswith("unverified"):
                return f"unverified: {reasons[entry['id']]}"
            return entry["reason"]
        closed = "; ".join(f"{md_code(d['id'])} ({md(why(d))})" for d in host["disabled_flows"])
        lines += ["", f"Not opened: {closed}."]
    for warning in host["warnings"]:
        lines += ["", f"> Warning: {md(warning)}"]
    return lines


def _firewall_section(name, firewall, plan) -> list:
    citations = plan["citations"]
    lines = ["", f"## Network firewall {md(name)}", ""]
    if firewall.get("status") != "planned":
        return lines + [md(firewall.get("note", "not planned"))]
    zones = firewall["zones"]
    lines += [f"Provider: {md_code(firewall.get('provider') or 'none')}.", "",
              "| Zone | Interfaces | Addresses |", "|---|---|---|"]
    for zone, spec in zones.items():
        lines.append(f"| {md_code(zone)} | {md(', '.join(spec.get('interfaces') or []) or '-')} | "
                     f"{md(', '.join(spec['addresses']))} |")
    services = firewall["services"]
    lines += ["", "| Policy | From | To | Source | Destination | Services | Purpose | Flows | Sources |",
              "|---|---|---|---|---|---|---|---|---|"]
    for policy in firewall["policies"]:
        svc = ", ".join(f"{services[s]['protocol']} {'/'.join(services[s]['ports']) or 'any'}"
                        for s in policy["services"])
        lines.append(
            f"| {md_code(policy['name'])} | {md_code(policy['from_zone'])} | {md_code(policy['to_zone'])} | "
            f"{', '.join(md_code(o) for o in policy['source'])} | "
            f"{', '.join(md_code(o) for o in policy['destination'])} | {md(svc)} | "
            f"{md(policy.get('description', ''))} | {_flow_list(policy)} | "
            f"{_sources(policy.get('citation_ids', []), citations)} |")
    for warning in firewall.get("warnings", []):
        lines += ["", f"> Warning: {md(warning)}"]
    return lines


def _addresses_with_hosts(name, obj, index) -> str:
    if not obj.get("members"):
        return md(", ".join(obj["addresses"]) or "none")
    parts = []
    for address, owners in index.owners(name):
        parts.append(f"{address} ({', '.join(owners)})" if owners else address)
    return md(", ".join(parts) or "none")


def _texts(values) -> str:
    """A list read from a plan file as text (a crafted file may hold numbers where names belong)."""
    return ", ".join(str(v) for v in values or [])


def _rule_text(rule: dict) -> str:
    ports = _texts(rule["ports"]) or "any"
    proto = "any protocol" if rule["protocol"] == "any" else f"{str(rule['protocol']).upper()} {ports}"
    return f"{rule['direction']} {proto}"


def _change_lines(changes: dict) -> list:
    """Each change as a bullet: what, where, and the flows that caused it."""
    out = []
    for field, change in sorted(changes.items()):
        if field in ("ports", "addresses", "source", "destination"):
            parts = []
            if change["added"]:
                parts.append(f"+ {_texts(change['added'])}")
            if change["removed"]:
                parts.append(f"- {_texts(change['removed'])}")
            out.append(f"{field}: {'; '.join(parts)}")
        elif field == "services":
            for proto, delta in sorted(change.items()):
                parts = ([f"+ {_texts(delta['added'])}"] if delta["added"] else []) + \
                        ([f"- {_texts(delta['removed'])}"] if delta["removed"] else [])
                out.append(f"{proto} ports: {'; '.join(parts)}")
        else:
            out.append(f"{field}: {change['before']} -> {change['after']}")
    return out


def _changes_section(plan: dict) -> list:
    changes = plan.get("changes_since_previous")
    if changes is None:
        return []
    previous = changes["previous"]
    lines = ["", "## Changes since the approved plan", ""]
    facts = [f"approved plan generated {md(previous.get('generated_at') or 'at an unknown time')}"]
    if previous.get("sha256"):
        facts.append(f"plan.json SHA-256 {md_code(previous['sha256'])}")
    if previous.get("inventory_fingerprint"):
        facts.append(f"inventory fingerprint {md_code(previous['inventory_fingerprint'])}")
    if previous.get("upgraded_from"):
        facts.append(f"read as schema {md(previous['upgraded_from'])} and upgraded")
    lines += ["Compared with the " + "; ".join(facts) + ".", ""]
    summary = changes["summary"]
    if summary["unchanged"]:
        return lines + ["No rule or policy changes: the devices would enforce exactly the approved plan."]
    lines += [f"Host rules: {summary['rules_added']} added, {summary['rules_removed']} removed, "
              f"{summary['rules_changed']} changed. Firewall policies: {summary['policies_added']} added, "
              f"{summary['policies_removed']} removed, {summary['policies_changed']} changed.", "",
              "| Device | Change | Rule or policy | What | Caused by flows |", "|---|---|---|---|---|"]
    for section, label in (("hosts", "host"), ("network_firewalls", "firewall")):
        for device, entry in changes[section].items():
            if entry["status"] in ("added", "removed") and not (entry["added"] or entry["removed"]):
                lines.append(f"| {md(device)} | {label} {entry['status']} | - | - | - |")
            for kind in ("added", "removed"):
                for item in entry[kind]:
                    if "from_zone" in item:
                        services = "; ".join(f"{str(proto).upper()} {_texts(ports) or 'any'}"
                                             for proto, ports in item["services"].items())
                        what = (f"{item['from_zone']} -> {item['to_zone']}: {services} from "
                                f"{_texts(item['source'])} to {_texts(item['destination'])}")
                    else:
                        what = f"{_rule_text(item)} from {_texts(item['addresses'])}"
                    lines.append(f"| {md(device)} | {kind} | {md_code(item['name'])} | {md(what)} | "
                                 f"{md(_texts(item['flow_ids']))} |")
            for item in entry["changed"]:
                lines.append(f"| {md(device)} | changed | {md_code(item['name'])} | "
                             f"{md('; '.join(_change_lines(item['changes'])))} | {md(_texts(item['caused_by']))} |")
    return lines


def _sign_off(plan_sha256: str | None) -> list:
    lines = ["", "## Review and approval", ""]
    if plan_sha256:
        lines += [f"This document describes `plan.json` with SHA-256 {md_code(plan_sha256)}. Approving it approves "
                  "exactly that file: keep a copy, apply it unchanged with `-e exchange_firewall_plan=<copy>`, and "
                  "compare the next plan with it through `exchange_firewall_previous_plan`.", ""]
    return lines + ["| Role | Name | Signature | Date |", "|---|---|---|---|",
                    "| Prepared by (Exchange administration) | | | |",
                    "| Reviewed by (network and security) | | | |",
                    "| Approved by (change authority) | | | |"]


def render(plan: dict, meta: dict | None = None, plan_sha256: str | None = None) -> str:
    meta = meta or {}
    index = model.Index(plan)
    counts = model.summary(plan)
    lines = ["# Exchange firewall plan", ""] + _header(plan, meta, plan_sha256) + [
        "", f"{counts['hosts']} hosts with {counts['rules']} rules; {counts['firewalls']} network firewalls with "
        f"{counts['policies']} policies; {counts['objects']} address objects; {counts['unverified_rules']} rules "
        "carry unverified flows.",
    ]
    unverified = sorted({f for host in plan["hosts"].values() for r in host["rules"]
                         for f in r.get("unverified_flow_ids") or ()} |
                        {f for fw in plan.get("network_firewalls", {}).values() for p in fw.get("policies", [])
                         for f in p.get("unverified_flow_ids") or ()})
    if unverified:
        reasons = plan.get("unverified_reasons", {})
        lines += ["", "Flows marked (unverified) rest on a fact no Microsoft page states for that version; they are "
                  "in the plan because exchange_firewall_allow_unverified enables them:", ""]
        lines += [f"- {md_code(f)}: {md(reasons.get(f) or 'no Microsoft source')}" for f in unverified]
    lines += _changes_section(plan)
    lines += ["", "## Hosts", "",
              "| Host | Platform | Roles | Version | AD site | DAG | Rules |",
              "|---|---|---|---|---|---|---|"]
    for name, host in plan["hosts"].items():
        lines.append(f"| {md(name)} | {md(host['platform'])} | {md(', '.join(host['roles']))} | "
                     f"{md(host['version'] or '-')} | {md(host['ad_site'] or '-')} | {md(host['dag'] or '-')} | "
                     f"{len(host['rules'])} |")
    for name, host in plan["hosts"].items():
        lines += _host_section(name, host, plan, index)
    for name, firewall in plan.get("network_firewalls", {}).items():
        lines += _firewall_section(name, firewall, plan)
    lines += ["", "## Address objects", "",
              "Each rule's remote side, listed once: the hosts it stands for and all of its addresses, each "
              "address with the host that has it.", "",
              "| Object | Kind | Members | Addresses (host) | Description |", "|---|---|---|---|---|"]
    objects = index.objects
    for name in sorted(objects):
        obj = objects[name]
        members = index.names(name)
        lines.append(f"| {md_code(name)} | {md(obj['kind'])} | {md(', '.join(members)) or '-'} | "
                     f"{_addresses_with_hosts(name, obj, index)} | {md(obj['description'])} |")
    lines += ["", "## Sources", ""]
    for key in sorted(plan["citations"], key=natural_key):
        cite = plan["citations"][key]
        lines.append(f"- **{md(key)}**: {md_link(cite['title'], cite['url'])}")
    lines += _sign_off(plan_sha256)
    return "\n".join(lines) + "\n"
