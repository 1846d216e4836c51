# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn an Ansible inventory (groups, hostvars, organisation settings) into a validated topology.

Pure and stdlib-only. Every problem is a ``PlanError`` (a ``ValueError``) whose message names the
host (or ``organisation``) and the variable at fault; all problems of a run are reported at once
(``PlanErrors``), before anything else happens.
"""

from __future__ import annotations

import difflib
import gc
import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils import _zones
from ansible_collections.exchange.firewall.plugins.module_utils._inputs import (
    VAR,
    Collector,
    PlanError,
    PlanErrors,
    address,
    host_error,
    host_name,
    network,
    org_error,
    to_bool,
    to_dict,
    to_list,
    to_str,
)
from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, parse_port

__all__ = ["PlanError", "PlanErrors", "build", "collapse", "parse_ports"]

SETTING_DEFAULTS = {
    "networks": {},
    "role_groups": {},
    "dags": {},
    "features": {},
    "outbound": False,
    "allow_unverified": False,
    "intra_org": "allow_all",
    "allow_intra_org_filtering": False,
    "extra_flows": [],
    "internet_facing_networks": list(catalog.DEFAULT_INTERNET_FACING),
    "rule_prefix": "exfw",
    "rpc_dynamic_ports": None,
    "rpc_client_access_port": None,
    "address_book_port": None,
    "um_startup_mode": None,
    # Read by the controller-side planner before the topology (plugin_utils/_planner.py).
    "resolve_addresses": False,
}
BOOL_SETTINGS = ("outbound", "allow_intra_org_filtering")
_INTERNAL_EXCHANGE = frozenset(("mailbox", "client_access", "hub_transport", "unified_messaging"))
# Exchange 2010 static RPC ports (S18/S19): the MSExchangeRPC "TCP/IP Port" and MSExchangeAB "RpcTcpPort".
STATIC_RPC_SETTINGS = ("rpc_client_access_port", "address_book_port")
INTRA_ORG_CHOICES = ("allow_all", "per_port")
PROTOCOLS = ("tcp", "udp")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{1,11}$")
_FLOW_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
RESERVED_NETWORKS = ("organisation",)

HOST_VARS = ("roles", "version", "ad_site", "dag", "edge_site", "addresses", "external_addresses", "features",
             "zones", "network_default_action") + catalog.HOST_FLAGS
# Key under which a host's other exchange_firewall_* variable names may be passed (names only).
OTHER_NAMES = "__exchange_firewall_names__"
# Variables read by the roles and playbooks, not by the planner (the planner reads 'provider' of
# network firewalls).
CONTROLLER_VARS = ("mode", "output_dir", "flows_include", "flows_exclude", "plan", "provider", "purge",
                   "firewalld_zone", "firewalld_bind_sources", "firewalld_install", "management_ports",
                   "windows_group", "windows_harden_setup_rules", "windows_management_ports", "windows_scripts",
                   "network_state", "fortios_vdom", "fortios_policyid_base",
                   "panos_provider",
                   # reports, drift audit and live verification
                   "previous_plan", "report_template", "audit_fail_on_drift", "verify_sources", "verify_timeout",
                   "verify_closed_sample", "verify_fail_on_failure")
KNOWN_NAMES = frozenset(SETTING_DEFAULTS) | frozenset(HOST_VARS) | frozenset(CONTROLLER_VARS)


def _org(variable: str, message: str) -> PlanError:
    return org_error(variable, message)


def _host(host: str, variable: str, message: str) -> PlanError:
    return host_error(host, variable, message)


def parse_ports(ports, where: str, variable: str) -> list:
    """Validate ports ('443', 443, '5065-5068') and return sorted, merged range strings."""
    if not isinstance(ports, (list, tuple)):
        raise PlanError(where, variable, f"ports must be a list, got {ports!r}")
    ranges = []
    for item in ports:
        try:
            ranges.append(parse_port(item))
        except ValueError as exc:
            raise PlanError(where, variable, str(exc)) from None
    return format_ranges(merge_ranges(ranges))


def collapse(networks) -> list:
    """Collapse and sort a list of ip_network objects: IPv4 first, then IPv6."""
    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return list(ipaddress.collapse_addresses(v4)) + list(ipaddress.collapse_addresses(v6))


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(KNOWN_NAMES), n=1, cutoff=0.6)
    return f" (did you mean exchange_firewall_{close[0]}?)" if close else " (check the spelling)"


# ---- organisation settings ---------------------------------------------------------------------

def _settings(settings: dict) -> dict:
    errors = Collector()
    out = {}
    for key, default in SETTING_DEFAULTS.items():
        value = settings.get(VAR + key, settings.get(key))
        out[key] = default if value is None else value
    for key in sorted(settings):
        name = key[len(VAR):] if key.startswith(VAR) else key
        if name not in KNOWN_NAMES:
            errors.errors.append(_org(name, "unknown setting" + _did_you_mean(name) + " (see the README's variable table)"))
    for key in BOOL_SETTINGS:
        out[key] = errors.run(to_bool, out[key], "organisation", VAR + key, default=SETTING_DEFAULTS[key])
    for key in ("networks", "role_groups", "dags", "features"):
        if errors.run(to_dict, out[key], "organisation", VAR + key) is None:
            out[key] = {}
    out["dags"] = {str(name): spec for name, spec in out["dags"].items()}
    for key in ("extra_flows", "internet_facing_networks"):
        if errors.run(to_list, out[key], "organisation", VAR + key) is None:
            out[key] = SETTING_DEFAULTS[key]
    if out["intra_org"] not in INTRA_ORG_CHOICES:
        errors.errors.append(_org("intra_org", f"must be one of {', '.join(INTRA_ORG_CHOICES)}, got {out['intra_org']!r}"))
    elif out["intra_org"] != "allow_all" and not out["allow_intra_org_filtering"]:
        errors.errors.append(_org("intra_org", "'per_port' filters traffic inside the organisation (between Exchange "
                                  "servers, or between Exchange servers and domain controllers), which Microsoft "
                                  "does not support; set exchange_firewall_allow_intra_org_filtering: true to "
                                  "accept that explicitly"))
    if not isinstance(out["rule_prefix"], str) or not _PREFIX_RE.match(out["rule_prefix"]):
        errors.errors.append(_org("rule_prefix", "must be 2-12 lowercase letters/digits starting with a letter, "
                                  f"got {out['rule_prefix']!r}"))
    if out["rpc_dynamic_ports"] is not None:
        out["rpc_dynamic_ports"] = errors.run(parse_ports, out["rpc_dynamic_ports"], "organisation",
                                              VAR + "rpc_dynamic_ports")
    out["allow_unverified"] = errors.run(_allow_unverified, out["allow_unverified"], default=False)
    before = len(errors.errors)
    for key in STATIC_RPC_SETTINGS:
        if out[key] is not None:
            out[key] = errors.run(_static_rpc_port, key, out[key])
    if len(errors.errors) == before:
        errors.run(_check_static_rpc, out)
    if out["um_startup_mode"] is not None:
        out["um_startup_mode"] = errors.run(_um_startup_mode, out["um_startup_mode"])
    features = out["features"]
    for name in sorted(features):
        if name not in catalog.FEATURES:
            errors.errors.append(_org(f"features.{name}", f"unknown feature (known: {', '.join(sorted(catalog.FEATURES))})"))
        elif not (name == "direct_internet_mail" and features[name] == "auto"):
            features[name] = errors.run(to_bool, features[name], "organisation", f"{VAR}features.{name}",
                                        default=catalog.FEATURES[name]["default"])
    errors.check()
    return out


def _allow_unverified(value):
    """true/false (every unverified flow, or none), or a list of the unverified flow ids to enable."""
    variable = VAR + "allow_unverified"
    if not isinstance(value, list):
        try:
            return to_bool(value, "organisation", variable)
        except PlanError:
            raise PlanError("organisation", variable, "must be true, false or a list of unverified flow ids, "
                            f"got {value!r}") from None
    errors = Collector()
    known = {f["id"]: f for f in catalog.FLOWS}
    unverified = sorted(fid for fid, f in known.items() if not f["verified"])
    out = set()
    for item in value:
        if not isinstance(item, str):
            errors.errors.append(PlanError("organisation", variable, f"must list flow ids (strings), got {item!r}"))
        elif item not in known:
            close = difflib.get_close_matches(item, unverified, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see the catalog's unverified flows)"
            errors.errors.append(PlanError("organisation", variable, f"unknown flow id {item!r}{hint}"))
        elif known[item]["verified"]:
            errors.errors.append(PlanError("organisation", variable, f"flow {item!r} is verified, it is always "
                                           "planned; list only unverified flows"))
        else:
            out.add(item)
    errors.check()
    return sorted(out) or False


def _static_rpc_port(key: str, value) -> str:
    variable = VAR + key
    if isinstance(value, (list, dict, bool)):
        raise PlanError("organisation", variable, f"must be one TCP port, got {value!r}")
    ports = parse_ports([value], "organisation", variable)
    if "-" in ports[0]:
        raise PlanError("organisation", variable, f"must be one TCP port, not a range, got {value!r}")
    low, high = catalog.RPC_STATIC_LIMITS
    if not low <= int(ports[0]) <= high:
        raise PlanError("organisation", variable, f"port {ports[0]} is outside {low}-{high}, which the Exchange Best "
                        "Practices Analyzer reports as an error (gg191713)")
    return ports[0]


def _check_static_rpc(out: dict) -> None:
    rpc, book = (out[k] for k in STATIC_RPC_SETTINGS)
    if rpc is None and book is None:
        return
    if rpc is None or book is None:
        missing = "rpc_client_access_port" if rpc is None else "address_book_port"
        raise _org(missing, "set it too: with only one static port the other service (RPC Client Access or "
                   "Address Book) still uses the dynamic RPC range, so the range would stay open")
    if rpc == book:
        raise _org("address_book_port", f"must differ from exchange_firewall_rpc_client_access_port ({rpc}): the "
                   "RPC Client Access and Address Book services cannot listen on one port")


def _um_startup_mode(value) -> str:
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in catalog.UM_STARTUP_MODES:
        raise _org("um_startup_mode", f"must be TCP, TLS or Dual (Set-UMService -UMStartupMode), got {value!r}")
    return text


def _networks(raw: dict, internet_facing: list) -> dict:
    errors = Collector()
    nets = {name: list(value) for name, value in catalog.DEFAULT_NETWORKS.items()}
    for name, value in raw.items():
        var = f"networks.{name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            errors.errors.append(_org(var, "network names are 1-31 lowercase letters, digits and underscores, "
                                      "starting with a letter"))
            continue
        if name in catalog.ROLES or name in RESERVED_NETWORKS:
            errors.errors.append(_org(var, f"'{name}' is a role or reserved name; choose another network name"))
            continue
        if value is None:
            value = []
        value = errors.run(to_list, value, "organisation", VAR + var, allow_scalar=True)
        if value is not None:
            nets[name] = value
    out = {}
    for name, value in nets.items():
        var = VAR + f"networks.{name}"
        parsed = [n for n in (errors.run(network, cidr, "organisation", var) for cidr in value) if n is not None]
        parsed = collapse(parsed)
        if any(n.prefixlen == 0 for n in parsed) and name not in internet_facing:
            errors.errors.append(PlanError("organisation", var, f"contains 0.0.0.0/0 or ::/0 but '{name}' is not an "
                                           "Internet-facing network (exchange_firewall_internet_facing_networks); "
                                           "'any' is only allowed for those"))
        out[name] = parsed
    for name in internet_facing:
        if name not in out and name not in catalog.NETWORKS:
            errors.errors.append(_org("internet_facing_networks", f"unknown network '{name}'"))
    errors.check()
    return out


def _role_groups(raw: dict, groups: dict) -> dict:
    errors = Collector()
    mapping = {role: spec["group"] for role, spec in catalog.ROLES.items()}
    for role, group in raw.items():
        if role not in catalog.ROLES:
            errors.errors.append(_org(f"role_groups.{role}", f"unknown role '{role}' (known: "
                                      f"{', '.join(sorted(catalog.ROLES))})"))
            continue
        names = group if isinstance(group, list) else [group]
        bad = [name for name in names if not isinstance(name, str) or name not in groups]
        if bad:
            errors.errors.append(_org(f"role_groups.{role}", f"group '{bad[0]}' is not in the inventory"))
            continue
        mapping[role] = names
    errors.check()
    return {role: (g if isinstance(g, list) else [g]) for role, g in mapping.items()}


# ---- hosts -----------------------------------------------------------------------------------

def _check_names(hostvars: dict, errors: Collector) -> None:
    """A misspelt exchange_firewall_* variable on any host (host_vars, group_vars) is an error."""
    for host in sorted(hostvars):
        hvars = hostvars[host]
        names = set(hvars.get(OTHER_NAMES, ())) | {k for k in hvars if k.startswith(VAR)}
        for key in sorted(names):
            name = key[len(VAR):]
            if name not in KNOWN_NAMES:
                errors.errors.append(_host(host, name, "unknown variable" + _did_you_mean(name)))


def _where(host: str, hvars: dict, key: str, settings: dict) -> str:
    """The level a host's value comes from: 'organisation' when it is the organisation-wide value."""
    if key in hvars and VAR + key in settings and hvars[key] == settings[VAR + key]:
        return "organisation"
    return f"host '{host}'"


