"""The network-firewall renderers through the real vendor modules, offline.

One ansible-playbook run (tests/integration/netfw/render.yml) runs the role's
provider_network_{ios,eos,asa,junos}.yml with exchange_firewall_network_state: rendered against
inventory hosts with ansible_connection network_cli / netconf and ansible_network_os set (no
device is contacted: resource modules render offline), for both sample views. Then:

- the rendered device text must equal the stored text in tests/integration/fixtures/netfw/. Those
  files were checked by hand once against the vendors' command references: IOS/EOS named
  extended ACLs with "permit tcp <src> <wildcard|/len> host <dst> eq <port>", replies with
  "established" (TCP) or a source port (UDP); IOS IPv6 entries "... sequence N"; ASA
  "object-group network/service" with network-object / port-object lines and
  "access-list NAME line N extended permit tcp object-group SRC object-group DST object-group SVC";
  Junos <security><policies><policy><from-zone-name>... with <then><permit> / <deny/>.
  To regenerate after an intended change: EXFW_UPDATE_FIXTURES=1, then review the diff.
- the rendered text, laid out as the device shows it, parsed back by the same module with
  state: parsed must give our configuration again (round trip).

A missing vendor collection or library fails with the install command to run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from netfw_env import ROOT, vendor_dirs

FIXTURES = ROOT / "tests" / "unit" / "fixtures"
EXPECTED = ROOT / "tests" / "integration" / "fixtures" / "netfw"
VENDORS = {"ios": ("cisco.ios.ios", "network_cli"), "eos": ("arista.eos.eos", "network_cli"),
           "asa": ("cisco.asa.asa", "network_cli"), "junos": ("junipernetworks.junos.junos", "netconf")}
HOSTS = [f"{vendor}-{fw}" for vendor in VENDORS for fw in ("fw01", "fw02")]
# Port keywords IOS prints instead of numbers (Cisco IOS "port names" table).
IOS_PORTS = {"www": 80, "smtp": 25, "domain": 53, "telnet": 23, "msrpc": 135, "ftp": 21, "22": 22}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    collections, python = vendor_dirs()
    work = tmp_path_factory.mktemp("netfw")
    inventory = {"all": {"vars": {"ansible_python_interpreter": sys.executable, "out_dir": str(work)},
                         "children": {}}}
    for vendor, (network_os, connection) in VENDORS.items():
        hosts = {f"{vendor}-{fw}": {"vendor": vendor, "view_file": str(FIXTURES / f"firewall_view_{fw}.json"),
                                    "ansible_connection": f"ansible.netcommon.{connection}",
                                    "ansible_network_os": network_os} for fw in ("fw01", "fw02")}
        inventory["all"]["children"][vendor] = {"hosts": hosts}
    (work / "inventory.json").write_text(json.dumps(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f"{ROOT / 'collections'}:{collections}",
               PYTHONPATH=f"{python}:{os.environ.get('PYTHONPATH', '')}", ANSIBLE_FORKS="8",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               "-i", str(work / "inventory.json"), str(ROOT / "tests" / "integration" / "netfw" / "render.yml")]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return {host: json.loads((work / f"{host}.json").read_text()) for host in HOSTS}


def _text(rendered: dict) -> str:
    parts = []
    for key in ("groups", "acls", "bindings", "policies"):
        value = rendered.get(key)
        if value is not None:
            parts.append(f"## {key}\n" + ("\n".join(value) if isinstance(value, list) else value))
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("host", HOSTS)
def test_rendered_text_matches_the_checked_fixture(results, host):
    path = EXPECTED / f"{host}.txt"
    text = _text(results[host]["rendered"])
    if os.environ.get("EXFW_UPDATE_FIXTURES"):
        path.write_text(text)
    assert path.is_file(), f"{path} is missing (EXFW_UPDATE_FIXTURES=1 writes it; review it by hand)"
    assert text == path.read_text()


def _ports(node, table):
    """Port keywords -> numbers, in place, under every port_protocol."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "port_protocol":
                for op, port in value.items():
                    if isinstance(port, str) and not port.replace(" ", "").isdigit():
                        value[op] = str(table.get(port) or socket.getservbyname(port.replace("_", "-")))
            else:
                _ports(value, table)
    elif isinstance(node, list):
        for item in node:
            _ports(item, table)
    return node


def _eos_remarks(config):
    for afi in config:
        for acl in afi["acls"]:
            for ace in acl["aces"]:
                if "remark" in ace:  # eos_acls reads "-" in a remark back as "_"
                    ace["remark"] = ace["remark"].replace("-", "_")
    return config


@pytest.mark.parametrize("fw", ["fw01", "fw02"])
def test_ios_round_trip(results, fw):
    result = results[f"ios-{fw}"]
    config = result["config"]
    assert _ports(result["parsed"]["acls"], IOS_PORTS) == config["cisco.ios.ios_acls"]["config"]
    assert result["parsed"]["bindings"] == config["cisco.ios.ios_acl_interfaces"]["config"]


@pytest.mark.parametrize("fw", ["fw01", "fw02"])
def test_eos_round_trip(results, fw):
    result = results[f"eos-{fw}"]
    config = result["config"]
    parsed = _eos_remarks(_ports(result["parsed"]["acls"], {}))
    assert parsed == _eos_remarks(json.loads(json.dumps(config["arista.eos.eos_acls"]["config"])))
    assert result["parsed"]["bindings"] == config["arista.eos.eos_acl_interfaces"]["config"]


def _members(config):
    """asa_ogs reads network-objects back in no particular order, and "::/0" as a host: compare members."""
    for block in config:
        for group in block["object_groups"]:
            if "network_object" in group:
                group["network_object"] = sorted(a for v in group["network_object"].values() for a in v)
    return config


@pytest.mark.parametrize("fw", ["fw01", "fw02"])
def test_asa_round_trip(results, fw):
    result = results[f"asa-{fw}"]
    config = result["config"]
    assert _members(result["parsed"]["groups"]) == _members(config["cisco.asa.asa_ogs"]["config"])
    assert result["parsed"]["acls"] == config["cisco.asa.asa_acls"]["config"]


@pytest.mark.parametrize("fw", ["fw01", "fw02"])
def test_junos_round_trip(results, fw):
    result = results[f"junos-{fw}"]
    expected = result["config"]["junipernetworks.junos.junos_security_policies"]["config"]
    assert result["parsed"]["policies"] == expected
