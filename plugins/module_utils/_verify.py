# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live verification: which TCP connections a source host must be able to open, and a sample of
those it must not, from the plan; then pass or fail per probe and per flow. Pure.

For a source and a planned host, one address pair per IP family is probed: the source's address
and the host's address that share the longest prefix (the directly connected one, in a lab or a
site). A port is *required* when an inbound allow rule of the host covers the source address and
the port (TCP rules; for a rule of any protocol, a sample port of its flows); a port is *closed*
when no rule of the host allows it from that address - a sample of the host's ports planned for
other sources, then a few ports no rule opens. UDP is not probed (no reply proves nothing).

Probe states (what the probe module reports): ``open`` (connected), ``refused`` (TCP reset: the
host's firewall let the SYN through and nothing listens), ``rejected`` (ICMP "host/administratively
prohibited", as firewalld rejects), ``timeout`` (dropped, as Windows Firewall does),
``unreachable`` (no route), ``error``. A required port passes when ``open`` or ``refused``; a
closed port passes when ``rejected``, ``timeout`` or ``unreachable``.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.exchange.firewall.plugins.module_utils._ports import merge_ranges, range_tuples

REACHED = ("open", "refused")
BLOCKED = ("rejected", "timeout", "unreachable")
CANARY_PORTS = (23, 8080, 3306, 1433, 5432, 139)
MAX_PORTS_PER_RULE = 8
ANY_RULE_FALLBACK_PORT = 135


class VerifyError(ValueError):
    """Bad input for planning probes."""


def _ip(text):
    try:
        return ipaddress.ip_address(str(text).split("%", 1)[0].split("/", 1)[0])
    except ValueError:
        return None


def networks(addresses) -> list:
    """The addresses that parse as networks (a host is a /32 or /128); others are left out."""
    out = []
    for text in addresses or []:
        try:
            out.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            continue
    return out


def usable(addresses) -> list:
    """The source's addresses that can reach other hosts (no loopback, link-local or unspecified)."""
    out = []
    for text in addresses or []:
        ip = _ip(text)
        if ip is None or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
            continue
        if ip not in out:
            out.append(ip)
    return out


def _common_prefix(a, b) -> int:
    bits = a.max_prefixlen
    diff = int(a) ^ int(b)
    return bits - diff.bit_length()


def pairs(source_addresses, target_addresses) -> list:
    """[(source ip, target ip)] - one per IP family both have, the pair sharing the longest prefix."""
    sources, targets = usable(source_addresses), usable(target_addresses)
    out = []
    for version in (4, 6):
        best = None
        for s in (a for a in sources if a.version == version):
            for t in (a for a in targets if a.version == version):
                score = _common_prefix(s, t)
                if best is None or score > best[0]:
                    best = (score, s, t)
        if best:
            out.append((best[1], best[2]))
    return out


def _sample_ports(ports) -> list:
    """The ports to probe for a rule's port list: each single port, both ends of a range."""
    out = []
    for low, high in merge_ranges(range_tuples(ports)):
        out.append(low)
        if high != low:
            out.append(high)
    return out[:MAX_PORTS_PER_RULE]


def _flows_with_port(port: int, flow_ids, flows: dict) -> list:
    out = []
    for fid in flow_ids or []:
        spec = flows.get(fid) or {}
        if spec.get("protocol") not in ("tcp", "any"):
            continue
        try:
            ranges = range_tuples(spec.get("ports") or [])
        except ValueError:
            continue
        if spec.get("protocol") == "any" or any(lo <= port <= hi for lo, hi in ranges):
            out.append(fid)
    return out or list(flow_ids or [])


def _any_rule_port(rule: dict, flows: dict) -> int:
    candidates = []
    for fid in rule.get("flow_ids") or []:
        spec = flows.get(fid) or {}
        if spec.get("protocol") == "tcp":
            try:
                candidates += [lo for lo, _hi in range_tuples(spec.get("ports") or [])]
            except ValueError:
                continue
    return min(candidates) if candidates else ANY_RULE_FALLBACK_PORT


def _covers(rule: dict, ip) -> bool:
    return any(ip.version == net.version and ip in net for net in networks(rule.get("remote_addresses")))


def plan_probes(source: str, source_addresses, hosts: dict, flows: dict | None = None, closed_sample: int = 3,
                max_probes: int = 400, only=None) -> dict:
    """{"probes": [...], "notes": [...]} for one source.

    ``hosts``: {name: entry with expanded rules} (Linux and Windows hosts of the plan); ``only``:
    probe only these hosts. Each probe: id, host, address, port, source_address, expect (open or
    closed), rule, flow_ids, why.
    """
    flows = flows or {}
    if not usable(source_addresses):
        raise VerifyError(f"verify source '{source}': no usable address (got {list(source_addresses or [])})")
    probes, notes = [], []
    udp_skipped = 0
    for host in sorted(hosts):
        if host == source or (only is not None and host not in only):
            continue
        entry = hosts[host]
        addresses = list(entry.get("addresses") or []) + list(entry.get("external_addresses") or [])
        inbound = [r for r in entry.get("rules") or [] if r.get("direction", "in") == "in"
                   and r.get("action", "allow") == "allow"]
        for src, dst in pairs(source_addresses, addresses):
            covering = [r for r in inbound if _covers(r, src)]
            required = {}
            allow_all = False
            for rule in covering:
                if rule["protocol"] == "udp":
                    udp_skipped += 1
                    continue
                if rule["protocol"] == "any":
                    allow_all = True
                    ports = [_any_rule_port(rule, flows)]
                else:
                    ports = _sample_ports(rule["local_ports"])
                for port in ports:
                    required.setdefault(port, (rule, _flows_with_port(port, rule["flow_ids"], flows)))
            for port, (rule, flow_ids) in sorted(required.items()):
                probes.append({"host": host, "address": str(dst), "port": port, "source_address": str(src),
                               "expect": "open", "rule": rule["name"], "flow_ids": flow_ids,
                               "why": f"rule {rule['name']} allows TCP {port} from {src}"})
            if allow_all or closed_sample <= 0:
                continue
            allowed = [r for r in covering if r["protocol"] == "tcp"]

            def allowed_port(port, allowed=allowed):
                return any(lo <= port <= hi for r in allowed for lo, hi in range_tuples(r["local_ports"]))

            candidates = []
            for rule in inbound:
                if rule["protocol"] != "tcp" or rule in covering:
                    continue
                for port in _sample_ports(rule["local_ports"]):
                    if not allowed_port(port) and port not in candidates:
                        candidates.append((port, f"open only for {', '.join(rule.get('remote_endpoints') or [])} "
                                                 f"(rule {rule['name']}), not for {src}"))
            canaries = [(p, "no rule of the host opens it") for p in CANARY_PORTS
                        if not allowed_port(p) and not any(lo <= p <= hi for r in inbound if r["protocol"] == "tcp"
                                                           for lo, hi in range_tuples(r["local_ports"]))]
            seen = set()
            chosen = []
            for port, why in candidates + canaries:
                if port in seen:
                    continue
                seen.add(port)
                chosen.append((port, why))
                if len(chosen) >= closed_sample:
                    break
            for port, why in chosen:
                probes.append({"host": host, "address": str(dst), "port": port, "source_address": str(src),
                               "expect": "closed", "rule": None, "flow_ids": [], "why": why})
    if udp_skipped:
        notes.append(f"{udp_skipped} UDP rules are not probed (no reply proves nothing)")
    if len(probes) > max_probes:
        notes.append(f"{len(probes)} probes planned, only the first {max_probes} were run")
        probes = probes[:max_probes]
    for index, probe in enumerate(probes):
        probe["id"] = index
    return {"probes": probes, "notes": notes}


def evaluate(source: str, probes: list, observed: list) -> list:
    """Each probe with what was observed and whether it passed."""
    by_id = {o.get("id"): o for o in observed or []}
    out = []
    for probe in probes:
        seen = by_id.get(probe["id"]) or {"state": "error", "detail": "no result"}
        state = seen.get("state", "error")
        passed = state in REACHED if probe["expect"] == "open" else state in BLOCKED
        note = "the host's firewall let it through; nothing listens" if state == "refused" and passed else ""
        out.append(dict(probe, source=source, observed=state, detail=seen.get("detail", ""), passed=passed,
                        elapsed_ms=seen.get("elapsed_ms"), note=note))
    return out


def summary(results: list) -> dict:
    """Per flow (required probes) and the closed sample, across sources."""
    flows = {}
    closed = []
    for probe in results:
        if probe["expect"] == "closed":
            closed.append(probe)
            continue
        for fid in probe["flow_ids"] or [None]:
            key = (fid or "-", probe["host"], probe["rule"])
            entry = flows.setdefault(key, {"flow": fid or "-", "host": probe["host"], "rule": probe["rule"],
                                           "probes": [], "passed": True})
            entry["probes"].append(probe)
            entry["passed"] = entry["passed"] and probe["passed"]
    required = [p for p in results if p["expect"] == "open"]
    flow_list = [flows[k] for k in sorted(flows)]
    counts = {
        "probes": len(results), "required": len(required), "required_passed": sum(p["passed"] for p in required),
        "closed": len(closed), "closed_passed": sum(p["passed"] for p in closed), "flows": len(flow_list),
        "flows_failed": sum(not f["passed"] for f in flow_list),
    }
    counts["failed"] = (counts["required"] - counts["required_passed"]) + (counts["closed"] - counts["closed_passed"])
    return {"flows": flow_list, "closed": closed, "counts": counts}
