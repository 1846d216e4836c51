# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side glue shared by the ``plan`` filter and the ``plan`` action plugin.

Reads only the variables the planner needs from Ansible's lazy hostvars, applies the JMESPath
flow selection (jmespath is a controller dependency, so it is kept out of the pure engine), and
runs topology -> engine.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
from collections.abc import Mapping
from pathlib import Path

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.module_utils._inputs import Collector, to_bool
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError

PREFIX = "exchange_firewall_"
SELECT_VARS = ("flows_include", "flows_exclude")


def plain(value):
    """Convert Ansible's lazy/tagged containers to plain Python types."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return str(value)


HOST_KEYS = frozenset([PREFIX + k for k in topology.HOST_VARS] + [PREFIX + "provider", "ansible_host",
                                                                  "ansible_network_os"])


def host_vars(hostvars, hosts) -> dict:
    """Each host's own planner variables, templated; the names of its other ``exchange_firewall_*``.

    Organisation-wide settings (networks, DAGs...) reach every host through group_vars; they are
    read once, from the play's variables, and only their names are collected per host (so that a
    misspelt variable is still found), which keeps this linear in the number of hosts.
    """
    out = {}
    for host in hosts:
        hv = hostvars[host]
        wanted = {}
        others = []
        for key in hv.keys():
            if key in HOST_KEYS:
                wanted[key] = plain(hv[key])
            elif key.startswith(PREFIX):
                others.append(key)
        if others:
            wanted[topology.OTHER_NAMES] = sorted(others)
        out[host] = wanted
    return out


def settings_from(variables) -> dict:
    return {k: plain(variables[k]) for k in list(variables.keys()) if str(k).startswith(PREFIX)}


def _select(expression, flows, variable):
    if expression is None or expression == "":
        return None
    try:
        import jmespath
        from jmespath.exceptions import JMESPathError
    except ImportError:  # pragma: no cover - jmespath is in requirements.txt
        raise PlanError("organisation", PREFIX + variable, "needs the 'jmespath' Python package on the controller") from None
    try:
        result = jmespath.search(expression, flows)
    except (JMESPathError, TypeError, ValueError) as exc:
        raise PlanError("organisation", PREFIX + variable, f"invalid JMESPath expression {expression!r}: {exc}") from None
    if result is None:
        return []
    if not isinstance(result, list):
        raise PlanError("organisation", PREFIX + variable, "the expression must return a list of flows or flow ids, "
                        f"got {type(result).__name__}")
    ids = []
    for item in result:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.append(item["id"])
        elif isinstance(item, str):
            ids.append(item)
        else:
            raise PlanError("organisation", PREFIX + variable, f"the expression returned {item!r}, "
                            "not a flow or a flow id")
    return ids


def _get(settings: dict, key: str):
    return settings.get(PREFIX + key, settings.get(key))


def collection_version() -> str:
    """This collection's version: MANIFEST.json when installed, galaxy.yml in a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        return json.loads((root / "MANIFEST.json").read_text())["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        match = re.search(r"^version:\s*['\"]?([^'\"\s]+)", (root / "galaxy.yml").read_text(), re.M)
    except OSError:
        match = None
    return match.group(1) if match else "unknown"