def _address_list(host: str, hvars: dict, key: str, required: bool) -> list:
    raw = hvars.get(VAR + key)
    variable = VAR + key
    if raw is None:
        if not required:
            return []
        raw = hvars.get("ansible_host")
        if raw is None:
            raise _host(host, key, "no address: set exchange_firewall_addresses or ansible_host to the host's IP "
                        "address(es)")
        if not isinstance(raw, str):
            raise _host(host, key, f"ansible_host {raw!r} is not an IP address")
        try:
            return [address(raw, f"host '{host}'", "ansible_host")]
        except PlanError:
            raise _host(host, key, f"ansible_host {raw!r} is not an IP address; set exchange_firewall_addresses "
                        "to the host's IP address(es)") from None
    items = to_list(raw, f"host '{host}'", variable, allow_scalar=True)
    if not items:
        raise _host(host, key, "must be a non-empty list of IP addresses")
    out = [address(item, f"host '{host}'", variable) for item in items]
    return sorted(set(out), key=lambda a: (a.version, a))


def _features(host, hvars, version, has_edge, allow_unverified, org, settings) -> dict:
    raw = hvars.get(VAR + "features", org)
    if raw is None:
        raw = {}
    own = VAR + "features" in hvars and hvars[VAR + "features"] != settings.get(VAR + "features")
    where = f"host '{host}'" if own else "organisation"
    raw = to_dict(raw, where, VAR + "features")
    unknown = sorted(set(raw) - set(catalog.FEATURES))
    if unknown:
        raise PlanError(where, f"{VAR}features.{unknown[0]}",
                        f"unknown feature (known: {', '.join(sorted(catalog.FEATURES))})")
    out = {}
    for name, spec in catalog.FEATURES.items():
        value = raw.get(name, spec["default"])
        explicit = name in raw
        if value == "auto" and name == "direct_internet_mail":
            value = not has_edge
        value = to_bool(value, where, f"{VAR}features.{name}")
        versions = spec.get("versions")
        if versions and version is not None and version not in versions:
            if explicit and value:
                raise PlanError(where, f"{VAR}features.{name}", f"'{name}' does not exist in "
                                f"{catalog.VERSION_LABELS[version]} (only {', '.join(versions)}); remove it or set false")
            value = False
        if value and explicit and spec.get("unverified_only") and not any(
                catalog.unverified_allowed(f, allow_unverified) for f in catalog.FLOWS if f["feature"] == name):
            raise PlanError(where, f"{VAR}features.{name}", f"'{name}' relies only on unverified flows; it conflicts "
                            "with exchange_firewall_allow_unverified (set that to true, or list the flows, to "
                            "accept them)")
        out[name] = value
    return out


