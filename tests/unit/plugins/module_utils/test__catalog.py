"""Tables over the catalog: every flow cited for its versions, ids unique, ports valid, the facts right.

Each table row names the Microsoft page it checks (the catalog's citation key and the page title).
"""

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


def test_ids_unique_and_well_formed():
    assert len(IDS) == len(set(IDS))
    for fid in IDS:
        assert re.match(r"^[a-z0-9][a-z0-9.-]*$", fid), fid


@pytest.mark.parametrize("flow", FLOWS, ids=IDS)
def test_flow_is_complete_and_cited(flow):
    assert flow["cite"], "every flow cites at least one source"
    for key in flow["cite"]:
        assert key in catalog.CITATIONS, f"{flow['id']} cites {key}, which is not in the source table"
        source = catalog.CITATIONS[key]
        assert source["title"] and source["url"].startswith(("https://", "http://")), key
    assert flow["purpose"].strip()
    assert flow["protocol"] in ("tcp", "udp", "any")
    assert set(flow["versions"]) <= set(catalog.VERSIONS) and flow["versions"]
    for side in ("src", "dst"):
        assert set(catalog.side_versions(flow, side)) <= set(flow["versions"])
    for end in flow["src"] + flow["dst"]:
        assert end in catalog.ROLES or end in catalog.NETWORKS, end
    for toggle in catalog.toggles(flow):
        assert toggle in catalog.FEATURES
    assert flow["host_flag"] in (None,) + catalog.HOST_FLAGS
    assert flow["scope"] in (None, "edge_subscription", "dag", "witness")
    if flow["port_setting"] is not None:
        assert flow["port_setting"] in catalog.PORT_SETTINGS


def test_every_source_lists_the_versions_its_page_is_about():
    for key, source in catalog.CITATIONS.items():
        assert set(source) == {"title", "url", "versions"}, key
        assert source["versions"] and set(source["versions"]) <= set(catalog.VERSIONS) - set(catalog.SAME_AS), key


@pytest.mark.parametrize("flow", FLOWS, ids=IDS)
def test_citations_cover_every_version_of_a_verified_flow(flow):
    """A flow's pages must state the fact for each of its versions; where none does, the flow is
    unverified and says why (SE is read from the 2019 pages: no SE document exists)."""
    if not flow["verified"]:
        assert flow["unverified_reason"] and len(flow["unverified_reason"]) > 20, flow["id"]
        return
    assert flow["unverified_reason"] is None and flow["unverified_warning"] is None, flow["id"]
    covered = {v for key in flow["cite"] for v in catalog.CITATIONS[key]["versions"]}
    needed = {catalog.SAME_AS.get(v, v) for v in flow["versions"]}
    assert needed <= covered, f"{flow['id']}: no cited page for {sorted(needed - covered)}"


def test_the_coverage_check_can_fail():
    flow = dict(by_id("edge2010-edgesync"), versions=["2010", "2016"])
    covered = {v for key in flow["cite"] for v in catalog.CITATIONS[key]["versions"]}
    assert not set(flow["versions"]) <= covered


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


# ---- the facts, item by item ------------------------------------------------------------------

