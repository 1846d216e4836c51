# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift audit: a host's live firewall state, read without changing it, against its plan. Pure.

Every backend gives the same shape of finding (``result``):

* ``missing``: a planned rule (or policy) that is not there, wholly;
* ``differing``: a planned rule that is there only in part or with other values;
* ``extra``: entries in the collection's own zone, group or table that no planned rule explains;
* ``shadowing``: foreign configuration that takes precedence over the collection's rules for some
  of their traffic (where it can be read: firewalld zones bound to overlapping sources earlier in
  firewalld's dispatch order and policies towards the host; Windows Firewall block rules).

Each finding names the rule and says where (firewalld: runtime and/or permanent configuration).
The comparisons use the appliers' own functions (``_firewalld.desired``, ``_windows.reconcile``),
so what the audit calls drift is exactly what an apply run would change.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd
from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win
from ansible_collections.exchange.firewall.plugins.module_utils._verify import networks

IN_SYNC, DRIFT, NOT_AUDITED, ERROR = "in sync", "drift", "not audited", "error"
CONFIGS = ("runtime", "permanent")
_RICH_RE = re.compile(r'source address="([^"]+)"(?: port port="([^"]+)" protocol="([a-z]+)")?')


class AuditError(ValueError):
    """The live state cannot be compared (it does not have the expected shape)."""


def result(host: str, provider: str, missing=(), extra=(), differing=(), shadowing=(), note: str = "",
           status: str | None = None, rules: int = 0, extra_counts: bool = True) -> dict:
    """One host's audit finding, with its status and counts."""
    missing, extra, differing, shadowing = list(missing), list(extra), list(differing), list(shadowing)
    if status is None:
        drift = missing or differing or shadowing or (extra and extra_counts)
        status = DRIFT if drift else IN_SYNC
    return {
        "host": host, "provider": provider, "status": status, "missing": missing, "extra": extra,
        "differing": differing, "shadowing": shadowing, "note": note,
        "counts": {"rules": rules, "missing": len(missing), "extra": len(extra), "differing": len(differing),
                   "shadowing": len(shadowing)},
    }


def not_audited(host: str, provider: str, reason: str) -> dict:
    return result(host, provider, note=reason, status=NOT_AUDITED)


# ---- firewalld ----------------------------------------------------------------------------------

def _entry_text(entry: str) -> str:
    """'25/tcp' or a rich rule -> 'TCP 25 from any' / 'TCP 25 from 10.0.0.0/24' / 'any from 10.0.0.1'."""
    if "/" in entry and not entry.startswith("rule"):
        port, proto = entry.split("/", 1)
        return f"{proto.upper()} {port} from any address"
    match = _RICH_RE.search(entry)
    if not match:
        return entry
    address, port, proto = match.groups()
    return f"{proto.upper()} {port} from {address}" if port else f"any protocol from {address}"


def _where(configs) -> str:
    configs = [c for c in CONFIGS if c in configs]
    return " and ".join(configs) + " configuration" + ("s" if len(configs) > 1 else "")


def _overlaps(a, b) -> bool:
    return any(x.version == y.version and x.overlaps(y) for x in a for y in b)


def firewalld(host: str, rules: list, live: dict, zone: str = "exfw", bind_sources: str = "all",
              purge: bool = True) -> dict:
    """Compare a host's expanded rules with what ``firewalld_ruleset_info`` read."""
    try:
        want = fwd.desired(rules, bind_sources)
    except fwd.RulesetError as exc:
        return result(host, "firewalld", note=f"the plan's rules cannot be compared: {exc}", status=ERROR)
    inbound = [r for r in rules if r.get("direction", "in") == "in"]
    have = {c: live.get(c) for c in CONFIGS}
    owners = live.get("owner") or {}
    for config in CONFIGS:
        if have[config] is not None and owners.get(config) not in (None, fwd.OWNER_SHORT):
            return result(host, "firewalld", status=ERROR, rules=len(inbound),
                          note=f"zone '{zone}' exists in the {config} configuration but is not owned by "
                               f"exchange.firewall (short name {owners.get(config)!r})")
    sets = {c: {k: set(have[c][k]) for k in fwd.ENTRY_KINDS} if have[c] is not None else None for c in CONFIGS}
    missing, differing, extra, shadowing, notes = [], [], [], [], []
    absent = [c for c in CONFIGS if sets[c] is None]
    if absent:
        notes.append(f"zone '{zone}' does not exist in the {_where(absent)}")
    explained = {"ports": set(), "rich_rules": set()}
    for rule in inbound:
        single = fwd.desired([rule], "planned")
        entries = single["ports"] | single["rich_rules"]
        explained["ports"] |= single["ports"]
        explained["rich_rules"] |= single["rich_rules"]
        lost = {}
        for config in CONFIGS:
            present = set() if sets[config] is None else sets[config]["ports"] | sets[config]["rich_rules"]
            gone = entries - present
            if gone:
                lost[config] = gone
        if not lost:
            continue
        if all(gone == entries for gone in lost.values()):
            missing.append({"rule": rule["name"], "what": _describe(rule), "where": _where(lost)})
        else:
            gone = sorted(set().union(*lost.values()))
            differing.append({"rule": rule["name"], "where": _where(lost),
                              "what": "missing " + "; ".join(_entry_text(e) for e in gone)})
    for config in CONFIGS:
        if sets[config] is None:
            continue
        for kind in ("ports", "rich_rules"):
            for entry in sorted(sets[config][kind] - explained[kind]):
                extra.append({"what": _entry_text(entry), "entry": entry, "where": _where([config])})
        for source in sorted(want["sources"] - sets[config]["sources"]):
            missing.append({"rule": None, "where": _where([config]),
                            "what": f"source {source} is not bound to zone '{zone}': the plan does not govern "
                                    "traffic from it"})
        for source in sorted(sets[config]["sources"] - want["sources"]):
            extra.append({"what": f"source {source} bound to zone '{zone}'", "entry": source,
                          "where": _where([config])})
    extra = _merge_where(extra)
    ours = (live.get("ingress_priority") or 0, zone)
    for other in live.get("other_zones") or []:
        if not other.get("sources") or (other.get("ingress_priority") or 0, other["name"]) >= ours:
            continue
        nets = networks(other["sources"])
        hit = sorted(r["name"] for r in inbound if _overlaps(nets, networks(r.get("remote_addresses"))))
        what = (f"zone '{other['name']}' (target {other.get('target')}) is bound to {', '.join(other['sources'])} "
                f"and comes before '{zone}' in firewalld's dispatch order: it decides about that traffic")
        shadowing.append({"what": what + (f"; rules {', '.join(hit)} do not apply to it" if hit else ""),
                          "rules": hit, "zone": other["name"]})
    for policy in live.get("policies") or []:
        rich = [r for r in policy.get("rich_rules") or [] if "icmp-type" not in r]
        if policy.get("target") in ("CONTINUE", None) and not rich and not policy.get("ports"):
            continue
        shadowing.append({"what": f"policy '{policy['name']}' (target {policy.get('target')}, ingress "
                                  f"{', '.join(policy.get('ingress_zones') or [])}) also decides about traffic to "
                                  "this host", "rules": [], "policy": policy["name"]})
    if not purge and extra:
        notes.append("entries outside the plan are kept (exchange_firewall_purge is false)")
    return result(host, "firewalld", missing, extra, differing, shadowing, "; ".join(notes), rules=len(inbound),
                  extra_counts=purge)


def _merge_where(items: list) -> list:
    """One finding per entry, naming every configuration it was found in."""
    merged = {}
    for item in items:
        key = item["entry"]
        if key in merged:
            merged[key]["configs"].append(item["where"].split()[0])
        else:
            merged[key] = dict(item, configs=[item["where"].split()[0]])
    out = []
    for item in merged.values():
        configs = item.pop("configs")
        out.append(dict(item, where=_where(configs)))
    return out


def _describe(rule: dict) -> str:
    ports = ", ".join(rule.get("local_ports") or []) or "any port"
    proto = "any protocol" if rule["protocol"] == "any" else f"{rule['protocol'].upper()} {ports}"
    remotes = rule.get("remote_addresses") or []
    source = "any address" if fwd.ANY <= set(remotes) else ", ".join(remotes)
    return f"{proto} from {source}"


# ---- Windows Firewall ---------------------------------------------------------------------------

# Port keywords of Windows Firewall rules whose ports are known; any other keyword (Teredo,
# PlayToDiscovery...) is taken as any port, so that a block rule is never overlooked.
WINDOWS_PORT_KEYWORDS = {"rpcepmap": [(135, 135)], "rpc": [(49152, 65535)], "iphttpsin": [(443, 443)],
                         "iphttpsout": [(443, 443)]}


def _port_ranges(ports: list):
    """[(low, high)] of a Windows rule's LocalPort, or None when it may be any port."""
    out = []
    for port in ports:
        text = str(port)
        low, _sep, high = text.partition("-")
        if low.isdigit() and (high or low).isdigit():
            out.append((int(low), int(high or low)))
        elif text.lower() in WINDOWS_PORT_KEYWORDS:
            out += WINDOWS_PORT_KEYWORDS[text.lower()]
        else:
            return None
    return out


def _ports_overlap(a: list, b: list) -> bool:
    ranges, others = _port_ranges(a), _port_ranges(b)
    if ranges is None or others is None:
        return True
    return any(lo <= o_hi and o_lo <= hi for lo, hi in ranges for o_lo, o_hi in others)


def _address_nets(addresses: list):
    """Networks of a Windows rule's RemoteAddress (ranges as written by Windows: a-b), or None when it
    may be any address (Any, and keywords such as LocalSubnet or Intranet, which the host resolves)."""
    out = []
    for text in addresses:
        low, _sep, high = str(text).partition("-")
        try:
            if high:
                out += ipaddress.summarize_address_range(ipaddress.ip_address(low), ipaddress.ip_address(high))
            else:
                out.append(ipaddress.ip_network(low, strict=False))
        except (ValueError, TypeError):
            return None
    return out


def _addresses_overlap(a: list, b: list) -> bool:
    nets, others = _address_nets(a), _address_nets(b)
    if nets is None or others is None:
        return True
    return _overlaps(nets, others)


def windows(host: str, rules: list, live: dict, group: str = win.DEFAULT_GROUP, prefix: str = win.DEFAULT_PREFIX,
            purge: bool = True) -> dict:
    """Compare a host's expanded rules with what ``win_firewall_rule_state`` read (state=query)."""
    try:
        want = win.desired(rules, group, prefix)
        plan = win.reconcile(live.get("rules") or [], want, group, purge=purge, prefix=prefix)
    except win.WindowsRuleError as exc:
        return result(host, "windows", shadowing=[{"what": str(exc), "rules": []}], rules=len(rules))
    missing, differing, extra = [], [], []
    for op in plan["operations"]:
        if op["op"] == "add":
            missing.append({"rule": op["Name"], "what": f"{op['Protocol']} {', '.join(op['LocalPort'])} from "
                                                        f"{', '.join(op['RemoteAddress'])}", "where": ""})
        elif op["op"] == "set":
            changes = "; ".join(f"{f}: {_short(op['before'][f])} -> {_short(op[f])}" for f in op["changed"])
            differing.append({"rule": op["Name"], "what": changes, "where": ""})
        elif op["op"] == "remove":
            extra.append({"what": f"rule '{op['Name']}' ({op.get('reason')})", "entry": op["Name"], "where": ""})
    shadowing = []
    for block in live.get("block_rules") or []:
        rule = win.normalise(block)
        if rule["Direction"] != "Inbound" or not rule["Enabled"]:
            continue
        hit = [w["Name"] for w in want if w["Direction"] == "Inbound"
               and (rule["Protocol"] == "Any" or w["Protocol"] in ("Any", rule["Protocol"]))
               and _ports_overlap(rule["LocalPort"], w["LocalPort"])
               and _addresses_overlap(rule["RemoteAddress"], w["RemoteAddress"])]
        if hit:
            shadowing.append({"what": f"block rule '{rule['DisplayName']}' (group {rule['Group'] or '-'}) takes "
                                      f"precedence over {', '.join(hit)} for {rule['Protocol']} "
                                      f"{', '.join(rule['LocalPort'])} from {', '.join(rule['RemoteAddress'])}",
                              "rules": hit})
    note = ""
    if plan["unmanaged"]:
        note = f"rules of the group without the prefix '{prefix}-' are left alone: {', '.join(plan['unmanaged'])}"
    return result(host, "windows", missing, extra, differing, shadowing, note, rules=len(want), extra_counts=purge)


def _short(value) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


# ---- nftables (network firewalls that are Linux routers) -----------------------------------------

_POLICY_RE = re.compile(r'comment "([^"]*)"')


def _policy_of(line: str) -> str | None:
    match = _POLICY_RE.search(line)
    return match.group(1).split()[0] if match else None


def nftables(host: str, view: dict, live: dict) -> dict:
    """Compare a firewall view with a check-mode run of ``nftables_ruleset`` (its diff: have vs want)."""
    diff = live.get("diff") or {}
    if "before" not in diff or "after" not in diff:
        return result(host, "nftables", status=ERROR, note="the check-mode run returned no before/after listing")
    before = [line.strip() for line in diff["before"].splitlines() if line.strip()]
    after = [line.strip() for line in diff["after"].splitlines() if line.strip()]
    names = {p["name"] for p in view.get("policies") or []}
    policies = len(names)
    if not before:
        return result(host, "nftables", rules=policies, note=f"table inet {view.get('prefix')} does not exist",
                      missing=[{"rule": n, "what": "policy not enforced", "where": ""} for n in sorted(names)])
    lost = [line for line in after if line not in set(before)]
    added = [line for line in before if line not in set(after)]
    by_policy = {}
    for line in after:
        by_policy.setdefault(_policy_of(line), []).append(line)
    missing, differing, extra = [], [], []
    for name in sorted({_policy_of(line) for line in lost}, key=str):
        gone = [line for line in lost if _policy_of(line) == name]
        label = name if name in names else None
        if label and len(gone) == len(by_policy.get(name, [])):
            missing.append({"rule": label, "what": "policy not enforced", "where": ""})
        else:
            differing.append({"rule": label, "what": "missing: " + "; ".join(gone[:5]) +
                              (f" and {len(gone) - 5} more" if len(gone) > 5 else ""), "where": ""})
    for line in added:
        extra.append({"what": line, "entry": line, "where": ""})
    return result(host, "nftables", missing, extra, differing, [], rules=policies,
                  note="other tables that hook forward before this one are not read")


# ---- vendor ACLs read with the resource modules' state=gathered ----------------------------------

PORT_NAMES = {"www": "80", "http": "80", "smtp": "25", "domain": "53", "ldap": "389", "telnet": "23",
              "https": "443", "pop3": "110", "imap4": "143", "imap": "143", "ssh": "22", "ftp": "21"}


def _normal_ace(ace: dict):
    """An ACE without its position and remarks, port names as numbers: what must match."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in sorted(value.items())
                    if k not in ("sequence", "line", "remarks", "remark") and v not in (None, [], {}, False)}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return PORT_NAMES.get(value, value)
        return value
    return clean(ace)


def _acls(config) -> dict:
    """{(afi, name): [aces]} from a resource module's acls config (IOS/EOS: per afi; ASA: flat)."""
    out = {}
    if isinstance(config, dict):
        config = [{"afi": "any", "acls": config.get("acls") or []}]
    for family in config or []:
        for acl in family.get("acls") or []:
            aces = [a for a in acl.get("aces") or [] if a.get("grant")]
            out[(family.get("afi", "any"), acl["name"])] = aces
    return out


def acls(host: str, vendor: str, want, have, prefix: str) -> dict:
    """Compare the collection's ACLs (rendered, read back through the vendor's parser) with the gathered ones.

    Only ACLs whose name starts with ``prefix-`` are the collection's; others are not compared.
    """
    import json

    wanted, live = _acls(want), _acls(have)
    missing, differing, extra = [], [], []
    for key in sorted(wanted):
        afi, name = key
        if key not in live:
            missing.append({"rule": name, "what": f"access list {name} ({afi}) does not exist", "where": ""})
            continue
        want_aces = [json.dumps(_normal_ace(a), sort_keys=True) for a in wanted[key]]
        have_aces = [json.dumps(_normal_ace(a), sort_keys=True) for a in live[key]]
        gone = [a for a in want_aces if a not in have_aces]
        more = [a for a in have_aces if a not in want_aces]
        if gone:
            differing.append({"rule": name, "what": f"{len(gone)} entries missing: " + "; ".join(gone[:3]) +
                              (" ..." if len(gone) > 3 else ""), "where": afi})
        if more:
            extra.append({"what": f"{name}: {len(more)} entries not in the plan: " + "; ".join(more[:3]) +
                          (" ..." if len(more) > 3 else ""), "entry": name, "where": afi})
        if not gone and not more and want_aces != have_aces:
            differing.append({"rule": name, "what": "the entries are in another order", "where": afi})
    for key in sorted(set(live) - set(wanted)):
        if key[1].startswith(prefix + "-"):
            extra.append({"what": f"access list {key[1]} ({key[0]}) is not in the plan", "entry": key[1], "where": ""})
    return result(host, vendor, missing, extra, differing, [], rules=len(wanted),
                  note="object groups and interface bindings are not compared" if vendor == "asa" else "")