def _check_roles(host: str, roles: list, version) -> str:
    platforms = sorted({catalog.ROLES[r]["platform"] for r in roles})
    if len(platforms) > 1:
        raise _host(host, "roles", f"conflicting groups: roles {', '.join(roles)} mix platforms "
                    f"({', '.join(platforms)}); a host is Windows, Linux or a network firewall")
    exchange = [r for r in roles if catalog.ROLES[r]["exchange"]]
    if "edge_transport" in roles and len(roles) > 1:
        others = ", ".join(r for r in roles if r != "edge_transport")
        raise _host(host, "roles", f"conflicting groups: an Edge Transport server cannot also be {others}")
    if exchange:
        if version is None:
            raise _host(host, "version", "Exchange servers need exchange_firewall_version "
                        f"(one of {', '.join(catalog.VERSIONS)})")
        for role in exchange:
            if version not in catalog.ROLES[role]["versions"]:
                raise _host(host, "roles", f"role '{role}' does not exist in {catalog.VERSION_LABELS[version]} "
                            f"(it exists in {', '.join(catalog.ROLES[role]['versions'])})")
    return platforms[0]


def _version(host: str, hvars: dict, settings: dict):
    raw = hvars.get(VAR + "version")
    if raw is None:
        return None
    where = _where(host, {"version": raw}, "version", settings)
    value = to_str(raw, where, VAR + "version", allow_int=True).lower()
    if value in ("subscription", "subscription_edition"):
        value = "se"
    if value not in catalog.VERSIONS:
        raise PlanError(where, VAR + "version", f"unknown Exchange version {raw!r} (expected one of "
                        f"{', '.join(catalog.VERSIONS)})")
    return value


