"""Tables over the catalog: every flow cited, ids unique, ports valid, the popular claims right."""

from __future__ import annotations

import re

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog
from ansible_collections.exchange.firewall.plugins.module_utils._ports import range_tuples
from ansible_collections.exchange.firewall.plugins.module_utils._topology import parse_ports

FLOWS = catalog.FLOWS
IDS = [f["id"] for f in FLOWS]


def by_id(fid):
    return next(f for f in FLOWS if f["id"] == fid)


def port_set(flow):
    return {p for lo, hi in range_tuples(flow["ports"]) for p in range(lo, min(hi, lo + 10) + 1)}


def test_ids_unique_and_well_formed():
    assert len(IDS) == len(set(IDS))
    for fid in IDS:
        assert re.match(r"^[a-z0-9][a-z0-9.-]*$", fid), fid


@pytest.mark.parametrize("flow", FLOWS, ids=IDS)
def test_flow_is_complete_and_cited(flow):
    assert flow["cite"], "every flow cites at least one source"
    for key in flow["cite"]:
        title, url = catalog.CITATIONS[key]
        assert title and url.startswith(("https://", "http://")), key
    assert flow["purpose"].strip()
    assert flow["protocol"] in ("tcp", "udp", "any")
    assert set(flow["versions"]) <= set(catalog.VERSIONS) and flow["versions"]
    for end in flow["src"] + flow["dst"]:
        assert end in catalog.ROLES or end in catalog.NETWORKS, end
    if flow["feature"] is not None:
        assert flow["feature"] in catalog.FEATURES
    assert flow["scope"] in (None, "edge_subscription", "dag", "witness")
    if flow["port_setting"] is not None:
        assert flow["port_setting"] in catalog.PORT_SETTINGS


@pytest.mark.parametrize("flow", [f for f in FLOWS if f["protocol"] != "any"], ids=lambda f: f["id"])
def test_ports_valid_and_normalised(flow):
    assert flow["ports"], "a per-port flow has ports"
    assert parse_ports(flow["ports"], "catalog", flow["id"]) == flow["ports"]


@pytest.mark.parametrize("flow", FLOWS, ids=IDS)
def test_internal_flag_matches_the_support_rule(flow):
    ends = flow["src"] + flow["dst"]
    both_internal = all(catalog.ROLES.get(e, {}).get("internal", False) for e in ends)
    assert flow["internal"] == both_internal, "internal flows are exactly those between Exchange servers and DCs"


def test_every_citation_is_used():
    used = {key for f in FLOWS for key in f["cite"]}
    assert used == set(catalog.CITATIONS)


# ---- the popular claims -----------------------------------------------------------------

def test_pop3_and_imap4_only_behind_their_toggles_and_off_by_default():
    for flow in FLOWS:
        ports = set(flow["ports"])
        if ports & {"110", "995"}:
            assert flow["feature"] == "pop3", flow["id"]
        if ports & {"143", "993"}:
            assert flow["feature"] == "imap4", flow["id"]
    assert catalog.FEATURES["pop3"]["default"] is False
    assert catalog.FEATURES["imap4"]["default"] is False


def test_owa_is_443_plus_80_redirect_and_5075_only_on_2010_cas():
    owa = by_id("mbx-https-clients")
    assert owa["ports"] == ["443"] and "clients" in owa["src"]
    assert by_id("mbx-http-clients")["ports"] == ["80"]
    hits = [f for f in FLOWS if any(p.startswith("507") for p in f["ports"])]
    assert [f["id"] for f in hits] == ["cas2010-owa-5075-5077"]
    flow = hits[0]
    assert flow["versions"] == ["2010"] and flow["dst"] == ["client_access"]
    assert flow["verified"] is False and "clients" not in flow["src"] and "internet" not in flow["src"]


def test_dag_replication_witness_and_cluster_ports():
    rep = by_id("dag-replication")
    assert rep["ports"] == ["64327"] and rep["port_setting"] == "dag_replication_port"
    assert by_id("witness-smb")["ports"] == ["445"]
    assert "3343" in by_id("dag-cluster")["ports"] and "3343" in by_id("dag-cluster-tcp")["ports"]


def test_mrs_808_is_nowhere():
    assert not [f["id"] for f in FLOWS if "808" in f["ports"]]


def test_edge_flows():
    assert by_id("edge-smtp-internet")["src"] == ["internet"]
    assert by_id("edge-smtp-internet")["ports"] == ["25"]
    sync = by_id("edge-edgesync")
    assert sync["ports"] == ["50636"] and sync["src"] == ["mailbox"] and sync["dst"] == ["edge_transport"]
    assert by_id("edge2010-edgesync")["src"] == ["hub_transport"]
    assert by_id("edge-smtp-to-mailbox")["ports"] == ["25"]
    assert by_id("edge-smtp-from-mailbox")["ports"] == ["25"]
    assert by_id("edge-dns")["ports"] == ["53"] and by_id("edge-dns")["dst"] == ["dns_servers"]
    # EdgeSync never asks for dynamic RPC into the Edge.
    into_edge = [f for f in FLOWS if "edge_transport" in f["dst"]]
    assert not [f["id"] for f in into_edge if any("49152" in p or p.startswith("1024") for p in f["ports"])]


def test_dynamic_rpc_is_49152_65535_never_everything_above_1024():
    for flow in FLOWS:
        for lo, hi in range_tuples(flow["ports"]):
            if flow["protocol"] == "tcp" and hi == 65535:
                assert lo == 49152, f"{flow['id']} opens {lo}-{hi}"
    assert catalog.PORT_SETTINGS["rpc_dynamic_ports"] == ["49152-65535"]


def test_unverified_facts_are_flagged():
    unverified = {f["id"] for f in FLOWS if not f["verified"]}
    assert {"cas2010-owa-5075-5077", "hub2010-smtp-submission", "um2010-rtp", "witness-smb-2010"} <= unverified


def test_roles_per_version():
    assert catalog.ROLES["client_access"]["versions"] == ("2010", "2013")
    assert catalog.ROLES["hub_transport"]["versions"] == ("2010",)
    assert catalog.ROLES["unified_messaging"]["versions"] == ("2010",)
    assert "se" in catalog.ROLES["mailbox"]["versions"]
    assert "2019" not in catalog.FEATURES["unified_messaging"]["versions"]
    assert "se" not in catalog.FEATURES["unified_messaging"]["versions"]


def test_management_flows_are_protected():
    assert set(catalog.PROTECTED_FLOWS) == {"org-support-rule", "mgmt-windows", "mgmt-linux"}
    assert by_id("mgmt-windows")["ports"] == ["3389", "5985-5986"]
    assert by_id("mgmt-linux")["ports"] == ["22"]
