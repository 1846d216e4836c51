# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network firewalls: one entry point over the vendor renderers. Pure.

``render(view, vendor)`` validates the firewall view once and returns the vendor's module
arguments keyed by module name (FQCN). Resource modules get one argument dict (``config``, and
``lines`` for the config modules); per-object modules (FortiOS, PAN-OS) get a list of parameter
dicts in the order they must be applied.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils import (
    _netfw_asa,
    _netfw_eos,
    _netfw_fortios,
    _netfw_ios,
    _netfw_junos,
    _netfw_panos,
    _netfw_view,
)
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import NetworkViewError

RENDERERS = {
    "ios": _netfw_ios.render,
    "eos": _netfw_eos.render,
    "asa": _netfw_asa.render,
    "junos": _netfw_junos.render,
    "fortios": _netfw_fortios.render,
    "panos": _netfw_panos.render,
}
OPTIONS = {"fortios": ("policyid_base",)}


def render(view, vendor: str, **options) -> dict:
    """The vendor's module arguments for one firewall view (see the module docstring)."""
    if vendor not in RENDERERS:
        raise NetworkViewError(f"unknown network firewall vendor {vendor!r}; expected one of {', '.join(RENDERERS)}")
    unknown = sorted(set(options) - set(OPTIONS.get(vendor, ())))
    if unknown:
        raise NetworkViewError(f"{vendor}: unknown option {unknown[0]!r}")
    return RENDERERS[vendor](_netfw_view.load(view), **options)