# (flow id, versions, src, dst, protocol, ports, feature, verified, page that states it)
FACTS = [
    # Exchange 2010 RPC Client Access: S18 (TechNet Wiki 864), S19 (ExBPA gg191713), S30 (Understanding RPC
    # Client Access), S31 (Exploring Exchange 2010 RPC Client Access service).
    ("cas2010-rpc-epmap", ["2010"], ["clients"], ["client_access"], "tcp", ["135"], "rpc_client_access", True, "S18"),
    ("cas2010-rpc-dynamic", ["2010"], ["clients"], ["client_access"], "tcp", ["6005-59530"], "rpc_client_access",
     True, "S18"),
    ("mbx2010-pf-rpc-epmap", ["2010"], ["clients"], ["mailbox"], "tcp", ["135"], "rpc_client_access", True, "S30"),
    ("mbx2010-pf-rpc-dynamic", ["2010"], ["clients"], ["mailbox"], "tcp", ["49152-65535"], "rpc_client_access",
     False, "S31"),
    # Hybrid deployment prerequisites (S10), Edge Transport servers with hybrid deployments (S38).
    ("hybrid-smtp-in", ["2016", "2019", "se"], ["exchange_online"], ["mailbox", "edge_transport"], "tcp", ["25"],
     "hybrid", True, "S10"),
    ("hybrid2013-smtp-in", ["2013"], ["exchange_online"], ["client_access", "edge_transport"], "tcp", ["25"],
     "hybrid", True, "S10"),
    ("hybrid2010-smtp-in", ["2010"], ["exchange_online"], ["hub_transport", "edge_transport"], "tcp", ["25"],
     "hybrid", True, "S10"),
    ("hybrid-https-out", ["2016", "2019", "se"], ["mailbox"], ["exchange_online"], "tcp", ["443"], "hybrid", True,
     "S10"),
    ("hybrid-legacy-https-out", ["2010", "2013"], ["client_access"], ["exchange_online"], "tcp", ["443"], "hybrid",
     True, "S10"),
    ("hybrid-legacy-mbx-https-out", ["2010", "2013"], ["mailbox"], ["exchange_online"], "tcp", ["443"], "hybrid",
     True, "S10"),
    # Exchange Network Port Reference 2010 (S1), row "Active Directory access from Hub Transport server".
    ("exchange-dns-2010", ["2010"], ["hub_transport"], ["dns_servers"], "udp", ["53"], None, True, "S1"),
    ("exchange-dns-2010-tcp", ["2010"], ["hub_transport"], ["dns_servers"], "tcp", ["53"], None, True, "S1"),
    ("exchange-dns-2010-roles", ["2010"], ["client_access", "mailbox", "unified_messaging"], ["dns_servers"], "udp",
     ["53"], None, False, "S1"),
    # Manage database availability groups (S11, 2016/2019) and its 2013 edition (S11-2013).
    ("witness-smb", ["2013", "2016", "2019", "se"], ["mailbox"], ["dag_witness"], "tcp", ["445"], None, True, "S11"),
    ("witness-smb-2010", ["2010"], ["mailbox"], ["dag_witness"], "tcp", ["445"], None, False, "S11"),
    ("witness-wmi-2010", ["2010"], ["mailbox"], ["dag_witness"], "tcp", ["135", "49152-65535"], None, False, "S11"),
    # UM protocols, ports, and services (S4), Voice architecture changes (S33), 2010 UM ports (S21), Set-UMServer.
    ("um-sip-worker", ["2013", "2016"], ["um_gateways"], ["mailbox"], "tcp", ["5065-5067"], "unified_messaging",
     True, "S33"),
    ("um2010-sip-worker", ["2010"], ["um_gateways"], ["unified_messaging"], "tcp", ["5065-5068"],
     "unified_messaging", True, "S21"),
    ("um2010-sip", ["2010"], ["um_gateways"], ["unified_messaging"], "tcp", ["5060-5061"], "unified_messaging",
     True, "S36"),
    ("um2010-rtp", ["2010"], ["um_gateways"], ["unified_messaging"], "udp", ["1024-65535"], "unified_messaging",
     False, "S4"),
    # Network ports for clients and mail flow (S2, 2016/2019) and its 2013 edition (S3): publishing.
    ("mbx-https-internet", ["2016", "2019", "se"], ["internet"], ["mailbox"], "tcp", ["443"], "publish_to_internet",
     True, "S2"),
    ("mbx-http-internet", ["2016", "2019", "se"], ["internet"], ["mailbox"], "tcp", ["80"], "publish_to_internet",
     True, "S2"),
    ("cas2013-https-internet", ["2013"], ["internet"], ["client_access"], "tcp", ["443"], "publish_to_internet",
     True, "S3"),
    ("cas2013-http-internet", ["2013"], ["internet"], ["client_access"], "tcp", ["80"], "publish_to_internet",
     True, "S3"),
    # S3: "DNS for name resolution of the next mail hop | ... | Internet-facing Exchange server (Client Access
    # server or Mailbox server)" and "Outbound mail (if routed through the Client Access server)".
    ("cas2013-dns", ["2013"], ["client_access"], ["dns_servers"], "udp", ["53"], None, True, "S3"),
    ("cas2013-dns-tcp", ["2013"], ["client_access"], ["dns_servers"], "tcp", ["53"], None, True, "S3"),
    ("mbx-dns", ["2013", "2016", "2019", "se"], ["mailbox"], ["dns_servers"], "udp", ["53"], None, True, "S3"),
    ("cas2013-smtp-internet-out", ["2013"], ["client_access"], ["internet"], "tcp", ["25"],
     "outbound_frontend_proxy", True, "S3"),
    # Coexistence: S2 ("regardless of the version of Exchange on the Edge Transport server"), S3, S39, S40.
    ("edge2010-smtp-from-mailbox", ["2010", "2013", "2016"], ["mailbox"], ["edge_transport"], "tcp", ["25"], None,
     True, "S2"),
    ("edge2010-edgesync-from-mailbox", ["2010", "2013", "2016"], ["mailbox"], ["edge_transport"], "tcp", ["50636"],
     None, True, "S39"),
    ("edge2010-smtp-to-mbx2016", ["2010", "2016"], ["edge_transport"], ["mailbox"], "tcp", ["2525"], None, False,
     "S2"),
    ("edge2013-smtp-from-hub2010", ["2010", "2013"], ["hub_transport"], ["edge_transport"], "tcp", ["25"], None,
     True, "S40"),
    ("edge2013-edgesync-from-hub2010", ["2010", "2013"], ["hub_transport"], ["edge_transport"], "tcp", ["50636"],
     None, True, "S40"),
    ("edge2013-smtp-to-hub2010", ["2010", "2013"], ["edge_transport"], ["hub_transport"], "tcp", ["25"], None, True,
     "S40"),
    # Edge planning (S7, 2013) and Configure Internet mail flow ... without using EdgeSync (S37, 2016/2019).
    ("edge-dns", ["2013", "2016", "2019", "se"], ["edge_transport"], ["dns_servers"], "udp", ["53"], None, True,
     "S37"),
    ("edge-dns-public", ["2013", "2016", "2019", "se"], ["edge_transport"], ["public_dns_servers"], "udp", ["53"],
     None, True, "S7"),
    ("edge-dns-public-tcp", ["2013", "2016", "2019", "se"], ["edge_transport"], ["public_dns_servers"], "tcp",
     ["53"], None, True, "S37"),
    ("edge2010-dns", ["2010"], ["edge_transport"], ["dns_servers", "public_dns_servers"], "udp", ["53"], None, False,
     "S7"),
    # Load balancing in Exchange Server (S42): "25 | Mailbox | Inbound SMTP".
    ("lb-smtp-clients", ["2016", "2019", "se"], ["smtp_clients"], ["load_balancer"], "tcp", ["25"],
     "load_balanced_smtp", True, "S42"),
    ("lb-smtp-internet", ["2016", "2019", "se"], ["internet"], ["load_balancer"], "tcp", ["25"], "load_balanced_smtp",
     True, "S42"),
    ("mbx-smtp-from-lb", ["2016", "2019", "se"], ["load_balancer"], ["mailbox"], "tcp", ["25"], "load_balanced_smtp",
     True, "S42"),
    ("lb-legacy-smtp-clients", ["2010", "2013"], ["smtp_clients"], ["load_balancer"], "tcp", ["25"],
     "load_balanced_smtp", False, "S3"),
    # Per-version splits where a page exists for some versions only (item 12).
    ("edge-smtp-out-internet", ["2013", "2016", "2019", "se"], ["edge_transport"], ["internet"], "tcp", ["25"], None,
     True, "S3"),
    ("edge2010-smtp-out-internet", ["2010"], ["edge_transport"], ["internet"], "tcp", ["25"], None, False, "S1"),
    ("edge2010-smtp-internet", ["2010"], ["internet"], ["edge_transport"], "tcp", ["25"], None, False, "S1"),
    ("edge-open-proxy-detection", ["2016", "2019", "se"], ["edge_transport"], ["internet"], "tcp",
     ["23", "80", "1080-1081", "3128", "6588"], "open_proxy_detection", True, "S2"),
    ("edge2013-open-proxy-detection", ["2013"], ["edge_transport"], ["internet"], "tcp",
     ["23", "80", "1080-1081", "3128", "6588"], "open_proxy_detection", False, "S3"),
    ("edge-rdp-management", ["2013"], ["management"], ["edge_transport"], "tcp", ["3389"], None, True, "S7"),
    ("cas2010-https-clients", ["2010"], ["clients", "load_balancer", "reverse_proxy"], ["client_access"], "tcp",
     ["443"], None, False, "S10"),
    ("hub2010-smtp-internet", ["2010"], ["internet"], ["hub_transport"], "tcp", ["25"], "direct_internet_mail", False,
     "S1"),
    ("hub2010-smtp-internet-out", ["2010"], ["hub_transport"], ["internet"], "tcp", ["25"], "direct_internet_mail",
     False, "S1"),
    ("hub2010-smtp-from-relay", ["2010"], ["smtp_relay"], ["hub_transport"], "tcp", ["25"], None, False, "S1"),
    ("mbx2010-to-hub-rpc", ["2010"], ["mailbox"], ["hub_transport"], "tcp", ["135"], None, True, "S1"),
    ("hub2010-to-mbx-rpc", ["2010"], ["hub_transport"], ["mailbox"], "tcp", ["135"], None, True, "S1"),
    ("mbx-backend-https", ["2013", "2016", "2019", "se"], ["mailbox", "client_access"], ["mailbox"], "tcp", ["444"],
     None, False, "S27"),
    ("lb-https-clients", ["2013", "2016", "2019", "se"], ["clients"], ["load_balancer", "reverse_proxy"], "tcp",
     ["443"], None, True, "S42"),
    ("lb2010-https-clients", ["2010"], ["clients"], ["load_balancer", "reverse_proxy"], "tcp", ["443"], None, False,
     "S10"),
    ("mgmt-exchange-admin", ["2013", "2016", "2019", "se"], ["management"], ["mailbox", "client_access"], "tcp",
     ["80", "443"], None, True, "RPS"),
    ("mgmt-exchange-admin-2010", ["2010"], ["management"], ["mailbox", "client_access"], "tcp", ["80", "443"], None,
     False, "RPS"),
]


