# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The ``rules`` option shared by the appliers: a host's rules from the plan."""

    DOCUMENTATION = r"""
options:
  rules:
    description:
      - The host's rules, as in C(plan.hosts[host].rules) of the M(exchange.firewall.plan) output.
      - Required when O(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: Rule name (the rule's identity on the backend, and in messages).
        type: str
        required: true
      direction:
        description: C(in) or C(out).
        type: str
        choices: [in, out]
        default: in
      protocol:
        description: Protocol; C(any) allows every protocol from the remote addresses.
        type: str
        choices: [tcp, udp, any]
        required: true
      local_ports:
        description: Local ports or ranges (C(443), C(5065-5068)); empty for C(any).
        type: list
        elements: str
        default: []
      remote_addresses:
        description: Remote addresses or CIDRs; C(0.0.0.0/0) and C(::/0) together mean any.
        type: list
        elements: str
        required: true
      action:
        description: Only C(allow).
        type: str
        choices: [allow]
        default: allow
      remote_endpoints:
        description: Informational (from the plan).
        type: list
        elements: str
      flow_ids:
        description: The catalog flows behind the rule (written into Windows rule descriptions).
        type: list
        elements: str
      citations:
        description: The rule's sources (their ids are written into Windows rule descriptions).
        type: list
        elements: dict
      description:
        description: Informational (from the plan).
        type: str
"""
