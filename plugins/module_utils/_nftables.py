# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network firewall's view -> one collection-owned nftables table; listings, checks. Pure.

The table ``table inet <prefix>`` holds:

* one named interval set per address object and family that a policy references
  (``<object>_v4`` / ``<object>_v6``), one per policy side that names several objects
  (``_p<N>_saddr_v4``...), and ``_protected_v4`` / ``_protected_v6`` (``protect`` only);
* one base chain ``forward``: ``type filter hook forward priority filter + 5; policy accept;``
  with ``ct state established,related accept`` first, then one accept rule per policy x address
  family x service (its comment names the policy, the service and the flow ids), then the drop
  rule(s) of the default action:

  - ``protect``: new connections to a protected address that no policy accepted;
  - ``deny``: new connections between two interfaces of declared zones that no policy accepted.

Why ``priority filter + 5`` and ``policy accept``: every base chain on the forward hook sees a
packet unless an earlier chain dropped it, and ``accept`` only ends the chain it is in. So this
table can add drops but can never let through what another table drops, and packets it does not
decide on are left to the other tables. ``filter + 5`` runs after the chains most tables and
iptables-nft register at ``filter`` (0) and before firewalld's (``filter + 10``); a priority of
its own keeps the order between base chains defined.

Names: address object names become set names, so they must match ``[A-Za-z][A-Za-z0-9_.-]*``
(nft's unquoted identifier characters; nft 1.0 accepts no quoted identifiers). Every set name
ends in ``_v4``/``_v6``, so it can never be read as an nft keyword (the scanner takes the longest
match). The table name is the prefix as is: letters, digits and ``_``; a prefix that is an nft
keyword (``ip``, ``tcp``...) is rejected by nft itself when the module validates the ruleset.
Comments are inventory text: reduced to a safe character set (no ``"``, ``\\``, ``$``, line breaks)
and cut to nft's 128-character limit, so they can never end the quoted string.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field

from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, parse_port

OWNER = "exchange.firewall"
CHAIN = "forward"
PRIORITY = "filter + 5"
COMMENT_MAX = 128  # nft refuses longer comments ("comment too long, 128 characters maximum allowed")
SET_NAME_MAX = 255  # longer set names fail in the kernel (NFT_SET_MAXNAMELEN 256 with the NUL)
ACTIONS = ("protect", "deny")
PROTOCOLS = ("tcp", "udp", "any")

OBJECT_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
TABLE_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
# Linux interface names: at most 15 bytes; no '/', ':', whitespace or quotes (dev_valid_name).
IFNAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,14}\Z")
_COMMENT_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:;=/@+()\[\]-]")


class NftablesError(ValueError):
    """A view that cannot be rendered, or an unsafe change; the message names the firewall."""


@dataclass(frozen=True)
class AddressSet:
    name: str
    family: int
    networks: tuple  # ipaddress networks, collapsed and sorted

    @property
    def elements(self) -> list:
        return [element_text(n) for n in self.networks]


@dataclass(frozen=True)
class Rule:
    verdict: str  # accept | drop
    comment: str = ""
    established: bool = False  # the ct state established,related rule
    iifnames: tuple = ()
    oifnames: tuple = ()
    family: int | None = None
    saddr: str | None = None  # set name
    daddr: str | None = None
    protocol: str | None = None  # tcp | udp | None (any)
    ports: tuple = ()  # ((low, high), ...)
    counter: bool = False
    policy: str | None = None


@dataclass(frozen=True)
class Ruleset:
    firewall: str
    table: str
    default_action: str
    sets: tuple
    rules: tuple
    sha256: str
    text: str
    warnings: tuple = field(default=())

    def set(self, name: str) -> AddressSet:
        return next(s for s in self.sets if s.name == name)


# --- nft text ------------------------------------------------------------------------------------

