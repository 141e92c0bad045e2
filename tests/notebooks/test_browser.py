"""One real-browser test: notebook 4 as a Voila app in Debian's Chromium, its reboot button pressed.

Voila is started on a free localhost port (its own process group, a temporary Jupyter runtime
directory, no token), Chromium is driven through Python Playwright with the system browser
(STACK.md: never ``playwright install``), the lab bench's **reboot** button for the master is
clicked, simulated time is run on (the bench's run button), and the probe chart must then show
the outage: a shaded region labelled with its length in seconds. A screenshot of the page is
written to ``$PYTEST_ARTIFACTS`` (default ``tests/artifacts/``, ignored by git) for a human.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04-carp-freebsd.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: an outage label as simlab.lab.views.outage_label writes it: "2.4 s" (or "≥ 12.0 s")
OUTAGE_LABEL = re.compile(r"^(?:≥ )?(\d+\.\d) s$")


def artifacts_dir() -> Path:
    path = Path(os.environ.get("PYTEST_ARTIFACTS") or ROOT / "tests" / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def voila(notebook: Path, log: Path) -> Iterator[str]:
    """Voila serving ``notebook`` on 127.0.0.1; yields its URL; always stops it (its group)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="simlab-voila-") as runtime, log.open("wb") as out:
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=runtime, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                str(notebook),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                "--show_tracebacks=True",
            ],
            cwd=notebook.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kernel goes with it
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                try:  # any HTTP answer means the server is up
                    with socket.create_connection(("127.0.0.1", port), timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"voila did not answer in 60 s:\n{log.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_reboot_button_in_chromium_shows_the_outage(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (make apt-deps installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("voila")
    shots = artifacts_dir()
    with voila(NOTEBOOK, tmp_path / "voila.log") as url, sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 1600},
        )
        passed = False
        try:
            page = context.pages[0] if context.pages else context.new_page()
            # JavaScript errors are kept for the failure message: some come from Jupyter's
            # own extensions (version mismatches Voila tolerates), so they do not fail the test.
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url, timeout=120_000)
            # Voila runs every cell before the page is complete; the bench's buttons come last.
            # The bench labels its buttons briefly ("reboot") and names them in the tooltip.
            reboot = page.locator('button[title="reboot server-1"]')
            reboot.first.wait_for(state="visible", timeout=150_000)
            # The notebook's static charts carry outage labels already; the bench's own chart
            # must gain one once the master has been rebooted and time has passed.
            before = outage_labels(page)
            reboot.first.scroll_into_view_if_needed()
            reboot.first.click()
            play_on(page)
            label = wait_for_new_outage_label(page, before, timeout_s=60, errors=errors)
            # The topology names the new holder (plotly FigureWidgets, used before, sometimes
            # kept their first drawing in Voila while the kernel sent them every update).
            wait_for_title(page, "192.0.2.50 is held by server-2", timeout_s=20, errors=errors)
            page.wait_for_timeout(1000)  # the other views' updates follow the probe chart's
            page.screenshot(path=str(shots / "04-carp-freebsd-reboot.png"), full_page=True)
            passed = True
            seconds = float(OUTAGE_LABEL.match(label).group(1))  # type: ignore[union-attr]
            assert 2.0 <= seconds <= 4.0, f"outage label {label!r}: the article measured ~3 s"
        finally:
            if not passed:  # what the page looked like when it went wrong
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(shots / "04-carp-freebsd-failed.png"), full_page=True)
            context.close()


def play_on(page) -> None:
    """Let simulated time pass with the bench's own control: its run button (10 s a press)."""
    page.locator('button[title="run"]').first.click()


def outage_labels(page) -> list[str]:
    """The outage labels of every plotly chart on the page (annotations are SVG text)."""
    texts = (t.strip() for t in page.locator("g.annotation text").all_text_contents())
    return [t for t in texts if OUTAGE_LABEL.match(t)]


def wait_for_new_outage_label(page, before: list[str], timeout_s: float, errors: list[str]) -> str:
    """The first outage label that was not on the page in ``before``."""

    def look() -> tuple[str | None, str]:
        now = outage_labels(page)
        new = list(now)
        for label in before:
            if label in new:
                new.remove(label)
        return (new[0] if new else None), f"no new outage label: before {before}, now {now}"

    return poll(page, look, timeout_s, errors)


def wait_for_title(page, title: str, timeout_s: float, errors: list[str]) -> str:
    """Wait until some plotly chart on the page carries ``title``."""

    def look() -> tuple[str | None, str]:
        titles = [t.strip() for t in page.locator("g.g-gtitle text").all_text_contents()]
        return (title if title in titles else None), f"no chart titled {title!r}: titles {titles}"

    return poll(page, look, timeout_s, errors)


def poll(page, look, timeout_s: float, errors: list[str]) -> str:
    """Ask ``look`` every half second for (what was found or None, what the page showed)
    until it finds something; fail with what the page showed after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        found, shown = look()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout_s} s, {shown}; browser errors: {errors}")
        page.wait_for_timeout(500)


def test_the_label_pattern_matches_what_the_probe_chart_writes() -> None:
    """The browser test looks for the views' own outage labels; a format change must show here."""
    views = pytest.importorskip("simlab.lab.views")
    assert OUTAGE_LABEL.match(views.outage_label(2.4)).group(1) == "2.4"  # type: ignore[union-attr]
    assert OUTAGE_LABEL.match(views.outage_label(12.0, ongoing=True))
    assert not OUTAGE_LABEL.match("reboot server-1")
