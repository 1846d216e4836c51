"""Runs the Molecule scenario (namespaces with real firewalld, real traffic) from two clones whose
folders have the same name, at the same time, with `make molecule` as a user does; both pass,
nothing of either is left running, and the machine's own network and firewall configuration
are exactly the same afterwards."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from netns_fixtures import require_root

pytestmark = [pytest.mark.firewalld, pytest.mark.molecule]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VENV = BIN.parent


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


def clone(parent: Path) -> Path:
    """The checkout's files in parent/<the checkout's folder name>, linked as a collection."""
    dest = parent / ROOT.name
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    link = dest / "collections" / "ansible_collections" / "exchange" / "firewall"
    link.parent.mkdir(parents=True)
    link.symlink_to("../../..")
    return dest


def processes_of(path: Path) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and str(path) in cmdline:
            found.append(f"{entry.name}: {cmdline}")
    return found


def test_two_clones_with_the_same_folder_name_run_the_scenario_at_once(tmp_path):
    require_root()
    before = host_state()
    clones = [clone(tmp_path / "first"), clone(tmp_path / "second")]
    assert clones[0].name == clones[1].name
    # Not the venv's activation: `make molecule` puts the venv on PATH itself.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MOLECULE_EPHEMERAL_DIRECTORY",
                                                            "ANSIBLE_COLLECTIONS_PATH", "EXFW_NETNS_STATE_DIR")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    runs = []
    for path in clones:
        log = (tmp_path / f"{path.parent.name}.log").open("w")
        runs.append((path, log, time.monotonic(),
                     subprocess.Popen(["make", "-s", "molecule", f"VENV={VENV}"], cwd=path, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)))
    spans = []
    for path, log, started, proc in runs:
        try:
            code = proc.wait(timeout=900)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
        spans.append((started, time.monotonic()))
        output = re.sub(r"\x1b\[[0-9;]*m", "", (tmp_path / f"{path.parent.name}.log").read_text())
        assert code == 0, f"{path.parent.name}: {output[-6000:]}"
        for step in ("create", "converge", "idempotence", "check", "verify", "destroy"):
            assert re.search(rf"{step}\W+Executed: Successful", output), f"{path.parent.name}: {step}"
    assert spans[1][0] < spans[0][1], "the two runs overlapped"
    for path in clones:
        assert not processes_of(path), f"left running: {processes_of(path)}"
        assert not (path / ".cache" / "molecule" / "default").exists(), "destroy removes the lab's state"
    assert host_state() == before
