"""The playbook, run for real with ansible-playbook on the bundled example and on bad inventories."""

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
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run_playbook(args, cwd=ROOT, timeout=240):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default")
    cmd = [str(BIN / "ansible-playbook"), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    result = run_playbook(["exchange_firewall.yml", "-e", f"exchange_firewall_output_dir={out}"])
    return result, out


def test_plan_mode_writes_plan_json_and_summary(example_run):
    result, out = example_run
    assert result.returncode == 0, result.stdout + result.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["schema_version"] == 2
    assert set(plan["hosts"]) == {"edge01", "ex01", "ex02", "ex03", "ex04", "fs01", "relay01"}
    for host in plan["hosts"].values():
        for rule in host["rules"]:
            assert set(rule) >= {"name", "direction", "protocol", "local_ports", "remote_object", "action",
                                 "flow_ids", "citation_ids"}
            assert rule["remote_object"] in plan["address_objects"]
    assert plan["meta"]["collection_version"] and plan["meta"]["inventory_fingerprint"].startswith("sha256:")
    assert sorted(p.name for p in out.iterdir()) == [".exchange-firewall.json", "address-objects.csv", "network",
                                                     "plan.csv", "plan.json", "plan.md", "report.html", "windows"]
    assert sorted(p.name for p in (out / "network").iterdir()) == ["fw01.asa.yml", "fw01.view.json", "fw02.nft",
                                                                   "fw02.view.json"]
    scripts = sorted(p.name for p in (out / "windows").iterdir())
    assert scripts == ["address-objects.json", "edge01.ps1", "ex01.ps1", "ex02.ps1", "ex03.ps1", "ex04.ps1", "fs01.ps1"]
    assert "New-NetFirewallRule -Name 'exfw-in-tcp-mailbox-site-hq'" in (out / "windows" / "edge01.ps1").read_text()
    assert (out / "plan.csv").read_text().startswith("kind,device,platform,roles,version,rule,")
    summary = (out / "plan.md").read_text()
    assert "## edge01" in summary and "`exfw-in-tcp-mailbox-site-hq`" in summary
    assert "network_firewalls" in plan and "fw01" in plan["network_firewalls"]


def test_plan_mode_contacts_no_managed_host(example_run):
    result = example_run[0]
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    assert "localhost" in recap
    for host in ("ex01", "edge01", "relay01", "dc01", "fw01"):
        assert host not in recap


def without_meta(plan):
    return {k: v for k, v in plan.items() if k != "meta"}


def test_playbook_plan_equals_engine_plan(example_run):
    out = example_run[1]
    groups, hostvars, settings = load_inventory()
    assert without_meta(json.loads((out / "plan.json").read_text())) == \
        json.loads(json.dumps(build_plan(groups, hostvars, settings)))


def test_filter_twin_gives_the_same_plan(tmp_path, example_run):
    out = example_run[1]
    playbook = tmp_path / "filter.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Use the filter", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Compute", "ansible.builtin.copy": {
            "dest": str(tmp_path / "filter.json"), "mode": "0644",
            "content": "{{ groups | exchange.firewall.plan(hostvars, {'networks': exchange_firewall_networks, "
                       "'dags': exchange_firewall_dags, 'version': exchange_firewall_version, "
                       "'features': exchange_firewall_features}) | to_json }}"}}],
    }]))
    result = run_playbook(["-i", str(ROOT / "examples" / "inventory"), str(playbook)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "filter.json").read_text()) == without_meta(json.loads((out / "plan.json").read_text()))


