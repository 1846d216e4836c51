"""The Windows filters validate their options as Ansible does (against their documentation)."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from helpers import ROOT, spec_from_doc

from ansible_collections.exchange.firewall.plugins.filter import exchange_firewall as filters

RULES = [{"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["5985"],
          "remote_addresses": ["10.1.5.0/24"]}]


@pytest.mark.parametrize("purge, removes", [
    ("no", False), ("false", False), ("0", False), ("off", False), (False, False), (0, False),
    ("yes", True), ("true", True), ("1", True), ("on", True), (True, True), (None, True),
])
def test_purge_accepts_ansible_booleans(purge, removes):
    script = filters.powershell_script(RULES, "ex01", purge=purge)
    assert ("Remove-NetFirewallRule" in script) is removes


def test_purge_refuses_what_is_not_a_boolean():
    with pytest.raises(AnsibleFilterError, match="purge"):
        filters.powershell_script(RULES, "ex01", purge="maybe")


def test_positional_options_in_documented_order():
    script = filters.powershell_script([dict(RULES[0], name="contoso-in-tcp-management")], "ex01", "contoso.fw", "no",
                                       "contoso")
    assert "$group = 'contoso.fw'" in script and "$rulePrefix = 'contoso-'" in script
    assert "Remove-NetFirewallRule" not in script


@pytest.mark.parametrize("call", [
    lambda group: filters.powershell_script(RULES, "ex01", group),
    lambda group: filters.win_firewall_rule_params(RULES, group),
])
@pytest.mark.parametrize("group", ["Windows Remote Management", "", "@FirewallAPI.dll,-28502", "MSExchange"])
def test_groups_that_are_not_ours_fail_the_filter(call, group):
    with pytest.raises(AnsibleFilterError, match="^exchange_firewall_windows_group: "):
        call(group)


def test_a_rule_without_the_prefix_fails_the_filter():
    with pytest.raises(AnsibleFilterError, match="must start with the rule prefix 'exfw-'"):
        filters.win_firewall_rule_params([dict(RULES[0], name="WINRM-HTTP-In-TCP")])


@pytest.mark.parametrize("name, spec", [
    ("powershell_script", "POWERSHELL_SCRIPT_SPEC"),
    ("win_firewall_rule_params", "WIN_FIREWALL_RULE_PARAMS_SPEC"),
])
def test_filter_specs_equal_their_documentation(name, spec):
    spec = getattr(filters, spec)
    doc = yaml.safe_load((ROOT / "plugins" / "filter" / f"{name}.yml").read_text())["DOCUMENTATION"]
    assert spec == spec_from_doc(doc["options"])
    assert [o.strip() for o in doc["positional"].split(",")] == list(spec)
