# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cited catalog of network flows an Exchange organisation needs.

Data, not code paths. Every flow is written initiator -> listener:

* ``src`` / ``dst``: endpoint names. An endpoint is either a *role* (hosts of the inventory,
  see ROLES) or a *network* (named CIDR lists, see NETWORKS).
* ``versions``: the Exchange versions the flow exists in. ``src_versions`` / ``dst_versions``
  narrow one side where the two ends run different versions (an Exchange 2010 Edge subscribed to
  an AD site of Exchange 2016 Mailbox servers); ``versions`` is then the union of both sides.
* ``scope``: narrows a role-to-role flow to related hosts only:
  ``edge_subscription`` (an Edge and the transport servers of the AD site it is subscribed to),
  ``dag`` (members of the same DAG), ``witness`` (DAG members and their witness server).
* ``feature``: the toggle that must be on (see FEATURES); ``None`` means always needed.
  ``requires``: further toggles that must be on as well.
* ``host_flag``: a host variable that must be true on the flow's hosts (``public_folders``: the
  Exchange 2010 Mailbox servers that hold public folder databases; ``hybrid_transport``: the
  servers that host the hybrid Send and Receive connectors).
* ``port_setting``: an organisation setting that replaces ``ports`` when set (see ``ports_for``).
* ``internal``: both ends are inside the organisation (Exchange servers, domain controllers,
  Skype for Business servers). Microsoft does not support filtering such traffic [G1]; these flows
  are covered by the organisation rule and listed for the audit trail, not turned into per-port rules.
* ``verified``: ``False`` when no Microsoft page states the fact for every version the flow lists;
  ``unverified_reason`` then says what is missing. Such flows are off unless
  ``exchange_firewall_allow_unverified`` is true or lists them. ``unverified_warning``: a warning
  the plan shows on a host where the flow applies but stays off because it is unverified.
* ``cite``: keys of CITATIONS. Each citation lists the Exchange versions its page is about; the
  citations of a verified flow cover every version of the flow (SE through 2019, see
  ``SAME_AS``). Row numbers in comments refer to the project's Exchange port fact sheet, which
  copies Microsoft's tables with a source per row.

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
# A version whose facts are read from another version's pages (no page of its own exists).
SAME_AS = {"se": "2019"}
MODERN = ("2016", "2019", "se")
FROM_2013 = ("2013",) + MODERN
ALL = VERSIONS
LEGACY = ("2010", "2013")
# Windows pages and protocol standards hold whatever the Exchange version.
ANY_VERSION = ("2010", "2013", "2016", "2019")


def _source(title: str, url: str, versions) -> dict:
    return {"title": title, "url": url, "versions": tuple(versions)}