def _bad_inventory(tmp_path, mutate):
    inv = tmp_path / "inventory"
    shutil.copytree(ROOT / "examples" / "inventory", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    org = yaml.safe_load((inv / "group_vars" / "all.yml").read_text())
    mutate(hosts["all"]["children"], org)
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (inv / "group_vars" / "all.yml").write_text(yaml.safe_dump(org))
    return inv


def _mbx(children):
    return children["exchange_mailbox"]["hosts"]


BAD = [
    ("unknown-role", lambda c, o: _mbx(c)["ex01"].update(exchange_firewall_roles=["mailbx"]),
     "host 'ex01': exchange_firewall_roles: unknown role 'mailbx'"),
    ("unknown-version", lambda c, o: _mbx(c)["ex02"].update(exchange_firewall_version="2007"),
     "host 'ex02': exchange_firewall_version: unknown Exchange version '2007'"),
    ("bad-cidr", lambda c, o: o["exchange_firewall_networks"].update(clients=["10.20.0.0/33"]),
     "organisation: exchange_firewall_networks.clients: invalid CIDR '10.20.0.0/33'"),
    ("port-out-of-range", lambda c, o: o["exchange_firewall_dags"]["DAG01"].update(replication_port=99999),
     "organisation: exchange_firewall_dags.DAG01.replication_port: port 99999 is out of range"),
    ("conflicting-groups", lambda c, o: c["smtp_relays"]["hosts"].update(ex03=None),
     "host 'ex03': exchange_firewall_roles: conflicting groups"),
    ("no-address", lambda c, o: c["exchange_witness"]["hosts"]["fs01"].pop("ansible_host"),
     "host 'fs01': exchange_firewall_addresses: no address"),
    ("conflicting-toggles", lambda c, o: _mbx(c)["ex04"].update(exchange_firewall_features={"unified_messaging": True}),
     "host 'ex04': exchange_firewall_features.unified_messaging: 'unified_messaging' does not exist"),
    ("filtering-inside-org", lambda c, o: o.update(exchange_firewall_intra_org="per_port"),
     "organisation: exchange_firewall_intra_org: 'per_port' filters traffic inside the organisation"),
    ("missing-group", lambda c, o: o.update(exchange_firewall_role_groups={"mailbox": "exch_mbx"}),
     "organisation: exchange_firewall_role_groups.mailbox: group 'exch_mbx' is not in the inventory"),
    ("allow-unverified-unknown-id", lambda c, o: o.update(exchange_firewall_allow_unverified=["witness-smb-2011"]),
     "organisation: exchange_firewall_allow_unverified: unknown flow id 'witness-smb-2011' (did you mean "
     "'witness-smb-2010'?)"),
    ("public-folders-on-2019", lambda c, o: _mbx(c)["ex01"].update(exchange_firewall_public_folders=True),
     "host 'ex01': exchange_firewall_public_folders: only Exchange 2010 Mailbox servers hold public folder"),
    ("um-startup-mode", lambda c, o: o.update(exchange_firewall_um_startup_mode="SIPS"),
     "organisation: exchange_firewall_um_startup_mode: must be TCP, TLS or Dual"),
    ("rpc-port-alone", lambda c, o: o.update(exchange_firewall_rpc_client_access_port=59531),
     "organisation: exchange_firewall_address_book_port: set it too"),
    ("misspelt-host-variable", lambda c, o: _mbx(c)["ex02"].update(exchange_firewall_dga="DAG01"),
     "host 'ex02': exchange_firewall_dga: unknown variable (did you mean exchange_firewall_dag?)"),
    ("misspelt-group-variable", lambda c, o: c["exchange_mailbox"].update(vars={"exchange_firewall_ad_stie": "HQ"}),
     "host 'ex01': exchange_firewall_ad_stie: unknown variable (did you mean exchange_firewall_ad_site?)"),
    ("include-selects-nothing", lambda c, o: o.update(exchange_firewall_flows_include="[?feature=='imap']"),
     "organisation: exchange_firewall_flows_include: selects no flow besides the ones always planned"),
    ("edge-2010-with-2019", lambda c, o: c["exchange_edge"]["hosts"]["edge01"].update(exchange_firewall_version="2010"),
     "host 'edge01': exchange_firewall_version: Exchange 2010 cannot coexist with Exchange 2019"),
]


# Every case in plan mode; two representative cases in apply mode as well.
BAD_RUNS = [(*b, "plan") for b in BAD] + [(*b, "apply") for b in BAD if b[0] in ("bad-cidr", "conflicting-groups")]


@pytest.mark.parametrize("case, mutate, message, mode", BAD_RUNS, ids=[f"{b[0]}-{b[3]}" for b in BAD_RUNS])
def test_bad_input_stops_the_run_before_anything_changes(tmp_path, case, mutate, message, mode):
    inv = _bad_inventory(tmp_path, mutate)
    out = tmp_path / "out"
    result = run_playbook(["-i", str(inv), "exchange_firewall.yml", "-e", f"exchange_firewall_mode={mode}",
                           "-e", f"exchange_firewall_output_dir={out}"])
    assert result.returncode != 0
    assert message in result.stdout, result.stdout
    assert result.stdout.count("fatal:") == 1, "exactly one error"
    assert not out.exists(), "nothing is written"
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    assert "ex01" not in recap and "relay01" not in recap, "no managed host was contacted"


@pytest.mark.parametrize("args", [["exchange.firewall.plan"], ["exchange.firewall.firewalld_ruleset"],
                                  ["exchange.firewall.win_firewall_ruleset"],
                                  ["exchange.firewall.win_firewall_rule_state"],
                                  ["-t", "filter", "exchange.firewall.plan"],
                                  ["-t", "filter", "exchange.firewall.plan_summary"],
                                  ["-t", "filter", "exchange.firewall.plan_csv"],
                                  ["-t", "filter", "exchange.firewall.win_firewall_rule_params"],
                                  ["-t", "filter", "exchange.firewall.powershell_script"],
                                  ["-t", "role", "exchange.firewall.exchange_firewall"]])
def test_ansible_doc_shows_the_plugins(args):
    result = subprocess.run([str(BIN / "ansible-doc"), *args], capture_output=True, text=True, timeout=120,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "exchange" in result.stdout.lower()
    assert "EXAMPLES" in result.stdout or "ENTRY POINT" in result.stdout


def test_apply_mode_wires_the_linux_and_windows_providers():
    result = run_playbook(["exchange_firewall.yml", "--list-tasks", "-e", "exchange_firewall_mode=apply"])
    assert result.returncode == 0, result.stderr
    assert "Apply the rule sets to Linux hosts with firewalld" in result.stdout
    assert "Apply the rule sets to Windows hosts" in result.stdout
    role = (ROOT / "roles" / "exchange_firewall" / "tasks")
    assert "exchange.firewall.win_firewall_ruleset:" in (role / "provider_windows.yml").read_text()
    assert "community.windows.win_firewall_rule:" in (role / "provider_windows_fallback.yml").read_text()
    assert "exchange.firewall.firewalld_ruleset:" in (role / "provider_firewalld.yml").read_text()


def test_the_collection_builds_installs_and_plans_from_the_installed_copy(tmp_path):
    build = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    (tarball,) = tmp_path.glob("exchange-firewall-*.tar.gz")
    install = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "--no-deps",
                              str(tarball), "-p", str(tmp_path / "installed")],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "installed"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(ROOT / "examples" / "inventory"),
                             "exchange.firewall.exchange_firewall", "-e", f"exchange_firewall_output_dir={tmp_path}/out"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert str(tmp_path / "installed") in subprocess.run(
        [str(BIN / "ansible-doc"), "exchange.firewall.plan"], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=120, check=False).stdout
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["hosts"]["edge01"]["rules"]
    assert "<svg" in (tmp_path / "out" / "report.html").read_text(), "the installed copy finds its report template"


# ---- the output set as a user sees it ------------------------------------------------------------

def _plan(out, *extra, inventory=None):
    args = ["exchange_firewall.yml", "-e", f"exchange_firewall_output_dir={out}", *extra]
    if inventory:
        args = ["-i", str(inventory), *args]
    return run_playbook(args)


def _snapshot(directory):
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_an_unchanged_plan_rewrites_nothing(tmp_path):
    out = tmp_path / "out"
    first = _plan(out)
    assert first.returncode == 0 and "changed=1" in first.stdout.split("PLAY RECAP", 1)[1]
    before = _snapshot(out)
    second = _plan(out)
    assert second.returncode == 0, second.stdout
    assert "is up to date (16 files)" in second.stdout
    assert "changed=0" in second.stdout.split("PLAY RECAP", 1)[1]
    assert _snapshot(out) == before, "same bytes, generation time included"


def test_check_mode_says_would_be_written_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = _plan(out, "--check", "--diff")
    assert result.returncode == 0, result.stdout
    assert "16 files would be written to" in result.stdout and " written to " not in result.stdout.replace(
        "would be written to", "")
    assert "+++ after: " in result.stdout, "--diff shows the new files"
    assert not out.exists()


def test_a_host_that_leaves_the_inventory_leaves_the_output_set(tmp_path):
    out = tmp_path / "out"
    assert _plan(out).returncode == 0
    assert (out / "windows" / "ex04.ps1").exists()
    inv = _bad_inventory(tmp_path, lambda c, o: _mbx(c).pop("ex04"))
    result = _plan(out, inventory=inv)
    assert result.returncode == 0, result.stdout
    assert not (out / "windows" / "ex04.ps1").exists()
    assert "ex04" not in json.loads((out / "plan.json").read_text())["hosts"]


def test_a_failed_run_marks_the_previous_set_and_changes_nothing_else(tmp_path):
    out = tmp_path / "out"
    assert _plan(out).returncode == 0
    before = _snapshot(out)
    inv = _bad_inventory(tmp_path, lambda c, o: o["exchange_firewall_networks"].update(clients=["10.20.0.0/33"]))
    result = _plan(out, inventory=inv)
    assert result.returncode != 0
    after = _snapshot(out)
    assert after.pop("LAST-RUN-FAILED.txt").decode().count("invalid CIDR '10.20.0.0/33'") == 1
    assert after == before
    assert _plan(out).returncode == 0
    assert not (out / "LAST-RUN-FAILED.txt").exists()


def test_an_output_directory_with_other_files_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "budget.xlsx").write_text("not ours")
    result = _plan(out)
    assert result.returncode != 0
    assert "holds files this collection did not write (budget.xlsx)" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["budget.xlsx"]


