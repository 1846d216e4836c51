#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: win_tcp_probe
short_description: Open TCP connections from a Windows host and report how each one ended
version_added: 1.1.0
description:
  - The Windows twin of M(exchange.firewall.tcp_probe), in C(Ansible.Basic) style. Each probe is a
    C(System.Net.Sockets.TcpClient) connection with a bounded timeout (C(Test-NetConnection) has no
    timeout and pings first), several at a time; each result is C(open), C(refused), C(rejected),
    C(timeout), C(unreachable) or C(error).
  - Also returns the host's own unicast addresses (without loopback and link-local ones).
  - Changes nothing.
  - Not run in this collection's CI (no Windows there); its option spec is checked against this
    documentation and its syntax with a PowerShell grammar.
author:
  - Exchange Firewall Contributors (@exchange-firewall)
options:
  probes:
    description: The connections to try (at most 2000).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: An identifier returned with the result.
        type: raw
      address:
        description: The IPv4 or IPv6 address to connect to.
        type: str
        required: true
      port:
        description: The TCP port.
        type: int
        required: true
      source:
        description: The local address to connect from (one of this host's).
        type: str
  timeout:
    description: Seconds to wait for each connection (0.1 to 30).
    type: float
    default: 2.0
  workers:
    description: Connections tried at the same time (1 to 64).
    type: int
    default: 16
attributes:
  check_mode:
    support: full
    description: A connection attempt changes nothing; the probes run in check mode too.
  diff_mode:
    support: none
    description: Nothing changes.
  idempotent:
    support: full
    description: Nothing changes.
  platform:
    support: full
    platforms: windows
    description: Windows hosts with PowerShell 5.1 (what Ansible needs on Windows).
seealso:
  - module: exchange.firewall.tcp_probe
  - module: exchange.firewall.verify
"""

EXAMPLES = r"""
- name: Is HTTPS reachable on a Mailbox server from this Windows host?
  exchange.firewall.win_tcp_probe:
    probes:
      - {address: 10.1.10.11, port: 443}
"""

RETURN = r"""
addresses:
  description: The host's unicast addresses (no loopback or link-local).
  returned: always
  type: list
  elements: str
results:
  description: One entry per probe - C(id), C(address), C(port), C(source), C(state), C(detail), C(elapsed_ms).
  returned: always
  type: list
  elements: dict
"""
