"""Where the network-firewall tests find the vendor collections and libraries.

tests/vendor/install-vendor-collections.sh installs them into .cache/vendor (or EXFW_VENDOR_DIR).
A missing install is a test failure that says how to fix it, never a skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = Path(os.environ.get("EXFW_VENDOR_DIR", ROOT / ".cache" / "vendor"))
INSTALL = "tests/vendor/install-vendor-collections.sh"


def vendor_dirs() -> tuple:
    """(collections path, Python library path), failing the test when they are not installed."""
    collections = VENDOR / "collections"
    python = VENDOR / "python"
    if not (collections / "ansible_collections" / "cisco" / "asa" / "MANIFEST.json").is_file() or not python.is_dir():
        pytest.fail(f"cisco.asa / ncclient / pan-os-python are not installed in {VENDOR}: run {INSTALL}", pytrace=False)
    return collections, python


def import_panos():
    """The pan-os-python package, from the vendor install."""
    python = vendor_dirs()[1]
    if str(python) not in sys.path:
        sys.path.append(str(python))
    try:
        import panos  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"pan-os-python cannot be imported from {python} ({exc}): run {INSTALL}", pytrace=False)
    return sys.modules["panos"]