def element_text(net) -> str:
    """A network as nft prints it: a host without its prefix length; IPv6 as inet_ntop writes it,
    which differs from Python for IPv4-mapped and IPv4-compatible addresses (::ffff:0.0.0.0/96)."""
    address = net.network_address
    text = str(address)
    if net.version == 6:
        words = [(int(address) >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
        if words[:5] == [0] * 5 and (words[5] == 0xFFFF or (words[5] == 0 and words[6] != 0)):
            text = ("::ffff:" if words[5] else "::") + str(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return text if net.prefixlen == net.max_prefixlen else f"{text}/{net.prefixlen}"


def comment_text(text, limit: int = COMMENT_MAX) -> str:
    """Inventory text made safe inside nft's double quotes: safe characters only, at most `limit`."""
    text = _COMMENT_UNSAFE.sub("_", " ".join(str(text).split()))
    if len(text) > limit:
        text = text[:limit - 3].rstrip() + "..."
    return text


def _names(names) -> str:
    quoted = [f'"{n}"' for n in sorted(names)]
    return quoted[0] if len(quoted) == 1 else "{ " + ", ".join(quoted) + " }"


def _ports(ranges) -> str:
    texts = format_ranges(ranges)
    return texts[0] if len(texts) == 1 else "{ " + ", ".join(texts) + " }"


def rule_text(rule: Rule) -> str:
    if rule.established:
        return "ct state established,related accept"
    parts = []
    if rule.iifnames:
        parts.append(f"iifname {_names(rule.iifnames)}")
    if rule.oifnames:
        parts.append(f"oifname {_names(rule.oifnames)}")
    family = {4: "ip", 6: "ip6"}.get(rule.family)
    if rule.saddr:
        parts.append(f"{family} saddr @{rule.saddr}")
    if rule.daddr:
        parts.append(f"{family} daddr @{rule.daddr}")
    if rule.protocol:
        parts.append(f"{rule.protocol} dport {_ports(rule.ports)}")
    if rule.counter:
        parts.append("counter")
    parts.append(rule.verdict)
    if rule.comment:
        parts.append(f'comment "{rule.comment}"')
    return " ".join(parts)


def table_text(table: str, comment: str | None, sets, rules) -> str:
    """The table in the form `nft list table` prints (nft 1.0), element lists on one line."""
    lines = [f"table inet {table} {{"]
    if comment is not None:
        lines.append(f'\tcomment "{comment}"')
    for item in sets:
        lines += [f"\tset {item.name} {{",
                  f"\t\ttype {'ipv4_addr' if item.family == 4 else 'ipv6_addr'}",
                  "\t\tflags interval",
                  f"\t\telements = {{ {', '.join(item.elements)} }}",
                  "\t}", ""]
    lines += [f"\tchain {CHAIN} {{", f"\t\ttype filter hook forward priority {PRIORITY}; policy accept;"]
    lines += [f"\t\t{rule_text(r)}" for r in rules]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


# --- the view -----------------------------------------------------------------------------------

class _View:
    """Validates a view while reading it; every error names the firewall."""

    def __init__(self, view):
        if not isinstance(view, dict):
            raise NftablesError(f"the firewall view must be a dict, got {type(view).__name__}")
        self.raw = view
        self.name = str(view.get("name") or "").strip()
        if not self.name:
            raise NftablesError("the firewall view has no name")

    def fail(self, message: str):
        raise NftablesError(f"firewall '{self.name}': {message}")

    def mapping(self, key: str) -> dict:
        value = self.raw.get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.fail(f"'{key}' must be a mapping")
        return value

    def strings(self, value, what: str) -> list:
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            self.fail(f"{what} must be a list")
        return [str(v) for v in value]

    def network(self, text: str, what: str):
        try:
            return ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError:
            return self.fail(f"{what}: invalid address {text!r}")


def _collapse(networks) -> dict:
    out = {}
    for version in (4, 6):
        nets = [n for n in networks if n.version == version]
        if nets:
            out[version] = tuple(sorted(ipaddress.collapse_addresses(nets)))
    return out


def render(view: dict) -> Ruleset:
    """Validate a firewall view and build the table that enforces it."""
    v = _View(view)
    table = str(view.get("prefix") or "")
    if not TABLE_NAME_RE.match(table):
        v.fail(f"prefix {table!r} cannot name an nftables table (letters, digits and '_', starting "
               "with a letter, at most 64)")
    action = view.get("default_action")
    if action not in ACTIONS:
        v.fail(f"default_action must be one of {', '.join(ACTIONS)}, got {action!r}")
    warnings = []

    zones = v.mapping("zones")
    if not zones:
        v.fail("no zones")
    zone_ifs, owner = {}, {}
    for zone in sorted(zones):
        spec = zones[zone] if isinstance(zones[zone], dict) else v.fail(f"zone '{zone}' must be a mapping")
        names = v.strings(spec.get("interfaces"), f"zone '{zone}': interfaces")
        if not names:
            v.fail(f"zone '{zone}' has no interfaces")
        for ifname in names:
            if not IFNAME_RE.match(ifname):
                v.fail(f"zone '{zone}': {ifname!r} is not a valid interface name (at most 15 letters, "
                       "digits, '_', '.', '+' or '-')")
            if ifname in owner and owner[ifname] != zone:
                v.fail(f"interface '{ifname}' is in zones '{owner[ifname]}' and '{zone}'")
            owner[ifname] = zone
        for address in v.strings(spec.get("addresses"), f"zone '{zone}': addresses"):
            v.network(address, f"zone '{zone}'")
        if spec.get("vrf"):
            warnings.append(f"zone '{zone}': vrf '{spec['vrf']}' is not used by nftables; its interfaces are "
                            "matched by name")
        zone_ifs[zone] = tuple(sorted(set(names)))

    objects = v.mapping("address_objects")
    services = v.mapping("services")
    service_ports = {}
    policies = view.get("policies")
    if not isinstance(policies, list):
        v.fail("'policies' must be a list")
    seen, sets, rules = set(), {}, []

    def object_networks(name: str, policy: str) -> dict:
        if name not in objects:
            v.fail(f"policy '{policy}' references unknown address object '{name}'")
        if not OBJECT_NAME_RE.match(name) or len(name) > SET_NAME_MAX - 3:
            v.fail(f"address object name {name!r} cannot name an nftables set (letters, digits, '_', '.' "
                   f"and '-', starting with a letter, at most {SET_NAME_MAX - 3})")
        spec = objects[name] if isinstance(objects[name], dict) else v.fail(f"address object '{name}' must be a mapping")
        addresses = v.strings(spec.get("addresses"), f"address object '{name}': addresses")
        if not addresses:
            v.fail(f"address object '{name}' (used by policy '{policy}') has no addresses")
        return _collapse([v.network(a, f"address object '{name}'") for a in addresses])

    def side(names: list, index: int, label: str, policy: str) -> dict:
        """{family: set name} for one side of a policy; creates the sets it needs."""
        if len(names) == 1:
            by_family = object_networks(names[0], policy)
            base = names[0]
        else:
            merged = [n for name in names for nets in object_networks(name, policy).values() for n in nets]
            by_family = _collapse(merged)
            base = f"_p{index}_{label}"
        out = {}
        for family, nets in by_family.items():
            set_name = f"{base}_v{family}"
            sets[set_name] = AddressSet(set_name, family, nets)
            out[family] = set_name
        return out

    def ports_of(name: str, policy: str) -> tuple:
        if name not in services:
            v.fail(f"policy '{policy}' references unknown service '{name}'")
        if name not in service_ports:
            spec = services[name] if isinstance(services[name], dict) else v.fail(f"service '{name}' must be a mapping")
            protocol = spec.get("protocol")
            if protocol not in PROTOCOLS:
                v.fail(f"service '{name}': protocol must be tcp, udp or any, got {protocol!r}")
            ports = v.strings(spec.get("ports"), f"service '{name}': ports")
            if protocol == "any" and ports:
                v.fail(f"service '{name}': a service for any protocol cannot have ports")
            if protocol != "any" and not ports:
                v.fail(f"service '{name}': a {protocol} service needs ports")
            ranges = []
            for port in ports:
                try:
                    ranges.append(parse_port(port))
                except ValueError as exc:
                    v.fail(f"service '{name}': {exc}")
            service_ports[name] = (None if protocol == "any" else protocol, tuple(merge_ranges(ranges)))
        return service_ports[name]

    def service_key(name: str, policy: str) -> tuple:
        protocol, ranges = ports_of(name, policy)  # by first port: tcp-80 before tcp-443
        return ranges[:1], protocol or "", name

    for index, policy in enumerate(sorted(policies, key=lambda p: str(p.get("name")) if isinstance(p, dict) else ""), 1):
        if not isinstance(policy, dict):
            v.fail("every policy must be a mapping")
        pname = str(policy.get("name") or "").strip()
        if not pname:
            v.fail("a policy has no name")
        if pname in seen:
            v.fail(f"two policies are named '{pname}'")
        seen.add(pname)
        if policy.get("action", "allow") != "allow":
            v.fail(f"policy '{pname}': only 'allow' policies are supported, got {policy.get('action')!r}")
        for key in ("from_zone", "to_zone"):
            if policy.get(key) not in zone_ifs:
                v.fail(f"policy '{pname}' references unknown zone {policy.get(key)!r} ({key})")
        sources = v.strings(policy.get("source"), f"policy '{pname}': source")
        destinations = v.strings(policy.get("destination"), f"policy '{pname}': destination")
        names = v.strings(policy.get("services"), f"policy '{pname}': services")
        for key, value in (("source", sources), ("destination", destinations), ("services", names)):
            if not value:
                v.fail(f"policy '{pname}' has no {key}")
        src = side(sorted(set(sources)), index, "saddr", pname)
        dst = side(sorted(set(destinations)), index, "daddr", pname)
        families = [f for f in (4, 6) if f in src and f in dst]
        if not families:
            v.fail(f"policy '{pname}': its source and destination have no address family in common")
        flows = ",".join(str(f) for f in (policy.get("flow_ids") or []))
        for family in families:
            for service in sorted(set(names), key=lambda s: service_key(s, pname)):
                protocol, ranges = ports_of(service, pname)
                rules.append(Rule(
                    verdict="accept", policy=pname, family=family,
                    iifnames=zone_ifs[policy["from_zone"]], oifnames=zone_ifs[policy["to_zone"]],
                    saddr=src[family], daddr=dst[family], protocol=protocol, ports=ranges,
                    comment=comment_text(f"{pname} {service}" + (f" flows {flows}" if flows else ""))))

    if action == "protect":
        protected = _collapse([v.network(a, "protected") for a in v.strings(view.get("protected"), "'protected'")])
        if not protected:
            warnings.append("default_action protect with no protected addresses: nothing is dropped")
        for family, nets in protected.items():
            name = f"_protected_v{family}"
            sets[name] = AddressSet(name, family, nets)
            rules.append(Rule(verdict="drop", family=family, daddr=name, counter=True,
                              comment=f"{OWNER}: to a protected address, no policy allows it"))
    else:
        every = tuple(sorted(owner))
        rules.append(Rule(verdict="drop", iifnames=every, oifnames=every, counter=True,
                          comment=f"{OWNER}: between zones, no policy allows it"))

    ordered_sets = tuple(sorted(sets.values(), key=lambda s: (s.name.startswith("_"), s.name)))
    all_rules = (Rule(verdict="accept", established=True),) + tuple(rules)
    body = table_text(table, None, ordered_sets, all_rules)
    digest = hashlib.sha256(body.encode()).hexdigest()
    comment = f"{OWNER} {comment_text(v.name, 38)} sha256={digest}"
    return Ruleset(firewall=v.name, table=table, default_action=action, sets=ordered_sets, rules=all_rules,
                   sha256=digest, text=table_text(table, comment, ordered_sets, all_rules), warnings=tuple(warnings))


# --- transactions and listings -------------------------------------------------------------------

def replace_script(table: str, text: str) -> str:
    """One `nft -f` transaction: create the table if missing, delete it, create it anew."""
    return f"table inet {table}\ndelete table inet {table}\n{text}"


def delete_script(table: str) -> str:
    return f"delete table inet {table}\n"


def table_comment(listing: str | None) -> str | None:
    """The comment of a listed table (`nft list table` prints it on the line after the header)."""
    lines = (listing or "").strip().splitlines()
    if len(lines) > 1:
        match = re.match(r'\s*comment "(.*)"\s*$', lines[1])
        if match:
            return match.group(1)
    return None


def owned(listing: str | None) -> bool:
    return (table_comment(listing) or "").startswith(OWNER + " ")


_COUNTER = re.compile(r"\bcounter packets \d+ bytes \d+")
_HANDLE = re.compile(r"\s+# handle \d+$")
_BRACES = re.compile(r"\{ ([^{}]*) \}")
_TRAILING_COMMENT = re.compile(r'^(.*?)( comment "[^"]*")?$')


def _element_key(text: str) -> tuple:
    """Ports by number, then addresses by family and value, then anything else (quoted names) as text."""
    low, _sep, high = text.partition("-")
    if low.isdigit() and (not high or high.isdigit()):
        return (0, 0, int(low), "")
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return (2, 0, 0, text)
    return (1, net.version, int(net.network_address), text)


def _sorted_braces(line: str) -> str:
    head, tail = _TRAILING_COMMENT.match(line).groups()
    head = _BRACES.sub(lambda m: "{ " + ", ".join(sorted(m.group(1).split(", "), key=_element_key)) + " }", head)
    return head + (tail or "")


def normalise(listing: str) -> str:
    """A table listing (or rendered text) in a form that compares equal whenever the tables are.

    Removes what differs between two listings of the same table: counter values, handles, how nft
    wraps long element lists, blank lines, indentation, and the order of elements inside { }.
    """
    joined, pending = [], None
    for raw in (listing or "").splitlines():
        line = raw.strip()
        if pending is not None:
            pending = f"{pending} {line}"
            if pending.count("{") == pending.count("}"):
                joined.append(pending)
                pending = None
            continue
        if line.startswith("elements = {") and line.count("{") != line.count("}"):
            pending = line
            continue
        joined.append(line)
    if pending is not None:
        joined.append(pending)
    out, depth = [], 0
    for line in joined:
        if not line or line.startswith("#"):
            continue
        line = _sorted_braces(_COUNTER.sub("counter", _HANDLE.sub("", line)))
        if line == "}":
            depth = max(depth - 1, 0)
        out.append("\t" * depth + line)
        if line.endswith("{"):
            depth += 1
    return "\n".join(out) + ("\n" if out else "")


def counters(listing: str) -> dict:
    """{rule comment: packets} for the rules with a counter, from a live listing."""
    out = {}
    for line in (listing or "").splitlines():
        match = re.search(r'counter packets (\d+) bytes \d+ \w+ comment "([^"]*)"', line)
        if match:
            out[match.group(2)] = out.get(match.group(2), 0) + int(match.group(1))
    return out


# --- what the chain does with a new connection, and the lock-out guard -----------------------------

def evaluate(ruleset: Ruleset, iif: str | None, oif: str | None, source: str, destination: str,
             protocol: str, port: int) -> tuple:
    """The verdict of the chain for the first packet of a new connection.

    Returns ("accept" | "drop", rule) for the first rule that matches, or ("none", None) when no
    rule does (the chain's policy accept: this table leaves the packet to the other tables).
    """
    src = ipaddress.ip_address(str(source).split("%", 1)[0])
    dst = ipaddress.ip_address(str(destination).split("%", 1)[0])
    for rule in ruleset.rules:
        if rule.established:
            continue
        if (rule.iifnames and iif not in rule.iifnames) or (rule.oifnames and oif not in rule.oifnames):
            continue
        if rule.family is not None and rule.family != src.version:
            continue
        if rule.saddr and not any(src in n for n in ruleset.set(rule.saddr).networks):
            continue
        if rule.daddr and not any(dst in n for n in ruleset.set(rule.daddr).networks):
            continue
        if rule.protocol and (protocol != rule.protocol or not any(lo <= port <= hi for lo, hi in rule.ports)):
            continue
        return rule.verdict, rule
    return "none", None


def check_management(view: dict, management_objects) -> None:
    """With default_action deny, refuse a view in which no policy comes from management."""
    objects = [str(o) for o in management_objects or []]
    if view.get("default_action") != "deny" or not objects:
        return
    for policy in view.get("policies") or []:
        if set(objects) & set(policy.get("source") or []) or policy.get("from_zone") in objects:
            return
    raise NftablesError(
        f"firewall '{view.get('name')}': refusing to apply: default_action is deny and no policy comes from "
        f"the management objects or zones ({', '.join(objects)}); the firewall would cut management access")


def parse_ssh_connection(text: str | None):
    """SSH_CONNECTION ('client cport server sport') -> (client, cport, server, sport), or None."""
    parts = (text or "").split()
    if len(parts) != 4 or not (parts[1].isdigit() and parts[3].isdigit()):
        return None
    try:
        client, server = (str(ipaddress.ip_address(p.split("%", 1)[0])) for p in (parts[0], parts[2]))
    except ValueError:
        return None
    return client, int(parts[1]), server, int(parts[3])


def check_connection(ruleset: Ruleset, connection, iif: str | None, oif: str | None, local: bool) -> dict:
    """Refuse a ruleset whose forward chain would drop a new connection like the SSH one.

    `connection` is parse_ssh_connection()'s tuple; `local` says the server address is one of this
    machine's own (the connection then never passes the forward hook); `iif`/`oif` are the
    interfaces the routing table gives for the client and the server address.
    """
    if connection is None:
        return {"verdict": "no SSH connection"}
    client, cport, server, sport = connection
    report = {"ssh_connection": f"{client} {cport} {server} {sport}", "iif": iif, "oif": oif}
    if local:
        report["verdict"] = "local: the connection ends on this machine; forward rules do not apply to it"
        return report
    verdict, rule = evaluate(ruleset, iif, oif, client, server, "tcp", sport)
    if verdict == "drop":
        raise NftablesError(
            f"firewall '{ruleset.firewall}': refusing to apply: the SSH connection Ansible runs over ({client} to "
            f"{server} TCP {sport}, {iif or 'unknown interface'} to {oif or 'unknown interface'}) would be dropped "
            "by the new forward rules; add a policy that allows it")
    report["verdict"] = f"accepted by policy {rule.policy}" if rule else "not filtered by this table"
    return report
