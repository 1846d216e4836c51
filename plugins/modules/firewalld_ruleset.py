#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_ruleset
short_description: Reconcile a host's whole Exchange firewall rule set with firewalld in one call
version_added: 1.0.0
description:
  - Takes the host's rule set from the M(exchange.firewall.plan) output and makes the
    collection-owned firewalld zone hold exactly those rules, in the permanent and the runtime
    configuration.
  - State is read once; want versus have is computed in memory and only the difference is
    changed. Each configuration is replaced in one D-Bus call; if the runtime change fails after
    the permanent one succeeded, the permanent configuration is restored, so nothing is left
    half-applied.
  - Rules open to any address of both families become zone ports; source-scoped rules become
    rich rules; IPv4 and IPv6.
  - Only the owned zone is ever changed. Other zones, policies and rules are never touched. A zone
    of that name that the collection does not own (its short name is not C(exchange.firewall)) is
    refused.
  - Refuses a rule set that would remove management access (no rule for O(management_ports)), or
    that would cut the SSH connection the module runs over.
  - Outbound rules are not applied (firewalld allows outbound traffic by default); they are listed
    in RV(skipped_rules).
author:
  - Exchange Firewall Contributors (@exchange-firewall)
extends_documentation_fragment:
  - exchange.firewall.ruleset
requirements:
  - firewalld 0.9 or later, running
  - the firewalld Python bindings (Debian C(python3-firewall)) for the interpreter that runs the module
options:
  zone:
    description: The collection-owned zone.
    type: str
    default: exfw
  bind_sources:
    description:
      - C(all) binds 0.0.0.0/0 and ::/0 to the zone, so the plan is the host's whole inbound policy.
      - C(planned) binds only the rules' remote addresses; traffic from other sources keeps the
        zone of its interface.
    type: str
    choices: [all, planned]
    default: all
  purge:
    description: Remove entries of the owned zone that are not in the rule set.
    type: bool
    default: true
  management_ports:
    description:
      - TCP ports of which at least one must stay open, or the module refuses to apply.
      - An empty list turns the check off.
    type: list
    elements: str
    default: ["22"]
  state:
    description: C(present) reconciles the rules; C(absent) empties and removes the owned zone.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Computes and returns the same structured diff and changes nothing.
  diff_mode:
    support: full
    description: Shows the zone's entries before and after.
  idempotent:
    support: full
    description: A second run with the same rules changes nothing.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with firewalld.
notes:
  - Creating the zone the first time needs one firewalld reload, which also drops runtime-only
    changes made to other zones; later runs never reload.
seealso:
  - module: exchange.firewall.plan
  - module: ansible.posix.firewalld
"""

EXAMPLES = r"""
- name: Apply a host's rule set from the plan
  exchange.firewall.firewalld_ruleset:
    rules: "{{ exchange_firewall_plan.hosts[inventory_hostname].rules }}"

- name: Apply two rules, keeping entries added to the zone by hand
  exchange.firewall.firewalld_ruleset:
    purge: false
    rules:
      - name: exfw-in-tcp-management
        protocol: tcp
        local_ports: ["22"]
        remote_addresses: [10.1.5.0/24, "fd00:1:5::/64"]
      - name: exfw-in-tcp-smtp-clients
        protocol: tcp
        local_ports: ["25"]
        remote_addresses: [10.30.0.0/24]

- name: Remove the owned zone
  exchange.firewall.firewalld_ruleset:
    state: absent
"""

RETURN = r"""
zone:
  description: The owned zone.
  returned: always
  type: str
  sample: exfw
added:
  description: Entries added (C(sources), C(ports), C(rich_rules)), in either configuration.
  returned: always
  type: dict
  sample: {"sources": [], "ports": ["25/tcp"], "rich_rules": []}
removed:
  description: Entries removed, in either configuration.
  returned: always
  type: dict
permanent_changed:
  description: Whether the permanent configuration changed (or would change in check mode).
  returned: always
  type: bool
