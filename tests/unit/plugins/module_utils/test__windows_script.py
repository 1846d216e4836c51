"""The exported PowerShell script, read with a real PowerShell grammar (tree-sitter-powershell).

There is no PowerShell here, so these tests prove what a parser can prove: the script is valid
PowerShell; inventory text lands only inside single-quoted literals whose value, read by
PowerShell's rules, is exactly that text; hostile text adds no command, pipeline or comment; and
every cmdlet call fits one of Microsoft's documented parameter sets. PowerShell's extra single
quotes (U+2018-U+201B), which the grammar does not know, are checked by an explicit rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import load_inventory
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from powershell_cmdlets import check_call
from powershell_grammar import (
    SINGLE_QUOTES,
    commands,
    parse,
    string_literals,
    unpaired_single_quotes,
    verbatim_value,
    walk,
)

from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win
from ansible_collections.exchange.firewall.plugins.plugin_utils._outputs_render import windows_scripts_for
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

# A script rendered by release 1.0.0 (before the update branch was fixed), kept to show that the
# parameter-set check catches `Set-NetFirewallRule -Name ... -DisplayName ...`.
SCRIPT_1_0_0 = Path(__file__).parent / "fixtures" / "exported_script_1.0.0.ps1.txt"
CHANGING_CMDLETS = {"set-netfirewallrule", "remove-netfirewallrule", "disable-netfirewallrule"}


def ps_quote_1_0_0(text) -> str:
    """Release 1.0.0's quoting, kept as a reference: it doubles only the ASCII apostrophe."""
    return "'" + str(text).replace("'", "''") + "'"


def check_script(text: str):
    """Every property the exported script must have that can be checked without PowerShell."""
    script = parse(text)   # no ERROR or MISSING node
    for literal in string_literals(script):
        assert literal.verbatim, f"only single-quoted (verbatim) strings, got {literal.raw!r}"
        assert unpaired_single_quotes(literal.raw) == [], \
            f"PowerShell would end {literal.raw!r} early: a single-quote character is not doubled"
        literal.value  # noqa: B018 - raises when PowerShell's reading ends elsewhere than the grammar's
    problems = []
    for command in commands(script):
        assert not command.splatted and not command.invocation_operator, command
        problem = check_call(command.name, command.parameters, command.positional, command.piped)
        if problem:
            problems.append(f"line {command.line}: {problem}")
        if command.name.lower() in CHANGING_CMDLETS and command.parameters[:1] != ["InputObject"]:
            problems.append(f"line {command.line}: {command.name} must change the object it read "
                            "(-InputObject), not select rules again by a Name pattern")
    assert not problems, "\n".join(problems)
    return script


def skeleton(script) -> str:
    """The script text with every string literal replaced by a placeholder."""
    text = script.source
    out, last = [], 0
    for literal in string_literals(script):
        out.append(text[last:literal.node.start_byte].decode())
        out.append("'…'")
        last = literal.node.end_byte
    out.append(text[last:].decode())
    return "".join(out)


def node_counts(script) -> dict:
    counts = {}
    for node in walk(script.root):
        if node.type in ("command", "pipeline", "comment", "string_literal", "statement_list"):
            counts[node.type] = counts.get(node.type, 0) + 1
    return counts


# ---- the scripts the collection exports ----------------------------------------------------------

@pytest.fixture(scope="module")
def example_files():
    """The Windows files the plan task writes for the example: a script per host and the shared objects."""
    return windows_scripts_for(build_plan(*load_inventory()), win.DEFAULT_GROUP)


@pytest.fixture(scope="module")
def example_scripts(example_files):
    scripts = {path[len("windows/"):-len(".ps1")]: text for path, text in example_files.items() if path.endswith(".ps1")}
    assert len(scripts) >= 5
    return scripts


def test_the_scripts_read_their_addresses_from_the_shared_data_file(example_files, example_scripts):
    objects = json.loads(example_files["windows/address-objects.json"])
    plan = build_plan(*load_inventory())
    for host, text in example_scripts.items():
        for rule in plan["hosts"][host]["rules"]:
            name = rule["remote_object"]
            assert f"-RemoteAddress $addressObjects.'{name}'" in text
            expected = plan["address_objects"][name]["addresses"]
            assert objects[name] == (["Any"] if set(expected) >= {"0.0.0.0/0", "::/0"} else expected)
    # Each address list is written once: the organisation's addresses appear in no host script.
    assert all("10.2.10.12" not in text for text in example_scripts.values())


