# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cited catalog of network flows an Exchange organisation needs.

Data, not code paths. Every flow is written initiator -> listener:

* ``src`` / ``dst``: endpoint names. An endpoint is either a *role* (hosts of the inventory,
  see ROLES) or a *network* (named CIDR lists, see NETWORKS).
* ``scope``: narrows a role-to-role flow to related hosts only:
  ``edge_subscription`` (an Edge and the transport servers of the AD site it is subscribed to),
  ``dag`` (members of the same DAG), ``witness`` (DAG members and their witness server).
* ``feature``: the toggle that must be on (see FEATURES); ``None`` means always needed.
* ``port_setting``: an organisation setting that replaces ``ports`` when set (for example the
  DAG replication port, which ``Set-DatabaseAvailabilityGroup -ReplicationPort`` changes).
* ``internal``: both ends are inside the organisation (Exchange servers, domain controllers).
  Microsoft does not support filtering such traffic [G1]; these flows are covered by the
  organisation rule and listed for the audit trail, not turned into per-port rules.
* ``verified``: ``False`` when the fact sheet marks the fact as unverified or inferred. Such flows
  are off unless ``exchange_firewall_allow_unverified`` is true.
* ``cite``: keys of CITATIONS. Row numbers in comments refer to the project's Exchange port
  fact sheet, which copies Microsoft's tables with a source per row.

Stdlib only; imported by the engine, the filter, the action plugin and the tests.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._ports import normalise

VERSIONS = ("2010", "2013", "2016", "2019", "se")
VERSION_LABELS = {
    "2010": "Exchange Server 2010",
    "2013": "Exchange Server 2013",
    "2016": "Exchange Server 2016",
    "2019": "Exchange Server 2019",
    # No SE-specific port document exists; SE is treated as 2019 (same roles, same flows).
    "se": "Exchange Server Subscription Edition (treated as 2019)",
}
MODERN = ("2016", "2019", "se")
FROM_2013 = ("2013",) + MODERN
ALL = VERSIONS

