# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed between an approved plan and this one, rule by rule and policy by policy. Pure.

Rules are matched by name (names are stable: they are built from the prefix, direction, protocol
and remote side), policies by firewall and name. What counts is what a device would enforce:
direction, protocol, action, ports and the *expanded* addresses (an address object renamed with
the same addresses is no change; the same object with other addresses is). Each change names the
flows that caused it: the rule's flows for an added or removed rule; for changed ports, the flows
whose ports include them (from the plan that has them).
"""

from __future__ import annotations

import ipaddress

from ansible_collections.exchange.firewall.plugins.module_utils._plan_schema import expand_rules, firewall_view
from ansible_collections.exchange.firewall.plugins.module_utils._ports import format_ranges, merge_ranges, range_tuples

KINDS = ("added", "removed", "changed")


def _ranges(ports) -> list:
    return merge_ranges(range_tuples(ports))


def _subtract(ranges: list, minus: list) -> list:
    """Port ranges of ``ranges`` not covered by ``minus`` (both merged and sorted)."""
    out = []
    for low, high in ranges:
        pieces = [(low, high)]
        for m_low, m_high in minus:
            next_pieces = []
            for p_low, p_high in pieces:
                if m_high < p_low or m_low > p_high:
                    next_pieces.append((p_low, p_high))
                    continue
                if p_low < m_low:
                    next_pieces.append((p_low, m_low - 1))
                if p_high > m_high:
                    next_pieces.append((m_high + 1, p_high))
            pieces = next_pieces
        out.extend(pieces)
    return merge_ranges(out)


def _address_key(text: str):
    net = ipaddress.ip_network(text, strict=False)
    return net.version, net.network_address, net.prefixlen


def _sorted_addresses(addresses) -> list:
    return sorted(set(addresses), key=_address_key)


def _flows_for_ports(ports: list, flow_ids: list, flows: dict) -> list:
    """The flows (of ``flow_ids``) whose catalog ports include one of ``ports``; all of them if none does."""
    wanted = _ranges(ports)
    out = []
    for fid in flow_ids:
        spec = flows.get(fid) or {}
        try:
            have = _ranges(spec.get("ports") or [])
        except ValueError:
            continue
        if any(lo <= w_hi and w_lo <= hi for lo, hi in have for w_lo, w_hi in wanted):
            out.append(fid)
    return out or list(flow_ids)


def _rule_view(rule: dict) -> dict:
    return {
        "name": rule["name"], "direction": rule["direction"], "protocol": rule["protocol"],
        "action": rule["action"], "ports": format_ranges(_ranges(rule["local_ports"])),
        "addresses": _sorted_addresses(rule["remote_addresses"]), "remote": list(rule.get("remote_endpoints") or []),
        "flow_ids": list(rule["flow_ids"]),
    }


def _policy_view(policy: dict, view: dict) -> dict:
    objects = view["address_objects"]
    services = {}
    for name in policy["services"]:
        spec = view["services"].get(name) or {"protocol": "any", "ports": []}
        services.setdefault(spec["protocol"], []).extend(spec["ports"])
    return {
        "name": policy["name"], "from_zone": policy["from_zone"], "to_zone": policy["to_zone"],
        "action": policy["action"],
        "source": _sorted_addresses(a for o in policy["source"] for a in objects[o]["addresses"]),
        "destination": _sorted_addresses(a for o in policy["destination"] for a in objects[o]["addresses"]),
        "services": {proto: format_ranges(_ranges(ports)) for proto, ports in sorted(services.items())},
        "flow_ids": list(policy["flow_ids"]),
    }


def _set_change(before: list, after: list) -> dict | None:
    added = [a for a in after if a not in set(before)]
    removed = [b for b in before if b not in set(after)]
    return {"added": added, "removed": removed} if added or removed else None


def _port_change(before: list, after: list) -> dict | None:
    old, new = _ranges(before), _ranges(after)
    added, removed = _subtract(new, old), _subtract(old, new)
    if not added and not removed:
        return None
    return {"added": format_ranges(added), "removed": format_ranges(removed)}


def _compare_rules(old: dict, new: dict, old_flows: dict, new_flows: dict) -> dict | None:
    changes = {}
    for field in ("direction", "protocol", "action"):
        if old[field] != new[field]:
            changes[field] = {"before": old[field], "after": new[field]}
    ports = _port_change(old["ports"], new["ports"])
    if ports:
        changes["ports"] = ports
    addresses = _set_change(old["addresses"], new["addresses"])
    if addresses:
        changes["addresses"] = addresses
    if not changes:
        return None
    caused = []
    if ports:
        caused += _flows_for_ports(ports["added"], new["flow_ids"], new_flows) if ports["added"] else []
        caused += _flows_for_ports(ports["removed"], old["flow_ids"], old_flows) if ports["removed"] else []
    if addresses or set(changes) - {"ports"} or not caused:
        caused += new["flow_ids"]
    flows = _set_change(old["flow_ids"], new["flow_ids"]) or {"added": [], "removed": []}
    return {"name": new["name"], "changes": changes, "flow_ids": new["flow_ids"],
            "flows_added": flows["added"], "flows_removed": flows["removed"],
            "caused_by": sorted(set(caused) | set(flows["added"]) | set(flows["removed"])),
            "before": old, "after": new}


def _compare_policies(old: dict, new: dict, old_flows: dict, new_flows: dict) -> dict | None:
    changes = {}
    for field in ("from_zone", "to_zone", "action"):
        if old[field] != new[field]:
            changes[field] = {"before": old[field], "after": new[field]}
    for field in ("source", "destination"):
        change = _set_change(old[field], new[field])
        if change:
            changes[field] = change
    services = {}
    for proto in sorted(set(old["services"]) | set(new["services"])):
        change = _port_change(old["services"].get(proto, []), new["services"].get(proto, []))
        if proto == "any" and (proto in old["services"]) != (proto in new["services"]):
            change = {"added": ["any"] if proto in new["services"] else [],
                      "removed": ["any"] if proto in old["services"] else []}
        if change:
            services[proto] = change
    if services:
        changes["services"] = services
    if not changes:
        return None
    flows = _set_change(old["flow_ids"], new["flow_ids"]) or {"added": [], "removed": []}
    caused = set(flows["added"]) | set(flows["removed"])
    for change in services.values():
        numeric = [p for p in change["added"] if p != "any"], [p for p in change["removed"] if p != "any"]
        caused |= set(_flows_for_ports(numeric[0], new["flow_ids"], new_flows)) if numeric[0] else set()
        caused |= set(_flows_for_ports(numeric[1], old["flow_ids"], old_flows)) if numeric[1] else set()
    if set(changes) - {"services"} or not caused:
        caused |= set(new["flow_ids"])
    return {"name": new["name"], "changes": changes, "flow_ids": new["flow_ids"],
            "flows_added": flows["added"], "flows_removed": flows["removed"], "caused_by": sorted(caused),
            "before": old, "after": new}


def _entries(old: dict, new: dict, compare) -> dict:
    out = {"added": [new[n] for n in sorted(set(new) - set(old))],
           "removed": [old[n] for n in sorted(set(old) - set(new))],
           "changed": []}
    for name in sorted(set(old) & set(new)):
        change = compare(old[name], new[name])
        if change:
            out["changed"].append(change)
    return out


def _host_rules(plan: dict, host: str) -> dict:
    return {r["name"]: _rule_view(r) for r in expand_rules(plan, host)}


def _firewall_policies(plan: dict, name: str) -> dict:
    section = plan.get("network_firewalls", {}).get(name) or {}
    if section.get("status", "planned") != "planned" or "policies" not in section:
        return {}
    view = firewall_view(plan, name)
    return {p["name"]: _policy_view(p, view) for p in section["policies"]}


def compare(previous: dict, current: dict, hosts=None) -> dict:
    """Changes from ``previous`` to ``current`` (both schema-2 plans).

    ``hosts``: compare only these hosts (a run limited to some hosts); firewalls are always compared.
    """
    old_flows, new_flows = previous.get("flows") or {}, current.get("flows") or {}
    names = set(previous["hosts"]) | set(current["hosts"])
    if hosts is not None:
        names &= set(hosts)
    out_hosts = {}
    for host in sorted(names):
        old = _host_rules(previous, host) if host in previous["hosts"] else {}
        new = _host_rules(current, host) if host in current["hosts"] else {}
        entry = _entries(old, new, lambda a, b: _compare_rules(a, b, old_flows, new_flows))
        if any(entry[k] for k in KINDS) or (host in previous["hosts"]) != (host in current["hosts"]):
            entry["status"] = ("added" if host not in previous["hosts"] else
                               "removed" if host not in current["hosts"] else "changed")
            out_hosts[host] = entry
    out_firewalls = {}
    fw_names = set(previous.get("network_firewalls") or {}) | set(current.get("network_firewalls") or {})
    for name in sorted(fw_names):
        old = _firewall_policies(previous, name)
        new = _firewall_policies(current, name)
        entry = _entries(old, new, lambda a, b: _compare_policies(a, b, old_flows, new_flows))
        in_old, in_new = name in (previous.get("network_firewalls") or {}), name in (current.get("network_firewalls") or {})
        if any(entry[k] for k in KINDS) or in_old != in_new:
            entry["status"] = "added" if not in_old else "removed" if not in_new else "changed"
            out_firewalls[name] = entry
    summary = {f"rules_{k}": sum(len(h[k]) for h in out_hosts.values()) for k in KINDS}
    summary.update({f"policies_{k}": sum(len(f[k]) for f in out_firewalls.values()) for k in KINDS})
    summary["hosts_added"] = sorted(h for h, e in out_hosts.items() if e["status"] == "added")
    summary["hosts_removed"] = sorted(h for h, e in out_hosts.items() if e["status"] == "removed")
    summary["unchanged"] = not out_hosts and not out_firewalls
    meta = previous.get("meta") or {}
    return {
        "previous": {"generated_at": meta.get("generated_at"), "inventory_fingerprint": meta.get("inventory_fingerprint"),
                     "collection_version": meta.get("collection_version"), "schema_version": previous.get("schema_version"),
                     "upgraded_from": previous.get("upgraded_from")},
        "summary": summary,
        "hosts": out_hosts,
        "network_firewalls": out_firewalls,
    }


def without_changes(plan: dict) -> dict:
    """A plan without its own record of changes (an approved plan may carry one from its own run)."""
    return {k: v for k, v in plan.items() if k != "changes_since_previous"}
