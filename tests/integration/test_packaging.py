"""The release artefacts, built for real: the collection tarball's file list, and the execution
environment that ansible-builder creates from examples/execution-environment.yml.

ansible-builder resolves a collection's requirements inside the container build, by running the
introspection script it writes into the build context over the installed collections. No
container engine is needed to check that: the same script runs here over the tarball installed
with ansible-galaxy.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
TARBALL = f"exchange-firewall-{GALAXY['version']}.tar.gz"

# Caches and outputs a working checkout has; none of them may reach the tarball.
PLANTED = [
    ".venv/bin/python", ".cache/vendor/python/x.py", "collections/ansible_collections/cisco/asa/MANIFEST.json",
    "output/plan.json", "dist/exchange-firewall-0.0.1.tar.gz", ".pytest_cache/v/cache/lastfailed",
    "tests/.pytest_cache/v/x", ".hypothesis/examples/x", "tests/unit/.hypothesis/examples/x",
    "plugins/filter/__pycache__/exchange_firewall.cpython-311.pyc", "tests/unit/__pycache__/x.cpython-311.pyc",
    "tests/output/junit/x.xml", "benchmarks/output/plan_scale.json", ".ruff_cache/x", ".ansible/x",
    ".nox/units-2-16/x", "changelogs/.plugin-cache.yaml", "exchange-firewall-0.9.0.tar.gz",
]
# Development files of the checkout: tracked, but not part of a release.
DEVELOPMENT = {".ci", ".gitignore", ".ansible-lint", "ansible.cfg", "exchange_firewall.yml", "Makefile", "noxfile.py",
               "pytest.ini", "ruff.toml", "requirements.txt", "requirements.yml", "benchmarks"}
REQUIRED = [
    "MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "meta/runtime.yml", "meta/execution-environment.yml",
    "meta/ee-requirements.txt", "meta/ee-bindep.txt", "roles/exchange_firewall/meta/argument_specs.yml",
    "roles/exchange_firewall/defaults/main.yml", "playbooks/exchange_firewall.yml", "plugins/modules/plan.py",
    "plugins/filter/exchange_firewall.py", "changelogs/changelog.yaml", "changelogs/config.yaml",
    "examples/execution-environment.yml", "examples/inventory/hosts.yml", "tests/sanity/ignore-2.19.txt",
]


def run(cmd, cwd, **kw):
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
                            **kw)
    assert result.returncode == 0, f"{cmd}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result


def tracked_files() -> list:
    out = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], ROOT).stdout
    return sorted(line for line in out.splitlines() if line and (ROOT / line).is_file())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(source tree, tarball, tracked files): the checkout's files plus planted caches, built."""
    base = tmp_path_factory.mktemp("package")
    src = base / "src"
    files = tracked_files()
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for name in PLANTED:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("planted\n")
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", base / "dist", src], base)
    tarball = base / "dist" / TARBALL
    assert tarball.is_file(), sorted(p.name for p in (base / "dist").iterdir())
    return src, tarball, files


def members(tarball) -> set:
    with tarfile.open(tarball) as tar:
        return {m.name for m in tar.getmembers() if m.isfile()}


