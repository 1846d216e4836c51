"""Plan from anywhere: a --limit without localhost still plans (on the controller, the whole
inventory, with the controller's settings) and applies to the limited hosts only; the run never
ends in success having done nothing, and plan mode prints no host-pattern warnings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from netns_fixtures import firewalld_lab

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLAYBOOK = ROOT / "playbooks" / "exchange_firewall.yml"


def playbook(*args, cwd=ROOT):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run([str(BIN / "ansible-playbook"), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    """The example organisation, where ex01 has host-level features of its own: a run delegated
    from ex01 must still plan with the organisation's settings, never ex01's."""
    inv = tmp_path_factory.mktemp("limit") / "inventory"
    shutil.copytree(ROOT / "examples" / "inventory", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    hosts["all"]["children"]["exchange_mailbox"]["hosts"]["ex01"]["exchange_firewall_features"] = {"pop3": True}
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return inv


@pytest.mark.parametrize("limit", ["ex01", "relay01,fw02", "exchange_mailbox"])
def test_a_limit_without_localhost_plans_the_whole_inventory_on_the_controller(inventory, tmp_path, limit):
    out = tmp_path / "out"  # the same directory: the fingerprint covers the settings, output_dir included
    first = playbook("-i", inventory, PLAYBOOK, "-e", f"exchange_firewall_output_dir={out}")
    assert first.returncode == 0, first.stdout[-3000:]
    reference = json.loads((out / "plan.json").read_text())
    result = playbook("-i", inventory, PLAYBOOK, "--limit", limit, "-e", f"exchange_firewall_output_dir={out}")
    assert result.returncode == 0, result.stdout[-3000:]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["meta"]["inventory_fingerprint"] == reference["meta"]["inventory_fingerprint"]
    assert {k: v for k, v in plan.items() if k != "meta"} == {k: v for k, v in reference.items() if k != "meta"}
    assert plan["hosts"]["ex02"]["features"]["pop3"] is False, "ex01's own features stay ex01's"
    assert plan["hosts"]["ex01"]["features"]["pop3"] is True
    # Every task ran on the controller: no managed host was contacted (they are not reachable here).
    ran = re.findall(r"^(?:ok|changed): \[([^\]]+)\]", result.stdout, re.M)
    assert ran and all(entry.endswith(" -> localhost") for entry in ran), ran
    assert "unreachable=0" in result.stdout.split("PLAY RECAP", 1)[1]


@pytest.mark.parametrize("args", [[], ["--limit", "ex01"], ["--limit", "relay01,localhost"]])
def test_plan_mode_prints_no_host_pattern_warning(inventory, tmp_path, args):
    result = playbook("-i", inventory, PLAYBOOK, *args, "-e", f"exchange_firewall_output_dir={tmp_path / 'out'}")
    assert result.returncode == 0, result.stdout[-3000:]
    output = result.stdout + result.stderr
    assert "Could not match supplied host pattern" not in output
    assert "[WARNING]" not in output, output
    assert (tmp_path / "out" / "plan.json").is_file(), "never a success that did nothing"


def test_the_fallback_play_runs_the_first_plays_tasks():
    plays = yaml.safe_load(PLAYBOOK.read_text())
    first, fallback = plays[0], plays[1]
    assert first["hosts"] == "localhost" and "localhost" in fallback["hosts"]
    (block,) = fallback["tasks"]
    assert block["delegate_to"] == "localhost" and block["run_once"] is True

    def strip(task):
        task = {k: v for k, v in task.items() if k not in ("delegate_facts",)}
        if "ansible.builtin.include_role" in task:
            task["ansible.builtin.include_role"] = {k: v for k, v in task["ansible.builtin.include_role"].items()
                                                    if k != "apply"}
        return task

    assert [strip(t) for t in block["block"]] == first["tasks"], "keep the second play in step with the first"
    include = block["block"][0]["ansible.builtin.include_role"]
    assert include["apply"] == {"delegate_to": "localhost", "run_once": True}
    assert block["block"][-1]["delegate_facts"] is True


@pytest.fixture(scope="module")
def lab(request):
    yield from firewalld_lab(request)


def test_apply_with_a_limit_without_localhost_applies_to_the_limited_host(lab, tmp_path):
    """A real firewalld in a namespace: --limit fw (no localhost) plans, then applies to fw only."""
    net = lab.fw_v4.rsplit(".", 1)[0]
    inv = tmp_path / "inventory"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {
        "smtp_relays": {"hosts": {"fw": {"ansible_connection": "local",
                                         "ansible_python_interpreter": str(lab.state / "fw" / "python"),
                                         "exchange_firewall_addresses": [lab.fw_v4]}}},
        "reverse_proxies": {"hosts": {"proxy99": {"ansible_host": "192.0.2.99"}}}}}}))
    (inv / "group_vars" / "all.yml").write_text(yaml.safe_dump({"exchange_firewall_networks": {
        "smtp_clients": [f"{lab.client_v4}/32"], "clients": ["198.51.100.0/24"], "management": [f"{net}.0/24"]}}))
    out = tmp_path / "out"
    result = playbook("-i", inv, PLAYBOOK, "--limit", "fw", "-e", "exchange_firewall_mode=apply",
                      "-e", f"exchange_firewall_output_dir={out}")
    assert result.returncode == 0, result.stdout[-4000:]
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    assert "proxy99" not in recap and re.search(r"^fw\s+: ok=\d+\s+changed=[1-9]", recap, re.M), recap
    assert set(json.loads((out / "plan.json").read_text())["hosts"]) == {"fw", "proxy99"}
    zone = lab.zone()
    assert f'rule family="ipv4" source address="{lab.client_v4}" port port="25" protocol="tcp" accept' \
        in zone["rich_rules"], zone
