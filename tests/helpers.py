"""Helpers for unit tests: load a real Ansible inventory, build small inventories in memory."""

from __future__ import annotations

import copy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_INVENTORY = ROOT / "examples" / "inventory"


def load_inventory(path=EXAMPLE_INVENTORY):
    """Parse an inventory with Ansible's own InventoryManager/VariableManager.

    Returns (groups, hostvars, settings) as the plan action plugin sees them on localhost.
    """
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain, settings_from

    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    variables = VariableManager(loader=loader, inventory=inventory)
    groups = {g.name: sorted(h.name for h in g.get_hosts()) for g in inventory.groups.values()}
    hostvars = {}
    for host in inventory.get_hosts():
        hv = variables.get_vars(host=host, include_hostvars=False)
        hostvars[host.name] = {k: plain(v) for k, v in hv.items()
                               if k.startswith("exchange_firewall_") or k in ("ansible_host", "ansible_network_os")}
    localhost = inventory.localhost or inventory.get_host("localhost")
    settings = settings_from(variables.get_vars(host=localhost, include_hostvars=False))
    return groups, hostvars, settings


BASE_SETTINGS = {
    "exchange_firewall_networks": {
        "clients": ["10.20.0.0/16"],
        "management": ["10.1.5.0/24"],
    },
}


def small_org():
    """A minimal valid organisation: two 2019 Mailbox servers in a DAG, a DC, a witness."""
    groups = {
        "all": ["dc1", "mbx1", "mbx2", "wit"],
        "exchange_mailbox": ["mbx1", "mbx2"],
        "domain_controllers": ["dc1"],
        "exchange_witness": ["wit"],
    }
    hostvars = {
        "mbx1": {"ansible_host": "10.1.10.11", "exchange_firewall_version": "2019",
                 "exchange_firewall_dag": "DAG1"},
        "mbx2": {"ansible_host": "10.1.10.12", "exchange_firewall_version": "2019",
                 "exchange_firewall_dag": "DAG1"},
        "dc1": {"ansible_host": "10.1.0.10"},
        "wit": {"ansible_host": "10.1.10.50"},
    }
    settings = copy.deepcopy(BASE_SETTINGS)
    settings["exchange_firewall_dags"] = {"DAG1": {"witness": "wit"}}
    return groups, hostvars, settings


def org2010():
    """Exchange 2010 organisation: a multi-role Client Access + Hub Transport server, two Mailbox servers in a
    DAG (one with public folder databases), UM, an Edge with two NICs, a DC and the DAG's witness."""
    groups = {
        "all": ["cas1", "dc1", "edge1", "mb1", "mb2", "um1", "wit1"],
        "exchange_client_access": ["cas1"], "exchange_hub_transport": ["cas1"], "exchange_mailbox": ["mb1", "mb2"],
        "exchange_unified_messaging": ["um1"], "exchange_edge": ["edge1"], "domain_controllers": ["dc1"],
        "exchange_witness": ["wit1"],
    }
    v = {"exchange_firewall_version": "2010"}
    hostvars = {
        "cas1": dict(v, ansible_host="10.5.0.14"),
        "mb1": dict(v, ansible_host="10.5.0.11", exchange_firewall_dag="DAG10", exchange_firewall_public_folders=True),
        "mb2": dict(v, ansible_host="10.5.0.12", exchange_firewall_dag="DAG10"),
        "um1": dict(v, ansible_host="10.5.0.18"),
        "edge1": dict(v, exchange_firewall_addresses=["10.5.1.19"], exchange_firewall_external_addresses=["198.51.100.19"]),
        "dc1": {"ansible_host": "10.5.0.20"},
        "wit1": {"ansible_host": "10.5.0.21"},
    }
    settings = {
        "exchange_firewall_networks": {"clients": ["10.20.0.0/16"], "management": ["10.1.5.0/24"],
                                       "um_gateways": ["10.7.0.0/24"], "dns_servers": ["10.5.0.20/32"],
                                       "public_dns_servers": ["192.0.2.53/32"]},
        "exchange_firewall_dags": {"DAG10": {"witness": "wit1"}},
    }
    return groups, hostvars, settings


