# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper SRX: junos_security_policies arguments and junos_config set lines from a view. Pure.

The SRX is stateful: only the initiating direction is rendered. Zones are referenced by name
(the zones and their interfaces are the administrator's). Address objects go to the *global*
address book (one address per network, one address-set per object), services to
``applications``; no resource module covers either, so they are ``set`` lines for
``junipernetworks.junos.junos_config``. The policies are rendered twice from one structure: as
``junos_security_policies`` arguments (previewed and tested with ``state: rendered``/``parsed``)
and as set lines, because that module's ``replaced`` (like ``deleted``) deletes the whole
``security policies`` hierarchy, including policies the collection does not own. Each owned
object is deleted and set again in the same commit, which replaces it and nothing else.

``then permit`` carries ``tcp-options syn-check-required`` (the SRX default anyway): the module
drops an empty ``permit: {}``. With ``protect``, every ordered pair of different zones ends with a
deny policy to the protected hosts.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import MAX_NAME, MAX_TEXT, Namer
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import clean_text

BOOK = "security address-book global"
PERMIT = {"permit": {"tcp_options": {"syn_check_required": True}}}


def _address_book(view: dict, namer: Namer) -> tuple:
    lines, sets = [], {}
    objects = dict(view["address_objects"])
    if view["default_action"] == "protect" and view["protected"]:
        objects[None] = {"addresses": view["protected"], "description": "exchange.firewall: protected hosts"}
    for name, obj in sorted(objects.items(), key=lambda item: (item[0] is None, item[0] or "")):
        set_name = namer("set", name) if name else namer("group", "protected")
        members = []
        for index, network in enumerate(obj["addresses"], start=1):
            entry = namer("address", name or "", str(index)) if name else namer("group", "protected", str(index))
            members.append(entry)
            lines += [f"delete {BOOK} address {entry}", f"set {BOOK} address {entry} {network}"]
        lines.append(f"delete {BOOK} address-set {set_name}")
        if obj["description"]:
            lines.append(f'set {BOOK} address-set {set_name} description "{clean_text(obj["description"], 255)}"')
        lines += [f"set {BOOK} address-set {set_name} address {m}" for m in members]
        sets[name] = set_name
    return lines, sets


def _applications(view: dict, namer: Namer) -> tuple:
    lines, names = [], {}
    for name, svc in view["services"].items():
        if svc["protocol"] == "any":
            names[name] = "any"
            continue
        app = names[name] = namer("application", name)
        lines.append(f"delete applications application {app}")
        ports = [f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in svc["ports"]]
        if len(ports) == 1:
            lines.append(f"set applications application {app} protocol {svc['protocol']} destination-port {ports[0]}")
        else:
            lines += [f"set applications application {app} term t{i} protocol {svc['protocol']} destination-port {p}"
                      for i, p in enumerate(ports, start=1)]
    return lines, names


def _policies(view: dict, namer: Namer, sets: dict, apps: dict) -> dict:
    pairs: dict = {}
    for policy in view["policies"]:
        applications = sorted({apps[s] for s in policy["services"]})
        pairs.setdefault((policy["from_zone"], policy["to_zone"]), []).append({
            "name": namer("policy", policy["name"]),
            "description": clean_text(policy["comment"], MAX_TEXT["junos"]),
            "match": {"source_address": {"addresses": sorted(sets[o] for o in policy["source"])},
                      "destination_address": {"addresses": sorted(sets[o] for o in policy["destination"])},
                      "application": {"any": True} if "any" in applications else {"names": applications}},
            "then": PERMIT,
        })
    if view["default_action"] == "protect" and view["protected"]:
        for src in sorted(view["zones"]):
            for dst in sorted(z for z in view["zones"] if z != src):
                pairs.setdefault((src, dst), []).append({
                    "name": namer("policy", "protect", src, dst),
                    "description": "exchange.firewall: deny other traffic to protected hosts",
                    "match": {"source_address": {"any": True}, "destination_address": {"addresses": [sets[None]]},
                              "application": {"any": True}},
                    "then": {"deny": True},
                })
    zones: dict = {}
    for (src, dst), policies in sorted(pairs.items()):
        zones.setdefault(src, []).append({"name": dst, "policies": policies})
    return {"from_zones": [{"name": src, "to_zones": to} for src, to in zones.items()]}


def policy_lines(config: dict) -> list:
    """``set`` lines equal to a junos_security_policies ``config`` (each policy deleted first)."""
    lines = []
    for src in config["from_zones"]:
        for dst in src["to_zones"]:
            for policy in dst["policies"]:
                head = f"security policies from-zone {src['name']} to-zone {dst['name']} policy {policy['name']}"
                lines.append(f"delete {head}")
                if policy.get("description"):
                    lines.append(f'set {head} description "{policy["description"]}"')
                match = policy["match"]
                for key, word in (("source_address", "source-address"), ("destination_address", "destination-address"),
                                  ("application", "application")):
                    values = ["any"] if match[key].get("any") else match[key].get("addresses") or match[key].get("names")
                    lines += [f"set {head} match {word} {v}" for v in values]
                if "deny" in policy["then"]:
                    lines.append(f"set {head} then deny")
                else:
                    lines.append(f"set {head} then permit tcp-options syn-check-required")
    return lines


def render(view: dict) -> dict:
    """Module arguments (without ``state``) keyed by module name."""
    namer = Namer(view["prefix"], MAX_NAME["junos"], view["name"])
    book, sets = _address_book(view, namer)
    applications, apps = _applications(view, namer)
    config = _policies(view, namer, sets, apps)
    return {
        "junipernetworks.junos.junos_security_policies": {"config": config},
        "junipernetworks.junos.junos_config": {"lines": book + applications + policy_lines(config)},
    }
