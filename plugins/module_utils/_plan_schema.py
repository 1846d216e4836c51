# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's schema: version check, schema-1 upgrade, and expansion of address objects. Pure.

Schema 2 defines every address set once, as a named object in ``address_objects``, and rules
refer to it by name (``remote_object``); citations are defined once in ``citations`` and rules
list their ids. Backends that need literal addresses (Windows Firewall, firewalld) get the
expanded, schema-1 shaped rules from ``expand_rules``.
"""

from __future__ import annotations

SCHEMA_VERSION = 2
# The keys of an expanded rule: exactly a schema-1 rule, what the appliers accept.
EXPANDED_KEYS = ("name", "direction", "protocol", "local_ports", "remote_addresses", "remote_endpoints",
                 "action", "flow_ids", "citations", "description")


class PlanSchemaError(ValueError):
    """A plan that this collection cannot read."""


def check(plan, variable: str = "exchange_firewall_plan") -> dict:
    """Return a schema-2 plan: ``plan`` itself, or its upgrade when it is a schema-1 plan."""
    if not isinstance(plan, dict) or "schema_version" not in plan:
        raise PlanSchemaError(f"{variable}: not a plan of this collection (no schema_version)")
    version = plan["schema_version"]
    if version == SCHEMA_VERSION:
        for key in ("address_objects", "citations", "hosts"):
            if not isinstance(plan.get(key), dict):
                raise PlanSchemaError(f"{variable}: schema {SCHEMA_VERSION} plan without '{key}'")
        return plan
    if version == 1:
        return upgrade_v1(plan)
    raise PlanSchemaError(f"{variable}: schema_version {version!r} is not supported (this collection reads "
                          f"1 and {SCHEMA_VERSION}; plan again with this collection)")


def expand_rules(plan: dict, host: str) -> list:
    """The host's rules with literal addresses and full citations (the appliers' input)."""
    objects = plan["address_objects"]
    citations = plan["citations"]
    out = []
    for rule in plan["hosts"][host]["rules"]:
        try:
            addresses = objects[rule["remote_object"]]["addresses"]
            cites = [dict(citations[c], id=c) for c in rule.get("citation_ids", [])]
        except KeyError as exc:
            raise PlanSchemaError(f"host '{host}': rule '{rule.get('name')}' refers to {exc} which the plan "
                                  "does not define") from None
        out.append({
            "name": rule["name"],
            "direction": rule.get("direction", "in"),
            "protocol": rule["protocol"],
            "local_ports": list(rule.get("local_ports", [])),
            "remote_addresses": list(addresses),
            "remote_endpoints": list(rule.get("remote_endpoints", [])),
            "action": rule.get("action", "allow"),
            "flow_ids": list(rule.get("flow_ids", [])),
            "citations": cites,
            "description": rule.get("description", ""),
        })
    return out


def host_ruleset(plan: dict, host: str) -> dict:
    """One host's entry with expanded rules: everything an applier needs, nothing of other hosts."""
    entry = plan["hosts"].get(host)
    if entry is None:
        return None
    out = dict(entry, rules=expand_rules(plan, host))
    prefix = (plan.get("settings") or {}).get("rule_prefix")
    if prefix:
        out["rule_prefix"] = prefix
    return out


def upgrade_v1(plan: dict) -> dict:
    """A schema-1 plan (literal addresses and citations in every rule) as a schema-2 plan."""
    objects, by_addresses, citations, hosts = {}, {}, {}, {}
    for name, nets in sorted((plan.get("networks") or {}).items()):
        objects[name] = {"kind": "network", "addresses": list(nets), "members": [],
                         "description": f"network '{name}'"}
        by_addresses.setdefault((name, tuple(nets)), name)
    for host_name, host in sorted(plan.get("hosts", {}).items()):
        rules = []
        for rule in host["rules"]:
            label = "+".join(rule.get("remote_endpoints") or []) or rule["name"]
            key = (label, tuple(rule["remote_addresses"]))
            obj = by_addresses.get(key)
            if obj is None:
                obj, counter = label, 2
                while obj in objects:
                    obj = f"{label}-{counter}"
                    counter += 1
                kind = "organisation" if label == "organisation" else "role"
                objects[obj] = {"kind": kind, "addresses": list(rule["remote_addresses"]), "members": [],
                                "description": f"remote addresses of '{label}'"}
                by_addresses[key] = obj
            ids = []
            for cite in rule.get("citations") or []:
                citations.setdefault(cite["id"], {"title": cite.get("title", ""), "url": cite.get("url", "")})
                ids.append(cite["id"])
            upgraded = {k: v for k, v in rule.items() if k not in ("remote_addresses", "citations")}
            upgraded.update(remote_object=obj, citation_ids=ids)
            rules.append(upgraded)
        hosts[host_name] = dict(host, rules=rules)
    out = {k: v for k, v in plan.items() if k not in ("networks", "hosts")}
    out.update(schema_version=SCHEMA_VERSION, address_objects=dict(sorted(objects.items())),
               citations=dict(sorted(citations.items())), hosts=hosts, upgraded_from=1)
    return out


def firewall_view(plan: dict, name: str) -> dict:
    """One network firewall's policies with everything they name, expanded: the renderers' input.

    Keys: name, prefix, provider, network_os, default_action, zones (interfaces, vrf, addresses),
    address_objects (only those the policies use), services, protected, and policies, each with
    its flow ids, full citations and a one-line comment.
    """
    section = plan["network_firewalls"][name]
    objects = {}
    for policy in section["policies"]:
        for obj in policy["source"] + policy["destination"]:
            spec = section["address_objects"].get(obj) or plan["address_objects"].get(obj)
            if spec is None:
                raise PlanSchemaError(f"firewall '{name}': policy '{policy['name']}' refers to object '{obj}' "
                                      "which the plan does not define")
            objects[obj] = {"addresses": list(spec["addresses"]), "description": spec["description"]}
    policies = []
    for policy in section["policies"]:
        cites = [dict(plan["citations"][c], id=c) for c in policy["citation_ids"]]
        comment = f"exchange.firewall: {', '.join(policy['flow_ids'])}"
        if cites:
            comment += f" (sources: {', '.join(c['id'] for c in cites)})"
        policies.append({"name": policy["name"], "from_zone": policy["from_zone"], "to_zone": policy["to_zone"],
                         "source": list(policy["source"]), "destination": list(policy["destination"]),
                         "services": list(policy["services"]), "action": policy["action"],
                         "flow_ids": list(policy["flow_ids"]), "citations": cites, "comment": comment})
    return {
        "name": name,
        "prefix": plan["settings"]["rule_prefix"],
        "provider": section["provider"],
        "network_os": section["network_os"],
        "default_action": section["default_action"],
        "zones": {z: {"interfaces": list(spec["interfaces"]), "vrf": spec["vrf"], "addresses": list(spec["addresses"])}
                  for z, spec in section["zones"].items()},
        "address_objects": dict(sorted(objects.items())),
        "services": {k: dict(v) for k, v in section["services"].items()},
        "protected": list(section["protected"]),
        "policies": policies,
    }
