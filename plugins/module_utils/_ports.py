# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port lists: ('443', '5065-5068') strings <-> (low, high) tuples, merged and sorted. Pure."""

from __future__ import annotations

import re

# ASCII digits only: int() would read other scripts' digits ("\u0664\u0664\u0663" is 443).
_PORT_RE = re.compile(r"^([0-9]{1,5})(?:-([0-9]{1,5}))?$", re.ASCII)


def parse_port(item) -> tuple:
    """'443' / 443 / '5065-5068' -> (low, high); ValueError with a message naming the value."""
    if isinstance(item, bool):
        raise ValueError(f"invalid port {item!r}")
    match = _PORT_RE.match(str(item).strip())
    if not match:
        raise ValueError(f"invalid port {item!r} (use 1-65535 or 'low-high')")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if not 1 <= low <= 65535 or not 1 <= high <= 65535:
        raise ValueError(f"port {item!r} is out of range 1-65535")
    if low > high:
        raise ValueError(f"port range {item!r} runs backwards")
    return low, high


def port_text(item) -> str:
    """A validated port or range in canonical text form ('0443' -> '443')."""
    low, high = parse_port(item)
    return str(low) if low == high else f"{low}-{high}"


def address_text(net) -> str:
    """An ip_network as text: a single host without its /32 or /128."""
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def merge_ranges(ranges) -> list:
    merged = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def format_ranges(ranges) -> list:
    return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges]


def range_tuples(ports) -> list:
    out = []
    for port in ports:
        low, dummy, high = str(port).partition("-")
        out.append((int(low), int(high or low)))
    return out


def normalise(ports) -> list:
    """Merge and sort already valid ports: [5061, '5060'] -> ['5060-5061']."""
    return format_ranges(merge_ranges(range_tuples(ports)))
