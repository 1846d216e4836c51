"""Plan files read back (an approved plan to apply, the previous plan to compare with) are untrusted:
whatever their shape, they are refused with a message naming the variable, or compared and
rendered; never a traceback."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from helpers import small_org
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.exchange.firewall.plugins.module_utils import _plan_diff, _plan_schema, _render_markdown
from ansible_collections.exchange.firewall.plugins.plugin_utils import _report_html
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan

CURRENT = build_plan(*small_org())
PREVIOUS = json.loads(json.dumps(CURRENT))
WRONG = st.sampled_from([None, 0, 6, True, "x", "<b>", [], [1], ["x"], {}, {"x": 1}])


def paths(value, prefix=()):
    """Every path into a JSON document (keys of mappings, indexes of lists)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


PATHS = [p for p in paths(PREVIOUS) if p]


def replaced(document, path, value):
    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def compare_and_render(previous):
    """What the plan task does with exchange_firewall_previous_plan (errors it reports: ValueError, KeyError)."""
    checked = _plan_schema.check(previous, "exchange_firewall_previous_plan")
    current = copy.deepcopy(CURRENT)
    try:
        current["changes_since_previous"] = _plan_diff.compare(_plan_diff.without_changes(checked), current)
    except (ValueError, KeyError):
        return None
    current["changes_since_previous"]["previous"]["sha256"] = "ab" * 32
    _render_markdown.render(current, {})
    return _report_html.render(current, plan_sha256="cd" * 32)


@pytest.fixture(autouse=True)
def no_diagram(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # the changes section is what is tested here


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PATHS), WRONG)
def test_a_previous_plan_of_any_shape_is_refused_or_compared(path, value):
    try:
        compare_and_render(replaced(PREVIOUS, path, value))
    except _plan_schema.PlanSchemaError as exc:
        assert str(exc).startswith("exchange_firewall_previous_plan: ")


@pytest.mark.parametrize("plan, message", [
    ({"schema_version": True, "hosts": {}}, "schema_version True is not supported"),
    ({"schema_version": 1, "hosts": ["a"]}, "schema 1 plan: 'hosts' is not a mapping"),
    ({"schema_version": 1, "hosts": {"h": {}}}, "schema 1 plan: host 'h' has no rules"),
    ({"schema_version": 1, "networks": ["x"], "hosts": {}}, "schema 1 plan: 'networks' is not a mapping"),
    ({"schema_version": 1, "hosts": {"h": {"rules": ["x"]}}}, "schema 1 plan: host 'h': rule 0 is not a mapping"),
    (dict(PREVIOUS, meta=["x"]), "'meta' is not a mapping"),
    (dict(PREVIOUS, network_firewalls=["x"]), "'network_firewalls' is not a mapping"),
    (dict(PREVIOUS, upgraded_from="1 <img src=x>"), "'upgraded_from' is not 1"),
])
def test_malformed_plan_files_name_the_variable(plan, message):
    with pytest.raises(_plan_schema.PlanSchemaError, match=f"^exchange_firewall_previous_plan: .*{message}"):
        _plan_schema.check(plan, "exchange_firewall_previous_plan")


def test_a_plan_file_with_a_lone_surrogate_names_the_variable():
    crafted = json.loads(json.dumps(dict(PREVIOUS, meta={"note": "ok"})).replace('"ok"', '"x\\ud800y"'))
    expected = "^exchange_firewall_previous_plan: holds text that is not valid Unicode .*ud800"
    with pytest.raises(_plan_schema.PlanSchemaError, match=expected):
        _plan_schema.readable_text(crafted, "exchange_firewall_previous_plan")
    assert _plan_schema.readable_text(PREVIOUS, "exchange_firewall_previous_plan") is PREVIOUS


def test_the_previous_plan_file_with_a_lone_surrogate_stops_with_the_variable(tmp_path):
    from ansible_collections.exchange.firewall.plugins.action import plan as plan_action
    path = tmp_path / "approved.json"
    path.write_text(json.dumps(dict(PREVIOUS, meta={"note": "ok"})).replace('"ok"', '"\\ud800"'))
    with pytest.raises(ValueError, match="^exchange_firewall_previous_plan: holds text that is not valid Unicode"):
        plan_action._previous(str(path))
