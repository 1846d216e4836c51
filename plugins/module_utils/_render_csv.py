# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a plan as CSV for change-request spreadsheets. Pure.

``render`` gives one row per rule (host rules, then network-firewall policies); remote sides are
named address objects, listed once by ``render_objects`` (one row per address, with the hosts
that have it in ``hosts``; members and description on the object's first row). Multi-value
cells use ``;`` as separator. No cell can start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io

from ansible_collections.exchange.firewall.plugins.module_utils import _report_model as model
from ansible_collections.exchange.firewall.plugins.module_utils._text import csv_cell

SEP = ";"
COLUMNS = ("kind", "device", "platform", "roles", "version", "rule", "direction", "protocol", "ports",
           "source", "destination", "action", "flow_ids", "sources", "purpose")
OBJECT_COLUMNS = ("object", "kind", "address", "members", "description", "hosts")


def _writer(out):
    return csv.writer(out, lineterminator="\n")


def _row(writer, values):
    writer.writerow([csv_cell(v) for v in values])


def render(plan: dict) -> str:
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(COLUMNS)
    citations = plan["citations"]
    for name, host in plan["hosts"].items():
        for rule in host["rules"]:
            remote = f"object:{rule['remote_object']}"
            local = f"host:{name}"
            source, destination = (remote, local) if rule["direction"] == "in" else (local, remote)
            _row(writer, [
                "host-rule", name, host["platform"], SEP.join(host["roles"]), host["version"] or "", rule["name"],
                rule["direction"], rule["protocol"], SEP.join(rule["local_ports"]) or "any", source, destination,
                rule["action"], SEP.join(rule["flow_ids"]),
                SEP.join(citations[c]["url"] or citations[c]["title"] for c in rule["citation_ids"]),
                rule["description"],
            ])
    for name, firewall in plan.get("network_firewalls", {}).items():
        services = firewall.get("services", {})
        for policy in firewall.get("policies", []):
            ports = [f"{services[s]['protocol']}/{'+'.join(services[s]['ports']) or 'any'}" for s in policy["services"]]
            _row(writer, [
                "firewall-policy", name, "network", "network_firewall", "", policy["name"],
                f"{policy['from_zone']}>{policy['to_zone']}", "", SEP.join(ports),
                SEP.join(f"object:{o}" for o in policy["source"]), SEP.join(f"object:{o}" for o in policy["destination"]),
                policy["action"], SEP.join(policy["flow_ids"]),
                SEP.join(citations[c]["url"] or citations[c]["title"] for c in policy.get("citation_ids", [])),
                policy.get("description", ""),
            ])
    return out.getvalue()


def render_objects(plan: dict) -> str:
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(OBJECT_COLUMNS)
    known = model.Index(plan)
    objects = known.objects
    for name in sorted(objects):
        obj = objects[name]
        members = SEP.join(obj.get("members", []))
        owners = dict(known.owners(name)) if obj.get("members") else {}
        for index, address in enumerate(obj["addresses"] or [""]):
            # Members and description once per object, on its first row, so the file stays linear.
            _row(writer, [name, obj["kind"], address, members if index == 0 else "",
                          obj["description"] if index == 0 else "", SEP.join(owners.get(address, []))])
    return out.getvalue()
