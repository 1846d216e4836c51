#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: win_firewall_rule_state
short_description: Read a Windows Firewall rule group, or execute operations on it (internal)
version_added: 1.0.0
description:
  - The Windows side of M(exchange.firewall.win_firewall_ruleset). It reads the rules of one rule
    group (with their port and address filters) and, with O(state=apply), executes the add, set,
    remove and disable operations it is given, then reads the group again.
  - It makes no decisions; use M(exchange.firewall.win_firewall_ruleset) instead of calling it.
  - As a second line of defence it refuses what the controller already refuses - a group that is
    empty, built into Windows, a resource string or C(MSExchange*) - and changes or removes only
    rules of O(group) whose Name starts with O(rule_prefix) and a dash (and disables only rules
    whose display name starts with C(MSExchange)). Rules are changed through the objects read
    from the group, never selected again by a Name pattern.
  - Needs the NetSecurity PowerShell module (Windows Server 2012 R2 and later).
author:
  - Exchange Firewall Contributors (@exchange-firewall)
options:
  group:
    description: The rule group (the Group property of the rules).
    type: str
    required: true
  rule_prefix:
    description: Only rules whose Name starts with this prefix and a dash are changed or removed.
    type: str
    default: exfw
  state:
    description: C(query) only reads; C(apply) executes O(operations) first.
    type: str
    choices: [query, apply]
    default: query
  include_setup_rules:
    description: Also return Exchange Setup's rules (display names starting with C(MSExchange)).
    type: bool
    default: false
  include_block_rules:
    description:
      - Also return the enabled inbound block rules of every group (Windows Firewall applies them
        before allow rules), for the drift audit.
    type: bool
    default: false
    version_added: 1.1.0
  names:
    description: Also return rules of other groups that use one of these Names (conflicts).
    type: list
    elements: str
    default: []
  operations:
    description: Operations to execute with O(state=apply).
    type: list
    elements: dict
    default: []
    suboptions:
      op:
        description: What to do.
        type: str
        required: true
        choices: [add, set, remove, disable]
      name:
        description: The rule's Name (InstanceID).
        type: str
        required: true
      display_name:
        description: The rule's display name.
        type: str
      direction:
        description: Direction.
        type: str
        choices: [Inbound, Outbound]
      protocol:
        description: Protocol.
        type: str
        choices: [TCP, UDP, Any]
      local_port:
        description: Local ports or ranges.
        type: list
        elements: str
      remote_address:
        description: Remote addresses, subnets, or C(Any).
        type: list
        elements: str
      action:
        description: Action.
        type: str
        choices: [Allow]
      enabled:
        description: Whether the rule is enabled.
        type: bool
      profile:
        description: Profiles, for example C(Any).
        type: str
      description:
        description: The rule's description.
        type: str
attributes:
  check_mode:
    support: full
    description: With check mode, operations are not executed.
  diff_mode:
    support: none
    description: The calling action plugin computes and shows the diff.
  idempotent:
    support: none
    description: It executes exactly the operations it is given.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2012 R2 and later.
seealso:
  - module: exchange.firewall.win_firewall_ruleset
"""

EXAMPLES = r"""
- name: Read the collection's rule group
  exchange.firewall.win_firewall_rule_state:
    group: exchange.firewall
  register: rule_group
"""

RETURN = r"""
rules:
  description:
    - The rules of the group after any operations, with their port and address filters, and the
      rules of other groups whose Name is in O(names).
  returned: always
  type: list
  elements: dict
setup_rules:
  description: Exchange Setup's rules (MSExchange*), when O(include_setup_rules=true).
  returned: when requested
  type: list
  elements: dict
block_rules:
  description: Enabled inbound block rules of every group, when O(include_block_rules=true).
  returned: when requested
  type: list
  elements: dict
  version_added: 1.1.0
"""
