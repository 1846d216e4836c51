# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn an Ansible inventory (groups, hostvars, organisation settings) into a validated topology.

Pure and stdlib-only. Every problem raises ``PlanError`` (a ``ValueError``) whose message names
the host (or ``organisation``) and the variable at fault, before anything else happens.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, parse_port

VAR = "exchange_firewall_"
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
}
INTRA_ORG_CHOICES = ("allow_all", "per_port")
PROTOCOLS = ("tcp", "udp")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{1,11}$")
_FLOW_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class PlanError(ValueError):
    """Bad input. The message names the host (or 'organisation') and the variable."""

    def __init__(self, where: str, variable: str, message: str):
        self.where = where
        self.variable = variable
        super().__init__(f"{where}: {variable}: {message}")


def _org(variable: str, message: str) -> PlanError:
    return PlanError("organisation", VAR + variable, message)


def _host(host: str, variable: str, message: str) -> PlanError:
    return PlanError(f"host '{host}'", VAR + variable, message)


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


def _bool(value, where, variable):
    if isinstance(value, bool):
        return value
    raise PlanError(where, variable, f"must be true or false, got {value!r}")


def _settings(settings: dict) -> dict:
    out = {}
    for key, default in SETTING_DEFAULTS.items():
        value = settings.get(VAR + key, settings.get(key))
        out[key] = default if value is None else value
    known = set(SETTING_DEFAULTS) | set(HOST_VARS) | set(CONTROLLER_VARS)
    unknown = sorted(k for k in settings if (k[len(VAR):] if k.startswith(VAR) else k) not in known)
    if unknown:
        name = unknown[0][len(VAR):] if unknown[0].startswith(VAR) else unknown[0]
        raise _org(name, "unknown setting (check the spelling; see the README's variable table)")
    for key in ("outbound", "allow_unverified", "allow_intra_org_filtering"):
        _bool(out[key], "organisation", VAR + key)
    for key in ("networks", "role_groups", "dags", "features"):
        if not isinstance(out[key], dict):
            raise _org(key, f"must be a mapping, got {type(out[key]).__name__}")
    if out["intra_org"] not in INTRA_ORG_CHOICES:
        raise _org("intra_org", f"must be one of {', '.join(INTRA_ORG_CHOICES)}, got {out['intra_org']!r}")
    if out["intra_org"] != "allow_all" and not out["allow_intra_org_filtering"]:
        raise _org("intra_org", "'per_port' filters traffic inside the organisation (between Exchange servers, "
                   "or between Exchange servers and domain controllers), which Microsoft does not support; "
                   "set exchange_firewall_allow_intra_org_filtering: true to accept that explicitly")
    if not isinstance(out["rule_prefix"], str) or not _PREFIX_RE.match(out["rule_prefix"]):
        raise _org("rule_prefix", f"must be 2-12 lowercase letters/digits starting with a letter, "
                   f"got {out['rule_prefix']!r}")
    if not isinstance(out["internet_facing_networks"], list):
        raise _org("internet_facing_networks", "must be a list of network names")
    if out["rpc_dynamic_ports"] is not None:
        out["rpc_dynamic_ports"] = parse_ports(out["rpc_dynamic_ports"], "organisation", VAR + "rpc_dynamic_ports")
    return out


HOST_VARS = ("roles", "version", "ad_site", "dag", "edge_site", "addresses", "features")
# Variables read by the roles and playbooks, not by the planner.
CONTROLLER_VARS = ("mode", "output_dir", "flows_include", "flows_exclude", "plan", "provider", "purge",
                   "firewalld_zone", "firewalld_bind_sources", "firewalld_install", "management_ports",
                   "windows_group", "windows_harden_setup_rules", "windows_management_ports", "windows_scripts",
                   "network_state", "fortios_vdom", "fortios_policyid_base", "panos_provider")


def _networks(raw: dict, internet_facing: list) -> dict:
    nets = {name: list(value) for name, value in catalog.DEFAULT_NETWORKS.items()}
    for name, value in raw.items():
        var = f"networks.{name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise _org(var, "network names are lowercase letters, digits and underscores")
        if name in catalog.ROLES:
            raise _org(var, f"'{name}' is a role name; choose another network name")
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _org(var, f"must be a list of CIDRs, got {value!r}")
        nets[name] = value
    out = {}
    for name, value in nets.items():
        var = f"networks.{name}"
        parsed = []
        for cidr in value:
            try:
                parsed.append(ipaddress.ip_network(str(cidr).strip(), strict=True))
            except ValueError as exc:
                raise _org(var, f"invalid CIDR {cidr!r} ({exc})") from None
        parsed = collapse(parsed)
        if any(n.prefixlen == 0 for n in parsed) and name not in internet_facing:
            raise _org(var, f"contains 0.0.0.0/0 or ::/0 but '{name}' is not an Internet-facing network "
                       "(exchange_firewall_internet_facing_networks); 'any' is only allowed for those")
        out[name] = parsed
    for name in internet_facing:
        if name not in out and name not in catalog.NETWORKS:
            raise _org("internet_facing_networks", f"unknown network '{name}'")
    return out


