"""report.html in a real headless Chromium (Debian's package, over the DevTools protocol).

The example organisation is planned with the playbook against an approved variant (so the page has
every section), then the page is loaded: no console message, no request but the page itself, no
script, and a diagram whose nodes and edges in the DOM are the example's. A screenshot is added
to the output set next to the report. A page built from hostile inventory text must behave the same.
Chromium or Graphviz missing is a failure with the command that installs it, never a skip.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chromium import INSTALL, ChromiumError, check, executable
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _diagram
from ansible_collections.exchange.firewall.plugins.plugin_utils import _output, _report_html
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VARIANT = ROOT / "examples" / "variants" / "approved-2026-q3.yml"


def require_chromium():
    if executable() is None:
        pytest.fail(f"Chromium is not installed (the report is checked in a real browser): {INSTALL}")


def playbook(*args):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
    proc = subprocess.run([str(BIN / "ansible-playbook"), "exchange_firewall.yml", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    work = tmp_path_factory.mktemp("report")
    playbook("-e", f"exchange_firewall_output_dir={work / 'approved'}", "-e", f"@{VARIANT}")
    playbook("-e", f"exchange_firewall_output_dir={work / 'output'}",
             "-e", f"exchange_firewall_previous_plan={work / 'approved' / 'plan.json'}")
    return work / "output"


def test_the_report_loads_in_chromium_with_its_diagram_and_nothing_else(example):
    require_chromium()
    report = example / "report.html"
    page = report.read_text()
    assert 'id="diagram-missing"' not in page, ("no diagram in report.html: install Graphviz - "
                                                f"{_report_html.INSTALL_HINT}")
    shot = example.parent / "report.png"
    try:
        seen = check(report, shot)
    except ChromiumError as exc:
        pytest.fail(f"Chromium could not load the report: {exc}")
    print(json.dumps({k: v for k, v in seen.items() if k != "diagram"}, indent=1))
    assert seen["errors"] == [], seen["errors"]
    assert seen["requests"] == [seen["url"]] and seen["external"] == []
    assert seen["title"].startswith("Exchange firewall plan (")
    diagram = seen["diagram"]
    assert diagram is not None and diagram["scripts"] == 0
    assert diagram["width"] > 600 and diagram["height"] > 300

    # The DOM's graph is the example's graph: every node and edge, and the key flows by label.
    plan = json.loads((example / "plan.json").read_text())
    graph = _diagram.build(plan)
    assert diagram["nodes"] == sorted(graph["nodes"])
    assert diagram["clusters"] == sorted(["fw-fw01", "fw-fw02", "site-dr", "site-hq"])
    edges = {e["id"]: e["label"] for e in diagram["edges"]}
    assert sorted(edges) == sorted(f"edge-{e['src']}--{e['dst']}" for e in graph["edges"])
    assert {"hosts-mailbox-hq", "hosts-mailbox-dr", "hosts-edge-transport", "hosts-dag-witness", "hosts-smtp-relay",
            "net-clients", "net-internet", "net-management", "net-smtp-clients", "organisation",
            "fw-fw01-zone-internet", "fw-fw01-zone-perimeter", "fw-fw02-zone-hq", "fw-fw02-zone-dr"} <= \
        set(diagram["nodes"])
    assert edges["edge-net-internet--hosts-edge-transport"] == "TCP 25"
    assert edges["edge-hosts-mailbox-hq--hosts-edge-transport"] == "TCP 25, 50636"
    assert edges["edge-net-clients--hosts-mailbox-hq"] == "TCP 80, 443, 587"
    assert edges["edge-organisation--hosts-mailbox-dr"] == "any"
    assert edges["edge-net-management--hosts-smtp-relay"] == "TCP 22"
    assert edges["edge-fw-fw01-zone-internet--fw-fw01-zone-perimeter"] == "TCP 25"
    assert "edge-hosts-edge-transport--hosts-mailbox-dr" not in edges, "the Edge delivers to its subscribed site only"

    # The screenshot joins the output set next to the report (the set stays the collection's own).
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20000
    changes = _output.update_changes(example, {"report.png": data})
    _output.update(example, {"report.png": data}, changes)
    assert (example / "report.png").read_bytes() == data
    assert "report.png" in _output.read_manifest(example)["files"]
    assert _output.plan_changes(example, {})["removed"]  # a later plan run would drop the stale screenshot


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


def test_hostile_inventory_text_stays_text_in_chromium(tmp_path):
    require_chromium()
    plan = copy.deepcopy(build_plan(*load_inventory()))
    ex01 = plan["hosts"]["ex01"]
    ex01["warnings"] = [HOSTILE]
    ex01["rules"][1]["description"] = HOSTILE
    ex01["ad_site"] = HOSTILE + "\\N\\G\""
    plan["address_objects"]["clients"]["description"] = HOSTILE
    plan["citations"]["S2"] = {"title": HOSTILE, "url": "javascript:alert(3)"}
    plan["citations"]["S3"] = {"title": "remote", "url": "https://evil.example/x\"><script>alert(4)</script>"}
    report = tmp_path / "report.html"
    report.write_text(_report_html.render(plan))
    seen = check(report)
    assert seen["errors"] == [] and seen["external"] == []
    assert seen["diagram"]["scripts"] == 0
    with __import__("chromium").Chromium() as browser:
        browser.load(report.resolve().as_uri())
        hrefs = browser.evaluate("Array.from(document.querySelectorAll('[href]')).map(a => a.getAttribute('href'))")
        text = browser.evaluate("document.body.innerText")
        images = browser.evaluate("document.images.length")
        handlers = browser.evaluate(
            "Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
            ".some(a => a.name.startsWith('on'))).length")
    assert images == 0 and handlers == 0
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs), hrefs
    assert not any("javascript:" in h for h in hrefs)
    assert HOSTILE in text  # shown, literally, as text
    assert "AD site " + HOSTILE + "\\N\\G\"" in text  # also in the diagram's cluster label (SVG text)


def test_chromium_missing_is_a_failure_with_the_install_command(monkeypatch):
    import chromium

    monkeypatch.setattr(chromium, "CANDIDATES", ("/nonexistent/chromium",))
    monkeypatch.setattr(chromium.shutil, "which", lambda name: None)
    with pytest.raises(ChromiumError, match="apt-get install chromium"):
        chromium.Chromium()