def _optional_str(host: str, hvars: dict, key: str, settings: dict):
    raw = hvars.get(VAR + key)
    if raw is None:
        return None
    return to_str(raw, _where(host, {key: raw}, key, settings), VAR + key, allow_int=True)


def _roles_of(groups: dict, hostvars: dict, role_groups: dict, errors: Collector) -> dict:
    roles = {}
    for role, names in role_groups.items():
        for group in names:
            for host in groups.get(group, []):
                roles.setdefault(host, set()).add(role)
    for host in sorted(hostvars):
        explicit = hostvars[host].get(VAR + "roles")
        if explicit is None:
            continue
        if not isinstance(explicit, list):
            errors.errors.append(_host(host, "roles", f"must be a list of roles, got {explicit!r}"))
            continue
        for role in explicit:
            if role not in catalog.ROLES:
                errors.errors.append(_host(host, "roles", f"unknown role {role!r} (known: "
                                           f"{', '.join(sorted(catalog.ROLES))})"))
            else:
                roles.setdefault(host, set()).add(role)
    return roles


def _host_entry(host, hvars, role_list, cfg, settings, has_edge) -> dict:
    host_name(host)
    version = _version(host, hvars, settings)
    platform = _check_roles(host, role_list, version)
    entry = {
        "name": host,
        "roles": role_list,
        "platform": platform,
        "version": version if any(catalog.ROLES[r]["exchange"] for r in role_list) else None,
        "ad_site": _optional_str(host, hvars, "ad_site", settings),
        "dag": _optional_str(host, hvars, "dag", settings),
        "edge_site": _optional_str(host, hvars, "edge_site", settings),
        # A network firewall's own addresses play no part in its policies.
        "addresses": _address_list(host, hvars, "addresses", required=role_list != ["network_firewall"]),
        "external_addresses": _address_list(host, hvars, "external_addresses", required=False),
    }
    if entry["ad_site"] is None and any(catalog.ROLES[r]["internal"] for r in role_list):
        entry["ad_site"] = "Default-First-Site-Name"
    if entry["external_addresses"] and "edge_transport" not in role_list:
        raise _host(host, "external_addresses", "only Edge Transport servers have an external (Internet-facing) "
                    "interface; list this host's addresses in exchange_firewall_addresses")
    overlap = set(entry["external_addresses"]) & set(entry["addresses"])
    if overlap:
        raise _host(host, "external_addresses", f"{sorted(map(str, overlap))[0]} is also in exchange_firewall_addresses; "
                    "an address is either internal or external")
    entry["features"] = _features(host, hvars, entry["version"], has_edge, cfg["allow_unverified"], cfg["features"],
                                  settings)
    if entry["dag"] is not None and "mailbox" not in role_list:
        raise _host(host, "dag", "only Mailbox servers can be DAG members")
    entry["flags"] = _host_flags(host, hvars, entry, settings)
    return entry


