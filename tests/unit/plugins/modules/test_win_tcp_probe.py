"""The Windows probe module (not runnable here): its $spec equals its documentation, it parses with a
real PowerShell grammar, calls only its own functions, turns no text into code, and reports the
same states as the Linux probe module; the verify action picks it for Windows sources."""

from __future__ import annotations

import re

import pytest
from helpers import ROOT, module_doc, parse_powershell_hashtable, spec_from_doc
from powershell_grammar import commands, function_parameters, parse, string_literals, walk
from test_windows_powershell import DYNAMIC_CODE
from test_windows_specs import _canon

from ansible_collections.exchange.firewall.plugins.action import verify as verify_action
from ansible_collections.exchange.firewall.plugins.module_utils import _verify

MODULES = ROOT / "plugins" / "modules"
SCRIPT = MODULES / "win_tcp_probe.ps1"


@pytest.fixture(scope="module")
def script():
    return parse(SCRIPT.read_text())


def test_spec_equals_documentation():
    source = SCRIPT.read_text()
    spec = parse_powershell_hashtable(source[source.index("$spec = ") + len("$spec = "):])
    assert spec["supports_check_mode"] is True
    assert _canon(spec["options"]) == _canon(spec_from_doc(module_doc(MODULES / "win_tcp_probe.py")["options"]))


def test_twin_of_the_linux_module_has_the_same_options():
    linux = module_doc(MODULES / "tcp_probe.py")["options"]
    windows = module_doc(MODULES / "win_tcp_probe.py")["options"]
    assert _canon(spec_from_doc(linux)) == _canon(spec_from_doc(windows))


def test_ansible_basic_style_and_only_its_own_functions(script):
    source = SCRIPT.read_text()
    for needle in ("#AnsibleRequires -CSharpUtil Ansible.Basic", "Set-StrictMode -Version 2",
                   "$ErrorActionPreference = 'Stop'", "[Ansible.Basic.AnsibleModule]::Create($args, $spec)"):
        assert needle in source
    own = set(function_parameters(script))
    used = {c.name.lower() for c in commands(script)}
    assert used - own == {"set-strictmode"}, used - own
    assert {"start-probe", "complete-probe", "get-localaddress", "convertto-probestate"} <= own


def test_no_text_becomes_code(script):
    for node in walk(script.root):
        if node.type in ("type_literal", "member_name", "variable", "command_name"):
            assert script.text_of(node).strip("[]").lower() not in DYNAMIC_CODE
    assert [lit.raw for lit in string_literals(script) if not lit.verbatim] == \
        ['"TCP probe failed: $($_.Exception.Message)"']


def test_states_are_those_the_verify_judges():
    states = set(re.findall(r"return '([a-z]+)'", SCRIPT.read_text())) | {"open", "timeout"}
    assert states <= set(_verify.REACHED) | set(_verify.BLOCKED) | {"error"}
    assert {"refused", "rejected", "unreachable", "timeout", "open", "error"} <= states


class _Shell:
    def __init__(self, family):
        self.SHELL_FAMILY = family


@pytest.mark.parametrize("family, module", [("powershell", "exchange.firewall.win_tcp_probe"),
                                            ("sh", "exchange.firewall.tcp_probe")])
def test_verify_action_picks_the_probe_module_by_shell(family, module):
    action = verify_action.ActionModule.__new__(verify_action.ActionModule)
    action._connection = type("C", (), {"_shell": _Shell(family)})()
    calls = []
    action._execute_module = lambda module_name, module_args, task_vars: calls.append(module_name) or {}
    action._probe({}, [], 2.0)
    assert calls == [module]


def _enclosing(node, kind):
    parent = node.parent
    while parent is not None:
        if parent.type == kind:
            return parent
        parent = parent.parent
    return None


def test_a_probe_that_cannot_start_is_its_own_error_not_the_whole_module(script):
    """An address or source that does not parse, a Bind to an address this host lacks: each of the
    calls that can throw for one probe sits in a try block of Start-Probe, whose catch returns that
    probe with its error; Complete-Probe reports it as state 'error' and disposes only real clients."""
    source = SCRIPT.read_text()
    start = source[source.index("Function Start-Probe {"):source.index("Function Complete-Probe {")]
    risky = ("[System.Net.IPAddress]::Parse(", "$client.Client.Bind(", "$client.ConnectAsync(")
    calls = [n for n in walk(script.root)
             if script.text_of(n).startswith(risky) and n.type != "pipeline" and n.child_count > 0]
    assert calls, "the probe's own calls were not found in the parsed script"
    for call in calls:
        assert _enclosing(call, "try_statement") is not None, script.text_of(call)
        function = _enclosing(call, "function_statement")
        assert function is not None and "Start-Probe" in script.text_of(function).split("{", 1)[0]
    assert "error = $_.Exception.Message" in start and "error = $null" in start
    complete = source[source.index("Function Complete-Probe {"):source.index("foreach ($probe in")]
    assert "if ($null -ne $Running.error)" in complete and "if ($null -ne $Running.client)" in complete