@pytest.mark.parametrize("fid, versions, src, dst, protocol, ports, feature, verified, page", FACTS,
                         ids=[f"{row[0]}-{row[-1]}" for row in FACTS])
def test_catalog_facts(fid, versions, src, dst, protocol, ports, feature, verified, page):
    flow = by_id(fid)
    assert (flow["versions"], flow["src"], flow["dst"], flow["protocol"], flow["ports"], flow["feature"],
            flow["verified"]) == (versions, src, dst, protocol, ports, feature, verified)
    assert page in flow["cite"], f"{fid} must cite {page} ({catalog.CITATIONS[page]['title']})"


def test_2010_hub_mailbox_rpc_is_split_per_direction():
    """S1 rows 63/64 name Mailbox -> Hub (Mail Submission) and Hub -> Mailbox (MAPI), not Hub -> Hub."""
    assert "hub2010-mailbox-rpc" not in IDS
    for fid in ("mbx2010-to-hub-rpc", "hub2010-to-mbx-rpc"):
        assert len(by_id(fid)["src"]) == 1 and by_id(fid)["internal"]


def test_2010_rpc_range_and_static_ports():
    """S18: "the dynamic RPC port range is changed to 6005-59530 and the highest usable port number is set to
    60554"; S19 recommends static ports in 59531-60554 and calls below 1024 or above 65535 an error."""
    flow = by_id("cas2010-rpc-dynamic")
    assert catalog.PORT_SETTINGS["rpc_client_access"] == ["6005-59530"]
    assert catalog.RPC_STATIC_RECOMMENDED == (59531, 60554) and catalog.RPC_STATIC_LIMITS == (1024, 65535)
    assert catalog.ports_for(flow, {}) == ["6005-59530"]
    static = {"rpc_client_access_port": "59531", "address_book_port": "59532"}
    assert catalog.ports_for(flow, static) == ["59531-59532"]
    assert catalog.ports_for(flow, dict(static, rpc_dynamic_ports=["50000-50100"])) == ["50000-50100"]
    # Public folders (S30): only the RPC Client Access service answers on the Mailbox server.
    pf = by_id("mbx2010-pf-rpc-dynamic")
    assert catalog.ports_for(pf, static) == ["59531"] and catalog.ports_for(pf, {}) == ["49152-65535"]
    assert pf["host_flag"] == "public_folders" and by_id("mbx2010-pf-rpc-epmap")["host_flag"] == "public_folders"
    assert pf["unverified_warning"]


