"""The drift audit of vendor firewalls on real vendor data, offline: the collection's access lists
(the stored rendered text) and a device's (the same text with one entry gone and one foreign entry
added, as `show running-config` would print it) are both read by the vendor's own resource module
with state: parsed - the parser state: gathered uses on a device - and compared by the drift filter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from netfw_env import ROOT, vendor_dirs

FIXTURES = ROOT / "tests" / "integration" / "fixtures" / "netfw"
# vendor: (module, connection, network_os, the line removed on the "device", the foreign line added to our ACL)
CASES = {
    "ios": ("cisco.ios.ios_acls", "network_cli", "cisco.ios.ios",
            "30 permit tcp 10.20.0.0 0.0.255.255 host 10.2.10.11 eq 443", "35 permit tcp any host 10.1.10.11 eq 3389"),
    "eos": ("arista.eos.eos_acls", "network_cli", "arista.eos.eos",
            "40 permit tcp 10.20.0.0/16 host 10.2.10.11 eq 443", "45 permit tcp any host 10.1.10.11 eq 3389"),
    "asa": ("cisco.asa.asa_acls", "network_cli", "cisco.asa.asa",
            "access-list exfw-clients-in line 3 extended permit tcp object-group exfw-clients object-group "
            "exfw-mailbox object-group exfw-tcp-587",
            "access-list exfw-clients-in line 4 extended permit tcp any object-group exfw-mailbox object-group "
            "exfw-tcp-80"),
}
# IOS prints entries indented under their access list.
IOS_LAYOUT = r"map('regex_replace', '^(?!ip)(.*) sequence (\d+)$', ' sequence \2 \1') " \
             r"| map('regex_replace', '^(?!ip| )', ' ')"


def acls_text(vendor: str) -> list:
    text = (FIXTURES / f"{vendor}-fw01.txt").read_text()
    section = text.split("## acls\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line]


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    collections, python = vendor_dirs()
    work = tmp_path_factory.mktemp("netfw-audit")
    hosts, tasks = {}, []
    for vendor, (module, connection, network_os, gone, foreign) in CASES.items():
        want = acls_text(vendor)
        assert gone in want, f"{gone!r} is not in the {vendor} fixture"
        device = [line for line in want if line != gone]
        device.insert(2, foreign)
        hosts[vendor] = {"ansible_connection": f"ansible.netcommon.{connection}", "ansible_network_os": network_os,
                         "want_lines": want, "device_lines": device}
        layout = f" | {IOS_LAYOUT}" if vendor == "ios" else ""
        tasks += [
            {"name": f"Parse the collection's {vendor} access lists", module: {
                "state": "parsed", "running_config": "{{ want_lines" + layout + " | join('\n') }}"},
             "register": f"want_{vendor}", "when": f"inventory_hostname == '{vendor}'"},
            {"name": f"Parse the device's {vendor} access lists (as gathered would)", module: {
                "state": "parsed", "running_config": "{{ device_lines" + layout + " | join('\n') }}"},
             "register": f"device_{vendor}", "when": f"inventory_hostname == '{vendor}'"}]
    tasks.append({"name": "Compare", "ansible.builtin.copy": {
        "dest": str(work) + "/{{ inventory_hostname }}.json", "mode": "0644",
        "content": "{{ {'view': {}} | exchange.firewall.drift(inventory_hostname, "
                   "{'gathered': lookup('ansible.builtin.vars', 'device_' ~ inventory_hostname).parsed}, "
                   "host=inventory_hostname, prefix='exfw', "
                   "want=lookup('ansible.builtin.vars', 'want_' ~ inventory_hostname).parsed) | to_json }}"}})
    plays = [{"name": "Audit the vendors' access lists offline", "hosts": "all", "gather_facts": False,
              "tasks": tasks}]
    inventory = {"all": {"vars": {"ansible_python_interpreter": sys.executable}, "hosts": hosts}}
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (work / "audit.yml").write_text(yaml.safe_dump(plays))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f"{ROOT / 'collections'}:{collections}",
               PYTHONPATH=f"{python}:{os.environ.get('PYTHONPATH', '')}", ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="4")
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                          str(work / "inventory.yml"), str(work / "audit.yml")], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return {vendor: json.loads((work / f"{vendor}.json").read_text()) for vendor in CASES}


@pytest.mark.parametrize("vendor", list(CASES))
def test_the_missing_and_the_foreign_entry_are_found(findings, vendor):
    finding = findings[vendor]
    assert finding["status"] == "drift", finding
    assert [d["rule"] for d in finding["differing"]] == ["exfw-clients-in"]
    assert finding["differing"][0]["what"].startswith("1 entries missing: ")
    assert [e["entry"] for e in finding["extra"]] == ["exfw-clients-in"]
    assert finding["extra"][0]["what"].startswith("exfw-clients-in: 1 entries not in the plan")
    assert finding["missing"] == []
