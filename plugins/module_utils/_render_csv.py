# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a plan as CSV, one row per rule, for change-request spreadsheets. Pure."""

from __future__ import annotations

import csv
import io

COLUMNS = ("host", "platform", "roles", "version", "rule", "direction", "protocol", "local_ports",
           "remote_endpoints", "remote_addresses", "action", "flow_ids", "sources", "purpose")


def render(plan: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for name, host in plan["hosts"].items():
        for rule in host["rules"]:
            writer.writerow([
                name, host["platform"], " ".join(host["roles"]), host["version"] or "", rule["name"],
                rule["direction"], rule["protocol"], " ".join(rule["local_ports"]) or "any",
                " ".join(rule["remote_endpoints"]), " ".join(rule["remote_addresses"]), rule["action"],
                " ".join(rule["flow_ids"]), " ".join(c["url"] or c["title"] for c in rule["citations"]),
                rule["description"],
            ])
    return out.getvalue()
