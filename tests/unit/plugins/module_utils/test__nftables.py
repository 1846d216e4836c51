"""The pure side of the nftables applier: view -> table text, listings, the chain's verdicts, guards."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft

FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures"


def view(name: str) -> dict:
    return json.loads((FIXTURES / f"firewall_view_{name}.json").read_text())


# --- expected text (reviewed by hand once; nft accepts it: tests/integration/test_nftables_parser.py) ---

@pytest.mark.parametrize("name", ["fw01", "fw02", "lab"])
def test_rendered_table_is_the_reviewed_text(name):
    assert nft.render(view(name)).text == (FIXTURES / f"nftables_{name}.nft").read_text()


def test_lab_table_reads_as_intended():
    text = nft.render(view("lab")).text
    assert text.startswith('table inet exfw {\n\tcomment "exchange.firewall lab-router sha256=')
    assert "\tchain forward {\n\t\ttype filter hook forward priority filter + 5; policy accept;\n" \
           "\t\tct state established,related accept\n" in text
    assert ('\t\tiifname "clients0" oifname "servers0" ip saddr @clients_v4 ip daddr @mailbox_v4 tcp dport 443 accept '
            'comment "exfw-clients-servers-clients-mailbox tcp-443 flows mbx-https-clients,mbx-smtp-submission"\n') in text
    assert ('\t\tiifname "mgmt0" oifname "servers0" ip saddr @management_v4 ip daddr @mailbox_v4 tcp dport 5985-5986 '
            "accept") in text
    # The relay has no IPv6 address: no IPv6 rule for it.
    assert "ip6 daddr @smtp_relay" not in text and "set smtp_relay_v6" not in text
    assert text.endswith('\t\tip daddr @_protected_v4 counter drop comment "exchange.firewall: to a protected address, '
                         'no policy allows it"\n\t\tip6 daddr @_protected_v6 counter drop comment "exchange.firewall: '
                         'to a protected address, no policy allows it"\n\t}\n}\n')
    assert "\t\telements = { 10.61.2.10, 10.61.3.10, 10.61.3.25 }\n" in text


def test_one_rule_per_policy_family_and_service():
    ruleset = nft.render(view("fw01"))
    accepts = [r for r in ruleset.rules if r.policy]
    policy = "exfw-management-servers-management-mailbox"  # 4 services, IPv4 and IPv6
    assert [(r.family, r.protocol, r.ports) for r in accepts if r.policy == policy] == [
        (4, "tcp", ((80, 80),)), (4, "tcp", ((443, 443),)), (4, "tcp", ((3389, 3389),)), (4, "tcp", ((5985, 5986),)),
        (6, "tcp", ((80, 80),)), (6, "tcp", ((443, 443),)), (6, "tcp", ((3389, 3389),)), (6, "tcp", ((5985, 5986),))]
    dns = [r for r in accepts if r.policy == "exfw-perimeter-servers-edge-transport-dns-servers"]
    assert [r.protocol for r in dns] == ["tcp", "udp"]


def test_any_service_has_no_port_match_and_families_follow_the_objects():
    text = nft.render(view("fw02")).text
    assert ('iifname "eth-dr" oifname "eth-hq" ip saddr @organisation.dr_v4 ip daddr @organisation.hq_v4 accept '
            'comment "exfw-dr-hq-organisation.dr-organisation.hq any flows org-support-rule,dag-replication"') in text
    # organisation.dr has IPv4 addresses only, so the support rule has no IPv6 twin.
    assert "ip6 saddr @organisation.dr" not in text and "set organisation.dr_v6" not in text


def test_deny_drops_between_the_declared_zones_only():
    deny = dict(view("lab"), default_action="deny")
    ruleset = nft.render(deny)
    assert ruleset.text.splitlines()[-3] == (
        '\t\tiifname { "clients0", "inet0", "mgmt0", "perim0", "servers0" } oifname { "clients0", "inet0", "mgmt0", '
        '"perim0", "servers0" } counter drop comment "exchange.firewall: between zones, no policy allows it"')
    assert "_protected" not in ruleset.text


def test_several_objects_on_one_side_become_one_set_of_the_policy():
    lab = view("lab")
    lab["policies"][0]["source"] = ["clients", "management"]
    ruleset = nft.render(lab)
    assert ruleset.set("_p1_saddr_v4").elements == ["10.61.1.0/25", "10.61.5.0/24"]
    assert ruleset.set("_p1_saddr_v6").elements == ["fd00:61:1::/120", "fd00:61:5::/64"]
    assert "ip saddr @_p1_saddr_v4 ip daddr @mailbox_v4 tcp dport 443" in ruleset.text


def test_addresses_are_collapsed_and_ports_merged():
    lab = view("lab")
    lab["address_objects"]["clients"]["addresses"] = ["10.61.1.0/25", "10.61.1.7", "10.61.1.128/25", "fd00:61:1::/120"]
    lab["services"]["tcp-443"]["ports"] = ["443", "444", "440-445", "8443"]
    ruleset = nft.render(lab)
    assert ruleset.set("clients_v4").elements == ["10.61.1.0/24"]
    assert "tcp dport { 440-445, 8443 } accept" in ruleset.text


def _shuffled(data, rng):
    if isinstance(data, dict):
        items = list(data.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(data, list):
        items = [_shuffled(v, rng) for v in data]
        rng.shuffle(items)
        return items
    return data


@pytest.mark.parametrize("seed", range(5))
def test_output_does_not_depend_on_input_order(seed):
    original = view("fw01")
    shuffled = _shuffled(original, random.Random(seed))
    # flow ids keep their order (they are listed, not a set); everything else may come in any order
    for policy in shuffled["policies"]:
        policy["flow_ids"] = next(p for p in original["policies"] if p["name"] == policy["name"])["flow_ids"]
    assert nft.render(shuffled).text == nft.render(original).text


def test_the_view_is_not_modified_and_the_hash_covers_the_rules():
    original = view("lab")
    before = copy.deepcopy(original)
    first = nft.render(original)
    assert original == before
    changed = view("lab")
    changed["services"]["tcp-587"]["ports"] = ["465"]
    assert nft.render(changed).sha256 != first.sha256
    assert f"sha256={first.sha256}" in first.text


# --- errors name the firewall and the problem ---------------------------------------------------

def _mutate(*changes):
    """A function that applies (path, value) changes to a view; value KeyError deletes the key."""
    def apply(data):
        for path, value in changes:
            target = data
            for key in path[:-1]:
                target = target[key]
            if value is KeyError:
                del target[path[-1]]
            else:
                target[path[-1]] = value
        return data
    return apply


@pytest.mark.parametrize("mutate, message", [
    (_mutate((["policies", 0, "destination"], ["nope"])),
     "firewall 'lab-router': policy 'exfw-clients-servers-clients-mailbox' references unknown address object 'nope'"),
    (_mutate((["policies", 0, "services"], ["tcp-9999"])),
     "firewall 'lab-router': policy 'exfw-clients-servers-clients-mailbox' references unknown service 'tcp-9999'"),
    (_mutate((["policies", 0, "to_zone"], "dmz")),
     "firewall 'lab-router': policy 'exfw-clients-servers-clients-mailbox' references unknown zone 'dmz' (to_zone)"),
    (_mutate((["policies", 0, "source"], [])), "policy 'exfw-clients-servers-clients-mailbox' has no source"),
    (_mutate((["zones", "clients", "interfaces"], [])), "firewall 'lab-router': zone 'clients' has no interfaces"),
    (_mutate((["zones", "clients", "interfaces"], ['eth0" accept'])),
     "firewall 'lab-router': zone 'clients': 'eth0\" accept' is not a valid interface name"),
    (_mutate((["zones", "clients", "interfaces"], ["a-very-long-interface"])),
     "zone 'clients': 'a-very-long-interface' is not a valid interface name"),
    (_mutate((["zones", "servers", "interfaces"], ["clients0"])),
     "firewall 'lab-router': interface 'clients0' is in zones 'clients' and 'servers'"),
    (_mutate((["address_objects", "mailbox", "addresses"], ["10.61.3.300"])),
     "firewall 'lab-router': address object 'mailbox': invalid address '10.61.3.300'"),
    (_mutate((["address_objects", "mailbox", "addresses"], [])),
     "address object 'mailbox' (used by policy 'exfw-clients-servers-clients-mailbox') has no addresses"),
    (_mutate((["services", "tcp-443", "ports"], ["70000"])), "service 'tcp-443': port '70000' is out of range 1-65535"),
    (_mutate((["services", "tcp-443", "ports"], [])), "service 'tcp-443': a tcp service needs ports"),
    (_mutate((["services", "tcp-443", "protocol"], "any")), "service 'tcp-443': a service for any protocol cannot have ports"),
    (_mutate((["services", "tcp-443", "protocol"], "icmp")),
     "service 'tcp-443': protocol must be tcp, udp or any, got 'icmp'"),
    (_mutate((["policies", 0, "action"], "deny")), "only 'allow' policies are supported, got 'deny'"),
    (_mutate((["policies", 1, "name"], "exfw-clients-servers-clients-mailbox")),
     "two policies are named 'exfw-clients-servers-clients-mailbox'"),
    (_mutate((["policies", 0, "source"], ["smtp_relay"]), (["address_objects", "mailbox", "addresses"], ["fd00:61:3::10"])),
     "policy 'exfw-clients-servers-clients-mailbox': its source and destination have no address family in common"),
    (_mutate((["prefix"], "ex fw")), "firewall 'lab-router': prefix 'ex fw' cannot name an nftables table"),
    (_mutate((["default_action"], "allow")), "default_action must be one of protect, deny, got 'allow'"),
    (_mutate((["protected"], ["nonsense"])), "protected: invalid address 'nonsense'"),
    (_mutate((["zones"], {})), "firewall 'lab-router': no zones"),
    (_mutate((["policies"], KeyError)), "firewall 'lab-router': 'policies' must be a list"),
    (_mutate((["name"], "")), "the firewall view has no name"),
])
def test_bad_views_are_rejected_with_a_message_naming_the_firewall(mutate, message):
    with pytest.raises(nft.NftablesError, match=re.escape(message)):
        nft.render(mutate(view("lab")))


@pytest.mark.parametrize("name", ["1st", "a b", 'x"y', "a;b", "@set", "a{b}", "", "a" * 253, "é"])
def test_object_names_that_cannot_name_a_set_are_rejected(name):
    lab = view("lab")
    lab["address_objects"][name] = {"addresses": ["10.61.1.0/25"]}
    lab["policies"][0]["source"] = [name]
    with pytest.raises(nft.NftablesError, match="cannot name an nftables set|has no|unknown"):
        nft.render(lab)


def test_vrf_is_reported_not_silently_used():
    lab = view("lab")
    lab["zones"]["servers"]["vrf"] = "blue"
    assert nft.render(lab).warnings == ("zone 'servers': vrf 'blue' is not used by nftables; its interfaces are matched "
                                        "by name",)


# --- comments --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("exfw-a tcp-25 flows x,y", "exfw-a tcp-25 flows x,y"),
    ('evil" accept; drop "', "evil_ accept; drop _"),
    ("line\nbreak\ttab", "line break tab"),
    ("$var \\ back `tick` {brace} #hash", "_var _ back _tick_ _brace_ _hash"),
    ("Zürich", "Z_rich"),
    ("x" * 200, "x" * 125 + "..."),
])
def test_comment_text_is_safe_inside_nft_quotes(text, expected):
    assert nft.comment_text(text) == expected


def test_long_policy_names_are_cut_to_the_limit():
    lab = view("lab")
    lab["policies"][0]["name"] = "exfw-" + "long" * 40
    lab["policies"][0]["flow_ids"] = ["flow-" + str(i) for i in range(30)]
    comments = re.findall(r'comment "([^"]*)"', nft.render(lab).text)
    assert max(len(c) for c in comments) == nft.COMMENT_MAX
    assert any(c.endswith("...") for c in comments)


# --- listings ------------------------------------------------------------------------------------

LISTED = """table inet exfw {
\tcomment "exchange.firewall lab-router sha256=abc"
\tset mailbox_v4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.61.3.25, 10.61.3.10,
\t\t\t     10.61.3.9 }
\t}

