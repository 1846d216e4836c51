# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PAN-OS: the rendered parameters as pan-os-python objects and their XML, offline (controller only).

Needs the ``pan-os-python`` library (``pip install pan-os-python``); no device is contacted:
``element_str()`` renders an object's XML locally.
"""

from __future__ import annotations

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_panos import MODULE, sdk_params


def objects(config: dict) -> list:
    """pan-os-python objects for a rendered PAN-OS config, in apply order."""
    from panos.objects import AddressGroup, AddressObject, ServiceObject
    from panos.policies import SecurityRule

    classes = {"address_object": AddressObject, "address_group": AddressGroup,
               "service_object": ServiceObject, "security_rule": SecurityRule}
    return [cls(**sdk_params(kind, params)) for kind, cls in classes.items() for params in config[MODULE + kind]]


def xml(config: dict) -> list:
    """Each object's PAN-OS XML element as text."""
    return [obj.element_str().decode() for obj in objects(config)]