CITATIONS = {
    "S1": (
        "Exchange Network Port Reference (Exchange 2010 SP2/SP3)",
        "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2010/bb331973(v=exchg.141)",
    ),
    "S1-FW": (
        "Exchange Network Port Reference (Exchange 2010), section Windows Firewall",
        "http://technet.microsoft.com/en-us/library/bb331973.aspx",
    ),
    "S2": (
        "Network ports for clients and mail flow in Exchange",
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports",
    ),
    "S3": (
        "Network ports for clients and mail flow in Exchange 2013",
        "https://learn.microsoft.com/en-us/exchange/network-ports-for-clients-and-mail-flow-in-exchange-2013-exchange-2013-help",
    ),
    "S4": (
        "UM protocols, ports, and services in Exchange Server",
        "https://learn.microsoft.com/en-us/exchange/um-protocols-ports-and-services-exchange-2013-help",
    ),
    "S5": (
        "Edge Subscriptions",
        "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-subscriptions",
    ),
    "S6": (
        "Edge Subscriptions: Exchange 2013 Help",
        "https://learn.microsoft.com/en-us/exchange/edge-subscriptions-exchange-2013-help",
    ),
    "S7": (
        "Edge Transport server planning: Exchange 2013 Help",
        "https://learn.microsoft.com/en-us/exchange/edge-transport-server-planning-exchange-2013-help",
    ),
    "S8": (
        "Edge Transport servers",
        "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-transport-servers",
    ),
    "S9": (
        "Receive connectors",
        "https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/receive-connectors",
    ),
    "S10": (
        "Hybrid deployment prerequisites: Hybrid deployment protocols, ports, and endpoints",
        "https://learn.microsoft.com/en-us/exchange/hybrid-deployment-prerequisites",
    ),
    "S11": (
        "Manage database availability groups",
        "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/manage-dags",
    ),
    "S12": (
        "Managing high availability and site resilience",
        "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/manage-ha",
    ),
    "S13": (
        "Configure database availability group properties",
        "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/configure-dag-properties",
    ),
    "S14": (
        "Set-DatabaseAvailabilityGroup",
        "https://learn.microsoft.com/powershell/module/exchangepowershell/set-databaseavailabilitygroup",
    ),
    "S15": (
        "Service overview and network port requirements for Windows",
        "https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/service-overview-and-network-port-requirements",
    ),
    "S16": (
        "The default dynamic port range for TCP/IP has changed since Windows Vista and in Windows Server 2008",
        "https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/default-dynamic-port-range-tcpip-chang",
    ),
    "S18": (
        "Exchange 2010 Client Access Server: Configure Static RPC Ports (TechNet Wiki)",
        "https://learn.microsoft.com/en-us/archive/technet-wiki/864.exchange-2010-client-access-server-configure-static-rpc-ports",
    ),
    "S19": (
        "Verify correct port range is used by RPC Client Access or the Exchange Address Book Service",
        "https://docs.microsoft.com/en-us/previous-versions/office/exchange-server-analyzer/gg191713(v=exchg.80)",
    ),
    "S20": (
        "Exchange, Firewalls, and Support... Oh, my! (Exchange Team Blog)",
        "https://techcommunity.microsoft.com/t5/exchange-team-blog/exchange-firewalls-and-support-8230-oh-my/ba-p/595710",
    ),
    "S21": (
        "Understanding Unified Messaging protocols, ports and services (Exchange 2010)",
        "https://learn.microsoft.com/it-it/previous-versions/exchange-server/exchange-140/aa998265(v=exchg.140)",
    ),
    "S23": (
        "UMServer.SipTcpListeningPort / SipTlsListeningPort (Exchange 2010 SDK)",
        "https://learn.microsoft.com/en-us/previous-versions/office/developer/exchange-server-2010/ff326775(v=exchg.140)",
    ),
    "S24": (
        "Configure TLS and SSL for POP3 and IMAP4 access (Exchange 2010)",
        "https://learn.microsoft.com/ja-jp/previous-versions/office/exchange-server-2010/aa997149(v=exchg.141)",
    ),
    "S25": (
        "Discontinued features in Exchange Server",
        "https://learn.microsoft.com/en-us/exchange/new-features/discontinued-features",
    ),
    "S26": (
        "POP3 and IMAP4 in Exchange Server",
        "https://learn.microsoft.com/en-us/exchange/clients/pop3-and-imap4/pop3-and-imap4",
    ),
    "S27": (
        "Troubleshooting the OWA protocol health set (Exchange 2013)",
        "https://learn.microsoft.com/en-us/exchange/troubleshooting-owa-protocol-health-set-exchange-2013-help",
    ),
    "S28": (
        "Understanding Edge Subscriptions (Exchange 2010)",
        "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2010/aa997438(v=exchg.141)",
    ),
    "RPS": (
        "Connect to Exchange servers using remote PowerShell",
        "https://learn.microsoft.com/en-us/powershell/exchange/connect-to-exchange-servers-using-remote-powershell",
    ),
    "RFC4253": (
        "RFC 4253: The Secure Shell (SSH) Transport Layer Protocol, section 4.1 (port 22)",
        "https://www.rfc-editor.org/rfc/rfc4253#section-4.1",
    ),
    "RFC5321": (
        "RFC 5321: Simple Mail Transfer Protocol, section 4.5.4.2 (port 25)",
        "https://www.rfc-editor.org/rfc/rfc5321",
    ),
}

# Roles a host can have. ``platform`` decides the backend and the management-access rule;
# ``exchange`` marks Exchange server roles; ``internal`` marks the roles Microsoft's support rule
# covers (Exchange servers except Edge, plus domain controllers); ``managed`` hosts get a rule set.
ROLES = {
    "mailbox": {"platform": "windows", "exchange": True, "internal": True, "managed": True,
                "versions": ALL, "group": "exchange_mailbox"},
    "client_access": {"platform": "windows", "exchange": True, "internal": True, "managed": True,
                      "versions": ("2010", "2013"), "group": "exchange_client_access"},
    "hub_transport": {"platform": "windows", "exchange": True, "internal": True, "managed": True,
                      "versions": ("2010",), "group": "exchange_hub_transport"},
    "unified_messaging": {"platform": "windows", "exchange": True, "internal": True, "managed": True,
                          "versions": ("2010",), "group": "exchange_unified_messaging"},
    "edge_transport": {"platform": "windows", "exchange": True, "internal": False, "managed": True,
                       "versions": ALL, "group": "exchange_edge"},
    "domain_controller": {"platform": "windows", "exchange": False, "internal": True,
                          "managed": False, "versions": (), "group": "domain_controllers"},
    "dag_witness": {"platform": "windows", "exchange": False, "internal": False, "managed": True,
                    "versions": (), "group": "exchange_witness"},
    "smtp_relay": {"platform": "linux", "exchange": False, "internal": False, "managed": True,
                   "versions": (), "group": "smtp_relays"},
    "load_balancer": {"platform": "linux", "exchange": False, "internal": False, "managed": True,
                      "versions": (), "group": "load_balancers"},
    "reverse_proxy": {"platform": "linux", "exchange": False, "internal": False, "managed": True,
                      "versions": (), "group": "reverse_proxies"},
    "network_firewall": {"platform": "network", "exchange": False, "internal": False,
                         "managed": False, "versions": (), "group": "network_firewalls"},
}

