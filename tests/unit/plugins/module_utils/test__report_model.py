"""The report's data: host names beside addresses, unverified flows, http(s) links only, the bounded
diagram graph, and the Markdown change-request document (changes, digest, sign-off)."""

from __future__ import annotations

import copy

import pytest
from helpers import load_inventory
from test__plan_diff import variant_plan

from ansible_collections.exchange.firewall.plugins.module_utils import _diagram, _plan_diff, _render_markdown
from ansible_collections.exchange.firewall.plugins.module_utils import _report_model as model
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


def test_every_host_of_the_inventory_is_indexed_with_its_addresses(plan):
    peers = plan["peer_hosts"]
    assert set(peers) == {"dc01", "dc02", "fw01", "fw02"}, "only the hosts without a rule set"
    assert peers["dc01"] == {"roles": ["domain_controller"], "ad_site": "Default-First-Site-Name",
                             "addresses": ["10.1.0.10"], "external_addresses": []}
    assert model.host_addresses(plan)["edge01"] == ["172.16.50.10", "198.51.100.25"]


def test_host_names_beside_addresses_and_zone_parts_keep_only_their_hosts(plan):
    addresses_of = model.host_addresses(plan)
    members, others = model.object_hosts(plan["address_objects"]["organisation"], addresses_of)
    assert members[0] == ("dc01", ["10.1.0.10"]) and ("ex01", ["10.1.10.11", "fd00:1:10::11"]) in members
    assert others == []
    part = plan["network_firewalls"]["fw02"]["address_objects"]["mailbox.dr"]
    assert part["members"] == ["ex01", "ex02", "ex03", "ex04"]  # the engine lists the whole object's members
    assert model.object_hosts(part, addresses_of)[0] == [("ex03", ["10.2.10.11"]), ("ex04", ["10.2.10.12"])]
    assert model.address_owners(plan["address_objects"]["edge_transport-external"], addresses_of) == \
        [("198.51.100.25", ["edge01"])]


def test_a_collapsed_network_names_every_host_inside_it():
    obj = {"kind": "role", "addresses": ["10.0.0.0/31", "10.0.0.5"], "members": ["a", "b", "c"]}
    addresses_of = {"a": ["10.0.0.0"], "b": ["10.0.0.1"], "c": ["10.0.0.5"]}
    assert model.address_owners(obj, addresses_of) == [("10.0.0.0/31", ["a", "b"]), ("10.0.0.5", ["c"])]
    assert model.object_hosts(obj, addresses_of) == ([("a", ["10.0.0.0"]), ("b", ["10.0.0.1"]), ("c", ["10.0.0.5"])], [])


def test_unverified_flows_from_the_catalog_or_the_rule_itself(plan):
    flows = {"a": {"verified": True}, "b": {"verified": False}}
    assert model.unverified_flows({"flow_ids": ["a", "b"]}, flows) == ["b"]
    assert model.unverified_flows({"flow_ids": ["a", "b"], "unverified_flow_ids": ["a"]}, flows) == ["a"]
    assert model.unverified_flows({"flow_ids": ["a"], "unverified_flow_ids": []}, flows) == []


def test_only_http_links_survive():
    cites = {"x": {"title": "X", "url": "javascript:alert(1)"}, "y": {"title": "Y", "url": "https://a.example/p"}}
    expected = [{"id": "x", "title": "X", "url": ""}, {"id": "y", "title": "Y", "url": "https://a.example/p"}]
    assert model.citation_list(["x", "y"], cites) == expected


def test_anchors_are_stable_and_distinct():
    assert model.anchor("host", "ex01") == "host-ex01"
    assert model.anchor("obj", "mailbox.dr") != model.anchor("obj", "mailbox-dr")
    assert model.anchor("obj", "A b") == model.anchor("obj", "A b")


