#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_ruleset_info
short_description: Read the collection-owned firewalld zone and the bindings that can take traffic from it
version_added: 1.1.0
description:
  - Reads, without changing anything, the entries of the zone that M(exchange.firewall.firewalld_ruleset)
    manages (sources, ports and rich rules, in the permanent and the runtime configuration, rich
    rules in firewalld's canonical form), and what else could decide about the same traffic - the
    sources bound to other zones (firewalld dispatches by source before interface, in the order of
    ingress priority and zone name, so a zone earlier in that order whose source overlaps a rule's
    addresses takes that traffic away from the owned zone) and the policies whose ingress includes
    the owned zone or C(ANY) and whose egress is C(HOST).
  - The drift audit of the C(exchange.firewall.exchange_firewall) role compares this with the plan
    on the controller (the P(exchange.firewall.drift#filter) filter).
author:
  - Exchange Firewall Contributors (@exchange-firewall)
requirements:
  - firewalld 0.9 or later, running
  - the firewalld Python bindings (Debian C(python3-firewall)) for the interpreter that runs the module
options:
  zone:
    description: The collection-owned zone.
    type: str
    default: exfw
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads.
  idempotent:
    support: full
    description: The module only reads.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with firewalld.
seealso:
  - module: exchange.firewall.firewalld_ruleset
  - plugin: exchange.firewall.drift
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the owned zone
  exchange.firewall.firewalld_ruleset_info:
    zone: exfw
  register: live

- name: Compare it with the host's rule set from the plan
  ansible.builtin.debug:
    msg: "{{ lookup('exchange.firewall.ruleset', inventory_hostname) | exchange.firewall.drift('firewalld', live) }}"
"""

RETURN = r"""
zone:
  description: The owned zone's name.
  returned: always
  type: str
  sample: exfw
permanent:
  description:
    - Entries of the permanent zone (C(sources), C(ports) such as C(25/tcp), C(rich_rules)).
    - Null when the zone does not exist.
  returned: always
  type: dict
runtime:
  description: Entries of the runtime zone, or null when it does not exist.
  returned: always
  type: dict
owner:
  description: The zone's short name in each configuration (C(exchange.firewall) when the collection owns it).
  returned: always
  type: dict
  sample: {"permanent": "exchange.firewall", "runtime": "exchange.firewall"}
other_zones:
  description:
    - Runtime zones other than the owned one that have sources or interfaces bound, with their
      target and ingress priority.
    - firewalld dispatches by source in the order of (ingress priority, zone name); a zone earlier
      in that order whose source overlaps the owned zone's takes that traffic first.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "block", "sources": ["10.250.1.2"], "interfaces": [], "target": "%%REJECT%%", "ingress_priority": 0}]
ingress_priority:
  description: The owned zone's ingress priority (0 when firewalld has no zone priorities).
  returned: always
  type: int
policies:
  description: Runtime policies whose ingress zones include the owned zone or C(ANY) and whose egress zones include C(HOST).
  returned: always
  type: list
  elements: dict
firewalld_version:
  description: The version of the running firewalld.
  returned: always
  type: str
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd

try:
    from firewall.client import FirewallClient
    from firewall.core.rich import Rich_Rule

    HAS_FIREWALL = True
    IMPORT_ERROR = None
except ImportError:
    HAS_FIREWALL = False
    IMPORT_ERROR = traceback.format_exc()


def _canonical(text):
    return str(Rich_Rule(rule_str=text))


def _entries(settings):
    if settings is None:
        return None
    entries = fwd.entries(settings, _canonical)
    return {kind: sorted(entries[kind]) for kind in fwd.ENTRY_KINDS}


def _policies(client, zone):
    out = []
    try:
        names = client.getPolicies()
    # firewalld before 0.9 has no policies.
    except Exception:  # pylint: disable=broad-except
        return out
    for name in names:
        settings = client.getPolicySettings(name).getSettingsDict()
        ingress, egress = settings.get("ingress_zones") or [], settings.get("egress_zones") or []
        if (zone in ingress or "ANY" in ingress) and "HOST" in egress:
            out.append({"name": name, "target": settings.get("target"), "ingress_zones": ingress,
                        "egress_zones": egress, "rich_rules": list(settings.get("rich_rules") or []),
                        "ports": [f"{p[0]}/{p[1]}" for p in settings.get("ports") or []]})
    return out


def _version(client):
    try:
        return str(client.get_property("version"))
    # Informational only.
    except Exception:  # pylint: disable=broad-except
        return ""


def main():
    module = AnsibleModule(argument_spec=dict(zone=dict(type="str", default="exfw")), supports_check_mode=True)
    if not HAS_FIREWALL:
        module.fail_json(msg=missing_required_lib("firewall (firewalld's Python bindings, Debian python3-firewall)"),
                         exception=IMPORT_ERROR, firewalld_unavailable=True)
    zone = module.params["zone"]
    client = FirewallClient()
    if not client.connected:
        module.fail_json(msg="firewalld is not running (could not connect over D-Bus)", firewalld_unavailable=True)
    config = client.config()
    permanent = runtime = None
    if zone in config.getZoneNames():
        permanent = config.getZoneByName(zone).getSettings().getSettingsDict()
    if zone in client.getZones():
        runtime = client.getZoneSettings(zone).getSettingsDict()
    others = []
    for name, bound in sorted(client.getActiveZones().items()):
        if name == zone:
            continue
        settings = client.getZoneSettings(name).getSettingsDict()
        others.append({"name": name, "sources": sorted(bound.get("sources") or []),
                       "interfaces": sorted(bound.get("interfaces") or []), "target": settings.get("target"),
                       "ingress_priority": settings.get("ingress_priority", 0)})
    module.exit_json(
        changed=False, zone=zone, permanent=_entries(permanent), runtime=_entries(runtime),
        owner={"permanent": (permanent or {}).get("short"), "runtime": (runtime or {}).get("short")},
        ingress_priority=(runtime or permanent or {}).get("ingress_priority", 0),
        other_zones=others, policies=_policies(client, zone),
        firewalld_version=_version(client))


if __name__ == "__main__":
    main()
