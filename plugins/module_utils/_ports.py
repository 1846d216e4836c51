# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port lists: ('443', '5065-5068') strings <-> (low, high) tuples, merged and sorted. Pure."""

from __future__ import annotations


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
