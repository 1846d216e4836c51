"""The pure side of the firewalld applier: plan rules -> zone entries, want vs have, safety checks."""

from __future__ import annotations

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _firewalld as fwd

MGMT = {"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["22"],
        "remote_addresses": ["10.1.5.0/24", "fd00:1:5::/64"]}
SMTP = {"name": "exfw-in-tcp-smtp-clients", "protocol": "tcp", "local_ports": ["25"],
        "remote_addresses": ["10.30.0.0/24"]}
WEB_ANY = {"name": "exfw-in-tcp-internet", "protocol": "tcp", "local_ports": ["80", "443"],
           "remote_addresses": ["0.0.0.0/0", "::/0"]}


def test_source_scoped_rules_become_rich_rules_ipv4_and_ipv6():
    want = fwd.desired([MGMT, SMTP])
    assert want["rich_rules"] == {
        'rule family="ipv4" source address="10.1.5.0/24" port port="22" protocol="tcp" accept',
        'rule family="ipv6" source address="fd00:1:5::/64" port port="22" protocol="tcp" accept',
        'rule family="ipv4" source address="10.30.0.0/24" port port="25" protocol="tcp" accept',
    }
    assert want["ports"] == set()
    assert want["sources"] == {"0.0.0.0/0", "::/0"}


def test_rules_open_to_any_become_zone_ports():
    want = fwd.desired([MGMT, WEB_ANY])
    assert want["ports"] == {"80/tcp", "443/tcp"}
    assert not any("0.0.0.0/0" in r for r in want["rich_rules"])


def test_planned_sources_binds_only_the_plan_addresses():
    want = fwd.desired([MGMT, SMTP], bind_sources="planned")
    assert want["sources"] == {"10.1.5.0/24", "fd00:1:5::/64", "10.30.0.0/24"}


def test_any_protocol_rule_and_port_ranges_and_single_addresses():
    rules = [MGMT, {"name": "org", "protocol": "any", "remote_addresses": ["10.1.10.11/32", "10.1.10.12"]},
             {"name": "um", "protocol": "udp", "local_ports": ["1024-65535"], "remote_addresses": ["10.40.0.0/24"]}]
    want = fwd.desired(rules)
    assert 'rule family="ipv4" source address="10.1.10.11" accept' in want["rich_rules"]
    assert 'rule family="ipv4" source address="10.1.10.12" accept' in want["rich_rules"]
    assert 'rule family="ipv4" source address="10.40.0.0/24" port port="1024-65535" protocol="udp" accept' \
        in want["rich_rules"]


def test_outbound_rules_are_skipped_and_reported():
    out = dict(SMTP, name="exfw-out-tcp-internet", direction="out")
    want = fwd.desired([MGMT, out])
    assert want["skipped"] == ["exfw-out-tcp-internet"]
    assert not any('port="25"' in r for r in want["rich_rules"])


@pytest.mark.parametrize("rule, message", [
    (dict(SMTP, local_ports=["70000"]), "port '70000' is out of range"),
    (dict(SMTP, local_ports=["25-20"]), "port range '25-20' runs backwards"),
    (dict(SMTP, remote_addresses=["10.30.0.0/33"]), "invalid remote address '10.30.0.0/33'"),
    (dict(SMTP, remote_addresses=[]), "no remote addresses"),
    (dict(SMTP, protocol="icmp"), "protocol must be tcp, udp or any"),
    (dict(SMTP, local_ports=[]), "a tcp rule needs local ports"),
    (dict(SMTP, action="deny"), "only 'allow' rules are supported"),
])
def test_bad_rules_are_refused_with_the_rule_name(rule, message):
    with pytest.raises(fwd.RulesetError, match=f"rule 'exfw-in-tcp-smtp-clients': {message}"):
        fwd.desired([rule])


def _have(**kinds):
    base = {k: set() for k in fwd.ENTRY_KINDS}
    base.update({k: set(v) for k, v in kinds.items()})
    return base


def test_identical_set_has_no_difference():
    want = fwd.desired([MGMT, SMTP])
    want.pop("skipped")
    assert fwd.is_empty(fwd.difference(fwd.merge(want, want, True), want))


def test_purge_removes_stale_owned_entries_and_keep_mode_does_not():
    want = fwd.desired([MGMT])
    want.pop("skipped")
    stale = 'rule family="ipv4" source address="10.99.0.0/24" port port="25" protocol="tcp" accept'
    have = _have(sources=want["sources"], rich_rules=set(want["rich_rules"]) | {stale}, ports={"8080/tcp"})
    purged = fwd.difference(fwd.merge(want, have, purge=True), have)
    assert purged["removed"]["rich_rules"] == [stale] and purged["removed"]["ports"] == ["8080/tcp"]
    kept = fwd.difference(fwd.merge(want, have, purge=False), have)
    assert fwd.is_empty(kept)


def test_changed_ports_show_as_added_and_removed():
    old = fwd.desired([MGMT, SMTP])
    new = fwd.desired([MGMT, dict(SMTP, local_ports=["587"])])
    old.pop("skipped")
    new.pop("skipped")
    diff = fwd.difference(fwd.merge(new, old, True), old)
    assert diff["added"]["rich_rules"] == [
        'rule family="ipv4" source address="10.30.0.0/24" port port="587" protocol="tcp" accept']
    assert diff["removed"]["rich_rules"] == [
        'rule family="ipv4" source address="10.30.0.0/24" port port="25" protocol="tcp" accept']


def test_entries_read_from_firewalld_settings_dict():
    settings = {"sources": ["0.0.0.0/0"], "ports": [("443", "tcp")], "rules_str": ["rule x"]}
    assert fwd.entries(settings) == {"sources": {"0.0.0.0/0"}, "ports": {"443/tcp"}, "rich_rules": {"rule x"}}
    back = fwd.settings_from(fwd.entries(settings), {"interfaces": []})
    assert back["short"] == fwd.OWNER_SHORT and back["ports"] == [("443", "tcp")] and back["interfaces"] == []


def test_management_access_is_required():
    want = fwd.desired([SMTP])
    with pytest.raises(fwd.RulesetError, match="no rule allows management access"):
        fwd.check_management(want, ["22"], None, None)
    fwd.check_management(fwd.desired([MGMT, SMTP]), ["22"], None, None)
    fwd.check_management(want, [], None, None)  # an empty list turns the check off


def test_the_callers_own_ssh_connection_must_stay_allowed():
    want = fwd.desired([MGMT])
    fwd.check_management(want, ["22"], "10.1.5.20", 22)
    fwd.check_management(want, ["22"], "fd00:1:5::20", 22)
    with pytest.raises(fwd.RulesetError, match=r"this connection \(from 10.9.9.9 to TCP 22\)"):
        fwd.check_management(want, ["22"], "10.9.9.9", 22)
    web = fwd.desired([MGMT, dict(WEB_ANY, local_ports=["22"])])
    fwd.check_management(web, ["22"], "10.9.9.9", 22)   # open to any: allowed