def test_every_exported_script_of_the_example_organisation_passes_every_check(example_scripts):
    for name, text in example_scripts.items():
        script = check_script(text)
        assert [literal.value for literal in string_literals(script)][:4] == ["Stop", name, win.DEFAULT_GROUP, "exfw-"]


def test_the_update_branch_fits_microsofts_parameter_sets_and_the_1_0_0_script_did_not():
    old = SCRIPT_1_0_0.read_text()
    parse(old)  # valid syntax: only the parameter-set check sees the bug
    problems = [check_call(c.name, c.parameters, c.positional, c.piped) for c in commands(parse(old))]
    problems = [p for p in problems if p and p.startswith("Set-NetFirewallRule")]
    assert len(problems) == 2 and all(p.startswith("Set-NetFirewallRule -Name -DisplayName -Direction") and
                                      "no parameter set" in p for p in problems), problems
    with pytest.raises(AssertionError, match="no parameter set of https://learn.microsoft.com/powershell/module/"
                                             "netsecurity/set-netfirewallrule"):
        check_script(old)
    check_script(win.powershell_script("ex01", win.desired([
        {"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["3389", "5985-5986"],
         "remote_addresses": ["10.1.5.0/24"]},
        {"name": "exfw-in-any-organisation", "protocol": "any", "local_ports": [],
         "remote_addresses": ["10.1.0.10", "10.1.10.11"]}])))


# ---- the grammar's blind spot: PowerShell's other single quotes -------------------------------

GROUP_INJECTION = "exchange.firewall\u2019; Start-Process calc; \u2019"
RULES = [{"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["5985"],
          "remote_addresses": ["10.1.5.0/24"], "flow_ids": ["mgmt-windows"]}]


def test_the_curly_quote_rule_catches_what_the_grammar_misses(monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(win, "ps_quote", ps_quote_1_0_0)
        old = win.powershell_script("ex01", win.desired(RULES, GROUP_INJECTION), GROUP_INJECTION)
    line = next(x for x in old.splitlines() if x.startswith("$group = "))
    literal = line[len("$group = "):]
    # tree-sitter reads one harmless literal and no Start-Process command ...
    script = parse(old)
    assert literal in [lit.raw for lit in string_literals(script)]
    assert "Start-Process" not in [c.name for c in commands(script)]
    # ... PowerShell ends the string at U+2019 and runs Start-Process: the explicit rule sees it.
    value, end = verbatim_value(literal)
    assert value == "exchange.firewall" and literal[end:].startswith("; Start-Process calc;")
    assert unpaired_single_quotes(literal) != []
    with pytest.raises(AssertionError, match="PowerShell would end .* early"):
        check_script(old)
    # Today's quoting doubles every single-quote character: the value comes back whole.
    new = win.powershell_script("ex01", win.desired(RULES, GROUP_INJECTION), GROUP_INJECTION)
    values = [lit.value for lit in string_literals(check_script(new))]
    assert values[2] == GROUP_INJECTION


@pytest.mark.parametrize("char", list(SINGLE_QUOTES))
def test_every_single_quote_character_survives_a_round_trip(char):
    text = f"a{char}b{char}{char}c{char}"
    assert verbatim_value(win.ps_quote(text)) == (text, len(win.ps_quote(text)))
    if char != "'":
        assert unpaired_single_quotes(ps_quote_1_0_0(text)) != []


def test_a_host_name_with_line_breaks_stays_in_its_literal():
    host = "fs02\nStart-Process calc\n#"
    baseline = parse(win.powershell_script("fs02", win.desired(RULES)))
    script = check_script(win.powershell_script(host, win.desired(RULES)))
    assert skeleton(script) == skeleton(baseline) and node_counts(script) == node_counts(baseline)
    assert string_literals(script)[1].value == host
    assert "Start-Process" not in [c.name for c in commands(script)]


def test_the_1_0_0_header_put_the_host_name_on_a_line_of_its_own():
    old_header = f"# exchange.firewall: Windows Firewall rules for {'fs02' + chr(10) + 'Start-Process calc' + chr(10) + '#'}"
    assert "Start-Process" in [c.name for c in commands(parse(old_header + "\n"))]


# ---- hostile inventory text, at random -----------------------------------------------------------

FRAGMENTS = ["'", "\u2018", "\u2019", "\u201a", "\u201b", '"', "\u201c", "\u201d", "\u201e", "$(Start-Process calc)",
             "$env:PATH", "${x}", "$x", "`", "`n", "\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029", "#", "<#", "#>",
             ";", "|", "&", "&&", "@'", "'@", "@(", ")", "{", "}", "-", "\u2013", "\u2014", ",", " ", "\t", "*", "?",
             "[", "]", "%", "\u00a0", "é", "\u4e2d", "\U0001f525", "\\", "/", "\x00", "\x1b", "\u200b", "\ufeff",
             "'; Start-Process calc; '", "\u2019; Start-Process calc; \u2019", "\u201c; Start-Process calc; \u201d"]
HOSTILE = st.lists(st.sampled_from(FRAGMENTS) | st.characters(exclude_categories=("Cs",)), max_size=12).map("".join)
BENIGN = {"name": "Nbenign", "flow": "Fbenign", "flow2": "Gbenign", "cite": "Cbenign", "title": "Tbenign",
          "host": "Hbenign", "group": "Wbenign"}


def _refused_removed(text: str) -> str:
    """Names and groups refuse wildcards and line breaks (tested elsewhere); the rest must be quoted."""
    return "".join(c for c in text if win._unsafe_char(c) is None)


def _group(text: str) -> str:
    text = _refused_removed(text)
    try:
        return win.validate_group(text)
    except win.WindowsRuleError:
        return win.validate_group("g" + text + "g")


def _render(values: dict) -> str:
    rules = [
        {"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["5985-5986"],
         "remote_addresses": ["10.1.5.0/24"], "flow_ids": ["mgmt-windows"]},
        {"name": "exfw-in-any-" + values["name"], "protocol": "any", "local_ports": [],
         "remote_addresses": ["10.1.0.10", "fd00::/64"], "flow_ids": [values["flow"], values["flow2"]],
         "citations": [{"id": values["cite"], "title": "t"}, {"title": values["title"]}]},
    ]
    return win.powershell_script(values["host"], win.desired(rules, values["group"]), values["group"])


BASELINE = None


def _baseline():
    global BASELINE
    if BASELINE is None:
        BASELINE = check_script(_render(BENIGN))
    return BASELINE


def assert_stays_in_literals(values: dict) -> None:
    script = check_script(_render(values))
    baseline = _baseline()
    # Outside the literals the script is the benign one, character for character: no command,
    # pipeline, comment or line of its own comes from the inventory.
    assert skeleton(script) == skeleton(baseline)
    assert node_counts(script) == node_counts(baseline)
    # Inside, each literal's value (read by PowerShell's rules) is the benign one with the hostile
    # text in place of the benign text.
    expected = []
    for literal in string_literals(baseline):
        text = literal.value
        for key, benign in BENIGN.items():
            text = text.replace(benign, values[key])
        expected.append(text)
    assert [literal.value for literal in string_literals(script)] == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE, flow=HOSTILE, flow2=HOSTILE, cite=HOSTILE, title=HOSTILE, host=HOSTILE, group=HOSTILE)
