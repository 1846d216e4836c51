"""The plan renderers: Markdown document and CSV tables, including hostile inventory text."""

from __future__ import annotations

import copy
import csv
import io
import re

import pytest
from helpers import load_inventory
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ansible_collections.exchange.firewall.plugins.module_utils import _render_csv, _render_markdown, _text
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_one_row_per_rule_with_source_destination_and_sources(plan):
    table = rows(_render_csv.render(plan))
    assert len([r for r in table if r["kind"] == "host-rule"]) == sum(len(h["rules"]) for h in plan["hosts"].values())
    policies = [r for r in table if r["kind"] == "firewall-policy"]
    assert len(policies) == sum(len(f["policies"]) for f in plan["network_firewalls"].values())
    edge_in = next(r for r in policies if r["rule"] == "exfw-internet-perimeter-internet-edge-transport-external")
    assert edge_in["device"] == "fw01" and edge_in["direction"] == "internet>perimeter" and edge_in["ports"] == "tcp/25"
    assert edge_in["source"] == "object:internet" and edge_in["destination"] == "object:edge_transport-external"
    edge = [r for r in table if r["device"] == "edge01"]
    assert [r["rule"] for r in edge] == ["exfw-in-tcp-internet", "exfw-in-tcp-mailbox-site-hq", "exfw-in-tcp-management"]
    sync = edge[1]
    assert sync["ports"] == "25;50636" and "edge-edgesync" in sync["flow_ids"].split(";")
    assert sync["source"] == "object:mailbox-site-hq" and sync["destination"] == "host:edge01"
    assert "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-subscriptions" in \
        sync["sources"].split(";")
    assert sync["purpose"].startswith("EdgeSync")
    org = next(r for r in table if r["device"] == "ex01" and r["protocol"] == "any")
    assert org["ports"] == "any" and org["source"] == "object:organisation"


def test_address_objects_csv_lists_every_address_of_every_object_once(plan):
    table = rows(_render_csv.render_objects(plan))
    by_object = {}
    for row in table:
        by_object.setdefault(row["object"], []).append(row)
    objects = dict(plan["address_objects"])
    for firewall in plan["network_firewalls"].values():
        objects.update(firewall["address_objects"])
    assert set(by_object) == set(objects) and "organisation.dr" in objects
    for name, obj in objects.items():
        assert [r["address"] for r in by_object[name]] == obj["addresses"]
        assert by_object[name][0]["members"] == ";".join(obj["members"])
        assert all(r["members"] == "" for r in by_object[name][1:])
    org = by_object["organisation"][0]
    assert org["members"] == "dc01;dc02;ex01;ex02;ex03;ex04"


def test_markdown_lists_every_host_rule_object_and_source(plan):
    text = _render_markdown.render(plan, {"generated_at": "2026-11-29T00:00:00Z", "collection_version": "1.1.0",
                                          "inventory_fingerprint": "sha256:ab", "non_default_settings": {}})
    for name, host in plan["hosts"].items():
        assert f"\n## {name}\n" in text
        for rule in host["rules"]:
            assert f"`{rule['name']}`" in text
    assert "| Generated (UTC) | 2026-11-29T00:00:00Z |" in text
    assert "| Settings that differ from the defaults | none |" in text
    assert "Not opened: " in text and "`mbx-pop3-clients` (feature 'pop3' is off)" in text
    # Host names beside addresses, never truncated: the organisation object lists all of them.
    org_row = next(line for line in text.splitlines() if line.startswith("| `organisation` |"))
    assert "dc01, dc02, ex01, ex02, ex03, ex04" in org_row
    for address in plan["address_objects"]["organisation"]["addresses"]:
        assert address in org_row
    assert "roles: mailbox; version: 2019; AD site: HQ; DAG: DAG01;" in text
    assert "- **S5**: [Edge Subscriptions](https://learn.microsoft.com/" in text


def test_sources_are_listed_in_numeric_order(plan):
    text = _render_markdown.render(plan)
    keys = re.findall(r"^- \*\*([^*]+)\*\*", text.split("## Sources", 1)[1], re.M)
    numbered = [k for k in keys if re.fullmatch(r"S\d+", k)]
    assert numbered == sorted(numbered, key=lambda k: int(k[1:]))
    assert len({len(k) for k in numbered}) > 1, "the example cites one- and two-digit sources"


# ---- hostile inventory text ------------------------------------------------------------------

HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+2+5", "-1+1", "@SUM(A1)", "\t=1", "\r=1",
    "a|b", "x\n## ex99\n| fake | row |", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))", "`code`", "**bold**", "a\u2028b", "&lt;script&gt;", "x\\|y",
]


