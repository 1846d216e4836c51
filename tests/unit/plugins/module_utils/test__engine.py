"""The engine: hand-checked rule sets for the example organisation, consolidation, options."""

from __future__ import annotations

import json

import pytest
from helpers import expanded, load_inventory, org2010, org2013, small_org

from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.module_utils._render_markdown import render as render_markdown
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

MGMT = ["10.1.5.0/24", "fd00:1:5::/64"]
CLIENTS = ["10.20.0.0/16", "10.120.0.0/16", "fd00:20::/48"]
HQ_MAILBOX = ["10.1.10.11", "10.1.10.12", "fd00:1:10::11", "fd00:1:10::12"]
ORG = ["10.1.0.10", "10.1.10.11", "10.1.10.12", "10.2.0.10", "10.2.10.11", "10.2.10.12",
       "fd00:1:10::11", "fd00:1:10::12"]

# Hand-checked against the fact sheet (rows cited in the README's tables).
EXPECTED_EDGE = [
    ("exfw-in-tcp-internet", "tcp", ["25"], ["0.0.0.0/0", "::/0"], ["edge-smtp-internet"]),
    ("exfw-in-tcp-mailbox-site-hq", "tcp", ["25", "50636"], HQ_MAILBOX, ["edge-edgesync", "edge-smtp-from-mailbox"]),
    # Same ports as before the catalog truth pass; edge-rdp-management is no longer listed on this 2019 Edge:
    # only the 2013 Edge planning page states it, and mgmt-windows opens 3389 on every Windows host anyway.
    ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT, ["mgmt-windows"]),
]
EXPECTED_EX01 = [
    # mbx-backend-https (444) is no longer listed on the organisation rule: it rests on an Exchange 2013
    # health probe addressing https://localhost:444 and is now an unverified flow (off by default).
    ("exfw-in-any-organisation", "any", [], ORG,
     ["dag-cluster", "dag-cluster-tcp", "dag-replication", "mbx-transport-internal", "org-support-rule"]),
    ("exfw-in-tcp-clients", "tcp", ["80", "443", "587"], CLIENTS,
     ["mbx-http-clients", "mbx-https-clients", "mbx-smtp-submission"]),
    # The Edge's internal NIC only: its external address (198.51.100.25) never reaches the Mailbox servers.
    ("exfw-in-tcp-edge-transport-site-hq", "tcp", ["25"], ["172.16.50.10"], ["edge-smtp-to-mailbox"]),
    ("exfw-in-tcp-management", "tcp", ["80", "443", "3389", "5985-5986"], MGMT,
     ["mgmt-exchange-admin", "mgmt-windows"]),
    ("exfw-in-tcp-smtp-relay", "tcp", ["25"], ["10.1.20.25"], ["mbx-smtp-from-relay"]),
]


def expanded_plan(*args):
    return expanded(build_plan(*args))


def summary(rules):
    return [(r["name"], r["protocol"], r["local_ports"], r["remote_addresses"], r["flow_ids"]) for r in rules]


@pytest.fixture(scope="module")
def example_plan():
    groups, hostvars, settings = load_inventory()
    return expanded_plan(groups, hostvars, settings)


def test_example_edge_rule_set(example_plan):
    edge = example_plan["hosts"]["edge01"]
    assert edge["roles"] == ["edge_transport"] and edge["version"] == "2019"
    assert summary(edge["rules"]) == EXPECTED_EDGE
    assert all(r["direction"] == "in" and r["action"] == "allow" for r in edge["rules"])


def test_example_mailbox_rule_set(example_plan):
    assert summary(example_plan["hosts"]["ex01"]["rules"]) == EXPECTED_EX01


def test_example_dr_mailbox_gets_no_edge_rule(example_plan):
    names = [r["name"] for r in example_plan["hosts"]["ex03"]["rules"]]
    assert "exfw-in-tcp-edge-transport-site-hq" not in names
    assert "exfw-in-any-organisation" in names


