"""Engine CPU time on generated inventories of 100, 500 and 2,000 hosts.

Prints, per size, the CPU time of topology validation and of the engine (best of N runs), and the
growth ratios against the 100-host baseline. Goal: 2,000 hosts under 1 s of engine CPU, linear
growth (the 2,000/100 time ratio close to the host ratio, 20).
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

from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine  # noqa: E402
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology  # noqa: E402

SIZES = (100, 500, 2000)


def inventory(n_hosts: int):
    """Exchange 2019 Mailbox servers across many sites (4-member DAGs), 2 DCs and a relay per site,
    an Edge per 10 sites, one client network per site. About n_hosts hosts in all."""
    per_site = 10  # 6 Mailbox, 2 DC, 1 relay, 1 witness
    sites = max(1, n_hosts // per_site)
    groups = {k: [] for k in ("all", "exchange_mailbox", "domain_controllers", "smtp_relays", "exchange_witness",
                              "exchange_edge")}
    hostvars, dags, clients = {}, {}, []
    n = 0

    def add(name, group, extra):
        nonlocal n
        n += 1
        addresses = [f"10.{n // 250}.{n % 250}.10", f"fd00::{n:x}"]
        hostvars[name] = dict(extra, exchange_firewall_addresses=addresses)
        groups[group].append(name)
        groups["all"].append(name)

    for s in range(sites):
        site = f"site{s:03d}"
        clients.append(f"172.{16 + s // 256}.{s % 256}.0/24")
        add(f"wit{s}", "exchange_witness", {})
        dags[f"DAG{s}"] = {"witness": f"wit{s}"}
        for m in range(6):
            mbx = {"exchange_firewall_version": "2019", "exchange_firewall_ad_site": site,
                   "exchange_firewall_dag": f"DAG{s}"}
            add(f"mbx{s}-{m}", "exchange_mailbox", mbx)
        for d in range(2):
            add(f"dc{s}-{d}", "domain_controllers", {})
        add(f"relay{s}", "smtp_relays", {})
    for e in range(max(1, sites // 10)):
        edge = {"exchange_firewall_version": "2019", "exchange_firewall_edge_site": f"site{e * 10:03d}"}
        add(f"edge{e}", "exchange_edge", edge)
    settings = {
        "exchange_firewall_networks": {"clients": clients, "management": ["192.168.5.0/24"],
                                       "smtp_clients": ["192.168.30.0/24"], "dns_servers": ["192.168.53.0/24"]},
        "exchange_firewall_dags": dags,
    }
    return groups, hostvars, settings


def best_cpu(fn, repeat):
    best = None
    result = None
    for _dummy in range(repeat):
        start = time.process_time()
        result = fn()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for size in SIZES:
        groups, hostvars, settings = inventory(size)
        t_topo, topo = best_cpu(lambda g=groups, h=hostvars, s=settings: topology.build(g, h, s), args.repeat)
        t_engine, plan = best_cpu(lambda t=topo: engine.plan(t), args.repeat)
        rules = sum(len(h["rules"]) for h in plan["hosts"].values())
        rows.append((len(hostvars), t_topo, t_engine, rules))
    base_hosts, base_topo, base_engine = rows[0][:3]
    print("plan_scale: CPU seconds, best of", args.repeat)
    print(f"{'hosts':>6} {'rules':>7} {'topology_s':>11} {'engine_s':>9} {'host_ratio':>10} {'engine_ratio':>12} "
          f"{'total_ratio':>11}")
    for hosts, t_topo, t_engine, rules in rows:
        print(f"{hosts:>6} {rules:>7} {t_topo:>11.3f} {t_engine:>9.3f} {hosts / base_hosts:>10.1f} "
              f"{t_engine / base_engine:>12.1f} {(t_topo + t_engine) / (base_topo + base_engine):>11.1f}")
    largest = rows[-1]
    growth = (largest[2] / base_engine) / (largest[0] / base_hosts)
    print(f"engine CPU for {largest[0]} hosts: {largest[2]:.3f} s (goal < 1 s): {'met' if largest[2] < 1 else 'NOT met'}")
    print(f"growth: engine time ratio / host ratio = {growth:.2f} (1.0 = linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