# Why a host cannot carry a host flag (None: it can).
def _public_folders_refusal(entry) -> str | None:
    if "mailbox" in entry["roles"] and entry["version"] == "2010":
        return None
    return ("only Exchange 2010 Mailbox servers hold public folder databases that Outlook reaches over RPC; from "
            "Exchange 2013 on, public folders are mailboxes reached through the Client Access services")


def _hybrid_transport_refusal(entry) -> str | None:
    roles, version = set(entry["roles"]), entry["version"]
    if "edge_transport" in roles or ("mailbox" in roles and version in catalog.MODERN) or \
            ("client_access" in roles and version == "2013") or ("hub_transport" in roles and version == "2010"):
        return None
    return ("only the servers that can host the hybrid Send and Receive connectors can: Edge Transport servers, "
            "Exchange 2016/2019 Mailbox, Exchange 2013 Client Access and Exchange 2010 Hub Transport servers")


_FLAG_CHECKS = {"public_folders": _public_folders_refusal, "hybrid_transport": _hybrid_transport_refusal}


def _host_flags(host, hvars, entry, settings) -> dict:
    """Host flags: True/False as set, None when unset. A flag set organisation-wide applies to the hosts
    that can carry it; set on a host that cannot, it is an error."""
    flags = {}
    for name in catalog.HOST_FLAGS:
        raw = hvars.get(VAR + name)
        if raw is None:
            flags[name] = None
            continue
        where = _where(host, {name: raw}, name, settings)
        value = to_bool(raw, where, VAR + name)
        refusal = _FLAG_CHECKS[name](entry)
        if value and refusal:
            if where != "organisation":
                raise _host(host, name, refusal)
            value = False
        flags[name] = value
    return flags


def build(groups: dict, hostvars: dict, settings: dict | None = None) -> dict:
    """Validate the inventory and return the topology the engine consumes.

    All problems are reported together: organisation settings first, then every host, then the
    checks that span hosts.
    """
    enabled = gc.isenabled()
    gc.disable()  # many small objects, none freed before the end: the collector would only cost time
    try:
        return _build(groups, hostvars, settings)
    finally:
        if enabled:
            gc.enable()


