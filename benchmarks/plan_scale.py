"""Engine CPU time alone (topology + engine, in-process) on generated organisations.

This is the inner function only: what a user waits for is the whole `ansible-playbook` run,
measured by benchmarks/playbook_scale.py, which prints this share beside the wall time.

Prints, per size, the CPU time of topology validation and of the engine (best of --repeat), the
growth ratio against the previous size, and the goals: engine CPU for 2,000 hosts < 1 s, and
engine(2,000)/engine(500) <= 4.5 for 4x the hosts (linear, with room for noise). "met" only when
every goal is met.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
link = ROOT / "collections" / "ansible_collections" / "exchange" / "firewall"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink("../../..", link)
sys.path.insert(0, str(ROOT / "collections"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import orggen  # noqa: E402

from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine  # noqa: E402
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology  # noqa: E402

SIZES = (100, 500, 2000, 10000)


def best_cpu(fn, repeat):
    best, result = None, None
    for _dummy in range(repeat):
        start = time.process_time()
        result = fn()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    rows = {}
    for size in args.sizes:
        groups, hostvars, settings = orggen.planner_view(*orggen.organisation(size))
        t_topo, topo = best_cpu(lambda g=groups, h=hostvars, s=settings: topology.build(g, h, s), args.repeat)
        t_engine, plan = best_cpu(lambda t=topo: engine.plan(t), args.repeat)
        rules = sum(len(h["rules"]) for h in plan["hosts"].values())
        rows[size] = (len(hostvars), rules, t_topo, t_engine)
    print(f"plan_scale: engine only (in-process CPU seconds, best of {args.repeat}); the whole run: playbook_scale.py")
    print(f"{'hosts':>6} {'rules':>7} {'topology_s':>11} {'engine_s':>9} {'x hosts':>8} {'x engine':>9}")
    previous = None
    for hosts, rules, t_topo, t_engine in rows.values():
        growth = f"{hosts / previous[0]:>8.1f} {t_engine / previous[3]:>9.2f}" if previous else f"{'-':>8} {'-':>9}"
        print(f"{hosts:>6} {rules:>7} {t_topo:>11.3f} {t_engine:>9.3f} {growth}")
        previous = (hosts, rules, t_topo, t_engine)
    goals = []
    if 2000 in rows:
        goals.append(("engine CPU for 2,000 hosts < 1 s", rows[2000][3], rows[2000][3] < 1))
    if 500 in rows and 2000 in rows:
        ratio = rows[2000][3] / rows[500][3]
        goals.append(("engine(2,000)/engine(500) <= 4.5 (4x the hosts)", ratio, ratio <= 4.5))
    if 2000 in rows and 10000 in rows:
        ratio = rows[10000][3] / rows[2000][3]
        goals.append(("engine(10,000)/engine(2,000) (5x the hosts; reported)", ratio, True))
    for text, value, ok in goals:
        print(f"  {text:<52} {value:>7.2f}  {'ok' if ok else 'NOT MET'}")
    complete = 500 in rows and 2000 in rows
    print(f"goals: {'met' if complete and all(ok for *_x, ok in goals) else 'NOT met' if complete else 'not all measured'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
