"""Generated Exchange organisations for the benchmarks, in memory and as inventory files.

An organisation of about N hosts has N/10 AD sites. Each site has five Exchange 2019 Mailbox
servers in one DAG, two domain controllers, an Edge Transport server subscribed to the site (with
an internal and an external address), the DAG's file share witness and a Linux SMTP relay; every
site has its own client network. Every host has an IPv4 and an IPv6 address.
"""

from __future__ import annotations

from pathlib import Path

import yaml

PER_SITE = 10
GROUPS = ("exchange_mailbox", "domain_controllers", "exchange_edge", "exchange_witness", "smtp_relays",
          "network_firewalls")


def organisation(n_hosts: int, firewalls: bool = False):
    """(groups, hostvars, settings) with about ``n_hosts`` hosts, as the planner reads an inventory."""
    sites = max(1, n_hosts // PER_SITE)
    groups = {g: [] for g in GROUPS}
    hostvars, dags, clients = {}, {}, []
    counter = 0

    def add(name, group, extra, external=None):
        nonlocal counter
        counter += 1
        hi, lo = divmod(counter, 250)
        addresses = [f"10.{hi // 250}.{hi % 250}.{lo + 1}", f"fd00:{hi:x}::{lo + 1:x}"]
        if external:
            addresses.append(external)
        hostvars[name] = dict(extra, exchange_firewall_addresses=addresses)
        groups[group].append(name)

    for s in range(sites):
        site = f"site{s:04d}"
        clients.append(f"172.{16 + s // 256}.{s % 256}.0/24")
        dags[f"DAG{s:04d}"] = {"witness": f"wit{s:04d}"}
        add(f"wit{s:04d}", "exchange_witness", {})
        for m in range(5):
            add(f"mbx{s:04d}-{m}", "exchange_mailbox", {
                "exchange_firewall_version": "2019", "exchange_firewall_ad_site": site,
                "exchange_firewall_dag": f"DAG{s:04d}"})
        for d in range(2):
            add(f"dc{s:04d}-{d}", "domain_controllers", {})
        edge = {"exchange_firewall_version": "2019", "exchange_firewall_edge_site": site}
        add(f"edge{s:04d}", "exchange_edge", edge, external=f"198.{18 + s // 256}.{s % 256}.25")
        add(f"relay{s:04d}", "smtp_relays", {})
    settings = {
        "exchange_firewall_version": "2019",
        "exchange_firewall_networks": {"clients": clients, "management": ["192.168.5.0/24"],
                                       "smtp_clients": ["192.168.30.0/24"], "dns_servers": ["192.168.53.0/24"]},
        "exchange_firewall_dags": dags,
    }
    for host in hostvars.values():
        if "exchange_firewall_version" in host:
            del host["exchange_firewall_version"]
    groups["all"] = sorted(hostvars)
    return groups, hostvars, settings


def planner_view(groups, hostvars, settings):
    """What the planner sees: the organisation-wide version reaches every host through group_vars."""
    seen = {h: dict(v, exchange_firewall_version=settings["exchange_firewall_version"])
            for h, v in hostvars.items()}
    return groups, seen, settings


def write_inventory(directory: Path, n_hosts: int) -> int:
    """Write the organisation as an Ansible inventory (hosts.yml + group_vars/all.yml); return the host count."""
    groups, hostvars, settings = organisation(n_hosts)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "group_vars").mkdir(exist_ok=True)
    children = {g: {"hosts": {h: hostvars[h] for h in groups[g]}} for g in GROUPS if groups[g]}
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": children}}, sort_keys=True))
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump(settings, sort_keys=True))
    return len(hostvars)
