"""Drive the web app in a real browser: a uvicorn server in a thread and a small W3C WebDriver client.

Used by the end-to-end tests and ``scripts/screenshot.py``. The client talks to Debian's
``chromedriver`` over HTTP with the standard library only (the W3C WebDriver protocol that
Selenium wraps), so no browser download and no extra Python dependency are needed.
Chromium runs headless with its background networking off and a fresh profile.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                 "--force-device-scale-factor=1", "--lang=en-US"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def find_browser() -> tuple[str | None, str | None]:
    """(chromium, chromedriver) paths, from $NARRATRACE_CHROMIUM / $NARRATRACE_CHROMEDRIVER or the usual places."""
    def first(env: str, names: tuple[str, ...], which: str) -> str | None:
        if os.environ.get(env):
            return os.environ[env] if os.path.exists(os.environ[env]) else None
        for n in names:
            if os.path.exists(n):
                return n
        return shutil.which(which)
    return (first("NARRATRACE_CHROMIUM", CHROMIUM_CANDIDATES, "chromium"),
            first("NARRATRACE_CHROMEDRIVER", CHROMEDRIVER_CANDIDATES, "chromedriver"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="narratrace-web", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class WebDriverError(RuntimeError):
    pass


class Chromium:
    """A headless Chromium session through chromedriver (W3C WebDriver over HTTP)."""

    def __init__(self, chromium: str | None = None, chromedriver: str | None = None,
                 width: int = 1280, height: int = 900) -> None:
        found = find_browser()
        self.chromium = chromium or found[0]
        self.chromedriver = chromedriver or found[1]
        if not self.chromium or not self.chromedriver:
            raise WebDriverError("chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="narratrace-chromium-")
        self.proc = subprocess.Popen([self.chromedriver, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.session: str | None = None
        try:
            self._wait_ready()
            caps = {"browserName": "chrome", "goog:chromeOptions": {
                "binary": self.chromium,
                "args": CHROMIUM_ARGS + [f"--user-data-dir={self.profile}", f"--window-size={width},{height}"]}}
            value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
            self.session = value["sessionId"]
        except BaseException:
            self.quit()
            raise

    # ------------------------------------------------------------ protocol
    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise WebDriverError(f"chromedriver exited with {self.proc.returncode}")
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not start")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                err = json.loads(exc.read()).get("value", {})
            except ValueError:
                err = {}
            raise WebDriverError(f"{method} {path}: {err.get('error', exc.code)}: "
                                 f"{err.get('message', '')[:500]}") from None
        return payload.get("value")

    def _s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    # ------------------------------------------------------------- actions
    def get(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    @property
    def title(self) -> str:
        return self._call("GET", self._s("/title"))

    @property
    def current_url(self) -> str:
        return self._call("GET", self._s("/url"))

    def execute(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body; ``arguments`` holds ``args``) in the page and return its value."""
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        return self._call("POST", self._s("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css: str) -> list[str]:
        return [e[ELEMENT] for e in self._call("POST", self._s("/elements"), {"using": "css selector", "value": css})]

    def text(self, element: str) -> str:
        return self._call("GET", self._s(f"/element/{element}/text"))

    def click(self, element: str) -> None:
        self._call("POST", self._s(f"/element/{element}/click"), {})

    def type(self, element: str, text: str) -> None:
        self._call("POST", self._s(f"/element/{element}/value"), {"text": text})

    def wait_for(self, script: str, timeout: float = 15.0) -> Any:
        """Poll ``script`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.execute(script)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.1)

    def set_window_size(self, width: int, height: int) -> None:
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})

    def screenshot(self, path: str | Path) -> Path:
        png = base64.b64decode(self._call("GET", self._s("/screenshot")))
        Path(path).write_bytes(png)
        return Path(path)

    def quit(self) -> None:
        if self.session:
            with contextlib.suppress(OSError, WebDriverError):
                self._call("DELETE", self._s(""))
            self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.quit()