@pytest.mark.parametrize("fid, mode, ports", [
    # S33: Dual -> 5065-5068; TCP/TLS -> "ports 5065 and 5066"; S4: TCP/TLS -> "5065 and 5067": the union.
    ("um-sip-worker", None, ["5065-5067"]),
    ("um-sip-worker", "tcp", ["5065-5067"]),
    ("um-sip-worker", "tls", ["5065-5067"]),
    ("um-sip-worker", "dual", ["5065-5068"]),
    # S21 (2010): 5065/5067 TCP (unsecured), 5066/5068 mutual TLS; S36 states no default mode.
    ("um2010-sip-worker", None, ["5065-5068"]),
    ("um2010-sip-worker", "tcp", ["5065", "5067"]),
    ("um2010-sip-worker", "tls", ["5066", "5068"]),
    ("um2010-sip-worker", "dual", ["5065-5068"]),
])
def test_um_worker_ports_by_startup_mode(fid, mode, ports):
    assert catalog.ports_for(by_id(fid), {"um_startup_mode": mode}) == ports


def test_skype_for_business_joins_the_support_rule():
    """S2/S3: "...between internal Exchange servers and internal Lync or Skype for Business servers..."."""
    role = catalog.ROLES["skype_for_business"]
    assert role == {"platform": "windows", "exchange": False, "internal": True, "managed": False, "versions": (),
                    "group": "skype_for_business_servers"}
    support = by_id("org-support-rule")
    assert "skype_for_business" in support["src"]
    assert {"S1-CA", "S2", "S3"} <= set(support["cite"])


