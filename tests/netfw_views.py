"""Small firewall views for the network-firewall tests, and the two sample views."""

from __future__ import annotations

import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "unit" / "fixtures"
VENDORS = ("ios", "eos", "asa", "junos", "fortios", "panos")


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"firewall_view_{name}.json").read_text())


def small(**changes) -> dict:
    """Two zones, clients -> one Exchange server on HTTPS; keyword arguments replace top-level keys."""
    view = {
        "name": "fw9", "prefix": "exfw", "provider": "ios", "network_os": "cisco.ios.ios",
        "default_action": "protect",
        "zones": {"clients": {"interfaces": ["Gi0/1"], "vrf": None, "addresses": ["10.20.0.0/16"]},
                  "servers": {"interfaces": ["Gi0/2"], "vrf": None, "addresses": ["10.1.0.0/16"]}},
        "address_objects": {"clients": {"addresses": ["10.20.0.0/16"], "description": "clients"},
                            "mailbox": {"addresses": ["10.1.10.11"], "description": "Mailbox servers"}},
        "services": {"tcp-443": {"protocol": "tcp", "ports": ["443"]}},
        "protected": ["10.1.10.11"],
        "policies": [{"name": "exfw-clients-mailbox", "from_zone": "clients", "to_zone": "servers",
                      "source": ["clients"], "destination": ["mailbox"], "services": ["tcp-443"],
                      "action": "allow", "flow_ids": ["mbx-https-clients"], "citations": [],
                      "comment": "exchange.firewall: mbx-https-clients"}],
    }
    view.update(copy.deepcopy(changes))
    return view
