"""exchange.firewall.nftables_ruleset on a real router namespace, proven with real TCP connections.

The module runs through ansible-playbook (connection local, python inside the router namespace),
mostly through the role's nftables provider. Flows are TCP connects from the zone namespaces
through the router to listeners on every port used, so a port that does not connect was dropped
by the router (the connect times out), never refused by a closed port.
"""

from __future__ import annotations

import copy
import subprocess

import pytest
from netns_router import SPOKES, RouterLab, lab_tag, load_view, require_router_lab

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft

pytestmark = pytest.mark.netns

# Where each address object of the lab view lives: namespace, {family: address}.
ENDPOINTS = {
    "clients": ("cl", {4: "10.61.1.10", 6: "fd00:61:1::10"}),
    "internet": ("in", {4: "203.0.113.10", 6: "2001:db8:61::10"}),
    "edge_transport": ("pe", {4: "10.61.2.10", 6: "fd00:61:2::10"}),
    "mailbox": ("sv", {4: "10.61.3.10", 6: "fd00:61:3::10"}),
    "management": ("mg", {4: "10.61.5.10", 6: "fd00:61:5::10"}),
    "smtp_relay": ("sv", {4: "10.61.3.25"}),
}
ROUTER_IF = {name: spec[0] for name, spec in SPOKES.items()}

# (namespace, destination, port, source): flows no policy allows, to protected addresses.
FORBIDDEN = [
    ("cl", "10.61.3.10", 25, "10.61.1.10"),        # clients -> Mailbox, a port of another policy
    ("cl", "10.61.3.10", 22, "10.61.1.10"),
    ("cl", "10.61.3.10", 3389, "10.61.1.10"),
    ("cl", "fd00:61:3::10", 25, "fd00:61:1::10"),
    ("cl", "10.61.3.10", 443, "10.61.1.200"),      # same zone, an address outside the clients object
    ("cl", "fd00:61:3::10", 443, "fd00:61:1::200"),
    ("cl", "10.61.2.10", 25, "10.61.1.10"),        # clients -> Edge
    ("in", "10.61.3.10", 443, "203.0.113.10"),     # the Internet -> Mailbox
    ("in", "fd00:61:3::10", 25, "2001:db8:61::10"),
    ("in", "10.61.2.10", 443, "203.0.113.10"),     # the Internet -> Edge, another port
    ("pe", "10.61.3.10", 443, "10.61.2.10"),       # Edge -> Mailbox, another port
    ("sv", "10.61.2.10", 443, "10.61.3.10"),       # Mailbox -> Edge, another port
    ("mg", "10.61.3.25", 3389, "10.61.5.10"),      # management -> relay: SSH only
    ("mg", "10.61.3.10", 22, "10.61.5.10"),
]
# Flows to addresses that are not protected: `protect` leaves them alone, `deny` drops them.
UNPROTECTED = [
    ("cl", "10.61.3.20", 8080, "10.61.1.10"),
    ("cl", "fd00:61:3::20", 8080, "fd00:61:1::10"),
    ("sv", "203.0.113.10", 8080, "10.61.3.10"),
    ("in", "10.61.1.10", 8080, "203.0.113.10"),
]


@pytest.fixture(scope="module")
def lab():
    require_router_lab()
    host_ruleset = subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True,
                                  timeout=30).stdout
    lab = RouterLab(lab_tag())
    try:
        lab.up()
        yield lab
    finally:
        lab.down()
    # The machine's own network namespace was never touched.
    assert subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True,
                          timeout=30).stdout == host_ruleset


@pytest.fixture
def view():
    return load_view()


def policy_flows(view: dict) -> list:
    """One probe per policy x service port (both ends of a range) x family the lab has."""
    probes = []
    for policy in view["policies"]:
        (src_ns, src), (_dst_ns, dst) = ENDPOINTS[policy["source"][0]], ENDPOINTS[policy["destination"][0]]
        for service in policy["services"]:
            for port_text in view["services"][service]["ports"]:
                low, _sep, high = port_text.partition("-")
                for port in sorted({int(low), int(high or low)}):
                    probes += [(src_ns, dst[f], port, src[f]) for f in (4, 6) if f in src and f in dst]
    return probes


def outcome_of(ruleset, probe) -> str:
    """What the pure model of the chain says the kernel will do with this probe."""
    name, destination, port, source = probe
    dst_ns = next(ns for ns, (_if, _r, addrs) in SPOKES.items() if any(a.split("/")[0] == destination for a in addrs))
    verdict, _rule = nft.evaluate(ruleset, ROUTER_IF[name], ROUTER_IF[dst_ns], source, destination, "tcp", port)
    return "timeout" if verdict == "drop" else "open"