def _build(groups: dict, hostvars: dict, settings: dict | None) -> dict:
    settings = settings or {}
    cfg = _settings(settings)
    errors = Collector()
    role_groups = errors.run(_role_groups, cfg["role_groups"], groups, default={})
    networks = errors.run(_networks, cfg["networks"], cfg["internet_facing_networks"], default={})
    extra_flows = errors.run(_extra_flows, cfg["extra_flows"], networks, default=[])
    errors.check()

    _check_names(hostvars, errors)
    roles = _roles_of(groups, hostvars, role_groups, errors)
    has_edge = any("edge_transport" in r for r in roles.values())
    hosts = {}
    for host in sorted(roles):
        entry = errors.run(_host_entry, host, hostvars.get(host, {}), sorted(roles[host]), cfg, settings, has_edge)
        if entry is not None:
            hosts[host] = entry
    errors.check()

    errors.run(_check_coexistence, hosts)
    errors.check()
    errors.run(_check_sites_and_dags, hosts, cfg)
    errors.run(_check_unique_addresses, hosts)
    errors.run(_check_extra_flow_targets, extra_flows)
    if any(set(h["roles"]) & {"mailbox", "client_access", "hub_transport", "unified_messaging"}
           for h in hosts.values()) and not any("domain_controller" in h["roles"] for h in hosts.values()):
        groups_dc = ", ".join(role_groups["domain_controller"])
        errors.errors.append(_org("role_groups.domain_controller", f"no hosts in group(s) '{groups_dc}': Exchange "
                                  "servers need their domain controllers in the inventory so that the support rule "
                                  "can be scoped to them"))
    if not networks.get("management") and any(catalog.ROLES[r]["managed"] for h in hosts.values() for r in h["roles"]):
        errors.errors.append(_org("networks.management", "is empty: the management-access rule (RDP/WinRM/SSH) is "
                                  "always present and needs the addresses of your management workstations"))
    firewalls = {}
    for host in sorted(hosts):
        if "network_firewall" in hosts[host]["roles"]:
            spec = errors.run(_zones.firewall, host, hostvars.get(host, {}), groups, hostvars, hosts, networks)
            if spec is not None:
                firewalls[host] = spec
    errors.check()
    _default_hybrid_transport(hosts)
    for entry in hosts.values():
        entry["flags"]["public_folders"] = bool(entry["flags"]["public_folders"])
    versions = sorted({h["version"] for h in hosts.values() if h["version"]}, key=catalog.VERSIONS.index)
    return {
        "hosts": hosts,
        "networks": networks,
        "settings": cfg,
        "dags": _dag_table(hosts, cfg),
        "extra_flows": extra_flows,
        "firewalls": firewalls,
        "versions": versions,
        # S2/S3 (2013 and later) put Lync/Skype for Business servers under the support rule; S1-CA (2010) does not.
        "skype_in_org": any(h["version"] != "2010" for h in hosts.values() if set(h["roles"]) & _INTERNAL_EXCHANGE),
    }


def _default_hybrid_transport(hosts: dict) -> None:
    """The servers hosting the hybrid connectors: those flagged, else the Edge servers, else every server
    that can host them (S10: "On-premises Exchange Servers configured to host receive connectors ... in the
    Hybrid Configuration wizard"; S38: Edge servers "that won't handle hybrid transport" need nothing)."""
    flags = {name: h["flags"]["hybrid_transport"] for name, h in hosts.items()}
    chosen = any(flags.values())
    edges = any("edge_transport" in h["roles"] for h in hosts.values())
    for name, entry in hosts.items():
        value = flags[name]
        if value is None and not chosen:
            value = _hybrid_transport_refusal(entry) is None and (not edges or "edge_transport" in entry["roles"])
        entry["flags"]["hybrid_transport"] = bool(value)


def _check_coexistence(hosts: dict) -> None:
    """S2: "coexistance with Exchange 2010 isn't supported in Exchange 2019" (SE is treated as 2019)."""
    old = sorted(h for h, e in hosts.items() if e["version"] == "2010")
    new = sorted(h for h, e in hosts.items() if e["version"] in ("2019", "se"))
    if old and new:
        raise _host(old[0], "version", f"Exchange 2010 cannot coexist with Exchange 2019 or Subscription Edition "
                    f"(host '{new[0]}' is {hosts[new[0]]['version']}): Microsoft's port page says \"coexistance with "
                    "Exchange 2010 isn't supported in Exchange 2019\"")


