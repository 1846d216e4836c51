# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network firewalls: device names from view names. Pure.

Every name the collection creates on a device starts with the view's prefix, uses only
``[A-Za-z0-9_.-]`` and fits the vendor's length limit. A name that had to be shortened ends in
``-`` and eight hex digits of the SHA-256 of the full name, so that two long names with a common
beginning stay apart; two different keys that still end up with one name are told apart the same
way. The result depends only on the keys and the order they are asked for in, which the renderers
keep sorted.
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import NetworkViewError

LEGAL = re.compile(r"^[A-Za-z0-9_.-]+$")
# Vendor limits for the names the collection creates (object, group, ACL and policy names).
MAX_NAME = {"ios": 64, "eos": 64, "asa": 64, "junos": 63, "fortios": 79, "panos": 63}
MAX_POLICY_NAME = {"fortios": 35}
# Remarks / comments / descriptions.
MAX_TEXT = {"ios": 100, "eos": 100, "asa": 100, "junos": 255, "fortios": 255, "panos": 255}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def fit(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` characters with a hash suffix when it is longer."""
    if len(name) <= limit:
        return name
    return f"{name[:limit - 9].rstrip('-_.')}-{digest(name)}"


class Namer:
    """Allocates unique device names in one namespace (one per vendor table that shares names)."""

    def __init__(self, prefix: str, limit: int, firewall: str = "") -> None:
        self.prefix = prefix
        self.limit = limit
        self.firewall = firewall
        self._by_key: dict = {}
        self._taken: dict = {}

    def __call__(self, kind: str, *parts: str, limit: int | None = None) -> str:
        """The name for ``parts`` (joined with ``-``); ``kind`` only keeps keys of different kinds apart."""
        key = (kind, parts, limit)
        if key in self._by_key:
            return self._by_key[key]
        limit = limit or self.limit
        body = "-".join(parts)
        if not body.startswith(self.prefix + "-"):
            body = f"{self.prefix}-{body}"
        body = re.sub(r"[^A-Za-z0-9_.-]", "_", body)
        name = fit(body, limit)
        if name in self._taken:
            name = fit(f"{body}-{digest(repr(key))}", limit)
            if name in self._taken:  # pragma: no cover - needs a SHA-256 prefix collision
                raise NetworkViewError(f"firewall '{self.firewall}': cannot name {body!r} uniquely")
        self._taken[name] = key
        self._by_key[key] = name
        return name

    @property
    def names(self) -> list:
        return sorted(self._taken)
