"""FortiOS parameters against the fortinet.fortios modules' own argument specs; PAN-OS objects as XML.

fortinet.fortios modules cannot run without a device, so the argument spec each module builds in
main() (its versioned schema plus the top-level options) is rebuilt here and every rendered
parameter set is validated with ansible-core's ArgumentSpecValidator. The paloaltonetworks.panos
collection is not installable here: the parameters are mapped to pan-os-python objects the way
its modules map them, rendered to PAN-OS XML offline (element_str) and parsed back.
"""

from __future__ import annotations

import importlib
import xml.etree.ElementTree as ET

import pytest
from netfw_env import import_panos
from netfw_views import sample, small

from ansible_collections.exchange.firewall.plugins.module_utils._netfw_render import render

FORTI = "fortinet.fortios.fortios_firewall_"
TABLES = ("address", "address6", "addrgrp", "addrgrp6", "service_custom", "policy")


def fortios_spec(table: str) -> dict:
    try:
        module = importlib.import_module(f"ansible_collections.fortinet.fortios.plugins.modules.fortios_firewall_{table}")
        from ansible_collections.fortinet.fortios.plugins.module_utils.fortios.fortios import schema_to_module_spec
    except ImportError as exc:
        pytest.fail(f"fortinet.fortios is not installed (it comes with the ansible package): {exc}", pytrace=False)
    options = schema_to_module_spec(module.versioned_schema)["options"]
    mkey = "policyid" if table == "policy" else "name"
    options[mkey]["required"] = True  # as main() does for the module's key
    return {"state": {"required": True, "type": "str", "choices": ["present", "absent"]},
            "vdom": {"type": "str", "default": "root"},
            f"firewall_{table}": {"type": "dict", "options": options}}


@pytest.mark.parametrize("view", [sample("fw01"), sample("fw02"), small(), small(default_action="deny")])
@pytest.mark.parametrize("table", TABLES)
def test_fortios_parameters_pass_the_modules_argument_spec(view, table):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    validator = ArgumentSpecValidator(fortios_spec(table))
    items = render(view, "fortios")[FORTI + table]
    for item in items:
        result = validator.validate({"state": "present", f"firewall_{table}": item})
        assert not result.error_messages, (item, result.error_messages)
        assert not result.unsupported_parameters, result.unsupported_parameters
        # The validator fills defaults in, and must not have changed what we gave.
        assert {k: v for k, v in result.validated_parameters[f"firewall_{table}"].items() if k in item} == item


def test_the_spec_check_catches_a_wrong_parameter():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    result = ArgumentSpecValidator(fortios_spec("policy")).validate(
        {"state": "present", "firewall_policy": {"policyid": 1, "action": "allow"}})
    assert result.error_messages


def _xml(view):
    import_panos()
    from ansible_collections.exchange.firewall.plugins.plugin_utils._panos_xml import xml

    return [ET.fromstring(text) for text in xml(render(view, "panos"))]


def test_panos_objects_render_to_the_expected_xml():
    elements = {e.get("name"): e for e in _xml(sample("fw02"))}
    address = elements["exfw-dag_witness-dag-dag01-1"]
    assert address.findtext("ip-netmask") == "10.1.10.50/32"
    assert address.findtext("description") == "witness of DAG01: fs01"
    group = elements["exfw-organisation.hq"]
    assert [m.text for m in group.findall("static/member")] == [f"exfw-organisation.hq-{i}" for i in range(1, 6)]
    service = elements["exfw-tcp-5985-5986"]
    assert service.findtext("protocol/tcp/port") == "5985-5986"
    rule = elements["exfw-hq-dr-smtp-relay-mailbox.dr"]
    assert [m.text for m in rule.findall("from/member")] == ["hq"]
    assert [m.text for m in rule.findall("to/member")] == ["dr"]
    assert [m.text for m in rule.findall("source/member")] == ["exfw-smtp_relay"]
    assert [m.text for m in rule.findall("destination/member")] == ["exfw-mailbox.dr"]
    assert [m.text for m in rule.findall("service/member")] == ["exfw-tcp-25"]
    assert [m.text for m in rule.findall("application/member")] == ["any"]
    assert rule.findtext("action") == "allow"
    deny = elements["exfw-protect"]
    assert deny.findtext("action") == "deny" and deny.findtext("rule-type") == "interzone"
    assert [m.text for m in deny.findall("destination/member")] == ["exfw-protected"]
    protected = elements["exfw-protected"]
    assert len(protected.findall("static/member")) == len(sample("fw02")["protected"])


def test_panos_xml_escapes_what_it_carries_and_names_stay_legal():
    view = small(address_objects={"clients": {"addresses": ["10.20.0.0/16"], "description": "<a>&</a>"},
                                  "mailbox": {"addresses": ["10.1.10.11"], "description": ""}})
    elements = _xml(view)
    assert all(len(e.get("name")) <= 63 and e.get("name").startswith("exfw-") for e in elements)
    assert elements[0].findtext("description") == "_a___/a_"