def test_hybrid_smtp_only_on_the_servers_hosting_the_connectors():
    """S10: "On-premises Exchange Servers configured to host receive connectors ... in the Hybrid
    Configuration wizard"; the HTTPS flows stay on every Mailbox/CAS server."""
    for flow in FLOWS:
        if flow["feature"] == "hybrid":
            assert (flow["host_flag"] == "hybrid_transport") == (flow["ports"] == ["25"]), flow["id"]
    assert "exchange_online" in catalog.NETWORKS and "Federation Gateway" in catalog.NETWORKS["exchange_online"]


def test_load_balancer_smtp_is_consistent():
    """A load balancer sends SMTP to Exchange only if it accepts SMTP: both behind load_balanced_smtp (S42)."""
    senders = [f for f in FLOWS if "load_balancer" in f["src"] and "25" in f["ports"]]
    listeners = [f for f in FLOWS if "load_balancer" in f["dst"] and "25" in f["ports"]]
    assert senders and listeners
    for flow in senders + listeners:
        assert "load_balanced_smtp" in catalog.toggles(flow), flow["id"]
    assert catalog.FEATURES["load_balanced_smtp"]["default"] is False


@pytest.mark.parametrize("toggle, default", [("publish_to_internet", False), ("outbound_frontend_proxy", False),
                                             ("load_balanced_smtp", False), ("rpc_client_access", True),
                                             ("unified_messaging", True), ("hybrid", False)])