# URLs under learn.microsoft.com/en-us/exchange/... were derived from the path of the page's
# source in Microsoft's documentation repository (the site's own convention).
CITATIONS = {
    "S1": _source("Exchange Network Port Reference (Exchange 2010 SP2/SP3)",
                  "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2010/bb331973(v=exchg.141)",
                  ("2010",)),
    "S1-FW": _source("Exchange Network Port Reference (Exchange 2010), section Windows Firewall",
                     "http://technet.microsoft.com/en-us/library/bb331973.aspx", ("2010",)),
    "S1-CA": _source("Understanding Client Access (Exchange 2010 SP2/SP3)",
                     "https://technet.microsoft.com/en-us/library/bb124915", ("2010",)),
    "S2": _source("Network ports for clients and mail flow in Exchange",
                  "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports",
                  ("2016", "2019")),
    "S3": _source("Network ports for clients and mail flow in Exchange 2013",
                  "https://learn.microsoft.com/en-us/exchange/network-ports-for-clients-and-mail-flow-in-exchange-2013-"
                  "exchange-2013-help", ("2013",)),
    "S4": _source("UM protocols, ports, and services in Exchange Server",
                  "https://learn.microsoft.com/en-us/exchange/um-protocols-ports-and-services-exchange-2013-help",
                  ("2013", "2016")),
    "S5": _source("Edge Subscriptions",
                  "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-subscriptions",
                  ("2016", "2019")),
    "S6": _source("Edge Subscriptions: Exchange 2013 Help",
                  "https://learn.microsoft.com/en-us/exchange/edge-subscriptions-exchange-2013-help", ("2013",)),
    "S7": _source("Edge Transport server planning: Exchange 2013 Help",
                  "https://learn.microsoft.com/en-us/exchange/edge-transport-server-planning-exchange-2013-help",
                  ("2013",)),
    "S8": _source("Edge Transport servers",
                  "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-transport-servers",
                  ("2016", "2019")),
    "S9": _source("Receive connectors",
                  "https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/receive-connectors",
                  ("2016", "2019")),
    # The tables name "Exchange 2019/2016 Mailbox/Edge, Exchange 2013 CAS/Edge, Exchange 2010 Hub/Edge".
    "S10": _source("Hybrid deployment prerequisites: Hybrid deployment protocols, ports, and endpoints",
                   "https://learn.microsoft.com/en-us/exchange/hybrid-deployment-prerequisites",
                   ("2010", "2013", "2016", "2019")),
    "S11": _source("Manage database availability groups",
                   "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/manage-dags",
                   ("2016", "2019")),
    "S11-2013": _source("Managing database availability groups: Exchange 2013 Help",
                        "https://learn.microsoft.com/en-us/exchange/managing-database-availability-groups-exchange-2013-"
                        "help", ("2013",)),
    "S12": _source("Managing high availability and site resilience",
                   "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/manage-ha", ("2016", "2019")),
    "S13": _source("Configure database availability group properties",
                   "https://learn.microsoft.com/en-us/exchange/high-availability/manage-ha/configure-dag-properties",
                   ("2016", "2019")),
    # "Applicable: Exchange Server 2010, Exchange Server 2013, Exchange Server 2016, Exchange Server 2019".
    "S14": _source("Set-DatabaseAvailabilityGroup",
                   "https://learn.microsoft.com/powershell/module/exchangepowershell/set-databaseavailabilitygroup",
                   ("2010", "2013", "2016", "2019")),
    "S15": _source("Service overview and network port requirements for Windows",
                   "https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/service-overview-and-"
                   "network-port-requirements", ANY_VERSION),
    "S16": _source("The default dynamic port range for TCP/IP has changed since Windows Vista and in Windows Server 2008",
                   "https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/default-dynamic-port-range-"
                   "tcpip-chang", ANY_VERSION),
    "S18": _source("Exchange 2010 Client Access Server: Configure Static RPC Ports (TechNet Wiki)",
                   "https://learn.microsoft.com/en-us/archive/technet-wiki/864.exchange-2010-client-access-server-"
                   "configure-static-rpc-ports", ("2010",)),
    "S19": _source("Verify correct port range is used by RPC Client Access or the Exchange Address Book Service",
                   "https://docs.microsoft.com/en-us/previous-versions/office/exchange-server-analyzer/gg191713(v=exchg.80)",
                   ("2010",)),
    # "Starting with Exchange Server 2007 and current as of Exchange Server 2013".
    "S20": _source("Exchange, Firewalls, and Support... Oh, my! (Exchange Team Blog)",
                   "https://techcommunity.microsoft.com/t5/exchange-team-blog/exchange-firewalls-and-support-8230-oh-my/"
                   "ba-p/595710", ("2010", "2013")),
    "S21": _source("Understanding Unified Messaging protocols, ports and services (Exchange 2010, Italian edition)",
                   "https://learn.microsoft.com/it-it/previous-versions/exchange-server/exchange-140/aa998265(v=exchg.140)",
                   ("2010",)),
    "S23": _source("UMServer.SipTcpListeningPort / SipTlsListeningPort (Exchange 2010 SDK)",
                   "https://learn.microsoft.com/en-us/previous-versions/office/developer/exchange-server-2010/"
                   "ff326775(v=exchg.140)", ("2010",)),
    "S24": _source("Configure TLS and SSL for POP3 and IMAP4 access (Exchange 2010)",
                   "https://learn.microsoft.com/ja-jp/previous-versions/office/exchange-server-2010/aa997149(v=exchg.141)",
                   ("2010",)),
    "S25": _source("Discontinued features in Exchange Server",
                   "https://learn.microsoft.com/en-us/exchange/new-features/discontinued-features", ("2019",)),
    "S26": _source("POP3 and IMAP4 in Exchange Server",
                   "https://learn.microsoft.com/en-us/exchange/clients/pop3-and-imap4/pop3-and-imap4", ("2016", "2019")),
    # The page's own title; it describes a local probe (https://localhost:444/owa/exhealth.check).
    "S27": _source("Troubleshooting OWA.Protocol Health Set",
                   "https://learn.microsoft.com/en-us/exchange/management/health/troubleshooting-owa-protocol-health-set",
                   ("2013",)),
    "S28": _source("Understanding Edge Subscriptions (Exchange 2010)",
                   "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2010/aa997438(v=exchg.141)",
                   ("2010",)),
    "S30": _source("Understanding RPC Client Access (Exchange 2010 SP2/SP3)",
                   "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2010/ee332317(v=exchg.141)",
                   ("2010",)),
    "S31": _source("Exploring Exchange 2010 RPC Client Access service (Exchange Team Blog)",
                   "https://techcommunity.microsoft.com/t5/exchange-team-blog/exploring-exchange-2010-rpc-client-access-"
                   "service/ba-p/593576", ("2010",)),
    "S32": _source("Understanding the Address Book Service (Exchange 2010)",
                   "https://learn.microsoft.com/en-us/previous-versions/exchange-server/exchange-140/ee332346(v=exchg.140)",
                   ("2010",)),
    "S33": _source("Voice architecture changes: Exchange 2013 Help",
                   "https://learn.microsoft.com/en-us/exchange/voice-architecture-changes-exchange-2013-help", ("2013",)),
    "S34": _source("Set-UMService",
                   "https://learn.microsoft.com/powershell/module/exchangepowershell/set-umservice", ("2013", "2016")),
    "S35": _source("Set-UMCallRouterSettings",
                   "https://learn.microsoft.com/powershell/module/exchangepowershell/set-umcallroutersettings",
                   ("2013", "2016")),
    "S36": _source("Set-UMServer (Exchange 2010)",
                   "https://learn.microsoft.com/powershell/module/exchangepowershell/set-umserver", ("2010",)),
    "S37": _source("Configure Internet mail flow through Edge Transport servers without using EdgeSync",
                   "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/configure-without-"
                   "edgesync", ("2016", "2019")),
    "S38": _source("Edge Transport servers with hybrid deployments",
                   "https://learn.microsoft.com/en-us/exchange/edge-transport-servers", ("2010", "2013", "2016", "2019")),
    # "...all Exchange 2010 servers in the forest need to be running Exchange 2010 Service Pack 3 (SP3) and
    # Update Rollup 11 (RU11) or later. This requirement includes Exchange 2010 Edge Transport servers."
    "S39": _source("Exchange 2010 SP3 RU11 or later is required for coexistence with Exchange 2016",
                   "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-"
                   "e16e14coexistenceminversionrequirement", ("2010", "2016")),
    # "If you want to create an EdgeSync Subscription between an Exchange 2010 Hub Transport server and an
    # Exchange 2013 SP1 Edge Transport server, you need to install Exchange 2010 SP3 Update Rollup 5 or later..."
    "S40": _source("Exchange 2013 system requirements",
                   "https://learn.microsoft.com/en-us/exchange/exchange-2013-system-requirements-exchange-2013-help",
                   ("2010", "2013")),
    "S41": _source("Set-SenderReputationConfig",
                   "https://learn.microsoft.com/powershell/module/exchangepowershell/set-senderreputationconfig",
                   ("2010", "2013", "2016", "2019")),
    # Table "The ports that need to be load balanced": 25 (Inbound SMTP), 587, 110, 143, 443, 993, 995.
    "S42": _source("Load balancing in Exchange Server",
                   "https://learn.microsoft.com/en-us/exchange/architecture/client-access/load-balancing",
                   ("2016", "2019")),
    # "By default, the Mailbox server will start up in TCP mode".
    "S43": _source("Configure the startup mode on a Mailbox server: Exchange 2013 Help",
                   "https://learn.microsoft.com/en-us/exchange/configure-the-startup-mode-on-a-mailbox-server-exchange-"
                   "2013-help", ("2013",)),
    "RPS": _source("Connect to Exchange servers using remote PowerShell",
                   "https://learn.microsoft.com/en-us/powershell/exchange/connect-to-exchange-servers-using-remote-"
                   "powershell", ("2013", "2016", "2019")),
    "RFC4253": _source("RFC 4253: The Secure Shell (SSH) Transport Layer Protocol, section 4.1 (port 22)",
                       "https://www.rfc-editor.org/rfc/rfc4253#section-4.1", ANY_VERSION),
    "RFC5321": _source("RFC 5321: Simple Mail Transfer Protocol, section 4.5.4.2 (port 25)",
                       "https://www.rfc-editor.org/rfc/rfc5321", ANY_VERSION),
}

# Roles a host can have. ``platform`` decides the backend and the management-access rule;
# ``exchange`` marks Exchange server roles; ``internal`` marks the roles Microsoft's support rule
# covers (Exchange servers except Edge, domain controllers, Skype for Business servers); ``managed``
# hosts get a rule set.
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
    # S2/S3: "...between internal Exchange servers and internal Lync or Skype for Business servers".
    # Part of the organisation's address set when the organisation runs Exchange 2013 or later
    # (the Exchange 2010 statement, S1-CA, names Exchange servers and Active Directory only).
    "skype_for_business": {"platform": "windows", "exchange": False, "internal": True,
                           "managed": False, "versions": (), "group": "skype_for_business_servers"},
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
    "skype_for_business": "Lync/Skype for Business servers",
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
    "exchange_online": "Exchange Online endpoints (hybrid), from Microsoft's published list, including the "
                       "Microsoft Federation Gateway and authorization server endpoints.",
    "management": "Management workstations and jump hosts (RDP, WinRM, SSH, Exchange admin).",
    "um_gateways": "VoIP gateways, IP PBXs and SBCs that talk to Unified Messaging.",
    "smtp_clients": "Applications and devices that submit mail to the SMTP relay.",
    "dns_servers": "Internal DNS servers the Exchange servers (and the Edge's internal NIC) resolve names with.",
    "public_dns_servers": "Public DNS servers the Edge's external NIC resolves MX records with.",
    "im_servers": "OCS/Lync servers integrated with Exchange 2010 OWA (unverified flows).",
}
DEFAULT_NETWORKS = {"internet": ["0.0.0.0/0", "::/0"]}
DEFAULT_INTERNET_FACING = ("internet", "exchange_online", "public_dns_servers")

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
                          "doc": "Exchange 2010 Outlook MAPI/RPC to the Client Access server (and to the Mailbox "
                                 "servers that hold public folder databases)."},
    "owa_im_integration": {"default": False, "versions": ("2010",), "unverified_only": True,
                           "doc": "Exchange 2010 CAS host rules on 5075-5077 (purpose unverified)."},
    "smart_host": {"default": False, "doc": "Exchange sends outbound mail through the SMTP relay."},
    "external_access": {"default": False,
                        "doc": "Publish HTTPS (and HTTP) to the Internet through load balancers or reverse proxies."},
    "publish_to_internet": {"default": False,
                            "doc": "This server is published to the Internet directly (no load balancer or reverse "
                                   "proxy): HTTPS 443 (and 80 with 'http') from the Internet."},
    "outbound_frontend_proxy": {"default": False,
                                "doc": "Exchange 2013: the Internet Send connector proxies through the Client Access "
                                       "server (-FrontEndProxyEnabled $true): CAS -> Internet 25."},
    "load_balanced_smtp": {"default": False,
                           "doc": "The load balancers also balance SMTP (25) to the Mailbox/Client Access servers."},
}

