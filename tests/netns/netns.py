"""Test hosts as Linux network namespaces, some running their own firewalld and D-Bus.

    netns.py up TOPOLOGY.json     bring every namespace and link up (idempotent: down first)
    netns.py down TOPOLOGY.json   stop every process in the namespaces (those started by `up`, and any
                                  other, such as TCP listeners) and remove the namespaces
    netns.py exec TOPOLOGY.json NAME -- CMD...   run a command inside a namespace

A firewalld host is `setsid unshare --net --mount --propagation private` running a small shell
script: tmpfs over /run (its own D-Bus system socket), a bind-mounted private copy of
/etc/firewalld, loopback up, `dbus-daemon --system`, `firewalld --nofork --nopid`, and an anchor
process whose PID `nsenter` targets. A client is a bare network namespace. A router is a bare
network namespace with IPv4 and IPv6 forwarding on (its own sysctls; nftables works in it as in
any namespace). Links are veth pairs. Nothing outside the namespaces is configured; every wait has
a timeout.

Topology JSON:
  {"state_dir": "/tmp/exfw-lab", "ttl": 3600, "link_prefix": "exfw",
   "hosts": {"relay01": {"firewalld": true}, "apps": {}},
   "links": [{"a": "relay01", "a_addr": ["10.250.1.1/24", "fd00:250:1::1/64"],
              "b": "apps", "b_addr": ["10.250.1.2/24", "fd00:250:1::2/64"]}]}

Optional keys: a host's "router": true (forwarding on) and "routes": ["default via 10.250.1.1",
"default via fd00:250:1::1"] (`ip route add` / `ip -6 route add` once the links are up); a link's
"a_name" / "b_name" (the interface names inside the namespaces; the veth pair is created under a
unique name and renamed once it is inside).

For each host, `up` writes <state_dir>/<name>/python: an interpreter wrapper that runs
/usr/bin/python3 inside the namespace (use it as ansible_python_interpreter with connection local).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HOST_SCRIPT = r"""
set -eu
state="$1"; ttl="$2"
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/dbus /run/firewalld
mount --bind "$state/etc-firewalld" /etc/firewalld
ip link set lo up
dbus-daemon --system --fork --print-pid=3 3>"$state/dbus.pid"
firewalld --nofork --nopid --log-target file --log-file "$state/firewalld.log" </dev/null >/dev/null 2>&1 &
echo $! > "$state/firewalld.pid"
echo $$ > "$state/anchor.pid"
exec sleep "$ttl"
"""

CLIENT_SCRIPT = r"""
set -eu
state="$1"; ttl="$2"
ip link set lo up
echo $$ > "$state/anchor.pid"
exec sleep "$ttl"
"""

WRAPPER = """#!/bin/sh
# Runs Debian's python3 (which has the firewalld bindings) inside the test namespace.
exec nsenter -t {pid} -n -m -- /usr/bin/python3 "$@"
"""

ROUTER_WRAPPER = """#!/bin/sh
# Runs Debian's python3 inside the namespace's network namespace (a router or a client).
exec nsenter -t {pid} -n -- /usr/bin/python3 "$@"
"""

FORWARDING = ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]


def run(cmd, timeout=30, check=True, **kw):
    return subprocess.run(cmd, timeout=timeout, check=check, capture_output=True, text=True, **kw)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"netns: timed out after {timeout}s waiting for {what}")


def anchor(state: Path) -> int:
    return int((state / "anchor.pid").read_text().strip())


def alive(pid: int) -> bool:
    """True while the process runs (a zombie waiting for a parent that never reaps it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def nsenter(pid: int, args, mount=False, timeout=30, check=True):
    cmd = ["nsenter", "-t", str(pid), "-n"] + (["-m"] if mount else []) + ["--"] + list(args)
    return run(cmd, timeout=timeout, check=check)


def start_host(name: str, spec: dict, root: Path, ttl: int) -> None:
    state = root / name
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    firewalld = bool(spec.get("firewalld"))
    if firewalld:
        shutil.copytree("/etc/firewalld", state / "etc-firewalld", symlinks=True)
        script, flags = HOST_SCRIPT, ["--net", "--mount", "--propagation", "private"]
    else:
        script, flags = CLIENT_SCRIPT, ["--net"]
    (state / "start.sh").write_text(script)
    log = open(state / "start.log", "w")  # noqa: SIM115 - kept open by the child
    subprocess.Popen(["setsid", "unshare", *flags, "--", "sh", str(state / "start.sh"), str(state), str(ttl)],
                     stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    wait_for((state / "anchor.pid").exists, 15, f"namespace {name}")
    pid = anchor(state)
    if firewalld:
        wait_for(lambda: nsenter(pid, ["firewall-cmd", "--state"], mount=True, check=False).stdout.strip()
                 == "running", 60, f"firewalld in {name}")
        wrapper = state / "python"
        wrapper.write_text(WRAPPER.format(pid=pid))
        wrapper.chmod(0o755)
    else:
        # Routers forward; every bare namespace (a router or a client) gets an interpreter wrapper,
        # so that Ansible can run modules inside it (a client as a verify source, for example).
        if spec.get("router"):
            nsenter(pid, ["sysctl", "-q", "-w", *FORWARDING])
        wrapper = state / "python"
        wrapper.write_text(ROUTER_WRAPPER.format(pid=pid))
        wrapper.chmod(0o755)


def add_link(link: dict, root: Path, index: int, prefix: str) -> None:
    a, b = link["a"], link["b"]
    pa, pb = anchor(root / a), anchor(root / b)
    if_a, if_b = f"{prefix}{index}a", f"{prefix}{index}b"
    run(["ip", "link", "add", if_a, "type", "veth", "peer", "name", if_b])
    run(["ip", "link", "set", if_a, "netns", str(pa)])
    run(["ip", "link", "set", if_b, "netns", str(pb)])
    for pid, ifname, addrs, name in ((pa, if_a, link.get("a_addr", []), link.get("a_name")),
                                     (pb, if_b, link.get("b_addr", []), link.get("b_name"))):
        if name:
            nsenter(pid, ["ip", "link", "set", ifname, "name", name])
            ifname = name
        for addr in addrs:
            extra = ["nodad"] if ":" in addr else []
            nsenter(pid, ["ip", "addr", "add", addr, "dev", ifname, *extra])
        nsenter(pid, ["ip", "link", "set", ifname, "up"])


def load(path: str) -> dict:
    """Read a topology; EXFW_NETNS_STATE_DIR overrides its state_dir (one per checkout or run)."""
    topo = json.loads(Path(path).read_text())
    if os.environ.get("EXFW_NETNS_STATE_DIR"):
        topo["state_dir"] = os.environ["EXFW_NETNS_STATE_DIR"]
    if "link_prefix" not in topo:
        # veth names live briefly in the machine's namespace: make them unique per state dir.
        topo["link_prefix"] = "x" + hashlib.sha1(topo["state_dir"].encode()).hexdigest()[:6]
    return topo


def up(topo: dict) -> None:
    down(topo)
    root = Path(topo["state_dir"])
    root.mkdir(parents=True, exist_ok=True)
    ttl = int(topo.get("ttl", 3600))
    for name, spec in sorted(topo["hosts"].items()):
        start_host(name, spec or {}, root, ttl)
    prefix = topo.get("link_prefix", "exfw")
    if not (prefix.isalnum() and len(prefix) <= 8):
        raise SystemExit("netns: link_prefix must be at most 8 letters or digits")
    for index, link in enumerate(topo.get("links", [])):
        add_link(link, root, index, prefix)
    for name, spec in sorted(topo["hosts"].items()):
        for route in (spec or {}).get("routes", []):
            family = ["-6"] if ":" in route else []
            nsenter(anchor(root / name), ["ip", *family, "route", "add", *route.split()])
    (root / "topology.json").write_text(json.dumps(topo, indent=2))


def _kill(pid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not alive(pid):
            return
        try:
            os.kill(pid, sig)
        except OSError:
            return
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)


def _netns_id(pid: int):
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def _processes_inside(anchors) -> list:
    """PIDs of the processes that live in the network namespaces of these anchors (not the anchors).

    Listeners and other helpers started with `exec` in a new session (setsid) are not in the
    anchor's session; they are found by their network namespace, which only this lab uses.
    """
    own = _netns_id(os.getpid())
    namespaces = {_netns_id(pid) for pid in anchors} - {None, own}
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in anchors and _netns_id(int(entry.name)) in namespaces:
            found.append(int(entry.name))
    return sorted(found)


def down(topo: dict) -> None:
    root = Path(topo["state_dir"])
    anchors = {anchor(root / name) for name in topo["hosts"] if (root / name / "anchor.pid").exists()}
    for pid in _processes_inside(anchors):
        _kill(pid)
    for name in sorted(topo["hosts"]):
        state = root / name
        for pidfile in ("firewalld.pid", "dbus.pid", "anchor.pid"):
            path = state / pidfile
            if path.exists():
                text = path.read_text().strip()
                if text.isdigit():
                    _kill(int(text))
        # Processes started later inside the namespace (listeners) share the session.
        if (state / "anchor.pid").exists():
            sid = anchor(state)
            run(["pkill", "-KILL", "-s", str(sid)], check=False)
        if state.exists():
            shutil.rmtree(state, ignore_errors=True)


def main(argv) -> int:
    if len(argv) < 3 or argv[1] not in ("up", "down", "exec"):
        print(__doc__, file=sys.stderr)
        return 2
    topo = load(argv[2])
    if argv[1] == "up":
        up(topo)
    elif argv[1] == "down":
        down(topo)
    else:
        name, cmd = argv[3], argv[argv.index("--") + 1:]
        firewalld = bool((topo["hosts"].get(name) or {}).get("firewalld"))
        result = nsenter(anchor(Path(topo["state_dir"]) / name), cmd, mount=firewalld, timeout=120, check=False)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
