"""The output set: written all or nothing, owned directory, stale files removed, check mode honest."""

from __future__ import annotations

import json

import pytest

from ansible_collections.exchange.firewall.plugins.plugin_utils import _output as output


def write(directory, files):
    changes = output.plan_changes(directory, files)
    output.write(directory, files, changes)
    return changes


def test_first_write_creates_the_set_and_a_manifest(tmp_path):
    out = tmp_path / "out"
    changes = write(out, {"plan.json": "{}\n", "windows/ex01.ps1": "a\n"})
    assert changes["added"] == ["plan.json", "windows/ex01.ps1"]
    assert (out / "windows" / "ex01.ps1").read_text() == "a\n"
    manifest = json.loads((out / output.MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["plan.json", "windows/ex01.ps1"]
    assert not list(tmp_path.glob(".out.*")), "no temporary directory is left behind"


def test_unchanged_files_are_reported_unchanged(tmp_path):
    out = tmp_path / "out"
    write(out, {"plan.json": "{}\n"})
    changes = output.plan_changes(out, {"plan.json": "{}\n"})
    assert changes["unchanged"] == ["plan.json"] and not (changes["added"] or changes["changed"] or changes["removed"])


def test_files_of_hosts_no_longer_planned_disappear(tmp_path):
    out = tmp_path / "out"
    write(out, {"plan.json": "1", "windows/ex01.ps1": "a", "windows/ex09.ps1": "b"})
    changes = write(out, {"plan.json": "2", "windows/ex01.ps1": "a"})
    assert changes["removed"] == ["windows/ex09.ps1"] and changes["changed"] == ["plan.json"]
    assert not (out / "windows" / "ex09.ps1").exists()
    assert (out / "plan.json").read_text() == "2"


def test_a_directory_with_foreign_files_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(output.OutputError, match=r"holds files this collection did not write \(notes.txt\)"):
        output.plan_changes(out, {"plan.json": "{}"})
    assert (out / "notes.txt").read_text() == "mine"


def test_a_file_added_by_hand_to_the_set_is_refused(tmp_path):
    out = tmp_path / "out"
    write(out, {"plan.json": "{}"})
    (out / "windows").mkdir()
    (out / "windows" / "extra.ps1").write_text("x")
    with pytest.raises(output.OutputError, match="windows/extra.ps1"):
        output.plan_changes(out, {"plan.json": "{}"})


@pytest.mark.parametrize("rel", ["../PWNED.ps1", "windows/../../x", "/etc/passwd", "windows/a\nb.ps1", "", ".hidden",
                                 "windows/" + "a" * 200])
def test_unsafe_paths_are_refused(tmp_path, rel):
    with pytest.raises(output.OutputError, match="not a safe relative path"):
        output.plan_changes(tmp_path / "out", {rel: "x"})
    assert not (tmp_path / "out").exists() and not (tmp_path / "PWNED.ps1").exists()


def test_a_failed_render_leaves_the_previous_set_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write(out, {"plan.json": "old"})
    files = {"plan.json": "new", "windows/ex01.ps1": "a"}
    changes = output.plan_changes(out, files)
    real = type(out).write_text
    calls = []

    def failing(self, text, *args, **kwargs):
        calls.append(self.name)
        if self.name == "ex01.ps1":
            raise OSError("disk full")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(type(out), "write_text", failing)
    with pytest.raises(OSError, match="disk full"):
        output.write(out, files, changes)
    monkeypatch.undo()
    assert "ex01.ps1" in calls
    assert (out / "plan.json").read_text() == "old"
    assert not list(tmp_path.glob(".out.*")), "the half-written set was removed"


def test_a_failed_run_marks_the_previous_set(tmp_path):
    out = tmp_path / "out"
    write(out, {"plan.json": "old"})
    assert output.mark_failed(out, "host 'ex01': exchange_firewall_dag: ...")
    assert "exchange_firewall_dag" in (out / output.FAILED_MARKER).read_text()
    changes = output.plan_changes(out, {"plan.json": "old"})
    assert changes["failed_marker"]
    write(out, {"plan.json": "old"})
    assert not (out / output.FAILED_MARKER).exists()


def test_a_failed_run_writes_nothing_where_there_was_no_set(tmp_path):
    assert not output.mark_failed(tmp_path / "nothing", "error")
    assert not (tmp_path / "nothing").exists()


def test_diff_shows_small_files_in_full(tmp_path):
    out = tmp_path / "out"
    write(out, {"plan.md": "a\n"})
    files = {"plan.md": "b\n"}
    entries = output.diff(out, files, output.plan_changes(out, files))
    assert entries == [{"before_header": f"{out}/plan.md", "after_header": f"{out}/plan.md", "before": "a\n",
                        "after": "b\n"}]
