#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verify
short_description: Probe the plan's flows from this host with real TCP connections
version_added: 1.1.0
description:
  - Runs on a verify source (any inventory host that can reach the planned hosts). It asks the
    source for its addresses, chooses the probes from the plan, runs them on the source with
    M(exchange.firewall.tcp_probe) (Linux and other POSIX hosts) or M(exchange.firewall.win_tcp_probe)
    (Windows), and judges each result (action plugin; two round trips).
  - For every planned Linux and Windows host and each IP family both have, one address pair is
    used - the pair sharing the longest prefix. A port is required when an inbound rule allows it
    from the source's address (TCP rules; rules of any protocol with one sample port), and must be
    closed otherwise; a sample of such ports is probed (ports the host opens for other sources, then
    a few that no rule opens). UDP rules are not probed.
  - A required port passes when the connection succeeds, or is refused with a TCP reset (the
    firewall let it through; nothing listens). A port that must be closed passes when the
    connection times out, is rejected (ICMP prohibited, as firewalld rejects) or has no route.
  - Each probe names the rule that should carry it and the flows behind that rule.
  - Changes nothing anywhere.
author:
  - Exchange Firewall Contributors (@exchange-firewall)
options:
  plan:
    description:
      - The plan (a dict or the path of a C(plan.json)). By default the rule-set store that
        M(exchange.firewall.plan) wrote in this run.
    type: raw
  store:
    description: The C(store) path returned by M(exchange.firewall.plan) (default - the one of this run).
    type: path
  hosts:
    description: Probe only these planned hosts (default - every planned Linux and Windows host).
    type: list
    elements: str
  addresses:
    description: The source's addresses to probe from (default - the addresses the source reports).
    type: list
    elements: str
  timeout:
    description: Seconds to wait for each connection (0.1 to 30).
    type: float
    default: 2.0
  closed_sample:
    description: Ports that must be closed to probe per source, host and address family (0 for none).
    type: int
    default: 3
  max_probes:
    description: At most this many probes from this source.
    type: int
    default: 400
attributes:
  check_mode:
    support: full
    description: Probing changes nothing; it runs in check mode too.
  diff_mode:
    support: none
    description: Nothing changes.
  idempotent:
    support: full
    description: Nothing changes.
  platform:
    support: full
    platforms: all
    description: Linux (and other POSIX) and Windows sources.
notes:
  - The probes of Windows sources (M(exchange.firewall.win_tcp_probe)) were not run in this
    collection's CI, where there is no Windows.
seealso:
  - module: exchange.firewall.tcp_probe
  - module: exchange.firewall.win_tcp_probe
  - module: exchange.firewall.report
"""

EXAMPLES = r"""
- name: Probe the flows from a client workstation
  exchange.firewall.verify:
    timeout: 2
  register: probes

- name: Probe only the SMTP relay, from a given address
  exchange.firewall.verify:
    hosts: [relay01]
    addresses: [10.30.0.15]
"""

RETURN = r"""
source:
  description: The verify source (inventory name).
  returned: success
  type: str
addresses:
  description: The source addresses considered.
  returned: success
  type: list
  elements: str
probes:
  description:
    - Every probe - C(host), C(address), C(port), C(source_address), C(expect) (C(open) or C(closed)),
      C(rule), C(flow_ids), C(why), C(observed), C(detail), C(passed), C(note), C(elapsed_ms).
  returned: success
  type: list
  elements: dict
counts:
  description: Probes in all, required and passed, closed and passed, flows and failed flows.
  returned: success
  type: dict
notes:
  description: What was not probed (UDP rules, probes beyond O(max_probes)).
  returned: success
  type: list
  elements: str
"""