def fingerprint(groups, hostvars: dict, settings: dict) -> str:
    """A hash of everything the planner reads: the same inventory always gives the same fingerprint."""
    data = json.dumps([groups, hostvars, settings], sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def non_default_settings(settings: dict) -> dict:
    """The organisation settings (and toggles) given a value other than the default, as short text."""
    out = {}
    for key, default in topology.SETTING_DEFAULTS.items():
        value = _get(settings, key)
        if value is None or value == default:
            continue
        if key == "features":
            for name, on in sorted(value.items()):
                spec = topology.catalog.FEATURES.get(name)
                if spec is None or on != spec["default"]:
                    out[f"features.{name}"] = json.dumps(on)
        elif isinstance(value, (dict, list)):
            out[key] = f"{len(value)} entries"
        else:
            out[key] = json.dumps(value)
    for key in SELECT_VARS:
        if _get(settings, key):
            out[key] = str(_get(settings, key))
    return out


def _is_ip(text) -> bool:
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True


def _addressed_hosts(groups: dict, hostvars: dict, settings: dict) -> set:
    """The hosts whose addresses the plan uses: members of a role's groups, hosts with explicit
    roles, and hosts a network firewall's zones name (directly or through a group)."""
    role_groups = {role: [spec["group"]] for role, spec in catalog.ROLES.items()}
    custom = _get(settings, "role_groups")
    if isinstance(custom, dict):
        role_groups.update({role: group if isinstance(group, list) else [group] for role, group in custom.items()})
    hosts = {host for names in role_groups.values() for group in names if isinstance(group, str)
             for host in groups.get(group, [])}
    for host, hvars in hostvars.items():
        if hvars.get(PREFIX + "roles"):
            hosts.add(host)
        zones = hvars.get(PREFIX + "zones")
        for spec in (zones.values() if isinstance(zones, dict) else []):
            if isinstance(spec, dict):
                hosts.update(h for h in (spec.get("hosts") or []) if isinstance(h, str))
                hosts.update(h for g in (spec.get("groups") or []) if isinstance(g, str) for h in groups.get(g, []))
    return hosts


def resolve_addresses(groups: dict, hostvars: dict, settings: dict, lookup=socket.getaddrinfo) -> tuple:
    """With exchange_firewall_resolve_addresses, the addresses of hosts known only by name.

    A host without exchange_firewall_addresses whose ansible_host (or, without one, inventory
    name) is not an IP address gets every A and AAAA record of that name, resolved here on the
    controller, as its exchange_firewall_addresses. Returns (hostvars, {host: {name, addresses}});
    the inputs are not changed. Off (the default), nothing is resolved: the plan then depends on
    the inventory alone.
    """
    enabled = to_bool(_get(settings, "resolve_addresses") or False, "organisation", PREFIX + "resolve_addresses")
    if not enabled:
        return hostvars, {}
    out, resolved, errors = dict(hostvars), {}, Collector()
    for host in sorted(_addressed_hosts(groups, hostvars, settings)):
        hvars = hostvars.get(host, {})
        name = hvars.get("ansible_host", host)
        if hvars.get(PREFIX + "addresses") is not None or not isinstance(name, str) or _is_ip(name):
            continue
        try:
            records = lookup(name, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            errors.errors.append(PlanError(f"host '{host}'", PREFIX + "addresses", f"ansible_host {name!r} does not "
                                           f"resolve on the controller ({getattr(exc, 'strerror', None) or exc}); "
                                           "set exchange_firewall_addresses"))
            continue
        addresses = {ipaddress.ip_address(r[4][0].split("%", 1)[0]) for r in records
                     if r[0] in (socket.AF_INET, socket.AF_INET6)}
        if not addresses:
            errors.errors.append(PlanError(f"host '{host}'", PREFIX + "addresses",
                                           f"ansible_host {name!r} has no A or AAAA record"))
            continue
        ordered = [str(a) for a in sorted(addresses, key=lambda a: (a.version, a))]
        out[host] = dict(hvars, **{PREFIX + "addresses": ordered})
        resolved[host] = {"name": name, "addresses": ordered}
    errors.check()
    return out, resolved


def build_plan(groups, hostvars: dict, settings: dict, lookup=socket.getaddrinfo) -> dict:
    """groups/hostvars/settings as plain dicts -> the plan. Raises PlanError on bad input."""
    hostvars, resolved = resolve_addresses(groups, hostvars, settings, lookup)
    topo = topology.build(groups, hostvars, settings)
    include, exclude = None, None
    if _get(settings, "flows_include") or _get(settings, "flows_exclude"):
        candidates = [engine.public_flow(f) for f in engine.select_flows(topo)]
        include = _select(_get(settings, "flows_include"), candidates, "flows_include")
        exclude = _select(_get(settings, "flows_exclude"), candidates, "flows_exclude")
    plan = engine.plan(topo, include, exclude)
    if resolved:
        # Which addresses came from DNS (and from which name), for the reviewer.
        plan["resolved_addresses"] = resolved
    plan["peer_hosts"] = peer_hosts(topo, plan)
    return plan


def peer_hosts(topo: dict, plan: dict) -> dict:
    """The hosts of the topology without a rule set of their own (domain controllers, network
    firewalls), with their roles, AD site and addresses: lets the reports put every host's name beside
    its addresses in the address objects (the planned hosts carry theirs in ``hosts``)."""
    return {name: {"roles": list(host["roles"]), "ad_site": host["ad_site"],
                   "addresses": [str(a) for a in host["addresses"]],
                   "external_addresses": [str(a) for a in host.get("external_addresses") or []]}
            for name, host in sorted(topo["hosts"].items()) if name not in plan["hosts"]}
