"""The user's command, end to end, on a network firewall: an inventory whose router sits between five
zone namespaces, `ansible-playbook exchange_firewall.yml -e exchange_firewall_mode=apply`, and real TCP
through the router.

The router's policies are the ones the engine computes from the inventory (not a hand-written view):
every policy's flow connects, a sample of other ports and sources times out, a second run changes
nothing and a check-mode run of a changed inventory leaves the live table as it was.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from netns_router import LISTEN_PORTS, SPOKES, RouterLab, lab_tag, require_router_lab

pytestmark = pytest.mark.netns

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Every address a lab namespace has, by namespace, and the zone each namespace is.
LAB = {name: [a.split("/", maxsplit=1)[0] for a in spec[2]] for name, spec in SPOKES.items()}
ZONE_OF = {"cl": "clients", "pe": "perimeter", "sv": "servers", "mg": "management", "in": "internet"}


def inventory(lab: RouterLab, features=None) -> dict:
    org = {
        "exchange_firewall_version": "2019",
        "exchange_firewall_networks": {
            "clients": ["10.61.1.0/25", "fd00:61:1::/120"],
            "management": ["10.61.5.0/24", "fd00:61:5::/64"],
        },
        "exchange_firewall_features": features or {},
    }
    router = {
        "ansible_connection": "local",
        "ansible_python_interpreter": str(lab.state / "r" / "python"),
        "exchange_firewall_provider": "nftables",
        "exchange_firewall_zones": {
            "clients": {"cidrs": ["10.61.1.0/24", "fd00:61:1::/64"], "interfaces": ["clients0"]},
            "perimeter": {"cidrs": ["10.61.2.0/24", "fd00:61:2::/64"], "interfaces": ["perim0"]},
            "servers": {"cidrs": ["10.61.3.0/24", "fd00:61:3::/64"], "interfaces": ["servers0"]},
            "management": {"networks": ["management"], "interfaces": ["mgmt0"]},
            "internet": {"networks": ["internet"], "interfaces": ["inet0"]},
        },
    }
    return {"all": {"vars": org, "children": {
        "exchange_mailbox": {"hosts": {"ex01": {"exchange_firewall_addresses": ["10.61.3.10", "fd00:61:3::10"],
                                                "exchange_firewall_ad_site": "HQ"}}},
        "exchange_edge": {"hosts": {"edge01": {"exchange_firewall_addresses": ["10.61.2.10", "fd00:61:2::10"]}}},
        "domain_controllers": {"hosts": {"dc01": {"ansible_host": "10.61.3.20"}}},
        "smtp_relays": {"hosts": {"relay01": {"ansible_host": "10.61.3.25"}}},
        "network_firewalls": {"hosts": {"router": router}},
    }}}


def run(tmp: Path, lab: RouterLab, *flags, features=None):
    inv = tmp / "inventory.yml"
    inv.write_text(yaml.safe_dump(inventory(lab, features)))
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"), PATH=f"{BIN}:{env['PATH']}")
    cmd = [str(BIN / "ansible-playbook"), "-i", str(inv), "exchange_firewall.yml", "-e", "exchange_firewall_mode=apply",
           "-e", f"exchange_firewall_output_dir={tmp / 'out'}", "--limit", "localhost,router", *flags]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def recap(stdout: str, host: str) -> dict:
    line = re.search(rf"^{host}\s+:(.*)$", stdout.split("PLAY RECAP", 1)[1], re.M).group(1)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    require_router_lab()
    lab = RouterLab(lab_tag() + "e")
    tmp = tmp_path_factory.mktemp("network-apply")
    try:
        lab.up()
        result = run(tmp, lab)
        yield lab, tmp, result
    finally:
        lab.down()


def members(objects: dict, name: str, zone: str) -> list:
    """Lab addresses in the object and in the zone (0.0.0.0/0 holds every address, but only the
    Internet namespace is in the internet zone)."""
    nets = [ipaddress.ip_network(a) for a in objects[name]["addresses"]]
    return [(ns, a) for ns, addresses in LAB.items() for a in addresses
            if ZONE_OF[ns] == zone and any(ipaddress.ip_address(a) in n for n in nets)]


def test_the_users_command_applies_the_engines_policies_and_every_flow_connects(applied):
    lab, tmp, result = applied
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert recap(result.stdout, "router")["changed"] == 1
    plan = json.loads((tmp / "out" / "plan.json").read_text())
    view = json.loads((tmp / "out" / "network" / "router.view.json").read_text())
    assert view["policies"] and plan["network_firewalls"]["router"]["provider"] == "nftables"
    assert "table inet exfw" in lab.listing()
    probes = set()
    for policy in view["policies"]:
        for service in policy["services"]:
            svc = view["services"][service]
            ports = LISTEN_PORTS if svc["protocol"] == "any" else [
                p for p in LISTEN_PORTS for r in svc["ports"]
                if int(r.split("-")[0]) <= p <= int(r.split("-")[-1]) and svc["protocol"] == "tcp"]
            objects = view["address_objects"]
            for src_ns, src in (m for o in policy["source"] for m in members(objects, o, policy["from_zone"])):
                for dst_ns, dst in (m for o in policy["destination"] for m in members(objects, o, policy["to_zone"])):
                    if src_ns != dst_ns and ipaddress.ip_address(src).version == ipaddress.ip_address(dst).version:
                        probes.update((src_ns, dst, port, src) for port in ports[:3])
    assert len(probes) >= 15, probes
    outcomes = lab.probe(sorted(probes))
    closed = {p: o for p, o in outcomes.items() if o != "open"}
    assert not closed, closed


FORBIDDEN = [
    ("cl", "10.61.3.10", 25, "10.61.1.10"),          # clients -> Mailbox 25: not a client port
    ("cl", "10.61.3.10", 3389, "10.61.1.10"),        # clients -> Mailbox RDP: management only
    ("cl", "10.61.3.10", 443, "10.61.1.200"),        # an address of the clients zone outside the clients network
    ("cl", "fd00:61:3::10", 443, "fd00:61:1::200"),
    ("in", "10.61.3.10", 443, "203.0.113.10"),       # the Internet -> Mailbox: not published
    ("in", "10.61.2.10", 443, "203.0.113.10"),       # the Internet -> Edge: 25 only
    ("in", "10.61.3.25", 25, "203.0.113.10"),        # the Internet -> relay
    ("pe", "10.61.3.10", 443, "10.61.2.10"),         # Edge -> Mailbox: 25 only
    ("pe", "10.61.3.25", 22, "10.61.2.10"),          # Edge -> relay SSH
    ("mg", "10.61.3.25", 3389, "10.61.5.10"),        # management -> relay: SSH only
]


def test_other_ports_and_sources_are_dropped(applied):
    lab, _tmp, result = applied
    assert result.returncode == 0
    outcomes = lab.probe(FORBIDDEN)
    assert all(o == "timeout" for o in outcomes.values()), outcomes


def test_a_second_run_changes_nothing(applied, tmp_path):
    lab, tmp, _result = applied
    before = lab.listing()
    again = run(tmp, lab)
    assert again.returncode == 0, again.stdout[-3000:]
    assert recap(again.stdout, "router")["changed"] == 0
    assert lab.listing() == before


def test_check_mode_of_a_changed_inventory_changes_nothing(applied):
    lab, tmp, _result = applied
    before = lab.listing()
    check = run(tmp, lab, "--check", "--diff", features={"imap4": True})
    assert check.returncode == 0, check.stdout[-3000:]
    assert recap(check.stdout, "router")["changed"] == 1, "the module reports what it would change"
    assert "dport 143" in check.stdout or "dport { 143" in check.stdout, "--diff shows the new port"
    assert lab.listing() == before


def without_counters(listing: str) -> str:
    return re.sub(r"counter packets \d+ bytes \d+", "counter", listing)


def audit_record(tmp: Path) -> dict:
    hosts = {h["host"]: h for h in json.loads((tmp / "out" / "audit.json").read_text())["hosts"]}
    return hosts["router"]


def test_audit_reads_the_live_table_and_finds_a_rule_removed_by_hand(applied):
    lab, tmp, result = applied
    assert result.returncode == 0, result.stdout[-3000:]
    before = lab.listing()
    audited = run(tmp, lab, "-e", "exchange_firewall_mode=audit", "-e", "exchange_firewall_audit_fail_on_drift=true")
    assert audited.returncode == 0, audited.stdout[-4000:]
    finding = audit_record(tmp)
    assert finding["status"] == "in sync" and finding["provider"] == "nftables", finding
    assert finding["counts"]["rules"] > 0
    assert lab.listing() == before, "the audit changes nothing"

    # Remove one accept rule (TCP 25 towards the Edge, from the internet zone) from our table by hand.
    handles = lab.nft("-a", "list", "table", "inet", "exfw").stdout
    line = next(line for line in handles.splitlines() if "dport 25" in line and "accept" in line
                and "handle" in line)
    chain = re.findall(r"^\s*chain (\S+) \{", handles.split(line, 1)[0], re.M)[-1]
    handle = line.rsplit("handle", 1)[1].strip()
    try:
        lab.nft("delete", "rule", "inet", "exfw", chain, "handle", handle)
        drifted = run(tmp, lab, "-e", "exchange_firewall_mode=audit", "-e", "exchange_firewall_audit_fail_on_drift=true")
        assert drifted.returncode != 0, "drift fails the run when asked"
        assert "drift found (exchange_firewall_audit_fail_on_drift is true)" in drifted.stdout
        finding = audit_record(tmp)
        assert finding["status"] == "drift", finding
        named = [d["rule"] for d in finding["missing"] + finding["differing"]]
        assert named and all(n and n.startswith("exfw-") for n in named), finding
        if not finding["missing"]:
            assert "dport 25" in finding["differing"][0]["what"], finding
        assert lab.listing() != before, "the audit did not repair anything"
    finally:
        restored = run(tmp, lab)
        assert restored.returncode == 0, restored.stdout[-3000:]
    assert without_counters(lab.listing()) == without_counters(before), "the next apply restores the rule"