\tchain forward {
\t\ttype filter hook forward priority filter + 5; policy accept;
\t\tiifname "b" oifname { "d", "c" } tcp dport { 5985-5986, 443 } accept comment "x { b, a }"
\t\tip daddr @_protected_v4 counter packets 12 bytes 720 drop comment "y"
\t}
}
"""


def test_normalise_ignores_wrapping_counters_and_order_inside_braces():
    rendered = """table inet exfw {
\tcomment "exchange.firewall lab-router sha256=abc"
\tset mailbox_v4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.61.3.9, 10.61.3.10, 10.61.3.25 }
\t}
\tchain forward {
\t\ttype filter hook forward priority filter + 5; policy accept;
\t\tiifname "b" oifname { "c", "d" } tcp dport { 443, 5985-5986 } accept comment "x { b, a }"
\t\tip daddr @_protected_v4 counter drop comment "y"
\t}
}
"""
    assert nft.normalise(LISTED) == nft.normalise(rendered) == rendered
    assert nft.normalise(LISTED.replace("10.61.3.9", "10.61.3.8")) != nft.normalise(rendered)
    assert nft.normalise(LISTED.replace('comment "y"', 'comment "z"')) != nft.normalise(rendered)


def test_comment_text_is_never_reordered():
    assert 'comment "x { b, a }"' in nft.normalise(LISTED)


def test_ownership_is_read_from_the_table_comment():
    assert nft.table_comment(LISTED) == "exchange.firewall lab-router sha256=abc"
    assert nft.owned(LISTED)
    assert not nft.owned("table inet exfw {\n\tchain forward {\n\t}\n}\n")
    assert not nft.owned('table inet exfw {\n\tcomment "someone else"\n}\n')
    assert not nft.owned(None)


def test_counters_by_rule_comment():
    assert nft.counters(LISTED) == {"y": 12}


def test_the_transaction_replaces_only_the_table():
    assert nft.replace_script("exfw", "table inet exfw {\n}\n") == (
        "table inet exfw\ndelete table inet exfw\ntable inet exfw {\n}\n")
    assert nft.delete_script("exfw") == "delete table inet exfw\n"


# --- what the chain does with a new connection ------------------------------------------------------

LAB = nft.render(view("lab"))
LAB_DENY = nft.render(dict(view("lab"), default_action="deny"))


@pytest.mark.parametrize("ruleset, packet, verdict, policy", [
    (LAB, ("clients0", "servers0", "10.61.1.10", "10.61.3.10", "tcp", 443), "accept", "exfw-clients-servers-clients-mailbox"),
    (LAB, ("clients0", "servers0", "fd00:61:1::10", "fd00:61:3::10", "tcp", 587), "accept",
     "exfw-clients-servers-clients-mailbox"),
    (LAB, ("clients0", "servers0", "10.61.1.200", "10.61.3.10", "tcp", 443), "drop", None),  # not in clients
    (LAB, ("clients0", "servers0", "10.61.1.10", "10.61.3.10", "tcp", 25), "drop", None),
    (LAB, ("clients0", "servers0", "10.61.1.10", "10.61.3.10", "udp", 443), "drop", None),
    (LAB, ("inet0", "servers0", "10.61.1.10", "10.61.3.10", "tcp", 443), "drop", None),  # right source, wrong zone
    (LAB, ("clients0", "servers0", "10.61.1.10", "10.61.3.20", "tcp", 8080), "none", None),  # not protected
    (LAB, ("mgmt0", "servers0", "10.61.5.10", "10.61.3.25", "tcp", 22), "accept",
     "exfw-management-servers-management-smtp-relay"),
    (LAB, ("mgmt0", "perim0", "fd00:61:5::10", "fd00:61:2::10", "tcp", 5986), "accept",
     "exfw-management-perimeter-management-edge-transport"),
    (LAB, ("inet0", "perim0", "2001:db8::1", "fd00:61:2::10", "tcp", 25), "accept",
     "exfw-internet-perimeter-internet-edge-transport"),
    (LAB_DENY, ("clients0", "servers0", "10.61.1.10", "10.61.3.20", "tcp", 8080), "drop", None),
    (LAB_DENY, ("clients0", "eth9", "10.61.1.10", "192.0.2.1", "tcp", 8080), "none", None),  # to an undeclared interface
    (LAB_DENY, ("clients0", "servers0", "10.61.1.10", "10.61.3.10", "tcp", 443), "accept",
     "exfw-clients-servers-clients-mailbox"),
])
def test_evaluate_gives_the_verdict_of_the_first_matching_rule(ruleset, packet, verdict, policy):
    got, rule = nft.evaluate(ruleset, *packet)
    assert (got, rule.policy if rule else None) == (verdict, policy)


# --- lock-out guards -------------------------------------------------------------------------------

def test_deny_without_a_management_policy_is_refused():
    deny = dict(view("lab"), default_action="deny")
    nft.check_management(deny, ["management"])
    deny["policies"] = [p for p in deny["policies"] if "management" not in p["source"]]
    with pytest.raises(nft.NftablesError, match=r"firewall 'lab-router': refusing to apply: default_action is deny and "
                                                r"no policy comes from the management objects or zones \(management\)"):
        nft.check_management(deny, ["management"])
    nft.check_management(deny, [])  # turned off
    nft.check_management(dict(deny, default_action="protect"), ["management"])  # protect leaves the rest alone
    nft.check_management(deny, ["clients"])


@pytest.mark.parametrize("text, expected", [
    ("10.61.5.10 50122 10.61.5.1 22", ("10.61.5.10", 50122, "10.61.5.1", 22)),
    ("fe80::1%eth0 50122 fe80::2%eth0 22", ("fe80::1", 50122, "fe80::2", 22)),
    ("", None), (None, None), ("10.0.0.1 x 10.0.0.2 22", None), ("host 1 10.0.0.2 22", None),
])
def test_parse_ssh_connection(text, expected):
    assert nft.parse_ssh_connection(text) == expected


def test_ssh_connection_check():
    def conn(text):
        return nft.parse_ssh_connection(text)

    assert nft.check_connection(LAB, None, None, None, False) == {"verdict": "no SSH connection"}
    local = nft.check_connection(LAB, conn("10.61.1.10 4000 10.61.1.1 22"), None, None, True)
    assert local["verdict"].startswith("local")
    allowed = nft.check_connection(LAB, conn("10.61.5.10 4000 10.61.3.25 22"), "mgmt0", "servers0", False)
    assert allowed["verdict"] == "accepted by policy exfw-management-servers-management-smtp-relay"
    alone = nft.check_connection(LAB, conn("10.61.1.10 4000 10.61.3.20 22"), "clients0", "servers0", False)
    assert alone["verdict"] == "not filtered by this table"
    with pytest.raises(nft.NftablesError, match=r"refusing to apply: the SSH connection Ansible runs over \(10.61.1.10 to "
                                                r"10.61.3.10 TCP 22, clients0 to servers0\) would be dropped"):
        nft.check_connection(LAB, conn("10.61.1.10 4000 10.61.3.10 22"), "clients0", "servers0", False)


@pytest.mark.parametrize("network, expected", [  # what `nft list` printed for each (nft 1.0.6)
    ("10.1.10.11/32", "10.1.10.11"), ("10.20.0.0/16", "10.20.0.0/16"), ("0.0.0.0/0", "0.0.0.0/0"), ("::/0", "::/0"),
    ("::ffff:0:0/96", "::ffff:0.0.0.0/96"), ("::ffff:1.2.3.4", "::ffff:1.2.3.4"), ("::1.2.3.4", "::1.2.3.4"),
    ("::0.0.0.1", "::1"), ("::0.1.0.0", "::0.1.0.0"), ("::1:0:0:0", "::1:0:0:0"), ("0:0:0:0:0:1:0:0", "::1:0:0"),
    ("::ffff:0:1", "::ffff:0.0.0.1"), ("1:0:0:1::", "1:0:0:1::"), ("fe80::1:0:0:1", "fe80::1:0:0:1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("fd00:1:10::11/128", "fd00:1:10::11"),
])
def test_elements_are_written_as_nft_prints_them(network, expected):
    import ipaddress

    assert nft.element_text(ipaddress.ip_network(network)) == expected
