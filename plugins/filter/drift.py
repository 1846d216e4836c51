# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift filter: a host's plan entry against its live state, read without changes (docs in drift.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.exchange.firewall.plugins.module_utils import _audit
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain

PROVIDERS = ("firewalld", "windows", "nftables", "ios", "eos", "asa")
# The key every successful read returns, per provider.
EXPECTED = {"firewalld": "runtime", "windows": "rules", "nftables": "diff", "ios": "gathered", "eos": "gathered",
            "asa": "gathered"}


def drift(host_plan, provider, live, host="", zone="exfw", bind_sources="all", purge=True,
          group="exchange.firewall", prefix="exfw", want=None):
    """One host's audit finding (see module_utils/_audit.py)."""
    host_plan, live = plain(host_plan), plain(live)
    if provider not in PROVIDERS:
        raise AnsibleFilterError(f"exchange.firewall.drift: provider must be one of {', '.join(PROVIDERS)}, "
                                 f"got {provider!r}")
    if not isinstance(host_plan, dict):
        raise AnsibleFilterError("exchange.firewall.drift: the input must be the host's entry of the plan")
    if not isinstance(live, dict):
        raise AnsibleFilterError("exchange.firewall.drift: live must be the registered result of the read task")
    # The read tasks run with failed_when: false, so a failed read is one without its result keys.
    if live.get("failed") or EXPECTED[provider] not in live:
        return _audit.result(host, provider, status=_audit.ERROR,
                             note=f"reading the live state failed: {live.get('msg', 'no message')}")
    try:
        if provider == "firewalld":
            return _audit.firewalld(host, host_plan["rules"], live, zone=zone, bind_sources=bind_sources,
                                    purge=bool(purge))
        if provider == "windows":
            return _audit.windows(host, host_plan["rules"], live, group=group, prefix=prefix, purge=bool(purge))
        if provider == "nftables":
            return _audit.nftables(host, host_plan["view"], live)
        return _audit.acls(host, provider, plain(want), live.get("gathered"), prefix)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"exchange.firewall.drift: {host}: cannot compare ({exc})") from exc


class FilterModule:
    def filters(self):
        return {"drift": drift}
