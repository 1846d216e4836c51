"""The Linux probe module, run for real on loopback: how each connection ended, and the host's addresses."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys

import pytest
from conftest import COLLECTIONS

from ansible_collections.exchange.firewall.plugins.modules import tcp_probe

MODULE = COLLECTIONS / "ansible_collections" / "exchange" / "firewall" / "plugins" / "modules" / "tcp_probe.py"


def run_module(tmp_path, args):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run([sys.executable, str(MODULE), str(path)], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(COLLECTIONS), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, check=False)
    return json.loads(proc.stdout)


def test_open_refused_and_unreachable_for_real(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    open_port = listener.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        result = run_module(tmp_path, {"probes": [
            {"id": "a", "address": "127.0.0.1", "port": open_port},
            {"id": "b", "address": "127.0.0.1", "port": closed_port},
            {"id": "c", "address": "127.0.0.1", "port": open_port, "source": "192.0.2.77"},
            {"id": "d", "address": "not-an-ip", "port": 1}], "timeout": 1})
    finally:
        listener.close()
    assert result.get("failed") is not True, result
    states = {r["id"]: r["state"] for r in result["results"]}
    assert states == {"a": "open", "b": "refused", "c": "unreachable", "d": "error"}
    assert all(not a.startswith("127.") and a != "::1" for a in result["addresses"])


@pytest.mark.parametrize("args, message", [
    ({"timeout": 0}, "timeout must be between 0.1 and 30"),
    ({"workers": 100}, "workers must be between 1 and 64"),
    ({"probes": [{"address": "127.0.0.1", "port": 70000}]}, "out of range 1-65535"),
])
def test_bad_arguments(tmp_path, args, message):
    result = run_module(tmp_path, args)
    assert result["failed"] and message in result["msg"]


@pytest.mark.parametrize("exc, state", [
    (TimeoutError(), "timeout"), (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "refused"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "rejected"), (OSError(errno.EACCES, "denied"), "rejected"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "unreachable"), (OSError(errno.EIO, "io"), "error"),
])
def test_classification(exc, state):
    assert tcp_probe.classify(exc)[0] == state
