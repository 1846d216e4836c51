"""The ansible-core version matrix: unit and sanity tests against each supported core.

    nox -l                          list the sessions
    nox                             every session: units-<core> and sanity-<core> for each core below
    nox -s units-2.16 sanity-2.16   one core
    make matrix                     what `make test` runs (see the Makefile)

Each session has its own virtual environment under .nox/ with one ansible-core release and the
test tools pinned in requirements.txt. The collections of the `ansible` bundle pinned in
requirements.txt (cisco.ios, community.windows, ...) are shared by every session, so that only
ansible-core changes from one session to the next: they come from the `ansible` package of the
Python running nox, or are installed once into .cache/matrix/.
"""

from __future__ import annotations

import os
import re
import sysconfig
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache" / "matrix"
# The newest release of each ansible-core line that installs on Python 3.11; requires_ansible in
# meta/runtime.yml names the oldest (a test keeps them together).
CORES = {"2.16": "2.16.19", "2.17": "2.17.14", "2.18": "2.18.19", "2.19": "2.19.14"}
# requirements.txt pins that the tests do not need, or that depend on a particular ansible-core.
NOT_FOR_SESSIONS = {"ansible", "ansible-core", "ansible-lint", "molecule", "pytest-ansible", "ansible-builder",
                    "antsibull-changelog", "nox", "ruff"}

nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True


def _pins() -> dict:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[=<>!~\[ ]", line, maxsplit=1)[0].lower()
            pins[name] = line
    return pins


def _bundle(session: nox.Session) -> Path:
    """A directory holding only ansible_collections/ of the pinned `ansible` bundle."""
    version = _pins()["ansible"].split("==", 1)[1]
    target = CACHE / f"ansible-{version}"
    if (target / "ansible_collections" / "ansible" / "windows").is_dir():
        return target
    outer = Path(sysconfig.get_paths()["purelib"])
    target.mkdir(parents=True, exist_ok=True)
    if (outer / f"ansible-{version}.dist-info").is_dir():
        link = target / "ansible_collections"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(outer / "ansible_collections", target_is_directory=True)
    else:
        session.run("python", "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    f"ansible=={version}")
    return target


def _install(session: nox.Session, core: str, *extra: str) -> dict:
    """ansible-core of this session, the test pins and the shared collections; the session's env."""
    pins = _pins()
    session.install(f"ansible-core=={CORES[core]}", *extra,
                    *(line for name, line in pins.items() if name not in NOT_FOR_SESSIONS))
    bundle = _bundle(session)
    purelib = session.run("python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                          silent=True).strip()
    Path(purelib, "exfw-ansible-bundle.pth").write_text(f"{bundle}\n")
    found = session.run("python", "-c", "import ansible; print(ansible.__version__)", silent=True).strip()
    if found != CORES[core]:
        session.error(f"ansible-core {found} in the session, expected {CORES[core]}")
    return {
        "ANSIBLE_COLLECTIONS_PATH": f"{ROOT / 'collections'}:{bundle}",
        "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
        "PATH": f"{Path(session.bin)}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _units(session: nox.Session, core: str) -> None:
    env = _install(session, core)
    session.run("bash", "tests/vendor/install-vendor-collections.sh", env={"PYTHON": str(Path(session.bin) / "python")},
                external=True)
    session.run("python", "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", "-n", "2", *session.posargs,
                env=env)


def _sanity(session: nox.Session, core: str) -> None:
    env = _install(session, core)
    env.update(VENV=str(Path(session.bin).parent), SANITY_ROOT=str(CACHE / f"sanity-{core}"))
    session.run("bash", "tests/sanity/run-sanity.sh", *session.posargs, env=env, external=True)


def _sessions(core: str) -> None:
    def units(session: nox.Session) -> None:
        _units(session, core)

    def sanity(session: nox.Session) -> None:
        _sanity(session, core)

    units.__doc__ = f"pytest tests/unit on ansible-core {CORES[core]}"
    sanity.__doc__ = f"ansible-test sanity on ansible-core {CORES[core]}"
    nox.session(name=f"units-{core}", python="3.11", tags=["units", core])(units)
    nox.session(name=f"sanity-{core}", python="3.11", tags=["sanity", core])(sanity)


for _core in CORES:
    _sessions(_core)
