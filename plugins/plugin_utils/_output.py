# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the plan's output set on the controller, all or nothing.

The output directory belongs to the collection: a manifest (``.exchange-firewall.json``) lists
what it wrote. A run renders every file into a temporary directory beside the output directory
and swaps it into place only when everything was rendered; files of hosts no longer planned
disappear with the old set. A directory holding files the collection did not write is refused.
A failed run leaves the previous set untouched and marks it with ``LAST-RUN-FAILED.txt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

MANIFEST = ".exchange-firewall.json"
FAILED_MARKER = "LAST-RUN-FAILED.txt"
# Relative paths the collection writes: lowercase folders, then a file name from safe characters.
_PATH_RE = re.compile(r"^(?:[a-z0-9][a-z0-9_-]{0,31}/)*[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
DIFF_LIMIT = 64 * 1024


class OutputError(ValueError):
    """The output directory cannot be written safely."""


def _digest(text) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()


def _check_path(rel: str) -> None:
    if not _PATH_RE.match(rel) or ".." in rel.split("/"):
        raise OutputError(f"refusing to write output file {rel!r}: not a safe relative path")


def read_manifest(directory) -> dict | None:
    """The manifest of the current output set, or None."""
    return _read_manifest(Path(directory).resolve())


def _read_manifest(directory: Path) -> dict | None:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputError(f"exchange_firewall_output_dir: {directory}: unreadable {MANIFEST} ({exc})") from None


def _existing(directory: Path, variable: str) -> dict:
    """Files of the current set {relative path: sha256}; refuses a directory the collection does not own."""
    if not directory.exists():
        return {}
    if not directory.is_dir():
        raise OutputError(f"{variable}: {directory} is not a directory")
    manifest = _read_manifest(directory)
    present = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file() or p.is_symlink())
    owned = set((manifest or {}).get("files", {})) | {MANIFEST, FAILED_MARKER}
    foreign = [p for p in present if p not in owned]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(f"{variable}: {directory} holds files this collection did not write ({shown}); "
                          "choose an empty or new directory, or remove them")
    return dict((manifest or {}).get("files", {}))


def plan_changes(directory, files: dict, variable: str = "exchange_firewall_output_dir") -> dict:
    """What writing ``files`` {relative path: text} would change: added/changed/removed/unchanged."""
    directory = Path(directory).resolve()
    for rel in files:
        _check_path(rel)
    old = _existing(directory, variable)
    new = {rel: _digest(text) for rel, text in files.items()}
    return {
        "added": sorted(set(new) - set(old)),
        "changed": sorted(r for r in set(new) & set(old) if new[r] != old[r]),
        "removed": sorted(set(old) - set(new)),
        "unchanged": sorted(r for r in set(new) & set(old) if new[r] == old[r]),
        "digests": new,
        "failed_marker": (directory / FAILED_MARKER).exists(),
    }


def diff(directory, files: dict, changes: dict) -> list:
    """Ansible ``--diff`` entries for the files that change (small text files in full)."""
    directory = Path(directory).resolve()
    out = []
    for rel in changes["added"] + changes["changed"] + changes["removed"]:
        before = ""
        if rel not in changes["added"]:
            path = directory / rel
            before = path.read_text() if path.stat().st_size <= DIFF_LIMIT else f"({rel}: too large to show)\n"
        after = files.get(rel, "")
        if len(after) > DIFF_LIMIT:
            after = f"({rel}: {len(after)} characters, too large to show)\n"
        out.append({"before_header": f"{directory}/{rel}", "after_header": f"{directory}/{rel}",
                    "before": before, "after": after})
    return out


def write(directory, files: dict, changes: dict, extra: dict | None = None) -> None:
    """Render ``files`` into a temporary sibling directory, then swap it into place."""
    directory = Path(directory).resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new-", dir=directory.parent))
    try:
        for rel, text in files.items():
            _check_path(rel)
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o644)
        manifest = dict(extra or {}, files=changes["digests"])
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        tmp.chmod(0o755)
        if directory.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
            os.rename(directory, old / "set")
            os.rename(tmp, directory)
            shutil.rmtree(old)
        else:
            os.rename(tmp, directory)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def update_changes(directory, files: dict, variable: str = "exchange_firewall_output_dir") -> dict:
    """What adding or replacing ``files`` in the current set would change (the other files stay)."""
    directory = Path(directory).resolve()
    manifest = _read_manifest(directory) if directory.is_dir() else None
    if manifest is None:
        raise OutputError(f"{variable}: {directory} holds no output set of this collection (run the plan first)")
    for rel in files:
        _check_path(rel)
    old = _existing(directory, variable)
    new = {rel: _digest(text) for rel, text in files.items()}
    return {"added": sorted(set(new) - set(old)), "changed": sorted(r for r in set(new) & set(old) if new[r] != old[r]),
            "removed": [], "unchanged": sorted(r for r in set(new) & set(old) if new[r] == old[r]),
            "digests": dict(old, **new), "manifest": manifest}


def update(directory, files: dict, changes: dict) -> None:
    """Add or replace ``files`` in the current set, all or nothing: the set is copied beside the
    output directory, the files are written into the copy, and the copy is swapped into place."""
    directory = Path(directory).resolve()
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new-", dir=directory.parent))
    try:
        for rel in changes["manifest"].get("files", {}):
            _check_path(rel)
            if rel in files:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(directory / rel, target)
        for rel, text in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text)
            target.chmod(0o644)
        manifest = dict(changes["manifest"], files=changes["digests"])
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        tmp.chmod(0o755)
        old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
        os.rename(directory, old / "set")
        os.rename(tmp, directory)
        shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def mark_failed(directory, message: str) -> bool:
    """After a failed run, mark an existing output set as not matching the inventory any more."""
    directory = Path(directory).resolve()
    if not directory.is_dir() or _read_manifest(directory) is None:
        return False
    (directory / FAILED_MARKER).write_text(
        "The last exchange.firewall run failed; the files here are from an earlier run and may not "
        f"match the inventory any more.\n\n{message}\n")
    return True
