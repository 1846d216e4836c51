"""Network-firewall zone policies: hand-checked for the example's two firewalls, zone errors, properties."""

from __future__ import annotations

import copy
import ipaddress

import pytest
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_schema as schema
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

# fw01, the perimeter firewall (zones internet / perimeter / servers / clients / management), hand-checked
# against Microsoft's port tables (Network ports for clients and mail flow in Exchange, rows 1-17; Edge
# Subscriptions; Edge Transport server planning):
#   (from zone, to zone, source, destination, services, flows)
FW01 = [
    ("clients", "servers", "clients", "mailbox", ["tcp-80", "tcp-443", "tcp-587"],
     ["mbx-http-clients", "mbx-https-clients", "mbx-smtp-submission"]),
    # Internet mail to the Edge's external NIC only.
    ("internet", "perimeter", "internet", "edge_transport-external", ["tcp-25"], ["edge-smtp-internet"]),
    ("management", "perimeter", "management", "edge_transport", ["tcp-3389", "tcp-5985-5986"], ["mgmt-windows"]),
    ("management", "servers", "management", "dag_witness", ["tcp-3389", "tcp-5985-5986"], ["mgmt-windows"]),
    ("management", "servers", "management", "mailbox", ["tcp-80", "tcp-443", "tcp-3389", "tcp-5985-5986"],
     ["mgmt-exchange-admin", "mgmt-windows"]),
    ("management", "servers", "management", "smtp_relay", ["tcp-22"], ["mgmt-linux"]),
    # Outbound Internet mail and sender reputation's open-proxy tests, from the external NIC.
    ("perimeter", "internet", "edge_transport-external", "internet",
     ["tcp-23", "tcp-25", "tcp-80", "tcp-1080-1081", "tcp-3128", "tcp-6588"],
     ["edge-open-proxy-detection", "edge-smtp-out-internet"]),
    # Public DNS from the external NIC, internal DNS from the internal one (Edge planning pages).
    ("perimeter", "internet", "edge_transport-external", "public_dns_servers", ["tcp-53", "udp-53"],
     ["edge-dns-public", "edge-dns-public-tcp"]),
    ("perimeter", "servers", "edge_transport", "dns_servers", ["tcp-53", "udp-53"], ["edge-dns", "edge-dns-tcp"]),
    # Edge <-> the Mailbox servers of the subscribed site (HQ) only: 25 both ways, 50636 (EdgeSync) inbound.
    ("perimeter", "servers", "edge_transport-site-hq", "mailbox-site-hq", ["tcp-25"], ["edge-smtp-to-mailbox"]),
    ("servers", "perimeter", "mailbox-site-hq", "edge_transport-site-hq", ["tcp-25", "tcp-50636"],
     ["edge-edgesync", "edge-smtp-from-mailbox"]),
]
# (mbx-backend-https is unverified: its only source is a 2013 health probe to localhost:444.)
ORG_FLOWS = ["dag-cluster", "dag-cluster-tcp", "dag-replication", "exchange-to-dc", "exchange-to-dc-udp",
             "mbx-dns", "mbx-dns-tcp", "mbx-transport-internal", "org-support-rule"]
# fw02, between the AD sites: the support rule (any service) both ways between the organisation's hosts of
# each site, scoped to their addresses; per port for everything else that crosses.
FW02 = [
    ("dr", "hq", "mailbox-dag-dag01.dr", "dag_witness-dag-dag01", ["tcp-135", "tcp-445", "tcp-49152-65535"],
     ["witness-smb", "witness-wmi"]),
    ("dr", "hq", "organisation.dr", "organisation.hq", ["any"], ORG_FLOWS),
    ("hq", "dr", "management", "mailbox.dr", ["tcp-80", "tcp-443", "tcp-3389", "tcp-5985-5986"],
     ["mgmt-exchange-admin", "mgmt-windows"]),
    ("hq", "dr", "organisation.hq", "organisation.dr", ["any"], ORG_FLOWS),
    ("hq", "dr", "smtp_relay", "mailbox.dr", ["tcp-25"], ["mbx-smtp-from-relay"]),
]


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


def summary(section):
    return [(p["from_zone"], p["to_zone"], p["source"][0], p["destination"][0], p["services"], p["flow_ids"])
            for p in section["policies"]]


def test_the_perimeter_firewall_holds_exactly_microsofts_flows(plan):
    fw01 = plan["network_firewalls"]["fw01"]
    assert fw01["provider"] == "asa" and fw01["default_action"] == "protect"
    assert summary(fw01) == FW01
    assert all(p["action"] == "allow" and p["name"].startswith("exfw-") for p in fw01["policies"])
    # No POP3/IMAP4 (off), no hybrid (off), no direct Internet mail to Mailbox (there is an Edge).
    services = {s for p in fw01["policies"] for s in p["services"]}
    assert not services & {"tcp-110", "tcp-995", "tcp-143", "tcp-993"}
    assert not [p for p in fw01["policies"] if p["from_zone"] == "internet" and p["to_zone"] == "servers"]


