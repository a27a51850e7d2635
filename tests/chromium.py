"""Drive a real headless Chromium from the tests, offline, over the DevTools protocol (no extra package).

Chromium is started with ``--remote-debugging-pipe`` (it reads commands from fd 3 and writes to fd 4,
messages separated by NUL bytes) and a proxy that goes nowhere, so a page that tries to load anything
from the network fails. :class:`Browser` opens a page, evaluates JavaScript, moves and clicks the mouse,
types, and collects console errors and uncaught exceptions.

>>> # with Browser(tmp_path) as b: page = b.open(path.as_uri()); page.eval("1 + 1")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

__all__ = ["CHROMIUM", "NO_CHROMIUM", "Browser", "Page", "headless_flags"]

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)
NO_CHROMIUM = "needs Debian's chromium (apt-get install chromium; .ci/run installs it)"


def headless_flags(profile: str | os.PathLike) -> list[str]:
    """Flags shared by every headless run: no network at all, software WebGL, a throw-away profile."""
    return ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--disable-extensions",
            "--disable-dev-shm-usage", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
            "--ignore-gpu-blocklist", f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]  # no network at all


class Page:
    """One tab, attached through a flattened DevTools session."""

    def __init__(self, browser: Browser, session: str):
        self.browser, self.session = browser, session
        self.errors: list[str] = []      # console.error calls, uncaught exceptions, failed loads
        self.requests: list[str] = []    # every URL the page asked for

    def send(self, method: str, timeout: float = 60, **params):
        return self.browser.send(method, session=self.session, timeout=timeout, **params)

    def eval(self, expression: str, *, timeout: float = 60):
        """Evaluate ``expression`` (promises awaited) and return its JSON value; JS exceptions raise."""
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True, timeout=timeout)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise RuntimeError(d.get("exception", {}).get("description") or d.get("text"))
        return res["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 60, every: float = 0.05):
        """Poll ``expression`` until truthy; return its value (``TimeoutError`` otherwise)."""
        end = time.monotonic() + timeout
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() > end:
                raise TimeoutError(f"{expression!r} still false after {timeout} s; errors: {self.errors}")
            time.sleep(every)

    def mouse(self, kind: str, x: float, y: float, **extra):
        """``kind``: ``"mouseMoved"``, ``"mousePressed"``, ``"mouseReleased"``, ``"mouseWheel"``."""
        self.send("Input.dispatchMouseEvent", type=kind, x=float(x), y=float(y), **extra)

    def click(self, x: float, y: float):
        self.mouse("mouseMoved", x, y)
        for kind in ("mousePressed", "mouseReleased"):
            self.mouse(kind, x, y, button="left", clickCount=1)

    def type_text(self, text: str):
        self.send("Input.insertText", text=text)

    def screenshot(self, path: str | os.PathLike) -> Path:
        import base64

        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)


class Browser:
    """A headless Chromium driven over ``--remote-debugging-pipe`` (use as a context manager)."""

    def __init__(self, tmp_dir: str | os.PathLike, *, width: int = 1200, height: int = 800):
        if CHROMIUM is None:
            raise RuntimeError(NO_CHROMIUM)
        self.width, self.height = width, height
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire():  # child: our pipes become its fd 3 (commands in) and fd 4 (replies out)
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        Path(tmp_dir).mkdir(parents=True, exist_ok=True)
        flags = headless_flags(Path(tmp_dir) / "chromium-profile")
        self._log = open(Path(tmp_dir) / "chromium-stderr.log", "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, *flags, "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            preexec_fn=wire, pass_fds=(3, 4))  # keep what wire() set up
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self._pages: dict[str, Page] = {}

    # -- protocol -----------------------------------------------------------------------
    def send(self, method: str, *, session: str | None = None, timeout: float = 60, **params):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            for reply in self._read(end, method):
                if reply.get("id") == self._next:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self._event(reply)

    def _read(self, end: float, what: str):
        while b"\0" not in self._buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError(f"no reply from chromium to {what}")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe: " + Path(self._log.name).read_text(errors="replace")[-2000:])
            self._buf += chunk
        *msgs, self._buf = self._buf.split(b"\0")
        return [json.loads(m) for m in msgs if m]

    def _event(self, msg: dict):
        page = self._pages.get(msg.get("sessionId", ""))
        if page is None:
            return
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            page.errors.append("uncaught: " + (d.get("exception", {}).get("description") or d.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            page.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                          for a in p.get("args", [])))
        elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
            page.errors.append("log: " + p["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            page.requests.append(p["request"]["url"])

    # -- pages --------------------------------------------------------------------------
    def open(self, url: str, *, timeout: float = 60) -> Page:
        """A new tab showing ``url``, returned once its load event fired."""
        target = self.send("Target.createTarget", url="about:blank")
        session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
        page = self._pages[session] = Page(self, session)
        for domain in ("Runtime", "Log", "Network", "Page"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        page.send("Page.navigate", url=url)
        page.wait_for("document.readyState === 'complete'", timeout=timeout)
        return page

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
