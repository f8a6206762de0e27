"""The dashboard and the HTML report open in headless Chromium with every image loaded.

Drives Debian's `chromium` through `chromedriver` with the W3C WebDriver protocol over plain
HTTP (no extra Python package). Skipped, saying why, only when chromium or chromedriver is not
installed (`apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.test_charts_support import image_sources, is_blank, mixed_warehouse_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless browser check needs Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver); not installed here",
)


class Browser:
    """A minimal WebDriver client: one headless Chromium session."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        options = {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"],
        }  # fmt: skip
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def do(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, url: str) -> None:
        self.do("POST", "/url", {"url": url})

    def script(self, source: str):
        return self.do("POST", "/execute/sync", {"script": source, "args": []})

    def close(self) -> None:
        try:
            self.do("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="session")
def mixed_warehouse(tiny_run, tmp_path_factory):
    return mixed_warehouse_path(tiny_run, tmp_path_factory)


IMAGES_STATE = """
return Array.from(document.images).map(img => ({
    src: img.getAttribute('src').slice(0, 60), complete: img.complete,
    width: img.naturalWidth, height: img.naturalHeight}));
"""


def _check_page(browser: Browser, page: Path, shots: Path, expected_images: int) -> None:
    browser.open(page.as_uri())
    for _ in range(50):  # wait for every image to finish loading
        if browser.script("return Array.from(document.images).every(i => i.complete)"):
            break
        time.sleep(0.1)
    images = browser.script(IMAGES_STATE)
    assert len(images) == expected_images
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert broken == [], f"images that did not load: {broken}"
    shots.mkdir(exist_ok=True)
    # the screenshot of each image, scrolled into view, shows the chart (not a blank box)
    for n, ref in enumerate(
        browser.do("POST", "/elements", {"using": "css selector", "value": "img"})
    ):
        # scrolled into view first: an image at the window's edge is otherwise cut to a line
        browser.do(
            "POST",
            "/execute/sync",
            {"script": "arguments[0].scrollIntoView({block: 'center'});", "args": [ref]},
        )
        png = base64.b64decode(browser.do("GET", f"/element/{ref[ELEMENT]}/screenshot"))
        shot = shots / f"{page.stem}-{n}.png"
        shot.write_bytes(png)
        assert not is_blank(shot), f"image {n} of {page.name} looks blank on screen"
    whole = shots / f"{page.stem}-page.png"
    whole.write_bytes(base64.b64decode(browser.do("GET", "/screenshot")))
    assert not is_blank(whole)
    note = browser.script("return document.getElementById('simulated-count').innerText")
    assert "simulated" in note


def test_dashboard_shows_every_image_in_chromium(browser, mixed_warehouse, tmp_path):
    out = tmp_path / "dash"
    invoke("chart", "dashboard", "--output", out, "--db-path", mixed_warehouse, "--dpi", "50")
    index = out / "index.html"
    _check_page(browser, index, tmp_path / "shots", len(image_sources(index.read_text())))


def test_html_report_is_self_contained_and_shows_its_charts(browser, mixed_warehouse, tmp_path):
    report = tmp_path / "performance.html"
    invoke(
        "report",
        "performance",
        "--format",
        "html",
        "--output",
        report,
        "--db-path",
        mixed_warehouse,
    )
    text = report.read_text()
    sources = image_sources(text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    # nothing else is fetched: no external scripts, styles or images
    assert "<script" not in text and "<link" not in text and 'src="http' not in text
    # moved away from everything else, it still shows every chart
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(report, alone / report.name)
    _check_page(browser, alone / report.name, tmp_path / "shots", len(sources))
