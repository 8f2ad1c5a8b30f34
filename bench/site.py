"""The study page in headless Chromium: how long it takes to open, from a keystroke in
the search box to the filtered list on screen, and from a grade in the study view to
the next card on screen.

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


# A grade (keys 1-4) in the study view, timed the same way: keydown to the frame after.
GRADE_TIMER = """() => {
  window.__pdGrades = [];
  document.addEventListener('keydown', (event) => {
    if (event.key !== '3') return;
    const start = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.__pdGrades.push(performance.now() - start);
    }, 0));
  }, true);
}"""
GRADES = 20  # cards graded "Good" in a row


@dataclass(frozen=True)
class KeystrokeTimes:
    milliseconds: tuple[float, ...]
    load_seconds: float  # opening the page, for the record
    status: str  # the page's own count after the last key
    open_ms: float = 0.0  # navigation start to the load event (the script has run)
    grade_ms: tuple[float, ...] = ()  # grade to the next card painted

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
            open_ms = float(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            page.evaluate(TIMER)
            page.locator("#pd_q").click()
            for key in [*TERM, *(["Backspace"] * len(TERM))]:
                page.keyboard.press(key)
                page.wait_for_timeout(PAUSE_MS)
            times = tuple(float(t) for t in page.evaluate("window.__pdTimes"))
            status = str(page.locator("#pd_status").inner_text())
            grade_ms = grade_times(page)
        finally:
            browser.close()
    return KeystrokeTimes(times, load_seconds, status, open_ms, grade_ms)


def grade_times(page: Any) -> tuple[float, ...]:
    """Grade GRADES cards "Good" in the study view (a plan with room for them first)."""
    page.locator("#pd_plan_open").click()
    page.locator("#pd_plan_minutes").fill("600")
    page.locator("#pd_plan_minutes").dispatch_event("change")
    page.keyboard.press("Escape")
    page.locator("#pd_study_open").click()
    page.evaluate(GRADE_TIMER)
    for _ in range(GRADES):
        page.keyboard.press("r")
        page.wait_for_timeout(50)
        page.keyboard.press("3")
        page.wait_for_timeout(PAUSE_MS)
    return tuple(float(t) for t in page.evaluate("window.__pdGrades"))
