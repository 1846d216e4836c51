"""One source of truth: the PowerShell module's $spec equals its documentation, the action plugin's
argument spec equals its documentation, and every parameter set the fallback provider renders is
valid for community.windows.win_firewall_rule's own documented argument spec."""

from __future__ import annotations

import re

import pytest
from helpers import ROOT, expanded, load_inventory, module_doc, parse_powershell_hashtable, spec_from_doc

from ansible_collections.exchange.firewall.plugins.action import win_firewall_ruleset as action
from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win
from ansible_collections.exchange.firewall.plugins.module_utils._ruleset_spec import RULE_SPEC
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

MODULES = ROOT / "plugins" / "modules"


def expanded_plan(*args):
    return expanded(build_plan(*args))


def _canon(spec: dict) -> dict:
    """Normalise a spec for comparison (defaults that mean 'not set' dropped)."""
    out = {}
    for name, entry in spec.items():
        entry = dict(entry)
        if entry.get("required") is False:
            entry.pop("required")
        if entry.get("default") in ([], None) and entry.get("type") == "list":
            entry["default"] = entry.get("default") or []
        if "options" in entry:
            entry["options"] = _canon(entry["options"])
        if "choices" in entry:
            entry["choices"] = list(entry["choices"])
        out[name] = entry
    return out


def powershell_spec():
    source = (MODULES / "win_firewall_rule_state.ps1").read_text()
    start = source.index("$spec = ") + len("$spec = ")
    spec = parse_powershell_hashtable(source[start:])
    assert spec["supports_check_mode"] is True
    return spec["options"]


def test_powershell_spec_equals_its_documentation():
    doc = module_doc(MODULES / "win_firewall_rule_state.py")
    assert _canon(powershell_spec()) == _canon(spec_from_doc(doc["options"]))


def test_powershell_module_follows_ansible_basic_style():
    source = (MODULES / "win_firewall_rule_state.ps1").read_text()
    for needle in ("#AnsibleRequires -CSharpUtil Ansible.Basic", "Set-StrictMode -Version 2",
                   "$ErrorActionPreference = 'Stop'", "[Ansible.Basic.AnsibleModule]::Create($args, $spec)",
                   "$module.FailJson("):
        assert needle in source
    assert "Parse-Args" not in source


def test_action_argument_spec_equals_its_documentation():
    doc = module_doc(MODULES / "win_firewall_ruleset.py")
    assert _canon(action.ARGUMENT_SPEC) == _canon(spec_from_doc(doc["options"]))


def test_firewalld_module_spec_equals_its_documentation():
    source = (MODULES / "firewalld_ruleset.py").read_text()
    doc = module_doc(MODULES / "firewalld_ruleset.py")
    assert _canon({"rules": {"type": "list", "elements": "dict", "options": RULE_SPEC}}) == \
        _canon({"rules": spec_from_doc(doc["options"])["rules"]})
    for name in doc["options"]:
        assert re.search(rf"\b{name}=dict\(", source), name


@pytest.fixture(scope="module")
def community_spec():
    import ansible_collections.community.windows.plugins.modules as mods

    path = mods.__path__[0] + "/win_firewall_rule.py"
    return spec_from_doc(module_doc(path)["options"])


@pytest.fixture(scope="module")
def example_plan():
    return expanded_plan(*load_inventory())


def test_every_fallback_parameter_set_is_valid_for_the_community_module(community_spec, example_plan):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    validator = ArgumentSpecValidator(community_spec)
    checked = 0
    for host in example_plan["hosts"].values():
        if host["platform"] != "windows":
            continue
        params = win.community_params(win.desired(host["rules"]))
        assert len(params) == len(host["rules"])
        for item in params:
            result = validator.validate(item)
            assert not result.error_messages, (item, result.error_messages)
            assert not result.unsupported_parameters, result.unsupported_parameters
            checked += 1
    assert checked >= 15


def test_the_validator_does_reject_bad_parameters(community_spec):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    result = ArgumentSpecValidator(community_spec).validate({"name": "x", "direction": "sideways", "bogus": 1})
    assert result.error_messages


@pytest.mark.parametrize("args, message", [
    ({}, "state is present but all of the following are missing: rules"),
    ({"rules": [{"name": "r", "protocol": "icmp", "remote_addresses": ["10.0.0.0/8"]}]}, "protocol"),
    ({"rules": [], "harden_setup_rules": "yes"}, "harden_setup_rules"),
    ({"rules": [], "bogus": 1}, "bogus"),
])
def test_action_rejects_bad_arguments(args, message):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    result = ArgumentSpecValidator(action.ARGUMENT_SPEC, required_if=[("state", "present", ("rules",))]).validate(args)
    assert any(message in m for m in result.error_messages), result.error_messages
