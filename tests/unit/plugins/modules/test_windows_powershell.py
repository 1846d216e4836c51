"""The collection's PowerShell files, read with a real PowerShell grammar (tree-sitter-powershell).

Every .ps1 under plugins/ must parse; the module's every command must be a cmdlet whose documented
parameter sets are recorded (tests/powershell_cmdlets.py) or a function of its own, called with
parameters that fit one set; nothing may turn text into code; and the module's own refusal list
must equal the controller's.
"""

from __future__ import annotations

import pytest
from helpers import ROOT
from powershell_cmdlets import CMDLETS, check_call
from powershell_grammar import (
    PowerShellSyntaxError,
    assigned_value,
    commands,
    function_parameters,
    parse,
    string_literals,
    walk,
)

from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win

PS1_FILES = sorted((ROOT / "plugins").rglob("*.ps1"))
MODULE = ROOT / "plugins" / "modules" / "win_firewall_rule_state.ps1"
# Ways PowerShell turns a string into code, by the node text that would show them.
DYNAMIC_CODE = ("scriptblock", "invokescript", "newscriptblock", "addscript", "expandstring", "$executioncontext",
                "invoke-expression", "iex", "invoke-command", "start-process", "add-type")


@pytest.fixture(scope="module")
def module_script():
    return parse(MODULE.read_text())


def test_there_are_powershell_files_to_check():
    assert MODULE in PS1_FILES


@pytest.mark.parametrize("path", PS1_FILES, ids=lambda p: p.name)
def test_every_powershell_file_parses(path):
    parse(path.read_text())


def test_a_syntax_error_is_reported_with_its_place():
    with pytest.raises(PowerShellSyntaxError, match="line 2"):
        parse("$a = 1\nif ($a -eq 1 {\n  'x'\n")


def test_every_command_of_the_module_fits_a_documented_parameter_set(module_script):
    functions = function_parameters(module_script)
    calls = commands(module_script)
    problems = []
    for command in calls:
        if command.splatted or command.invocation_operator:
            problems.append(f"line {command.line}: {command.name} is splatted or invoked indirectly; its "
                            "parameters cannot be checked")
            continue
        problem = check_call(command.name, command.parameters, command.positional, command.piped, functions)
        if problem:
            problems.append(f"line {command.line}: {problem}")
    assert not problems, "\n".join(problems)
    used = {c.name.lower() for c in calls}
    # Join-Path, Get-Content and ConvertFrom-Json are recorded for the exported scripts only.
    script_only = {"set-strictmode", "join-path", "get-content", "convertfrom-json"}
    assert {name.lower() for name in CMDLETS} - script_only <= used | {"get-netfirewallrule"}
    assert {"new-netfirewallrule", "set-netfirewallrule", "remove-netfirewallrule", "disable-netfirewallrule",
            "get-netfirewallportfilter", "get-netfirewalladdressfilter", "get-netfirewallrule"} <= used


def test_the_module_changes_only_objects_it_read(module_script):
    for command in commands(module_script):
        if command.name.lower() in ("set-netfirewallrule", "remove-netfirewallrule", "disable-netfirewallrule"):
            assert command.parameters[:1] == ["InputObject"], command


def test_the_module_turns_no_text_into_code(module_script):
    for node in walk(module_script.root):
        if node.type in ("type_literal", "member_name", "variable", "command_name"):
            text = module_script.text_of(node).strip("[]").lower()
            assert text not in DYNAMIC_CODE, f"line {node.start_point[0] + 1}: {text}"
    expandable = [lit.raw for lit in string_literals(module_script) if not lit.verbatim]
    assert expandable == ['"Windows Firewall operation failed: $($_.Exception.Message)"']


def test_the_module_refuses_the_groups_the_controller_refuses(module_script):
    source = MODULE.read_text()
    assert source.index("if (-not (Test-OwnedGroup -Name $group))") < source.index("\ntry {")
    assert assigned_value(module_script, "builtinGroups") == list(win.BUILTIN_GROUPS)
    assert assigned_value(module_script, "wildcardChars") == list(win.WILDCARD_CHARS)


def test_the_parameter_set_check_rejects_what_windows_rejects():
    assert check_call("Set-NetFirewallRule", ["Name", "DisplayName", "Enabled"]) is not None
    assert check_call("Set-NetFirewallRule", ["InputObject", "PolicyStore"]) is not None
    assert check_call("Get-NetFirewallRule", ["Name", "Group"]) is not None
    assert check_call("New-NetFirewallRule", ["Name", "Group"]) is not None          # -DisplayName is mandatory
    assert check_call("New-NetFirewallRule", ["Name", "NewDisplayName", "DisplayName"]) is not None
    assert check_call("Invoke-Expression", []) is not None
    assert check_call("Set-NetFirewallRule", ["Name", "NewDisplayName", "ErrorAction"]) is None
    assert check_call("Remove-NetFirewallRule", [], piped=True) is None


def _win_powershell_scripts():
    import yaml

    for path in sorted((ROOT / "tests" / "integration" / "targets").rglob("*.yml")):
        stack = [yaml.safe_load(path.read_text())]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                task = item.get("ansible.windows.win_powershell")
                if isinstance(task, dict):
                    yield path, task["script"]
                stack.extend(v for v in item.values() if isinstance(v, (dict, list)))


def test_the_integration_target_scripts_parse_and_take_values_as_parameters():
    scripts = list(_win_powershell_scripts())
    assert len(scripts) >= 3
    for path, text in scripts:
        assert "{{" not in text and "{%" not in text, f"{path.name}: template text inside a PowerShell script"
        parse(text)