def test_the_inter_site_firewall_allows_the_organisation_any_service_scoped_to_its_hosts(plan):
    fw02 = plan["network_firewalls"]["fw02"]
    assert fw02["provider"] == "nftables"
    assert summary(fw02) == FW02
    parts = fw02["address_objects"]
    assert parts["organisation.hq"]["addresses"] == ["10.1.0.10", "10.1.10.11", "10.1.10.12", "fd00:1:10::11",
                                                     "fd00:1:10::12"]
    assert parts["organisation.dr"]["addresses"] == ["10.2.0.10", "10.2.10.11", "10.2.10.12"]
    assert parts["organisation.dr"]["members"] == ["dc01", "dc02", "ex01", "ex02", "ex03", "ex04"]


def test_policies_cite_their_sources_and_the_plan_defines_every_object(plan):
    for name in plan["network_firewalls"]:
        view = schema.firewall_view(plan, name)
        assert set(view["address_objects"]) == {o for p in view["policies"] for o in p["source"] + p["destination"]}
        for policy in view["policies"]:
            assert policy["citations"] and all(c["url"].startswith("https://") for c in policy["citations"])
            assert set(policy["services"]) <= set(view["services"])


def test_the_edges_external_address_is_protected_and_never_an_internal_source(plan):
    fw01 = plan["network_firewalls"]["fw01"]
    assert "198.51.100.25" in fw01["protected"] and "172.16.50.10" in fw01["protected"]
    ex01 = {r["name"]: r for r in plan["hosts"]["ex01"]["rules"]}
    assert plan["address_objects"][ex01["exfw-in-tcp-edge-transport-site-hq"]["remote_object"]]["addresses"] == \
        ["172.16.50.10"]


def test_pop3_and_hybrid_open_only_when_enabled():
    groups, hostvars, settings = copy.deepcopy(load_inventory())
    # As a change to group_vars/all would: the organisation's value, seen by every host.
    features = {"pop3": True, "hybrid": True}
    settings["exchange_firewall_features"] = features
    for hvars in hostvars.values():
        hvars["exchange_firewall_features"] = features
    settings["exchange_firewall_networks"]["exchange_online"] = ["40.92.0.0/15"]
    plan = build_plan(groups, hostvars, settings)
    fw01 = {(p["from_zone"], p["to_zone"], p["source"][0], p["destination"][0]): p["services"]
            for p in plan["network_firewalls"]["fw01"]["policies"]}
    assert "tcp-110" in fw01[("clients", "servers", "clients", "mailbox")]
    assert "tcp-995" in fw01[("clients", "servers", "clients", "mailbox")]
    hybrid = [k for k in fw01 if k[2] == "exchange_online" or k[3] == "exchange_online"]
    assert hybrid, "hybrid flows cross the perimeter when hybrid is on"


def _fw(hostvars):
    return hostvars["fw01"]


ZONE_ERRORS = [
    ("no-zones", lambda h: _fw(h).pop("exchange_firewall_zones"),
     "host 'fw01': exchange_firewall_zones: a network firewall needs its zones"),
    ("empty-zone", lambda h: _fw(h)["exchange_firewall_zones"].update(dmz={"interfaces": ["dmz2"]}),
     "host 'fw01': exchange_firewall_zones.dmz: the zone is empty"),
    ("unknown-group", lambda h: _fw(h)["exchange_firewall_zones"]["servers"].update(groups=["exch_mbx"]),
     "host 'fw01': exchange_firewall_zones.servers.groups: group 'exch_mbx' is not in the inventory"),
    ("unknown-network", lambda h: _fw(h)["exchange_firewall_zones"]["clients"].update(networks=["vpn"]),
     "host 'fw01': exchange_firewall_zones.clients.networks: unknown network 'vpn'"),
    ("network-in-two-zones", lambda h: _fw(h)["exchange_firewall_zones"]["servers"].update(networks=["clients"]),
     "host 'fw01': exchange_firewall_zones.servers: 10.20.0.0/16 is also in zone 'clients'"),
    ("host-in-two-zones", lambda h: (_fw(h)["exchange_firewall_zones"]["servers"].update(hosts=["ex01"]),
                                     _fw(h)["exchange_firewall_zones"]["clients"].update(hosts=["ex01"])),
     "10.1.10.11/32 is also in zone"),
    ("bad-zone-cidr", lambda h: _fw(h)["exchange_firewall_zones"]["perimeter"].update(cidrs=["172.16.50.1/24"]),
     "host 'fw01': exchange_firewall_zones.perimeter.cidrs: invalid CIDR '172.16.50.1/24'"),
    ("unknown-zone-key", lambda h: _fw(h)["exchange_firewall_zones"]["perimeter"].update(interface="dmz"),
     "host 'fw01': exchange_firewall_zones.perimeter.interface: unknown key"),
    ("bad-zone-name", lambda h: _fw(h)["exchange_firewall_zones"].update({"DMZ zone": {"cidrs": ["10.9.0.0/24"]}}),
     "host 'fw01': exchange_firewall_zones: zone name 'DMZ zone'"),
    ("bad-interface", lambda h: _fw(h)["exchange_firewall_zones"]["perimeter"].update(interfaces=["dmz; reload"]),
     "host 'fw01': exchange_firewall_zones.perimeter.interfaces: invalid interface name 'dmz; reload'"),
    ("unknown-provider", lambda h: _fw(h).update(exchange_firewall_provider="checkpoint"),
     "host 'fw01': exchange_firewall_provider: unknown network-firewall provider 'checkpoint'"),
    ("bad-default-action", lambda h: _fw(h).update(exchange_firewall_network_default_action="allow"),
     "host 'fw01': exchange_firewall_network_default_action: must be one of protect, deny"),
]


