"""Topology from the inventory: group->role mapping, addresses, networks, features, bad input."""

from __future__ import annotations

import copy

import pytest
from helpers import small_org

from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError


def build(groups, hostvars, settings):
    return topology.build(groups, hostvars, settings)


def test_small_org_roles_addresses_and_defaults():
    topo = build(*small_org())
    mbx = topo["hosts"]["mbx1"]
    assert mbx["roles"] == ["mailbox"] and mbx["platform"] == "windows" and mbx["version"] == "2019"
    assert [str(a) for a in mbx["addresses"]] == ["10.1.10.11"]
    assert mbx["ad_site"] == "Default-First-Site-Name"
    assert mbx["features"]["pop3"] is False and mbx["features"]["imap4"] is False
    assert mbx["features"]["http"] is True and mbx["features"]["smtp_submission"] is True
    # UM does not exist in 2019; no Edge -> Internet mail goes straight to Mailbox.
    assert mbx["features"]["unified_messaging"] is False
    assert mbx["features"]["direct_internet_mail"] is True
    assert topo["hosts"]["wit"]["roles"] == ["dag_witness"] and topo["hosts"]["wit"]["version"] is None
    assert topo["dags"]["DAG1"] == {"witness": "wit", "replication_port": None, "members": ["mbx1", "mbx2"]}
    assert [str(n) for n in topo["networks"]["internet"]] == ["0.0.0.0/0", "::/0"]


def test_explicit_addresses_ipv6_and_collapsed_networks():
    groups, hostvars, settings = small_org()
    hostvars["mbx1"]["exchange_firewall_addresses"] = ["fd00::11", "10.1.10.11", "10.1.10.11"]
    settings["exchange_firewall_networks"]["clients"] = ["10.20.1.0/24", "10.20.0.0/24", "fd00:20::/48"]
    topo = build(groups, hostvars, settings)
    assert [str(a) for a in topo["hosts"]["mbx1"]["addresses"]] == ["10.1.10.11", "fd00::11"]
    assert [str(n) for n in topo["networks"]["clients"]] == ["10.20.0.0/23", "fd00:20::/48"]


def test_custom_group_mapping_and_explicit_roles():
    groups, hostvars, settings = small_org()
    groups["mbx_servers"] = groups.pop("exchange_mailbox")
    settings["exchange_firewall_role_groups"] = {"mailbox": "mbx_servers"}
    assert build(groups, hostvars, settings)["hosts"]["mbx1"]["roles"] == ["mailbox"]
    groups, hostvars, settings = small_org()
    groups["all"].append("relay")
    hostvars["relay"] = {"ansible_host": "10.1.20.25", "exchange_firewall_roles": ["smtp_relay"]}
    assert build(groups, hostvars, settings)["hosts"]["relay"]["platform"] == "linux"


def test_host_features_override_organisation_features():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_features"] = {"pop3": True}
    hostvars["mbx2"]["exchange_firewall_features"] = {"imap4": True}
    topo = build(groups, hostvars, settings)
    assert topo["hosts"]["mbx1"]["features"]["pop3"] is True
    assert topo["hosts"]["mbx2"]["features"]["pop3"] is False
    assert topo["hosts"]["mbx2"]["features"]["imap4"] is True


def test_subscription_edition_is_treated_as_2019():
    groups, hostvars, settings = small_org()
    hostvars["mbx1"]["exchange_firewall_version"] = "SE"
    assert build(groups, hostvars, settings)["hosts"]["mbx1"]["version"] == "se"


def _mutate(fn):
    groups, hostvars, settings = small_org()
    fn(groups, hostvars, settings)
    return groups, hostvars, settings


def _set(path, value):
    def apply(groups, hostvars, settings):
        target = {"hv": hostvars, "s": settings, "g": groups}[path[0]]
        for key in path[1:-1]:
            target = target[key]
        target[path[-1]] = value
    return apply


def _add_host(name, group, hvars):
    def apply(groups, hostvars, settings):
        groups.setdefault(group, []).append(name)
        groups["all"].append(name)
        hostvars[name] = hvars
    return apply


