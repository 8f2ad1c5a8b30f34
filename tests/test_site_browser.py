"""The study page in a real browser: Debian's Chromium, driven by Playwright.

Every page is opened from disk (file://) with every request routed: anything that
is not the file itself or a data: URL fails the test, as does any console error.
"""

from __future__ import annotations

import html
import importlib.resources
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import CHROMIUM, needs_chromium
from prepdeck import site
from prepdeck.model import Bank
from prepdeck.text import blocks_html, inline_html, parse_blocks, parse_inline
from prepdeck.validate import validate_content

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [pytest.mark.slow, needs_chromium]

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def bank(real_bank: Bank) -> Bank:
    return real_bank


@pytest.fixture(scope="module")
def page_file(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site") / f"{bank.slug}.html"
    path.write_text(site.render_site(bank), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that it should not: requests off the file, console errors."""

    allowed: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watched_page(
    browser: Any, path: Path, query: str = "", **context_options: Any
) -> tuple[Any, Any, Watch]:
    """A new context and page on `path`, every request routed and every console
    error, page error and dialog recorded in the returned `Watch`."""
    url = path.as_uri()
    watch = Watch(allowed=url)
    context = browser.new_context(**context_options)

    def route(r: Any) -> None:
        request_url = r.request.url
        if request_url.split("?")[0].split("#")[0] == url or request_url.startswith("data:"):
            r.continue_()
        else:
            watch.requests.append(request_url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda m: watch.errors.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: watch.errors.append(str(e)))

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url + query)
    return context, page, watch


@pytest.fixture
def open_page(browser: Any, page_file: Path) -> Iterator[Any]:
    contexts: list[tuple[Any, Watch]] = []

    def open_(path: Path = page_file, query: str = "", **context_options: Any) -> Any:
        context, page, watch = watched_page(browser, path, query, **context_options)
        contexts.append((context, watch))
        return page

    yield open_
    for context, watch in contexts:
        context.close()
        assert watch.requests == [], "the page asked the network for something"
        assert watch.errors == [], "console errors or warnings"
        assert watch.dialogs == [], "a dialog opened"


def test_the_watch_catches_requests_and_errors(browser: Any, tmp_path: Path) -> None:
    """The guard every page test relies on does fail: a page without our CSP that
    loads from the network and logs an error is caught on both counts; with our CSP
    the same image is refused before any request, and the refusal is a console error."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        '<!doctype html><title>x</title><img src="https://example.invalid/x.png" alt="">'
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )
    context, page, watch = watched_page(browser, leaky)
    page.wait_for_load_state("load")
    context.close()
    assert watch.requests == ["https://example.invalid/x.png"]
    assert "boom" in watch.errors

    from prepdeck.model import build_bank

    bank = build_bank(
        {"title": "t", "slug": "t", "version": "1", "tiers": [{"id": "a", "name": "A"}]},
        [("a", {"id": "q", "question": "Q?", "hint": "h", "key_points": [], "answer": "a"}, None)],
    )
    html = site.render_site(bank).replace(
        "</main>", '<img src="https://example.invalid/y.png" alt=""></main>'
    )
    csp_page = tmp_path / "csp.html"
    csp_page.write_text(html, encoding="utf-8")
    context, page, watch = watched_page(browser, csp_page)
    page.wait_for_load_state("load")
    context.close()
    assert watch.requests == []
    assert any("Content Security Policy" in e for e in watch.errors), watch.errors


def visible_ids(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all("article.pd-q:not([hidden])", "els => els.map(e => e.id)")
    )


def wait_for_search(page: Any, expected: str, timeout: float = 5.0) -> None:
    """The URL's query once the page has written it (written a moment after typing).
    Polled from here: the page's CSP refuses Playwright's string-eval wait_for_function."""
    deadline = time.monotonic() + timeout
    while (found := page.evaluate("location.search")) != expected:
        assert time.monotonic() < deadline, (found, expected)
        page.wait_for_timeout(50)


def searchable(question: Any) -> str:
    parts = [
        inline_html(parse_inline(question.question)),
        inline_html(parse_inline(question.hint)),
        *(inline_html(parse_inline(p)) for p in question.key_points),
        blocks_html(parse_blocks(question.answer)),
    ]
    return html.unescape(re.sub(r"<[^>]+>", "", " ".join(parts))).lower()


# -- without JavaScript ------------------------------------------------------------------


def test_every_question_is_there_without_javascript(open_page: Any, bank: Bank) -> None:
    page = open_page(java_script_enabled=False)
    assert page.locator("article.pd-q").count() == 51
    assert page.locator("article.pd-q:visible").count() == 51
    assert not page.locator("#pd_tools").is_visible()
    assert page.locator("article details").count() == 3 * 51
    # <details> still open and close on their own.
    first = page.locator("article.pd-q").first
    first.locator(".pd-hint-fold summary").click()
    assert first.locator(".pd-hint-fold .pd-fold-body").is_visible()
    assert not first.locator(".pd-answer .pd-fold-body").is_visible()
    labels = page.locator("article.pd-q .pd-label").all_text_contents()
    assert labels == [q.label for q in bank.questions]


def test_anchor_opens_at_its_question(open_page: Any, page_file: Path, bank: Bank) -> None:
    target = bank.questions[20]
    page = open_page(query=f"#{target.id}")
    box = page.locator(f"[id='{target.id}']").bounding_box()
    assert box is not None and 0 <= box["y"] < 400


# -- with JavaScript ---------------------------------------------------------------------


def test_search_narrows_to_the_matching_questions(open_page: Any, bank: Bank) -> None:
    page = open_page()
    assert page.locator("#pd_status").inner_text() == "Showing 51 of 51 questions"
    page.locator("#pd_q").click()
    page.keyboard.type("presidio")
    expected = [q.id for q in bank.questions if "presidio" in searchable(q)]
    assert 0 < len(expected) < 51
    assert visible_ids(page) == expected
    assert page.locator("#pd_status").inner_text() == f"Showing {len(expected)} of 51 questions"
    # Two words: both must appear, in any field.
    page.locator("#pd_q").fill("model signing")
    expected = [
        q.id for q in bank.questions if "model" in searchable(q) and "signing" in searchable(q)
    ]
    assert visible_ids(page) == expected
    # Hidden tiers are hidden whole, headings and all.
    shown_tiers = {q.tier.id for q in bank.questions if q.id in expected}
    sections = page.eval_on_selector_all(
        "section.pd-tier-section:not([hidden])", "els => els.map(e => e.dataset.tier)"
    )
    assert set(sections) == shown_tiers
    # The URL carries the filter, so the link can be shared and reopened.
    wait_for_search(page, "?q=model+signing")
    page.reload()
    assert page.locator("#pd_q").input_value() == "model signing"
    assert visible_ids(page) == expected
    page.locator("#pd_q").fill("no question says xyzzy")
    assert visible_ids(page) == []
    assert page.locator("#pd_status").inner_text() == "Showing 0 of 51 questions"


def test_tier_and_topic_filters(open_page: Any, bank: Bank) -> None:
    page = open_page()
    page.select_option("#pd_tier", "behavioral")
    assert visible_ids(page) == [q.id for q in bank.questions_in("behavioral")]
    assert len(visible_ids(page)) == 5
    topic = bank.questions[0].tags[0]
    page.select_option("#pd_tier", "")
    page.select_option("#pd_topic", topic)
    assert visible_ids(page) == [q.id for q in bank.questions if topic in q.tags]
    wait_for_search(page, f"?topic={topic}")
    page.locator("#pd_clear").click()
    assert len(visible_ids(page)) == 51


def test_a_shared_link_opens_filtered(open_page: Any, bank: Bank) -> None:
    page = open_page(query="?tier=advanced&q=the")
    expected = [q.id for q in bank.questions_in("advanced") if "the" in searchable(q)]
    assert visible_ids(page) == expected
    assert page.locator("#pd_tier").input_value() == "advanced"


def test_keyboard_flow_reveals_hint_then_key_points_then_answer(open_page: Any) -> None:
    page = open_page()
    page.keyboard.press("j")
    first = page.locator("article.pd-q").nth(0)
    assert page.evaluate("document.activeElement.id") == first.get_attribute("id")

    def opened() -> list[bool]:
        return [
            first.locator(f"{part}").evaluate("d => d.open")
            for part in (".pd-hint-fold", ".pd-keypoints", ".pd-answer")
        ]

    assert opened() == [False, False, False]
    page.keyboard.press("r")
    assert opened() == [True, False, False]
    assert first.locator(".pd-hint-fold .pd-fold-body").is_visible()
    page.keyboard.press("r")
    assert opened() == [True, True, False]
    page.keyboard.press("r")
    assert opened() == [True, True, True]
    page.keyboard.press("j")
    page.keyboard.press("j")
    third = page.locator("article.pd-q").nth(2)
    assert page.evaluate("document.activeElement.id") == third.get_attribute("id")
    page.keyboard.press("k")
    second = page.locator("article.pd-q").nth(1)
    assert page.evaluate("document.activeElement.id") == second.get_attribute("id")
    # The shortcuts stay out of the way while typing, and can be turned off.
    page.keyboard.press("/")
    page.keyboard.type("jr")
    assert page.locator("#pd_q").input_value() == "jr"
    page.keyboard.press("Escape")
    page.locator("#pd_q").fill("")
    page.locator("#pd_keys_open").click()
    page.locator("#pd_keys_on").uncheck()
    page.keyboard.press("Escape")  # closes the popover
    assert not page.locator("#pd_keys_pop").is_visible()
    page.locator("article.pd-q").nth(3).focus()
    page.keyboard.press("r")
    assert not page.locator("article.pd-q").nth(3).locator(".pd-hint-fold").evaluate("d => d.open")


def test_marks_survive_a_reload_and_reset_clears_them(open_page: Any, bank: Bank) -> None:
    page = open_page()
    page.keyboard.press("j")
    page.keyboard.press("1")  # knew it
    page.keyboard.press("j")
    page.keyboard.press("2")  # again
    page.locator("article.pd-q").nth(5).locator("button[data-mark=again]").click()
    marks = {bank.questions[0].id: "knew", bank.questions[1].id: "again"}
    marks[bank.questions[5].id] = "again"
    key = f"prepdeck:{bank.slug}:progress"
    page.wait_for_timeout(50)  # written a moment after the change
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert stored["marks"] == marks
    page.reload()
    shown = page.eval_on_selector_all(
        "article[data-mark]", "els => Object.fromEntries(els.map(e => [e.id, e.dataset.mark]))"
    )
    assert shown == marks
    pressed = page.locator("article.pd-q").nth(0).locator("button[data-mark=knew]")
    assert pressed.get_attribute("aria-pressed") == "true"
    page.locator("#pd_progress_open").click()
    rows = page.locator("#pd_progress li").all_inner_texts()
    assert [" ".join(row.split()) for row in rows[:2]] == [
        "Beginner 0 studied · 1 knew · 1 again · of 5",
        "Intermediate 0 studied · 0 knew · 1 again · of 10",
    ]
    page.keyboard.press("Escape")
    # Pressing the same mark again removes it.
    page.locator("article.pd-q").nth(0).focus()
    page.keyboard.press("1")
    assert page.locator("article.pd-q").nth(0).get_attribute("data-mark") is None
    # Reset asks first; "Keep them" keeps them.
    page.locator("#pd_progress_open").click()
    page.locator("#pd_reset").click()
    assert page.locator("#pd_reset_question").inner_text() == (
        "Remove all 2 marks? Your study progress stays."
    )
    page.locator("#pd_reset_no").click()
    assert page.locator("article[data-mark]").count() == 2
    page.locator("#pd_reset").click()
    page.locator("#pd_reset_yes").click()
    assert page.locator("article[data-mark]").count() == 0
    page.wait_for_timeout(50)
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{key}')).marks") == {}


def test_drill_shows_only_again_questions_shuffled(open_page: Any, bank: Bank) -> None:
    page = open_page()
    again = {bank.questions[i].id for i in (2, 9, 17, 30, 44)}
    for question_id in again:
        page.locator(f"[id='{question_id}'] button[data-mark=again]").click()
    page.locator("#pd_drill").click()
    assert page.locator("#pd_drill").get_attribute("aria-pressed") == "true"
    assert set(visible_ids(page)) == again
    in_drill = page.eval_on_selector_all("#pd_drill_section article", "els => els.map(e => e.id)")
    assert set(in_drill) == again
    assert page.locator("section.pd-tier-section:not([hidden])").count() == 0
    wait_for_search(page, "?drill=1")
    # Drill keys walk the drill's order.
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == in_drill[0]
    page.locator("#pd_drill").click()
    assert visible_ids(page) == [q.id for q in bank.questions]


# -- safety, accessibility, looks -----------------------------------------------------------


def test_hostile_text_stays_text_in_the_browser(open_page: Any, tmp_path: Path) -> None:
    from test_site import HOSTILE, hostile_bank

    path = tmp_path / "hostile.html"
    path.write_text(site.render_site(hostile_bank()), encoding="utf-8")
    page = open_page(path)
    page.locator("article.pd-q summary").nth(0).click()
    page.locator("article.pd-q summary").nth(1).click()
    page.locator("article.pd-q summary").nth(2).click()
    text = page.locator("article.pd-q").inner_text()
    assert HOSTILE["hint"] in text and HOSTILE["key_point"] in text
    assert "List<String>" in text
    assert page.locator("article img, article script, article b").count() == 0
    assert page.evaluate("document.scripts.length") == 1
    page.locator("#pd_q").fill("<script>")
    assert visible_ids(page) == ["hostile-text"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    source = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()
    assert source.startswith("/*! axe v4.")
    page.evaluate(source)  # through the debugger protocol: not subject to the page's CSP
    # content-visibility: auto leaves off-screen questions unpainted, so axe's
    # elementsFromPoint would see the wrong background behind their text; on screen
    # they look the same either way.
    page.eval_on_selector_all(
        "article.pd-q", "els => els.forEach(e => { e.style.contentVisibility = 'visible'; })"
    )
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 360)])
def test_axe_finds_no_serious_or_critical_violation(
    open_page: Any, scheme: str, width: int
) -> None:
    page = open_page(color_scheme=scheme, viewport={"width": width, "height": 800})
    page.keyboard.press("j")
    page.keyboard.press("2")
    page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
    assert axe_violations(page) == []