def test_hostile_inventory_text_stays_inside_its_literals(name, flow, flow2, cite, title, host, group):
    values = {"name": _refused_removed(name), "flow": flow, "flow2": flow2, "cite": cite, "title": title,
              "host": host, "group": _group(group)}
    if any("\x00" in v for v in values.values()):
        # PowerShell's tokenizer reads NUL as the end of its input: refused, never written.
        with pytest.raises(win.WindowsRuleError, match="a NUL character cannot be written"):
            _render(values)
        return
    assert_stays_in_literals(values)


def test_the_property_finds_the_1_0_0_quoting(monkeypatch):
    """The property above is not vacuous: with 1.0.0's quoting it finds a breaking value by itself."""
    monkeypatch.setattr(win, "ps_quote", ps_quote_1_0_0)

    def breaks(text):
        try:
            assert_stays_in_literals(dict(BENIGN, host=text.replace("\x00", "")))
        except AssertionError:
            return True
        return False

    example = find(HOSTILE, breaks, settings=settings(max_examples=5000, database=None, deadline=None))
    assert len(example) == 1 and example in SINGLE_QUOTES[1:]


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE)
def test_hostile_addresses_and_ports_never_reach_the_script(text):
    for rule in ({"remote_addresses": [text]}, {"local_ports": [text]}):
        base = {"name": "exfw-in-tcp-x", "protocol": "tcp", "local_ports": ["80"], "remote_addresses": ["10.0.0.0/8"]}
        try:
            want = win.desired([dict(base, **rule)])
        except win.WindowsRuleError:
            continue
        # Accepted only as a normalised address or port, never as free text.
        for value in want[0]["RemoteAddress"] + want[0]["LocalPort"]:
            assert value == "Any" or set(value) <= set("0123456789abcdef:./-"), value
