"""A router namespace running nftables between five zone namespaces, for real-traffic tests.

    clients (cl) ── clients0 ┐
    Edge    (pe) ── perim0   │
    Mailbox (sv) ── servers0 ├─ router (r): IPv4 + IPv6 forwarding, nftables
    admins  (mg) ── mgmt0    │
    Internet(in) ── inet0    ┘

The interface names and addresses are the ones of tests/unit/fixtures/firewall_view_lab.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETNS = ROOT / "tests" / "netns" / "netns.py"
TCP = ROOT / "tests" / "netns" / "tcp.py"
BIN = Path(sys.executable).parent
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"
LAB_VIEW = ROOT / "tests" / "unit" / "fixtures" / "firewall_view_lab.json"
LISTEN_PORTS = [22, 25, 443, 587, 3389, 5985, 5986, 8080, 50636]

# name: (router interface, router addresses, host addresses); the first host address of each
# family is the one the host connects from unless a test says otherwise.
SPOKES = {
    "cl": ("clients0", ["10.61.1.1/24", "fd00:61:1::1/64"],
           ["10.61.1.10/24", "10.61.1.200/24", "fd00:61:1::10/64", "fd00:61:1::200/64"]),
    "pe": ("perim0", ["10.61.2.1/24", "fd00:61:2::1/64"], ["10.61.2.10/24", "fd00:61:2::10/64"]),
    "sv": ("servers0", ["10.61.3.1/24", "fd00:61:3::1/64"],
           ["10.61.3.10/24", "10.61.3.20/24", "10.61.3.25/24", "fd00:61:3::10/64", "fd00:61:3::20/64"]),
    "mg": ("mgmt0", ["10.61.5.1/24", "fd00:61:5::1/64"], ["10.61.5.10/24", "fd00:61:5::10/64"]),
    "in": ("inet0", ["203.0.113.1/24", "2001:db8:61::1/64"], ["203.0.113.10/24", "2001:db8:61::10/64"]),
}


def require_router_lab():
    """Fail (never skip) when the lab cannot run here, saying why."""
    if os.geteuid() != 0:
        pytest.fail("nftables lab tests need root (network namespaces, nft); run them as root, as .ci/run does")
    for tool in ("nft", "ip", "nsenter", "unshare"):
        if not shutil.which(tool):
            pytest.fail(f"nftables lab tests need '{tool}' (Debian packages nftables, iproute2, util-linux)")


class RouterLab:
    def __init__(self, tag: str):
        links = []
        for name, (ifname, router_addrs, host_addrs) in SPOKES.items():
            links.append({"a": "r", "a_name": ifname, "a_addr": router_addrs,
                          "b": name, "b_name": "eth0", "b_addr": host_addrs})
        hosts = {"r": {"router": True}}
        for name, (_ifname, router_addrs, _host) in SPOKES.items():
            hosts[name] = {"routes": [f"default via {a.split('/')[0]}" for a in router_addrs]}
        self.topology = {"state_dir": f"/tmp/exfw-nft-{tag}", "ttl": 900, "link_prefix": f"n{tag}"[:8],
                         "hosts": hosts, "links": links}
        self.state = Path(self.topology["state_dir"])
        self.file = Path(f"/tmp/exfw-nft-{tag}.json")
        self.inventory = Path(f"/tmp/exfw-nft-{tag}-inventory.yml")
        self.listeners: list[subprocess.Popen] = []

    # --- set-up ---------------------------------------------------------------------------
    def _netns(self, command: str, check: bool):
        env = {k: v for k, v in os.environ.items() if k != "EXFW_NETNS_STATE_DIR"}  # this lab's own state dir
        subprocess.run(["/usr/bin/python3", str(NETNS), command, str(self.file)], check=check, timeout=60,
                       capture_output=True, env=env)

    def up(self):
        self.file.write_text(json.dumps(self.topology))
        self._netns("up", check=True)
        self.inventory.write_text(
            "all:\n  hosts:\n    router:\n      ansible_connection: local\n"
            f"      ansible_python_interpreter: {self.state / 'r' / 'python'}\n")
        for name in ("cl", "pe", "sv", "mg", "in"):
            self.listeners.append(subprocess.Popen(
                ["nsenter", "-t", str(self.pid(name)), "-n", "--", "/usr/bin/python3", str(TCP), "listen", "600",
                 *map(str, LISTEN_PORTS)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        for name in ("cl", "pe", "sv", "mg", "in"):
            self.wait_listening(name)

    def down(self):
        for proc in self.listeners:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        self.listeners.clear()
        self._netns("down", check=False)
        shutil.rmtree(self.state, ignore_errors=True)  # this lab's own directory (topology, extra vars)
        for path in (self.file, self.inventory):
            path.unlink(missing_ok=True)

    def pid(self, name: str) -> int:
        return int((self.state / name / "anchor.pid").read_text().strip())

    def run(self, name: str, *cmd, check=True, data=None, timeout=30):
        result = subprocess.run(["nsenter", "-t", str(self.pid(name)), "-n", "--", *cmd], input=data,
                                capture_output=True, text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"{name}: {cmd}: {result.stdout}{result.stderr}")
        return result

    def wait_listening(self, name: str):
        for _attempt in range(100):  # at most ~10 s
            out = self.run(name, "ss", "-Hltn").stdout
            if all(f":{p} " in out for p in LISTEN_PORTS):
                return
            subprocess.run(["sleep", "0.1"], check=True)
        raise AssertionError(f"listeners in {name} did not start")

    # --- the router's nftables ---------------------------------------------------------------
    def nft(self, *args, check=True, data=None):
        return self.run("r", "nft", *args, check=check, data=data)

    def listing(self, table="inet exfw") -> str | None:
        result = self.nft("list", "table", *table.split(), check=False)
        return result.stdout if result.returncode == 0 else None

    def tables(self) -> list:
        return sorted(line.strip() for line in self.nft("list", "tables").stdout.splitlines() if line.strip())

    def reset(self):
        """Start a test from a router without our table (other tables are the tests' own business)."""
        self.nft("delete", "table", "inet", "exfw", check=False)

    # --- traffic ---------------------------------------------------------------------------
    def connect(self, name: str, address: str, port: int, source: str | None = None, timeout: float = 1.0) -> str:
        """'open', 'timeout' (dropped on the way) or 'refused'/'error: ...' from namespace `name`."""
        cmd = ["/usr/bin/python3", str(TCP), "connect", address, str(port), str(timeout)]
        result = self.run(name, *cmd, *([source] if source else []), check=False, timeout=timeout + 10)
        out = result.stdout.strip()
        if result.returncode == 0:
            return "open"
        return "timeout" if "timed out" in out else f"error: {out}{result.stderr.strip()}"

    def probe(self, probes) -> dict:
        """Run (name, address, port, source) probes in parallel; {probe: outcome}."""
        with ThreadPoolExecutor(max_workers=24) as pool:
            outcomes = pool.map(lambda p: self.connect(*p), probes)
            return dict(zip(probes, outcomes, strict=True))

    # --- Ansible -----------------------------------------------------------------------------
    def playbook(self, name: str, extra_vars: dict, *flags, environment=None, callback="ansible.posix.json"):
        """ansible-playbook against the router; returns (returncode, stdout, stderr)."""
        vars_file = self.state / "extra_vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
        env.update(PATH=f"{BIN}:{os.environ['PATH']}", ANSIBLE_NOCOLOR="1", NO_COLOR="1",
                   ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"),
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0")
        env.update(environment or {})
        proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(PLAYBOOKS / name),
                               "-e", f"@{vars_file}", *flags], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    def apply(self, view: dict, *flags) -> dict:
        """Apply a view through the role's nftables provider; the module's result."""
        rc, out, err = self.playbook("nftables_role.yml", {"__exchange_firewall_firewall": view}, *flags)
        result = task_results(out)[0]
        assert (rc == 0) == (not result.get("failed")), f"rc={rc}\n{out[-3000:]}\n{err[-2000:]}"
        return result

    def calls(self, calls: list) -> list:
        """Call the module once per item (state, view, management_objects, environment); the results."""
        rc, out, err = self.playbook("nftables_calls.yml", {"nftables_calls": calls})
        assert rc == 0, f"{out[-3000:]}\n{err[-2000:]}"
        return task_results(out)[0]["results"]


def task_results(stdout: str, action: str = "exchange.firewall.nftables_ruleset") -> list:
    """The router's results of the module's tasks, from the ansible.posix.json callback's output."""
    data = json.loads(stdout[stdout.index("{"):])
    return [task["hosts"]["router"] for play in data["plays"] for task in play["tasks"]
            if task["hosts"].get("router", {}).get("action") == action]


def load_view(path: Path = LAB_VIEW) -> dict:
    return json.loads(path.read_text())


def lab_tag() -> str:
    """Unique per checkout and xdist worker: state directories and veth names never collide."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = worker[2:] if worker.startswith("gw") and worker[2:].isdigit() else "0"
    return hashlib.sha1(str(ROOT).encode()).hexdigest()[:4] + index
