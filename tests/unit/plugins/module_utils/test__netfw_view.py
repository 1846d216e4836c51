"""Firewall view validation, free-text cleaning and device names."""

from __future__ import annotations

import re

import pytest
from netfw_views import VENDORS, sample, small

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_names import Namer, digest, fit
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_render import render
from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import NetworkViewError, clean_text, load


def _policy(**changes):
    policy = small()["policies"][0]
    policy.update(changes)
    return policy


@pytest.mark.parametrize(("view", "message"), [
    (small(zones={"clients": {"interfaces": ["Gi0/1"]}}),
     "firewall 'fw9': policy 'exfw-clients-mailbox': unknown to zone 'servers'"),
    (small(policies=[_policy(source=["nobody"])]),
     "firewall 'fw9': policy 'exfw-clients-mailbox': unknown address object 'nobody' in source"),
    (small(policies=[_policy(services=["udp-9"])]),
     "firewall 'fw9': policy 'exfw-clients-mailbox': unknown service 'udp-9' in services"),
    (small(policies=[_policy(), _policy()]), "firewall 'fw9': policy 'exfw-clients-mailbox' appears twice"),
    (small(policies=[_policy(action="deny")]),
     "firewall 'fw9': policy 'exfw-clients-mailbox': only 'allow' policies are supported, got 'deny'"),
    (small(address_objects={"clients": {"addresses": ["10.20.0.1/16"]}, "mailbox": {"addresses": ["10.1.10.11"]}}),
     "firewall 'fw9': address object 'clients': '10.20.0.1/16' is not an IPv4/IPv6 address or network "
     "(host bits must be zero)"),
    (small(address_objects={"clients": {"addresses": []}, "mailbox": {"addresses": ["10.1.10.11"]}}),
     "firewall 'fw9': address object 'clients' has no addresses"),
    (small(services={"tcp-443": {"protocol": "tcp", "ports": ["0"]}}),
     "firewall 'fw9': service 'tcp-443': invalid port '0' (expected N or N-M within 1-65535)"),
    (small(services={"tcp-443": {"protocol": "any", "ports": ["443"]}}),
     "firewall 'fw9': service 'tcp-443': protocol 'any' cannot have ports"),
    (small(services={"tcp-443": {"protocol": "tcp", "ports": []}}),
     "firewall 'fw9': service 'tcp-443': a tcp service needs ports"),
    (small(services={"tcp-443": {"protocol": "icmp", "ports": []}}),
     "firewall 'fw9': service 'tcp-443': protocol must be tcp, udp or any, got 'icmp'"),
    (small(default_action="allow"), "firewall 'fw9': default_action must be 'protect' or 'deny', got 'allow'"),
    (small(prefix="ex fw"), "firewall 'fw9': invalid prefix 'ex fw' (a letter, then letters, digits, '_' or '-', at most 16)"),
    (small(zones={"clients": {"interfaces": ["Gi0/1"]}, "servers": {"interfaces": ["Gi0/1"]}}),
     "firewall 'fw9': interface 'Gi0/1' is in zones 'clients' and 'servers'"),
    (small(zones={"clients": {"interfaces": ["Gi0/1\nreload"]}, "servers": {"interfaces": ["Gi0/2"]}}),
     "firewall 'fw9': zone 'clients': invalid interface name 'Gi0/1\\nreload'"),
    (small(policies=[_policy(name="exfw-a;reload")]),
     "firewall 'fw9': policy name 'exfw-a;reload' is invalid (allowed: [a-z0-9_.-], at most 63 characters)"),
    (small(address_objects={"Clients\n": {"addresses": ["10.1.1.1"]}}),
     "firewall 'fw9': address object name 'Clients\\n' is invalid (allowed: [a-z0-9_.-], at most 63 characters)"),
    (small(address_objects={"clients": {"addresses": ["fd00:20::/48"]}, "mailbox": {"addresses": ["10.1.10.11"]}}),
     "firewall 'fw9': policy 'exfw-clients-mailbox': source and destination share no address family (IPv4/IPv6)"),
    ({"name": "fw 9"}, "firewall view: invalid firewall name 'fw 9'"),
    ([], "a firewall view must be a mapping"),
])
def test_bad_views_fail_with_a_message_naming_firewall_and_fault(view, message):
    with pytest.raises(NetworkViewError, match=f"^{re.escape(message)}$"):
        load(view)


