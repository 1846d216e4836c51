#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tcp_probe
short_description: Open TCP connections from this host and report how each one ended
version_added: 1.1.0
description:
  - Tries each probe (an address and port, optionally from a given local address) with a bounded
    timeout, several at a time, and reports how it ended - C(open) (connected, then closed at once),
    C(refused) (TCP reset), C(rejected) (ICMP host or administratively prohibited, as firewalld
    rejects), C(timeout), C(unreachable) (no route) or C(error).
  - Also returns this host's own addresses (without loopback and link-local ones), which
    M(exchange.firewall.verify) needs to choose the probes.
  - Sends nothing but a TCP handshake; changes nothing on this or any other host.
  - M(exchange.firewall.win_tcp_probe) is the Windows twin.
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
    platforms: posix
    description: Linux and other POSIX hosts (addresses from C(ip -j addr), else C(/proc/net/if_inet6) and the hostname).
seealso:
  - module: exchange.firewall.verify
  - module: exchange.firewall.win_tcp_probe
"""

EXAMPLES = r"""
- name: Is SMTP reachable on the relay from this host?
  exchange.firewall.tcp_probe:
    probes:
      - {address: 10.1.20.25, port: 25}
    timeout: 2
  register: probe
"""

RETURN = r"""
addresses:
  description: This host's addresses (no loopback or link-local).
  returned: always
  type: list
  elements: str
  sample: ["10.250.1.2", "fd00:250:1::2"]
results:
  description:
    - One entry per probe, in the order given.
    - C(id), C(address), C(port), C(source), C(state), C(detail), C(elapsed_ms).
  returned: always
  type: list
  elements: dict
  sample: [{"id": 0, "address": "10.1.20.25", "port": 25, "source": null, "state": "open", "detail": "", "elapsed_ms": 3}]
"""

import errno
import ipaddress
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

MAX_PROBES = 2000
REJECTED = (errno.EHOSTUNREACH, errno.EACCES, errno.EPERM)


def classify(exc) -> tuple:
    if isinstance(exc, socket.timeout):
        return "timeout", "no answer"
    if isinstance(exc, ConnectionRefusedError):
        return "refused", "TCP reset"
    code = getattr(exc, "errno", None)
    if code in REJECTED:
        return "rejected", exc.strerror or str(exc)
    if code in (errno.ENETUNREACH, errno.EADDRNOTAVAIL):
        return "unreachable", exc.strerror or str(exc)
    return "error", str(exc)


def probe(item: dict, timeout: float) -> dict:
    address, port, source = item["address"], int(item["port"]), item.get("source")
    out = {"id": item.get("id"), "address": address, "port": port, "source": source}
    started = time.monotonic()
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(address.split("%", 1)[0]).version == 6 else socket.AF_INET
    except ValueError:
        return dict(out, state="error", detail=f"not an IP address: {address!r}", elapsed_ms=0)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        sock.connect((address, port))
        state, detail = "open", ""
    except OSError as exc:
        state, detail = classify(exc)
    finally:
        sock.close()
    return dict(out, state=state, detail=detail, elapsed_ms=int((time.monotonic() - started) * 1000))


def _ip_json(module):
    ip = module.get_bin_path("ip")
    if not ip:
        return None
    rc, out, dummy = module.run_command([ip, "-j", "addr", "show"], environ_update={"LC_ALL": "C"})
    if rc != 0:
        return None
    try:
        return [a["local"] for link in json.loads(out) for a in link.get("addr_info", []) if "local" in a]
    except (ValueError, KeyError, TypeError):
        return None


def _fallback():
    found = []
    try:
        with open("/proc/net/if_inet6") as handle:
            for line in handle:
                raw = line.split()[0]
                found.append(str(ipaddress.ip_address(":".join(raw[i:i + 4] for i in range(0, 32, 4)))))
    except OSError:
        pass
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:
        pass
    return found


def local_addresses(module) -> list:
    found = _ip_json(module)
    if found is None:
        found = _fallback()
    out = []
    for text in found:
        try:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            continue
        if ip.is_loopback or ip.is_link_local or ip.is_unspecified or str(ip) in out:
            continue
        out.append(str(ip))
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            probes=dict(type="list", elements="dict", default=[], options=dict(
                id=dict(type="raw"), address=dict(type="str", required=True), port=dict(type="int", required=True),
                source=dict(type="str"))),
            timeout=dict(type="float", default=2.0),
            workers=dict(type="int", default=16),
        ),
        supports_check_mode=True,
    )
    probes, timeout, workers = module.params["probes"], module.params["timeout"], module.params["workers"]
    if not 0.1 <= timeout <= 30:
        module.fail_json(msg=f"timeout must be between 0.1 and 30 seconds, got {timeout}")
    if not 1 <= workers <= 64:
        module.fail_json(msg=f"workers must be between 1 and 64, got {workers}")
    if len(probes) > MAX_PROBES:
        module.fail_json(msg=f"at most {MAX_PROBES} probes per call, got {len(probes)}")
    for item in probes:
        if not 1 <= item["port"] <= 65535:
            module.fail_json(msg=f"probe {item.get('id')}: port {item['port']} is out of range 1-65535")
    results = []
    if probes:
        with ThreadPoolExecutor(max_workers=min(workers, len(probes))) as pool:
            results = list(pool.map(lambda item: probe(item, timeout), probes))
    module.exit_json(changed=False, addresses=local_addresses(module), results=results)


if __name__ == "__main__":
    main()
