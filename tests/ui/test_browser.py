"""End to end in a real browser: the app served by ``streamlit run``, driven with Playwright.

Uses Debian's Chromium (``/usr/bin/chromium``), never a downloaded browser; skipped with the
reason when Chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.storage import Store
from tests.ui.sessions import tagged_session

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (install Debian's chromium package)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", exc_type=ImportError,
                               reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free localhost port, on a temp db with one session."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    Store(url).save(tagged_session("example-session"))
    port = _free_port()
    env = {**os.environ, "ALLIANCE_DB": url, "ALLIANCE_MODEL": str(tmp_path / "no-model")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.address", "localhost", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"streamlit did not start:\n{out[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_review_page_renders_timeline_chips_and_escaped_text(server: str) -> None:
    dialogs: list[str] = []
    external: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: r.url.startswith(("http://localhost", "ws://localhost",
                                                           "data:", "blob:"))
                    or external.append(r.url))
            page.goto(f"{server}/review?session=example-session")
            page.get_by_role("heading", name="Session example-session").wait_for(timeout=30000)
            chart = page.locator("[data-testid='stVegaLiteChart']")
            chart.wait_for(timeout=30000)
            chart.locator("canvas, svg").first.wait_for(timeout=30000)
            assert chart.bounding_box()["height"] > 150  # type: ignore[index]
            chip = page.get_by_text("confrontation 0.91").first
            chip.wait_for(timeout=10000)
            assert chip.is_visible()
            literal = page.get_by_text("<script>alert(1)</script>", exact=False).first
            literal.wait_for(timeout=10000)  # the tag is shown as text...
            # clicking a marker on the timeline brings its turn into the review panel
            chart.locator("g.mark-symbol path").first.click(force=True)
            panel = page.locator(".st-key-review-panel")
            panel.get_by_text("Model markers").wait_for(timeout=20000)
            assert panel.inner_text().startswith("#1 · Client")  # the first marker's turn
        finally:
            browser.close()
    assert dialogs == []  # ...and never runs
    assert external == []  # nothing leaves localhost
