"""The engine: hand-checked rule sets for the example organisation, consolidation, options."""

from __future__ import annotations

import json

import pytest
from helpers import expanded, load_inventory, small_org

from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
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
    ("exfw-in-tcp-management", "tcp", ["3389", "5985-5986"], MGMT, ["edge-rdp-management", "mgmt-windows"]),
]
EXPECTED_EX01 = [
    ("exfw-in-any-organisation", "any", [], ORG,
     ["dag-cluster", "dag-cluster-tcp", "dag-replication", "mbx-backend-https", "mbx-transport-internal",
      "org-support-rule"]),
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


def test_unverified_flows_stay_off_unless_allowed():
    groups, hostvars, settings = small_org()
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = "2010"
    groups["exchange_client_access"] = ["mbx1"]
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    reasons = {d["id"]: d["reason"] for d in host["disabled_flows"]}
    assert reasons["cas2010-http-clients"].startswith("unverified")
    ports = {p for r in host["rules"] for p in r["local_ports"]}
    assert "80" not in {p for r in host["rules"] if r["name"] == "exfw-in-tcp-clients" for p in r["local_ports"]}
    assert "135" in ports and "49152-65535" in ports   # Outlook MAPI/RPC on the 2010 CAS
    settings["exchange_firewall_allow_unverified"] = True
    host = expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]
    clients = next(r for r in host["rules"] if r["name"] == "exfw-in-tcp-clients")
    assert "80" in clients["local_ports"]


def test_rpc_static_ports_replace_the_dynamic_range_2010():
    groups, hostvars, settings = small_org()
    for h in ("mbx1", "mbx2"):
        hostvars[h]["exchange_firewall_version"] = "2010"
    groups["exchange_client_access"] = ["mbx1"]
    settings["exchange_firewall_rpc_dynamic_ports"] = [59531, 59532]
    clients = next(r for r in expanded_plan(groups, hostvars, settings)["hosts"]["mbx1"]["rules"]
                   if r["name"] == "exfw-in-tcp-clients")
    assert clients["local_ports"] == ["135", "443", "59531-59532"]


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
