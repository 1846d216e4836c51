"""Apply a 40-rule plan to a real firewalld (in its own network namespace), three ways:

  (a) our role: exchange.firewall.exchange_firewall -> one firewalld_ruleset call for the whole set
  (b) a loop of ansible.posix.firewalld tasks, one rich rule per task
  (c) a single no-op ansible.posix.firewalld task: the floor of one playbook with one module call

Each is a full `ansible-playbook` run, timed by wall clock, median of --repeat runs; "from
scratch" restarts the namespace (firewalld with its default configuration) before each run.
Prints the times, the changed counts, and the ratios b/a (goal >= 10) and a/c (goal <= 1.5).
Needs root; sets up and tears down its own namespace.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETNS = ROOT / "tests" / "netns" / "netns.py"
BIN = Path(sys.executable).parent
N_RULES = 40


def rules():
    out = [{"name": "exfw-in-tcp-management", "direction": "in", "protocol": "tcp", "local_ports": ["22"],
            "remote_addresses": ["10.1.5.0/24"], "action": "allow"}]
    for i in range(N_RULES - 1):
        out.append({"name": f"exfw-in-tcp-app{i:02d}", "direction": "in", "protocol": "tcp",
                    "local_ports": [str(10000 + i)], "remote_addresses": [f"10.{100 + i // 200}.{i % 200}.0/24"],
                    "action": "allow"})
    return out


def rich_rules():
    return [f'rule family="ipv4" source address="{r["remote_addresses"][0]}" port port="{r["local_ports"][0]}" '
            f'protocol="tcp" accept' for r in rules()]


class Bench:
    def __init__(self, work: Path):
        self.work = work
        self.topology = {"state_dir": str(work / "ns"), "ttl": 1800, "link_prefix": "exfwb",
                         "hosts": {"fw": {"firewalld": True}}, "links": []}
        self.topo_file = work / "topology.json"
        self.topo_file.write_text(json.dumps(self.topology))
        (work / "inventory.yml").write_text(
            "all:\n  hosts:\n    fw:\n      ansible_connection: local\n"
            f"      ansible_python_interpreter: {work / 'ns' / 'fw' / 'python'}\n")
        plan = {"exchange_firewall_plan": {"hosts": {"fw": {"platform": "linux", "rules": rules()}}}}
        (work / "plan.json").write_text(json.dumps(plan))
        (work / "role.yml").write_text(
            "- hosts: fw\n  gather_facts: false\n  roles:\n    - role: exchange.firewall.exchange_firewall\n")
        (work / "loop.yml").write_text(
            "- hosts: fw\n  gather_facts: false\n  tasks:\n    - ansible.posix.firewalld:\n"
            "        zone: internal\n        rich_rule: '{{ item }}'\n        permanent: true\n"
            "        immediate: true\n        state: enabled\n      loop: " + json.dumps(rich_rules()) + "\n")
        (work / "noop.yml").write_text(
            "- hosts: fw\n  gather_facts: false\n  tasks:\n    - ansible.posix.firewalld:\n"
            "        zone: internal\n        rich_rule: '" + rich_rules()[0] + "'\n        permanent: true\n"
            "        immediate: true\n        state: enabled\n")

    def fresh(self):
        subprocess.run(["/usr/bin/python3", str(NETNS), "up", str(self.topo_file)], check=True, timeout=120)

    def down(self):
        subprocess.run(["/usr/bin/python3", str(NETNS), "down", str(self.topo_file)], check=False, timeout=120)

    def play(self, name: str, *extra) -> tuple[float, int]:
        paths = f"{ROOT / 'collections'}:{os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')}"
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=paths, ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
        cmd = [str(BIN / "ansible-playbook"), "-i", str(self.work / "inventory.yml"), str(self.work / name), *extra]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        changed = int(re.search(r"fw\s+: ok=\d+\s+changed=(\d+)", proc.stdout).group(1))
        return elapsed, changed

    def zone_rules(self, zone):
        out = subprocess.run(["/usr/bin/python3", str(NETNS), "exec", str(self.topo_file), "fw", "--",
                              "firewall-cmd", f"--zone={zone}", "--list-rich-rules"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        return [line for line in out.splitlines() if line]


def median_runs(bench: Bench, playbook: str, repeat: int, scratch: bool, extra=()):
    times, changed = [], []
    for _run in range(repeat):
        if scratch:
            bench.fresh()
        elapsed, n_changed = bench.play(playbook, *extra)
        times.append(elapsed)
        changed.append(n_changed)
    return statistics.median(times), changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("firewalld_apply: needs root (network namespaces)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="exfw-bench-") as tmp:
        bench = Bench(Path(tmp))
        plan = ["-e", f"@{Path(tmp) / 'plan.json'}"]
        try:
            a_scratch, a_changed = median_runs(bench, "role.yml", args.repeat, True, plan)
            assert sorted(bench.zone_rules("exfw")) == sorted(rich_rules()), "role did not apply the 40 rules"
            a_rerun, a_rerun_changed = median_runs(bench, "role.yml", args.repeat, False, plan)
            b_scratch, b_changed = median_runs(bench, "loop.yml", args.repeat, True)
            assert sorted(bench.zone_rules("internal")) == sorted(rich_rules()), "loop did not apply the 40 rules"
            b_rerun, b_rerun_changed = median_runs(bench, "loop.yml", args.repeat, False)
            c_noop, c_changed = median_runs(bench, "noop.yml", args.repeat, False)
        finally:
            bench.down()
    print(f"firewalld_apply: {N_RULES}-rule plan, wall seconds, median of {args.repeat}")
    print(f"{'run':<44} {'seconds':>8} {'changed':>10}")
    for label, seconds, changed in (
        ("(a) role, one firewalld_ruleset call, scratch", a_scratch, a_changed),
        ("(a) role, re-run", a_rerun, a_rerun_changed),
        ("(b) loop of ansible.posix.firewalld, scratch", b_scratch, b_changed),
        ("(b) loop, re-run", b_rerun, b_rerun_changed),
        ("(c) one no-op ansible.posix.firewalld task", c_noop, c_changed),
    ):
        print(f"{label:<44} {seconds:>8.2f} {','.join(map(str, changed)):>10}")
    print(f"speed-up b/a from scratch: {b_scratch / a_scratch:.1f}x (goal >= 10x); re-run: {b_rerun / a_rerun:.1f}x")
    print(f"a/c from scratch: {a_scratch / c_noop:.2f} (goal <= 1.5); re-run: {a_rerun / c_noop:.2f}")
    print(f"role re-run changed: {a_rerun_changed} (goal: all 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
