"""Audit and verify for real: the lab organisation (an SMTP relay and a reverse proxy, each a network
namespace with its own firewalld) applied with the playbook, then audited (read only) and verified
with real TCP connections from client namespaces (apps, mgmt, other) run as inventory hosts. Then
a rule is broken by hand in relay01's live zone, and both the audit and the verification must
catch it, naming the rule."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from netns_fixtures import NETNS, TCP, require_root

pytestmark = [pytest.mark.firewalld, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOPOLOGY = ROOT / "extensions" / "molecule" / "default" / "topology.json"
LISTEN = (22, 25, 80, 443)
BROKEN = 'rule family="ipv4" source address="10.250.1.0/24" port port="25" protocol="tcp" accept'


class LabRun:
    def __init__(self, tmp: Path):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        self.topology = json.loads(TOPOLOGY.read_text())
        self.topology["state_dir"] = f"/tmp/exfw-pytest-lab-{worker}-{os.getpid()}"
        self.topology.pop("link_prefix", None)
        self.topology["ttl"] = 900
        self.state = Path(self.topology["state_dir"])
        self.file = tmp / "topology.json"
        self.file.write_text(json.dumps(self.topology))
        self.out = tmp / "output"
        self.inventory = tmp / "lab-hosts.yml"
        self.listeners = []
        hosts = {name: {"ansible_connection": "local", "ansible_python_interpreter": str(self.state / name / "python")}
                 for name in ("relay01", "proxy01")}
        clients = {name: {"ansible_connection": "local", "ansible_python_interpreter": str(self.state / name / "python")}
                   for name in ("apps", "mgmt", "other")}
        self.inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts, "children": {"lab_clients": {"hosts": clients}}}}))

    def netns(self, *args, check=True, timeout=120):
        result = subprocess.run(["/usr/bin/python3", str(NETNS), *args], capture_output=True, text=True,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"netns {args}: {result.stdout}{result.stderr}")
        return result

    def exec(self, host, *cmd, check=True):
        return self.netns("exec", str(self.file), host, "--", *cmd, check=check)

    def listen(self, seconds=600):
        for host in ("relay01", "proxy01"):
            self.listeners.append(subprocess.Popen(
                ["/usr/bin/python3", str(NETNS), "exec", str(self.file), host, "--",
                 "/usr/bin/python3", str(TCP), "listen", str(seconds), *map(str, LISTEN)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all(all(f":{p} " in self.exec(h, "ss", "-Hltn", check=False).stdout for p in LISTEN)
                   for h in ("relay01", "proxy01")):
                return
            time.sleep(0.2)
        raise AssertionError("the TCP listeners did not start")

    def playbook(self, mode, *extra):
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default",
                   PATH=f"{BIN}:{os.environ['PATH']}", ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"))
        cmd = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "examples" / "lab" / "inventory"), "-i", str(self.inventory),
               "exchange_firewall.yml", "-e", f"exchange_firewall_mode={mode}",
               "-e", f"exchange_firewall_output_dir={self.out}", *extra]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        print(f"{mode} {extra}: {time.monotonic() - started:.1f} s")
        return proc

    def record(self, kind):
        return json.loads((self.out / f"{kind}.json").read_text())


def summary_of(proc) -> str:
    match = re.search(r"TASK \[exchange\.firewall\.exchange_firewall : Show the summary of the run\].*?\n(.*?)\n\n",
                      proc.stdout, re.S)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_root()
    run = LabRun(tmp_path_factory.mktemp("lab"))
    run.netns("up", str(run.file), timeout=180)
    try:
        run.listen()
        yield run
    finally:
        # The listeners run in sessions of their own (not the namespaces'): stop them by their ids.
        for proc in run.listeners:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            proc.wait(10)
        run.netns("down", str(run.file), check=False)
        shutil.rmtree(run.state, ignore_errors=True)


VERIFY = ["-e", '{"exchange_firewall_verify_sources": ["lab_clients"]}', "-e", "exchange_firewall_verify_timeout=1.5"]


def test_apply_audit_verify_then_a_broken_rule_is_caught_by_both(lab):
    # 1. Apply: every rule is new, and the summary says so per host.
    applied = lab.playbook("apply")
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-2000:]
    record = lab.record("apply")
    by_host = {h["host"]: h for h in record["hosts"]}
    assert set(by_host) == {"relay01", "proxy01"}
    assert sorted(by_host["relay01"]["added"]) == ["exfw-in-tcp-management", "exfw-in-tcp-smtp-clients"]
    assert by_host["relay01"]["status"] == "changed" and by_host["relay01"]["provider"] == "firewalld"
    assert "relay01 (firewalld): changed - 2 rules added, 0 changed, 0 removed, 0 unchanged" in summary_of(applied)
    assert 'id="apply"' in (lab.out / "report.html").read_text()

    # 2. Audit right after the apply: in sync, nothing changed on the hosts.
    audited = lab.playbook("audit", "-e", "exchange_firewall_audit_fail_on_drift=true")
    assert audited.returncode == 0, audited.stdout[-4000:]
    findings = {h["host"]: h for h in lab.record("audit")["hosts"]}
    assert {h: f["status"] for h, f in findings.items()} == {"relay01": "in sync", "proxy01": "in sync"}
    assert findings["relay01"]["counts"]["rules"] == 2
    assert "changed=0" in audited.stdout.split("PLAY RECAP", 1)[1].split("relay01", 1)[1].splitlines()[0]

    # 3. Verify from the three client namespaces: every required flow connects, the closed sample is closed.
    verified = lab.playbook("verify", *VERIFY)
    assert verified.returncode == 0, verified.stdout[-5000:]
    record = lab.record("verify")
    counts = record["summary"]
    assert counts["required"] == 6 and counts["required_passed"] == 6, record["summary"]
    assert counts["closed"] == 21 and counts["closed_passed"] == 21, record["summary"]
    required = {(p["source"], p["host"], p["address"], p["port"]): p for p in record["probes"] if p["expect"] == "open"}
    assert required[("apps", "relay01", "10.250.1.1", 25)]["observed"] == "open"
    assert required[("apps", "relay01", "fd00:250:1::1", 25)]["observed"] == "open"
    assert required[("apps", "proxy01", "10.251.1.1", 443)]["rule"] == "exfw-in-tcp-clients"
    assert required[("mgmt", "relay01", "10.250.3.1", 22)]["flow_ids"] == ["mgmt-linux"]
    closed = [p for p in record["probes"] if p["expect"] == "closed"]
    assert {p["observed"] for p in closed} <= {"rejected", "timeout"}
    assert any(p["source"] == "other" and p["host"] == "relay01" and p["port"] == 25 for p in closed)
    assert not [p for p in record["probes"] if p["source"] == "other" and p["expect"] == "open"]

    # 4. Break the rule by hand: TCP 25 from the IPv4 application network leaves relay01's live zone.
    # Also bind two single addresses of that network to foreign zones: 'block' comes before 'exfw'
    # in firewalld's dispatch order (and takes that traffic), 'trusted' after it (and never sees it).
    lab.exec("relay01", "firewall-cmd", "--zone=exfw", f"--remove-rich-rule={BROKEN}")
    lab.exec("relay01", "firewall-cmd", "--zone=block", "--add-source=10.250.1.7")
    lab.exec("relay01", "firewall-cmd", "--zone=trusted", "--add-source=10.250.1.8")

    # 5. The audit finds it (runtime configuration only), names the rule and fails the run as asked.
    audited = lab.playbook("audit", "-e", "exchange_firewall_audit_fail_on_drift=true")
    assert audited.returncode != 0
    assert "drift found (exchange_firewall_audit_fail_on_drift is true)" in audited.stdout
    findings = {h["host"]: h for h in lab.record("audit")["hosts"]}
    assert findings["proxy01"]["status"] == "in sync"
    relay = findings["relay01"]
    assert relay["status"] == "drift"
    expected = [("exfw-in-tcp-smtp-clients", "runtime configuration")]
    assert [(d["rule"], d["where"]) for d in relay["differing"]] == expected
    assert "TCP 25 from 10.250.1.0/24" in relay["differing"][0]["what"]
    assert relay["missing"] == [] and relay["extra"] == []
    assert [(s["zone"], s["rules"]) for s in relay["shadowing"]] == [("block", ["exfw-in-tcp-smtp-clients"])]
    assert "relay01 (firewalld): DRIFT - 1 differing: exfw-in-tcp-smtp-clients (runtime configuration) | " \
           "1 shadowing: zone 'block'" in summary_of(audited)
    assert 'id="audit"' in (lab.out / "report.html").read_text()

    # 6. The verification finds it too: the IPv4 connection fails, the IPv6 one still passes.
    verified = lab.playbook("verify", *VERIFY)
    assert verified.returncode != 0
    record = lab.record("verify")
    failed = [p for p in record["probes"] if not p["passed"]]
    assert [(p["source"], p["host"], p["address"], p["port"], p["rule"]) for p in failed] == \
        [("apps", "relay01", "10.250.1.1", 25, "exfw-in-tcp-smtp-clients")]
    assert failed[0]["observed"] == "rejected" and failed[0]["flow_ids"] == ["relay-smtp-clients"]
    flows = {(f["flow"], f["host"], tuple(sorted({p["address"] for p in f["probes"]}))): f["passed"]
             for f in record["flows"]}
    assert flows[("relay-smtp-clients", "relay01", ("10.250.1.1", "fd00:250:1::1"))] is False
    assert "FAIL 10.250.1.2 -> relay01 10.250.1.1:25 expected open, got rejected (rule exfw-in-tcp-smtp-clients, " \
           "flows relay-smtp-clients)" in summary_of(verified)

    # 7. A check-mode audit reads and reports, and writes nothing.
    before = {p.name: p.stat().st_mtime_ns for p in lab.out.iterdir()}
    checked = lab.playbook("audit", "--check")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "DRIFT" in summary_of(checked)
    assert {p.name: p.stat().st_mtime_ns for p in lab.out.iterdir()} == before
