#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: win_firewall_ruleset
short_description: Reconcile a host's whole Exchange rule set with Windows Firewall in one or two round trips
version_added: 1.0.0
description:
  - Takes the host's rule set from the M(exchange.firewall.plan) output and makes the Windows
    Firewall rule group owned by the collection (O(group)) hold exactly those rules.
  - An action plugin. The first WinRM round trip reads the group's rules with their port and
    address filters (M(exchange.firewall.win_firewall_rule_state)); the add, change and remove
    operations are computed on the controller; a second round trip executes them, only when
    something differs. Whatever the number of rules, a run costs one or two round trips.
  - Rules are identified by their Name (the plan's rule name). A rule is the collection's only when
    it is in O(group) B(and) its Name starts with O(rule_prefix) and a dash; no other rule is ever
    changed or removed. Copies of our rules inside the group (same display name, another Name with
    the prefix) are removed as duplicates. Rules of the group without the prefix are left alone and
    reported (RV(unmanaged_rules), and a warning). A rule of another group that already uses one of
    our Names is a conflict and fails the task.
  - Purge removes rules of the group that left the plan and carry the prefix, and nothing else.
    Exchange Setup's C(MSExchange*) rules and Windows' default rules are never touched, unless
    O(harden_setup_rules) is C(disable).
  - O(group) must be a group only this collection uses. Empty groups, Windows' built-in groups (for
    example C(Windows Remote Management), C(Remote Desktop), C(File and Printer Sharing),
    C(Core Networking)), resource strings (C(@...)), C(MSExchange*) names, wildcards and line
    breaks are refused before any round trip.
  - Refuses a rule set without an inbound rule for O(management_ports) (WinRM by default).
  - Needs the NetSecurity PowerShell module (Windows Server 2012 R2 and later).
author:
  - Exchange Firewall Contributors (@exchange-firewall)
extends_documentation_fragment:
  - exchange.firewall.ruleset
options:
  group:
    description: The collection-owned rule group (C(exchange_firewall_windows_group) in the role).
    type: str
    default: exchange.firewall
  rule_prefix:
    description:
      - The plan's rule prefix (C(exchange_firewall_rule_prefix)). Every planned rule Name must start
        with it and a dash, and only rules whose Name does are ever changed or removed.
    type: str
    default: exfw
  purge:
    description: Remove rules of the group that are not in the rule set (only those whose Name carries O(rule_prefix)).
    type: bool
    default: true
  management_ports:
    description: TCP ports of which one must stay open inbound, or the task is refused; empty turns the check off.
    type: list
    elements: str
    default: ["5985", "5986"]
  harden_setup_rules:
    description:
      - Optional hardening of Exchange Setup's own inbound rules. C(off) leaves them alone.
      - C(report) lists, in RV(setup_rules_to_disable), the POP3 and IMAP4 rules Setup created while
        those services are off according to O(features) (a dry run).
      - C(disable) also disables them.
    type: str
    choices: ["off", report, disable]
    default: "off"
  features:
    description: The host's feature toggles from the plan (used by O(harden_setup_rules)).
    type: dict
    default: {}
  state:
    description: C(present) reconciles the rules; C(absent) removes every rule of the group.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the group (one round trip) and returns the same operations and diff; changes nothing.
  diff_mode:
    support: full
    description: Shows the group's rules before and after.
  idempotent:
    support: full
    description: A second run with the same rules changes nothing.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2012 R2 and later.
notes:
  - The Python decisions are tested in the collection's CI; the PowerShell side was not executed on
    Windows there. See the README for running the integration target on a Windows host.
seealso:
  - module: exchange.firewall.plan
  - module: community.windows.win_firewall_rule
"""

EXAMPLES = r"""
- name: Apply a host's rule set from the plan
  exchange.firewall.win_firewall_ruleset:
    rules: "{{ exchange_firewall_plan.hosts[inventory_hostname].rules }}"

- name: List Exchange Setup's POP3/IMAP4 rules that could be disabled (dry run)
  exchange.firewall.win_firewall_ruleset:
    rules: "{{ exchange_firewall_plan.hosts[inventory_hostname].rules }}"
    features: "{{ exchange_firewall_plan.hosts[inventory_hostname].features }}"
    harden_setup_rules: report
  register: result
"""

RETURN = r"""
group:
  description: The rule group.
  returned: always
  type: str
  sample: exchange.firewall
operations:
  description:
    - The operations executed (or, in check mode, that would be).
    - Each has C(op) (add, set, remove, disable) and the rule.
  returned: always
  type: list
  elements: dict
unmanaged_rules:
  description: Names of rules in the group whose Name lacks the rule prefix; they are never changed or removed.
  returned: always
  type: list
  elements: str
setup_rules_to_disable:
  description: Exchange Setup rules the hardening would disable (or disabled).
  returned: always
  type: list
  elements: dict
round_trips:
  description: Number of WinRM module executions this task needed (1 or 2).
  returned: always
  type: int
  sample: 2
"""
