"""The plan filter reads the organisation settings from the inventory, as the plan module does;
settings passed to it override them."""

from __future__ import annotations

import json
import os
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
