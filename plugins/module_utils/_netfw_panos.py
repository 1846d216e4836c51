# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Palo Alto PAN-OS: paloaltonetworks.panos module parameters from a view. Pure.

Every network becomes an address object (``ip-netmask``), every view address object an address
group with static members, every TCP/UDP service a service object (``any`` is PAN-OS's ``any``).
Each policy becomes a security rule (application ``any``: the view speaks ports, not App-ID).
With ``protect``, one ``interzone`` deny rule from every zone to every zone ends the block: it
denies other traffic to the protected hosts between different zones and leaves intrazone traffic
alone. The rules carry ``location``: the first goes to the top of the rulebase, each next one
after the previous, so the block stays together and ahead of broader rules.

``SDK_FIELDS`` maps the module options to the pan-os-python object parameters, the same
mapping the modules apply (``panos_security_rule`` builds a ``panos.policies.SecurityRule`` from
``rule_name`` -> ``name``, ``source_zone`` -> ``fromzone``...), so the plugin_utils renderer can
build the objects and their XML offline.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import MAX_NAME, MAX_TEXT, Namer
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import clean_text

MODULE = "paloaltonetworks.panos.panos_"
SDK_FIELDS = {
    "address_object": {"name": "name", "value": "value", "address_type": "type", "description": "description"},
    "address_group": {"name": "name", "static_value": "static_value", "description": "description"},
    "service_object": {"name": "name", "protocol": "protocol", "destination_port": "destination_port",
                       "description": "description"},
    "security_rule": {"rule_name": "name", "source_zone": "fromzone", "destination_zone": "tozone",
                      "source_ip": "source", "destination_ip": "destination", "application": "application",
                      "service": "service", "action": "action", "description": "description", "rule_type": "type",
                      "log_end": "log_end"},
}


def _objects(view: dict, namer: Namer) -> tuple:
    addresses, groups, names = [], [], {}
    objects = dict(view["address_objects"])
    if view["default_action"] == "protect" and view["protected"]:
        objects[None] = {"addresses": view["protected"], "description": "exchange.firewall: protected hosts"}
    for name, obj in sorted(objects.items(), key=lambda item: (item[0] is None, item[0] or "")):
        kind, label = ("object", name) if name else ("group", "protected")
        description = clean_text(obj["description"], MAX_TEXT["panos"])
        members = []
        for index, network in enumerate(obj["addresses"], start=1):
            entry = namer(kind + "-entry", label, str(index))
            members.append(entry)
            addresses.append({"name": entry, "value": str(network), "address_type": "ip-netmask",
                              "description": description})
        names[name] = namer(kind, label)
        groups.append({"name": names[name], "static_value": members, "description": description})
    return addresses, groups, names


def _services(view: dict, namer: Namer) -> tuple:
    out, names = [], {}
    for name, svc in view["services"].items():
        if svc["protocol"] == "any":
            names[name] = "any"
            continue
        names[name] = namer("service", name)
        ports = ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in svc["ports"])
        out.append({"name": names[name], "protocol": svc["protocol"], "destination_port": ports,
                    "description": "exchange.firewall"})
    return out, names


def _rules(view: dict, namer: Namer, groups: dict, services: dict) -> list:
    rules = []
    for policy in view["policies"]:
        service = sorted({services[s] for s in policy["services"]})
        rules.append({
            "rule_name": namer("rule", policy["name"]), "source_zone": [policy["from_zone"]],
            "destination_zone": [policy["to_zone"]], "source_ip": sorted(groups[o] for o in policy["source"]),
            "destination_ip": sorted(groups[o] for o in policy["destination"]), "application": ["any"],
            "service": ["any"] if "any" in service else service, "action": "allow",
            "description": clean_text(policy["comment"], MAX_TEXT["panos"]), "rule_type": "universal",
            "log_end": True,
        })
    if view["default_action"] == "protect" and view["protected"] and len(view["zones"]) > 1:
        zones = sorted(view["zones"])
        rules.append({
            "rule_name": namer("rule", "protect"), "source_zone": zones, "destination_zone": zones,
            "source_ip": ["any"], "destination_ip": [groups[None]], "application": ["any"], "service": ["any"],
            "action": "deny", "description": "exchange.firewall: deny other traffic to protected hosts",
            "rule_type": "interzone", "log_end": True,
        })
    previous = None
    for rule in rules:
        rule.update({"location": "top"} if previous is None else {"location": "after", "existing_rule": previous})
        previous = rule["rule_name"]
    return rules


def render(view: dict) -> dict:
    """Parameter dicts per paloaltonetworks.panos module (without provider/state), in order."""
    objects = Namer(view["prefix"], MAX_NAME["panos"], view["name"])
    addresses, groups, names = _objects(view, objects)
    services, service_names = _services(view, Namer(view["prefix"], MAX_NAME["panos"], view["name"]))
    rules = _rules(view, Namer(view["prefix"], MAX_NAME["panos"], view["name"]), names, service_names)
    return {
        MODULE + "address_object": addresses,
        MODULE + "address_group": groups,
        MODULE + "service_object": services,
        MODULE + "security_rule": rules,
    }


def sdk_params(kind: str, params: dict) -> dict:
    """pan-os-python constructor arguments for one module parameter dict (``kind``: a SDK_FIELDS key)."""
    return {sdk: params[option] for option, sdk in SDK_FIELDS[kind].items() if option in params}