def wrong(outcomes: dict, expected: str) -> dict:
    return {probe: got for probe, got in outcomes.items() if got != expected}


def test_every_policy_flow_connects_and_everything_else_to_protected_hosts_is_dropped(lab, view):
    lab.reset()
    result = lab.apply(view)
    assert result["changed"] and result["compared_with"] == "nft", result
    live = lab.listing()
    assert nft.owned(live) and nft.normalise(live) == nft.normalise(nft.render(view).text)
    assert result["lockout_check"] == {"verdict": "no SSH connection"}

    flows = policy_flows(view)
    assert len(flows) == 27
    outcomes = lab.probe(flows + FORBIDDEN + UNPROTECTED)
    assert not wrong({p: outcomes[p] for p in flows}, "open"), "a policy's flow did not connect"
    assert not wrong({p: outcomes[p] for p in FORBIDDEN}, "timeout"), "a flow no policy allows was not dropped"
    assert not wrong({p: outcomes[p] for p in UNPROTECTED}, "open"), "protect dropped traffic to an unprotected host"

    # The drops were this table's: its drop counters counted them (SYN retransmits count too).
    drops = nft.counters(lab.listing())["exchange.firewall: to a protected address, no policy allows it"]
    assert drops >= len(FORBIDDEN), drops
    # The pure model of the chain (used by the SSH guard) agrees with the kernel on every probe.
    ruleset = nft.render(view)
    assert {p: outcome_of(ruleset, p) for p in outcomes} == outcomes


def ensure_applied(lab, view):
    """Apply the view unless the router already has exactly its table (saves a run after the test before)."""
    if nft.normalise(lab.listing() or "") != nft.normalise(nft.render(view).text):
        assert lab.apply(view)["changed"]


def test_a_second_run_reports_no_change(lab, view):
    ensure_applied(lab, view)
    listed = lab.listing()
    again = lab.apply(view)
    assert not again["changed"], again
    assert again["sha256"] == nft.render(view).sha256 and lab.listing() == listed


def test_check_mode_changes_nothing_and_diff_shows_the_change(lab, view):
    ensure_applied(lab, view)
    before = lab.listing()
    changed = copy.deepcopy(view)
    changed["services"]["tcp-587"]["ports"] = ["465"]
    rc, out, err = lab.playbook("nftables_role.yml", {"__exchange_firewall_firewall": changed}, "--check", "--diff",
                                callback="default")
    assert rc == 0, out + err
    assert "changed=1" in out and "failed=0" in out, out
    assert '+\t\tiifname "clients0" oifname "servers0" ip saddr @clients_v4 ip daddr @mailbox_v4 tcp dport 465 accept' in out
    assert '-\t\tiifname "clients0" oifname "servers0" ip saddr @clients_v4 ip daddr @mailbox_v4 tcp dport 587 accept' in out
    assert lab.listing() == before
    assert lab.connect("cl", "10.61.3.10", 587, "10.61.1.10") == "open"

    lab.reset()
    fresh = lab.apply(view, "--check")
    assert fresh["changed"] and lab.listing() is None, "check mode created the table"


def test_other_tables_are_untouched_and_absent_removes_only_ours(lab, view):
    lab.reset()
    other = ('table ip other {\n\tset blocked {\n\t\ttype ipv4_addr\n\t\telements = { 192.0.2.1 }\n\t}\n\n'
             '\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n'
             '\t\tip daddr @blocked drop comment "not ours"\n\t}\n}\n'
             'table inet exfw_other {\n\tchain c {\n\t\ttcp dport 9 accept\n\t}\n}\n')
    lab.nft("-f", "-", data=other)
    try:
        foreign = {t: lab.listing(t) for t in ("ip other", "inet exfw_other")}
        changed = copy.deepcopy(view)
        changed["policies"] = changed["policies"][1:]
        results = lab.calls([{"view": view}, {"view": changed}, {"state": "absent"}, {"state": "absent"}])
        assert [r["changed"] for r in results] == [True, True, True, False], results
        assert not any(r.get("failed") for r in results), results
        assert {t: lab.listing(t) for t in foreign} == foreign
        assert lab.tables() == ["table inet exfw_other", "table ip other"]
        # Without our table nothing drops the flows it dropped before.
        assert lab.probe(FORBIDDEN[:3]) == {p: "open" for p in FORBIDDEN[:3]}
    finally:
        lab.nft("delete", "table", "ip", "other", check=False)
        lab.nft("delete", "table", "inet", "exfw_other", check=False)