runtime_changed:
  description: Whether the runtime configuration changed (or would change in check mode).
  returned: always
  type: bool
reloaded:
  description: Whether firewalld was reloaded (only when the zone was created).
  returned: always
  type: bool
skipped_rules:
  description: Names of rules that were not applied (outbound rules).
  returned: always
  type: list
  elements: str
firewalld_unavailable:
  description: True when the failure is that firewalld or its Python bindings are missing or stopped.
  returned: failure
  type: bool
"""

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd
from ansible_collections.exchange.firewall.plugins.module_utils._ruleset_spec import RULE_SPEC

try:
    from firewall.client import FirewallClient, FirewallClientZoneSettings
    from firewall.core.rich import Rich_Rule

    HAS_FIREWALL = True
    IMPORT_ERROR = None
except ImportError:
    HAS_FIREWALL = False
    IMPORT_ERROR = traceback.format_exc()


def _canonical(text):
    return str(Rich_Rule(rule_str=text))


def _ssh_client():
    parts = os.environ.get("SSH_CONNECTION", "").split()
    if len(parts) == 4 and parts[3].isdigit():
        return parts[0], int(parts[3])
    return None, None


class Zone:
    """Reads and writes the owned zone through firewalld's D-Bus client."""

    def __init__(self, module, name):
        self.module = module
        self.name = name
        self.client = FirewallClient()
        if not self.client.connected:
            module.fail_json(msg="firewalld is not running (could not connect over D-Bus)", firewalld_unavailable=True)
        self.config = self.client.config()

    def read(self):
        permanent = runtime = None
        if self.name in self.config.getZoneNames():
            permanent = self.config.getZoneByName(self.name).getSettings().getSettingsDict()
        if self.name in self.client.getZones():
            runtime = self.client.getZoneSettings(self.name).getSettingsDict()
        return permanent, runtime

    def write_permanent(self, settings):
        if self.name in self.config.getZoneNames():
            self.config.getZoneByName(self.name).update(FirewallClientZoneSettings(settings))
        else:
            self.config.addZone(self.name, FirewallClientZoneSettings(settings))

    def remove_permanent(self):
        if self.name in self.config.getZoneNames():
            self.config.getZoneByName(self.name).remove()

    def write_runtime(self, settings):
        self.client.setZoneSettings(self.name, FirewallClientZoneSettings(settings))

    def reload(self):
        self.client.reload()


def _owned(module, zone, settings):
    if settings is not None and settings.get("short") != fwd.OWNER_SHORT:
        module.fail_json(msg=f"zone '{zone}' exists and is not owned by exchange.firewall (its short name is "
                             f"{settings.get('short')!r}); refusing to manage it. Choose another zone name.")


