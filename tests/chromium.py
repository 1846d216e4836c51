"""Headless Chromium (Debian's package) driven over the DevTools protocol through a pipe. Stdlib only.

    python tests/chromium.py REPORT.html [SCREENSHOT.png]

loads the page, prints what the browser saw (console messages, network requests, the diagram's
nodes and edges as found in the DOM) and writes a screenshot of the page from its top to the end
of the flow diagram. When the screenshot goes into the report's own output set (next to the
report), it is added to the set's manifest, so that the next plan run does not refuse the
directory. Exit status 1 when the page logged an error or asked for anything but itself.

Chromium runs with ``--remote-debugging-pipe``: protocol messages are NUL-terminated JSON on file
descriptors 3 (to the browser) and 4 (from it), as Playwright does it, so no WebSocket client and no
port are needed. The flags are those that work on these machines as root without a display
(``--no-sandbox``, and no background networking so the closed network is never tried).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL = "apt-get install chromium (Debian 12: package 'chromium')"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe"]

# What the page reports about its diagram: graphviz gives every node and edge a <g> with our id.
DIAGRAM_JS = """(() => {
  const svg = document.querySelector('#diagram svg');
  if (!svg) return null;
  const ids = sel => Array.from(svg.querySelectorAll(sel)).map(g => g.id).sort();
  const edges = Array.from(svg.querySelectorAll('g.edge')).map(g => ({
    id: g.id, label: Array.from(g.querySelectorAll('text')).map(t => t.textContent).join(' ')}));
  const box = svg.getBoundingClientRect();
  return {nodes: ids('g.node'), clusters: ids('g.cluster'), edges: edges,
          width: box.width, height: box.height, scripts: document.scripts.length};
})()"""


class ChromiumError(RuntimeError):
    pass


def executable() -> str | None:
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


class Chromium:
    """One headless browser; ``load`` a page, then evaluate, screenshot, read the events."""

    def __init__(self, width: int = 1400, height: int = 1000, timeout: float = 30.0):
        path = executable()
        if path is None:
            raise ChromiumError(f"Chromium is not installed: {INSTALL}")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="exfw-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds():
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(  # noqa: S603 - fixed executable and flags
            [path, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: PLW1509
            stderr=self.stderr)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next = 0
        self.events = []
        self.session = None

    # ---- protocol -------------------------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next, f"reply to {method}")
        if "error" in reply:
            raise ChromiumError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _wait(self, predicate, what: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" not in message:
                    self.events.append(message)
                if predicate(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError(f"timed out waiting for {what}")
            ready, _w, _x = select.select([self._from_child], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise ChromiumError(f"Chromium exited while waiting for {what}: {self.stderr_text()[-2000:]}")
                self._buffer += chunk

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    # ---- page -----------------------------------------------------------------------------------
    def load(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=self.session)
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=self.session)
        self._wait(lambda m: m.get("method") == "Page.loadEventFired", f"{url} to load")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                           session=self.session)
        if "exceptionDetails" in result:
            raise ChromiumError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path, full_page: bool = True, until: str | None = None) -> int:
        """A PNG of the whole page, or of its top down to the end of the element ``until`` (a CSS selector)."""
        params = {"format": "png"}
        if full_page or until:
            size = self.send("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
            height = size["height"]
            if until:
                bottom = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(until)}); "
                                       "return e ? e.getBoundingClientRect().bottom + window.scrollY : null; })()")
                height = min(height, bottom + 16) if bottom else height
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1})
        data = base64.b64decode(self.send("Page.captureScreenshot", params, session=self.session)["data"])
        Path(path).write_bytes(data)
        return len(data)

    # ---- what the page did ----------------------------------------------------------------------
    def console_errors(self) -> list:
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                out.append(f"console.{params['type']}: " + " ".join(str(a.get("value")) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                entry = params["entry"]
                out.append(f"{entry.get('source')} {entry['level']}: {entry.get('text')}")
        return out

    def requests(self) -> list:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    os.write(self._to_child, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                except OSError:
                    pass
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check(report, screenshot=None, until: str | None = None) -> dict:
    """Load a report in Chromium: {"errors", "requests", "external", "diagram", "title", "screenshot_bytes"}."""
    url = Path(report).resolve().as_uri()
    with Chromium() as browser:
        started = time.monotonic()
        browser.load(url)
        out = {"url": url, "title": browser.evaluate("document.title"), "diagram": browser.evaluate(DIAGRAM_JS),
               "errors": browser.console_errors(), "requests": browser.requests()}
        out["external"] = [r for r in out["requests"] if r != url]
        out["diagram_missing_note"] = browser.evaluate(
            "(document.getElementById('diagram-missing') || {}).textContent || null")
        if screenshot:
            out["screenshot_bytes"] = browser.screenshot(screenshot, until=until)
        out["seconds"] = round(time.monotonic() - started, 2)
        out["version"] = browser.send("Browser.getVersion").get("product")
    return out


def main(argv) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    shot = Path(argv[2]).resolve() if len(argv) == 3 else None
    managed = shot is not None and (shot.parent / ".exchange-firewall.json").exists()
    target = Path(tempfile.mkdtemp(prefix="exfw-shot-")) / shot.name if managed else shot
    try:
        result = check(argv[1], target, until="#diagram")
    except ChromiumError as exc:
        print(f"chromium: {exc}", file=sys.stderr)
        return 2
    diagram = result["diagram"] or {}
    print(f"{result['version']}: loaded {result['url']} in {result['seconds']} s ({result['title']!r})")
    print(f"console errors and warnings: {len(result['errors'])}")
    for line in result["errors"]:
        print(f"  {line}")
    print(f"requests: {len(result['requests'])} ({len(result['external'])} besides the page itself)")
    for url in result["external"]:
        print(f"  {url}")
    if diagram:
        print(f"diagram: {len(diagram['nodes'])} nodes, {len(diagram['edges'])} edges, {len(diagram['clusters'])} "
              f"clusters, {diagram['width']:.0f}x{diagram['height']:.0f} px; scripts on the page: {diagram['scripts']}")
    else:
        print(f"diagram: none ({result['diagram_missing_note']})")
    if managed:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import conftest  # noqa: F401 - makes the collection importable

        from ansible_collections.exchange.firewall.plugins.plugin_utils import _output

        data = target.read_bytes()
        shutil.rmtree(target.parent, ignore_errors=True)
        files = {shot.name: data}
        _output.update(shot.parent, files, _output.update_changes(shot.parent, files))
    if result.get("screenshot_bytes"):
        print(f"screenshot: {shot} ({result['screenshot_bytes']} bytes)" + (", added to the output set" if managed else ""))
    return 1 if result["errors"] or result["external"] or not diagram else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