@pytest.mark.parametrize("case, mutate, message", ZONE_ERRORS, ids=[c[0] for c in ZONE_ERRORS])
def test_zone_errors_name_the_firewall_and_the_variable(case, mutate, message):
    groups, hostvars, settings = copy.deepcopy(load_inventory())
    mutate(hostvars)
    with pytest.raises(PlanError) as info:
        build_plan(groups, hostvars, settings)
    assert message in str(info.value)


def test_each_address_lands_in_the_most_specific_zone():
    """fw01's servers zone holds 10.1.0.0/16, the management zone 10.1.5.0/24 inside it."""
    groups, hostvars, settings = load_inventory()
    plan = build_plan(groups, hostvars, settings)
    mgmt = [p for p in plan["network_firewalls"]["fw01"]["policies"] if p["source"] == ["management"]]
    assert {p["from_zone"] for p in mgmt} == {"management"}


def test_policies_agree_with_the_host_rules(plan):
    """Every host rule's (remote address, port) that crosses fw01 from one zone to another is allowed by a policy."""
    section = plan["network_firewalls"]["fw01"]
    zones = {z: [ipaddress.ip_network(a) for a in spec["addresses"]] for z, spec in section["zones"].items()}

    def zone_of(net):
        best = None
        for zone, nets in zones.items():
            for candidate in nets:
                if candidate.version == net.version and net.subnet_of(candidate):
                    if best is None or candidate.prefixlen > best[1]:
                        best = (zone, candidate.prefixlen)
        return best[0] if best else None

    view = schema.firewall_view(plan, "fw01")
    objects = {n: [ipaddress.ip_network(a) for a in o["addresses"]] for n, o in view["address_objects"].items()}

    def allowed(src, dst, protocol, port):
        for policy in view["policies"]:
            if not any(src.subnet_of(n) for o in policy["source"] for n in objects[o] if n.version == src.version):
                continue
            if not any(dst.subnet_of(n) for o in policy["destination"] for n in objects[o] if n.version == dst.version):
                continue
            for name in policy["services"]:
                svc = view["services"][name]
                if svc["protocol"] == "any":
                    return True
                low, _sep, high = svc["ports"][0].partition("-")
                if svc["protocol"] == protocol and int(low) <= port <= int(high or low):
                    return True
        return False

    checked = 0
    for host, entry in plan["hosts"].items():
        # Internal addresses: the Internet-facing flows (the only ones that reach an external NIC) come
        # from 0.0.0.0/0, which is not checked here.
        locals_ = [ipaddress.ip_network(a) for a in entry["addresses"]]
        for rule in schema.expand_rules(plan, host):
            if rule["protocol"] == "any":
                continue
            for remote in (ipaddress.ip_network(a) for a in rule["remote_addresses"]):
                if remote.prefixlen == 0:
                    continue
                for local in locals_:
                    if local.version != remote.version:
                        continue
                    if zone_of(remote) in (None, zone_of(local)) or zone_of(local) is None:
                        continue
                    for ports in rule["local_ports"]:
                        port = int(ports.split("-")[0])
                        assert allowed(remote, local, rule["protocol"], port), (host, rule["name"], str(remote), port)
                        checked += 1
    assert checked > 20


def test_an_address_outside_the_zones_is_warned_about_and_every_policy_can_be_rendered():
    """ex03's IPv6 address is in none of fw01's ranges: it falls in the internet zone through ::/0."""
    from ansible_collections.exchange.firewall.plugins.plugin_utils._outputs_render import network_files

    groups, hostvars, settings = copy.deepcopy(load_inventory())
    hostvars["ex03"]["exchange_firewall_addresses"] = ["10.2.10.11", "fd00:2:10::11"]
    plan = build_plan(groups, hostvars, settings)
    fw01 = plan["network_firewalls"]["fw01"]
    assert any("fd00:2:10::11 falls in zone 'internet' only through its default range" in w for w in fw01["warnings"])
    objects = dict(plan["address_objects"], **fw01["address_objects"])
    for policy in fw01["policies"]:
        families = [{":" in a for o in side for a in objects[o]["addresses"]}
                    for side in (policy["source"], policy["destination"])]
        assert families[0] & families[1], policy["name"]
    assert "network/fw01.asa.yml" in network_files(plan)