def test_example_witness_and_relay(example_plan):
    witness = summary(example_plan["hosts"]["fs01"]["rules"])
    assert witness == [
        ("exfw-in-tcp-mailbox-dag-dag01", "tcp", ["135", "445", "49152-65535"],
         ["10.1.10.11", "10.1.10.12", "10.2.10.11", "10.2.10.12", "fd00:1:10::11", "fd00:1:10::12"],
         ["witness-smb", "witness-wmi"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT, ["mgmt-windows"]),
    ]
    relay = summary(example_plan["hosts"]["relay01"]["rules"])
    assert relay == [
        ("exfw-in-tcp-management", "tcp", ["22"], MGMT, ["mgmt-linux"]),
        ("exfw-in-tcp-smtp-clients", "tcp", ["25"], ["10.30.0.0/24"], ["relay-smtp-clients"]),
    ]


def test_network_firewalls_and_dcs_get_no_host_rule_set(example_plan):
    assert sorted(example_plan["network_firewalls"]) == ["fw01", "fw02"]
    assert example_plan["network_firewalls"]["fw01"]["status"] == "planned"
    assert "dc01" not in example_plan["hosts"] and "fw01" not in example_plan["hosts"]


def test_every_rule_is_cited_and_named_with_the_prefix(example_plan):
    for host in example_plan["hosts"].values():
        for rule in host["rules"]:
            assert rule["name"].startswith("exfw-")
            assert rule["citations"] and all(c["url"].startswith("http") for c in rule["citations"])
            assert set(rule["flow_ids"]) <= set(example_plan["flows"])


def test_plan_is_json_serialisable_and_deterministic(example_plan):
    groups, hostvars, settings = load_inventory()
    again = expanded_plan(dict(reversed(list(groups.items()))), dict(reversed(list(hostvars.items()))), settings)
    assert json.dumps(again, sort_keys=False) == json.dumps(example_plan, sort_keys=False)


def plan_small(**changes):
    groups, hostvars, settings = small_org()
    for key, value in changes.items():
        settings["exchange_firewall_" + key] = value
    return expanded_plan(groups, hostvars, settings)


def test_no_edge_means_direct_internet_mail_on_mailbox():
    rules = {r["name"]: r for r in plan_small()["hosts"]["mbx1"]["rules"]}
    assert rules["exfw-in-tcp-internet"]["local_ports"] == ["25"]
    assert rules["exfw-in-tcp-internet"]["remote_addresses"] == ["0.0.0.0/0", "::/0"]


def test_pop3_and_imap4_open_only_when_enabled():
    ports = {p for r in plan_small()["hosts"]["mbx1"]["rules"] for p in r["local_ports"]}
    assert not ports & {"110", "995", "143", "993"}
    rules = plan_small(features={"pop3": True, "imap4": True})["hosts"]["mbx1"]["rules"]
    clients = next(r for r in rules if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["80", "110", "143", "443", "587", "993", "995"]


def test_outbound_rules_only_when_asked():
    assert {r["direction"] for r in plan_small()["hosts"]["mbx1"]["rules"]} == {"in"}
    out = [r for r in plan_small(outbound=True)["hosts"]["mbx1"]["rules"] if r["direction"] == "out"]
    names = [r["name"] for r in out]
    assert "exfw-out-any-organisation" in names
    internet = next(r for r in out if r["name"] == "exfw-out-tcp-internet")
    assert internet["local_ports"] == ["25"]


def test_dag_replication_port_setting_applies_in_per_port_mode():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_dags"]["DAG1"]["replication_port"] = 64400
    settings["exchange_firewall_intra_org"] = "per_port"
    settings["exchange_firewall_allow_intra_org_filtering"] = True
    rules = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]["rules"]
    assert not [r for r in rules if r["protocol"] == "any"]
    dag = [r for r in rules if "dag-replication" in r["flow_ids"]]
    assert dag and "64400" in dag[0]["local_ports"] and "64327" not in dag[0]["local_ports"]


def test_exclusion_by_jmespath_and_protected_flows():
    rules = plan_small(flows_exclude="[?feature=='smtp_submission']")["hosts"]["mbx1"]["rules"]
    clients = next(r for r in rules if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["80", "443"]
    with pytest.raises(PlanError, match="exchange_firewall_flows_exclude: flow 'mgmt-windows' cannot be excluded"):
        plan_small(flows_exclude="[?id=='mgmt-windows']")
    with pytest.raises(PlanError, match="exchange_firewall_flows_include: invalid JMESPath expression"):
        plan_small(flows_include="[?id==")


def test_selection_by_jmespath_keeps_management():
    rules = plan_small(flows_include="[?id=='mbx-https-clients']")["hosts"]["mbx1"]["rules"]
    assert [r["name"] for r in rules] == ["exfw-in-any-organisation", "exfw-in-tcp-clients", "exfw-in-tcp-management"]
    assert next(r for r in rules if r["name"] == "exfw-in-tcp-clients")["local_ports"] == ["443"]


@pytest.mark.parametrize("expression", ["[?id=='no-such-flow-typo']", "[?feature=='imap']",
                                        "[?id=='mgmt-windows' || id=='org-support-rule']"])
def test_an_include_that_keeps_only_the_protected_flows_is_refused(expression):
    with pytest.raises(PlanError, match="exchange_firewall_flows_include: selects no flow besides the ones always "
                                        "planned .*every service flow would be closed"):
        plan_small(flows_include=expression)


def test_extra_flows_are_planned_with_their_citation():
    extra = [{"id": "backup-agent", "src": "backup", "dst": ["mailbox"], "protocol": "tcp", "ports": [10000],
              "purpose": "Backup agent", "citation": {"title": "Vendor guide", "url": "https://backup.example/ports"}}]
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_networks"]["backup"] = ["10.9.0.0/24"]
    settings["exchange_firewall_extra_flows"] = extra
    rules = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]["rules"]
    backup = next(r for r in rules if r["name"] == "exfw-in-tcp-backup")
    assert backup["local_ports"] == ["10000"] and backup["remote_addresses"] == ["10.9.0.0/24"]
    assert backup["citations"] == [{"title": "Vendor guide", "url": "https://backup.example/ports",
                                    "id": "user:backup-agent"}]


def test_undeclared_network_gives_a_warning_not_a_rule():
    groups, hostvars, settings = small_org()
    del settings["exchange_firewall_networks"]["clients"]
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    assert "exfw-in-tcp-clients" not in [r["name"] for r in host["rules"]]
    assert any("network 'clients' is not declared" in w for w in host["warnings"])


def small_2010_cas():
    groups, hostvars, settings = small_org()
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = "2010"
    groups["exchange_client_access"] = ["mbx1"]
    return groups, hostvars, settings


def test_unverified_flows_stay_off_unless_allowed():
    groups, hostvars, settings = small_2010_cas()
    plan = expanded_plan(groups, hostvars, settings)
    host = plan["hosts"]["mbx1"]
    reasons = {d["id"]: d["reason"] for d in host["disabled_flows"]}
    assert reasons["cas2010-http-clients"] == engine.UNVERIFIED_OFF
    assert reasons["cas2010-https-clients"] == engine.UNVERIFIED_OFF
    assert plan["unverified_reasons"]["cas2010-https-clients"].startswith("No Exchange 2010 Microsoft page")
    clients = next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")
    # Outlook MAPI/RPC on the 2010 CAS (S18): 135 and the range the CAS role sets; no 80/443 (no 2010 page).
    assert clients["local_ports"] == ["135", "6005-59530"]
    settings["exchange_firewall_allow_unverified"] = True
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    clients = next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["80", "135", "443", "6005-59530"]


def test_allow_unverified_lists_exactly_the_flows_to_enable():
    groups, hostvars, settings = small_2010_cas()
    settings["exchange_firewall_allow_unverified"] = ["cas2010-https-clients"]
    plan = build_plan(groups, hostvars, settings)
    clients = next(r for r in plan["hosts"]["mbx1"]["rules"] if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["135", "443", "6005-59530"]
    assert clients["unverified_flow_ids"] == ["cas2010-https-clients"]
    assert plan["settings"]["allow_unverified"] == ["cas2010-https-clients"]
    assert plan["flows"]["cas2010-https-clients"]["unverified_reason"].startswith("No Exchange 2010")
    management = next(r for r in plan["hosts"]["mbx1"]["rules"] if r["name"] == "exfw-in-tcp-management")
    assert "unverified_flow_ids" not in management   # only rules that rest on an unverified flow carry it
    reasons = {d["id"]: d["reason"] for d in plan["hosts"]["mbx1"]["disabled_flows"]}
    assert reasons["cas2010-http-clients"].startswith("unverified")


@pytest.mark.parametrize("value, message", [
    (["cas2010-htps-clients"], "unknown flow id 'cas2010-htps-clients' (did you mean 'cas2010-https-clients'?)"),
    (["mbx-https-clients"], "flow 'mbx-https-clients' is verified, it is always planned; list only unverified flows"),
    ([443], "must list flow ids (strings), got 443"),
    ("sometimes", "must be true, false or a list of unverified flow ids, got 'sometimes'"),
])
def test_allow_unverified_bad_values_name_the_variable(value, message):
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_allow_unverified"] = value
    with pytest.raises(PlanError) as info:
        build_plan(groups, hostvars, settings)
    assert str(info.value) == f"organisation: exchange_firewall_allow_unverified: {message}"


def test_rpc_static_ports_replace_the_dynamic_range_2010():
    """S18/S19: static RPC Client Access and Address Book ports replace the range; 59531-60554 recommended."""
    groups, hostvars, settings = small_2010_cas()
    settings["exchange_firewall_rpc_client_access_port"] = 59531
    settings["exchange_firewall_address_book_port"] = "59532"
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    clients = next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["135", "59531-59532"]
    assert host["warnings"] == []
    settings["exchange_firewall_address_book_port"] = 6001
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    assert next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")["local_ports"] == \
        ["135", "6001", "59531"]
    assert host["warnings"] == ["exchange_firewall_address_book_port 6001 is outside 59531-60554, the range the "
                                "Exchange Best Practices Analyzer recommends for static RPC ports (gg191713), above "
                                "the dynamic range 6005-59530 the Client Access role sets"]
    # exchange_firewall_rpc_dynamic_ports stays the explicit override.
    settings["exchange_firewall_rpc_dynamic_ports"] = ["50000-50100"]
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    assert next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")["local_ports"] == \
        ["135", "50000-50100"]
    assert host["warnings"] == []


def test_rule_name_collisions_get_a_stable_suffix():
    taken = {"exfw-in-tcp-mailbox"}
    assert engine._rule_name("exfw", "in", "tcp", ["mailbox"], taken) == "exfw-in-tcp-mailbox-2"
    long = engine._rule_name("exfw", "in", "tcp", ["x" * 80], set())
    assert len(long) <= engine.MAX_NAME


def test_management_lockout_is_refused():
    groups, hostvars, settings = small_org()
    topo = topology.build(groups, hostvars, settings)
    topo["networks"]["management"] = []
    with pytest.raises(PlanError, match="refusing to plan a lock-out"):
        engine.plan(topo)


# ---- Exchange 2010 and 2013 organisations, hand-checked ---------------------------------------------

ORG2010 = ["10.5.0.11", "10.5.0.12", "10.5.0.14", "10.5.0.18", "10.5.0.20"]   # mb1, mb2, cas1, um1, dc1
MGMT2010 = ["10.1.5.0/24"]
# Rule sets of helpers.org2010 with the defaults (no unverified flow, inbound only). Sources per rule:
# cas1 (CAS + Hub): S18 (135 + 6005-59530), S1 (Mailbox -> Hub RPC, Edge -> Hub 25); no 80/443: no 2010 page.
EXPECTED_2010 = {
    "cas1": [
        ("exfw-in-any-organisation", "any", [], ORG2010, ["mbx2010-to-hub-rpc", "org-support-rule"]),
        ("exfw-in-tcp-clients", "tcp", ["135", "6005-59530"], ["10.20.0.0/16"],
         ["cas2010-rpc-dynamic", "cas2010-rpc-epmap"]),
        ("exfw-in-tcp-edge-transport-site-default-first-site-name", "tcp", ["25"], ["10.5.1.19"],
         ["edge2010-smtp-to-hub"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"]),
    ],
    # S1 rows 60 and 66: Hub -> Edge 25 and EdgeSync 50636; Internet 25 is unverified for the 2010 Edge.
    "edge1": [
        ("exfw-in-tcp-hub-transport-site-default-first-site-name", "tcp", ["25", "50636"], ["10.5.0.14"],
         ["edge2010-edgesync", "edge2010-smtp-from-hub"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"]),
    ],
    # S30/S31: Outlook reaches the public folder databases on the Mailbox server (135; the range is unverified).
    "mb1": [
        ("exfw-in-any-organisation", "any", [], ORG2010,
         ["dag-cluster", "dag-cluster-tcp", "dag-replication", "hub2010-to-mbx-rpc", "org-support-rule"]),
        ("exfw-in-tcp-clients", "tcp", ["135"], ["10.20.0.0/16"], ["mbx2010-pf-rpc-epmap"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"]),
    ],
    "mb2": [
        ("exfw-in-any-organisation", "any", [], ORG2010,
         ["dag-cluster", "dag-cluster-tcp", "dag-replication", "hub2010-to-mbx-rpc", "org-support-rule"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"]),
    ],
    # S23/S36: SIP 5060/5061; S21: worker 5065-5068 (no default startup mode documented for 2010).
    "um1": [
        ("exfw-in-any-organisation", "any", [], ORG2010, ["org-support-rule"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"]),
        ("exfw-in-tcp-um-gateways", "tcp", ["5060-5061", "5065-5068"], ["10.7.0.0/24"],
         ["um2010-sip", "um2010-sip-worker"]),
    ],
    # The 2010 DAG's witness: no verified flow (see the warning test).
    "wit1": [("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2010, ["mgmt-windows"])],
}


@pytest.fixture(scope="module")
def plan2010():
    return expanded_plan(*org2010())


@pytest.mark.parametrize("host", sorted(EXPECTED_2010))
def test_2010_organisation_rule_sets(plan2010, host):
    assert summary(plan2010["hosts"][host]["rules"]) == EXPECTED_2010[host]


def test_2010_warnings_for_unverified_flows_that_leave_a_service_broken(plan2010):
    hosts = plan2010["hosts"]
    assert [w.split(" is unverified")[0] for w in hosts["wit1"]["warnings"]] == \
        ["flow witness-smb-2010", "flow witness-wmi-2010"]
    assert "exchange_firewall_allow_unverified: [witness-smb-2010]" in hosts["wit1"]["warnings"][0]
    assert len(hosts["um1"]["warnings"]) == 1 and "calls would have no audio" in hosts["um1"]["warnings"][0]
    assert len(hosts["mb1"]["warnings"]) == 1 and "public folders" in hosts["mb1"]["warnings"][0]
    assert hosts["mb2"]["warnings"] == [] and hosts["cas1"]["warnings"] == []
    reasons = {d["id"]: d["reason"] for d in hosts["mb2"]["disabled_flows"]}
    assert reasons["mbx2010-pf-rpc-epmap"] == "exchange_firewall_public_folders is false on this host"


def test_2010_unverified_flows_enabled_by_list_are_marked_per_rule():
    groups, hostvars, settings = org2010()
    settings["exchange_firewall_allow_unverified"] = ["um2010-rtp", "witness-smb-2010", "witness-wmi-2010"]
    plan = build_plan(groups, hostvars, settings)
    um = next(r for r in plan["hosts"]["um1"]["rules"] if r["protocol"] == "udp")
    assert (um["local_ports"], um["flow_ids"], um["unverified_flow_ids"]) == \
        (["1024-65535"], ["um2010-rtp"], ["um2010-rtp"])
    witness = next(r for r in plan["hosts"]["wit1"]["rules"] if r["name"] == "exfw-in-tcp-mailbox-dag-dag10")
    assert witness["local_ports"] == ["135", "445", "49152-65535"]
    assert witness["unverified_flow_ids"] == ["witness-smb-2010", "witness-wmi-2010"]
    assert plan["hosts"]["wit1"]["warnings"] == [] and plan["hosts"]["um1"]["warnings"] == []


def test_2010_outbound_edge_flows_and_um_startup_mode():
    groups, hostvars, settings = org2010()
    settings["exchange_firewall_outbound"] = True
    settings["exchange_firewall_um_startup_mode"] = "TLS"
    plan = expanded_plan(groups, hostvars, settings)
    edge = summary(r for r in plan["hosts"]["edge1"]["rules"] if r["direction"] == "out")
    # S1 row 61 only: the 2010 Edge's Internet 25 and DNS are unverified.
    assert edge == [("exfw-out-tcp-hub-transport-site-default-first-site-name", "tcp", ["25"], ["10.5.0.14"],
                     ["edge2010-smtp-to-hub"])]
    um = next(r for r in plan["hosts"]["um1"]["rules"] if r["name"] == "exfw-in-tcp-um-gateways")
    assert um["local_ports"] == ["5060-5061", "5066", "5068"]       # S21: 5066/5068 mutual TLS
    cas = [r for r in plan["hosts"]["cas1"]["rules"] if r["name"] == "exfw-out-udp-dns-servers"]
    assert cas[0]["flow_ids"] == ["exchange-dns-2010"]               # S1: Hub Transport DNS, UDP and TCP
    assert "exchange-dns-2010-tcp" in next(r for r in plan["hosts"]["cas1"]["rules"]
                                           if r["name"] == "exfw-out-tcp-dns-servers")["flow_ids"]


ORG2013 = ["10.6.0.1", "10.6.0.2/31", "10.6.0.9"]   # m1, m2 + c1, d1
MBX2013 = ["10.6.0.1", "10.6.0.2"]
MGMT2013 = ["10.1.5.0/24"]
EXO = ["40.92.0.0/15"]
# Rule sets of helpers.org2013 (hybrid and external access on, outbound planned), all from S3 unless noted.
EXPECTED_2013 = {
    "c1": [
        ("exfw-in-any-organisation", "any", [], ORG2013, ["org-support-rule"]),
        ("exfw-in-tcp-clients", "tcp", ["80", "443", "587"], ["10.20.0.0/16"],
         ["cas2013-http-clients", "cas2013-https-clients", "cas2013-smtp-submission"]),
        # S10: 443 on every 2013 CAS; 25 only on the servers hosting the hybrid connectors (here the Edge).
        ("exfw-in-tcp-exchange-online", "tcp", ["443"], EXO, ["hybrid-legacy-https-in"]),
        ("exfw-in-tcp-management", "tcp", ["80", "443", "3389", "5985-5986"], MGMT2013,
         ["mgmt-exchange-admin", "mgmt-windows"]),
        ("exfw-in-tcp-reverse-proxy", "tcp", ["80", "443", "587"], ["10.6.2.1"],
         ["cas2013-http-clients", "cas2013-https-clients", "cas2013-smtp-submission"]),
        ("exfw-in-tcp-um-gateways", "tcp", ["5060-5061"], ["10.7.0.0/24"], ["um-sip-callrouter-2013"]),
        ("exfw-out-any-organisation", "any", [], ORG2013, ["exchange-to-dc", "exchange-to-dc-udp", "org-support-rule"]),
        # S3: DNS from the "Internet-facing Exchange server (Client Access server or Mailbox server)".
        ("exfw-out-tcp-dns-servers", "tcp", ["53"], ["10.6.0.9"], ["cas2013-dns-tcp"]),
        ("exfw-out-tcp-exchange-online", "tcp", ["443"], EXO, ["hybrid-legacy-https-out"]),
        ("exfw-out-udp-dns-servers", "udp", ["53"], ["10.6.0.9"], ["cas2013-dns"]),
    ],
    "e1": [
        ("exfw-in-tcp-exchange-online", "tcp", ["25"], EXO, ["hybrid2013-smtp-in"]),
        ("exfw-in-tcp-internet", "tcp", ["25"], ["0.0.0.0/0", "::/0"], ["edge-smtp-internet"]),
        ("exfw-in-tcp-mailbox-site-a", "tcp", ["25", "50636"], MBX2013, ["edge-edgesync", "edge-smtp-from-mailbox"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2013, ["edge-rdp-management", "mgmt-windows"]),
        ("exfw-out-tcp-dns-servers", "tcp", ["53"], ["10.6.0.9"], ["edge-dns-tcp"]),
        ("exfw-out-tcp-exchange-online", "tcp", ["25"], EXO, ["hybrid2013-smtp-out"]),
        # No open-proxy ports: the 2013 page lists only a user-defined proxy port (that flow is unverified).
        ("exfw-out-tcp-internet", "tcp", ["25"], ["0.0.0.0/0", "::/0"], ["edge-smtp-out-internet"]),
        ("exfw-out-tcp-mailbox-site-a", "tcp", ["25"], MBX2013, ["edge-smtp-to-mailbox"]),
        # S7: public DNS on the external side, internal DNS (or a Hosts file) on the internal side.
        ("exfw-out-tcp-public-dns-servers", "tcp", ["53"], ["192.0.2.53"], ["edge-dns-public-tcp"]),
        ("exfw-out-udp-dns-servers", "udp", ["53"], ["10.6.0.9"], ["edge-dns"]),
        ("exfw-out-udp-public-dns-servers", "udp", ["53"], ["192.0.2.53"], ["edge-dns-public"]),
    ],
    "m1": [
        ("exfw-in-any-organisation", "any", [], ORG2013,
         ["dag-cluster", "dag-cluster-tcp", "dag-replication", "org-support-rule"]),
        ("exfw-in-tcp-edge-transport-site-a", "tcp", ["25"], ["10.6.1.1"], ["edge-smtp-to-mailbox"]),
        ("exfw-in-tcp-management", "tcp", ["80", "443", "3389", "5985-5986"], MGMT2013,
         ["mgmt-exchange-admin", "mgmt-windows"]),
        # S4/S33: UMStartupMode TCP by default; the pages disagree on 5066/5067, both are opened.
        ("exfw-in-tcp-um-gateways", "tcp", ["5065-5067"], ["10.7.0.0/24"], ["um-sip-worker"]),
        ("exfw-in-udp-um-gateways", "udp", ["1024-65535"], ["10.7.0.0/24"], ["um-rtp"]),
        ("exfw-out-any-organisation", "any", [], ORG2013,
         ["dag-cluster", "dag-cluster-tcp", "dag-replication", "exchange-to-dc", "exchange-to-dc-udp",
          "org-support-rule"]),
        # S11-2013: SMB 445 and WMI to the witness.
        ("exfw-out-tcp-dag-witness-dag-dag13", "tcp", ["135", "445", "49152-65535"], ["10.6.0.21"],
         ["witness-smb", "witness-wmi"]),
        ("exfw-out-tcp-dns-servers", "tcp", ["53"], ["10.6.0.9"], ["mbx-dns-tcp"]),
        ("exfw-out-tcp-edge-transport-site-a", "tcp", ["25", "50636"], ["10.6.1.1"],
         ["edge-edgesync", "edge-smtp-from-mailbox"]),
        # S10: "the 2010 MBX & CAS or 2013 MBX (backend) ... would need outbound Internet access to O365".
        ("exfw-out-tcp-exchange-online", "tcp", ["443"], EXO, ["hybrid-legacy-mbx-https-out"]),
        ("exfw-out-udp-dns-servers", "udp", ["53"], ["10.6.0.9"], ["mbx-dns"]),
    ],
    "rp1": [
        ("exfw-in-tcp-clients", "tcp", ["80", "443"], ["10.20.0.0/16"], ["lb-http-clients", "lb-https-clients"]),
        ("exfw-in-tcp-internet", "tcp", ["443"], ["0.0.0.0/0", "::/0"], ["lb-https-internet"]),
        ("exfw-in-tcp-management", "tcp", ["22"], MGMT2013, ["mgmt-linux"]),
        ("exfw-out-tcp-client-access", "tcp", ["80", "443", "587"], ["10.6.0.3"],
         ["cas2013-http-clients", "cas2013-https-clients", "cas2013-smtp-submission"]),
    ],
    "w1": [
        ("exfw-in-tcp-mailbox-dag-dag13", "tcp", ["135", "445", "49152-65535"], MBX2013,
         ["witness-smb", "witness-wmi"]),
        ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT2013, ["mgmt-windows"]),
    ],
}


@pytest.fixture(scope="module")
def plan2013():
    return expanded_plan(*org2013())


@pytest.mark.parametrize("host", sorted(EXPECTED_2013))
def test_2013_organisation_rule_sets(plan2013, host):
    assert summary(plan2013["hosts"][host]["rules"]) == EXPECTED_2013[host]


def test_2013_disabled_flows_name_only_what_this_organisation_could_use(plan2013):
    hosts = plan2013["hosts"]
    assert [d["id"] for d in hosts["rp1"]["disabled_flows"]] == ["cas2013-imap4-clients", "cas2013-pop3-clients"]
    assert hosts["w1"]["disabled_flows"] == []
    assert {d["id"] for d in hosts["c1"]["disabled_flows"]} >= {"cas2013-smtp-internet-out", "hybrid2013-smtp-in"}


def test_2013_client_access_outbound_proxy_and_direct_publishing():
    """S3: CAS -> Internet 25 only with -FrontEndProxyEnabled; 443/80 from the Internet when published directly."""
    groups, hostvars, settings = org2013()
    groups["exchange_edge"] = []
    hostvars["c1"]["exchange_firewall_features"] = {"hybrid": True, "external_access": True,
                                                    "outbound_frontend_proxy": True, "publish_to_internet": True}
    plan = expanded_plan(groups, hostvars, settings)
    rules = {r["name"]: r for r in plan["hosts"]["c1"]["rules"]}
    assert rules["exfw-out-tcp-internet"]["flow_ids"] == ["cas2013-smtp-internet-out"]
    assert rules["exfw-in-tcp-internet"]["local_ports"] == ["25", "80", "443"]
    expected = ["cas2013-http-internet", "cas2013-https-internet", "cas2013-smtp-internet"]
    assert rules["exfw-in-tcp-internet"]["flow_ids"] == expected
    # Without an Edge, the hybrid connectors default to the servers that can host them (the 2013 CAS).
    assert rules["exfw-in-tcp-exchange-online"]["local_ports"] == ["25", "443"]
    m1 = {r["name"]: r for r in plan["hosts"]["m1"]["rules"]}
    assert m1["exfw-out-tcp-internet"]["flow_ids"] == ["mbx2013-smtp-internet-out"]


def test_publish_to_internet_on_2019_mailbox_with_and_without_http():
    groups, hostvars, settings = small_org()
    hostvars["mbx1"]["exchange_firewall_features"] = {"publish_to_internet": True}
    hostvars["mbx2"]["exchange_firewall_features"] = {"publish_to_internet": True, "http": False}
    plan = expanded_plan(groups, hostvars, settings)
    internet = {h: next(r for r in plan["hosts"][h]["rules"] if r["name"] == "exfw-in-tcp-internet")
                for h in ("mbx1", "mbx2")}
    assert internet["mbx1"]["local_ports"] == ["25", "80", "443"]
    assert internet["mbx2"]["local_ports"] == ["25", "443"]


def hybrid_org():
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_networks"]["exchange_online"] = ["40.92.0.0/15"]
    settings["exchange_firewall_features"] = {"hybrid": True}
    groups["exchange_edge"] = ["edge1", "edge2"]
    groups["all"] += ["edge1", "edge2"]
    for n, name in enumerate(("edge1", "edge2")):
        hostvars[name] = {"ansible_host": f"172.16.0.{n + 10}", "exchange_firewall_version": "2019"}
    return groups, hostvars, settings


def smtp_from_exo(plan, host):
    return [r["flow_ids"] for r in plan["hosts"][host]["rules"] if r["name"] == "exfw-in-tcp-exchange-online"]


def test_hybrid_smtp_only_on_the_hybrid_transport_servers():
    """S10: inbound 25 from Exchange Online goes to the servers hosting the hybrid Receive connector."""
    groups, hostvars, settings = hybrid_org()
    plan = build_plan(groups, hostvars, settings)
    # Default: the Edge servers when there are any; the Mailbox servers keep HTTPS only.
    assert smtp_from_exo(plan, "edge1") == [["hybrid-smtp-in"]] and smtp_from_exo(plan, "edge2") == [["hybrid-smtp-in"]]
    assert smtp_from_exo(plan, "mbx1") == [["hybrid-https-in"]]
    # Named: only edge2 (S38: Edge servers "that won't handle hybrid transport" need nothing).
    hostvars["edge2"]["exchange_firewall_hybrid_transport"] = True
    plan = build_plan(groups, hostvars, settings)
    assert smtp_from_exo(plan, "edge1") == [] and smtp_from_exo(plan, "edge2") == [["hybrid-smtp-in"]]
    reasons = {d["id"]: d["reason"] for d in plan["hosts"]["edge1"]["disabled_flows"]}
    assert reasons["hybrid-smtp-in"] == "exchange_firewall_hybrid_transport is false on this host"
    # Named on a Mailbox server in an organisation with Edges.
    del hostvars["edge2"]["exchange_firewall_hybrid_transport"]
    hostvars["mbx1"]["exchange_firewall_hybrid_transport"] = "yes"
    plan = build_plan(groups, hostvars, settings)
    assert smtp_from_exo(plan, "mbx1") == [["hybrid-https-in", "hybrid-smtp-in"]]
    assert smtp_from_exo(plan, "mbx2") == [["hybrid-https-in"]] and smtp_from_exo(plan, "edge1") == []


def test_lync_servers_join_the_organisation_rule_from_2013_on():
    """S2/S3 name Lync/Skype for Business servers; the 2010 statement (S1-CA) does not."""
    groups, hostvars, settings = small_org()
    groups["skype_for_business_servers"] = ["sfb1"]
    groups["all"].append("sfb1")
    hostvars["sfb1"] = {"ansible_host": "10.1.30.5"}
    plan = expanded_plan(groups, hostvars, settings)
    org = next(r for r in plan["hosts"]["mbx1"]["rules"] if r["name"] == "exfw-in-any-organisation")
    assert "10.1.30.5" in org["remote_addresses"] and "sfb1" not in plan["hosts"]
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = "2010"
    plan = expanded_plan(groups, hostvars, settings)
    org = next(r for r in plan["hosts"]["mbx1"]["rules"] if r["name"] == "exfw-in-any-organisation")
    assert "10.1.30.5" not in org["remote_addresses"]
    assert any("Lync/Skype for Business servers (sfb1) are not in the organisation rule" in w
               for w in plan["hosts"]["mbx1"]["warnings"])


def coexistence_org(edge_version, transport):
    """An Edge of one version subscribed to a site whose transport servers run another (S2, S3, S39, S40)."""
    groups, hostvars, settings = small_org()
    settings["exchange_firewall_outbound"] = True
    role, version = transport
    if role == "hub_transport":
        groups["exchange_hub_transport"] = ["mbx1"]
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = version
    groups["exchange_edge"] = ["edge1"]
    groups["all"].append("edge1")
    hostvars["edge1"] = {"ansible_host": "172.16.0.10", "exchange_firewall_version": edge_version}
    return groups, hostvars, settings


@pytest.mark.parametrize("edge, transport, inbound, outbound", [
    # S2 / S39: a 2010 (SP3 RU11) Edge with 2016 Mailbox servers: 25 and EdgeSync in; 2525 out is unverified.
    ("2010", ("mailbox", "2016"),
     [("tcp", ["25", "50636"], ["edge2010-edgesync-from-mailbox", "edge2010-smtp-from-mailbox"])], []),
    # S3: the same with 2013 Mailbox servers.
    ("2010", ("mailbox", "2013"),
     [("tcp", ["25", "50636"], ["edge2010-edgesync-from-mailbox", "edge2010-smtp-from-mailbox"])], []),
    # S40: a 2013 SP1 Edge subscribed to 2010 (SP3 RU5) Hub Transport servers.
    ("2013", ("hub_transport", "2010"),
     [("tcp", ["25", "50636"], ["edge2013-edgesync-from-hub2010", "edge2013-smtp-from-hub2010"])],
     [("tcp", ["25"], ["edge2013-smtp-to-hub2010"])]),
])
def test_edge_peers_are_the_subscribed_sites_transport_servers_of_any_supported_version(edge, transport, inbound,
                                                                                        outbound):
    groups, hostvars, settings = coexistence_org(edge, transport)
    plan = expanded_plan(groups, hostvars, settings)
    peers = ["10.1.10.11"] if transport[0] == "hub_transport" else ["10.1.10.11", "10.1.10.12"]
    rules = [r for r in plan["hosts"]["edge1"]["rules"] if r["remote_addresses"] == peers]
    assert [(r["protocol"], r["local_ports"], r["flow_ids"]) for r in rules if r["direction"] == "in"] == inbound
    assert [(r["protocol"], r["local_ports"], r["flow_ids"]) for r in rules if r["direction"] == "out"] == outbound


def test_2010_edge_delivery_to_2016_is_unverified_and_says_so():
    groups, hostvars, settings = coexistence_org("2010", ("mailbox", "2016"))
    plan = build_plan(groups, hostvars, settings)
    assert any("flow edge2010-smtp-to-mbx2016 is unverified" in w for w in plan["hosts"]["edge1"]["warnings"])
    settings["exchange_firewall_allow_unverified"] = ["edge2010-smtp-to-mbx2016"]
    plan = expanded_plan(groups, hostvars, settings)
    into_mailbox = next(r for r in plan["hosts"]["mbx1"]["rules"] if "edge2010-smtp-to-mbx2016" in r["flow_ids"])
    assert into_mailbox["local_ports"] == ["2525"] and into_mailbox["remote_addresses"] == ["172.16.0.10"]


def test_load_balanced_smtp_opens_25_on_the_balancer_and_from_it():
    """S42 lists 25 among the ports to load balance; the LB is a source of 25 only when it balances SMTP."""
    groups, hostvars, settings = small_org()
    groups["load_balancers"] = ["lb1"]
    groups["all"].append("lb1")
    hostvars["lb1"] = {"ansible_host": "10.1.40.5"}
    settings["exchange_firewall_networks"]["smtp_clients"] = ["10.30.0.0/24"]
    plan = expanded_plan(groups, hostvars, settings)
    assert not [r for r in plan["hosts"]["lb1"]["rules"] if "25" in r["local_ports"]]
    assert not [r for r in plan["hosts"]["mbx1"]["rules"] if r["remote_addresses"] == ["10.1.40.5"]
                and "25" in r["local_ports"]]
    settings["exchange_firewall_features"] = {"load_balanced_smtp": True}
    plan = expanded_plan(groups, hostvars, settings)
    lb = {r["name"]: r for r in plan["hosts"]["lb1"]["rules"]}
    assert lb["exfw-in-tcp-smtp-clients"]["flow_ids"] == ["lb-smtp-clients"]
    assert lb["exfw-in-tcp-internet"]["flow_ids"] == ["lb-smtp-internet"]    # no Edge: direct Internet mail
    mailbox = next(r for r in plan["hosts"]["mbx1"]["rules"] if r["remote_addresses"] == ["10.1.40.5"])
    assert "mbx-smtp-from-lb" in mailbox["flow_ids"] and "25" in mailbox["local_ports"]


def test_network_firewall_policies_follow_the_same_flows():
    """A perimeter firewall in front of the 2013 organisation: the Edge's public DNS and Internet/hybrid SMTP
    leave from its external NIC, internal DNS from its internal NIC (S7); hybrid SMTP reaches the Edge only
    (S10); an unverified flow enabled by list is marked on its policy."""
    groups, hostvars, settings = org2013()
    groups["network_firewalls"] = ["fw1"]
    groups["all"].append("fw1")
    hostvars["fw1"] = {"ansible_host": "10.6.0.254", "exchange_firewall_provider": "nftables",
                       "exchange_firewall_zones": {
                           "internet": {"networks": ["internet"], "interfaces": ["out"]},
                           "perimeter": {"cidrs": ["10.6.1.0/24", "203.0.113.0/24"], "interfaces": ["dmz"]},
                           "servers": {"cidrs": ["10.6.0.0/24", "10.6.2.0/24"], "interfaces": ["in"]},
                           "clients": {"networks": ["clients", "um_gateways"], "interfaces": ["users"]},
                           "mgmt": {"networks": ["management"], "interfaces": ["mgmt"]}}}
    settings["exchange_firewall_allow_unverified"] = ["edge2013-open-proxy-detection"]
    plan = build_plan(groups, hostvars, settings)
    policies = {(p["from_zone"], p["to_zone"], p["source"][0], p["destination"][0]): p
                for p in plan["network_firewalls"]["fw1"]["policies"]}
    public = policies[("perimeter", "internet", "edge_transport-external", "public_dns_servers")]
    assert (public["services"], public["flow_ids"]) == (["tcp-53", "udp-53"], ["edge-dns-public", "edge-dns-public-tcp"])
    internal = policies[("perimeter", "servers", "edge_transport", "dns_servers")]
    assert internal["flow_ids"] == ["edge-dns", "edge-dns-tcp"]
    assert policies[("internet", "perimeter", "exchange_online", "edge_transport-external")]["flow_ids"] == \
        ["hybrid2013-smtp-in"]
    assert policies[("internet", "servers", "exchange_online", "client_access")]["services"] == ["tcp-443"]
    out = policies[("perimeter", "internet", "edge_transport-external", "internet")]
    assert out["unverified_flow_ids"] == ["edge2013-open-proxy-detection"]
    assert "unverified_flow_ids" not in public
    assert policies[("servers", "internet", "mailbox", "exchange_online")]["flow_ids"] == ["hybrid-legacy-mbx-https-out"]
    summary_md = render_markdown(plan)
    assert "edge-smtp-out-internet, edge2013-open-proxy-detection \\(unverified\\)" in summary_md


def test_plan_md_marks_unverified_rules_and_explains_them():
    groups, hostvars, settings = org2010()
    settings["exchange_firewall_allow_unverified"] = ["um2010-rtp"]
    text = render_markdown(build_plan(groups, hostvars, settings))
    assert "| Unverified flows | only `um2010-rtp` |" in text
    assert "| um2010-rtp \\(unverified\\) |" in text
    assert "- `um2010-rtp`: No Exchange 2010 text found for the RTP range" in text
    assert "`witness-smb-2010` (unverified: No Exchange 2010 DAG page retrieved" in text
