"""Shared test set-up: make the checkout importable as ansible_collections.exchange.firewall."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _collection_root() -> Path:
    # Inside an ansible_collections/exchange/firewall tree (ansible-test, installed copy)?
    if ROOT.parent.name == "exchange" and ROOT.parent.parent.name == "ansible_collections":
        return ROOT.parent.parent.parent
    link = ROOT / "collections" / "ansible_collections" / "exchange" / "firewall"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink("../../..", link)
    return ROOT / "collections"


COLLECTIONS = _collection_root()
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS))

# The collection loader must own ansible_collections.* before a test imports from it: before
# ansible-core 2.19 a package imported without it has no collection metadata (doc fragments,
# plugin routing), and init_plugin_loader() cannot be configured twice.
from ansible.plugins.loader import init_plugin_loader  # noqa: E402

init_plugin_loader()