def org2013():
    """Exchange 2013: a Client Access server, two Mailbox servers in a DAG, an Edge with two NICs, a reverse
    proxy, a DC and the DAG's witness; hybrid and external access on, outbound rules planned."""
    groups = {
        "all": ["c1", "d1", "e1", "m1", "m2", "rp1", "w1"],
        "exchange_client_access": ["c1"], "exchange_mailbox": ["m1", "m2"], "exchange_edge": ["e1"],
        "domain_controllers": ["d1"], "reverse_proxies": ["rp1"], "exchange_witness": ["w1"],
    }
    v = {"exchange_firewall_version": "2013", "exchange_firewall_ad_site": "A"}
    hostvars = {
        "c1": dict(v, ansible_host="10.6.0.3"),
        "m1": dict(v, ansible_host="10.6.0.1", exchange_firewall_dag="DAG13"),
        "m2": dict(v, ansible_host="10.6.0.2", exchange_firewall_dag="DAG13"),
        "e1": {"exchange_firewall_version": "2013", "exchange_firewall_addresses": ["10.6.1.1"],
               "exchange_firewall_external_addresses": ["203.0.113.1"]},
        "d1": {"ansible_host": "10.6.0.9"},
        "rp1": {"ansible_host": "10.6.2.1"},
        "w1": {"ansible_host": "10.6.0.21"},
    }
    settings = {
        "exchange_firewall_networks": {"clients": ["10.20.0.0/16"], "management": ["10.1.5.0/24"],
                                       "um_gateways": ["10.7.0.0/24"], "dns_servers": ["10.6.0.9/32"],
                                       "public_dns_servers": ["192.0.2.53/32"], "exchange_online": ["40.92.0.0/15"]},
        "exchange_firewall_dags": {"DAG13": {"witness": "w1"}},
        "exchange_firewall_features": {"hybrid": True, "external_access": True},
        "exchange_firewall_outbound": True,
    }
    return groups, hostvars, settings


def spec_from_doc(options: dict) -> dict:
    """An ansible-core argument spec rebuilt from a module's DOCUMENTATION options."""
    spec = {}
    for name, opt in (options or {}).items():
        entry = {"type": opt.get("type", "str")}
        for key in ("required", "choices", "elements", "default", "aliases", "no_log"):
            if key in opt:
                entry[key] = opt[key]
        if "suboptions" in opt:
            entry["options"] = spec_from_doc(opt["suboptions"])
        spec[name] = entry
    return spec


def module_doc(path) -> dict:
    """A module's DOCUMENTATION with its doc fragments merged, as ansible-doc shows it."""
    from ansible.plugins.loader import fragment_loader, init_plugin_loader
    from ansible.utils.plugin_docs import get_docstring

    init_plugin_loader()
    return get_docstring(str(path), fragment_loader, collection_name="exchange.firewall")[0]


def parse_powershell_hashtable(text: str):
    """The first PowerShell hashtable literal in ``text`` (for example an Ansible.Basic ``$spec``) as
    Python dicts/lists/values, read with the tree-sitter PowerShell grammar; a syntax error anywhere
    in ``text`` fails."""
    from powershell_grammar import first_hashtable

    return first_hashtable(text)


def expanded(plan: dict) -> dict:
    """The plan with every host's rules expanded (literal addresses and citations, schema-1 shaped)."""
    from ansible_collections.exchange.firewall.plugins.module_utils._plan_schema import expand_rules

    out = dict(plan, hosts={})
    for name, host in plan["hosts"].items():
        out["hosts"][name] = dict(host, rules=expand_rules(plan, name))
    return out


def patch_module_args(args: dict):
    """Expose ``args`` to AnsibleModule instances created in the context (as ansible-core 2.19's
    ``ansible.module_utils.testing.patch_module_args``, which older cores do not have)."""
    try:
        from ansible.module_utils.testing import patch_module_args as patch
    except ImportError:  # ansible-core < 2.19: AnsibleModule reads basic._ANSIBLE_ARGS
        import json
        from unittest import mock

        from ansible.module_utils import basic

        return mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    return patch(args)
