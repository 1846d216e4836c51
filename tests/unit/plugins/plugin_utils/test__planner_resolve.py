"""exchange_firewall_resolve_addresses: host names resolved on the controller before the topology.

A recording stand-in for socket.getaddrinfo gives several A and AAAA records per name; one test
resolves `localhost` for real (from /etc/hosts). No DNS server is asked.
"""

from __future__ import annotations

import socket

import pytest
from helpers import small_org

from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan, resolve_addresses

RECORDS = {
    "mbx1.lab.test": ["10.1.10.11", "fd00:1:10::11", "10.1.10.111", "10.1.10.11", "fe80::1%eth0"],
    "mbx2.lab.test": ["fd00:1:10::12", "10.1.10.12"],
}


class Lookup:
    """socket.getaddrinfo for RECORDS; records every name it is asked."""

    def __init__(self, records=None):
        self.records = RECORDS if records is None else records
        self.asked = []

    def __call__(self, name, port, proto=0):
        self.asked.append(name)
        if name not in self.records:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out = []
        for address in self.records[name]:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, 0, 0, 0) if family == socket.AF_INET6 else (address, 0)
            out.append((family, socket.SOCK_STREAM, proto, "", sockaddr))
        return out


def named_org(**settings):
    groups, hostvars, base = small_org()
    hostvars["mbx1"]["ansible_host"] = "mbx1.lab.test"
    hostvars["mbx2"]["ansible_host"] = "mbx2.lab.test"
    base.update({f"exchange_firewall_{k}": v for k, v in settings.items()})
    return groups, hostvars, base


def test_off_by_default_nothing_is_resolved_and_a_name_is_an_error():
    lookup = Lookup()
    with pytest.raises(PlanError, match=r"host 'mbx1': exchange_firewall_addresses: ansible_host 'mbx1.lab.test' "
                                        r"is not an IP address"):
        build_plan(*named_org(), lookup=lookup)
    assert lookup.asked == []


@pytest.mark.parametrize("value", [True, "yes", "true", 1])
def test_every_record_of_the_name_becomes_the_hosts_addresses(value):
    lookup = Lookup()
    plan = build_plan(*named_org(resolve_addresses=value), lookup=lookup)
    assert plan["hosts"]["mbx1"]["addresses"] == ["10.1.10.11", "10.1.10.111", "fd00:1:10::11", "fe80::1"]
    assert plan["hosts"]["mbx2"]["addresses"] == ["10.1.10.12", "fd00:1:10::12"]
    assert plan["resolved_addresses"] == {
        "mbx1": {"name": "mbx1.lab.test", "addresses": ["10.1.10.11", "10.1.10.111", "fd00:1:10::11", "fe80::1"]},
        "mbx2": {"name": "mbx2.lab.test", "addresses": ["10.1.10.12", "fd00:1:10::12"]},
    }
    # The other Mailbox server's support rule allows all the resolved addresses.
    objects = plan["address_objects"]
    mbx2_sources = {a for r in plan["hosts"]["mbx2"]["rules"] for a in objects[r["remote_object"]]["addresses"]}
    assert {"10.1.10.11", "10.1.10.111", "fd00:1:10::11"} <= mbx2_sources
    assert sorted(lookup.asked) == ["mbx1.lab.test", "mbx2.lab.test"], "IP addresses are not looked up"


def test_given_addresses_and_hosts_outside_the_organisation_are_not_resolved():
    groups, hostvars, settings = named_org(resolve_addresses=True)
    hostvars["mbx2"]["exchange_firewall_addresses"] = ["10.1.10.12"]
    groups["all"].append("web1")
    groups["webservers"] = ["web1"]
    hostvars["web1"] = {"ansible_host": "web1.lab.test"}
    lookup = Lookup()
    plan = build_plan(groups, hostvars, settings, lookup=lookup)
    assert lookup.asked == ["mbx1.lab.test"]
    assert set(plan["resolved_addresses"]) == {"mbx1"}


def test_the_inventory_name_is_resolved_when_there_is_no_ansible_host():
    groups, hostvars, settings = named_org(resolve_addresses=True)
    del hostvars["mbx1"]["ansible_host"]
    lookup = Lookup({"mbx1": ["10.1.10.11"], "mbx2.lab.test": ["10.1.10.12"]})
    plan = build_plan(groups, hostvars, settings, lookup=lookup)
    assert plan["resolved_addresses"]["mbx1"] == {"name": "mbx1", "addresses": ["10.1.10.11"]}


def test_names_that_do_not_resolve_are_all_reported_at_once_before_planning():
    groups, hostvars, settings = named_org(resolve_addresses=True)
    with pytest.raises(PlanError) as caught:
        build_plan(groups, hostvars, settings, lookup=Lookup({}))
    message = str(caught.value)
    assert message.startswith("2 problems in the inventory:")
    assert "host 'mbx1': exchange_firewall_addresses: ansible_host 'mbx1.lab.test' does not resolve on the " \
           "controller (Name or service not known); set exchange_firewall_addresses" in message
    assert "host 'mbx2'" in message


def test_a_bad_value_of_the_setting_names_it():
    with pytest.raises(PlanError, match=r"^organisation: exchange_firewall_resolve_addresses: must be true or false, "
                                        r"got 'sometimes'$"):
        build_plan(*named_org(resolve_addresses="sometimes"), lookup=Lookup())


def test_the_inputs_are_not_changed():
    groups, hostvars, settings = named_org(resolve_addresses=True)
    before = repr(hostvars)
    out, resolved = resolve_addresses(groups, hostvars, settings, Lookup())
    assert repr(hostvars) == before and out is not hostvars and set(resolved) == {"mbx1", "mbx2"}


def test_localhost_resolves_for_real_from_etc_hosts():
    groups, hostvars, settings = named_org(resolve_addresses=True)
    hostvars["mbx1"]["ansible_host"] = "localhost"
    hostvars["mbx2"]["ansible_host"] = "10.1.10.12"
    plan = build_plan(groups, hostvars, settings)
    assert "127.0.0.1" in plan["hosts"]["mbx1"]["addresses"]
    assert plan["resolved_addresses"]["mbx1"]["name"] == "localhost"