def _both(*fns):
    def apply(groups, hostvars, settings):
        for fn in fns:
            fn(groups, hostvars, settings)
    return apply


# (case id, mutation, where, variable, message fragment)
BAD_INPUT = [
    ("unknown-version", _set(("hv", "mbx1", "exchange_firewall_version"), "2007"),
     "host 'mbx1'", "exchange_firewall_version", "unknown Exchange version '2007'"),
    ("missing-version", _set(("hv", "mbx1", "exchange_firewall_version"), None),
     "host 'mbx1'", "exchange_firewall_version", "need exchange_firewall_version"),
    ("unknown-role-explicit", _set(("hv", "mbx1", "exchange_firewall_roles"), ["mailbx"]),
     "host 'mbx1'", "exchange_firewall_roles", "unknown role 'mailbx'"),
    ("unknown-role-mapping", _set(("s", "exchange_firewall_role_groups"), {"mailbx": "exchange_mailbox"}),
     "organisation", "exchange_firewall_role_groups.mailbx", "unknown role 'mailbx'"),
    ("role-not-in-version", _add_host("cas1", "exchange_client_access",
                                      {"ansible_host": "10.1.10.13", "exchange_firewall_version": "2019"}),
     "host 'cas1'", "exchange_firewall_roles", "role 'client_access' does not exist in Exchange Server 2019"),
    ("bad-cidr", _set(("s", "exchange_firewall_networks", "clients"), ["10.20.0.0/33"]),
     "organisation", "exchange_firewall_networks.clients", "invalid CIDR '10.20.0.0/33'"),
    ("cidr-host-bits", _set(("s", "exchange_firewall_networks", "clients"), ["10.20.0.1/16"]),
     "organisation", "exchange_firewall_networks.clients", "has host bits set"),
    ("any-not-internet-facing", _set(("s", "exchange_firewall_networks", "clients"), ["0.0.0.0/0"]),
     "organisation", "exchange_firewall_networks.clients", "not an Internet-facing network"),
    ("port-out-of-range", _set(("s", "exchange_firewall_dags", "DAG1", "replication_port"), 70000),
     "organisation", "exchange_firewall_dags.DAG1.replication_port", "out of range 1-65535"),
    ("extra-flow-port-out-of-range", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "backup", "src": "clients", "dst": "mailbox", "ports": [0], "purpose": "Backup"}]),
     "organisation", "exchange_firewall_extra_flows[0].ports", "out of range 1-65535"),
    ("conflicting-groups-edge-mailbox", _add_host("mbx1", "exchange_edge", {}),
     "host 'mbx1'", "exchange_firewall_roles", "an Edge Transport server cannot also be mailbox"),
    ("conflicting-groups-platforms", _add_host("mbx1", "smtp_relays", {}),
     "host 'mbx1'", "exchange_firewall_roles", "mix platforms"),
    ("no-address", _set(("hv", "mbx2", "ansible_host"), None),
     "host 'mbx2'", "exchange_firewall_addresses", "no address"),
    ("hostname-address", _set(("hv", "mbx2", "ansible_host"), "mbx2.contoso.com"),
     "host 'mbx2'", "exchange_firewall_addresses", "is not an IP address"),
    ("bad-address", _set(("hv", "mbx2", "exchange_firewall_addresses"), ["10.1.10.300"]),
     "host 'mbx2'", "exchange_firewall_addresses", "invalid IP address '10.1.10.300'"),
    ("missing-group", _set(("s", "exchange_firewall_role_groups"), {"mailbox": "exch_mbx"}),
     "organisation", "exchange_firewall_role_groups.mailbox", "group 'exch_mbx' is not in the inventory"),
    ("missing-dc-group", lambda g, h, s: g.pop("domain_controllers"),
     "organisation", "exchange_firewall_role_groups.domain_controller", "no hosts in group(s) 'domain_controllers'"),
    ("missing-management", _set(("s", "exchange_firewall_networks", "management"), []),
     "organisation", "exchange_firewall_networks.management", "is empty"),
    ("um-on-2019", _set(("hv", "mbx1", "exchange_firewall_features"), {"unified_messaging": True}),
     "host 'mbx1'", "exchange_firewall_features.unified_messaging", "does not exist in Exchange Server 2019"),
    ("unverified-feature-conflict", _both(
        _set(("hv", "mbx1", "exchange_firewall_version"), "2010"),
        _set(("hv", "mbx1", "exchange_firewall_features"), {"owa_im_integration": True})),
     "host 'mbx1'", "exchange_firewall_features.owa_im_integration", "conflicts with exchange_firewall_allow_unverified"),
    ("unknown-feature", _set(("s", "exchange_firewall_features"), {"pop": True}),
     "organisation", "exchange_firewall_features.pop", "unknown feature"),
    ("unknown-feature-on-host", _set(("hv", "mbx2", "exchange_firewall_features"), {"pop": True}),
     "host 'mbx2'", "exchange_firewall_features.pop", "unknown feature"),
    ("feature-not-bool", _set(("s", "exchange_firewall_features"), {"pop3": "sometimes"}),
     "organisation", "exchange_firewall_features.pop3", "must be true or false"),
    ("filtering-inside-org", _set(("s", "exchange_firewall_intra_org"), "per_port"),
     "organisation", "exchange_firewall_intra_org", "Microsoft does not support"),
    ("unknown-setting", _set(("s", "exchange_firewall_netwroks"), {}),
     "organisation", "exchange_firewall_netwroks", "unknown setting"),
    ("undefined-dag", _set(("hv", "mbx1", "exchange_firewall_dag"), "DAG9"),
     "host 'mbx1'", "exchange_firewall_dag", "DAG 'DAG9' is not defined"),
    ("witness-not-in-group", _set(("s", "exchange_firewall_dags", "DAG1", "witness"), "dc1"),
     "organisation", "exchange_firewall_dags.DAG1.witness", "not in the witness group"),
    ("edge-site-unknown", _add_host("edge1", "exchange_edge", {
        "ansible_host": "172.16.0.10", "exchange_firewall_version": "2019", "exchange_firewall_edge_site": "Mars"}),
     "host 'edge1'", "exchange_firewall_edge_site", "no Mailbox or Hub Transport server in AD site 'Mars'"),
    ("bad-rule-prefix", _set(("s", "exchange_firewall_rule_prefix"), "My Prefix"),
     "organisation", "exchange_firewall_rule_prefix", "lowercase"),
    ("extra-flow-unknown-endpoint", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "backup", "src": "backup_net", "dst": "mailbox", "ports": [10000], "purpose": "Backup"}]),
     "organisation", "exchange_firewall_extra_flows[0].src", "unknown role or network 'backup_net'"),
    ("extra-flow-duplicate-id", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "mbx-https-clients", "src": "clients", "dst": "mailbox", "ports": [443], "purpose": "x"}]),
     "organisation", "exchange_firewall_extra_flows[0].id", "already used"),
    # ---- hostile and careless input -------------------------------------------------------------
    ("ipv6-scope-id-in-network", _set(("s", "exchange_firewall_networks", "clients"),
                                      ["fe80::%x\u2019,(Start-Process calc),\u2019/64"]),
     "organisation", "exchange_firewall_networks.clients", "IPv6 scope id"),
    ("ipv6-scope-id-in-address", _set(("hv", "mbx2", "exchange_firewall_addresses"), ["fe80::1%eth0"]),
     "host 'mbx2'", "exchange_firewall_addresses", "IPv6 scope id"),
    ("ipv4-mapped-address", _set(("hv", "mbx2", "exchange_firewall_addresses"), ["::ffff:10.2.10.11"]),
     "host 'mbx2'", "exchange_firewall_addresses", "write the IPv4 address 10.2.10.11 instead"),
    ("ipv4-mapped-network", _set(("s", "exchange_firewall_networks", "management"), ["::ffff:0.0.0.0/96"]),
     "organisation", "exchange_firewall_networks.management", "never matches IPv4 traffic"),
    ("path-traversal-host-name", _add_host("../../../PWNED", "exchange_witness", {"ansible_host": "10.1.10.51"}),
     "host '../../../PWNED'", "inventory_hostname", "become file names"),
    ("newline-host-name", _add_host("fs02\nStart-Process calc\n#", "exchange_witness", {"ansible_host": "10.1.10.52"}),
     "host 'fs02\\nStart-Process calc\\n#'", "inventory_hostname", "letters, digits"),
    ("formula-host-name", _add_host("=2+5", "exchange_witness", {"ansible_host": "10.1.10.53"}),
     "host '=2+5'", "inventory_hostname", "letters, digits"),
    ("misspelt-host-variable", _set(("hv", "mbx1", "exchange_firewall_dga"), "DAG1"),
     "host 'mbx1'", "exchange_firewall_dga", "did you mean exchange_firewall_dag?"),
    ("misspelt-group-variable-names-only", _set(("hv", "dc1", "__exchange_firewall_names__"),
                                                ["exchange_firewall_ad_stie"]),
     "host 'dc1'", "exchange_firewall_ad_stie", "did you mean exchange_firewall_ad_site?"),
    ("site-as-list", _set(("hv", "mbx1", "exchange_firewall_ad_site"), ["HQ"]),
     "host 'mbx1'", "exchange_firewall_ad_site", "must be a string"),
    ("dag-as-mapping", _set(("hv", "mbx1", "exchange_firewall_dag"), {"name": "DAG1"}),
     "host 'mbx1'", "exchange_firewall_dag", "must be a string"),
    ("roles-as-string", _set(("hv", "mbx1", "exchange_firewall_roles"), "mailbox"),
     "host 'mbx1'", "exchange_firewall_roles", "must be a list of roles"),
    ("features-as-list", _set(("hv", "mbx1", "exchange_firewall_features"), ["pop3"]),
     "host 'mbx1'", "exchange_firewall_features", "must be a mapping"),
    ("outbound-not-bool", _set(("s", "exchange_firewall_outbound"), "maybe"),
     "organisation", "exchange_firewall_outbound", "must be true or false"),
    ("witness-in-its-own-dag", lambda g, h, s: (g["exchange_mailbox"].append("wit"), h["wit"].update(
        exchange_firewall_version="2019", exchange_firewall_dag="DAG1")),
     "organisation", "exchange_firewall_dags.DAG1.witness", "the witness must be another server"),
    ("same-address-on-two-hosts", _set(("hv", "mbx2", "ansible_host"), "10.1.10.11"),
     "host 'mbx2'", "exchange_firewall_addresses", "also an address of host 'mbx1'"),
    ("extra-flow-to-unmanaged-role", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "backup", "src": "clients", "dst": "domain_controller", "ports": [10000], "purpose": "Backup"}]),
     "organisation", "exchange_firewall_extra_flows[0].dst", "gets no rule set"),
    ("arabic-indic-digits-port", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "backup", "src": "clients", "dst": "mailbox", "ports": ["\u0664\u0664\u0663"], "purpose": "Backup"}]),
     "organisation", "exchange_firewall_extra_flows[0].ports", "invalid port"),
    ("replication-port-range", _set(("s", "exchange_firewall_dags", "DAG1", "replication_port"), "64327-64330"),
     "organisation", "exchange_firewall_dags.DAG1.replication_port", "must be one TCP port"),
    ("javascript-citation", _set(("s", "exchange_firewall_extra_flows"), [
        {"id": "backup", "src": "clients", "dst": "mailbox", "ports": [10000], "purpose": "Backup",
         "citation": {"title": "x", "url": "javascript:alert(1)"}}]),
     "organisation", "exchange_firewall_extra_flows[0].citation.url", "must be an http(s) URL"),
    ("organisation-version-blamed-on-organisation", _both(
        _set(("s", "exchange_firewall_version"), "2019.0"),
        _set(("hv", "mbx1", "exchange_firewall_version"), "2019.0"),
        _set(("hv", "mbx2", "exchange_firewall_version"), "2019.0")),
     "organisation", "exchange_firewall_version", "unknown Exchange version '2019.0'"),
    ("organisation-um-toggle-blamed-on-organisation", _set(("s", "exchange_firewall_features"),
                                                           {"unified_messaging": True}),
     "organisation", "exchange_firewall_features.unified_messaging", "does not exist in Exchange Server 2019"),
    ("external-address-on-a-mailbox", _set(("hv", "mbx1", "exchange_firewall_external_addresses"), ["198.51.100.9"]),
     "host 'mbx1'", "exchange_firewall_external_addresses", "only Edge Transport servers"),
    # ---- the catalog truth pass: new settings and host variables ----
    ("allow-unverified-unknown-id", _set(("s", "exchange_firewall_allow_unverified"), ["um2010-rpt"]),
     "organisation", "exchange_firewall_allow_unverified", "unknown flow id 'um2010-rpt' (did you mean 'um2010-rtp'?)"),
    ("allow-unverified-verified-id", _set(("s", "exchange_firewall_allow_unverified"), ["witness-smb"]),
     "organisation", "exchange_firewall_allow_unverified", "flow 'witness-smb' is verified"),
    ("allow-unverified-not-a-list", _set(("s", "exchange_firewall_allow_unverified"), {"um2010-rtp": True}),
     "organisation", "exchange_firewall_allow_unverified", "must be true, false or a list of unverified flow ids"),
    ("rpc-port-below-1024", _both(_set(("s", "exchange_firewall_rpc_client_access_port"), 135),
                                  _set(("s", "exchange_firewall_address_book_port"), 59532)),
     "organisation", "exchange_firewall_rpc_client_access_port", "port 135 is outside 1024-65535"),
    ("rpc-port-range", _both(_set(("s", "exchange_firewall_rpc_client_access_port"), "59531-59532"),
                             _set(("s", "exchange_firewall_address_book_port"), 59533)),
     "organisation", "exchange_firewall_rpc_client_access_port", "must be one TCP port, not a range"),
    ("rpc-port-not-a-port", _both(_set(("s", "exchange_firewall_rpc_client_access_port"), [59531]),
                                  _set(("s", "exchange_firewall_address_book_port"), 59533)),
     "organisation", "exchange_firewall_rpc_client_access_port", "must be one TCP port, got [59531]"),
    ("rpc-port-without-address-book", _set(("s", "exchange_firewall_rpc_client_access_port"), 59531),
     "organisation", "exchange_firewall_address_book_port", "set it too"),
    ("address-book-without-rpc-port", _set(("s", "exchange_firewall_address_book_port"), 59532),
     "organisation", "exchange_firewall_rpc_client_access_port", "set it too"),
    ("rpc-and-address-book-same-port", _both(_set(("s", "exchange_firewall_rpc_client_access_port"), 59531),
                                             _set(("s", "exchange_firewall_address_book_port"), "59531")),
     "organisation", "exchange_firewall_address_book_port", "must differ from exchange_firewall_rpc_client_access_port"),
    ("um-startup-mode", _set(("s", "exchange_firewall_um_startup_mode"), "SIP"),
     "organisation", "exchange_firewall_um_startup_mode", "must be TCP, TLS or Dual"),
    ("um-startup-mode-not-a-string", _set(("s", "exchange_firewall_um_startup_mode"), True),
     "organisation", "exchange_firewall_um_startup_mode", "must be TCP, TLS or Dual"),
    ("public-folders-on-2019", _set(("hv", "mbx1", "exchange_firewall_public_folders"), True),
     "host 'mbx1'", "exchange_firewall_public_folders", "only Exchange 2010 Mailbox servers hold public folder"),
    ("public-folders-not-bool", _both(_set(("hv", "mbx1", "exchange_firewall_version"), "2010"),
                                      _set(("hv", "mbx2", "exchange_firewall_version"), "2010"),
                                      _set(("hv", "mbx1", "exchange_firewall_public_folders"), "maybe")),
     "host 'mbx1'", "exchange_firewall_public_folders", "must be true or false, got 'maybe'"),
    ("hybrid-transport-on-witness", _set(("hv", "wit", "exchange_firewall_hybrid_transport"), True),
     "host 'wit'", "exchange_firewall_hybrid_transport", "only the servers that can host the hybrid"),
    ("hybrid-transport-on-2013-mailbox", _both(_set(("hv", "mbx1", "exchange_firewall_version"), "2013"),
                                               _set(("hv", "mbx2", "exchange_firewall_version"), "2013"),
                                               _set(("hv", "mbx1", "exchange_firewall_hybrid_transport"), True)),
     "host 'mbx1'", "exchange_firewall_hybrid_transport", "Exchange 2013 Client Access"),
    ("exchange-2010-with-2019", _set(("hv", "mbx2", "exchange_firewall_version"), "2010"),
     "host 'mbx2'", "exchange_firewall_version", "Exchange 2010 cannot coexist with Exchange 2019"),
    ("edge-2010-with-2019", _add_host("edge1", "exchange_edge", {"ansible_host": "172.16.0.10",
                                                                 "exchange_firewall_version": "2010"}),
     "host 'edge1'", "exchange_firewall_version", "Exchange 2010 cannot coexist with Exchange 2019"),
    ("edge-2016-with-2010-hubs-only", _both(
        _set(("hv", "mbx1", "exchange_firewall_version"), "2010"), _set(("hv", "mbx2", "exchange_firewall_version"), "2010"),
        _add_host("edge1", "exchange_edge", {"ansible_host": "172.16.0.10", "exchange_firewall_version": "2016"})),
     "host 'edge1'", "exchange_firewall_edge_site", "has no transport server an Exchange Server 2016 Edge can be "
     "subscribed to"),
    ("misspelt-host-flag", _set(("hv", "mbx1", "exchange_firewall_public_folder"), True),
     "host 'mbx1'", "exchange_firewall_public_folder", "did you mean exchange_firewall_public_folders?"),
]