def test_apply_hosts_read_only_their_own_rule_set(tmp_path):
    """The apply path up to contacting hosts: targets from the plan, each host's rules from the store."""
    out = tmp_path / "out"
    result = run_playbook(["-i", str(ROOT / "examples" / "inventory"),
                           str(ROOT / "benchmarks" / "playbooks" / "apply_orchestration.yml"),
                           "-e", f"exchange_firewall_output_dir={out}", "-e", "exchange_firewall_mode=apply", "-v"])
    assert result.returncode == 0, result.stdout[-3000:]
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    for host in ("edge01", "ex01", "ex02", "ex03", "ex04", "fs01", "relay01", "fw01", "fw02"):
        assert re.search(rf"^{host}\s+: ok=2 .*failed=0", recap, re.M), host
    for host in ("dc01", "dc02"):
        assert host not in recap


@pytest.mark.parametrize("value", ["no", "false", "0", "off"])
def test_install_no_from_extra_vars_never_installs_firewalld(tmp_path, value):
    """`-e exchange_firewall_firewalld_install=no` arrives as a string; it must still mean no.

    The host's Python has no firewalld bindings (this venv's Python), so the module reports
    firewalld as unavailable; with install off, the role stops there without installing anything.
    """
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"relay99": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    plan = {"schema_version": 2, "settings": {"rule_prefix": "exfw"}, "citations": {},
            "address_objects": {"management": {"kind": "network", "addresses": ["10.1.5.0/24"], "members": [],
                                               "description": "management"}},
            "hosts": {"relay99": {"platform": "linux", "roles": ["smtp_relay"], "features": {}, "rules": [{
                "name": "exfw-in-tcp-management", "direction": "in", "protocol": "tcp", "local_ports": ["22"],
                "remote_object": "management", "remote_endpoints": ["management"], "action": "allow",
                "flow_ids": ["mgmt-linux"], "citation_ids": [], "description": "SSH"}]}}}
    (tmp_path / "plan.json").write_text(json.dumps({"exchange_firewall_plan": plan}))
    playbook = tmp_path / "apply.yml"
    playbook.write_text(yaml.safe_dump([{"name": "Apply", "hosts": "relay99", "gather_facts": False,
                                         "roles": [{"role": "exchange.firewall.exchange_firewall"}]}]))
    result = run_playbook(["-i", str(inventory), str(playbook), "-e", f"@{tmp_path / 'plan.json'}",
                           "-e", f"exchange_firewall_firewalld_install={value}"])
    assert result.returncode != 0
    assert "Stop unless firewalld is missing and may be installed" in result.stdout
    assert "Install firewalld and its Python bindings" not in result.stdout
    assert "Start and enable firewalld" not in result.stdout
