# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed reading of untrusted inventory values, and the error that names where a value is wrong. Pure.

Every value that reaches a plan is checked for its type here (a string is not a list, a list is not
a string, "yes" from ``-e`` is a boolean as Ansible reads it) and addresses are refused where they
would be read differently by different consumers (IPv6 scope ids, IPv4-mapped IPv6).
"""

from __future__ import annotations

import ipaddress
import re

VAR = "exchange_firewall_"
# Ansible's boolean spellings (ansible.module_utils.parsing.convert_bool).
_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", "1.0"))
_FALSE = frozenset(("n", "no", "off", "0", "false", "f", "0.0"))
# Names used in file names, script text and device configuration: a safe set, bounded length.
HOST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


class PlanError(ValueError):
    """Bad input. The message names the host (or 'organisation') and the variable."""

    def __init__(self, where: str, variable: str, message: str, text: str | None = None):
        self.where = where
        self.variable = variable
        super().__init__(text if text is not None else f"{where}: {variable}: {message}")


class PlanErrors(PlanError):
    """Several problems found in one run, reported together."""

    def __init__(self, errors: list):
        self.errors = errors
        unique = list(dict.fromkeys(str(e) for e in errors))
        text = unique[0] if len(unique) == 1 else \
            f"{len(unique)} problems in the inventory:\n" + "\n".join(f"- {e}" for e in unique)
        super().__init__(errors[0].where, errors[0].variable, "", text=text)


class Collector:
    """Collects PlanErrors of independent checks so that a run reports all of them at once."""

    def __init__(self):
        self.errors = []

    def run(self, func, *args, default=None, **kwargs):
        try:
            return func(*args, **kwargs)
        except PlanErrors as exc:
            self.errors.extend(exc.errors)
        except PlanError as exc:
            self.errors.append(exc)
        return default

    def check(self):
        if self.errors:
            raise PlanErrors(self.errors)


def org_error(variable: str, message: str) -> PlanError:
    return PlanError("organisation", VAR + variable, message)


def host_error(host: str, variable: str, message: str) -> PlanError:
    return PlanError(f"host '{host}'", VAR + variable, message)


def to_bool(value, where: str, variable: str) -> bool:
    """A boolean as Ansible reads it: true/false, yes/no, on/off, 1/0 (strings from -e included)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise PlanError(where, variable, f"must be true or false, got {value!r}")


def to_str(value, where: str, variable: str, allow_int: bool = False) -> str:
    """A non-empty string (a number only where ``allow_int``); a list or mapping is an error."""
    if isinstance(value, bool) or (isinstance(value, int) and not allow_int):
        raise PlanError(where, variable, f"must be a string, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise PlanError(where, variable, f"must be a string, got {type(value).__name__} {value!r}")
    text = value.strip()
    if not text or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise PlanError(where, variable, f"must be a non-empty string without control characters, got {value!r}")
    return text


def to_list(value, where: str, variable: str, allow_scalar: bool = False) -> list:
    if allow_scalar and isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, list):
        raise PlanError(where, variable, f"must be a list, got {type(value).__name__} {value!r}")
    return value


def to_dict(value, where: str, variable: str) -> dict:
    if not isinstance(value, dict):
        raise PlanError(where, variable, f"must be a mapping, got {type(value).__name__} {value!r}")
    return value


def _refuse_ambiguous(text: str, where: str, variable: str, kind: str) -> None:
    if "%" in text:
        raise PlanError(where, variable, f"{kind} {text!r} has an IPv6 scope id ('%...'); scope ids name a local "
                        "interface and cannot be used in firewall rules")


def address(value, where: str, variable: str):
    """One host address; refuses scope ids and IPv4-mapped IPv6 (use the IPv4 address)."""
    text = str(value).strip()
    _refuse_ambiguous(text, where, variable, "address")
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        raise PlanError(where, variable, f"invalid IP address {value!r}") from None
    if parsed.version == 6 and parsed in _MAPPED:
        raise PlanError(where, variable, f"{value!r} is an IPv4-mapped IPv6 address; write the IPv4 address "
                        f"{parsed.ipv4_mapped} instead")
    return parsed


def network(value, where: str, variable: str):
    """One CIDR (strict: no host bits); refuses scope ids and IPv4-mapped IPv6 ranges."""
    text = str(value).strip()
    _refuse_ambiguous(text, where, variable, "CIDR")
    try:
        parsed = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise PlanError(where, variable, f"invalid CIDR {value!r} ({exc})") from None
    if parsed.version == 6 and (parsed.subnet_of(_MAPPED) or parsed.supernet_of(_MAPPED)) and parsed.prefixlen:
        raise PlanError(where, variable, f"{value!r} overlaps the IPv4-mapped IPv6 range ::ffff:0:0/96, which "
                        "never matches IPv4 traffic; write IPv4 networks as IPv4")
    return parsed


def host_name(name: str) -> None:
    """Inventory names that reach file names, scripts and device configuration."""
    if not isinstance(name, str) or not HOST_NAME_RE.match(name):
        raise PlanError(f"host {name!r}", "inventory_hostname", "host names used by this collection must be 1-63 "
                        "letters, digits, '.', '_' or '-', starting with a letter or digit (they become file "
                        "names and appear in scripts and device configuration)")