# How reports name the hosts of each role.
ROLE_NAMES = {
    "mailbox": "Mailbox servers",
    "client_access": "Client Access servers",
    "hub_transport": "Hub Transport servers",
    "unified_messaging": "Unified Messaging servers",
    "edge_transport": "Edge Transport servers",
    "domain_controller": "domain controllers",
    "dag_witness": "DAG witness servers",
    "smtp_relay": "SMTP relays",
    "load_balancer": "load balancers",
    "reverse_proxy": "reverse proxies",
    "network_firewall": "network firewalls",
}

# Named networks. ``internet`` defaults to everything; the others are empty until the user
# declares them. Only Internet-facing networks may contain 0.0.0.0/0 or ::/0.
NETWORKS = {
    "internet": "The Internet (senders and receivers of Internet mail, external clients).",
    "clients": "Internal client networks (Outlook, browsers, mobile devices on the LAN/VPN).",
    "exchange_online": "Exchange Online endpoints (hybrid), from Microsoft's published list.",
    "management": "Management workstations and jump hosts (RDP, WinRM, SSH, Exchange admin).",
    "um_gateways": "VoIP gateways, IP PBXs and SBCs that talk to Unified Messaging.",
    "smtp_clients": "Applications and devices that submit mail to the SMTP relay.",
    "dns_servers": "DNS servers the Exchange servers and the Edge resolve names with.",
    "im_servers": "OCS/Lync servers integrated with Exchange 2010 OWA (unverified flows).",
}
DEFAULT_NETWORKS = {"internet": ["0.0.0.0/0", "::/0"]}
DEFAULT_INTERNET_FACING = ("internet", "exchange_online")

# Feature toggles and their defaults, chosen to match Exchange's own defaults.
FEATURES = {
    "http": {"default": True, "doc": "IIS Default Web Site on TCP 80 (OWA redirect, Autodiscover fallback)."},
    "smtp_submission": {"default": True, "doc": "Client Frontend receive connector, TCP 587 (exists by default)."},
    "pop3": {"default": False, "doc": "POP3 (110/995). The POP3 services are disabled by default."},
    "imap4": {"default": False, "doc": "IMAP4 (143/993). The IMAP4 services are disabled by default."},
    "unified_messaging": {"default": True, "versions": ("2010", "2013", "2016"),
                          "doc": "Unified Messaging (SIP and RTP from UM gateways). Removed in 2019."},
    "hybrid": {"default": False, "doc": "Hybrid with Exchange Online (SMTP 25 and HTTPS 443)."},
    "direct_internet_mail": {"default": "auto",
                             "doc": "Internet SMTP straight to Exchange; 'auto' = on when the organisation has no Edge."},
    "open_proxy_detection": {"default": True, "doc": "Edge sender reputation open-proxy tests (outbound)."},
    "rpc_client_access": {"default": True, "versions": ("2010",),
                          "doc": "Exchange 2010 Outlook MAPI/RPC to the Client Access server."},
    "owa_im_integration": {"default": False, "versions": ("2010",), "unverified_only": True,
                           "doc": "Exchange 2010 CAS host rules on 5075-5077 (purpose unverified)."},
    "smart_host": {"default": False, "doc": "Exchange sends outbound mail through the SMTP relay."},
    "external_access": {"default": False,
                        "doc": "Publish HTTPS (and HTTP) to the Internet through load balancers or reverse proxies."},
}

# Organisation settings that can replace a flow's ports.
PORT_SETTINGS = {
    "dag_replication_port": ["64327"],
    "rpc_dynamic_ports": ["49152-65535"],
}

WINDOWS_ROLES = tuple(r for r, v in ROLES.items() if v["platform"] == "windows" and v["managed"])
LINUX_ROLES = tuple(r for r, v in ROLES.items() if v["platform"] == "linux")
EXCHANGE_INTERNAL = ("mailbox", "client_access", "hub_transport", "unified_messaging", "domain_controller")
CLIENT_FRONTS = ("clients", "load_balancer", "reverse_proxy")