def hostile_plan(plan, text):
    plan = copy.deepcopy(plan)
    ex01 = plan["hosts"]["ex01"]
    ex01["ad_site"] = text
    ex01["dag"] = text
    ex01["warnings"] = [text]
    ex01["rules"][1]["description"] = text
    plan["address_objects"]["clients"]["description"] = text
    plan["citations"]["S2"] = {"title": text, "url": text}
    return plan


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_never_start_a_formula(plan, text):
    for rendered in (_render_csv.render(hostile_plan(plan, text)), _render_csv.render_objects(hostile_plan(plan, text))):
        for row in csv.reader(io.StringIO(rendered)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def html(markdown_text):
    """The document as a CommonMark/GFM renderer turns it into HTML (what a reviewer's viewer shows)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown_text)


def structure(page):
    return list(re.findall(r"<(/?[a-z0-9]+)", page))


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_gets_no_markup_from_inventory_text(plan, text):
    rendered = html(_render_markdown.render(hostile_plan(plan, text)))
    baseline = html(_render_markdown.render(hostile_plan(plan, "benign")))
    # The same elements as with benign text: no extra heading, row, cell, link, script or image.
    assert structure(rendered) == structure(baseline)
    assert "<script" not in rendered and "<img" not in rendered and "javascript:" not in rendered.split("href=")[-1]
    assert not re.search(r'href="(?!https?://)', rendered)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_md_escaping_is_inert_for_any_text(text):
    cell = _text.md(text)
    assert "\n" not in cell and "\r" not in cell and "\u2028" not in cell
    # Every Markdown/HTML special character is backslash-escaped (or was not there).
    assert not re.search(r"(?<!\\)[<>|`\[\]*_]", cell.replace("\\\\", ""))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_csv_cell_never_starts_a_formula(text):
    assert not _text.csv_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("url, kept", [
    ("https://learn.microsoft.com/x(y)", True), ("http://a.example/b c", True), ("javascript:alert(1)", False),
    ("data:text/html,<script>", False), ("//evil.example", False), ("ftp://a.example", False), ("", False),
])
def test_only_http_urls_become_links(url, kept):
    assert bool(_text.safe_url(url)) is kept
    if kept:
        assert ")" not in _text.safe_url(url) and " " not in _text.safe_url(url)


def test_natural_order():
    assert sorted(["S10", "S2", "S1", "RFC4253", "S1-FW"], key=_text.natural_key) == \
        ["RFC4253", "S1", "S1-FW", "S2", "S10"]


CHANGE_COUNTS = {f"{what}_{kind}": 1 for what in ("rules", "policies") for kind in ("added", "removed", "changed")}


def crafted_plan_file(plan, text):
    """A plan read back from a file (an approved plan, or the previous one it is compared with):
    every value in it is whatever the file says, including those the planner would have set."""
    plan = copy.deepcopy(plan)
    ex01 = plan["hosts"]["ex01"]
    ex01["platform"] = text
    ex01["rules"][1]["direction"] = text
    ex01["rules"][1]["protocol"] = text
    plan["address_objects"]["clients"]["kind"] = text
    removed = {"name": text, "direction": text, "protocol": text, "action": text, "ports": [], "addresses": [text],
               "remote": [], "flow_ids": [text]}
    plan["changes_since_previous"] = {
        "previous": {"generated_at": text, "sha256": text, "inventory_fingerprint": text, "upgraded_from": text},
        "summary": dict(CHANGE_COUNTS, unchanged=False),
        "hosts": {"ex01": {"status": "changed", "added": [], "removed": [removed], "changed": []}},
        "network_firewalls": {},
    }
    return plan


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_gets_no_markup_from_a_crafted_plan_file(plan, text):
    rendered = html(_render_markdown.render(crafted_plan_file(plan, text)))
    baseline = html(_render_markdown.render(crafted_plan_file(plan, "benign")))
    assert structure(rendered) == structure(baseline)
    assert "<script" not in rendered and "<img" not in rendered
    assert not re.search(r'href="(?!https?://)', rendered)


def test_a_previous_plan_with_a_number_for_a_protocol_renders():
    removed = {"name": "r", "direction": "in", "protocol": 6, "action": "allow", "ports": [25], "addresses": [1],
               "remote": [], "flow_ids": [7]}
    changes = {"previous": {"upgraded_from": 1}, "summary": dict(CHANGE_COUNTS, unchanged=False), "network_firewalls": {},
               "hosts": {"ex01": {"status": "changed", "added": [], "removed": [removed], "changed": []}}}
    lines = _render_markdown._changes_section({"changes_since_previous": changes})
    assert any(line.startswith("| ex01 | removed | `r` | in 6 25 from 1 | 7 |") for line in lines), lines
