"""exchange.firewall.firewalld_ruleset against a real firewalld in a network namespace (pytest-ansible)."""

from __future__ import annotations

import json
import subprocess

import pytest
from netns_fixtures import BIN, firewalld_lab

pytestmark = pytest.mark.firewalld
MODULE = "exchange.firewall.firewalld_ruleset"


@pytest.fixture(scope="module")
def lab(request):
    yield from firewalld_lab(request)


@pytest.fixture
def fw(lab, ansible_adhoc):
    """A pytest-ansible host for the namespace, with the owned zone removed before each test."""
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader()
    host = ansible_adhoc(inventory=str(lab.inventory), host_pattern="fw", connection="local")["fw"]
    result = apply(host, state="absent")
    assert not result.get("failed"), result
    assert lab.zone(permanent=True) is None
    # firewalld cannot delete a zone at runtime without a reload: it is left empty and unbound.
    assert lab.zone() in (None, {"sources": [], "ports": [], "rich_rules": []})
    return host


def apply(host, **args):
    return getattr(host, MODULE)(**args)["fw"]


def rules(lab, smtp_ports=("25",), extra=()):
    return [
        {"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["22"],
         "remote_addresses": [f"{lab.client_v4}/32", "10.1.5.0/24"]},
        {"name": "exfw-in-tcp-smtp-clients", "protocol": "tcp", "local_ports": list(smtp_ports),
         "remote_addresses": [lab.client_v4, lab.client_v6]},
        *extra,
    ]


def rich(lab, port, v6=True, address=None):
    out = [f'rule family="ipv4" source address="{address or lab.client_v4}" port port="{port}" protocol="tcp" accept']
    if v6:
        out.append(f'rule family="ipv6" source address="{lab.client_v6}" port port="{port}" protocol="tcp" accept')
    return out


def expected(lab, smtp_ports=("25",)):
    mgmt = rich(lab, 22, v6=False) + rich(lab, 22, v6=False, address="10.1.5.0/24")
    smtp = [r for p in smtp_ports for r in rich(lab, p)]
    return {"sources": ["0.0.0.0/0", "::/0"], "ports": [], "rich_rules": sorted(mgmt + smtp)}


def test_add_then_rerun_changes_nothing(lab, fw):
    result = apply(fw, rules=rules(lab))
    assert result["changed"] and result["permanent_changed"] and result["runtime_changed"]
    assert lab.zone() == expected(lab) and lab.zone(permanent=True) == expected(lab)
    again = apply(fw, rules=rules(lab))
    assert not again["changed"], again
    assert not again["reloaded"]


def test_change_replaces_only_the_difference(lab, fw):
    apply(fw, rules=rules(lab))
    result = apply(fw, rules=rules(lab, smtp_ports=("587",)))
    assert result["changed"]
    assert result["added"]["rich_rules"] == sorted(rich(lab, 587))
    assert result["removed"]["rich_rules"] == sorted(rich(lab, 25))
    assert not result["reloaded"]
    assert lab.zone() == expected(lab, ("587",)) == lab.zone(permanent=True)


def test_any_remote_becomes_a_zone_port(lab, fw):
    web = {"name": "exfw-in-tcp-internet", "protocol": "tcp", "local_ports": ["443"],
           "remote_addresses": ["0.0.0.0/0", "::/0"]}
    apply(fw, rules=rules(lab, extra=[web]))
    assert lab.zone()["ports"] == ["443/tcp"] == lab.zone(permanent=True)["ports"]


def test_purge_removes_stale_owned_entries_and_keep_preserves_them(lab, fw):
    apply(fw, rules=rules(lab))
    stale = 'rule family="ipv4" source address="10.99.0.0/24" port port="8080" protocol="tcp" accept'
    for flag in ([], ["--permanent"]):
        lab.firewall_cmd(*flag, "--zone=exfw", f"--add-rich-rule={stale}")
        lab.firewall_cmd(*flag, "--zone=exfw", "--add-port=8443/tcp")
    kept = apply(fw, rules=rules(lab), purge=False)
    assert not kept["changed"]
    assert stale in lab.zone()["rich_rules"] and "8443/tcp" in lab.zone(permanent=True)["ports"]
    purged = apply(fw, rules=rules(lab))
    assert purged["changed"] and purged["removed"]["rich_rules"] == [stale]
    assert purged["removed"]["ports"] == ["8443/tcp"]
    assert lab.zone() == expected(lab) == lab.zone(permanent=True)


