# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's schema: version check, schema-1 upgrade, and expansion of address objects. Pure.

Schema 2 defines every address set once, as a named object in ``address_objects``, and rules
refer to it by name (``remote_object``); citations are defined once in ``citations`` and rules
list their ids. Backends that need literal addresses (Windows Firewall, firewalld) get the
expanded, schema-1 shaped rules from ``expand_rules``.
"""

from __future__ import annotations

import json

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
    if version == SCHEMA_VERSION and not isinstance(version, bool):  # True == 1 in Python, not in a plan file
        for key in ("address_objects", "citations", "hosts"):
            if not isinstance(plan.get(key), dict):
                raise PlanSchemaError(f"{variable}: schema {SCHEMA_VERSION} plan without '{key}'")
        _check_shape(plan, f"{variable}: ")
        return plan
    if version == 1 and not isinstance(version, bool):
        _check_v1_shape(plan, f"{variable}: schema 1 plan: ")
        return upgrade_v1(plan)
    raise PlanSchemaError(f"{variable}: schema_version {version!r} is not supported (this collection reads "
                          f"1 and {SCHEMA_VERSION}; plan again with this collection)")


def readable_text(plan, variable: str):
    """Refuse a plan read from a file whose text cannot be written again: JSON lets a file carry lone
    UTF-16 surrogates (an escaped ``\\ud800``), which no output file (UTF-8) can hold."""
    try:
        json.dumps(plan, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PlanSchemaError(f"{variable}: holds text that is not valid Unicode ({exc.reason}: "
                              f"{exc.object[max(0, exc.start - 20):exc.end + 20]!a})") from None
    except (TypeError, ValueError):
        pass  # values that are not JSON at all are found by the shape checks
    return plan


# A plan file is read back (an approved plan, the previous plan): every value it holds is checked
# for the type the readers expect, so that a crafted or damaged file gets an error naming the
# variable and the place, never a traceback. Values themselves (addresses, ports) are checked where
# they are used.
_TEXT = (str,)
_RULE_TEXT = ("name", "protocol", "remote_object", "direction", "action", "description")
_RULE_TEXTS = ("local_ports", "flow_ids", "citation_ids", "remote_endpoints", "unverified_flow_ids")
_POLICY_TEXT = ("name", "from_zone", "to_zone", "action", "description")
_POLICY_TEXTS = ("source", "destination", "services", "flow_ids", "citation_ids", "unverified_flow_ids")
_MAPPINGS = ("meta", "settings", "flows", "network_firewalls", "peer_hosts", "unverified_reasons")


def _fail(prefix: str, where: str, what: str):
    raise PlanSchemaError(f"{prefix}{where} {what}")


def _mapping(value, prefix: str, where: str, required: bool = True) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        _fail(prefix, where, "is not a mapping")
    return value


def _list(value, prefix: str, where: str, required: bool = False) -> list:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        _fail(prefix, where, "is not a list")
    return value


def _texts(value, prefix: str, where: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        _fail(prefix, where, "is not a list of names")


def _fields(entry, text_keys, list_keys, required, prefix: str, where: str) -> None:
    _mapping(entry, prefix, where)
    for key in required:
        if key not in entry:
            _fail(prefix, where, f"has no '{key}'")
    for key in text_keys:
        if key in entry and not (isinstance(entry[key], _TEXT) or (entry[key] is None and key == "description")):
            _fail(prefix, f"{where}: '{key}'", "is not text")
    for key in list_keys:
        _texts(entry.get(key), prefix, f"{where}: '{key}'", optional=key not in required)


def _check_shape(plan: dict, prefix: str) -> None:
    """A schema-2 plan has the types its readers expect (see above); PlanSchemaError otherwise."""
    for key in _MAPPINGS:
        _mapping(plan.get(key), prefix, f"'{key}'", required=False)
    if plan.get("upgraded_from") not in (None, 1):
        _fail(prefix, "'upgraded_from'", "is not 1")
    for name, obj in plan["address_objects"].items():
        _fields(obj, ("kind", "description"), ("addresses", "members"), ("addresses",), prefix,
                f"address object '{name}'")
    for name, cite in plan["citations"].items():
        _fields(cite, ("title", "url"), (), (), prefix, f"citation '{name}'")
    for name, spec in (plan.get("flows") or {}).items():
        _fields(spec, ("purpose", "protocol"), ("ports",), (), prefix, f"flow '{name}'")
    for name, host in plan["hosts"].items():
        where = f"host '{name}'"
        _fields(host, ("platform",), ("roles", "addresses", "external_addresses", "warnings"), ("rules",), prefix,
                where)
        for index, rule in enumerate(_list(host["rules"], prefix, f"{where}: 'rules'", required=True)):
            _fields(rule, _RULE_TEXT, _RULE_TEXTS, ("name", "protocol", "remote_object"), prefix,
                    f"{where}: rule {index}")
        for index, item in enumerate(_list(host.get("disabled_flows"), prefix, f"{where}: 'disabled_flows'")):
            _fields(item, ("id", "reason"), (), ("id",), prefix, f"{where}: disabled flow {index}")
    for name, firewall in (plan.get("network_firewalls") or {}).items():
        where = f"network firewall '{name}'"
        _fields(firewall, ("status", "provider", "note"), ("warnings",), (), prefix, where)
        for key in ("zones", "address_objects", "services"):
            for item, spec in _mapping(firewall.get(key), prefix, f"{where}: '{key}'", required=False).items():
                _mapping(spec, prefix, f"{where}: {key[:-1].replace('_', ' ')} '{item}'")
        for item, spec in (firewall.get("services") or {}).items():
            _fields(spec, ("protocol",), ("ports",), ("protocol",), prefix, f"{where}: service '{item}'")
        for item, spec in (firewall.get("address_objects") or {}).items():
            _fields(spec, ("kind", "description"), ("addresses", "members"), ("addresses",), prefix,
                    f"{where}: address object '{item}'")
        for index, policy in enumerate(_list(firewall.get("policies"), prefix, f"{where}: 'policies'")):
            _fields(policy, _POLICY_TEXT, _POLICY_TEXTS,
                    ("name", "from_zone", "to_zone", "source", "destination", "services"), prefix,
                    f"{where}: policy {index}")


def _check_v1_shape(plan: dict, prefix: str) -> None:
    """A schema-1 plan has what ``upgrade_v1`` reads; PlanSchemaError otherwise."""
    for name, nets in _mapping(plan.get("networks"), prefix, "'networks'", required=False).items():
        _texts(nets, prefix, f"network '{name}'", optional=False)
    for name, host in _mapping(plan.get("hosts"), prefix, "'hosts'").items():
        if not isinstance(host, dict) or not isinstance(host.get("rules"), list):
            _fail(prefix, f"host '{name}'", "has no rules")
        for index, rule in enumerate(host["rules"]):
            where = f"host '{name}': rule {index}"
            _fields(rule, _RULE_TEXT, ("local_ports", "flow_ids", "remote_endpoints", "remote_addresses"),
                    ("name", "protocol", "remote_addresses"), prefix, where)
            for cite in rule.get("citations") or []:
                _fields(cite, ("id", "title", "url"), (), ("id",), prefix, f"{where}: citation")


def expand_rules(plan: dict, host: str) -> list:
    """The host's rules with literal addresses and full citations (the appliers' input)."""
    objects = plan["address_objects"]
    citations = plan["citations"]
    out = []
    for rule in plan["hosts"][host]["rules"]:
        try:
            addresses = objects[rule["remote_object"]]["addresses"]
            cites = [dict(citations[c], id=c) for c in rule.get("citation_ids") or []]
        except KeyError as exc:
            raise PlanSchemaError(f"host '{host}': rule '{rule.get('name')}' refers to {exc} which the plan "
                                  "does not define") from None
        out.append({
            "name": rule["name"],
            "direction": rule.get("direction") or "in",
            "protocol": rule["protocol"],
            "local_ports": list(rule.get("local_ports") or []),
            "remote_addresses": list(addresses),
            "remote_endpoints": list(rule.get("remote_endpoints") or []),
            "action": rule.get("action") or "allow",
            "flow_ids": list(rule.get("flow_ids") or []),
            "citations": cites,
            "description": rule.get("description") or "",
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
