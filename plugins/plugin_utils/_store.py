# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's rule-set store: the plan split into one small file per host and per address object.

Applying to N hosts must not make every host read (or Ansible template) the whole plan: each
host reads its own entry and the objects its rules name, nothing else. The store is written by
the plan task into Ansible's local temporary directory of the run (removed when the run ends).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from ansible_collections.exchange.firewall.plugins.module_utils._plan_schema import firewall_view, host_ruleset

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
STORE_NAME = "exchange-firewall-store"


def default_location(local_tmp: str) -> str:
    """The store of this run: a fixed name inside the run's own local temporary directory."""
    return os.path.join(local_tmp, STORE_NAME)


class StoreError(ValueError):
    """The store cannot be written or read."""


def _name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise StoreError(f"refusing {kind} name {name!r} as a file name")
    return name


def write(plan: dict, location: str) -> str:
    """Write the store for ``plan`` at ``location`` (replacing an earlier one); return its path."""
    target = Path(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    (root / "hosts").mkdir()
    (root / "objects").mkdir()
    for name, obj in plan["address_objects"].items():
        (root / "objects" / f"{_name('object', name)}.json").write_text(json.dumps(obj))
    citations = plan["citations"]
    settings = {"rule_prefix": plan["settings"]["rule_prefix"]}
    for host, entry in plan["hosts"].items():
        used = {c: citations[c] for rule in entry["rules"] for c in rule["citation_ids"]}
        data = {"entry": entry, "citations": used, "settings": settings}
        (root / "hosts" / f"{_name('host', host)}.json").write_text(json.dumps(data))
    # The flows' ports and purposes, for the verify probes (which flow a probed port belongs to).
    flows = {fid: {k: spec.get(k) for k in ("protocol", "ports", "purpose", "verified")}
             for fid, spec in (plan.get("flows") or {}).items()}
    (root / "flows.json").write_text(json.dumps(flows))
    for name, section in plan.get("network_firewalls", {}).items():
        entry = {"platform": "network", "provider": section["provider"], "view": firewall_view(plan, name)}
        (root / "hosts" / f"{_name('host', name)}.json").write_text(json.dumps({"firewall": entry}))
    if target.exists():
        shutil.rmtree(target)
    os.rename(root, target)
    return str(target)


def read(store: str, host: str):
    """The host's entry with expanded rules (as ``_plan_schema.host_ruleset``), or None if not planned."""
    root = Path(store)
    path = root / "hosts" / f"{_name('host', host)}.json"
    if not root.is_dir():
        raise StoreError(f"the plan's rule-set store {store} does not exist (run the plan in the same run)")
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if "firewall" in data:
        return data["firewall"]
    entry = data["entry"]
    objects = {}
    for rule in entry["rules"]:
        name = rule["remote_object"]
        if name not in objects:
            objects[name] = json.loads((root / "objects" / f"{_name('object', name)}.json").read_text())
    return host_ruleset({"hosts": {host: entry}, "address_objects": objects, "citations": data["citations"],
                         "settings": data["settings"]}, host)


def hosts(store: str) -> list:
    """The names of every host and firewall the store holds."""
    root = Path(store) / "hosts"
    if not root.is_dir():
        raise StoreError(f"the plan's rule-set store {store} does not exist (run the plan in the same run)")
    return sorted(p.name[:-5] for p in root.glob("*.json"))


def flows(store: str) -> dict:
    """{flow id: protocol, ports, purpose, verified} of the plan (empty for a store without them)."""
    try:
        return json.loads((Path(store) / "flows.json").read_text())
    except FileNotFoundError:
        return {}
