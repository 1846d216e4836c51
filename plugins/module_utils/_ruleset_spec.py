# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of one plan rule, shared by the appliers (documented in doc_fragments/ruleset.py)."""

from __future__ import annotations

RULE_SPEC = {
    "name": {"type": "str", "required": True},
    "direction": {"type": "str", "choices": ["in", "out"], "default": "in"},
    "protocol": {"type": "str", "choices": ["tcp", "udp", "any"], "required": True},
    "local_ports": {"type": "list", "elements": "str", "default": []},
    "remote_addresses": {"type": "list", "elements": "str", "required": True},
    "action": {"type": "str", "choices": ["allow"], "default": "allow"},
    "remote_endpoints": {"type": "list", "elements": "str"},
    "flow_ids": {"type": "list", "elements": "str"},
    "citations": {"type": "list", "elements": "dict"},
    "description": {"type": "str"},
}