def _empty():
    return {k: set() for k in fwd.ENTRY_KINDS}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            rules=dict(type="list", elements="dict", options=RULE_SPEC),
            zone=dict(type="str", default="exfw"),
            bind_sources=dict(type="str", choices=["all", "planned"], default="all"),
            purge=dict(type="bool", default=True),
            management_ports=dict(type="list", elements="str", default=["22"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("rules",))],
        supports_check_mode=True,
    )
    if not HAS_FIREWALL:
        module.fail_json(msg=missing_required_lib("firewall (firewalld's Python bindings, Debian python3-firewall)"),
                         exception=IMPORT_ERROR, firewalld_unavailable=True)
    params = module.params
    name = params["zone"]
    skipped = []
    try:
        if params["state"] == "present":
            want = fwd.desired(params["rules"], params["bind_sources"])
            skipped = want.pop("skipped")
            want["rich_rules"] = {_canonical(r) for r in want["rich_rules"]}
        else:
            want = _empty()
    except fwd.RulesetError as exc:
        module.fail_json(msg=str(exc))

    zone = Zone(module, name)
    perm_settings, rt_settings = zone.read()
    _owned(module, name, perm_settings)
    _owned(module, name, rt_settings)
    have_perm = fwd.entries(perm_settings, _canonical) if perm_settings is not None else _empty()
    have_rt = fwd.entries(rt_settings, _canonical) if rt_settings is not None else _empty()
    purge = params["purge"] or params["state"] == "absent"
    new_perm = fwd.merge(want, have_perm, purge)
    new_rt = fwd.merge(want, have_rt, purge)

    if params["state"] == "present":
        client, client_port = _ssh_client()
        try:
            for entry_set in (new_perm, new_rt):
                fwd.check_management(entry_set, params["management_ports"], client, client_port)
        except fwd.RulesetError as exc:
            module.fail_json(msg=str(exc))

    diff_perm = fwd.difference(new_perm, have_perm)
    diff_rt = fwd.difference(new_rt, have_rt)
    create = params["state"] == "present" and perm_settings is None
    remove = params["state"] == "absent" and perm_settings is not None
    permanent_changed = create or remove or not fwd.is_empty(diff_perm)
    runtime_changed = (params["state"] == "present" and rt_settings is None) or not fwd.is_empty(diff_rt)
    added = {k: sorted(set(diff_perm["added"][k]) | set(diff_rt["added"][k])) for k in fwd.ENTRY_KINDS}
    removed = {k: sorted(set(diff_perm["removed"][k]) | set(diff_rt["removed"][k])) for k in fwd.ENTRY_KINDS}
    result = dict(
        changed=permanent_changed or runtime_changed, zone=name, added=added, removed=removed,
        permanent_changed=permanent_changed, runtime_changed=runtime_changed, reloaded=False,
        skipped_rules=skipped,
        diff=dict(before=fwd.as_text(have_perm), after=fwd.as_text(new_perm if params["state"] == "present" else _empty()),
                  before_header=f"firewalld zone {name} (permanent)", after_header=f"firewalld zone {name} (permanent)"),
    )
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)

    _apply(module, zone, params["state"], perm_settings, rt_settings, new_perm, new_rt, permanent_changed,
           runtime_changed, result)
    module.exit_json(**result)


def _apply(module, zone, state, perm_settings, rt_settings, new_perm, new_rt, permanent_changed, runtime_changed,
           result):
    """Permanent first (one call), then runtime (one call); restore the permanent zone on failure."""
    step = "permanent"
    try:
        if state == "absent":
            if rt_settings is not None:
                step = "runtime"
                zone.write_runtime(fwd.settings_from(new_rt, rt_settings))
            step = "permanent"
            zone.remove_permanent()
            return
        if permanent_changed:
            zone.write_permanent(fwd.settings_from(new_perm, perm_settings))
        step = "runtime"
        if rt_settings is None:
            zone.reload()
            result["reloaded"] = True
        elif runtime_changed:
            zone.write_runtime(fwd.settings_from(new_rt, rt_settings))
    except Exception as exc:  # pylint: disable=broad-except
        restored = _restore(zone, state, step, perm_settings)
        module.fail_json(msg=f"firewalld rejected the {step} change: {exc}. {restored}", exception=traceback.format_exc(),
                         changed=False)
    # Assert the effective state, not only that the calls returned.
    perm_after, rt_after = zone.read()
    if state == "present":
        for label, got, expected in (("permanent", perm_after, new_perm), ("runtime", rt_after, new_rt)):
            if got is None or fwd.entries(got, _canonical) != expected:
                module.fail_json(msg=f"firewalld's {label} configuration of zone '{zone.name}' does not match the "
                                     "rule set after applying it", changed=True)


def _restore(zone, state, step, perm_settings):
    if step != "runtime" or state != "present":
        return "Nothing was changed."
    try:
        if perm_settings is None:
            zone.remove_permanent()
        else:
            zone.write_permanent(perm_settings)
    except Exception as exc:  # pylint: disable=broad-except
        return f"Restoring the permanent configuration also failed: {exc}."
    return "The permanent configuration was restored; the runtime configuration was not changed."


if __name__ == "__main__":
    main()