def test_markdown_puts_host_names_beside_addresses_and_marks_unverified_flows(plan):
    marked = copy.deepcopy(plan)
    marked["hosts"]["ex01"]["rules"][1]["unverified_flow_ids"] = ["mbx-http-clients"]
    text = _render_markdown.render(marked)
    org_row = next(line for line in text.splitlines() if line.startswith("| `organisation` |"))
    assert "10.1.0.10 \\(dc01\\), 10.1.10.11 \\(ex01\\), 10.1.10.12 \\(ex02\\), 10.2.0.10 \\(dc02\\)" in org_row
    part_row = next(line for line in text.splitlines() if line.startswith("| `mailbox.dr` |"))
    assert "| ex03, ex04 |" in part_row
    assert "mbx-http-clients \\(unverified\\)" in text
    assert "`edge_transport-site-hq`: edge01" in text


def test_markdown_is_a_change_request_with_changes_digest_and_sign_off(plan):
    approved = variant_plan()
    with_changes = dict(plan, changes_since_previous=_plan_diff.compare(approved, plan))
    with_changes["changes_since_previous"]["previous"]["sha256"] = "ab" * 32
    text = _render_markdown.render(with_changes, plan_sha256="cd" * 32)
    assert "| plan.json (SHA-256) | `" + "cd" * 32 + "` |" in text
    section = text.split("## Changes since the approved plan", 1)[1].split("\n## ", 1)[0]
    assert "Host rules: 1 added, 2 removed, 4 changed. Firewall policies: 0 added, 2 removed, 1 changed." in section
    assert "| ex01 | changed | `exfw-in-tcp-clients` | ports: - 110, 995 | mbx-pop3-clients |" in section
    assert "| relay01 | added | `exfw-in-tcp-smtp-clients` | in TCP 25 from 10.30.0.0/24 | relay-smtp-clients |" \
        in section
    assert "| fw02 | removed | `exfw-dr-hq-mailbox-dr-smtp-relay` | dr -\\> hq: TCP 25 from 10.2.10.11, " \
           "10.2.10.12 to 10.1.20.25 |" in section
    assert "## Review and approval" in text and "| Approved by (change authority) | | | |" in text
    assert text.index("## Changes since the approved plan") < text.index("## Hosts")
    unchanged = dict(plan, changes_since_previous=_plan_diff.compare(plan, plan))
    assert "No rule or policy changes" in _render_markdown.render(unchanged)


def test_the_diagram_groups_hosts_by_role_and_site(plan):
    graph = _diagram.build(plan)
    assert graph["grouped_by"] == "role and AD site"
    assert graph["nodes"]["hosts-mailbox-hq"]["label"] == ["Mailbox (2)", "ex01, ex02"]
    assert graph["nodes"]["hosts-mailbox-hq"]["cluster"] == "site-hq"
    edges = {(e["src"], e["dst"]): e for e in graph["edges"]}
    assert edges[("hosts-smtp-relay", "hosts-mailbox-hq")]["label"] == "TCP 25"
    assert edges[("fw-fw01-zone-perimeter", "fw-fw01-zone-servers")]["label"] == "TCP 25, 53 | UDP 53"
    assert not any(e["unverified"] for e in graph["edges"])


def test_the_diagram_marks_edges_of_unverified_flows(plan):
    marked = copy.deepcopy(plan)
    marked["hosts"]["relay01"]["rules"][1]["unverified_flow_ids"] = ["relay-smtp-clients"]
    edges = {(e["src"], e["dst"]): e for e in _diagram.build(marked)["edges"]}
    assert edges[("net-smtp-clients", "hosts-smtp-relay")]["unverified"] is True


def test_the_diagram_stays_bounded_for_a_large_organisation(plan):
    big = copy.deepcopy(plan)
    template = big["hosts"]["ex01"]
    for site in range(60):
        for n in range(30):
            name = f"mbx{site}x{n}"
            big["hosts"][name] = dict(template, ad_site=f"S{site}", addresses=[f"10.{site}.1.{n + 1}"])
    graph = _diagram.build(big)
    assert graph["grouped_by"] == "role" and graph["notes"]
    assert len(graph["nodes"]) <= 40 and len(graph["edges"]) <= 60
    mailbox = graph["nodes"]["hosts-mailbox"]
    assert mailbox["label"][0] == "Mailbox (1804)" and mailbox["label"][1].endswith("+1800 more")
