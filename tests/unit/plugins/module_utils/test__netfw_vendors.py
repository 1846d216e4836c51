"""Vendor renderers on the sample views and on small hand-made views."""

from __future__ import annotations

import pytest
from netfw_views import VENDORS, sample, small

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_render import render

IOS, EOS = "cisco.ios.ios_acls", "arista.eos.eos_acls"
ASA_OGS, ASA_ACLS, ASA_CFG = "cisco.asa.asa_ogs", "cisco.asa.asa_acls", "cisco.asa.asa_config"
JUNOS, JUNOS_CFG = "junipernetworks.junos.junos_security_policies", "junipernetworks.junos.junos_config"
FORTI = "fortinet.fortios.fortios_firewall_"
PANOS = "paloaltonetworks.panos.panos_"


def acl(config: list, afi: str, name: str) -> list:
    return next(a["aces"] for f in config if f["afi"] == afi for a in f["acls"] if a["name"] == name)


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("fw", ["fw01", "fw02"])
def test_rendering_is_deterministic(vendor, fw):
    assert render(sample(fw), vendor) == render(sample(fw), vendor)


def test_ios_small_view_protect():
    out = render(small(), "ios")
    assert acl(out[IOS]["config"], "ipv4", "exfw-clients-in") == [
        {"sequence": 10, "grant": "permit", "protocol": "tcp", "remarks": [
            "exfw-clients-mailbox exchange.firewall: mbx-https-clients"],
         "source": {"address": "10.20.0.0", "wildcard_bits": "0.0.255.255"},
         "destination": {"host": "10.1.10.11", "port_protocol": {"eq": "443"}}},
        {"sequence": 20, "grant": "deny", "protocol": "ip", "remarks": ["exfw: deny other traffic to protected hosts"],
         "source": {"any": True}, "destination": {"host": "10.1.10.11"}},
        {"sequence": 30, "grant": "permit", "protocol": "ip", "remarks": ["exfw: leave other traffic alone"],
         "source": {"any": True}, "destination": {"any": True}},
    ]
    # Replies come back through the servers' zone, TCP only with ACK/RST set.
    assert acl(out[IOS]["config"], "ipv4", "exfw-servers-in")[0] == {
        "sequence": 10, "grant": "permit", "protocol": "tcp", "remarks": ["reply exfw-clients-mailbox"],
        "source": {"host": "10.1.10.11", "port_protocol": {"eq": "443"}},
        "destination": {"address": "10.20.0.0", "wildcard_bits": "0.0.255.255"},
        "protocol_options": {"tcp": {"established": True}}}
    assert acl(out[IOS]["config"], "ipv6", "exfw-clients-in6") == [
        {"sequence": 10, "grant": "permit", "protocol": "ipv6", "source": {"any": True}, "destination": {"any": True}}]
    assert out["cisco.ios.ios_acl_interfaces"]["config"][0] == {"name": "Gi0/1", "access_groups": [
        {"afi": "ipv4", "acls": [{"name": "exfw-clients-in", "direction": "in"}]},
        {"afi": "ipv6", "acls": [{"name": "exfw-clients-in6", "direction": "in"}]}]}


def test_deny_mode_has_no_final_permit_and_an_empty_acl_denies_explicitly():
    out = render(small(default_action="deny"), "ios")
    clients = acl(out[IOS]["config"], "ipv4", "exfw-clients-in")
    assert [a["grant"] for a in clients] == ["permit"]
    assert acl(out[IOS]["config"], "ipv6", "exfw-clients-in6") == [
        {"sequence": 10, "grant": "deny", "protocol": "ipv6", "source": {"any": True}, "destination": {"any": True}}]
    eos = render(small(default_action="deny"), "eos")[EOS]["config"]
    assert acl(eos, "ipv6", "exfw-clients-in6") == [
        {"sequence": 10, "remark": "exfw: no policy from this zone"},
        {"sequence": 20, "grant": "deny", "protocol": "ipv6", "source": {"any": True}, "destination": {"any": True}}]
    asa = render(small(default_action="deny"), "asa")[ASA_ACLS]["config"]["acls"]
    assert [a["grant"] for a in asa[0]["aces"] if "grant" in a] == ["permit"]
    assert asa[1]["aces"] == [{"grant": "deny", "protocol": "ip", "protocol_options": {"ip": True},
                               "source": {"any": True}, "destination": {"any": True}, "line": 1}]
    assert not any(p["then"].get("deny") for z in render(small(default_action="deny"), "junos")[JUNOS]["config"]["from_zones"]
                   for t in z["to_zones"] for p in t["policies"])
    assert [p["action"] for p in render(small(default_action="deny"), "fortios")[FORTI + "policy"]] == ["accept"]
    assert [r["action"] for r in render(small(default_action="deny"), "panos")[PANOS + "security_rule"]] == ["allow"]


