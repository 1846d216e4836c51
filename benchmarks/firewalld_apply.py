"""Apply a 40-rule plan to a real firewalld (in its own network namespace), timed as a user runs it.

  (a) the user's command: `ansible-playbook exchange_firewall.yml -e exchange_firewall_mode=apply` on an
      inventory whose relay needs 40 rules (39 extra flows + management): the plan is computed, written
      and applied in the same run, with one firewalld_ruleset call for the whole set
  (b) a loop of ansible.posix.firewalld tasks, one rich rule per task (the same 40 rules)
  (c) a single no-op ansible.posix.firewalld task: the floor of one playbook with one module call
  (a') the role alone, the plan injected with -e (no planning): a second, labelled figure

Runs are interleaved (a, b, a', c, a, b, ... ) so that machine load hits all of them alike; the
figures are medians of --repeat runs and the ratios are medians of the per-round (paired) ratios.
"From scratch" restarts the namespace (firewalld with its default configuration) before each run.
"Rules" are what the module reports added/removed (for the loop: tasks changed).
Goals: b/a >= 10 from scratch, a/c <= 1.5 on re-run (README). Needs root.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NETNS = ROOT / "tests" / "netns" / "netns.py"
BIN = Path(sys.executable).parent
N_RULES = 40


def networks():
    return {f"app{i:02d}": [f"10.{100 + i // 200}.{i % 200}.0/24"] for i in range(N_RULES - 1)}


def rich_rules():
    rules = ['rule family="ipv4" source address="10.1.5.0/24" port port="22" protocol="tcp" accept']
    for i, (_name, nets) in enumerate(sorted(networks().items())):
        rules.append(f'rule family="ipv4" source address="{nets[0]}" port port="{10000 + i}" protocol="tcp" accept')
    return rules


class Bench:
    def __init__(self, work: Path):
        self.work = work
        self.topology = {"state_dir": str(work / "ns"), "ttl": 1800, "link_prefix": "exfwb",
                         "hosts": {"fw": {"firewalld": True}}, "links": []}
        self.topo_file = work / "topology.json"
        self.topo_file.write_text(json.dumps(self.topology))
        python = str(work / "ns" / "fw" / "python")
        org = {
            "exchange_firewall_networks": dict(networks(), management=["10.1.5.0/24"]),
            "exchange_firewall_extra_flows": [
                {"id": f"app{i:02d}", "src": name, "dst": "smtp_relay", "ports": [10000 + i], "purpose": f"App {i}"}
                for i, name in enumerate(sorted(networks()))],
        }
        inventory = {"all": {"vars": org, "children": {"smtp_relays": {"hosts": {"fw": {
            "ansible_host": "10.1.20.25", "ansible_connection": "local", "ansible_python_interpreter": python}}}}}}
        (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
        (work / "role-inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {"fw": {
            "ansible_connection": "local", "ansible_python_interpreter": python}}}}))
        rules = [{"name": "exfw-in-tcp-management", "direction": "in", "protocol": "tcp", "local_ports": ["22"],
                  "remote_addresses": ["10.1.5.0/24"], "action": "allow"}]
        for i, (name, nets) in enumerate(sorted(networks().items())):
            rules.append({"name": f"exfw-in-tcp-{name}", "direction": "in", "protocol": "tcp",
                          "local_ports": [str(10000 + i)], "remote_addresses": nets, "action": "allow"})
        plan = {"schema_version": 1, "hosts": {"fw": {"platform": "linux", "rules": rules}}}
        (work / "plan.json").write_text(json.dumps({"exchange_firewall_plan": plan}))
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
        subprocess.run(["/usr/bin/python3", str(NETNS), "up", str(self.topo_file)], check=True, timeout=120,
                       capture_output=True)

    def down(self):
        subprocess.run(["/usr/bin/python3", str(NETNS), "down", str(self.topo_file)], check=False, timeout=120,
                       capture_output=True)

    def play(self, kind: str) -> tuple:
        """(seconds, rules or tasks changed) of one full ansible-playbook run."""
        paths = f"{ROOT / 'collections'}:{os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')}"
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=paths, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
        env.pop("SSH_CONNECTION", None)
        if kind == "user":
            cmd = ["-i", str(self.work / "inventory.yml"), str(ROOT / "exchange_firewall.yml"),
                   "-e", "exchange_firewall_mode=apply", "-e", f"exchange_firewall_output_dir={self.work / 'out'}"]
        elif kind == "role":
            cmd = ["-i", str(self.work / "role-inventory.yml"), str(self.work / "role.yml"),
                   "-e", f"@{self.work / 'plan.json'}"]
        else:
            cmd = ["-i", str(self.work / "role-inventory.yml"), str(self.work / f"{kind}.yml")]
        start = time.perf_counter()
        proc = subprocess.run([str(BIN / "ansible-playbook"), *cmd], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{kind} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        return elapsed, _changed(json.loads(proc.stdout[proc.stdout.index("{"):]))

    def zone_rules(self, zone):
        out = subprocess.run(["/usr/bin/python3", str(NETNS), "exec", str(self.topo_file), "fw", "--",
                              "firewall-cmd", f"--zone={zone}", "--list-rich-rules"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        return [line for line in out.splitlines() if line]


def _changed(report: dict) -> str:
    """Rules added/removed by firewalld_ruleset, or the number of changed firewalld tasks."""
    added = removed = tasks = 0
    for play in report["plays"]:
        for task in play["tasks"]:
            result = task["hosts"].get("fw")
            if not result:
                continue
            if result.get("action") == "exchange.firewall.firewalld_ruleset":
                added += len(result.get("added", {}).get("rich_rules", []))
                removed += len(result.get("removed", {}).get("rich_rules", []))
            elif result.get("action") == "ansible.posix.firewalld":
                tasks += sum(1 for r in result.get("results", [result]) if r.get("changed"))
    return f"+{added}/-{removed}" if added or removed or not tasks else f"{tasks} tasks"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("firewalld_apply: needs root (network namespaces)", file=sys.stderr)
        return 1
    scratch = {k: [] for k in ("user", "loop", "role")}
    rerun = {k: [] for k in ("user", "loop", "role", "noop")}
    changes = {}
    with tempfile.TemporaryDirectory(prefix="exfw-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            for _round in range(args.repeat):
                for kind in ("user", "loop", "role"):
                    bench.fresh()
                    seconds, changed = bench.play(kind)
                    scratch[kind].append(seconds)
                    changes.setdefault(f"{kind} scratch", []).append(changed)
                    if kind in ("user", "role"):
                        assert sorted(bench.zone_rules("exfw")) == sorted(rich_rules()), f"{kind}: not the 40 rules"
                    else:
                        assert sorted(bench.zone_rules("internal")) == sorted(rich_rules()), "loop: not the 40 rules"
                    seconds, changed = bench.play(kind)
                    rerun[kind].append(seconds)
                    changes.setdefault(f"{kind} re-run", []).append(changed)
                seconds, changed = bench.play("noop")
                rerun["noop"].append(seconds)
        finally:
            bench.down()
    med = {f"{k} scratch": statistics.median(v) for k, v in scratch.items()}
    med.update({f"{k} re-run": statistics.median(v) for k, v in rerun.items()})

    def paired(a, b):
        return statistics.median(x / y for x, y in zip(a, b, strict=True))

    print(f"firewalld_apply: {N_RULES}-rule plan, wall seconds, median of {args.repeat} interleaved rounds")
    print(f"{'run':<58} {'seconds':>8}  rules changed per run")
    for label, key in (
        ("(a) exchange_firewall.yml apply (plan + write + apply), scratch", "user scratch"),
        ("(a) exchange_firewall.yml apply, re-run", "user re-run"),
        ("(b) loop of ansible.posix.firewalld, scratch", "loop scratch"),
        ("(b) loop, re-run", "loop re-run"),
        ("(c) one no-op ansible.posix.firewalld task", "noop re-run"),
        ("(a') role only, plan injected with -e (no planning), scratch", "role scratch"),
        ("(a') role only, re-run", "role re-run"),
    ):
        print(f"{label:<58} {med[key]:>8.2f}  {', '.join(changes.get(key, [])) or '-'}")
    b_over_a = paired(scratch["loop"], scratch["user"])
    a_over_c = paired(rerun["user"], rerun["noop"])
    print(f"paired b/a from scratch: {b_over_a:.1f}x (goal >= 10x): {'met' if b_over_a >= 10 else 'NOT met'}; "
          f"re-run: {paired(rerun['loop'], rerun['user']):.1f}x")
    print(f"paired a/c on re-run: {a_over_c:.2f} (goal <= 1.5): {'met' if a_over_c <= 1.5 else 'NOT met'}; "
          f"role-only a'/c: {paired(rerun['role'], rerun['noop']):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