def _flow(fid, versions, src, dst, protocol, ports, purpose, cite, feature=None, scope=None,
          internal=False, verified=True, port_setting=None, note=None):
    return {
        "id": fid,
        "versions": list(versions),
        "src": list(src) if isinstance(src, (list, tuple)) else [src],
        "dst": list(dst) if isinstance(dst, (list, tuple)) else [dst],
        "protocol": protocol,
        "ports": normalise(ports),
        "feature": feature,
        "scope": scope,
        "internal": internal,
        "verified": verified,
        "port_setting": port_setting,
        "purpose": purpose,
        "cite": list(cite),
        "note": note,
    }


FLOWS = [
    # ---- Microsoft's support rule (G1/G2) -------------------------------------------------
    _flow("org-support-rule", ALL, EXCHANGE_INTERNAL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "any", [], "All traffic between Exchange servers, and between Exchange servers and domain "
          "controllers, must not be filtered (any port, including dynamic RPC, any protocol).",
          ("S2", "S3", "S20"), internal=True),

    # ---- Client access, Exchange 2016/2019/SE (Mailbox runs the Client Access services) ---
    # Rows 1-5 (S2): 443 for Autodiscover/EAS/EWS/OAB/Outlook Anywhere/MAPI over HTTP/OWA.
    _flow("mbx-https-clients", MODERN, CLIENT_FRONTS, "mailbox", "tcp", [443],
          "HTTPS: Autodiscover, EAS, EWS, OAB, Outlook Anywhere, MAPI over HTTP, Outlook on the web.", ("S2",)),
    _flow("mbx-http-clients", MODERN, CLIENT_FRONTS, "mailbox", "tcp", [80],
          "HTTP: Internet calendar publishing, OWA redirect to 443, Autodiscover fallback.", ("S2",), feature="http"),
    _flow("mbx-imap4-clients", MODERN, CLIENT_FRONTS, "mailbox", "tcp", [143, 993],
          "IMAP4 (143 plain/STARTTLS, 993 TLS); the service is disabled by default.", ("S2", "S26"), feature="imap4"),
    _flow("mbx-pop3-clients", MODERN, CLIENT_FRONTS, "mailbox", "tcp", [110, 995],
          "POP3 (110 plain/STARTTLS, 995 TLS); the service is disabled by default.", ("S2", "S26"), feature="pop3"),
    _flow("mbx-smtp-submission", MODERN, CLIENT_FRONTS, "mailbox", "tcp", [587],
          "Authenticated SMTP submission: receive connector 'Client Frontend <Server>'.", ("S2", "S9"),
          feature="smtp_submission"),
    # Row 6: anonymous Internet mail to 'Default Frontend <Server>' when there is no Edge.
    _flow("mbx-smtp-internet", MODERN, "internet", "mailbox", "tcp", [25],
          "Inbound Internet mail to receive connector 'Default Frontend <Server>' (no Edge).", ("S2", "S9"),
          feature="direct_internet_mail"),
    _flow("mbx-smtp-internet-out", MODERN, "mailbox", "internet", "tcp", [25],
          "Outbound Internet mail through a Send connector (no Edge).", ("S2",), feature="direct_internet_mail"),
    _flow("mbx-smtp-from-relay", MODERN, ("smtp_relay", "load_balancer"), "mailbox", "tcp", [25],
          "SMTP from the relay or load balancer to receive connector 'Default Frontend <Server>'.", ("S2", "S9")),
    _flow("mbx-dns", FROM_2013, "mailbox", "dns_servers", "udp", [53],
          "DNS lookups for next-hop resolution.", ("S2",)),
    _flow("mbx-dns-tcp", FROM_2013, "mailbox", "dns_servers", "tcp", [53],
          "DNS lookups for next-hop resolution (TCP).", ("S2",)),

    # ---- Edge Transport, 2013 and later (rows 10-17, 44-52) ------------------------------
    _flow("edge-smtp-internet", FROM_2013, "internet", "edge_transport", "tcp", [25],
          "Inbound Internet mail to 'Default internal Receive connector <Edge>'.", ("S2", "S3", "S9")),
    _flow("edge-smtp-from-mailbox", FROM_2013, "mailbox", "edge_transport", "tcp", [25],
          "Outbound mail from the Mailbox servers of the subscribed AD site (intra-org Send connector).",
          ("S2", "S3"), scope="edge_subscription"),
    _flow("edge-edgesync", FROM_2013, "mailbox", "edge_transport", "tcp", [50636],
          "EdgeSync: Mailbox servers of the subscribed site write to AD LDS on the Edge over secure LDAP.",
          ("S2", "S5", "S6", "S7", "S8"), scope="edge_subscription"),
    _flow("edge-smtp-to-mailbox", FROM_2013, "edge_transport", "mailbox", "tcp", [25],
          "Inbound mail from the Edge to the Mailbox servers of the subscribed site "
          "(Send connector 'EdgeSync - Inbound to <site>').", ("S2", "S3"), scope="edge_subscription"),
    _flow("edge-smtp-out-internet", ALL, "edge_transport", "internet", "tcp", [25],
          "Outbound Internet mail (Send connector 'EdgeSync - <site> to Internet').", ("S2", "S3")),
    _flow("edge-dns", ALL, "edge_transport", "dns_servers", "udp", [53],
          "DNS: next-hop resolution; the Edge and the Mailbox servers must resolve each other.", ("S2", "S5", "S7")),
    _flow("edge-dns-tcp", ALL, "edge_transport", "dns_servers", "tcp", [53],
          "DNS over TCP for next-hop resolution.", ("S2", "S5", "S7")),
    _flow("edge-open-proxy-detection", FROM_2013, "edge_transport", "internet", "tcp",
          [23, 80, 1080, 1081, 3128, 6588],
          "Sender reputation open-proxy detection (SOCKS4/5, Wingate/Telnet, HTTP CONNECT/POST).", ("S2",),
          feature="open_proxy_detection"),
    _flow("edge-rdp-management", ALL, "management", "edge_transport", "tcp", [3389],
          "Remote Desktop to the Edge from the internal network (optional management).", ("S7",)),

    # ---- Hybrid (rows 18-21, S10): the on-premises endpoint depends on the version ---------
    _flow("hybrid-smtp-in", MODERN, "exchange_online", ("mailbox", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online (certificate-based TLS).", ("S10",), feature="hybrid"),
    _flow("hybrid-smtp-out", MODERN, ("mailbox", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online.", ("S10",), feature="hybrid"),
    _flow("hybrid-https-in", MODERN, "exchange_online", "mailbox", "tcp", [443],
          "Hybrid Autodiscover, EWS (free/busy, MailTips, message tracking), MRSProxy moves, OAuth.",
          ("S10",), feature="hybrid"),
    _flow("hybrid-https-out", MODERN, "mailbox", "exchange_online", "tcp", [443],
          "Hybrid Autodiscover, EWS and OAuth to Exchange Online.", ("S10",), feature="hybrid"),
    _flow("hybrid2013-smtp-in", ("2013",), "exchange_online", ("client_access", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online to the 2013 Client Access server or Edge.", ("S10",), feature="hybrid"),
    _flow("hybrid2013-smtp-out", ("2013",), ("client_access", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online from the 2013 Client Access server or Edge.", ("S10",), feature="hybrid"),
    _flow("hybrid2010-smtp-in", ("2010",), "exchange_online", ("hub_transport", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online to the 2010 Hub Transport server or Edge.", ("S10",), feature="hybrid"),
    _flow("hybrid2010-smtp-out", ("2010",), ("hub_transport", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online from the 2010 Hub Transport server or Edge.", ("S10",), feature="hybrid"),
    _flow("hybrid-legacy-https-in", ("2010", "2013"), "exchange_online", "client_access", "tcp", [443],
          "Hybrid Autodiscover, EWS, MRSProxy and OAuth to the 2010/2013 Client Access server.", ("S10",),
          feature="hybrid"),
    _flow("hybrid-legacy-https-out", ("2010", "2013"), "client_access", "exchange_online", "tcp", [443],
          "Hybrid Autodiscover, EWS and OAuth from the 2010/2013 Client Access server.", ("S10",),
          feature="hybrid"),

    # ---- Internal flows: covered by the organisation rule (G1), listed for the audit trail -
    _flow("dag-replication", ALL, "mailbox", "mailbox", "tcp", [64327],
          "DAG continuous replication (log shipping and seeding); change with -ReplicationPort.",
          ("S12", "S13", "S14"), scope="dag", internal=True, port_setting="dag_replication_port"),
    _flow("dag-cluster", ALL, "mailbox", "mailbox", "udp", [137, 3343, "49152-65535"],
          "Windows failover cluster service under the DAG (3343 heartbeat, 137, dynamic UDP).", ("S15",),
          scope="dag", internal=True),
    _flow("dag-cluster-tcp", ALL, "mailbox", "mailbox", "tcp", [135, 3343],
          "Windows failover cluster service under the DAG (node join, RPC).", ("S15",), scope="dag", internal=True),
    _flow("mbx-transport-internal", MODERN, "mailbox", "mailbox", "tcp", [465, 475, 717, 2525],
          "Transport between Front End, Transport and Mailbox Transport services (2525, 465, 717, 475).",
          ("S9",), internal=True),
    _flow("mbx-backend-https", FROM_2013, ("mailbox", "client_access"), "mailbox", "tcp", [444],
          "Front end to 'Exchange Back End' web site (health probes address :444).", ("S27",), internal=True),
    _flow("exchange-to-dc", ALL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "domain_controller", "tcp", [53, 88, 135, 389, 445, 464, 636, 3268, 3269, 9389, "49152-65535"],
          "Active Directory: LDAP, GC, Kerberos, DNS, RPC endpoint mapper and dynamic RPC, SMB.", ("S15",),
          internal=True),
    _flow("exchange-to-dc-udp", ALL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "domain_controller", "udp", [53, 88, 389, 464],
          "Active Directory over UDP: DNS, Kerberos, LDAP ping, Kerberos password change.", ("S15",),
          internal=True),

    # ---- DAG witness (rows 27, 54, 89) ----------------------------------------------------
    _flow("witness-smb", FROM_2013, "mailbox", "dag_witness", "tcp", [445],
          "File share witness over SMB (enable the File and Printer Sharing exception).", ("S11",),
          scope="witness"),
    _flow("witness-wmi", FROM_2013, "mailbox", "dag_witness", "tcp", [135, "49152-65535"],
          "WMI on the witness must be reachable to create the DAG and add or remove members "
          "(RPC endpoint mapper and the Windows dynamic RPC range).", ("S11", "S15", "S16"), scope="witness"),
    _flow("witness-smb-2010", ("2010",), "mailbox", "dag_witness", "tcp", [445],
          "File share witness over SMB for an Exchange 2010 DAG (inferred from the 2013+ text).", ("S11",),
          scope="witness", verified=False),

    # ---- Unified Messaging (2016 on Mailbox, 2013 split across CAS and Mailbox; rows 31-34, 55-57)
    _flow("um-sip-callrouter", ("2016",), "um_gateways", "mailbox", "tcp", [5060, 5061],
          "SIP to the UM Call Router (5060 unsecured, 5061 secured; TCP only). UM was removed in 2019.",
          ("S4", "S25"), feature="unified_messaging"),
    _flow("um-sip-worker", ("2013", "2016"), "um_gateways", "mailbox", "tcp", ["5065-5068"],
          "SIP to the UM worker process (5065/5067, and 5066/5068 in Dual mode).", ("S4",),
          feature="unified_messaging"),
    _flow("um-rtp", ("2013", "2016"), "um_gateways", "mailbox", "udp", ["1024-65535"],
          "RTP/SRTP media between gateways and the UM worker process.", ("S4",), feature="unified_messaging"),
    _flow("um-sip-callrouter-2013", ("2013",), "um_gateways", "client_access", "tcp", [5060, 5061],
          "SIP to the UM Call Router on the Client Access server.", ("S4",), feature="unified_messaging"),

    # ---- Exchange 2013 Client Access server (rows 35-43) ----------------------------------
    _flow("cas2013-https-clients", ("2013",), CLIENT_FRONTS, "client_access", "tcp", [443],
          "HTTPS: Autodiscover, EAS, EWS, OAB, Outlook Anywhere, MAPI over HTTP, OWA.", ("S3",)),
    _flow("cas2013-http-clients", ("2013",), CLIENT_FRONTS, "client_access", "tcp", [80],
          "HTTP: calendar publishing, OWA redirect, Autodiscover fallback.", ("S3",), feature="http"),
    _flow("cas2013-imap4-clients", ("2013",), CLIENT_FRONTS, "client_access", "tcp", [143, 993],
          "IMAP4 (off by default); proxied to the IMAP4 Backend service on Mailbox.", ("S3",), feature="imap4"),
    _flow("cas2013-pop3-clients", ("2013",), CLIENT_FRONTS, "client_access", "tcp", [110, 995],
          "POP3 (off by default); proxied to the POP3 Backend service on Mailbox.", ("S3",), feature="pop3"),
    _flow("cas2013-smtp-submission", ("2013",), CLIENT_FRONTS, "client_access", "tcp", [587],
          "Authenticated SMTP submission: 'Client Frontend <Server>'.", ("S3",), feature="smtp_submission"),
    _flow("cas2013-smtp-internet", ("2013",), "internet", "client_access", "tcp", [25],
          "Inbound Internet mail to 'Default Frontend <CAS>' (no Edge).", ("S3",), feature="direct_internet_mail"),
    _flow("cas2013-smtp-from-relay", ("2013",), ("smtp_relay", "load_balancer"), "client_access", "tcp", [25],
          "SMTP from the relay or load balancer to 'Default Frontend <CAS>'.", ("S3",)),
    _flow("mbx2013-smtp-internet-out", ("2013",), "mailbox", "internet", "tcp", [25],
          "Outbound Internet mail (Send connector, no Edge).", ("S3",), feature="direct_internet_mail"),

    # ---- Exchange 2010 (rows 59-94) --------------------------------------------------------
    _flow("cas2010-https-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [443],
          "HTTPS to the Exchange 2010 Client Access server (Autodiscover, EWS, OWA, EAS, Outlook Anywhere).",
          ("S10", "S2")),
    _flow("cas2010-http-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [80],
          "HTTP redirect on the Exchange 2010 CAS (inferred from the 2013+ text).", ("S2",), feature="http",
          verified=False),
    _flow("cas2010-pop3-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [110, 995],
          "POP3 on the Client Access server (Setup rules 'MSExchange - POP3').", ("S1-FW", "S24"), feature="pop3"),
    _flow("cas2010-imap4-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [143, 993],
          "IMAP4 on the Client Access server (Setup rules 'MSExchangeIMAP4').", ("S1-FW", "S24"), feature="imap4"),
    _flow("cas2010-rpc-epmap", ("2010",), "clients", "client_access", "tcp", [135],
          "Outlook MAPI/RPC: RPC endpoint mapper on the RPC Client Access service.", ("S18", "S15"),
          feature="rpc_client_access"),
    _flow("cas2010-rpc-dynamic", ("2010",), "clients", "client_access", "tcp", ["49152-65535"],
          "Outlook MAPI/RPC: the dynamic RPC range (Windows default 49152-65535; set static ports "
          "with exchange_firewall_rpc_dynamic_ports as S18/S19 describe).", ("S16", "S18", "S19"),
          feature="rpc_client_access", port_setting="rpc_dynamic_ports"),
    _flow("cas2010-owa-5075-5077", ("2010",), "im_servers", "client_access", "tcp", ["5075-5077"],
          "Exchange 2010 Setup host rule 'MSExchange - OWA (GFW) (TCP-In)'; purpose (OCS/Lync IM "
          "integration) unverified. Never needed by browsers.", ("S1-FW",), feature="owa_im_integration",
          verified=False),
    _flow("hub2010-smtp-internet", ("2010",), "internet", "hub_transport", "tcp", [25],
          "Inbound Internet mail to the Hub Transport server (no Edge).", ("S1", "S10"),
          feature="direct_internet_mail"),
    _flow("hub2010-smtp-internet-out", ("2010",), "hub_transport", "internet", "tcp", [25],
          "Outbound Internet mail from the Hub Transport server (no Edge).", ("S1", "S10"),
          feature="direct_internet_mail"),
    _flow("hub2010-smtp-from-relay", ("2010",), ("smtp_relay", "load_balancer"), "hub_transport", "tcp", [25],
          "SMTP from the relay or load balancer to the Hub Transport server.", ("S1",)),
    _flow("hub2010-smtp-submission", ("2010",), "clients", "hub_transport", "tcp", [587],
          "SMTP client submission to the Hub Transport server (row truncated in the source).", ("S1",),
          feature="smtp_submission", verified=False),
    _flow("edge2010-smtp-internet", ("2010",), "internet", "edge_transport", "tcp", [25],
          "Inbound Internet mail to the Exchange 2010 Edge (Edge to Edge data path, anonymous).", ("S1", "S10")),
    _flow("edge2010-smtp-from-hub", ("2010",), "hub_transport", "edge_transport", "tcp", [25],
          "Hub Transport to Edge Transport SMTP (direct trust, TLS).", ("S1",), scope="edge_subscription"),
    _flow("edge2010-edgesync", ("2010",), "hub_transport", "edge_transport", "tcp", [50636],
          "EdgeSync from the Hub Transport server to AD LDS on the Edge (LDAPS).", ("S1", "S28"),
          scope="edge_subscription"),
    _flow("edge2010-smtp-to-hub", ("2010",), "edge_transport", "hub_transport", "tcp", [25],
          "Edge Transport to Hub Transport SMTP (direct trust, TLS).", ("S1",), scope="edge_subscription"),
    _flow("hub2010-mailbox-rpc", ("2010",), ("hub_transport", "mailbox"), ("mailbox", "hub_transport"), "tcp", [135],
          "Mail Submission and MAPI delivery between Hub Transport and Mailbox over RPC.", ("S1",), internal=True),
    _flow("um2010-sip", ("2010",), "um_gateways", "unified_messaging", "tcp", [5060, 5061],
          "SIP to the Unified Messaging service (SipTcpListeningPort/SipTlsListeningPort defaults).", ("S23",),
          feature="unified_messaging"),
    _flow("um2010-sip-worker", ("2010",), "um_gateways", "unified_messaging", "tcp", ["5065-5068"],
          "SIP to the UM worker process (5065/5067 unsecured, 5066/5068 mutual TLS).", ("S21",),
          feature="unified_messaging"),
    _flow("um2010-rtp", ("2010",), "um_gateways", "unified_messaging", "udp", ["1024-65535"],
          "RTP media for Exchange 2010 UM (range unverified for 2010; 2013+ text says 1024-65535).", ("S4",),
          feature="unified_messaging", verified=False),
    _flow("exchange-dns-2010", ("2010",), ("hub_transport", "client_access", "mailbox", "unified_messaging"),
          "dns_servers", "udp", [53], "DNS lookups (Active Directory access from Hub Transport).", ("S1",)),

    # ---- Management (never removed) -------------------------------------------------------
    _flow("mgmt-windows", ALL, "management", WINDOWS_ROLES, "tcp", [3389, 5985, 5986],
          "Management access: Remote Desktop and WinRM (HTTP/HTTPS). Always present.", ("S15", "S7")),
    _flow("mgmt-exchange-admin", ALL, "management", ("mailbox", "client_access"), "tcp", [80, 443],
          "Exchange Management Shell (remote PowerShell at http://<server>/PowerShell) and the admin center.",
          ("RPS", "S2")),
    _flow("mgmt-linux", ALL, "management", LINUX_ROLES, "tcp", [22],
          "Management access: SSH. Always present.", ("RFC4253",)),

    # ---- Linux hosts around Exchange: relays, load balancers, reverse proxies --------------
    _flow("relay-smtp-clients", ALL, "smtp_clients", "smtp_relay", "tcp", [25],
          "Applications and devices submit mail to the SMTP relay.", ("RFC5321", "S9")),
    _flow("relay-smtp-smart-host", ALL, ("mailbox", "hub_transport", "edge_transport"), "smtp_relay", "tcp", [25],
          "Exchange Send connectors use the relay as a smart host.", ("RFC5321", "S2"), feature="smart_host"),
    _flow("lb-https-clients", ALL, "clients", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "Clients reach the Client Access services through the load balancer or reverse proxy.", ("S2",)),
    _flow("lb-http-clients", ALL, "clients", ("load_balancer", "reverse_proxy"), "tcp", [80],
          "HTTP redirect through the load balancer or reverse proxy.", ("S2",), feature="http"),
    _flow("lb-https-internet", ALL, "internet", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "External clients (OWA, EAS, Outlook Anywhere, Autodiscover) through the published front end.",
          ("S2",), feature="external_access"),
    _flow("lb-smtp-submission", ALL, "clients", "load_balancer", "tcp", [587],
          "Authenticated SMTP submission through the load balancer.", ("S2", "S9"), feature="smtp_submission"),
    _flow("lb-imap4", ALL, "clients", "load_balancer", "tcp", [143, 993],
          "IMAP4 through the load balancer.", ("S2", "S26"), feature="imap4"),
    _flow("lb-pop3", ALL, "clients", "load_balancer", "tcp", [110, 995],
          "POP3 through the load balancer.", ("S2", "S26"), feature="pop3"),
]

# Flows the user may never exclude: they carry management access or the support rule.
PROTECTED_FLOWS = ("org-support-rule", "mgmt-windows", "mgmt-linux")


def citation(key: str) -> dict:
    title, url = CITATIONS[key]
    return {"id": key, "title": title, "url": url}


def flows() -> list:
    """Return a deep copy of the catalog (callers may annotate it)."""
    return [dict(f, versions=list(f["versions"]), src=list(f["src"]), dst=list(f["dst"]),
                 ports=list(f["ports"]), cite=list(f["cite"])) for f in FLOWS]