@pytest.mark.parametrize("case, mutation, where, variable, fragment", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_gives_one_clear_error(case, mutation, where, variable, fragment):
    groups, hostvars, settings = _mutate(mutation)
    with pytest.raises(PlanError) as info:
        build(groups, hostvars, settings)
    assert info.value.where == where
    assert info.value.variable == variable
    assert str(info.value).startswith(f"{where}: {variable}: ")
    assert fragment in str(info.value)


def test_new_settings_are_read_and_normalised():
    groups, hostvars, settings = small_org()
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = "2010"
    hostvars["mbx1"]["exchange_firewall_public_folders"] = "yes"
    settings.update({"exchange_firewall_rpc_client_access_port": "59531", "exchange_firewall_address_book_port": 59532,
                     "exchange_firewall_um_startup_mode": "Dual",
                     "exchange_firewall_allow_unverified": ["witness-smb-2010", "um2010-rtp", "um2010-rtp"]})
    topo = build(groups, hostvars, settings)
    assert topo["settings"]["rpc_client_access_port"] == "59531" and topo["settings"]["address_book_port"] == "59532"
    assert topo["settings"]["um_startup_mode"] == "dual"
    assert topo["settings"]["allow_unverified"] == ["um2010-rtp", "witness-smb-2010"]
    assert topo["hosts"]["mbx1"]["flags"] == {"public_folders": True, "hybrid_transport": False}
    assert topo["hosts"]["mbx2"]["flags"]["public_folders"] is False
    assert topo["versions"] == ["2010"] and topo["skype_in_org"] is False
    settings["exchange_firewall_allow_unverified"] = []
    assert build(groups, hostvars, settings)["settings"]["allow_unverified"] is False


def test_hybrid_transport_defaults_and_organisation_wide_value():
    """Default: the Edge servers if there are any, else every server that can host the hybrid connectors; a
    value set organisation-wide applies to the hosts that can carry it (and is no error on the others)."""
    groups, hostvars, settings = small_org()
    topo = build(groups, hostvars, settings)
    assert [h for h, e in sorted(topo["hosts"].items()) if e["flags"]["hybrid_transport"]] == ["mbx1", "mbx2"]
    for host in hostvars.values():
        host["exchange_firewall_hybrid_transport"] = True
    settings["exchange_firewall_hybrid_transport"] = True
    topo = build(groups, hostvars, settings)
    assert topo["hosts"]["wit"]["flags"]["hybrid_transport"] is False
    assert topo["hosts"]["mbx1"]["flags"]["hybrid_transport"] is True


def test_all_errors_of_the_new_settings_are_reported_at_once():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_um_startup_mode"] = "SIP"
    settings["exchange_firewall_allow_unverified"] = ["nope"]
    settings["exchange_firewall_rpc_client_access_port"] = 80
    with pytest.raises(PlanError) as info:
        build(groups, hostvars, settings)
    text = str(info.value)
    assert text.startswith("3 problems in the inventory:")
    for variable in ("allow_unverified", "rpc_client_access_port", "um_startup_mode"):
        assert f"exchange_firewall_{variable}:" in text


def test_every_problem_of_a_run_is_reported_at_once():
    groups, hostvars, settings = small_org()
    hostvars["mbx1"]["exchange_firewall_version"] = "2007"
    hostvars["mbx2"]["exchange_firewall_ad_site"] = ["HQ"]
    hostvars["wit"]["exchange_firewall_dga"] = "x"
    with pytest.raises(PlanError) as info:
        build(groups, hostvars, settings)
    text = str(info.value)
    assert text.startswith("3 problems in the inventory:")
    for fragment in ("host 'mbx1': exchange_firewall_version: unknown Exchange version '2007'",
                     "host 'mbx2': exchange_firewall_ad_site: must be a string",
                     "host 'wit': exchange_firewall_dga: unknown variable"):
        assert fragment in text


def test_an_organisation_wide_error_is_reported_once_not_per_host():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_version"] = "2019.0"
    for host in ("mbx1", "mbx2"):
        hostvars[host]["exchange_firewall_version"] = "2019.0"
    with pytest.raises(PlanError) as info:
        build(groups, hostvars, settings)
    assert str(info.value) == "organisation: exchange_firewall_version: unknown Exchange version '2019.0' " \
        "(expected one of 2010, 2013, 2016, 2019, se)"


@pytest.mark.parametrize("text, expected", [("yes", True), ("no", False), ("True", True), ("false", False),
                                            ("1", True), ("0", False), ("on", True), ("off", False)])
def test_booleans_from_extra_vars_are_read_as_ansible_reads_them(text, expected):
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_outbound"] = text
    settings["exchange_firewall_features"] = {"pop3": text}
    topo = build(groups, hostvars, settings)
    assert topo["settings"]["outbound"] is expected
    assert topo["hosts"]["mbx1"]["features"]["pop3"] is expected


def test_override_allows_per_port_filtering_inside_the_org():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_intra_org"] = "per_port"
    settings["exchange_firewall_allow_intra_org_filtering"] = True
    assert build(groups, hostvars, settings)["settings"]["intra_org"] == "per_port"


def test_inputs_are_not_modified():
    groups, hostvars, settings = small_org()
    before = copy.deepcopy((groups, hostvars, settings))
    build(groups, hostvars, settings)
    assert (groups, hostvars, settings) == before


def test_role_defaults_and_argument_specs_are_in_lockstep_and_known_to_the_planner():
    import yaml
    from helpers import ROOT

    role = ROOT / "roles" / "exchange_firewall"
    defaults = set(yaml.safe_load((role / "defaults" / "main.yml").read_text()))
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    documented = {k for entry in specs.values() for k in entry.get("options", {})}
    assert defaults <= documented, defaults - documented
    known = set(topology.SETTING_DEFAULTS) | set(topology.HOST_VARS) | set(topology.CONTROLLER_VARS)
    for name in defaults | documented:
        assert name.startswith("exchange_firewall_") and name[len("exchange_firewall_"):] in known, name
