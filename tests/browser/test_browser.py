"""In a real browser (the system's Chromium, driven by Playwright): the exported chart page and
notebook 02 in JupyterLab render their plotly charts with Chinese labels and make no request to
any machine but this one.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it) and the
``playwright`` package (no browser download: the system Chromium is launched). Without Chromium
the tests are skipped locally and fail under ``CI=true``. Marked ``slow`` and ``browser``: the
quick loop skips them, ``python -m pytest`` runs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import hot_frames as frames
import pytest

import guidance_analytics as ga
from guidance_analytics import hotspots as charts

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GA_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL = {"127.0.0.1", "localhost", "::1", ""}


def need(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the tests need it; the module still imports without it
    PlaywrightTimeout = TimeoutError  # noqa: N816


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    need(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield chromium
        chromium.close()


class Guard:
    """Let requests to this machine through; stop and record every other one."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.seen: list[str] = []

    def __call__(self, route: object) -> None:
        url = route.request.url
        self.seen.append(url)
        parts = urlparse(url)
        if parts.scheme in ("data", "blob", "file", "about") or parts.hostname in LOCAL:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def open_page(browser: object) -> tuple[object, object, Guard]:
    context = browser.new_context(
        service_workers="block", locale="zh-CN", viewport={"width": 1400, "height": 1000}
    )
    guard = Guard()
    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return context, page, guard


def pixel(png: bytes) -> tuple[int, int, int]:
    """The colour of a 1×1 PNG screenshot (8-bit RGB or RGBA, no interlace)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, channels = 8, b"", 3
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            channels = {2: 3, 6: 4}[data[9]]
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert raw[0] in range(5) and len(raw) == 1 + channels
    # one pixel on the first row: every PNG filter predicts 0 (no left, no previous row), so the
    # stored bytes are the colour whatever the filter byte says
    return tuple(raw[1:4])  # type: ignore[return-value]


def rgb(text: str) -> tuple[int, int, int]:
    inner = text[text.index("(") + 1 : text.index(")")]
    return tuple(int(round(float(v))) for v in inner.split(",")[:3])  # type: ignore[return-value]


def hot_frame() -> object:
    return frames.hot_frame(
        {
            "H62": ("餐饮业(H62)", [5, 6, 20, 18, 4, 5]),
            "F52": ("零售业(F52)", [4, 4, 9, 3, 2, 6]),
            "R90": ("娱乐业(R90)", [1, 0, 2, 7, 1, 1]),
        }
    )


def test_the_chart_page_renders_in_chinese_offline_and_hovers_in_the_cells_colour(
    browser: object, tmp_path: Path
) -> None:
    hot = hot_frame()
    page_path = charts.hotspot_report_page(
        hot, charts.find_episodes(hot), tmp_path / "热点.html", top_fields=2
    )
    context, page, guard = open_page(browser)
    try:
        page.goto(page_path.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=30_000
        )
        titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
        assert any("热点" in t for t in titles), titles
        ticks = page.locator(".js-plotly-plot .xtick text").all_text_contents()
        assert "2024年3月" in ticks, ticks[:10]
        assert "期间" in page.locator(".js-plotly-plot .g-xtitle").first.text_content()
        # hover the heatmap's flagged cell (H62, 2024年3月): the box wears the colour of the cell
        where = page.evaluate(
            """() => {
                const gd = document.querySelectorAll('.js-plotly-plot')[0];
                const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
                const x = gd.data[0].x.indexOf('2024年3月'), y = gd.data[0].y.indexOf('餐饮业(H62)');
                return {x: box.left + xa._offset + xa.c2p(x), y: box.top + ya._offset + ya.c2p(y) + 4};
            }"""
        )
        cell = pixel(page.screenshot(clip={"x": where["x"], "y": where["y"], "width": 1, "height": 1}))
        page.mouse.move(where["x"], where["y"])
        page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
        hover = page.locator(".hoverlayer .hovertext").first
        assert "2024年3月" in hover.text_content() and "实际 20" in hover.text_content()
        box = rgb(hover.locator("path").first.evaluate("p => getComputedStyle(p).fill"))
        assert all(abs(a - b) <= 8 for a, b in zip(box, cell, strict=True)), (box, cell)
        assert not page.errors, page.errors
    finally:
        context.close()
    assert guard.seen and not guard.outside, guard.outside


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_lab(sample_workspace: ga.Workspace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "02_hotspots.ipynb", root / "02_hotspots.ipynb")
    workspace = ga.scratch_copy(sample_workspace, root / "workspace")
    port, token = free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "GA_WORKSPACE": str(workspace.path),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",  # CI runs as root
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={root / 'settings'}",
            f"--LabApp.workspaces_dir={root / 'lab-workspaces'}",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(root / "server.log", "w"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start: " + (root / "server.log").read_text()[-2000:])
                time.sleep(0.5)
        yield f"{base}/lab/tree/02_hotspots.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_notebook_02_in_jupyterlab_renders_its_charts_in_chinese_offline(
    browser: object, jupyter_lab: str
) -> None:
    context, page, guard = open_page(browser)
    try:
        page.goto(jupyter_lab)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        try:  # JupyterLab may ask which kernel to start: the notebook's own
            page.locator(".jp-Dialog .jp-mod-accept").click(timeout=10_000)
        except PlaywrightTimeout:
            pass
        page.wait_for_function(
            """() => { const name = document.querySelector('.jp-KernelName');
                       const state = document.querySelector('.jp-Notebook-ExecutionIndicator');
                       return name && !name.textContent.includes('No Kernel') && state
                              && state.dataset.status === 'idle'; }""",
            timeout=120_000,
        )
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        page.wait_for_function(
            "document.querySelectorAll('.jp-OutputArea .js-plotly-plot .main-svg').length >= 3",
            timeout=420_000,
        )
        heat = page.locator(".jp-OutputArea .js-plotly-plot").first
        heat.scroll_into_view_if_needed()
        assert "热点" in heat.locator(".gtitle").text_content()
        assert any(t.startswith("2024年") for t in heat.locator(".xtick text").all_text_contents())
        assert "领域" in heat.locator(".g-ytitle").text_content()
        # the interactive tables are there, with their Chinese controls
        page.wait_for_selector(".jp-OutputArea table.dataTable", timeout=60_000)
        assert (
            "搜索"
            in page.locator(
                ".jp-OutputArea .dt-search, .jp-OutputArea .dataTables_filter"
            ).first.text_content()
        )
        # and the last cell finished without an error
        page.wait_for_function(
            "[...document.querySelectorAll('.jp-InputArea-prompt')].every(p => !p.textContent.includes('*'))",
            timeout=420_000,
        )
        assert "Traceback" not in page.locator(".jp-Notebook").text_content()
    finally:
        context.close()
    assert guard.seen and not guard.outside, guard.outside
