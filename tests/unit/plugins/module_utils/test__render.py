"""The plan renderers: Markdown summary and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _render_csv, _render_markdown
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


def test_csv_has_one_row_per_rule_with_sources(plan):
    rows = list(csv.DictReader(io.StringIO(_render_csv.render(plan))))
    assert len(rows) == sum(len(h["rules"]) for h in plan["hosts"].values())
    edge = [r for r in rows if r["host"] == "edge01"]
    assert [r["rule"] for r in edge] == ["exfw-in-tcp-internet", "exfw-in-tcp-mailbox-site-hq", "exfw-in-tcp-management"]
    sync = edge[1]
    assert sync["local_ports"] == "25 50636" and "edge-edgesync" in sync["flow_ids"]
    assert "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-subscriptions" in sync["sources"]
    org = next(r for r in rows if r["host"] == "ex01" and r["protocol"] == "any")
    assert org["local_ports"] == "any"


def test_markdown_summary_lists_every_host_rule_and_source(plan):
    text = _render_markdown.render(plan)
    for name, host in plan["hosts"].items():
        assert f"## {name}" in text
        for rule in host["rules"]:
            assert f"`{rule['name']}`" in text
    assert "Not opened: " in text and "`mbx-pop3-clients` (feature 'pop3' is off)" in text
    assert "fw01: Network-firewall policies are not computed yet." in text
    assert "- **S5**: Edge Subscriptions <https://learn.microsoft.com/" in text