def test_axe_on_the_page_as_it_is_without_javascript(
    open_page: Any, page_file: Path, tmp_path: Path
) -> None:
    # axe itself needs script, so the no-JS page is the page with its script removed.
    source = page_file.read_text(encoding="utf-8")
    path = tmp_path / "no-script.html"
    path.write_text(re.sub(r"<script>.*?</script>", "", source, flags=re.S), encoding="utf-8")
    page = open_page(path)
    assert not page.locator("#pd_tools").is_visible()
    assert axe_violations(page) == []


def test_print_shows_every_part_and_no_controls(open_page: Any) -> None:
    page = open_page()
    page.emulate_media(media="print")
    first = page.locator("article.pd-q").first
    assert first.locator(".pd-answer .pd-fold-body").is_visible()
    assert not page.locator("#pd_tools").is_visible()
    assert not first.locator(".pd-marks").is_visible()


SHOTS = Path(os.environ.get("PREPDECK_SHOTS", "")) if os.environ.get("PREPDECK_SHOTS") else None


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_fit_the_screen(
    open_page: Any, width: int, scheme: str, tmp_path: Path
) -> None:
    """Screenshots to look at (PREPDECK_SHOTS=DIR keeps them); nothing sticks out sideways."""
    page = open_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(251, 251, 250)" if scheme == "light" else "rgb(28, 30, 33)")
    out = SHOTS or tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"site-{width}-{scheme}-top.png"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    for _ in range(3):
        page.keyboard.press("r")
    page.keyboard.press("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(out / f"site-{width}-{scheme}-study.png"))


def test_a_long_bank_shows_matches_a_page_at_a_time(open_page: Any, tmp_path: Path) -> None:
    from prepdeck.model import build_bank

    data = {
        "title": "Long",
        "slug": "long",
        "version": "1",
        "tiers": [{"id": "one", "name": "One"}, {"id": "two", "name": "Two"}],
    }
    questions = [
        (
            "one" if n <= 150 else "two",
            {
                "id": f"q-{n}",
                "question": f"Question {n} about {'even' if n % 2 == 0 else 'odd'} things?",
                "hint": "A hint.",
                "key_points": ["A point"],
                "answer": "An answer.",
            },
            None,
        )
        for n in range(1, 251)
    ]
    path = tmp_path / "long.html"
    path.write_text(site.render_site(build_bank(data, questions)), encoding="utf-8")
    page = open_page(path)
    status = page.locator("#pd_status")
    assert status.inner_text() == "Showing 100 of 250 matching questions (250 in all)"
    assert visible_ids(page) == [f"q-{n}" for n in range(1, 101)]
    page.locator("#pd_more").click()
    deadline = time.monotonic() + 5  # a busy machine (the suite on every core) may lag
    while len(visible_ids(page)) != 200 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(visible_ids(page)) == 200
    assert page.evaluate("document.activeElement.id") == "q-101"
    page.locator("#pd_q").fill("even")
    assert visible_ids(page) == [f"q-{n}" for n in range(2, 201, 2)]
    assert status.inner_text() == "Showing 100 of 125 matching questions (250 in all)"
    # The first questions are highlighted at once, the rest in the tasks after the frame.
    assert page.evaluate("CSS.highlights.get('pd-match').size") >= 8
    page.wait_for_timeout(300)
    assert page.evaluate("CSS.highlights.get('pd-match').size") == 100
    # Walking past the last shown question brings the next page.
    page.locator("[id='q-200']").focus()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "q-202"
    assert len(visible_ids(page)) == 125
    assert not page.locator("#pd_more").is_visible()


def test_code_tables_and_images_work_under_the_csp(
    open_page: Any, make_bank: Any, tmp_path: Path
) -> None:
    """A blocked image or style attribute would be a console error (CSP report)."""
    from test_site import rich_bank

    root = rich_bank(make_bank)
    result = validate_content(root)
    assert result.bank is not None
    path = tmp_path / "rich.html"
    path.write_text(site.render_site(result.bank, content_dir=root), encoding="utf-8")
    page = open_page(path, viewport={"width": 360, "height": 800})
    answer = page.locator("[id='third-question'] .pd-answer")
    answer.locator("summary").click()
    assert answer.locator("img").evaluate("i => i.complete && i.naturalWidth") == 40
    cell = answer.locator("th").nth(1)
    assert cell.evaluate("c => getComputedStyle(c).textAlign") == "center"
    assert answer.locator("pre.code .hl-k").first.evaluate("e => getComputedStyle(e).color") != (
        answer.locator("pre.code").evaluate("e => getComputedStyle(e).color")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_question_is_bold_and_its_number_an_underlined_link(open_page: Any) -> None:
    """One look across the outputs: the question is bold on the page as on paper and on
    the cards; its number, a link inside the heading, is told apart by an underline."""
    page = open_page()
    question = page.locator(".pd-q .pd-question").first
    label = page.locator(".pd-q .pd-label").first
    assert question.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert "underline" in label.evaluate("e => getComputedStyle(e).textDecorationLine")
    blurb = page.locator(".pd-desc").inner_text()
    assert "Answer each one out loud" in blurb  # the page's own blurb, not the deck's