def test_ipv6_only_object():
    view = small(address_objects={"clients": {"addresses": ["fd00:20::/48"]},
                                  "mailbox": {"addresses": ["fd00:1:10::11"]}},
                 protected=["fd00:1:10::11"])
    ios = render(view, "ios")[IOS]["config"]
    assert acl(ios, "ipv6", "exfw-clients-in6")[0] == {
        "sequence": 10, "grant": "permit", "protocol": "tcp", "source": {"address": "fd00:20::/48"},
        "destination": {"host": "fd00:1:10::11", "port_protocol": {"eq": "443"}}}
    assert [a["grant"] for a in acl(ios, "ipv4", "exfw-clients-in")] == ["permit"]  # only the final permit
    eos = render(view, "eos")[EOS]["config"]
    assert acl(eos, "ipv6", "exfw-clients-in6")[1]["source"] == {"subnet_address": "fd00:20::/48"}
    groups = render(view, "asa")[ASA_OGS]["config"][0]["object_groups"]
    assert groups[0]["name"] == "exfw-clients" and groups[0]["network_object"] == {"ipv6_address": ["fd00:20::/48"]}
    forti = render(view, "fortios")
    assert forti[FORTI + "address"] == [] and forti[FORTI + "addrgrp"] == []
    assert forti[FORTI + "address6"][0] == {"name": "exfw-clients-1", "comment": "", "type": "ipprefix",
                                            "ip6": "fd00:20::/48"}
    policy = forti[FORTI + "policy"][0]
    assert policy["srcaddr6"] == [{"name": "exfw-clients-v6"}] and "srcaddr" not in policy


def test_any_service():
    view = small(services={"any": {"protocol": "any", "ports": []}},
                 policies=[dict(small()["policies"][0], services=["any"])])
    ios = acl(render(view, "ios")[IOS]["config"], "ipv4", "exfw-clients-in")
    assert ios[0]["protocol"] == "ip" and "port_protocol" not in ios[0]["destination"]
    assert acl(render(view, "ios")[IOS]["config"], "ipv4", "exfw-servers-in")[0]["protocol"] == "ip"
    asa = render(view, "asa")
    assert asa[ASA_ACLS]["config"]["acls"][0]["aces"][1] == {
        "grant": "permit", "protocol": "ip", "protocol_options": {"ip": True},
        "source": {"object_group": "exfw-clients"}, "destination": {"object_group": "exfw-mailbox"}, "line": 2}
    assert len(asa[ASA_OGS]["config"]) == 1  # no service object-group for "any"
    policy = render(view, "junos")[JUNOS]["config"]["from_zones"][0]["to_zones"][0]["policies"][0]
    assert policy["match"]["application"] == {"any": True}
    assert render(view, "fortios")[FORTI + "policy"][0]["service"] == [{"name": "ALL"}]
    assert render(view, "panos")[PANOS + "security_rule"][0]["service"] == ["any"]


def test_asa_sample_view():
    out = render(sample("fw01"), "asa")
    assert out[ASA_CFG]["lines"] == [
        "access-group exfw-perimeter-in in interface dmz", "access-group exfw-servers-in in interface inside",
        "access-group exfw-management-in in interface mgmt", "access-group exfw-internet-in in interface outside",
        "access-group exfw-clients-in in interface users"]
    internet = next(a for a in out[ASA_ACLS]["config"]["acls"] if a["name"] == "exfw-internet-in")["aces"]
    assert internet[1] == {"grant": "permit", "protocol": "tcp", "protocol_options": {"tcp": True},
                           "source": {"object_group": "exfw-internet"},
                           "destination": {"object_group": "exfw-edge_transport-external",
                                           "service_object_group": "exfw-tcp-25"}, "line": 2}
    assert internet[-2:] == [
        {"grant": "deny", "protocol": "ip", "protocol_options": {"ip": True}, "source": {"any": True},
         "destination": {"object_group": "exfw-protected"}, "line": 4},
        {"grant": "permit", "protocol": "ip", "protocol_options": {"ip": True}, "source": {"any": True},
         "destination": {"any": True}, "line": 5}]


