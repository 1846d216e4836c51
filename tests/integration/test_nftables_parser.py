"""The real nft parser and kernel accept what the renderer writes, and list it back as written.

Every nft command here runs in a throwaway network namespace (`unshare --net`), never in the
machine's own.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from netns_router import require_router_lab

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft

pytestmark = pytest.mark.netns
FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "fixtures"
# Load the script, then list the table: both inside one new, empty network namespace.
LOAD_AND_LIST = 'nft -f - && nft list table inet "$1"'


def scratch(script: str, table: str = "exfw") -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "--net", "--", "sh", "-c", LOAD_AND_LIST, "sh", table], input=script,
                          capture_output=True, text=True, timeout=30, check=False)


def check_only(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "--net", "--", "nft", "-c", "-f", "-"], input=script, capture_output=True,
                          text=True, timeout=30, check=False)


@pytest.fixture(scope="module", autouse=True)
def _root():
    require_router_lab()


def nft_version() -> str:
    return subprocess.run(["nft", "--version"], capture_output=True, text=True, check=True, timeout=10).stdout.strip()


@pytest.mark.parametrize("name", ["fw01", "fw02", "lab"])
def test_nft_accepts_the_rendered_table_and_lists_it_back_as_rendered(name):
    ruleset = nft.render(json.loads((FIXTURES / f"firewall_view_{name}.json").read_text()))
    validated = check_only(nft.replace_script(ruleset.table, ruleset.text))
    assert validated.returncode == 0, validated.stderr
    loaded = scratch(ruleset.text)
    assert loaded.returncode == 0, loaded.stderr
    # The renderer writes nft's own listing form: the listing compares equal (nft_version() prints it).
    assert nft.normalise(loaded.stdout) == nft.normalise(ruleset.text), nft_version()
    assert nft.owned(loaded.stdout) and nft.table_comment(loaded.stdout) == nft.table_comment(ruleset.text)


def test_the_replace_transaction_is_one_atomic_batch():
    """A replacement whose last line fails leaves the old table exactly as it was."""
    ruleset = nft.render(json.loads((FIXTURES / "firewall_view_lab.json").read_text()))
    broken = nft.replace_script(ruleset.table, ruleset.text.replace("tcp dport 443", "tcp dport 99999", 1))
    proc = subprocess.run(
        ["unshare", "--net", "--", "sh", "-c",
         'printf "%s" "$1" | nft -f - && printf "%s" "$2" | nft -f -; echo "rc=$?"; nft list table inet exfw',
         "sh", ruleset.text, broken], capture_output=True, text=True, timeout=30, check=False)
    assert "rc=1" in proc.stdout and "99999" in proc.stderr, proc.stdout + proc.stderr
    assert nft.normalise(proc.stdout.split("rc=1", 1)[1]) == nft.normalise(ruleset.text)


def test_a_prefix_that_is_an_nft_keyword_is_rejected_by_nft():
    lab = json.loads((FIXTURES / "firewall_view_lab.json").read_text())
    ruleset = nft.render(dict(lab, prefix="tcp"))
    assert scratch(ruleset.text, "tcp").returncode != 0


# --- random views, hostile comment text, the real parser ---------------------------------------------

IDENT = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,20}", fullmatch=True)
IFNAME = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,14}", fullmatch=True)
HOSTILE = st.text(alphabet=st.sampled_from('"\\\n\t;{}#$@`\' ~*é\u2019') | st.characters(blacklist_categories=("Cs",)),
                  min_size=1, max_size=150).filter(lambda t: t.strip())


@st.composite
def networks(draw):
    version = draw(st.sampled_from([4, 6]))
    address = draw(st.ip_addresses(v=version))
    prefix = draw(st.integers(min_value=8 if version == 4 else 32, max_value=32 if version == 4 else 128))
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@st.composite
def views(draw):
    zone_names = draw(st.lists(IDENT, min_size=1, max_size=3, unique=True))
    ifnames = draw(st.lists(IFNAME, min_size=len(zone_names) * 2, max_size=len(zone_names) * 2, unique=True))
    zones = {z: {"interfaces": ifnames[2 * i:2 * i + draw(st.integers(1, 2))], "vrf": None, "addresses": []}
             for i, z in enumerate(zone_names)}
    object_names = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    objects = {o: {"addresses": draw(st.lists(networks(), min_size=1, max_size=5)), "description": draw(HOSTILE)}
               for o in object_names}
    services = {}
    for index in range(draw(st.integers(1, 4))):
        protocol = draw(st.sampled_from(["tcp", "udp", "any"]))
        ports = [] if protocol == "any" else draw(st.lists(
            st.integers(1, 65535).map(str) | st.tuples(st.integers(1, 30000), st.integers(0, 35535)).map(
                lambda t: f"{t[0]}-{t[0] + t[1]}"), min_size=1, max_size=4))
        services[f"svc{index}"] = {"protocol": protocol, "ports": ports}
    policies = []
    for index in range(draw(st.integers(1, 5))):
        policies.append({
            "name": f"{index}{draw(HOSTILE)}", "from_zone": draw(st.sampled_from(zone_names)),
            "to_zone": draw(st.sampled_from(zone_names)),
            "source": draw(st.lists(st.sampled_from(object_names), min_size=1, max_size=2, unique=True)),
            "destination": draw(st.lists(st.sampled_from(object_names), min_size=1, max_size=2, unique=True)),
            "services": draw(st.lists(st.sampled_from(sorted(services)), min_size=1, max_size=3, unique=True)),
            "action": "allow", "flow_ids": draw(st.lists(HOSTILE, max_size=3)), "citations": [], "comment": draw(HOSTILE)})
    return {"name": draw(HOSTILE), "prefix": "exfw", "provider": "nftables", "network_os": None,
            "default_action": draw(st.sampled_from(["protect", "deny"])), "zones": zones, "address_objects": objects,
            "services": services, "protected": draw(st.lists(networks(), max_size=4)), "policies": policies}


# No shrinking: every example runs nft in a new namespace, and shrinking one failure took minutes.
@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(views())
def test_random_views_with_hostile_text_load_and_list_back_as_rendered(view):
    try:
        ruleset = nft.render(view)
    except nft.NftablesError as exc:
        assume("no address family in common" not in str(exc))
        raise
    loaded = scratch(ruleset.text)
    assert loaded.returncode == 0, loaded.stderr + ruleset.text
    assert nft.normalise(loaded.stdout) == nft.normalise(ruleset.text)
    # Exactly the rendered rules, with exactly the rendered comments: nothing was parsed as syntax.
    rendered_comments = re.findall(r'comment "([^"]*)"', ruleset.text)
    assert re.findall(r'comment "([^"]*)"', loaded.stdout) == rendered_comments
    assert len(rendered_comments) == len(ruleset.rules)  # every rule but ct state's, and the table's