def test_bad_views_and_lockouts_fail_before_anything_changes(lab, view):
    lab.reset()
    unknown = copy.deepcopy(view)
    unknown["policies"][0]["destination"] = ["mailbox-typo"]
    no_interfaces = copy.deepcopy(view)
    no_interfaces["zones"]["servers"]["interfaces"] = []
    deny_without_management = copy.deepcopy(view)
    deny_without_management["default_action"] = "deny"
    deny_without_management["policies"] = [p for p in view["policies"] if p["source"] != ["management"]]
    bigger = copy.deepcopy(view)
    bigger["services"]["tcp-443"]["ports"] = ["443", "8443"]
    keyword = dict(view, prefix="tcp")
    foreign_provider = dict(view, provider="asa")

    def ssh(connection):
        return {"SSH_CONNECTION": connection}

    cases = [
        {"label": "base", "view": view},
        {"label": "unknown object", "view": unknown},
        {"label": "zone without interfaces", "view": no_interfaces},
        {"label": "deny without management", "view": deny_without_management},
        {"label": "nft keyword as prefix", "view": keyword},
        {"label": "another provider", "view": foreign_provider},
        {"label": "ssh from clients to the mailbox", "view": bigger, "environment": ssh("10.61.1.10 40000 10.61.3.10 22")},
        {"label": "ssh from management to the relay", "view": bigger,
         "environment": ssh("10.61.5.10 40000 10.61.3.25 22")},
        {"label": "ssh to the router itself", "view": view, "environment": ssh("10.61.1.10 40000 10.61.1.1 22")},
    ]
    results = dict(zip((c["label"] for c in cases), lab.calls(cases), strict=True))
    base = results["base"]
    assert base["changed"] and not base.get("failed")

    def refused(label, message):
        result = results[label]
        assert result.get("failed") and not result.get("changed") and message in result["msg"], (label, result)

    refused("unknown object", "firewall 'lab-router': policy 'exfw-clients-servers-clients-mailbox' references unknown "
                              "address object 'mailbox-typo'")
    refused("zone without interfaces", "firewall 'lab-router': zone 'servers' has no interfaces")
    refused("deny without management", "firewall 'lab-router': refusing to apply: default_action is deny and no policy "
                                       "comes from the management objects or zones (management)")
    refused("nft keyword as prefix", "nft rejected the rendered ruleset for table inet tcp; nothing was changed")
    refused("another provider", "firewall 'lab-router': its provider is 'asa', not nftables")
    refused("ssh from clients to the mailbox", "refusing to apply: the SSH connection Ansible runs over (10.61.1.10 to "
                                               "10.61.3.10 TCP 22, clients0 to servers0) would be dropped")
    # The allowed SSH case applied the bigger view; the table is the base one up to then.
    assert results["ssh from management to the relay"]["changed"]
    assert results["ssh from management to the relay"]["lockout_check"] == {
        "ssh_connection": "10.61.5.10 40000 10.61.3.25 22", "iif": "mgmt0", "oif": "servers0",
        "verdict": "accepted by policy exfw-management-servers-management-smtp-relay"}
    assert results["ssh to the router itself"]["lockout_check"]["verdict"].startswith("local:")
    assert results["ssh to the router itself"]["changed"]
    assert nft.normalise(lab.listing()) == base["diff"]["after"]
    assert lab.tables() == ["table inet exfw"]


def test_deny_drops_everything_between_zones_that_no_policy_allows(lab, view):
    lab.reset()
    deny = dict(view, default_action="deny")
    result = lab.apply(deny)
    assert result["changed"] and "_protected" not in lab.listing()
    flows = policy_flows(deny)
    outcomes = lab.probe(flows + FORBIDDEN + UNPROTECTED)
    assert not wrong({p: outcomes[p] for p in flows}, "open")
    assert not wrong({p: outcomes[p] for p in FORBIDDEN + UNPROTECTED}, "timeout")
    drops = nft.counters(lab.listing())["exchange.firewall: between zones, no policy allows it"]
    assert drops >= len(FORBIDDEN + UNPROTECTED)
    ruleset = nft.render(deny)
    assert {p: outcome_of(ruleset, p) for p in outcomes} == outcomes
