"""`prepdeck preview` as a user runs it: a real process on a free port, real edits
to a copy of the bank, real signals to stop it, and a real browser that reloads."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import CHROMIUM, CONTENT, needs_chromium

pytestmark = pytest.mark.slow

CARD = '<article class="pd pd-q"'
PROBLEMS = '<ol class="pd-problem-list">'


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def wait_for(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Running:
    def __init__(self, content: Path, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prepdeck", "preview", str(content)],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        match = re.fullmatch(
            r"Serving .* at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n", first
        )
        assert match, first
        self.url = match.group(1)
        self.port = int(match.group(2))

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, err = self.process.communicate(timeout=10)
        return self.process.returncode, err


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


@pytest.fixture
def running(content: Path, tmp_path: Path) -> Iterator[Running]:
    server = Running(content, tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_preview_rebuilds_shows_problems_and_stops_cleanly(running: Running, content: Path) -> None:
    assert running.port > 0
    page = fetch(running.url)
    assert page.count(CARD) == 51
    assert 'name="prepdeck-build" content="1"' in page
    assert fetch(running.url + "__version") == "1"
    with pytest.raises(urllib.error.HTTPError):
        fetch(running.url + "secret.txt")

    beginner = content / "beginner.yaml"
    original = beginner.read_text(encoding="utf-8")
    first_question = re.search(r"question: (.+)", original)
    assert first_question
    edited = original.replace(first_question.group(1), "What changed in the preview today?", 1)
    beginner.write_text(edited, encoding="utf-8")
    wait_for(lambda: "What changed in the preview today?" in fetch(running.url), "the edit")
    assert fetch(running.url + "__version") != "1"

    broken = edited.replace("questions:", "questions: [", 1)
    beginner.write_text(broken, encoding="utf-8")
    wait_for(lambda: PROBLEMS in fetch(running.url), "the problem list")
    page = fetch(running.url)
    assert CARD not in page  # no stale cards
    assert re.search(rf"{re.escape(str(beginner))}:\d+:\d+", page), page[-2000:]

    beginner.write_text(original, encoding="utf-8")
    wait_for(lambda: CARD in fetch(running.url), "the cards again")

    code, err = running.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err
    assert err.rstrip().endswith("preview stopped")
    assert "problem" in err  # the broken build was reported in the terminal too


def test_ctrl_c_stops_it(running: Running) -> None:
    assert CARD in fetch(running.url)
    code, err = running.stop(signal.SIGINT)
    assert code == 0 and "Traceback" not in err
    with pytest.raises(urllib.error.URLError):
        fetch(running.url)


@needs_chromium
def test_the_open_page_reloads_itself(running: Running, content: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_site_browser import CHROMIUM_ARGS

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(running.url)
            assert page.locator("article.pd-q").count() == 51
            beginner = content / "beginner.yaml"
            text = beginner.read_text(encoding="utf-8")
            question = re.search(r"question: (.+)", text)
            assert question
            beginner.write_text(text.replace(question.group(1), "Reloaded by itself?", 1))
            page.locator("text=Reloaded by itself?").wait_for(timeout=10_000)
            beginner.write_text("questions: [\n", encoding="utf-8")
            page.locator(".pd-problem-list").wait_for(timeout=10_000)
            assert "beginner.yaml" in page.locator(".pd-problem-list").inner_text()
            assert errors == []
        finally:
            browser.close()


@needs_chromium
def test_open_folds_and_the_scroll_position_survive_a_reload(
    running: Running, content: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_site_browser import CHROMIUM_ARGS

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(running.url)
            third = page.locator("article.pd-q").nth(2)
            folds = third.locator("details")
            assert folds.count() >= 2
            folds.nth(1).locator("summary").click()  # the author opens one fold
            third.scroll_into_view_if_needed()
            opened = [folds.nth(i).evaluate("d => d.open") for i in range(folds.count())]
            assert opened.count(True) == 1
            top = third.evaluate("a => a.getBoundingClientRect().top")
            beginner = content / "beginner.yaml"
            text = beginner.read_text(encoding="utf-8")
            question = re.search(r"question: (.+)", text)
            assert question
            beginner.write_text(text.replace(question.group(1), "Edited while reading?", 1))
            page.locator("text=Edited while reading?").wait_for(timeout=10_000)
            page.wait_for_load_state("load")
            third = page.locator("article.pd-q").nth(2)
            folds = third.locator("details")
            assert [folds.nth(i).evaluate("d => d.open") for i in range(folds.count())] == opened
            page.wait_for_timeout(300)  # the page settles; the question is back in its place
            assert abs(third.evaluate("a => a.getBoundingClientRect().top") - top) < 5
            assert errors == []
        finally:
            browser.close()
