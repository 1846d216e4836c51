"""report.html: self-contained, escaped, with an inline SVG diagram (or a clear note without
Graphviz), rendered from the bundled template or the user's own, in Jinja2's sandbox."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import sys

import pytest
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.plugin_utils import _report_html
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan


@pytest.fixture(autouse=True)
def graphviz_installed():
    """The diagram is part of the report: without Graphviz these tests fail, with the fix."""
    try:
        import graphviz

        graphviz.version()
    except (ImportError, RuntimeError, OSError) as exc:
        pytest.fail(f"Graphviz is needed for the report's diagram ({exc}): {_report_html.INSTALL_HINT}")


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


@pytest.fixture(scope="module")
def page(plan):
    return _report_html.render(plan, plan_sha256="ab" * 32)


def test_the_page_is_self_contained(page):
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["'](?!#|https?://)""", page)
    assert not re.search(r"""<link\b|@import|url\(""", page, re.I)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    [css] = re.findall(r"<style>(.*?)</style>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy


def test_the_page_has_every_host_rule_firewall_and_source(plan, page):
    for name, host in plan["hosts"].items():
        assert f'id="host-{name}"' in page
        for rule in host["rules"]:
            assert f"<code>{rule['name']}</code>" in page
    for name, firewall in plan["network_firewalls"].items():
        assert f'id="fw-{name}"' in page
        for policy in firewall["policies"]:
            assert f"<code>{policy['name']}</code>" in page
    assert '<a href="https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports"' in page
    assert "<li>dc01: 10.1.0.10</li>" in page  # host names beside addresses
    assert "<td>ex01</td><td><code>mbx-pop3-clients</code></td><td>feature &#39;pop3&#39; is off</td>" in page
    assert "plan.json</code> with SHA-256 <code>" + "ab" * 32 in page


def test_the_diagram_is_inline_svg_without_anything_active(page):
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'id="hosts-mailbox-hq"' in svg and 'id="edge-net-internet--hosts-edge-transport"' in svg
    for bad in ("<script", "href", "onload", "<image", "foreignObject", "style="):
        assert bad not in svg


def test_the_svg_sanitiser_keeps_shapes_and_drops_everything_active():
    hostile = ('<?xml version="1.0"?><!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg" '
               'xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)"><g id="a" style="x">'
               '<script>alert(2)</script><a xlink:href="javascript:alert(3)"><text>t</text></a>'
               '<foreignObject><div>x</div></foreignObject><polygon points="0,0 1,1" fill="url(#x)"/>'
               '<text x="1">&lt;b&gt;</text></g></svg>')
    clean = _report_html.sanitise_svg(hostile)
    assert "script" not in clean and "onload" not in clean and "href" not in clean and "foreign" not in clean
    assert "style" not in clean and "url(" not in clean and "<a" not in clean
    assert '<polygon points="0,0 1,1"' in clean and "&lt;b&gt;" in clean


def test_without_the_graphviz_binding_the_page_says_so(plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    page = _report_html.render(plan)
    assert 'id="diagram-missing"' in page and "<svg" not in page
    assert "pip install graphviz==0.21" in page and "apt-get install graphviz" in page
    assert 'id="host-ex01"' in page  # the tables are all there


def test_without_dot_the_page_says_so(plan, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = _report_html.render(plan)
    assert "needs Graphviz&#39;s dot program, which is not installed" in page and "<svg" not in page


def test_hostile_text_is_escaped_everywhere(plan):
    hostile = copy.deepcopy(plan)
    evil = '<script>alert(1)</script>"\'&'
    hostile["hosts"]["ex01"]["ad_site"] = evil
    hostile["hosts"]["ex01"]["rules"][0]["description"] = evil
    hostile["citations"]["S2"] = {"title": evil, "url": "javascript:alert(1)"}
    page = _report_html.render(hostile)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;" in page  # HTML tables
    assert "AD site &lt;script&gt;alert(1)&lt;/script&gt;" in page  # SVG cluster label
    assert "javascript:" not in page


def test_a_user_template_gets_the_same_data_and_its_own_csp(plan, tmp_path):
    template = tmp_path / "mine.html.j2"
    template.write_text('<meta http-equiv="Content-Security-Policy" content="{{ content_security_policy }}">'
                        "<style>p{}</style><style>b{}</style>{% for h in hosts %}<p>{{ h.name }}: "
                        "{{ h.rules | length }}</p>{% endfor %}{{ '<i>' }}{{ diagram.svg is not none }}")
    page = _report_html.render(plan, template)
    assert "<p>ex01: 5</p>" in page and "&lt;i&gt;" in page and "True" in page
    assert page.count("'sha256-") == 2


def test_inventory_text_cannot_stand_in_for_the_policy(plan):
    hostile = copy.deepcopy(plan)
    hostile["hosts"]["ex01"]["ad_site"] = _report_html.CSP_TOKEN
    page = _report_html.render(hostile)
    assert page.count("default-src 'none'") == 1
    assert _report_html.CSP_TOKEN in page, "the site's name stays as it was"
    assert page == _report_html.render(hostile), "the same plan gives the same page"


@pytest.mark.parametrize("content, message", [
    ("{% for h in hosts %}", "exchange_firewall_report_template: .*bad.html.j2: .*"),
    ("{{ ''.__class__.__mro__ }}", "exchange_firewall_report_template: .*bad.html.j2: .*unsafe"),
    ("{{ no_such_variable }}", "exchange_firewall_report_template: .*'no_such_variable' is undefined"),
])
def test_a_bad_user_template_names_the_variable(plan, tmp_path, content, message):
    template = tmp_path / "bad.html.j2"
    template.write_text(content)
    with pytest.raises(_report_html.ReportError, match=message):
        _report_html.render(plan, template)


def test_a_missing_user_template_names_the_variable(tmp_path):
    with pytest.raises(_report_html.ReportError, match=r"exchange_firewall_report_template: .*nope.j2 is not a readable"):
        _report_html.load_template(tmp_path / "nope.j2")


@pytest.mark.parametrize("damaged", ["[1, 2]", '"x"', '{"kind": "audit"}', '{"kind": "verify", "generated_at": "t"}',
                                     '{"kind": "audit", "generated_at": "t", "summary": {"text": "t"}, "hosts": [1]}'])
def test_a_damaged_record_in_the_output_set_is_left_out_not_fatal(plan, tmp_path, damaged):
    from ansible_collections.exchange.firewall.plugins.module_utils import _results
    from ansible_collections.exchange.firewall.plugins.plugin_utils import _outputs_render

    verify = _results.verify_report({"relay01": None}, "2026-01-01T00:00:00Z")
    (tmp_path / "verify.json").write_text(json.dumps(verify))
    (tmp_path / "audit.json").write_text(damaged)
    records = _outputs_render.read_results(tmp_path)
    assert sorted(records) == ["verify"]
    page = _report_html.render(plan, results={k: v["record"] for k, v in records.items()})
    assert 'id="verify"' in page and 'id="audit"' not in page
