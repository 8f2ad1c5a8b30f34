"""The study page in headless Chromium: how long from a keystroke in the search box
to the filtered list on screen.

Each keystroke is timed inside the page, from its `keydown` (captured before the
page's own handlers) to a task queued after the next animation frame, i.e. after
the filter ran and the browser laid out and painted the result.  The listener is
added through the debugger protocol, so the page's CSP is left as it is.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Typed one key at a time, then erased: narrowing, then the whole list coming back.
TERM = "secret"
PAUSE_MS = 250  # between keys, so each keystroke's frame is measured on its own

TIMER = """() => {
  window.__pdTimes = [];
  const box = document.getElementById('pd_q');
  box.addEventListener('keydown', () => {
    const start = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.__pdTimes.push(performance.now() - start);
    }, 0));
  }, true);
}"""


@dataclass(frozen=True)
class KeystrokeTimes:
    milliseconds: tuple[float, ...]
    load_seconds: float  # opening the page, for the record
    status: str  # the page's own count after the last key

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def worst(self) -> float:
        return max(self.milliseconds)


def unavailable() -> str | None:
    """Why the browser case cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make bench installs the dev extras)"
    return None


def keystroke_times(page_path: Path, *, width: int = 1280, height: int = 900) -> KeystrokeTimes:
    import time

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page: Any = browser.new_page(viewport={"width": width, "height": height})
            started = time.perf_counter()
            page.goto(page_path.as_uri(), timeout=300_000)
            load_seconds = time.perf_counter() - started
            page.evaluate(TIMER)
            page.locator("#pd_q").click()
            for key in [*TERM, *(["Backspace"] * len(TERM))]:
                page.keyboard.press(key)
                page.wait_for_timeout(PAUSE_MS)
            times = tuple(float(t) for t in page.evaluate("window.__pdTimes"))
            status = str(page.locator("#pd_status").inner_text())
        finally:
            browser.close()
    return KeystrokeTimes(times, load_seconds, status)
