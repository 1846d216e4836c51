# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a plan as a readable Markdown summary (for change requests and auditors). Pure."""

from __future__ import annotations

MAX_LISTED_ADDRESSES = 6


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _addresses(rule) -> str:
    addrs = rule["remote_addresses"]
    if addrs in (["0.0.0.0/0", "::/0"], ["0.0.0.0/0"], ["::/0"]):
        return "any (" + ", ".join(rule["remote_endpoints"]) + ")"
    shown = ", ".join(addrs[:MAX_LISTED_ADDRESSES])
    if len(addrs) > MAX_LISTED_ADDRESSES:
        shown += f", ... ({len(addrs)} in all)"
    return f"{', '.join(rule['remote_endpoints'])}: {shown}"


def render(plan: dict) -> str:
    settings = plan["settings"]
    lines = [
        "# Exchange firewall plan",
        "",
        f"Schema version {plan['schema_version']}. Rule prefix `{settings['rule_prefix']}`; "
        f"outbound rules {'on' if settings['outbound'] else 'off'}; intra-organisation traffic: "
        f"`{settings['intra_org']}`; unverified flows {'allowed' if settings['allow_unverified'] else 'off'}.",
        "",
        "| Host | Platform | Roles | Version | Rules |",
        "|---|---|---|---|---|",
    ]
    for name, host in plan["hosts"].items():
        lines.append(f"| {_cell(name)} | {host['platform']} | {', '.join(host['roles'])} | "
                     f"{host['version'] or '-'} | {len(host['rules'])} |")
    for name, host in plan["hosts"].items():
        lines += ["", f"## {name}", "",
                  f"Roles: {', '.join(host['roles'])}; version: {host['version'] or '-'}; AD site: "
                  f"{host['ad_site'] or '-'}; addresses: {', '.join(host['addresses'])}.", "",
                  "| Rule | Dir | Proto | Local ports | Remote | Flows | Sources |",
                  "|---|---|---|---|---|---|---|"]
        for rule in host["rules"]:
            sources = "; ".join(f"[{c['id']}]({c['url']})" if c["url"] else c["title"] for c in rule["citations"])
            lines.append(
                f"| `{_cell(rule['name'])}` | {rule['direction']} | {rule['protocol']} | "
                f"{', '.join(rule['local_ports']) or 'any'} | {_cell(_addresses(rule))} | "
                f"{', '.join(rule['flow_ids'])} | {_cell(sources)} |")
        if host["disabled_flows"]:
            lines += ["", "Not opened: " + "; ".join(f"`{d['id']}` ({d['reason']})" for d in host["disabled_flows"])
                      + "."]
        for warning in host["warnings"]:
            lines += ["", f"> Warning: {warning}"]
    if plan["network_firewalls"]:
        lines += ["", "## Network firewalls", ""]
        for name, fw in plan["network_firewalls"].items():
            lines.append(f"- {name}: {fw['note']}")
    lines += ["", "## Sources", ""]
    seen = {}
    for flow in plan["flows"].values():
        for cite in flow["citations"]:
            seen.setdefault(cite["id"], cite)
    for key in sorted(seen):
        cite = seen[key]
        lines.append(f"- **{key}**: {cite['title']}" + (f" <{cite['url']}>" if cite["url"] else ""))
    return "\n".join(lines) + "\n"