def test_foreign_zones_and_rules_are_preserved(lab, fw):
    foreign = 'rule family="ipv4" source address="10.55.0.0/24" port port="9000" protocol="tcp" accept'
    for flag in ([], ["--permanent"]):
        lab.firewall_cmd(*flag, "--zone=public", "--add-port=8443/tcp")
        lab.firewall_cmd(*flag, "--zone=public", f"--add-rich-rule={foreign}")
        lab.firewall_cmd(*flag, "--zone=internal", "--add-source=10.56.0.0/24")
    try:
        apply(fw, rules=rules(lab))
        apply(fw, rules=rules(lab, smtp_ports=("587",)))
        apply(fw, state="absent")
        for permanent in (False, True):
            public = lab.zone("public", permanent=permanent)
            assert "8443/tcp" in public["ports"] and foreign in public["rich_rules"]
            assert lab.zone("internal", permanent=permanent)["sources"] == ["10.56.0.0/24"]
    finally:
        for flag in ([], ["--permanent"]):
            lab.firewall_cmd(*flag, "--zone=public", "--remove-port=8443/tcp")
            lab.firewall_cmd(*flag, "--zone=public", f"--remove-rich-rule={foreign}")
            lab.firewall_cmd(*flag, "--zone=internal", "--remove-source=10.56.0.0/24")


def test_ipv6_rules_and_real_traffic(lab, fw):
    apply(fw, rules=rules(lab))
    v6 = [r for r in lab.zone()["rich_rules"] if 'family="ipv6"' in r]
    assert v6 == rich(lab, 25)[1:]
    lab.listen([22, 25, 8080])
    assert lab.connects(lab.fw_v4, 25) and lab.connects(lab.fw_v6, 25)
    assert lab.connects(lab.fw_v4, 22)
    assert not lab.connects(lab.fw_v6, 22), "SSH is allowed from the client's IPv4 address only"
    assert not lab.connects(lab.fw_v4, 8080) and not lab.connects(lab.fw_v6, 8080)


def test_check_mode_changes_nothing_and_diff_shows_it(lab, fw):
    apply(fw, rules=rules(lab))
    before = (lab.zone(), lab.zone(permanent=True))
    args = json.dumps({"rules": rules(lab, smtp_ports=("587",))})
    proc = subprocess.run([str(BIN / "ansible"), "fw", "-i", str(lab.inventory), "-m", MODULE, "-a", args,
                           "--check", "--diff"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CHANGED" in proc.stdout
    assert f'+rich rule: rule family="ipv4" source address="{lab.client_v4}" port port="587"' in proc.stdout
    assert f'-rich rule: rule family="ipv4" source address="{lab.client_v4}" port port="25"' in proc.stdout
    assert (lab.zone(), lab.zone(permanent=True)) == before


def test_check_mode_on_a_fresh_host_creates_nothing(lab, fw):
    proc = subprocess.run([str(BIN / "ansible"), "fw", "-i", str(lab.inventory), "-m", MODULE,
                           "-a", json.dumps({"rules": rules(lab)}), "--check"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "CHANGED" in proc.stdout, proc.stdout
    assert lab.zone() in (None, {"sources": [], "ports": [], "rich_rules": []})
    assert lab.zone(permanent=True) is None


def test_failure_midway_leaves_the_permanent_configuration_as_it_was(lab, fw):
    apply(fw, rules=rules(lab), bind_sources="planned")
    before = (lab.zone(), lab.zone(permanent=True))
    # A source bound to another zone at runtime only: the permanent update succeeds, the runtime
    # update is rejected by firewalld (ZONE_CONFLICT), so the module must restore the permanent zone.
    lab.firewall_cmd("--zone=trusted", "--add-source=10.66.0.0/24")
    try:
        extra = [{"name": "exfw-in-tcp-backup", "protocol": "tcp", "local_ports": ["10000"],
                  "remote_addresses": ["10.66.0.0/24"]}]
        result = apply(fw, rules=rules(lab, extra=extra), bind_sources="planned")
        assert result.get("failed"), result
        assert "rejected the runtime change" in result["msg"] and "permanent configuration was restored" in result["msg"]
        assert (lab.zone(), lab.zone(permanent=True)) == before
    finally:
        lab.firewall_cmd("--zone=trusted", "--remove-source=10.66.0.0/24")


def test_refuses_a_plan_without_management_access(lab, fw):
    apply(fw, rules=rules(lab))
    before = lab.zone(permanent=True)
    result = apply(fw, rules=rules(lab)[1:])
    assert result.get("failed") and "no rule allows management access (TCP 22)" in result["msg"]
    assert lab.zone(permanent=True) == before


def test_refuses_a_zone_it_does_not_own(lab, fw):
    result = apply(fw, rules=rules(lab), zone="public")
    assert result.get("failed") and "zone 'public' exists and is not owned by exchange.firewall" in result["msg"]


def test_absent_removes_the_owned_zone(lab, fw):
    apply(fw, rules=rules(lab))
    result = apply(fw, state="absent")
    assert result["changed"]
    assert lab.zone(permanent=True) is None
    assert lab.zone()["rich_rules"] == [] and lab.zone()["sources"] == []