@pytest.mark.parametrize("vendor", ["ios", "eos", "asa", "fortios"])
def test_a_zone_without_interfaces_fails_where_the_vendor_binds_to_interfaces(vendor):
    view = small(zones={"clients": {"interfaces": []}, "servers": {"interfaces": ["Gi0/2"]}})
    with pytest.raises(NetworkViewError, match=r"^firewall 'fw9': zone 'clients' has no interfaces; "):
        render(view, vendor)


@pytest.mark.parametrize("vendor", ["junos", "panos"])
def test_zone_based_vendors_reference_zones_by_name_and_need_no_interfaces(vendor):
    assert render(small(zones={"clients": {"interfaces": []}, "servers": {"interfaces": []}}), vendor)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_firewall_without_policies_still_protects(vendor):
    view = small(address_objects={}, services={}, policies=[])
    assert render(view, vendor)
    with pytest.raises(NetworkViewError, match=r"^firewall 'fw9': 'zones' must be a non-empty mapping$"):
        render(small(zones={}), vendor)


def test_unknown_vendor_and_option():
    with pytest.raises(NetworkViewError, match=r"^unknown network firewall vendor 'nxos'; expected one of ios, "):
        render(small(), "nxos")
    with pytest.raises(NetworkViewError, match=r"^ios: unknown option 'policyid_base'$"):
        render(small(), "ios", policyid_base=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("Mailbox servers: ex01, ex02", "Mailbox servers: ex01, ex02"),
    ("a\nreload\r\nb", "a reload b"),
    ('x" ; delete security', "x_ _ delete security"),
    ("x\u2028y\u0085z\tw", "x y z w"),
    ("what? !exit #c {a} `b` $c \\d 'e'", "what_ _exit _c _a_ _b_ _c _d _e_"),
    ("Zürich", "Z_rich"),
])
def test_clean_text_keeps_only_safe_characters(text, expected):
    assert clean_text(text, 200) == expected


def test_clean_text_cuts_at_the_limit():
    assert clean_text("a" * 150, 100) == "a" * 100


def test_long_names_are_cut_with_a_hash_and_stay_unique():
    namer = Namer("exfw", 35)
    long_a = "exfw-internet-perimeter-internet-edge-transport-external"
    long_b = "exfw-internet-perimeter-internet-edge-transport-internal"
    a, b = namer("policy", long_a), namer("policy", long_b)
    assert a == f"exfw-internet-perimeter-in-{digest(long_a)}"
    assert len(a) <= 35 and len(b) <= 35 and a != b and a.startswith("exfw-") and b.startswith("exfw-")
    assert a.endswith(digest(long_a)) and b.endswith(digest(long_b))
    assert namer("policy", long_a) == a  # the same key gets the same name
    assert fit("short", 35) == "short"


def test_names_of_different_kinds_that_collide_are_told_apart():
    namer = Namer("exfw", 64)
    first, second = namer("object", "tcp-25"), namer("service", "tcp-25")
    assert first == "exfw-tcp-25" and second != first and second.startswith("exfw-tcp-25-")


def test_the_prefix_is_not_doubled_but_always_followed_by_a_dash():
    assert Namer("exfw", 64)("policy", "exfw-clients") == "exfw-clients"
    assert Namer("exfw", 64)("policy", "exfw") == "exfw-exfw"  # found by the property test


@pytest.mark.parametrize("vendor", VENDORS)
def test_rendering_does_not_change_the_view(vendor):
    view = sample("fw01")
    before = repr(view)
    render(view, vendor)
    assert repr(view) == before