def _role_groups(raw: dict, groups: dict) -> dict:
    mapping = {role: spec["group"] for role, spec in catalog.ROLES.items()}
    for role, group in raw.items():
        if role not in catalog.ROLES:
            raise _org(f"role_groups.{role}", f"unknown role '{role}' (known: {', '.join(sorted(catalog.ROLES))})")
        names = group if isinstance(group, list) else [group]
        for name in names:
            if not isinstance(name, str) or name not in groups:
                raise _org(f"role_groups.{role}", f"group '{name}' is not in the inventory")
        mapping[role] = names
    return {role: (g if isinstance(g, list) else [g]) for role, g in mapping.items()}


def _addresses(host: str, hvars: dict) -> list:
    raw = hvars.get(VAR + "addresses")
    variable = "addresses"
    if raw is None:
        raw = hvars.get("ansible_host")
        variable = "addresses (or ansible_host)"
        if raw is None:
            raise _host(host, "addresses", "no address: set exchange_firewall_addresses or ansible_host "
                        "to the host's IP address(es)")
        try:
            return [ipaddress.ip_address(str(raw).strip())]
        except ValueError:
            raise _host(host, "addresses", f"ansible_host {raw!r} is not an IP address; set "
                        "exchange_firewall_addresses to the host's IP address(es)") from None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise _host(host, variable, f"must be a non-empty list of IP addresses, got {raw!r}")
    out = []
    for item in raw:
        try:
            out.append(ipaddress.ip_address(str(item).strip()))
        except ValueError:
            raise _host(host, variable, f"invalid IP address {item!r}") from None
    return sorted(set(out), key=lambda a: (a.version, a))


def _features(host: str, hvars: dict, version, has_edge: bool, allow_unverified: bool, org: dict) -> dict:
    raw = hvars.get(VAR + "features", org)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _host(host, "features", f"must be a mapping, got {raw!r}")
    out = {}
    for name, spec in catalog.FEATURES.items():
        value = raw.get(name, spec["default"])
        explicit = name in raw
        if value == "auto" and name == "direct_internet_mail":
            value = not has_edge
        if not isinstance(value, bool):
            raise _host(host, f"features.{name}", f"must be true or false, got {value!r}")
        versions = spec.get("versions")
        if versions and version is not None and version not in versions:
            if explicit and value:
                raise _host(host, f"features.{name}", f"'{name}' does not exist in "
                            f"{catalog.VERSION_LABELS[version]} (only {', '.join(versions)}); remove it or set false")
            value = False
        if value and explicit and spec.get("unverified_only") and not allow_unverified:
            raise _host(host, f"features.{name}", f"'{name}' relies only on unverified flows; it conflicts with "
                        "exchange_firewall_allow_unverified: false (set that to true to accept them)")
        out[name] = value
    unknown = sorted(set(raw) - set(catalog.FEATURES))
    if unknown:
        raise _host(host, f"features.{unknown[0]}", f"unknown feature (known: {', '.join(sorted(catalog.FEATURES))})")
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


def _ad_site(hvars: dict, roles: list):
    """The AD site; Exchange servers (not Edge) default to Active Directory's default site name."""
    site = hvars.get(VAR + "ad_site")
    if site is not None:
        return str(site)
    if any(catalog.ROLES[r]["internal"] for r in roles):
        return "Default-First-Site-Name"
    return None


def _version(host: str, hvars: dict):
    raw = hvars.get(VAR + "version")
    if raw is None:
        return None
    value = str(raw).strip().lower()
    if value in ("subscription", "subscription_edition"):
        value = "se"
    if value not in catalog.VERSIONS:
        raise _host(host, "version", f"unknown Exchange version {raw!r} (expected one of {', '.join(catalog.VERSIONS)})")
    return value


