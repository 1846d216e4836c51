"""Hostile inventory text never becomes nft syntax (hypothesis).

Policy names, flow ids, the firewall name and free text reach the table only inside comments;
object and interface names reach it as identifiers, so they are either valid or refused.
The same properties are checked against the real nft parser in tests/integration/test_nftables_parser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft

FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures"
BASE = json.loads((FIXTURES / "firewall_view_lab.json").read_text())
COMMENT = re.compile(r'\s?comment "([^"]*)"')
SAFE = re.compile(r"[A-Za-z0-9 _.,:;=/@+()\[\]-]{0,128}\Z")
NASTY = st.text(alphabet=st.sampled_from('"\\\n\r\t;{}#$@`\' ~*é\u2019\u0000') | st.characters(), max_size=200)


def skeleton(text: str) -> list:
    """The table's lines without their comments (what nft parses as syntax), in any order: hostile
    policy names sort differently."""
    return sorted(COMMENT.sub("", text).splitlines())


def with_text(name, policy_names, flows, free):
    data = json.loads(json.dumps(BASE))
    data["name"] = name
    for policy, new_name, flow in zip(data["policies"], policy_names, flows, strict=True):
        policy["name"] = new_name
        policy["flow_ids"] = [flow, free]
        policy["comment"] = free
        policy["citations"] = [{"id": free, "title": free, "url": free}]
    for spec in data["address_objects"].values():
        spec["description"] = free
    return data


NAMES = NASTY.filter(lambda text: text.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES, policy_names=st.lists(NAMES, min_size=7, max_size=7, unique_by=str.strip),
       flows=st.lists(NASTY, min_size=7, max_size=7), free=NASTY)
def test_hostile_text_only_ever_lands_inside_safe_comments(name, policy_names, flows, free):
    ruleset = nft.render(with_text(name, policy_names, flows, free))
    benign = nft.render(with_text("lab-router", [p["name"] for p in BASE["policies"]], ["f"] * 7, "x"))
    rules = [line for line in ruleset.text.splitlines() if "comment" in line]
    assert len(ruleset.text.splitlines()) == len(benign.text.splitlines())
    assert skeleton(ruleset.text) == skeleton(benign.text)
    for line in rules:
        assert line.count('"') % 2 == 0, line
    table_comment = ruleset.text.splitlines()[1]
    for found in COMMENT.findall(ruleset.text) + [nft.table_comment(ruleset.text)]:
        assert SAFE.match(found), found
    assert table_comment.startswith('\tcomment "exchange.firewall ')


@settings(max_examples=150, deadline=None)
@given(object_name=NASTY | st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,40}", fullmatch=True),
       ifname=NASTY | st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,16}", fullmatch=True))
def test_identifiers_are_valid_or_refused(object_name, ifname):
    data = json.loads(json.dumps(BASE))
    data["address_objects"][object_name] = {"addresses": ["10.61.1.0/25"]}
    data["policies"][0]["source"] = [object_name]
    data["zones"]["clients"]["interfaces"] = [ifname]
    try:
        ruleset = nft.render(data)
    except nft.NftablesError as exc:
        assert "cannot name an nftables set" in str(exc) or "not a valid interface name" in str(exc) \
            or "has no interfaces" in str(exc) or "is in zones" in str(exc), exc
        return
    assert nft.OBJECT_NAME_RE.match(object_name) and nft.IFNAME_RE.match(ifname)
    assert f"@{object_name}_v4 " in ruleset.text and f'"{ifname}"' in ruleset.text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list(BASE["policies"])), min_size=1, max_size=7, unique_by=lambda p: p["name"]),
       st.sampled_from(["protect", "deny"]))
def test_every_policy_service_and_family_gets_exactly_one_accept_rule(policies, action):
    data = dict(BASE, policies=policies, default_action=action)
    ruleset = nft.render(data)
    expected = set()
    for policy in policies:
        src = {a for o in policy["source"] for a in BASE["address_objects"][o]["addresses"]}
        dst = {a for o in policy["destination"] for a in BASE["address_objects"][o]["addresses"]}
        for family in (4, 6):
            if any((":" in a) == (family == 6) for a in src) and any((":" in a) == (family == 6) for a in dst):
                expected.update((policy["name"], family, s) for s in policy["services"])
    got = [(r.policy, r.family, r.comment.split()[1]) for r in ruleset.rules if r.policy]
    assert sorted(got) == sorted(expected)
    drops = [r for r in ruleset.rules if r.verdict == "drop"]
    assert drops and all(r is ruleset.rules[-len(drops) + i] for i, r in enumerate(drops))  # drops come last
