"""The run's rule-set store: each host reads its own entry and the objects it names, nothing else."""

from __future__ import annotations

import pytest
from helpers import expanded, load_inventory

from ansible_collections.exchange.firewall.plugins.plugin_utils import _store as store
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan(*load_inventory())


def test_every_host_reads_back_its_expanded_rule_set(tmp_path, plan):
    location = store.write(plan, str(tmp_path / "store"))
    full = expanded(plan)
    for host in plan["hosts"]:
        entry = store.read(location, host)
        assert entry.pop("rule_prefix") == "exfw"
        assert entry == full["hosts"][host]
    assert store.read(location, "dc01") is None


def test_a_host_file_holds_only_its_own_entry(tmp_path, plan):
    location = store.write(plan, str(tmp_path / "store"))
    text = (tmp_path / "store" / "hosts" / "relay01.json").read_text()
    assert "ex01" not in text and "organisation" not in text
    objects = sorted(p.stem for p in (tmp_path / "store" / "objects").iterdir())
    assert objects == sorted(plan["address_objects"])
    assert location == str(tmp_path / "store")


def test_writing_again_replaces_the_store(tmp_path, plan):
    location = store.write(plan, str(tmp_path / "store"))
    smaller = dict(plan, hosts={"relay01": plan["hosts"]["relay01"]})
    store.write(smaller, location)
    assert store.read(location, "ex01") is None and store.read(location, "relay01") is not None


def test_a_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(store.StoreError, match="does not exist"):
        store.read(str(tmp_path / "none"), "ex01")


@pytest.mark.parametrize("host", ["../x", "a/b", "", "x\ny"])
def test_unsafe_host_names_are_refused(tmp_path, plan, host):
    location = store.write(plan, str(tmp_path / "store"))
    with pytest.raises(store.StoreError, match="as a file name"):
        store.read(location, host)
