"""The article page in headless Chromium against a live uvicorn server with the tiny model.

Chromium is driven over the DevTools protocol with the small websocket client below (no Selenium, no
driver binary). Skipped when chromium or the serve extra is missing. The screenshot is saved in the
pytest tmp folder and in tests/artifacts/ (gitignored) for a look by eye.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from conftest import REPO

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", "--window-size=1280,1800"]


class DevTools:
    """A minimal client for one DevTools websocket: ``call(method, **params)`` returns the result."""

    def __init__(self, url: str):
        parts = urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        assert response.startswith(b"HTTP/1.1 101"), response
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def _send(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        n = len(payload)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536
                                  else bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _message(self) -> dict:
        payload = b""
        while True:
            first, second = self._exact(2)
            n = second & 0x7F
            n = struct.unpack(">H", self._exact(2))[0] if n == 126 else struct.unpack(">Q", self._exact(8))[0] if n == 127 else n
            payload += self._exact(n)  # frames from the server are never masked
            if first & 0x80:
                return json.loads(payload)

    def call(self, method: str, **params) -> dict:
        call_id = next(self.ids)
        self._send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = self._message()
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        status = self.js("document.getElementById('status').textContent")
        raise TimeoutError(f"never true: {expression}; page status: {status}")


@pytest.fixture
def live_server(tiny_classifier, tiny_run):
    from tonlage.serve.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(tiny_classifier, tiny_run[1]), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1) and time.monotonic() < deadline:
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages: list[dict] = []
        while not pages and time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                pages = [t for t in json.load(response) if t["type"] == "page"]
            time.sleep(0.1)
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.sock.close()
    finally:
        process.terminate()
        process.wait(10)


def test_article_page_renders_speakers_tones_and_words(live_server, browser, tmp_path):
    article = (REPO / "seeds" / "kasachstan-2022-01.txt").read_text(encoding="utf-8")
    browser.call("Network.enable")
    browser.call("Page.enable")
    browser.call("Page.navigate", url=live_server + "/")
    browser.wait_for("document.readyState === 'complete' && !!document.getElementById('analyse')")
    browser.js(f"document.getElementById('article').value = {json.dumps(article)}; document.getElementById('analyse').click()")
    browser.wait_for("document.querySelectorAll('section.group').length > 0")

    speakers = browser.js("[...document.querySelectorAll('section.group')].map(g => g.dataset.speaker)")
    statements = browser.js("document.querySelectorAll('article.statement').length")
    assert any("Blinken" in s for s in speakers) and speakers[-1] == ""  # narrative sentences come last
    assert len(speakers) == len(set(speakers)) and statements > 10

    # The warning slider at 0 tags every statement: one warning chip per statement, and marked words.
    browser.js("{ const s = document.getElementById('th-warning'); s.value = '0'; s.dispatchEvent(new Event('input')) }")
    assert browser.js("document.querySelectorAll('.chip[data-label=warning]').length") == statements
    marks = browser.js("[...document.querySelectorAll('mark[data-label=warning]')].map(m => m.textContent)")
    assert marks and all(m.strip() and m in article for m in marks)

    # Filter by speaker, then switch the labels to English.
    blinken = next(s for s in speakers if "Blinken" in s)
    browser.js(f"{{ const d = document.getElementById('speaker'); d.value = {json.dumps(blinken)}; d.dispatchEvent(new Event('change')) }}")
    assert browser.js("[...document.querySelectorAll('section.group')].map(g => g.dataset.speaker)") == [blinken]
    assert browser.js("document.getElementById('analyse').textContent") == "Analysieren"
    browser.js("document.getElementById('lang').click()")
    assert browser.js("document.getElementById('analyse').textContent") == "Analyse"
    assert browser.js("document.querySelector('.chip[data-label=warning]').textContent").startswith("warning 0.")
    browser.js("{ const d = document.getElementById('speaker'); d.value = ''; d.dispatchEvent(new Event('change')) }")

    browser.js("window.scrollTo(0, 0)")
    shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "article-page.png").write_bytes(shot)
    artifacts = REPO / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "article-page.png").write_bytes(shot)

    requested = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
    assert requested and all(u.startswith(live_server) or u.startswith(("data:", "blob:")) for u in requested), requested
