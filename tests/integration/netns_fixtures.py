"""Real firewalld test hosts for pytest: a namespace with its own firewalld and a client namespace."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETNS = ROOT / "tests" / "netns" / "netns.py"
TCP = ROOT / "tests" / "netns" / "tcp.py"
BIN = Path(sys.executable).parent


# Runs inside the namespace with Debian's python3: firewalld's own client reads the zone.
ZONE_DUMP = """
import json, sys
from firewall.client import FirewallClient
zone, permanent = sys.argv[1], sys.argv[2] == "True"
fw = FirewallClient()
if permanent:
    names = fw.config().getZoneNames()
    settings = fw.config().getZoneByName(zone).getSettings().getSettingsDict() if zone in names else None
else:
    settings = fw.getZoneSettings(zone).getSettingsDict() if zone in fw.getZones() else None
if settings is not None:
    settings = {"sources": sorted(settings["sources"]),
                "ports": sorted("%s/%s" % tuple(p) for p in settings["ports"]),
                "rich_rules": sorted(settings["rules_str"])}
print(json.dumps(settings))
"""


class Lab:
    """A firewalld host 'fw' (10.77.N.1, fd00:77:N::1) and a client 'cl' (…2) on one veth link."""

    def __init__(self, tag: str, index: int):
        self.topology = {
            "state_dir": f"/tmp/exfw-pytest-{tag}",
            "ttl": 1800,
            "link_prefix": f"t{tag}"[:8],
            "hosts": {"fw": {"firewalld": True}, "cl": {}},
            "links": [{"a": "fw", "a_addr": [f"10.77.{index}.1/24", f"fd00:77:{index}::1/64"],
                       "b": "cl", "b_addr": [f"10.77.{index}.2/24", f"fd00:77:{index}::2/64"]}],
        }
        self.state = Path(self.topology["state_dir"])
        self.file = Path(f"/tmp/exfw-pytest-{tag}.json")
        self.fw_v4, self.fw_v6 = f"10.77.{index}.1", str(ipaddress.ip_address(f"fd00:77:{index}::1"))
        self.client_v4, self.client_v6 = f"10.77.{index}.2", str(ipaddress.ip_address(f"fd00:77:{index}::2"))
        self.inventory = Path(f"/tmp/exfw-pytest-{tag}-inventory.yml")

    def up(self):
        self.file.write_text(json.dumps(self.topology))
        subprocess.run(["/usr/bin/python3", str(NETNS), "up", str(self.file)], check=True, timeout=120)
        self.inventory.write_text(
            "all:\n  hosts:\n    fw:\n      ansible_connection: local\n"
            f"      ansible_python_interpreter: {self.state / 'fw' / 'python'}\n")

    def down(self):
        subprocess.run(["/usr/bin/python3", str(NETNS), "down", str(self.file)], check=False, timeout=120)

    def run(self, name, *cmd, check=True, timeout=60):
        result = subprocess.run(["/usr/bin/python3", str(NETNS), "exec", str(self.file), name, "--", *cmd],
                                capture_output=True, text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"{cmd}: {result.stdout}{result.stderr}")
        return result

    def firewall_cmd(self, *args):
        return self.run("fw", "firewall-cmd", *args).stdout.split("\n")

    def zone(self, zone="exfw", permanent=False):
        """The zone's effective entries as firewalld itself reports them (None if it does not exist)."""
        result = subprocess.run([str(self.state / "fw" / "python"), "-c", ZONE_DUMP, zone, str(permanent)],
                                capture_output=True, text=True, timeout=60, check=True)
        return json.loads(result.stdout)

    def listen(self, ports, seconds=60):
        subprocess.Popen(["setsid", "/usr/bin/python3", str(NETNS), "exec", str(self.file), "fw", "--",
                          "/usr/bin/python3", str(TCP), "listen", str(seconds), *map(str, ports)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = self.run("fw", "ss", "-Hltn", check=False).stdout
            if all(f":{p} " in out for p in ports):
                return
            time.sleep(0.1)
        raise AssertionError("listeners did not start")

    def connects(self, address, port) -> bool:
        result = self.run("cl", "/usr/bin/python3", str(TCP), "connect", address, str(port), "2", check=False)
        return result.returncode == 0


def worker_tag(request) -> tuple[str, int]:
    """Unique per checkout, test module and xdist worker: two checkouts (or two workers) never share
    a state directory or a veth name."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    checkout = hashlib.sha1(f"{ROOT}:{request.module.__name__}".encode()).hexdigest()[:6]
    return f"{checkout}{index}", index + (10 if "playbook" in request.module.__name__ else 0)


def require_root():
    if os.geteuid() != 0:
        pytest.fail("firewalld tests need root (network namespaces); run them as root, as .ci/run does")


def firewalld_lab(request):
    """The lab of this test module and worker, up for the module's tests: what a module-scoped
    ``lab`` fixture yields from."""
    require_root()
    tag, index = worker_tag(request)
    lab = Lab(tag, index)
    lab.up()
    yield lab
    lab.down()