# Organisation settings that replace a flow's ports (see ports_for).
PORT_SETTINGS = {
    "dag_replication_port": ["64327"],
    # S18: with the Exchange 2010 CAS role installed (Windows Server 2008/2008 R2) "the dynamic RPC port
    # range is changed to 6005-59530 and the highest usable port number is set to 60554".
    "rpc_client_access": ["6005-59530"],
    # The Windows default (S16); S18 describes the range change for the Client Access role only.
    "rpc_public_folders": ["49152-65535"],
    "um_startup_mode": ["5065-5068"],
}
# S19 (ExBPA): a static RPC Client Access "TCP/IP Port" or Address Book "RpcTcpPort" outside this range
# gets a recommendation; below 1024 or above 65535 it is an error.
RPC_STATIC_RECOMMENDED = (59531, 60554)
RPC_STATIC_LIMITS = (1024, 65535)
UM_STARTUP_MODES = ("tcp", "tls", "dual")
# SIP ports of the UM worker process by UMStartupMode.
UM_WORKER_PORTS = {
    # S4 (2013/2016): "5065 and 5067 for TCP (unsecured). 5065 and 5067 for mutual TLS (secured). If you
    # have set it to Dual mode 5066 and 5068 are also used." S33 (2013): "5065 and 5067 for TCP (unsecured).
    # 5066 and 5068 for mutual TLS (secured). This is the case when UMStartupMode is set to Dual. If
    # UMStartUpMode is set to TCP or TLS, ports 5065 and 5066 are used." The two pages disagree on TCP/TLS
    # mode; the catalog opens the union of both (5065-5067). Default mode TCP (S33, S34, S43).
    "modern": {"tcp": ["5065-5067"], "tls": ["5065-5067"], "dual": ["5065-5068"], None: ["5065-5067"]},
    # S21 (2010): "5065 e 5067 para TCP (sem segurança). 5066 e 5068 para TLS mútuo (seguro)". Dual listens
    # on both (S36). S36 states no default mode for Exchange 2010, so an unset mode opens all four.
    "2010": {"tcp": ["5065", "5067"], "tls": ["5066", "5068"], "dual": ["5065-5068"], None: ["5065-5068"]},
}

WINDOWS_ROLES = tuple(r for r, v in ROLES.items() if v["platform"] == "windows" and v["managed"])
LINUX_ROLES = tuple(r for r, v in ROLES.items() if v["platform"] == "linux")
EXCHANGE_INTERNAL = ("mailbox", "client_access", "hub_transport", "unified_messaging", "domain_controller",
                     "skype_for_business")
CLIENT_FRONTS = ("clients", "load_balancer", "reverse_proxy")
HOST_FLAGS = ("public_folders", "hybrid_transport")


def _flow(fid, versions, src, dst, protocol, ports, purpose, cite, feature=None, scope=None,
          internal=False, verified=True, port_setting=None, note=None, unverified_reason=None,
          unverified_warning=None, requires=(), host_flag=None, src_versions=None, dst_versions=None):
    if src_versions is not None or dst_versions is not None:
        versions = tuple(v for v in VERSIONS if v in set(src_versions or versions) | set(dst_versions or versions))
    return {
        "id": fid,
        "versions": list(versions),
        "src_versions": list(src_versions) if src_versions is not None else None,
        "dst_versions": list(dst_versions) if dst_versions is not None else None,
        "src": list(src) if isinstance(src, (list, tuple)) else [src],
        "dst": list(dst) if isinstance(dst, (list, tuple)) else [dst],
        "protocol": protocol,
        "ports": normalise(ports),
        "feature": feature,
        "requires": list(requires),
        "host_flag": host_flag,
        "scope": scope,
        "internal": internal,
        "verified": verified,
        "unverified_reason": unverified_reason,
        "unverified_warning": unverified_warning,
        "port_setting": port_setting,
        "purpose": purpose,
        "cite": list(cite),
        "note": note,
    }


_NO_2010_CAS_PAGE = ("No Exchange 2010 Microsoft page retrieved states this port for the Client Access server "
                     "(the Client Access tables of the 2010 Network Port Reference could not be read; the hybrid "
                     "page covers only Exchange Online's EWS/Autodiscover connections)")
_NO_2010_HUB_INTERNET = ("The Exchange 2010 Network Port Reference has no Internet <-> Hub Transport row (only Hub, "
                         "Edge, Mailbox and UM data paths); the only Microsoft text found is the Exchange 2007 page "
                         "'How to Configure Internet Mail Flow Directly Through a Hub Transport Server'")
_NO_LEGACY_LB = ("No Exchange 2010/2013 Microsoft page lists the ports a load balancer passes on (the 2013 "
                 "'Load balancing' page gives none); the 2016/2019 page does (S42)")

