"""The PowerShell reading the Windows tests rely on: literals, quotes, commands."""

from __future__ import annotations

import pytest
from helpers import parse_powershell_hashtable
from powershell_grammar import (
    PowerShellSyntaxError,
    assigned_value,
    commands,
    parse,
    string_literals,
    unpaired_single_quotes,
    verbatim_value,
)


def test_hashtables_arrays_and_scalars():
    text = "$spec = @{ a = 'x'; 'b' = @('p', 'q'); c = 'r', 's'; d = $true; e = $null; f = 12; g = @() }\n"
    expected = {"a": "x", "b": ["p", "q"], "c": ["r", "s"], "d": True, "e": None, "f": 12, "g": []}
    assert parse_powershell_hashtable(text) == expected
    assert assigned_value(parse(text), "spec") == expected


def test_a_hashtable_with_a_syntax_error_fails():
    with pytest.raises(PowerShellSyntaxError):
        parse_powershell_hashtable("$spec = @{ a = 'x'; b = \n")


def test_expandable_strings_are_not_literals():
    with pytest.raises(ValueError, match="not a literal"):
        parse_powershell_hashtable('@{ a = "$(Start-Process calc)" }')


@pytest.mark.parametrize("text, value, end", [
    ("'plain'", "plain", 7),
    ("'don''t'", "don't", 8),
    ("'a\u2019\u2019b'", "a\u2019b", 6),
    ("'a\u2019b'", "a", 3),              # PowerShell ends the string at U+2019
    ("\u2018x\u2019", "x", 3),           # and also opens one with U+2018
    ("'\u201c$(x)\u201d'", "\u201c$(x)\u201d", 8),
])
def test_verbatim_strings_are_read_as_powershell_reads_them(text, value, end):
    assert verbatim_value(text) == (value, end)


def test_the_grammar_misses_curly_quotes_and_the_explicit_rule_does_not():
    script = parse("$g = 'abc\u2019; Start-Process calc; \u2019'\n")
    assert [c.name for c in commands(script)] == []            # tree-sitter sees one literal ...
    raw = string_literals(script)[0].raw
    assert unpaired_single_quotes(raw) == [4, 27]             # ... PowerShell would end it at U+2019
    assert unpaired_single_quotes("'abc\u2019\u2019; x; \u2019\u2019'") == []


def test_commands_and_their_parameters():
    script = parse("Get-NetFirewallRule -Name 'a' -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n"
                   "New-Thing @params \u2013Other 1 positional\n")
    first, second, third = commands(script)
    assert (first.name, first.parameters, first.positional, first.piped) == (
        "Get-NetFirewallRule", ["Name", "ErrorAction"], 0, False)
    assert (second.name, second.piped) == ("Remove-NetFirewallRule", True)
    assert (third.splatted, third.parameters, third.positional) == (True, ["Other"], 1)