def test_toggle_defaults(toggle, default):
    assert catalog.FEATURES[toggle]["default"] is default


def test_toggles_that_need_another():
    assert catalog.toggles(by_id("mbx-http-internet")) == ["publish_to_internet", "http"]
    assert catalog.toggles(by_id("cas2013-smtp-internet-out")) == ["outbound_frontend_proxy", "direct_internet_mail"]
    assert catalog.toggles(by_id("lb-smtp-internet")) == ["load_balanced_smtp", "direct_internet_mail"]


def test_coexistence_flows_name_each_side_version():
    """S2: a 2010 Edge with 2016 Mailbox servers (not 2019); S40: a 2013 Edge with 2010 Hub Transport servers."""
    flow = by_id("edge2010-smtp-from-mailbox")
    assert catalog.side_versions(flow, "src") == ["2013", "2016"] and catalog.side_versions(flow, "dst") == ["2010"]
    assert "2019" not in flow["versions"]
    flow = by_id("edge2013-edgesync-from-hub2010")
    assert catalog.side_versions(flow, "src") == ["2010"] and catalog.side_versions(flow, "dst") == ["2013"]
    assert catalog.side_versions(by_id("edge-edgesync"), "src") == list(catalog.FROM_2013)


def test_unverified_flow_switch():
    flow = by_id("um2010-rtp")
    assert not catalog.unverified_allowed(flow, False)
    assert catalog.unverified_allowed(flow, True)
    assert catalog.unverified_allowed(flow, ["um2010-rtp"])
    assert not catalog.unverified_allowed(flow, ["witness-smb-2010"])
    assert catalog.unverified_allowed(by_id("mbx-https-clients"), False)


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
    assert catalog.ports_for(rep, {}, replication_port=["64400"]) == ["64400"]
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
    assert "public_dns_servers" in catalog.DEFAULT_INTERNET_FACING
    # EdgeSync never asks for dynamic RPC into the Edge.
    into_edge = [f for f in FLOWS if "edge_transport" in f["dst"]]
    assert not [f["id"] for f in into_edge if any("49152" in p or p.startswith("1024") for p in f["ports"])]


def test_dynamic_rpc_ranges_are_documented_ranges_never_everything_above_1024():
    """Windows: 49152-65535 (S16); the Exchange 2010 CAS role: 6005-59530 (S18); UDP RTP: 1024-65535 (S4)."""
    for flow in FLOWS:
        for lo, hi in range_tuples(flow["ports"]):
            if hi - lo > 100:
                assert (flow["protocol"], lo, hi) in {("tcp", 49152, 65535), ("udp", 49152, 65535),
                                                      ("tcp", 6005, 59530), ("udp", 1024, 65535)}, flow["id"]
    assert catalog.PORT_SETTINGS["rpc_public_folders"] == ["49152-65535"]


def test_unverified_facts_are_flagged():
    unverified = {f["id"] for f in FLOWS if not f["verified"]}
    assert {"cas2010-owa-5075-5077", "hub2010-smtp-submission", "um2010-rtp", "witness-smb-2010",
            "witness-wmi-2010", "cas2010-https-clients", "edge2010-smtp-internet", "mbx-backend-https"} <= unverified
    # The 2010 witness decision: S11's sentence is about the witness server's software, not the DAG version.
    assert "witness server's software" in by_id("witness-smb-2010")["unverified_reason"]
    assert "no audio" in by_id("um2010-rtp")["unverified_warning"]


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


def test_flows_returns_independent_copies():
    copy = catalog.flows()
    copy[0]["src"].append("x")
    copy[0]["requires"].append("x")
    assert "x" not in FLOWS[0]["src"] and "x" not in FLOWS[0]["requires"]