def test_tarball_holds_the_collection_and_no_development_file_or_cache(built):
    _src, tarball, tracked = built
    names = members(tarball)
    assert not [n for n in REQUIRED if n not in names], "missing from the release"
    assert not names - set(tracked) - {"MANIFEST.json", "FILES.json"}, "only tracked files are released"
    left_out = {n for n in tracked if n not in names and n != "galaxy.yml"}
    assert {n.split("/")[0] for n in left_out} <= DEVELOPMENT, sorted(left_out)
    assert {n.split("/")[0] for n in left_out} == DEVELOPMENT, "every development file is left out"
    for name in names:
        parts = name.split("/")
        assert not set(parts) & {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", "output"}, name
        assert not name.endswith((".pyc", ".tar.gz")), name


def test_the_collections_ee_metadata_names_the_runtime_requirement_files():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta == {"version": 3, "dependencies": {"python": "meta/ee-requirements.txt",
                                                   "system": "meta/ee-bindep.txt"}}


@pytest.fixture(scope="module")
def ee_context(built, tmp_path_factory):
    """ansible-builder create over a copy of examples/ with the built tarball in dist/."""
    _src, tarball, _files = built
    work = tmp_path_factory.mktemp("ee")
    (work / "examples").mkdir()
    (work / "dist").mkdir()
    shutil.copy2(ROOT / "examples" / "execution-environment.yml", work / "examples")
    shutil.copy2(tarball, work / "dist")
    run([BIN / "ansible-builder", "create", "-f", "examples/execution-environment.yml", "-c", "context",
         "--output-filename", "Containerfile"], work)
    return work / "context", tarball


def example_definition() -> dict:
    return yaml.safe_load((ROOT / "examples" / "execution-environment.yml").read_text())


def test_ee_context_installs_the_built_collection_and_the_examples_choices(ee_context):
    context, tarball = ee_context
    definition = example_definition()
    assert definition["version"] == 3
    build = context / "_build"
    assert (build / "collections" / TARBALL).read_bytes() == tarball.read_bytes()
    containerfile = (context / "Containerfile").read_text()
    assert f'ARG EE_BASE_IMAGE="{definition["images"]["base_image"]["name"]}"' in containerfile
    assert "ansible-galaxy collection install --no-deps --collections-path /usr/share/ansible/collections " \
           "/tmp/exchange-firewall/exchange-firewall-*.tar.gz" in containerfile
    assert containerfile.index("COPY _build/collections/") > containerfile.index("FROM base AS galaxy")
    assert containerfile.index("/tmp/exchange-firewall/") < containerfile.index("FROM base AS builder")
    assert yaml.safe_load((build / "requirements.yml").read_text()) == definition["dependencies"]["galaxy"]
    assert (build / "requirements.txt").read_text().split("\n") == definition["dependencies"]["python"]
    assert (build / "bindep.txt").read_text().split("\n") == definition["dependencies"]["system"]


def requirement_lines(path) -> list:
    """Requirement lines without comments, as ansible-builder's introspection reads them."""
    out = []
    for line in Path(path).read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def introspect_module(context):
    spec = importlib.util.spec_from_file_location("ee_introspect", context / "_build" / "scripts" / "introspect.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def introspected(ee_context, tmp_path_factory):
    """What the builder stage of the image computes, computed here over the installed tarball."""
    context, tarball = ee_context
    work = tmp_path_factory.mktemp("introspect")
    run([BIN / "ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", work / "installed", tarball], work)
    build = context / "_build"
    run([sys.executable, build / "scripts" / "introspect.py", "introspect", work / "installed",
         "--user-pip", build / "requirements.txt", "--user-bindep", build / "bindep.txt",
         "--write-pip", work / "requirements.txt", "--write-bindep", work / "bindep.txt"], work)
    return work, introspect_module(context)


def test_ee_python_requirements_are_exactly_the_collections_runtime_ones(introspected):
    work, introspect = introspected
    ours = requirement_lines(ROOT / "meta" / "ee-requirements.txt")
    names = [line.split(">")[0].split("=")[0].split("[")[0].lower() for line in ours]
    assert names == ["jmespath", "pyyaml", "jinja2", "pywinrm", "ncclient", "xmltodict", "jxmlease", "pan-os-python", "graphviz"]
    kept = [line for line, name in zip(ours, names, strict=True) if name not in introspect.EXCLUDE_REQUIREMENTS]
    user = example_definition()["dependencies"]["python"]
    expected = [f"{line}  # from collection exchange.firewall" for line in kept] + \
        [f"{line}  # from collection user" for line in user]
    assert (work / "requirements.txt").read_text().splitlines() == expected
    assert not [line for line in ours if "==" in line], "lower bounds, not the test pins of requirements.txt"


def test_ee_system_requirements_install_graphviz_and_list_the_managed_host_packages(introspected):
    work, _introspect = introspected
    ours = requirement_lines(ROOT / "meta" / "ee-bindep.txt")
    user = example_definition()["dependencies"]["system"]
    expected = [f"{line}  # from collection exchange.firewall" for line in ours] + \
        [f"{line}  # from collection user" for line in user]
    assert (work / "bindep.txt").read_text().splitlines() == expected
    # bindep as the image's assemble step runs it (default profile), on this Debian machine.
    bindep = [str(BIN / "bindep"), "-f", str(work / "bindep.txt"), "-l", "newline"]
    default = subprocess.run(bindep, capture_output=True, text=True, timeout=60, check=False, env=dict(os.environ))
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["graphviz"]
    managed = subprocess.run([*bindep, "managed-host"], capture_output=True, text=True, timeout=60, check=False)
    assert managed.stdout.split() == ["graphviz", "firewalld", "python3-firewall", "nftables"]
    compile_profile = subprocess.run([*bindep, "compile"], capture_output=True, text=True, timeout=60, check=False)
    assert compile_profile.stdout.split() == ["graphviz"], "the Kerberos build packages are rpm-only"
