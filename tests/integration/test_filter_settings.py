"""The plan filter reads the organisation settings from the inventory, as the plan module does;
settings passed to it override them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXPRESSIONS = {
    "inventory": "groups | exchange.firewall.plan(hostvars)",
    "outbound": "groups | exchange.firewall.plan(hostvars, {'outbound': true})",
    "networks": "groups | exchange.firewall.plan(hostvars, {'networks': {'clients': ['10.20.0.0/16'], "
                "'management': ['10.1.5.0/24']}})",
}


@pytest.fixture(scope="module")
def filtered(tmp_path_factory):
    """Each expression's plan, computed by the filter in one ansible-playbook run on the example."""
    out = tmp_path_factory.mktemp("filter")
    tasks = [{"name": f"Plan with the filter ({name})", "ansible.builtin.copy": {
        "dest": str(out / f"{name}.json"), "mode": "0644", "content": "{{ " + expr + " | to_json }}"}}
        for name, expr in EXPRESSIONS.items()]
    playbook = out / "filter.yml"
    playbook.write_text(yaml.safe_dump([{"name": "Use the filter", "hosts": "localhost", "gather_facts": False,
                                         "tasks": tasks}]))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    result = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(ROOT / "examples" / "inventory"), str(playbook)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {name: json.loads((out / f"{name}.json").read_text()) for name in EXPRESSIONS}


def expected(**overrides) -> dict:
    groups, hostvars, settings = load_inventory()
    settings.update({f"exchange_firewall_{k}": v for k, v in overrides.items()})
    return json.loads(json.dumps(build_plan(groups, hostvars, settings)))


def test_the_filter_alone_plans_the_organisation_with_its_dag_and_networks(filtered):
    plan = filtered["inventory"]
    assert plan == expected()
    assert any(rule["name"].startswith("exfw-in-any-organisation") for rule in plan["hosts"]["ex01"]["rules"])
    assert "64327" in json.dumps(plan["flows"] if "flows" in plan else plan), "the DAG's replication port"


def test_explicit_settings_override_the_inventory(filtered):
    assert filtered["outbound"] == expected(outbound=True)
    assert any(rule["direction"] == "out" for host in filtered["outbound"]["hosts"].values() for rule in host["rules"])
    assert not any(rule["direction"] == "out" for host in filtered["inventory"]["hosts"].values()
                   for rule in host["rules"])
    narrowed = expected(networks={"clients": ["10.20.0.0/16"], "management": ["10.1.5.0/24"]})
    assert filtered["networks"] == narrowed != filtered["inventory"]


def test_the_playbook_resolves_names_from_the_hosts_file_when_asked(tmp_path):
    """ansible-playbook in a private mount namespace whose /etc/hosts (and nsswitch.conf: files
    only, no DNS) this test writes; the machine's own files are not touched."""
    from netns_fixtures import require_root

    require_root()
    inv = tmp_path / "inventory"
    shutil.copytree(ROOT / "examples" / "inventory", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    mailbox = hosts["all"]["children"]["exchange_mailbox"]["hosts"]
    mailbox["ex03"]["ansible_host"] = "ex03.contoso.test"
    mailbox["ex04"]["ansible_host"] = "ex04.contoso.test"
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    etc_hosts = tmp_path / "hosts"
    etc_hosts.write_text("127.0.0.1 localhost\n10.2.10.11 ex03.contoso.test\nfd00:1:20::11 ex03.contoso.test\n"
                         "10.2.10.12 ex04.contoso.test\n10.2.10.112 ex04.contoso.test\n")
    nsswitch = tmp_path / "nsswitch.conf"
    nsswitch.write_text("hosts: files\n")
    out = tmp_path / "out"
    script = (f"mount --bind {etc_hosts} /etc/hosts && mount --bind {nsswitch} /etc/nsswitch.conf && "
              f"exec {BIN / 'ansible-playbook'} -i {inv} exchange_firewall.yml "
              f"-e exchange_firewall_output_dir={out} -e exchange_firewall_resolve_addresses=true")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], cwd=ROOT,
                            env=dict(os.environ, ANSIBLE_NOCOLOR="1"), capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["resolved_addresses"] == {
        "ex03": {"name": "ex03.contoso.test", "addresses": ["10.2.10.11", "fd00:1:20::11"]},
        "ex04": {"name": "ex04.contoso.test", "addresses": ["10.2.10.12", "10.2.10.112"]},
    }
    assert plan["hosts"]["ex04"]["addresses"] == ["10.2.10.12", "10.2.10.112"]
    assert "fd00:1:20::11" in plan["address_objects"]["organisation"]["addresses"]
    assert "resolve_addresses" in plan["meta"]["non_default_settings"]
    summary = (out / "plan.md").read_text()
    assert "`resolve_addresses` = `\"true\"`" in summary and "10.2.10.112" in summary
    assert "10.2.10.112" not in (ROOT / "examples" / "inventory" / "hosts.yml").read_text()
