"""Runs the Molecule scenario (namespaces with real firewalld, real traffic) and checks that the
machine's own network and firewall configuration are exactly the same afterwards."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from netns_fixtures import require_root

pytestmark = pytest.mark.firewalld
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def host_state() -> dict:
    """What the machine's own (root) network namespace looks like."""
    def out(*cmd):
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout

    etc = hashlib.sha256()
    for path in sorted(Path("/etc/firewalld").rglob("*")):
        if path.is_file():
            etc.update(path.name.encode() + path.read_bytes())
    return {
        "links": out("ip", "-o", "link", "show"),
        "addresses": out("ip", "-o", "addr", "show"),
        "routes": out("ip", "route", "show") + out("ip", "-6", "route", "show"),
        "nftables": out("nft", "list", "ruleset"),
        "etc_firewalld": etc.hexdigest(),
        "firewalld_in_root_ns": [pid for pid in out("pgrep", "-x", "firewalld").split() if _in_my_netns(pid)],
    }


def _in_my_netns(pid: str) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net")
    except OSError:
        return False


def test_molecule_scenario_and_the_host_network_is_untouched():
    require_root()
    before = host_state()
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", ANSIBLE_NOCOLOR="1", NO_COLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"))
    proc = subprocess.run([str(BIN / "molecule"), "test"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    for step in ("create", "converge", "idempotence", "check", "verify", "destroy"):
        assert re.search(rf"{step}\W+Executed: Successful", re.sub(r"\x1b\[[0-9;]*m", "", output)), step
    after = host_state()
    assert after == before