FLOWS = [
    # ---- Microsoft's support rule (G1/G2) -------------------------------------------------
    # S2/S3: "...between internal Exchange servers, between internal Exchange servers and internal Lync or
    # Skype for Business servers, or between internal Exchange servers and internal Active Directory domain
    # controllers..." S1-CA (2010): "Installing a firewall between Exchange servers or between an Exchange
    # Server 2010 Mailbox server or Exchange Server 2010 Client Access server and Active Directory isn't
    # supported" (no Lync wording: Skype for Business servers join the set only with Exchange 2013+).
    _flow("org-support-rule", ALL, EXCHANGE_INTERNAL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "any", [], "All traffic between Exchange servers, and between Exchange servers and domain "
          "controllers (and Lync/Skype for Business servers from Exchange 2013 on), must not be filtered "
          "(any port, including dynamic RPC, any protocol).",
          ("S1-CA", "S2", "S3", "S20"), internal=True),

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
    # S2: "the table doesn't have a source column because the source could be any location that's external to
    # the Exchange organization (for example, the internet or an accounts forest)".
    _flow("mbx-https-internet", MODERN, "internet", "mailbox", "tcp", [443],
          "HTTPS from the Internet to a Mailbox server published directly (no load balancer or reverse proxy).",
          ("S2",), feature="publish_to_internet"),
    _flow("mbx-http-internet", MODERN, "internet", "mailbox", "tcp", [80],
          "HTTP (OWA redirect, Autodiscover fallback) from the Internet to a Mailbox server published directly.",
          ("S2",), feature="publish_to_internet", requires=("http",)),
    # Row 6: anonymous Internet mail to 'Default Frontend <Server>' when there is no Edge.
    _flow("mbx-smtp-internet", MODERN, "internet", "mailbox", "tcp", [25],
          "Inbound Internet mail to receive connector 'Default Frontend <Server>' (no Edge).", ("S2", "S9"),
          feature="direct_internet_mail"),
    _flow("mbx-smtp-internet-out", MODERN, "mailbox", "internet", "tcp", [25],
          "Outbound Internet mail through a Send connector (no Edge; also with -FrontEndProxyEnabled, whose "
          "proxy is the Mailbox server's own Front End Transport service).", ("S2",), feature="direct_internet_mail"),
    _flow("mbx-smtp-from-relay", MODERN, "smtp_relay", "mailbox", "tcp", [25],
          "SMTP from the relay to receive connector 'Default Frontend <Server>'.", ("S2", "S9"),
          note="S2 gives the source of 25 as 'Internet (any)'; the relay is such a sender."),
    _flow("mbx-smtp-from-lb", MODERN, "load_balancer", "mailbox", "tcp", [25],
          "SMTP balanced by the load balancer to receive connector 'Default Frontend <Server>'.", ("S9", "S42"),
          feature="load_balanced_smtp"),
    # Row 9 (S2) and row 43 (S3): "Internet-facing Exchange server (Client Access server or Mailbox server)".
    _flow("mbx-dns", FROM_2013, "mailbox", "dns_servers", "udp", [53],
          "DNS lookups for next-hop resolution.", ("S2", "S3")),
    _flow("mbx-dns-tcp", FROM_2013, "mailbox", "dns_servers", "tcp", [53],
          "DNS lookups for next-hop resolution (TCP).", ("S2", "S3")),
    _flow("cas2013-dns", ("2013",), "client_access", "dns_servers", "udp", [53],
          "DNS lookups for next-hop resolution from the Internet-facing Client Access server.", ("S3",)),
    _flow("cas2013-dns-tcp", ("2013",), "client_access", "dns_servers", "tcp", [53],
          "DNS lookups for next-hop resolution from the Internet-facing Client Access server (TCP).", ("S3",)),

    # ---- Edge Transport, 2013 and later (rows 10-17, 44-52) ------------------------------
    _flow("edge-smtp-internet", FROM_2013, "internet", "edge_transport", "tcp", [25],
          "Inbound Internet mail to 'Default internal Receive connector <Edge>'.", ("S2", "S3", "S9")),
    _flow("edge-smtp-from-mailbox", FROM_2013, "mailbox", "edge_transport", "tcp", [25],
          "Outbound mail from the Mailbox servers of the subscribed AD site (intra-org Send connector).",
          ("S2", "S3"), scope="edge_subscription"),
    _flow("edge-edgesync", FROM_2013, "mailbox", "edge_transport", "tcp", [50636],
          "EdgeSync: Mailbox servers of the subscribed site write to AD LDS on the Edge over secure LDAP.",
          ("S2", "S3", "S5", "S6", "S7", "S8"), scope="edge_subscription"),
    _flow("edge-smtp-to-mailbox", FROM_2013, "edge_transport", "mailbox", "tcp", [25],
          "Inbound mail from the Edge to the Mailbox servers of the subscribed site "
          "(Send connector 'EdgeSync - Inbound to <site>').", ("S2", "S3"), scope="edge_subscription"),
    _flow("edge-smtp-out-internet", FROM_2013, "edge_transport", "internet", "tcp", [25],
          "Outbound Internet mail (Send connector 'EdgeSync - <site> to Internet').", ("S2", "S3")),
    # S7 (2013) / S37 (2016/2019): the external NIC uses a public DNS server (MX lookups); the internal NIC
    # a DNS server that resolves the Mailbox servers "or should have a Hosts file available" (then exclude
    # edge-dns and edge-dns-tcp).
    _flow("edge-dns", FROM_2013, "edge_transport", "dns_servers", "udp", [53],
          "DNS on the internal side: the Edge and the Mailbox servers must resolve each other (or use a Hosts "
          "file on the Edge instead).", ("S2", "S3", "S5", "S7", "S37")),
    _flow("edge-dns-tcp", FROM_2013, "edge_transport", "dns_servers", "tcp", [53],
          "DNS over TCP on the internal side (or a Hosts file on the Edge instead).", ("S2", "S3", "S5", "S7", "S37")),
    _flow("edge-dns-public", FROM_2013, "edge_transport", "public_dns_servers", "udp", [53],
          "DNS on the external side: public DNS servers resolve SMTP domains to MX records.", ("S2", "S3", "S7", "S37")),
    _flow("edge-dns-public-tcp", FROM_2013, "edge_transport", "public_dns_servers", "tcp", [53],
          "DNS over TCP on the external side (public DNS servers, MX records).", ("S2", "S3", "S7", "S37")),
    # S41: OpenProxyDetectionEnabled "The default setting is $true" (2010-2019); ports from S2 only.
    _flow("edge-open-proxy-detection", MODERN, "edge_transport", "internet", "tcp",
          [23, 80, 1080, 1081, 3128, 6588],
          "Sender reputation open-proxy detection (SOCKS4/5, Wingate/Telnet, HTTP CONNECT/POST).", ("S2", "S41"),
          feature="open_proxy_detection"),
    _flow("edge2013-open-proxy-detection", ("2013",), "edge_transport", "internet", "tcp",
          [23, 80, 1080, 1081, 3128, 6588],
          "Sender reputation open-proxy detection on the Exchange 2013 Edge (port list of the 2016/2019 page).",
          ("S3", "S41"), feature="open_proxy_detection", verified=False,
          unverified_reason="The Exchange 2013 port page lists only a 'user defined' proxy server port for sender "
                            "reputation; the SOCKS/Wingate/HTTP port list is on the 2016/2019 page (S2) only"),
    # S7 (2013 only): "Inbound from the internal network | 3389/TCP | RDP | Opening this port is optional."
    # Other versions: mgmt-windows opens 3389 from the management networks on every Windows host.
    _flow("edge-rdp-management", ("2013",), "management", "edge_transport", "tcp", [3389],
          "Remote Desktop to the Edge from the internal network (optional management).", ("S7",)),

    # ---- Exchange 2010 Edge, and Edges next to transport servers of another version (row 59-66)
    _flow("edge2010-smtp-internet", ("2010",), "internet", "edge_transport", "tcp", [25],
          "Inbound Internet mail to the Exchange 2010 Edge.", ("S1", "S10"), verified=False,
          unverified_reason="The Exchange 2010 Network Port Reference's Edge rows are Hub <-> Edge and 'Edge Transport "
                            "server to Edge Transport server' (not the Internet); the hybrid page covers only Exchange "
                            "Online -> Edge"),
    _flow("edge2010-smtp-out-internet", ("2010",), "edge_transport", "internet", "tcp", [25],
          "Outbound Internet mail from the Exchange 2010 Edge.", ("S1",), verified=False,
          unverified_reason="No Exchange 2010 Microsoft text found for Edge -> Internet 25 (the Network Port "
                            "Reference rows read are Hub/Edge data paths)"),
    _flow("edge2010-dns", ("2010",), "edge_transport", ("dns_servers", "public_dns_servers"), "udp", [53],
          "DNS from the Exchange 2010 Edge (public DNS outside, internal DNS or a Hosts file inside).", ("S7",),
          verified=False, unverified_reason="No Exchange 2010 Edge DNS text found; inferred from the 2013 Edge "
                                            "planning page"),
    _flow("edge2010-dns-tcp", ("2010",), "edge_transport", ("dns_servers", "public_dns_servers"), "tcp", [53],
          "DNS over TCP from the Exchange 2010 Edge.", ("S7",), verified=False,
          unverified_reason="No Exchange 2010 Edge DNS text found; inferred from the 2013 Edge planning page"),
    _flow("edge2010-smtp-from-hub", ("2010",), "hub_transport", "edge_transport", "tcp", [25],
          "Hub Transport to Edge Transport SMTP (direct trust, TLS).", ("S1",), scope="edge_subscription"),
    _flow("edge2010-edgesync", ("2010",), "hub_transport", "edge_transport", "tcp", [50636],
          "EdgeSync from the Hub Transport server to AD LDS on the Edge (LDAPS).", ("S1", "S28"),
          scope="edge_subscription"),
    _flow("edge2010-smtp-to-hub", ("2010",), "edge_transport", "hub_transport", "tcp", [25],
          "Edge Transport to Hub Transport SMTP (direct trust, TLS).", ("S1",), scope="edge_subscription"),
    # S2: "Mail always flows from the Transport service on a Mailbox server in the subscribed Active Directory
    # site to the Edge Transport server (regardless of the version of Exchange on the Edge Transport server)";
    # S3 the same for 2013. S39: 2010 Edge servers need SP3 RU11 and a re-created Edge Subscription.
    _flow("edge2010-smtp-from-mailbox", ("2013", "2016"), "mailbox", "edge_transport", "tcp", [25],
          "Outbound mail from the Exchange 2013/2016 Mailbox servers of the subscribed site to the Exchange 2010 "
          "Edge.", ("S2", "S3", "S39"), scope="edge_subscription", src_versions=("2013", "2016"),
          dst_versions=("2010",)),
    _flow("edge2010-edgesync-from-mailbox", ("2013", "2016"), "mailbox", "edge_transport", "tcp", [50636],
          "EdgeSync from the Exchange 2013/2016 Mailbox servers of the subscribed site to AD LDS on the Exchange "
          "2010 Edge (50636 on the 2010 Edge per S1).", ("S1", "S2", "S3", "S5", "S39"),
          scope="edge_subscription", src_versions=("2013", "2016"), dst_versions=("2010",)),
    # S2: "In Exchange 2016, mail from an Exchange 2010 Edge Transport server always delivers mail directly
    # to the Transport service on an Exchange 2016 Mailbox server." No port is given.
    _flow("edge2010-smtp-to-mbx2016", ("2010", "2016"), "edge_transport", "mailbox", "tcp", [2525],
          "Inbound mail from the Exchange 2010 Edge straight to the Transport service of the Exchange 2016 "
          "Mailbox servers of the subscribed site.", ("S2", "S9", "S39"), scope="edge_subscription",
          src_versions=("2010",), dst_versions=("2016",), verified=False,
          unverified_reason="S2 says a 2010 Edge delivers 'directly to the Transport service' and gives no port; "
                            "2525 is inferred from S9's 'Default <ServerName>' connector, which accepts Edge "
                            "Transport servers",
          unverified_warning="inbound mail from the Exchange 2010 Edge cannot reach the Exchange 2016 Mailbox "
                             "servers"),
    # S3: "Exchange 2007 or Exchange 2010 Edge Transport servers always deliver mail directly to the Transport
    # service"; on a stand-alone Mailbox server "Default <Mailbox server name>" listens on port 25.
    _flow("edge2010-smtp-to-mbx2013", ("2010", "2013"), "edge_transport", "mailbox", "tcp", [25, 2525],
          "Inbound mail from the Exchange 2010 Edge straight to the Transport service of the Exchange 2013 "
          "Mailbox servers of the subscribed site.", ("S3", "S9"), scope="edge_subscription",
          src_versions=("2010",), dst_versions=("2013",), verified=False,
          unverified_reason="S3 gives 25 for a stand-alone 2013 Mailbox server only; where the Client Access role "
                            "shares the server, the Transport service's port is not given (2525 inferred from the "
                            "2016 Receive connectors page)",
          unverified_warning="inbound mail from the Exchange 2010 Edge cannot reach the Exchange 2013 Mailbox "
                             "servers"),
    # S40: a 2013 SP1 Edge can be subscribed to Exchange 2010 (SP3 RU5+) Hub Transport servers; S7: rollups
    # needed "If you are adding Edge Transport to an existing Exchange 2010 or Exchange 2007 organization".
    _flow("edge2013-smtp-from-hub2010", ("2010", "2013"), "hub_transport", "edge_transport", "tcp", [25],
          "Outbound mail from the Exchange 2010 Hub Transport servers of the subscribed site to the Exchange "
          "2013 Edge.", ("S1", "S3", "S40"), scope="edge_subscription", src_versions=("2010",),
          dst_versions=("2013",)),
    _flow("edge2013-edgesync-from-hub2010", ("2010", "2013"), "hub_transport", "edge_transport", "tcp", [50636],
          "EdgeSync from the Exchange 2010 Hub Transport servers to AD LDS on the Exchange 2013 Edge.",
          ("S1", "S3", "S40"), scope="edge_subscription", src_versions=("2010",), dst_versions=("2013",)),
    _flow("edge2013-smtp-to-hub2010", ("2010", "2013"), "edge_transport", "hub_transport", "tcp", [25],
          "Inbound mail from the Exchange 2013 Edge to the Exchange 2010 Hub Transport servers of the subscribed "
          "site.", ("S1", "S40"), scope="edge_subscription", src_versions=("2013",), dst_versions=("2010",)),

    # ---- Hybrid (rows 18-21, S10): the on-premises endpoint depends on the version ---------
    # SMTP: "On-premises Exchange Servers configured to host receive connectors [send connectors] for secure
    # mail transport with Exchange Online in the Hybrid Configuration wizard" (host flag hybrid_transport).
    _flow("hybrid-smtp-in", MODERN, "exchange_online", ("mailbox", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online (certificate-based TLS) to the servers hosting the hybrid Receive "
          "connector.", ("S10", "S38"), feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid-smtp-out", MODERN, ("mailbox", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online from the servers hosting the hybrid Send connector.", ("S10", "S38"),
          feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid-https-in", MODERN, "exchange_online", "mailbox", "tcp", [443],
          "Hybrid Autodiscover, EWS (free/busy, MailTips, message tracking), MRSProxy moves, OAuth.",
          ("S10",), feature="hybrid"),
    _flow("hybrid-https-out", MODERN, "mailbox", "exchange_online", "tcp", [443],
          "Hybrid Autodiscover, EWS and OAuth to Exchange Online (and the Federation Gateway / authorization "
          "server endpoints).", ("S10",), feature="hybrid"),
    _flow("hybrid2013-smtp-in", ("2013",), "exchange_online", ("client_access", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online to the 2013 Client Access server or Edge hosting the hybrid Receive "
          "connector.", ("S10", "S38"), feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid2013-smtp-out", ("2013",), ("client_access", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online from the 2013 Client Access server or Edge hosting the hybrid Send "
          "connector.", ("S10", "S38"), feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid2010-smtp-in", ("2010",), "exchange_online", ("hub_transport", "edge_transport"), "tcp", [25],
          "Hybrid mail from Exchange Online to the 2010 Hub Transport server or Edge hosting the hybrid Receive "
          "connector.", ("S10", "S38"), feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid2010-smtp-out", ("2010",), ("hub_transport", "edge_transport"), "exchange_online", "tcp", [25],
          "Hybrid mail to Exchange Online from the 2010 Hub Transport server or Edge hosting the hybrid Send "
          "connector.", ("S10", "S38"), feature="hybrid", host_flag="hybrid_transport"),
    _flow("hybrid-legacy-https-in", LEGACY, "exchange_online", "client_access", "tcp", [443],
          "Hybrid Autodiscover, EWS, MRSProxy and OAuth to the 2010/2013 Client Access server.", ("S10",),
          feature="hybrid"),
    _flow("hybrid-legacy-https-out", LEGACY, "client_access", "exchange_online", "tcp", [443],
          "Hybrid Autodiscover, EWS and OAuth from the 2010/2013 Client Access server.", ("S10",),
          feature="hybrid"),
    # S10: "From on-premises Exchange to Office 365, the 2010 MBX & CAS or 2013 MBX (backend), 2016 or 2019
    # would need outbound Internet access to O365 EWS endpoints as well as the Microsoft Federation Gateway
    # or Authorization server (if using OAuth)".
    _flow("hybrid-legacy-mbx-https-out", LEGACY, "mailbox", "exchange_online", "tcp", [443],
          "Hybrid: the 2010 and 2013 Mailbox servers reach Exchange Online EWS, the Microsoft Federation Gateway "
          "and the authorization server.", ("S10",), feature="hybrid"),

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
    # S27 (2013): "The OwaSelfTestProbe probe sends a single HTTP request to the following address:
    # https://localhost:444/owa/exhealth.check" -- a local probe, not a server-to-server statement.
    _flow("mbx-backend-https", FROM_2013, ("mailbox", "client_access"), "mailbox", "tcp", [444],
          "Front end to 'Exchange Back End' web site (health probes address :444).", ("S27",), internal=True,
          verified=False,
          unverified_reason="444 between servers is inferred from an Exchange 2013 health probe that addresses "
                            "https://localhost:444 (S27); no 2016/2019 page found"),
    _flow("exchange-to-dc", ALL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "domain_controller", "tcp", [53, 88, 135, 389, 445, 464, 636, 3268, 3269, 9389, "49152-65535"],
          "Active Directory: LDAP, GC, Kerberos, DNS, RPC endpoint mapper and dynamic RPC, SMB.", ("S15",),
          internal=True),
    _flow("exchange-to-dc-udp", ALL, ("mailbox", "client_access", "hub_transport", "unified_messaging"),
          "domain_controller", "udp", [53, 88, 389, 464],
          "Active Directory over UDP: DNS, Kerberos, LDAP ping, Kerberos password change.", ("S15",),
          internal=True),
    # Rows 63/64 (S1): "Mailbox server to Hub Transport server via the Microsoft Exchange Mail Submission
    # Service | 135/TCP (RPC)" and "Hub Transport to Mailbox server via MAPI | 135/TCP (RPC)".
    _flow("mbx2010-to-hub-rpc", ("2010",), "mailbox", "hub_transport", "tcp", [135],
          "Mail Submission service: Mailbox to Hub Transport over RPC (135 and the dynamic RPC range).", ("S1",),
          internal=True),
    _flow("hub2010-to-mbx-rpc", ("2010",), "hub_transport", "mailbox", "tcp", [135],
          "MAPI delivery: Hub Transport to Mailbox over RPC (135 and the dynamic RPC range).", ("S1",),
          internal=True),

    # ---- DAG witness (rows 27, 54, 89) ----------------------------------------------------
    # S11 / S11-2013: "The witness server uses SMB port 445"; WMI must be reachable or New-DAG fails.
    _flow("witness-smb", FROM_2013, "mailbox", "dag_witness", "tcp", [445],
          "File share witness over SMB (enable the File and Printer Sharing exception).", ("S11", "S11-2013"),
          scope="witness"),
    _flow("witness-wmi", FROM_2013, "mailbox", "dag_witness", "tcp", [135, "49152-65535"],
          "WMI on the witness must be reachable to create the DAG and add or remove members "
          "(RPC endpoint mapper and the Windows dynamic RPC range).", ("S11", "S11-2013", "S15", "S16"),
          scope="witness"),
    # Decision: S11's "If the witness server you specify isn't an Exchange 2010 or later server, you must add
    # the Exchange Trusted Subsystem universal security group (USG) to the local Administrators group on the
    # witness server" is about the software the *witness* runs (which group to add), not about the version of
    # the DAG; the page applies to 2016/2019 DAGs. No Exchange 2010 DAG page was found, so the 2010 witness
    # flows stay unverified and the plan warns on the witness of a 2010 DAG.
    _flow("witness-smb-2010", ("2010",), "mailbox", "dag_witness", "tcp", [445],
          "File share witness over SMB for an Exchange 2010 DAG.", ("S11",), scope="witness", verified=False,
          unverified_reason="No Exchange 2010 DAG page retrieved; S11's 'Exchange 2010 or later server' refers to "
                            "the witness server's software, not to the DAG version",
          unverified_warning="the members of an Exchange 2010 DAG cannot reach this witness (SMB 445)"),
    _flow("witness-wmi-2010", ("2010",), "mailbox", "dag_witness", "tcp", [135, "49152-65535"],
          "WMI on the witness of an Exchange 2010 DAG (RPC endpoint mapper and the dynamic RPC range).",
          ("S11", "S15", "S16"), scope="witness", verified=False,
          unverified_reason="No Exchange 2010 DAG page retrieved; the WMI dependency is stated for 2013-2019 DAGs",
          unverified_warning="the members of an Exchange 2010 DAG cannot create the witness share here (WMI)"),

    # ---- Unified Messaging (2016 on Mailbox, 2013 split across CAS and Mailbox; rows 31-34, 55-57)
    _flow("um-sip-callrouter", ("2016",), "um_gateways", "mailbox", "tcp", [5060, 5061],
          "SIP to the UM Call Router (5060 unsecured, 5061 secured; TCP only). UM was removed in 2019.",
          ("S4", "S25", "S35"), feature="unified_messaging"),
    _flow("um-sip-worker", ("2013", "2016"), "um_gateways", "mailbox", "tcp", ["5065-5067"],
          "SIP to the UM worker process: 5065-5068 in Dual mode; 5065-5067 in TCP or TLS mode (the default is "
          "TCP).", ("S4", "S33", "S34", "S43"), feature="unified_messaging", port_setting="um_startup_mode",
          note="S4 and S33 disagree on TCP/TLS mode (5065+5067 vs 5065+5066); the union is opened."),
    _flow("um-rtp", ("2013", "2016"), "um_gateways", "mailbox", "udp", ["1024-65535"],
          "RTP/SRTP media between gateways and the UM worker process.", ("S4", "S33"), feature="unified_messaging"),
    _flow("um-sip-callrouter-2013", ("2013",), "um_gateways", "client_access", "tcp", [5060, 5061],
          "SIP to the UM Call Router on the Client Access server.", ("S4", "S33", "S35"), feature="unified_messaging"),

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
    _flow("cas2013-https-internet", ("2013",), "internet", "client_access", "tcp", [443],
          "HTTPS from the Internet to a Client Access server published directly.", ("S3",),
          feature="publish_to_internet"),
    _flow("cas2013-http-internet", ("2013",), "internet", "client_access", "tcp", [80],
          "HTTP from the Internet to a Client Access server published directly.", ("S3",),
          feature="publish_to_internet", requires=("http",)),
    _flow("cas2013-smtp-internet", ("2013",), "internet", "client_access", "tcp", [25],
          "Inbound Internet mail to 'Default Frontend <CAS>' (no Edge).", ("S3",), feature="direct_internet_mail"),
    _flow("cas2013-smtp-from-relay", ("2013",), "smtp_relay", "client_access", "tcp", [25],
          "SMTP from the relay to 'Default Frontend <CAS>'.", ("S3",),
          note="S3 gives the source of 25 as 'Internet (any)'; the relay is such a sender."),
    _flow("cas2013-smtp-from-lb", ("2013",), "load_balancer", "client_access", "tcp", [25],
          "SMTP balanced by the load balancer to 'Default Frontend <CAS>'.", ("S3",), feature="load_balanced_smtp",
          note="S3 gives the source of 25 as 'Internet (any)'; the load balancer passes such senders on."),
    # S3: "Outbound mail is routed through a Client Access server only when a Send connector is configured
    # with Proxy through Client Access server ... or -FrontEndProxyEnabled $true".
    _flow("cas2013-smtp-internet-out", ("2013",), "client_access", "internet", "tcp", [25],
          "Outbound Internet mail proxied through the Client Access server (-FrontEndProxyEnabled $true).",
          ("S3",), feature="outbound_frontend_proxy", requires=("direct_internet_mail",)),
    _flow("mbx2013-smtp-internet-out", ("2013",), "mailbox", "internet", "tcp", [25],
          "Outbound Internet mail (Send connector, no Edge).", ("S3",), feature="direct_internet_mail"),

    # ---- Exchange 2010 (rows 59-94) --------------------------------------------------------
    _flow("cas2010-https-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [443],
          "HTTPS to the Exchange 2010 Client Access server (Autodiscover, EWS, OWA, EAS, Outlook Anywhere).",
          ("S10",), verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("cas2010-http-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [80],
          "HTTP redirect on the Exchange 2010 CAS.", ("S2",), feature="http", verified=False,
          unverified_reason="Inferred from the 2016/2019 text; " + _NO_2010_CAS_PAGE),
    _flow("cas2010-https-internet", ("2010",), "internet", "client_access", "tcp", [443],
          "HTTPS from the Internet to an Exchange 2010 Client Access server published directly.", ("S10",),
          feature="publish_to_internet", verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("cas2010-http-internet", ("2010",), "internet", "client_access", "tcp", [80],
          "HTTP from the Internet to an Exchange 2010 Client Access server published directly.", ("S2",),
          feature="publish_to_internet", requires=("http",), verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("cas2010-pop3-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [110, 995],
          "POP3 on the Client Access server (Setup rules 'MSExchange - POP3').", ("S1-FW", "S24"), feature="pop3"),
    _flow("cas2010-imap4-clients", ("2010",), CLIENT_FRONTS, "client_access", "tcp", [143, 993],
          "IMAP4 on the Client Access server (Setup rules 'MSExchangeIMAP4').", ("S1-FW", "S24"), feature="imap4"),
    # S18: "By default, the RPC Client Access service on an Exchange 2010 Client Access server uses the TCP
    # End Point Mapper port (TCP/135) and the dynamic RPC port range (6005-59530)". S32: the Address Book
    # service runs on the Client Access server too (its static port: MSExchangeAB "RpcTcpPort", S19).
    _flow("cas2010-rpc-epmap", ("2010",), "clients", "client_access", "tcp", [135],
          "Outlook MAPI/RPC: RPC endpoint mapper on the RPC Client Access service.", ("S18", "S30", "S15"),
          feature="rpc_client_access"),
    _flow("cas2010-rpc-dynamic", ("2010",), "clients", "client_access", "tcp", ["6005-59530"],
          "Outlook MAPI/RPC: the RPC Client Access and Address Book services (the dynamic RPC range 6005-59530 "
          "the CAS role sets, or the static ports exchange_firewall_rpc_client_access_port and "
          "exchange_firewall_address_book_port).", ("S18", "S19", "S30", "S32", "S16"),
          feature="rpc_client_access", port_setting="rpc_client_access"),
    # S30: "...with the exception of public folder requests, which are still made directly to the Mailbox
    # server." S31: "Outlook clients now communicate directly with the RPC Client Access service on the
    # Mailbox Server for public folder database access".
    _flow("mbx2010-pf-rpc-epmap", ("2010",), "clients", "mailbox", "tcp", [135],
          "Outlook public folder access on the Exchange 2010 Mailbox servers that hold public folder databases: "
          "RPC endpoint mapper.", ("S30", "S31"), feature="rpc_client_access", host_flag="public_folders"),
    _flow("mbx2010-pf-rpc-dynamic", ("2010",), "clients", "mailbox", "tcp", ["49152-65535"],
          "Outlook public folder access: the RPC Client Access service on the Mailbox server (dynamic RPC range, "
          "or the static exchange_firewall_rpc_client_access_port).", ("S30", "S31", "S16", "S18"),
          feature="rpc_client_access", host_flag="public_folders", port_setting="rpc_public_folders",
          verified=False,
          unverified_reason="S30/S31 state the connection, not its ports; S18 describes the RPC range and static "
                            "ports for the Client Access role (its public-folder section could not be read), so "
                            "the Windows default range (S16) is an inference",
          unverified_warning="Outlook cannot open the public folders on this server (only the RPC endpoint mapper "
                             "is open)"),
    _flow("cas2010-owa-5075-5077", ("2010",), "im_servers", "client_access", "tcp", ["5075-5077"],
          "Exchange 2010 Setup host rule 'MSExchange - OWA (GFW) (TCP-In)'; purpose (OCS/Lync IM "
          "integration) unverified. Never needed by browsers.", ("S1-FW",), feature="owa_im_integration",
          verified=False, unverified_reason="Only a Setup host rule names these ports (S1-FW); no Microsoft text "
                                            "states their purpose"),
    _flow("hub2010-smtp-internet", ("2010",), "internet", "hub_transport", "tcp", [25],
          "Inbound Internet mail to the Hub Transport server (no Edge).", ("S1",),
          feature="direct_internet_mail", verified=False, unverified_reason=_NO_2010_HUB_INTERNET),
    _flow("hub2010-smtp-internet-out", ("2010",), "hub_transport", "internet", "tcp", [25],
          "Outbound Internet mail from the Hub Transport server (no Edge).", ("S1",),
          feature="direct_internet_mail", verified=False, unverified_reason=_NO_2010_HUB_INTERNET),
    _flow("hub2010-smtp-from-relay", ("2010",), "smtp_relay", "hub_transport", "tcp", [25],
          "SMTP from the relay to the Hub Transport server.", ("S1",), verified=False,
          unverified_reason="The Exchange 2010 Network Port Reference rows read have no relay -> Hub Transport row"),
    _flow("hub2010-smtp-from-lb", ("2010",), "load_balancer", "hub_transport", "tcp", [25],
          "SMTP balanced by the load balancer to the Hub Transport server.", ("S1",), feature="load_balanced_smtp",
          verified=False, unverified_reason="No Exchange 2010 page lists SMTP through a load balancer"),
    _flow("hub2010-smtp-submission", ("2010",), "clients", "hub_transport", "tcp", [587],
          "SMTP client submission to the Hub Transport server.", ("S1",),
          feature="smtp_submission", verified=False,
          unverified_reason="The 'SMTP clients -> Hub Transport' row is truncated in every copy of S1 read"),
    _flow("um2010-sip", ("2010",), "um_gateways", "unified_messaging", "tcp", [5060, 5061],
          "SIP to the Unified Messaging service (SipTcpListeningPort/SipTlsListeningPort defaults).", ("S23", "S36"),
          feature="unified_messaging"),
    _flow("um2010-sip-worker", ("2010",), "um_gateways", "unified_messaging", "tcp", ["5065-5068"],
          "SIP to the UM worker process: 5065/5067 in TCP mode, 5066/5068 (mutual TLS) in TLS mode, all four in "
          "Dual mode or when the mode is not set.", ("S21", "S36"), feature="unified_messaging",
          port_setting="um_startup_mode"),
    _flow("um2010-rtp", ("2010",), "um_gateways", "unified_messaging", "udp", ["1024-65535"],
          "RTP media for Exchange 2010 UM.", ("S4",), feature="unified_messaging", verified=False,
          unverified_reason="No Exchange 2010 text found for the RTP range; the 2013/2016 page says UDP 1024-65535 "
                            "(S4), the Exchange 2007 page 16384-32767",
          unverified_warning="UM signalling (SIP) is open but RTP is not: calls would have no audio"),
    # Row 67 (S1, read from copies of the page): "Active Directory access from Hub Transport server ...
    # 53/TCP/UDP (DNS)".
    _flow("exchange-dns-2010", ("2010",), "hub_transport", "dns_servers", "udp", [53],
          "DNS lookups (Active Directory access from Hub Transport).", ("S1",)),
    _flow("exchange-dns-2010-tcp", ("2010",), "hub_transport", "dns_servers", "tcp", [53],
          "DNS lookups over TCP (Active Directory access from Hub Transport).", ("S1",)),
    _flow("exchange-dns-2010-roles", ("2010",), ("client_access", "mailbox", "unified_messaging"), "dns_servers",
          "udp", [53], "DNS lookups from the other Exchange 2010 roles.", ("S1",), verified=False,
          unverified_reason="S1's DNS row names the Hub Transport server only"),
    _flow("exchange-dns-2010-roles-tcp", ("2010",), ("client_access", "mailbox", "unified_messaging"),
          "dns_servers", "tcp", [53], "DNS lookups over TCP from the other Exchange 2010 roles.", ("S1",),
          verified=False, unverified_reason="S1's DNS row names the Hub Transport server only"),

    # ---- Management (never removed) -------------------------------------------------------
    _flow("mgmt-windows", ALL, "management", WINDOWS_ROLES, "tcp", [3389, 5985, 5986],
          "Management access: Remote Desktop and WinRM (HTTP/HTTPS). Always present.", ("S15", "S7")),
    _flow("mgmt-exchange-admin", FROM_2013, "management", ("mailbox", "client_access"), "tcp", [80, 443],
          "Exchange Management Shell (remote PowerShell at http://<server>/PowerShell) and the admin center.",
          ("RPS", "S2")),
    _flow("mgmt-exchange-admin-2010", ("2010",), "management", ("mailbox", "client_access"), "tcp", [80, 443],
          "Exchange 2010 Management Shell (remote PowerShell) and the Exchange Control Panel.", ("RPS",),
          verified=False, unverified_reason="The remote PowerShell page read covers Exchange 2013 and later; no "
                                            "Exchange 2010 page retrieved"),
    _flow("mgmt-linux", ALL, "management", LINUX_ROLES, "tcp", [22],
          "Management access: SSH. Always present.", ("RFC4253",)),

    # ---- Linux hosts around Exchange: relays, load balancers, reverse proxies --------------
    # A flow with no Exchange server at either end applies when the organisation runs one of its versions.
    _flow("relay-smtp-clients", ALL, "smtp_clients", "smtp_relay", "tcp", [25],
          "Applications and devices submit mail to the SMTP relay.", ("RFC5321", "S9")),
    _flow("relay-smtp-smart-host", ALL, ("mailbox", "hub_transport", "edge_transport"), "smtp_relay", "tcp", [25],
          "Exchange Send connectors use the relay as a smart host.", ("RFC5321", "S2", "S8"), feature="smart_host"),
    _flow("lb-https-clients", FROM_2013, "clients", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "Clients reach the Client Access services through the load balancer or reverse proxy.",
          ("S2", "S3", "S42")),
    _flow("lb-http-clients", FROM_2013, "clients", ("load_balancer", "reverse_proxy"), "tcp", [80],
          "HTTP redirect through the load balancer or reverse proxy.", ("S2", "S3"), feature="http"),
    _flow("lb-https-internet", FROM_2013, "internet", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "External clients (OWA, EAS, Outlook Anywhere, Autodiscover) through the published front end.",
          ("S2", "S3", "S42"), feature="external_access"),
    _flow("lb-smtp-submission", FROM_2013, "clients", "load_balancer", "tcp", [587],
          "Authenticated SMTP submission through the load balancer.", ("S2", "S3", "S9", "S42"),
          feature="smtp_submission"),
    _flow("lb-imap4", ALL, "clients", "load_balancer", "tcp", [143, 993],
          "IMAP4 through the load balancer.", ("S2", "S3", "S24", "S26", "S42"), feature="imap4"),
    _flow("lb-pop3", ALL, "clients", "load_balancer", "tcp", [110, 995],
          "POP3 through the load balancer.", ("S2", "S3", "S24", "S26", "S42"), feature="pop3"),
    # S42: "25 | Mailbox | Inbound SMTP" among "The ports that need to be load balanced".
    _flow("lb-smtp-clients", MODERN, "smtp_clients", "load_balancer", "tcp", [25],
          "SMTP from applications and devices through the load balancer.", ("S42",), feature="load_balanced_smtp"),
    _flow("lb-smtp-internet", MODERN, "internet", "load_balancer", "tcp", [25],
          "Inbound Internet mail through the load balancer (no Edge).", ("S2", "S42"), feature="load_balanced_smtp",
          requires=("direct_internet_mail",)),
    _flow("lb-legacy-smtp-clients", LEGACY, "smtp_clients", "load_balancer", "tcp", [25],
          "SMTP from applications and devices through the load balancer (Exchange 2010/2013).", ("S3",),
          feature="load_balanced_smtp", verified=False, unverified_reason=_NO_LEGACY_LB),
    _flow("lb-legacy-smtp-internet", LEGACY, "internet", "load_balancer", "tcp", [25],
          "Inbound Internet mail through the load balancer (Exchange 2010/2013, no Edge).", ("S3",),
          feature="load_balanced_smtp", requires=("direct_internet_mail",), verified=False,
          unverified_reason=_NO_LEGACY_LB),
    _flow("lb2010-https-clients", ("2010",), "clients", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "Clients reach the Exchange 2010 Client Access servers through the load balancer or reverse proxy.",
          ("S10",), verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("lb2010-http-clients", ("2010",), "clients", ("load_balancer", "reverse_proxy"), "tcp", [80],
          "HTTP redirect through the load balancer or reverse proxy (Exchange 2010).", ("S2",), feature="http",
          verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("lb2010-https-internet", ("2010",), "internet", ("load_balancer", "reverse_proxy"), "tcp", [443],
          "External clients through the published front end (Exchange 2010).", ("S10",),
          feature="external_access", verified=False, unverified_reason=_NO_2010_CAS_PAGE),
    _flow("lb2010-smtp-submission", ("2010",), "clients", "load_balancer", "tcp", [587],
          "Authenticated SMTP submission through the load balancer (Exchange 2010).", ("S1",),
          feature="smtp_submission", verified=False,
          unverified_reason="The 'SMTP clients -> Hub Transport' row is truncated in every copy of S1 read"),
]

# Flows the user may never exclude: they carry management access or the support rule.
PROTECTED_FLOWS = ("org-support-rule", "mgmt-windows", "mgmt-linux")


def citation(key: str) -> dict:
    source = CITATIONS[key]
    return {"id": key, "title": source["title"], "url": source["url"]}


def flows() -> list:
    """Return a deep copy of the catalog (callers may annotate it)."""
    out = []
    for flow in FLOWS:
        copy = dict(flow, versions=list(flow["versions"]), src=list(flow["src"]), dst=list(flow["dst"]),
                    ports=list(flow["ports"]), cite=list(flow["cite"]), requires=list(flow["requires"]))
        for side in ("src_versions", "dst_versions"):
            if flow[side] is not None:
                copy[side] = list(flow[side])
        out.append(copy)
    return out


# ---- reading a flow: shared by the engine, the network policies and the tests ------------------

def side_versions(flow: dict, side: str) -> list:
    """The Exchange versions of the hosts on ``side`` ('src' or 'dst') of ``flow``."""
    return flow.get(f"{side}_versions") or flow["versions"]


def toggles(flow: dict) -> list:
    """Every feature toggle the flow needs on (its ``feature`` and its ``requires``)."""
    return ([flow["feature"]] if flow.get("feature") else []) + list(flow.get("requires") or ())


def has_exchange_end(flow: dict) -> bool:
    return any(e in ROLES and ROLES[e]["exchange"] for e in flow["src"] + flow["dst"])


def versions_needed(flow: dict, remote_side: str):
    """The Exchange versions the organisation must run for ``flow`` to matter, seen from a host on the
    other side: the remote side's versions when that side is Exchange servers only, the flow's versions
    when no Exchange server takes part (load balancers, relays), else None (no condition)."""
    if not has_exchange_end(flow):
        return flow["versions"]
    if all(e in ROLES and ROLES[e]["exchange"] for e in flow[remote_side]):
        return side_versions(flow, remote_side)
    return None


def unverified_allowed(flow: dict, allow) -> bool:
    """Whether ``flow`` is on as far as verification goes (``allow``: True, False or a list of flow ids)."""
    if flow.get("verified", True) or allow is True:
        return True
    return isinstance(allow, (list, tuple, set, frozenset)) and flow["id"] in allow


def ports_for(flow: dict, settings: dict, replication_port=None) -> list:
    """The flow's ports once the organisation settings that replace them are applied.

    ``settings``: the topology's organisation settings; ``replication_port``: the DAG's -ReplicationPort.
    """
    setting = flow.get("port_setting")
    if setting == "dag_replication_port":
        return replication_port or flow["ports"]
    if setting in ("rpc_client_access", "rpc_public_folders"):
        if settings.get("rpc_dynamic_ports"):
            return settings["rpc_dynamic_ports"]
        static = [settings.get("rpc_client_access_port")]
        if setting == "rpc_client_access":
            static.append(settings.get("address_book_port"))
        static = [p for p in static if p]
        return normalise(static) if static else flow["ports"]
    if setting == "um_startup_mode":
        table = UM_WORKER_PORTS["2010" if "2010" in flow["versions"] else "modern"]
        return table[settings.get("um_startup_mode")]
    return flow["ports"]
