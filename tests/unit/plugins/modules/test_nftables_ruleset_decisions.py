"""The module's decisions against an in-memory nft: what it runs, when, and how it recovers.

The real nft and kernel are exercised by tests/integration/test_nftables_ruleset.py; here a fake
records every command so that the number and kind of calls (one transaction, none when nothing
differs, a restore after a mismatch) can be asserted exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.module_utils.basic import AnsibleModule
from helpers import patch_module_args

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft
from ansible_collections.exchange.firewall.plugins.modules import nftables_ruleset

VIEW = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "firewall_view_lab.json").read_text())
NO_TABLE = (1, "", "Error: No such file or directory\nlist table inet exfw\n                ^^^^\n")


class FakeNft:
    """Tables by name as nft would list them; every command is recorded."""

    def __init__(self, tables=None, unshare=True, corrupt=False, reject=False):
        self.tables = dict(tables or {})
        self.unshare = unshare
        self.corrupt = corrupt  # the kernel ends up with something else than what was loaded
        self.reject = reject  # nft -f fails
        self.calls = []

    def run_command(self, module, args, data=None, **kwargs):
        self.calls.append((list(args), data))
        if args[0] == "/usr/bin/unshare":
            return (0, data, "") if self.unshare else (1, "", "unshare: unshare failed: Operation not permitted")
        if args[1:3] == ["list", "table"]:
            name = args[4]
            return (0, self.tables[name], "") if name in self.tables else NO_TABLE
        check = "-c" in args
        if self.reject:
            return 1, "", "Error: Could not process rule: Operation not supported"
        if not check:
            self.load(data)
        return 0, "", ""

    def load(self, script):
        lines = script.splitlines(keepends=True)
        if lines[0].startswith("delete table inet "):
            self.tables.pop(lines[0].split()[-1], None)
            return
        name = lines[0].split()[-1]
        self.tables[name] = "".join(lines[2:]) if not self.corrupt else "table inet exfw {\n}\n"
        self.corrupt = False

    def transactions(self):
        return [(args, data) for args, data in self.calls if args[0] == "/usr/sbin/nft" and "-f" in args]


@pytest.fixture
def fake(monkeypatch):
    state = {"nft": FakeNft()}
    monkeypatch.delenv("SSH_CONNECTION", raising=False)

    def run_command(self, args, **kwargs):
        return state["nft"].run_command(self, args, **kwargs)

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: {
        "nft": "/usr/sbin/nft", "unshare": "/usr/bin/unshare", "ip": None}.get(name))
    return state


def run(args, capsys, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args), pytest.raises(SystemExit):
        nftables_ruleset.main()
    return json.loads(capsys.readouterr().out)


TEXT = nft.render(VIEW).text


def test_first_run_replaces_the_table_in_one_transaction_and_a_rerun_runs_none(fake, capsys):
    result = run({"view": VIEW}, capsys)
    assert result["changed"] and result["compared_with"] == "nft" and result["table"] == "inet exfw"
    [(args, data)] = fake["nft"].transactions()
    assert args == ["/usr/sbin/nft", "-f", "-"] and data == nft.replace_script("exfw", TEXT)
    assert result["diff"]["before"] == "" and result["diff"]["after"] == nft.normalise(TEXT)

    fake["nft"].calls.clear()
    again = run({"view": VIEW}, capsys)
    assert not again["changed"] and fake["nft"].transactions() == []


def test_check_mode_validates_with_nft_c_and_changes_nothing(fake, capsys):
    result = run({"view": VIEW}, capsys, check_mode=True)
    assert result["changed"]
    [(args, _data)] = fake["nft"].transactions()
    assert args == ["/usr/sbin/nft", "-c", "-f", "-"]
    assert fake["nft"].tables == {}


def test_a_mismatch_after_applying_puts_the_previous_table_back(fake, capsys):
    old = dict(VIEW, policies=VIEW["policies"][1:])
    previous = nft.render(old).text
    fake["nft"] = FakeNft({"exfw": previous}, corrupt=True)
    result = run({"view": VIEW}, capsys)
    assert result["failed"] and "does not match the view after applying it; the table is as it was before" in result["msg"]
    assert [data for _args, data in fake["nft"].transactions()] == [
        nft.replace_script("exfw", TEXT), nft.replace_script("exfw", previous)]
    assert fake["nft"].tables == {"exfw": previous}


def test_a_mismatch_on_a_router_without_the_table_removes_what_was_loaded(fake, capsys):
    fake["nft"] = FakeNft(corrupt=True)
    result = run({"view": VIEW}, capsys)
    assert result["failed"] and "the table is as it was before" in result["msg"] and not result["changed"]
    assert [data for _args, data in fake["nft"].transactions()][1:] == ["delete table inet exfw\n"]
    assert fake["nft"].tables == {}


def test_a_rejected_transaction_changes_nothing(fake, capsys):
    fake["nft"] = FakeNft(reject=True)
    result = run({"view": VIEW}, capsys)
    assert result["failed"] and not result["changed"]
    assert "nft rejected the transaction for table inet exfw; nothing was changed" in result["msg"]


def test_without_a_private_namespace_the_rendered_text_is_compared(fake, capsys):
    fake["nft"] = FakeNft({"exfw": TEXT}, unshare=False)
    result = run({"view": VIEW}, capsys)
    assert not result["changed"] and result["compared_with"] == "rendered"


def test_a_table_it_does_not_own_is_refused_and_left_alone(fake, capsys):
    foreign = 'table inet exfw {\n\tcomment "hand made"\n\tchain forward {\n\t}\n}\n'
    fake["nft"] = FakeNft({"exfw": foreign})
    for args in ({"view": VIEW}, {"state": "absent"}):
        result = run(args, capsys)
        assert result["failed"] and "not owned by exchange.firewall (its comment is 'hand made')" in result["msg"]
    assert fake["nft"].transactions() == [] and fake["nft"].tables == {"exfw": foreign}


def test_absent_deletes_only_the_owned_table(fake, capsys):
    fake["nft"] = FakeNft({"exfw": TEXT, "other": "table inet other {\n}\n"})
    result = run({"state": "absent"}, capsys)
    assert result["changed"] and result["diff"]["after"] == ""
    assert [data for _args, data in fake["nft"].transactions()] == ["delete table inet exfw\n"]
    assert list(fake["nft"].tables) == ["other"]
    assert not run({"state": "absent"}, capsys)["changed"]


def test_a_bad_view_fails_before_nft_is_run(fake, capsys):
    bad = json.loads(json.dumps(VIEW))
    bad["policies"][0]["source"] = ["nobody"]
    result = run({"view": bad}, capsys)
    assert result["failed"] and "references unknown address object 'nobody'" in result["msg"]
    assert fake["nft"].calls == []


def test_the_table_option_overrides_the_prefix(fake, capsys):
    result = run({"view": VIEW, "table": "exfw_lab"}, capsys)
    assert result["table"] == "inet exfw_lab" and "exfw_lab" in fake["nft"].tables
