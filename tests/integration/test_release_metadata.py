"""Release metadata: galaxy.yml, the antsibull-changelog files and CHANGELOG.md, version_added,
requires_ansible, and `make help`."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
CHANGES = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text())
PLACEHOLDER = "https://example.invalid/exchange/firewall"


def version(text: str) -> tuple:
    return tuple(int(part) for part in text.split("."))


def test_galaxy_metadata_is_complete_and_the_urls_are_the_documented_placeholder():
    for key in ("namespace", "name", "version", "readme", "authors", "description", "license", "tags",
                "repository", "documentation", "homepage", "issues", "build_ignore"):
        assert GALAXY.get(key), key
    assert re.fullmatch(r"\d+\.\d+\.\d+", GALAXY["version"])
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", tag) for tag in GALAXY["tags"]) and len(GALAXY["tags"]) <= 20
    for key in ("repository", "documentation", "homepage", "issues"):
        assert GALAXY[key].startswith(PLACEHOLDER), key
    assert "placeholder" in (ROOT / "galaxy.yml").read_text(), "the placeholder is documented where it is set"


def test_the_version_is_newer_than_every_release_in_the_changelog_or_is_the_latest():
    released = sorted(CHANGES["releases"], key=version)
    assert released, "changelog.yaml records the releases"
    assert version(GALAXY["version"]) >= version(released[-1])


def _doc_of(path: Path) -> dict:
    if path.suffix == ".yml":
        return yaml.safe_load(path.read_text())["DOCUMENTATION"]
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{path} has no DOCUMENTATION")


def _public_plugins() -> dict:
    """(type, name) -> version_added of every documented plugin and module."""
    out = {}
    for path in sorted((ROOT / "plugins" / "modules").glob("*.py")):
        out[("module", path.stem)] = str(_doc_of(path)["version_added"])
    for path in sorted((ROOT / "plugins" / "filter").glob("*.yml")):
        out[("filter", path.stem)] = str(_doc_of(path)["version_added"])
    for kind in ("lookup", "callback", "inventory", "test"):
        for path in sorted((ROOT / "plugins" / kind).glob("*.py")):
            out[(kind, path.stem)] = str(_doc_of(path)["version_added"])
    return out


def _released_plugins() -> dict:
    out = {}
    for release, data in CHANGES["releases"].items():
        for module in data.get("modules", []):
            out[("module", module["name"])] = release
        for kind, plugins in data.get("plugins", {}).items():
            for plugin in plugins:
                out[(kind, plugin["name"])] = release
    return out


def test_version_added_is_the_release_that_brought_the_plugin_or_the_coming_one():
    released = _released_plugins()
    for key, added in _public_plugins().items():
        assert added == released.get(key, GALAXY["version"]), f"{key[0]} {key[1]}: version_added {added}"


def test_changelog_fragments_lint_and_changelog_md_is_generated_from_changelog_yaml(tmp_path):
    tool = BIN / "antsibull-changelog"
    lint = subprocess.run([str(tool), "lint"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    copy = tmp_path / "firewall"
    shutil.copytree(ROOT / "changelogs", copy / "changelogs")
    shutil.copy2(ROOT / "galaxy.yml", copy)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    generate = subprocess.run([str(tool), "generate"], cwd=copy, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert (copy / "CHANGELOG.md").read_text() == (ROOT / "CHANGELOG.md").read_text(), "run `make changelog`"
    assert not (copy / "CHANGELOG.rst").exists()


def test_every_fragment_is_a_mapping_of_known_sections_to_lists_of_text():
    config = yaml.safe_load((ROOT / "changelogs" / "config.yaml").read_text())
    sections = {name for name, _title in config["sections"]} | {"release_summary", "trivial"}
    assert config["output_formats"] == ["md"]
    for path in sorted((ROOT / "changelogs" / "fragments").glob("*")):
        data = yaml.safe_load(path.read_text())
        assert isinstance(data, dict) and set(data) <= sections, path.name


def test_requires_ansible_names_the_oldest_core_the_matrix_runs():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    noxfile = (ROOT / "noxfile.py").read_text()
    cores = [line for line, _patch in re.findall(r'"(2\.\d+)": "(2\.\d+\.\d+)"', noxfile)]
    assert cores, "noxfile.py lists the ansible-core versions of the matrix"
    oldest = min(cores, key=version)
    assert runtime["requires_ansible"] == f">={oldest}.0"
    role_meta = yaml.safe_load((ROOT / "roles" / "exchange_firewall" / "meta" / "main.yml").read_text())
    assert role_meta["galaxy_info"]["min_ansible_version"] == oldest
    for core in cores:
        ignore = ROOT / "tests" / "sanity" / f"ignore-{core}.txt"
        assert ignore.read_text() == (ROOT / "tests" / "sanity" / "ignore-2.19.txt").read_text(), ignore.name


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    phony = set()
    for line in makefile.splitlines():
        if line.startswith(".PHONY:"):
            phony |= set(line.split(":", 1)[1].split())
    targets = set(re.findall(r"^([a-z][a-z0-9_-]*):", makefile, re.M))
    assert targets <= phony | {"venv"}, "every target is phony"
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^make ([a-z][a-z0-9_-]*)\s", result.stdout, re.M))
    assert listed == phony, f"missing from make help: {sorted(phony - listed)}; unknown: {sorted(listed - phony)}"


@pytest.mark.parametrize("target", ["test", "pytest", "matrix"])
def test_make_test_runs_the_matrix_and_pytest_depends_on_vendor(target):
    makefile = (ROOT / "Makefile").read_text()
    deps = re.search(rf"^{target}:(.*)$", makefile, re.M)
    assert deps, target
    prerequisites = deps.group(1).split("##", 1)[0].split()
    if target == "test":
        assert prerequisites[-1] == "pytest", "pytest runs last"
        assert {"ruff", "sanity", "lint", "matrix"} <= set(prerequisites)
    else:
        assert "vendor" in prerequisites
