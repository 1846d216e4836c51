"""The playbook's report options and modes, run for real: the approved plan to compare with, the
report template, verify without sources, the documentation of the new plugins."""

from __future__ import annotations

import json
import subprocess

import pytest
from test_plan_playbook import BIN, ROOT, run_playbook

VARIANT = ROOT / "examples" / "variants" / "approved-2026-q3.yml"


def plan(out, *extra):
    return run_playbook(["exchange_firewall.yml", "-e", f"exchange_firewall_output_dir={out}", *extra])


def test_changes_since_the_approved_plan_reach_plan_json_md_and_html(tmp_path):
    assert plan(tmp_path / "approved", "-e", f"@{VARIANT}").returncode == 0
    approved = tmp_path / "approved" / "plan.json"
    result = plan(tmp_path / "out", "-e", f"exchange_firewall_previous_plan={approved}")
    assert result.returncode == 0, result.stdout[-3000:]
    recorded = json.loads((tmp_path / "out" / "plan.json").read_text())["changes_since_previous"]
    import hashlib

    assert recorded["previous"]["sha256"] == hashlib.sha256(approved.read_bytes()).hexdigest()
    assert recorded["summary"]["rules_changed"] == 4 and recorded["summary"]["rules_added"] == 1
    assert "## Changes since the approved plan" in (tmp_path / "out" / "plan.md").read_text()
    assert '<section id="changes">' in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.parametrize("value, message", [
    ("{dir}/nope/plan.json", "exchange_firewall_previous_plan: {dir}/nope/plan.json does not exist"),
    ("{dir}/notjson.txt", "exchange_firewall_previous_plan: {dir}/notjson.txt is not JSON"),
    ("{dir}/schema9.json", "exchange_firewall_previous_plan: schema_version 9 is not supported"),
    ("{dir}/noplan.json", "exchange_firewall_previous_plan: not a plan of this collection (no schema_version)"),
])
def test_a_bad_previous_plan_stops_the_run_before_anything_is_written(tmp_path, value, message):
    (tmp_path / "notjson.txt").write_text("approved, signed: J. Smith")
    (tmp_path / "schema9.json").write_text(json.dumps({"schema_version": 9}))
    (tmp_path / "noplan.json").write_text(json.dumps({"hosts": {}}))
    out = tmp_path / "out"
    result = plan(out, "-e", f"exchange_firewall_previous_plan={value.format(dir=tmp_path)}", "-e",
                  "exchange_firewall_mode=apply")
    assert result.returncode != 0
    assert message.format(dir=tmp_path) in result.stdout, result.stdout[-3000:]
    assert not out.exists()
    assert "ex01" not in result.stdout.split("PLAY RECAP", 1)[1]


def test_a_bad_report_template_stops_the_run_before_anything_is_written(tmp_path):
    template = tmp_path / "mine.html.j2"
    template.write_text("{% for h in hosts %}")
    result = plan(tmp_path / "out", "-e", f"exchange_firewall_report_template={template}")
    assert result.returncode != 0
    assert f"exchange_firewall_report_template: {template}:" in result.stdout
    assert not (tmp_path / "out").exists()
    template.write_text("<h1>{{ summary.hosts }} hosts</h1>")
    assert plan(tmp_path / "out", "-e", f"exchange_firewall_report_template={template}").returncode == 0
    assert (tmp_path / "out" / "report.html").read_text() == "<h1>7 hosts</h1>"


def test_verify_mode_needs_sources(tmp_path):
    result = plan(tmp_path / "out", "-e", "exchange_firewall_mode=verify")
    assert result.returncode != 0
    assert "exchange_firewall_mode=verify needs exchange_firewall_verify_sources" in result.stdout


def test_audit_mode_is_a_known_mode_and_plan_mode_records_no_results(tmp_path):
    result = run_playbook(["exchange_firewall.yml", "--list-tasks", "-e", "exchange_firewall_mode=audit"])
    assert result.returncode == 0, result.stderr
    assert "Record and summarise the results of the run" in result.stdout
    bad = plan(tmp_path / "out", "-e", "exchange_firewall_mode=inspect")
    assert bad.returncode != 0 and "must be one of: plan, apply, audit, verify" in bad.stdout


@pytest.mark.parametrize("args", [["exchange.firewall.verify"], ["exchange.firewall.report"],
                                  ["exchange.firewall.tcp_probe"], ["exchange.firewall.win_tcp_probe"],
                                  ["exchange.firewall.firewalld_ruleset_info"], ["-t", "filter", "exchange.firewall.drift"]])
def test_ansible_doc_shows_the_new_plugins(args):
    result = subprocess.run([str(BIN / "ansible-doc"), *args], capture_output=True, text=True, timeout=120,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "EXAMPLES" in result.stdout


def test_results_stay_with_their_plan_and_leave_with_it(tmp_path):
    from ansible_collections.exchange.firewall.plugins.module_utils import _results
    from ansible_collections.exchange.firewall.plugins.plugin_utils import _output

    out = tmp_path / "out"
    assert plan(out).returncode == 0
    record = _results.audit_report([_results.no_audit("relay01")], "2026-11-29T00:00:00Z")
    files = {"audit.json": json.dumps(record, indent=2, sort_keys=True) + "\n"}
    _output.update(out, files, _output.update_changes(out, files))
    # (The record was added by hand, without its report.html: the first run renders the page with it.)
    assert plan(out).returncode == 0
    same = plan(out)
    assert same.returncode == 0 and "changed=0" in same.stdout.split("PLAY RECAP", 1)[1]
    assert (out / "audit.json").exists()
    assert '<section id="audit">' in (out / "report.html").read_text(), "the plan task shows the kept record"
    other = plan(out, "-e", '{"exchange_firewall_features": {"pop3": true}}')
    assert other.returncode == 0
    assert not (out / "audit.json").exists(), "a record of another plan is dropped"
    assert '<section id="audit">' not in (out / "report.html").read_text()