def _check_sites_and_dags(hosts: dict, cfg: dict) -> None:
    errors = Collector()
    sites = {h["ad_site"] for h in hosts.values()
             if set(h["roles"]) & {"mailbox", "hub_transport"} and h["version"]}
    for host, entry in hosts.items():
        if "edge_transport" not in entry["roles"]:
            if entry["edge_site"] is not None:
                errors.errors.append(_host(host, "edge_site", "only Edge Transport servers are subscribed to an AD site"))
            continue
        site = entry["edge_site"]
        if site is None:
            if len(sites) != 1:
                errors.errors.append(_host(host, "edge_site", "set the AD site this Edge is subscribed to "
                                           f"(the inventory has {len(sites)} sites with transport servers)"))
                continue
            entry["edge_site"] = next(iter(sites))
        elif site not in sites:
            errors.errors.append(_host(host, "edge_site", f"no Mailbox or Hub Transport server in AD site {site!r}"))
            continue
        peers = _EDGE_PEERS.get(entry["version"], _EDGE_PEERS["2016"])
        if not any((role, h["version"]) in peers for h in hosts.values() if h["ad_site"] == entry["edge_site"]
                   for role in h["roles"]):
            errors.errors.append(_host(host, "edge_site", f"AD site {entry['edge_site']!r} has no transport server an "
                                       f"{catalog.VERSION_LABELS[entry['version']]} Edge can be subscribed to ("
                                       f"{_peer_text(peers)})"))
    dags = cfg["dags"]
    for host, entry in hosts.items():
        if entry["dag"] is not None and entry["dag"] not in dags:
            errors.errors.append(_host(host, "dag", f"DAG {entry['dag']!r} is not defined in exchange_firewall_dags"))
    for name, spec in dags.items():
        errors.run(_check_dag, str(name), spec, hosts)
    errors.check()


# The transport servers an Edge of each version can be subscribed to (Microsoft's supported combinations):
# 2010 Edge: 2010 Hub (S1), 2013 Mailbox (S3), 2016 Mailbox (S2, S39; not 2019: S2);
# 2013 Edge: 2010 Hub (S40), 2013 and later Mailbox (S3); 2016 and later Edge: 2013 and later Mailbox.
_EDGE_PEERS = {
    "2010": {("hub_transport", "2010"), ("mailbox", "2013"), ("mailbox", "2016")},
    "2013": {("hub_transport", "2010")} | {("mailbox", v) for v in catalog.FROM_2013},
    "2016": {("mailbox", v) for v in catalog.FROM_2013},
}


def _peer_text(peers) -> str:
    return ", ".join(f"{catalog.ROLE_NAMES[role][:-1]} {version}" for role, version in sorted(peers))


def _check_dag(name: str, spec, hosts: dict) -> None:
    if not isinstance(spec, dict):
        raise _org(f"dags.{name}", "must be a mapping with 'witness' and optional 'replication_port'")
    unknown = sorted(set(spec) - {"witness", "replication_port"})
    if unknown:
        raise _org(f"dags.{name}.{unknown[0]}", "unknown key (use witness, replication_port)")
    witness = spec.get("witness")
    if witness is not None:
        if not isinstance(witness, str) or "dag_witness" not in hosts.get(witness, {}).get("roles", []):
            raise _org(f"dags.{name}.witness", f"host {witness!r} is not in the witness group (role dag_witness)")
        if hosts[witness]["dag"] == name:
            raise _org(f"dags.{name}.witness", f"host {witness!r} is a member of {name}; the witness must be "
                       "another server")
    if "replication_port" in spec:
        port = spec["replication_port"]
        ports = parse_ports([port], "organisation", f"{VAR}dags.{name}.replication_port")
        if len(ports) != 1 or "-" in ports[0]:
            raise _org(f"dags.{name}.replication_port", f"must be one TCP port (Set-DatabaseAvailabilityGroup "
                       f"-ReplicationPort), got {port!r}")


def _check_unique_addresses(hosts: dict) -> None:
    owner = {}
    errors = Collector()
    for host in sorted(hosts):
        for addr in hosts[host]["addresses"] + hosts[host]["external_addresses"]:
            if addr in owner and owner[addr] != host:
                errors.errors.append(_host(host, "addresses", f"{addr} is also an address of host '{owner[addr]}'; "
                                           "two hosts cannot share an address (their rules would be merged)"))
            owner.setdefault(addr, host)
    errors.check()


def _check_extra_flow_targets(extra_flows: list) -> None:
    for index, flow in enumerate(extra_flows):
        for role in flow["dst"]:
            if role in catalog.ROLES and not catalog.ROLES[role]["managed"] and role != "network_firewall":
                raise _org(f"extra_flows[{index}].dst", f"role '{role}' gets no rule set from this collection, so a "
                           "flow towards it would never be applied; use a network, or another role")