def build(groups: dict, hostvars: dict, settings: dict | None = None) -> dict:
    """Validate the inventory and return the topology the engine consumes."""
    cfg = _settings(settings or {})
    role_groups = _role_groups(cfg["role_groups"], groups)
    networks = _networks(cfg["networks"], cfg["internet_facing_networks"])

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
            raise _host(host, "roles", f"must be a list of roles, got {explicit!r}")
        for role in explicit:
            if role not in catalog.ROLES:
                raise _host(host, "roles", f"unknown role {role!r} (known: {', '.join(sorted(catalog.ROLES))})")
            roles.setdefault(host, set()).add(role)

    unknown = sorted(set(cfg["features"]) - set(catalog.FEATURES))
    if unknown:
        raise _org(f"features.{unknown[0]}", f"unknown feature (known: {', '.join(sorted(catalog.FEATURES))})")
    for name, value in sorted(cfg["features"].items()):
        if not isinstance(value, bool) and not (name == "direct_internet_mail" and value == "auto"):
            raise _org(f"features.{name}", f"must be true or false, got {value!r}")
    has_edge = any("edge_transport" in r for r in roles.values())
    hosts = {}
    for host in sorted(roles):
        hvars = hostvars.get(host, {})
        role_list = sorted(roles[host])
        version = _version(host, hvars)
        platform = _check_roles(host, role_list, version)
        entry = {
            "name": host,
            "roles": role_list,
            "platform": platform,
            "version": version if any(catalog.ROLES[r]["exchange"] for r in role_list) else None,
            "ad_site": _ad_site(hvars, role_list),
            "dag": hvars.get(VAR + "dag"),
            "edge_site": hvars.get(VAR + "edge_site"),
            "addresses": _addresses(host, hvars),
        }
        entry["features"] = _features(host, hvars, entry["version"], has_edge, cfg["allow_unverified"],
                                      cfg["features"])
        if entry["dag"] is not None and "mailbox" not in role_list:
            raise _host(host, "dag", "only Mailbox servers can be DAG members")
        hosts[host] = entry

    _check_sites_and_dags(hosts, cfg)
    if any(set(h["roles"]) & {"mailbox", "client_access", "hub_transport", "unified_messaging"}
           for h in hosts.values()) and not any("domain_controller" in h["roles"] for h in hosts.values()):
        groups_dc = ", ".join(role_groups["domain_controller"])
        raise _org("role_groups.domain_controller", f"no hosts in group(s) '{groups_dc}': Exchange servers need "
                   "their domain controllers in the inventory so that the support rule can be scoped to them")
    if not networks.get("management") and any(catalog.ROLES[r]["managed"] for h in hosts.values() for r in h["roles"]):
        raise _org("networks.management", "is empty: the management-access rule (RDP/WinRM/SSH) is always "
                   "present and needs the addresses of your management workstations")
    return {
        "hosts": hosts,
        "networks": networks,
        "settings": cfg,
        "dags": _dag_table(hosts, cfg),
        "extra_flows": _extra_flows(cfg["extra_flows"], networks),
    }


def _check_sites_and_dags(hosts: dict, cfg: dict) -> None:
    sites = {h["ad_site"] for h in hosts.values()
             if set(h["roles"]) & {"mailbox", "hub_transport"} and h["version"]}
    for host, entry in hosts.items():
        if "edge_transport" not in entry["roles"]:
            if entry["edge_site"] is not None:
                raise _host(host, "edge_site", "only Edge Transport servers are subscribed to an AD site")
            continue
        site = entry["edge_site"]
        if site is None:
            if len(sites) != 1:
                raise _host(host, "edge_site", "set the AD site this Edge is subscribed to "
                            f"(the inventory has {len(sites)} sites with transport servers)")
            entry["edge_site"] = next(iter(sites))
        elif str(site) not in sites:
            raise _host(host, "edge_site", f"no Mailbox or Hub Transport server in AD site {site!r}")
        else:
            entry["edge_site"] = str(site)
    dags = cfg["dags"]
    for host, entry in hosts.items():
        if entry["dag"] is not None and str(entry["dag"]) not in dags:
            raise _host(host, "dag", f"DAG {entry['dag']!r} is not defined in exchange_firewall_dags")
    for name, spec in dags.items():
        if not isinstance(spec, dict):
            raise _org(f"dags.{name}", "must be a mapping with 'witness' and optional 'replication_port'")
        unknown = sorted(set(spec) - {"witness", "replication_port"})
        if unknown:
            raise _org(f"dags.{name}.{unknown[0]}", "unknown key (use witness, replication_port)")
        witness = spec.get("witness")
        if witness is not None and "dag_witness" not in hosts.get(witness, {}).get("roles", []):
            raise _org(f"dags.{name}.witness", f"host {witness!r} is not in the witness group (role dag_witness)")
        if "replication_port" in spec:
            parse_ports([spec["replication_port"]], "organisation", f"{VAR}dags.{name}.replication_port")


def _dag_table(hosts: dict, cfg: dict) -> dict:
    table = {}
    for name, spec in cfg["dags"].items():
        port = spec.get("replication_port")
        table[str(name)] = {
            "witness": spec.get("witness"),
            "replication_port": [str(port)] if port is not None else None,
            "members": sorted(h for h, e in hosts.items() if e["dag"] is not None and str(e["dag"]) == str(name)),
        }
    return table


def _extra_flows(raw, networks: dict) -> list:
    if not isinstance(raw, list):
        raise _org("extra_flows", "must be a list of flows")
    known_ids = {f["id"] for f in catalog.FLOWS}
    seen = set()
    out = []
    for index, item in enumerate(raw):
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
                if name not in catalog.ROLES and name not in networks:
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
        if not isinstance(citation, dict) or set(citation) - {"title", "url"}:
            raise _org(f"{var}.citation", "must be a mapping with 'title' and 'url'")
        internal = all(n in catalog.EXCHANGE_INTERNAL for n in ends["src"] + ends["dst"])
        out.append({
            "id": fid, "versions": [str(v) for v in versions], "src": ends["src"], "dst": ends["dst"],
            "protocol": protocol, "ports": ports, "feature": feature, "scope": scope, "internal": internal,
            "verified": True, "port_setting": None, "purpose": purpose.strip(), "cite": [],
            "citation": {"title": citation.get("title", "Site-specific flow (user supplied)"),
                         "url": citation.get("url", "")},
            "note": "user supplied", "user": True,
        })
    return out