def test_junos_sample_view_set_lines_and_policies_agree():
    out = render(sample("fw02"), "junos")
    lines = out[JUNOS_CFG]["lines"]
    assert "set applications application exfw-tcp-49152-65535 protocol tcp destination-port 49152-65535" in lines
    head = "security policies from-zone dr to-zone hq policy exfw-dr-hq-organisation.dr-organisation.hq"
    assert lines[lines.index(f"delete {head}"):lines.index(f"delete {head}") + 6] == [
        f"delete {head}",
        f'set {head} description "exchange.firewall: org-support-rule, dag-replication (sources: S2, S20)"',
        f"set {head} match source-address exfw-organisation.dr",
        f"set {head} match destination-address exfw-organisation.hq",
        f"set {head} match application any",
        f"set {head} then permit tcp-options syn-check-required"]
    pairs = [(z["name"], t["name"], [p["name"] for p in t["policies"]]) for z in out[JUNOS]["config"]["from_zones"]
             for t in z["to_zones"]]
    assert pairs == [("dr", "hq", ["exfw-dr-hq-mailbox-dag-dag01.dr-dag-witness-dag-dag01",
                                   "exfw-dr-hq-organisation.dr-organisation.hq", "exfw-protect-dr-hq"]),
                     ("hq", "dr", ["exfw-hq-dr-management-mailbox.dr", "exfw-hq-dr-organisation.hq-organisation.dr",
                                   "exfw-hq-dr-smtp-relay-mailbox.dr", "exfw-protect-hq-dr"])]
    policy_heads = {line.split(" match ")[0][4:] for line in lines if " match " in line}
    assert len(policy_heads) == sum(len(names) for _src, _dst, names in pairs)


def test_fortios_policy_names_fit_35_and_ids_are_stable():
    policies = render(sample("fw01"), "fortios")[FORTI + "policy"]
    assert all(len(p["name"]) <= 35 and p["name"].startswith("exfw-") for p in policies)
    assert len({p["name"] for p in policies}) == len({p["policyid"] for p in policies}) == len(policies)
    fewer = sample("fw01")
    fewer["policies"] = fewer["policies"][1:]
    ids = {p["name"]: p["policyid"] for p in render(fewer, "fortios")[FORTI + "policy"]}
    assert all(ids[p["name"]] == p["policyid"] for p in policies if p["name"] in ids)
    based = render(sample("fw01"), "fortios", policyid_base=5000)[FORTI + "policy"]
    assert [p["policyid"] - 5000 for p in based] == [p["policyid"] - 1_000_000_000 for p in policies]


def test_fortios_policyid_base_out_of_range():
    from ansible_collections.exchange.firewall.plugins.module_utils._netfw_view import NetworkViewError

    with pytest.raises(NetworkViewError, match=r"^firewall 'fw9': policyid_base 0 is out of range$"):
        render(small(), "fortios", policyid_base=0)


def test_panos_rules_keep_the_block_together_at_the_top():
    rules = render(sample("fw02"), "panos")[PANOS + "security_rule"]
    assert rules[0]["location"] == "top" and "existing_rule" not in rules[0]
    assert [r.get("existing_rule") for r in rules[1:]] == [r["rule_name"] for r in rules[:-1]]
    assert rules[-1] == {
        "rule_name": "exfw-protect", "source_zone": ["dr", "hq"], "destination_zone": ["dr", "hq"],
        "source_ip": ["any"], "destination_ip": ["exfw-protected"], "application": ["any"], "service": ["any"],
        "action": "deny", "description": "exchange.firewall: deny other traffic to protected hosts",
        "rule_type": "interzone", "log_end": True, "location": "after", "existing_rule": rules[-2]["rule_name"]}


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("vendor", VENDORS)
def test_inventory_text_cannot_inject_device_commands(vendor):
    evil = 'x"\n; reload\r\nend\u2028exit ? !{}\'`$(rm)'
    view = small(address_objects={"clients": {"addresses": ["10.20.0.0/16"], "description": evil},
                                  "mailbox": {"addresses": ["10.1.10.11"], "description": evil}},
                 policies=[dict(small()["policies"][0], comment=evil, flow_ids=[evil])])
    out = render(view, vendor)
    for text in _strings(out):
        assert not any(c in text for c in "\n\r\u2028;'`$!?{}"), text
        if vendor == "junos" and text.startswith("set "):
            assert text.count('"') in (0, 2), text  # only the quotes around a description
        else:
            assert '"' not in text, text
    assert any("reload" in t for t in _strings(out))  # the words stay, harmless
