"""The whole plan run at scale, as a user runs it: `ansible-playbook exchange_firewall.yml`.

For generated organisations of about 100, 500, 2,000 and 10,000 hosts (benchmarks/orggen.py:
many AD sites, a DAG, an Edge, two DCs, a witness and a relay per site, a client network per
site), written as inventory files and loaded by Ansible itself, it measures:

  wall      the whole `ansible-playbook exchange_firewall.yml` plan run (median of --repeat)
  engine    the share of it spent in topology + engine (reported by the plan task itself)
  rss       peak resident memory of the largest process of the run
  plan.json size, and the growth ratios between sizes
  apply     the apply path up to contacting managed hosts (benchmarks/playbooks/apply_orchestration.yml):
            plan, target selection and every target's own rule set resolved, nothing connected

and prints them beside the goals: 2,000 hosts <= 15 s and 10,000 hosts <= 60 s wall,
time(2,000)/time(500) <= 5 and bytes(2,000)/bytes(500) <= 5, peak RSS at 2,000 hosts <= 200 MB.
"met" is printed only when every goal is met.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import orggen  # noqa: E402

BIN = Path(sys.executable).parent
SIZES = (100, 500, 2000, 10000)
# Measured on this machine before address objects and the one-task write (schema 1): wall s, plan.json MB, RSS MB.
BEFORE = {100: (35.5, 0.77, 66), 500: (157.0, 7.0, 96), 2000: (722.0, 76.0, 456)}
RSS_WRAPPER = ("import resource, subprocess, sys\n"
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "sys.exit(code)\n")


def run(inventory: Path, playbook: Path, out: Path, timings: Path, mode: str) -> dict:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"),
               ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "benchmarks" / "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="exfw_timings", EXFW_TIMINGS_FILE=str(timings))
    cmd = [sys.executable, "-c", RSS_WRAPPER, str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook),
           "-e", f"exchange_firewall_output_dir={out}", "-e", f"exchange_firewall_mode={mode}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook failed ({playbook.name}, {inventory}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return {"wall": wall, "rss_mb": int(proc.stdout.split()[-1]) / 1024, "timings": json.loads(timings.read_text())}


def measure(size: int, work: Path, repeat: int) -> dict:
    inventory = work / f"org-{size}"
    hosts = orggen.write_inventory(inventory, size)
    plan_runs, apply_runs = [], []
    for index in range(repeat):
        # A fresh output directory each time: the first write of the whole set is what is timed.
        plan_runs.append(run(inventory, ROOT / "exchange_firewall.yml", work / f"out-{size}-{index}",
                             work / "timings.json", "plan"))
        apply_runs.append(run(inventory, ROOT / "benchmarks" / "playbooks" / "apply_orchestration.yml",
                              work / f"apply-{size}-{index}", work / "timings.json", "apply"))
    best = sorted(plan_runs, key=lambda r: r["wall"])[len(plan_runs) // 2]
    plan_bytes = (work / f"out-{size}-0" / "plan.json").stat().st_size
    total_bytes = sum(p.stat().st_size for p in (work / f"out-{size}-0").rglob("*") if p.is_file())
    return {
        "hosts": hosts, "wall": statistics.median(r["wall"] for r in plan_runs),
        "engine": best["timings"]["engine_s"], "inventory": best["timings"]["inventory_s"],
        "render": best["timings"].get("render_s", 0.0), "write": best["timings"].get("write_s", 0.0),
        "rss": max(r["rss_mb"] for r in plan_runs), "plan_mb": plan_bytes / 1e6, "all_mb": total_bytes / 1e6,
        "apply": statistics.median(r["wall"] for r in apply_runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per size up to 2,000 hosts (larger: 1)")
    parser.add_argument("--keep", help="keep inventories and outputs in this directory")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="exfw-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = {}
    for size in args.sizes:
        rows[size] = measure(size, work, args.repeat if size <= 2000 else 1)
    print("playbook_scale: `ansible-playbook exchange_firewall.yml` (plan mode), generated organisations")
    print(f"{'hosts':>6} {'wall_s':>7} {'engine_s':>8} {'engine%':>7} {'inv_s':>6} {'render_s':>8} {'write_s':>7} "
          f"{'rss_MB':>7} {'plan_MB':>7} {'all_MB':>7} {'apply_s':>7} | before: {'wall_s':>6} {'plan_MB':>7} {'rss_MB':>6}")
    for size, r in rows.items():
        before = BEFORE.get(size)
        ref = f"{before[0]:>14.1f} {before[1]:>7.2f} {before[2]:>6}" if before else f"{'-':>14} {'-':>7} {'-':>6}"
        print(f"{r['hosts']:>6} {r['wall']:>7.2f} {r['engine']:>8.3f} {100 * r['engine'] / r['wall']:>6.1f}% "
              f"{r['inventory']:>6.2f} {r['render']:>8.2f} {r['write']:>7.2f} {r['rss']:>7.0f} {r['plan_mb']:>7.2f} "
              f"{r['all_mb']:>7.2f} {r['apply']:>7.2f} | {ref}")
    goals = []
    if 2000 in rows:
        goals.append(("2,000 hosts wall <= 15 s", rows[2000]["wall"], rows[2000]["wall"] <= 15))
        goals.append(("2,000 hosts peak RSS <= 200 MB", rows[2000]["rss"], rows[2000]["rss"] <= 200))
    if 10000 in rows:
        goals.append(("10,000 hosts wall <= 60 s", rows[10000]["wall"], rows[10000]["wall"] <= 60))
    if 500 in rows and 2000 in rows:
        t_ratio = rows[2000]["wall"] / rows[500]["wall"]
        b_ratio = rows[2000]["plan_mb"] / rows[500]["plan_mb"]
        goals.append(("wall(2,000)/wall(500) <= 5", t_ratio, t_ratio <= 5))
        goals.append(("plan.json(2,000)/plan.json(500) <= 5", b_ratio, b_ratio <= 5))
    if 2000 in rows and 10000 in rows:
        goals.append(("wall(10,000)/wall(2,000) (5x hosts)", rows[10000]["wall"] / rows[2000]["wall"], True))
        goals.append(("plan.json(10,000)/plan.json(2,000) (5x hosts)", rows[10000]["plan_mb"] / rows[2000]["plan_mb"],
                      True))
    for text, value, ok in goals:
        print(f"  {text:<48} {value:>9.2f}  {'ok' if ok else 'NOT MET'}")
    missing = [s for s in (500, 2000, 10000) if s not in rows]
    if missing:
        print(f"goals: not all measured (sizes {', '.join(map(str, missing))} missing)")
    else:
        print(f"goals: {'met' if all(ok for _t, _v, ok in goals) else 'NOT met'}")
    print(f"inventories and outputs: {work}" if args.keep else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