def _dag_table(hosts: dict, cfg: dict) -> dict:
    members = {}
    for host, entry in hosts.items():
        if entry["dag"] is not None:
            members.setdefault(entry["dag"], []).append(host)
    table = {}
    for name, spec in cfg["dags"].items():
        port = spec.get("replication_port")
        table[str(name)] = {
            "witness": spec.get("witness"),
            "replication_port": parse_ports([port], "organisation", "dags") if port is not None else None,
            "members": sorted(members.get(str(name), [])),
        }
    return table


def _extra_flows(raw, networks: dict) -> list:
    errors = Collector()
    known_ids = {f["id"] for f in catalog.FLOWS}
    seen = set()
    out = []
    for index, item in enumerate(raw):
        flow = errors.run(_extra_flow, index, item, networks, known_ids, seen)
        if flow is not None:
            out.append(flow)
    errors.check()
    return out


def _extra_flow(index, item, networks, known_ids, seen) -> dict:
    var = f"extra_flows[{index}]"
    if not isinstance(item, dict):
        raise _org(var, "each flow is a mapping (id, src, dst, protocol, ports, purpose)")
    fid = item.get("id")
    if not isinstance(fid, str) or not _FLOW_ID_RE.match(fid):
        raise _org(f"{var}.id", f"invalid flow id {fid!r} (lowercase letters, digits, '.', '_', '-')")
    if fid in known_ids or fid in seen:
        raise _org(f"{var}.id", f"flow id {fid!r} is already used")
    seen.add(fid)
    unknown = sorted(set(item) - {"id", "src", "dst", "protocol", "ports", "purpose", "citation",
                                  "versions", "feature", "scope"})
    if unknown:
        raise _org(f"{var}.{unknown[0]}", "unknown key")
    ends = {}
    for key in ("src", "dst"):
        value = item.get(key)
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value:
            raise _org(f"{var}.{key}", "must name one or more roles or networks")
        for name in value:
            if not isinstance(name, str) or (name not in catalog.ROLES and name not in networks):
                raise _org(f"{var}.{key}", f"unknown role or network {name!r}")
        ends[key] = value
    protocol = item.get("protocol", "tcp")
    if protocol not in PROTOCOLS:
        raise _org(f"{var}.protocol", f"must be tcp or udp, got {protocol!r}")
    ports = parse_ports(item.get("ports"), "organisation", f"{VAR}{var}.ports")
    if not ports:
        raise _org(f"{var}.ports", "needs at least one port")
    purpose = item.get("purpose")
    if not isinstance(purpose, str) or not purpose.strip():
        raise _org(f"{var}.purpose", "say why the flow is needed (it is shown to auditors)")
    versions = item.get("versions", list(catalog.VERSIONS))
    if not isinstance(versions, list) or any(str(v) not in catalog.VERSIONS for v in versions):
        raise _org(f"{var}.versions", f"unknown version in {versions!r}")
    feature = item.get("feature")
    if feature is not None and feature not in catalog.FEATURES:
        raise _org(f"{var}.feature", f"unknown feature {feature!r}")
    scope = item.get("scope")
    if scope not in (None, "edge_subscription", "dag", "witness"):
        raise _org(f"{var}.scope", f"unknown scope {scope!r}")
    citation = item.get("citation") or {}
    if not isinstance(citation, dict) or set(citation) - {"title", "url"} or \
            not all(isinstance(v, str) for v in citation.values()):
        raise _org(f"{var}.citation", "must be a mapping with 'title' and 'url' (strings)")
    url = citation.get("url", "")
    if url and not re.match(r"^https?://[^\s]+$", url):
        raise _org(f"{var}.citation.url", f"must be an http(s) URL, got {url!r}")
    internal = all(n in catalog.EXCHANGE_INTERNAL for n in ends["src"] + ends["dst"])
    return {
        "id": fid, "versions": [str(v) for v in versions], "src": ends["src"], "dst": ends["dst"],
        "protocol": protocol, "ports": ports, "feature": feature, "scope": scope, "internal": internal,
        "verified": True, "port_setting": None, "purpose": purpose.strip(), "cite": [],
        "requires": [], "host_flag": None, "unverified_reason": None, "unverified_warning": None,
        "src_versions": None, "dst_versions": None,
        "citation": {"title": citation.get("title", "Site-specific flow (user supplied)"), "url": url},
        "note": "user supplied", "user": True,
    }
