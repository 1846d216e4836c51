"""PowerShell read with a real grammar (tree-sitter-powershell), for tests that have no PowerShell.

What this gives: a syntax check (ERROR/MISSING nodes), the commands of a script with their named
parameters, the string literals with the value PowerShell gives them, and PowerShell literals
(hashtables, arrays, strings, $true/$false/$null, integers) as Python values.

What the grammar lacks, and is added here as explicit rules: PowerShell's tokenizer reads five
characters as single quotes and four as double quotes (CharExtensions.IsSingleQuote/IsDoubleQuote
in PowerShell's CharTraits.cs) and ends a single-quoted string at any single quote not followed by
another one (Tokenizer.ScanStringLiteral); tree-sitter-powershell 0.26 knows only the ASCII ones.
``verbatim_value`` decodes a literal the way PowerShell does and reports where PowerShell would
end it, so a check can see a literal that PowerShell would close early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
DASHES = "-\u2013\u2014\u2015"
PINS = "tree-sitter==0.26.1 tree-sitter-powershell==0.26.4"
_PARSER = None


class PowerShellSyntaxError(AssertionError):
    """The grammar found an ERROR or MISSING node."""


def parser():
    """The tree-sitter PowerShell parser; a missing package is a test failure, not a skip."""
    global _PARSER
    if _PARSER is None:
        try:
            import tree_sitter
            import tree_sitter_powershell
        except ImportError as exc:
            raise AssertionError(f"the PowerShell checks need the PowerShell grammar: pip install {PINS} "
                                 f"({exc})") from None
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return _PARSER


@dataclass
class Script:
    text: str
    source: bytes
    root: object

    def text_of(self, node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8")


def parse(text: str) -> Script:
    """Parse ``text``; raise PowerShellSyntaxError naming every ERROR/MISSING node."""
    source = text.encode("utf-8")
    script = Script(text, source, parser().parse(source).root_node)
    problems = [f"line {n.start_point[0] + 1} column {n.start_point[1] + 1}: "
                f"{'missing ' + n.type if n.is_missing else 'cannot parse ' + repr(script.text_of(n)[:80])}"
                for n in walk(script.root) if n.type == "ERROR" or n.is_missing]
    if problems or script.root.has_error:
        raise PowerShellSyntaxError("PowerShell syntax error: " + "; ".join(problems or ["(error in tree)"]))
    return script


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


# ---- string literals -----------------------------------------------------------------------

def verbatim_value(text: str, start: int = 0) -> tuple[str, int]:
    """Read a single-quoted string at ``text[start]`` as PowerShell's tokenizer does.

    Returns (value, end): ``end`` is the index just past the closing quote. Any of the five single
    quotes opens and closes the string; two in a row stand for the second one.
    """
    if text[start] not in SINGLE_QUOTES:
        raise ValueError(f"no single quote at {start}")
    out = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                out.append(text[i + 1])
                i += 2
                continue
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise ValueError("string not terminated")


def unpaired_single_quotes(literal: str) -> list:
    """Positions inside a single-quoted literal (with its delimiters) of single-quote characters
    that are not doubled: the places where PowerShell would end the string, which
    tree-sitter-powershell reads as plain characters. Empty for a correctly quoted literal."""
    inner = literal[1:-1]
    bad = []
    i = 0
    while i < len(inner):
        if inner[i] in SINGLE_QUOTES:
            if i + 1 < len(inner) and inner[i + 1] in SINGLE_QUOTES:
                i += 2
                continue
            bad.append(i + 1)
        i += 1
    return bad


@dataclass
class Literal:
    node: object
    raw: str
    verbatim: bool

    @property
    def value(self) -> str:
        if not self.verbatim:
            return self.raw[1:-1]
        value, end = verbatim_value(self.raw)
        if end != len(self.raw):
            raise ValueError(f"PowerShell would end {self.raw!r} at character {end}")
        return value


def string_literals(script: Script) -> list:
    out = []
    for node in walk(script.root):
        if node.type == "string_literal":
            raw = script.text_of(node)
            out.append(Literal(node, raw, raw[:1] in SINGLE_QUOTES))
    return out


# ---- commands ------------------------------------------------------------------------------

_PARAM_RE = re.compile(rf"^[{DASHES}]([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Command:
    name: str
    line: int
    parameters: list = field(default_factory=list)
    positional: int = 0
    splatted: bool = False
    piped: bool = False      # receives pipeline input
    invocation_operator: bool = False


def commands(script: Script) -> list:
    """Every command invocation, with the names of its named parameters (without the dash)."""
    out = []
    for node in walk(script.root):
        if node.type != "command":
            continue
        name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
        command = Command(script.text_of(name_node) if name_node else "", node.start_point[0] + 1)
        command.invocation_operator = any(c.type == "command_invokation_operator" for c in node.children)
        previous = node.prev_sibling
        command.piped = previous is not None and previous.type == "|"
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        expect_value = False
        for element in elements.children if elements else []:
            if element.type == "command_argument_sep":
                continue
            text = script.text_of(element)
            match = _PARAM_RE.match(text) if element.type in ("command_parameter", "generic_token") else None
            if match:
                command.parameters.append(match.group(1))
                # The element after a parameter is read as its value (these scripts use no
                # switch parameters), so it does not count as a positional argument.
                expect_value = True
                continue
            splat = next((c for c in walk(element) if c.type == "variable" and script.text_of(c).startswith("@")), None)
            if splat is not None and script.text_of(splat) == text.strip():
                command.splatted = True
            elif expect_value:
                pass
            else:
                command.positional += 1
            expect_value = False
        out.append(command)
    return out


def function_parameters(script: Script) -> dict:
    """Functions the script defines -> their declared parameter names."""
    out = {}
    for node in walk(script.root):
        if node.type != "function_statement":
            continue
        name = script.text_of(next(c for c in node.children if c.type == "function_name"))
        params = []
        for child in walk(node):
            if child.type == "script_parameter":
                variable = next(c for c in child.children if c.type == "variable")
                params.append(script.text_of(variable).lstrip("$"))
            if child.type == "script_block_body":
                break
        out[name.lower()] = params
    return out


# ---- literals as Python values --------------------------------------------------------------

def value(script: Script, node):
    """A PowerShell literal (hashtable, array, string, $true/$false/$null, integer, real) as Python."""
    kind = node.type
    if kind == "hash_literal_expression":
        body = next((c for c in node.children if c.type == "hash_literal_body"), None)
        out = {}
        for entry in body.children if body else []:
            if entry.type != "hash_entry":
                continue
            key_node = next(c for c in entry.children if c.type == "key_expression")
            key = value(script, key_node.named_children[0]) if key_node.named_children[0].type != "simple_name" \
                else script.text_of(key_node)
            out[key] = value(script, next(c for c in entry.children if c.type == "pipeline"))
        return out
    if kind == "array_expression":
        statements = next((c for c in node.children if c.type == "statement_list"), None)
        if statements is None:
            return []
        items = [value(script, c) for c in statements.named_children]
        return items[0] if len(items) == 1 and isinstance(items[0], list) else items
    if kind == "array_literal_expression" and len(node.named_children) > 1:
        return [value(script, c) for c in node.named_children]
    if kind == "string_literal":
        literal = Literal(node, script.text_of(node), script.text_of(node)[:1] in SINGLE_QUOTES)
        if not literal.verbatim and re.search(r"[$`]", literal.raw):
            raise ValueError(f"expandable string {literal.raw!r} is not a literal")
        return literal.value
    if kind == "variable":
        text = script.text_of(node).lower()
        constants = {"$true": True, "$false": False, "$null": None}
        if text not in constants:
            raise ValueError(f"variable {text} is not a literal")
        return constants[text]
    if kind == "cast_expression":  # [char[]]@(...): the value cast
        return value(script, [c for c in node.named_children if c.type != "type_literal"][-1])
    if kind == "decimal_integer_literal":
        return int(script.text_of(node))
    if kind == "real_literal":
        return float(script.text_of(node))
    if len(node.named_children) == 1:
        return value(script, node.named_children[0])
    raise ValueError(f"not a literal: {kind} {script.text_of(node)[:60]!r}")


def assigned_value(script: Script, variable: str):
    """The literal value of the first ``$variable = <literal>`` assignment."""
    for node in walk(script.root):
        if node.type != "assignment_expression":
            continue
        left = next(c for c in node.children if c.type == "left_assignment_expression")
        if script.text_of(left).strip().lower() == "$" + variable.lower():
            return value(script, next(c for c in node.children if c.type == "pipeline"))
    raise KeyError(f"no assignment to ${variable}")


def first_hashtable(text: str):
    """The first hashtable literal of ``text`` as a Python dict."""
    script = parse(text)
    node = next((n for n in walk(script.root) if n.type == "hash_literal_expression"), None)
    if node is None:
        raise ValueError("no hashtable literal")
    return value(script, node)
