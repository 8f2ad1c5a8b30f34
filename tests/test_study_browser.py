"""The study app in a real browser (Debian's Chromium): the study view, scheduling and
storage, progress across bank versions (export from an older page, import into a newer
one), the plan, the mock interview, search, and the review findings.  Every page is
watched as in test_site_browser.py: no request leaves it, no console error."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import MakeBank
from prepdeck import site
from prepdeck.cli import cli
from prepdeck.model import Bank
from test_site_browser import (  # the same fixtures and guards
    axe_violations,
    bank,
    browser,
    open_page,
    page_file,
    pytestmark,
    visible_ids,
    wait_for_search,
)

__all__ = ["bank", "browser", "open_page", "page_file", "pytestmark"]

SHOTS = Path(os.environ["PREPDECK_SHOTS"]) if os.environ.get("PREPDECK_SHOTS") else None


def stored(page: Any, slug: str) -> dict[str, Any]:
    page.wait_for_timeout(30)  # progress is written a moment after each change
    data: dict[str, Any] = page.evaluate(
        f"JSON.parse(localStorage.getItem('prepdeck:{slug}:progress'))"
    )
    return data


# -- the study view ------------------------------------------------------------------------


def test_study_one_card_at_a_time_with_keys(open_page: Any, bank: Bank) -> None:
    page = open_page()
    # No plan: 30 minutes a day, 3 a new question: 10 new cards today.
    assert page.locator("#pd_study_open").inner_text() == "Study · 10 today"
    page.keyboard.press("s")
    assert page.locator("body").get_attribute("data-view") == "study"
    assert not page.locator("#pd_main").is_visible()
    count = page.locator("#pd_study_count")
    assert count.inner_text() == "1 of 10 due today"
    first = bank.questions[0]
    assert page.locator(".pd-card-meta .pd-label").inner_text() == first.label
    assert "new" in page.locator(".pd-card-meta").inner_text()
    parts = [".pd-card-hint", ".pd-card-points", ".pd-card-answer"]

    def shown() -> list[bool]:
        return [page.locator(p).is_visible() for p in parts]

    assert shown() == [False, False, False]
    page.keyboard.press("r")
    assert shown() == [True, False, False]
    page.locator("#pd_reveal").click()
    assert shown() == [True, True, False]
    boxes = page.locator(".pd-card-points input[type=checkbox]")
    assert boxes.count() == len(first.key_points)
    boxes.first.check()
    page.keyboard.press("r")
    assert shown() == [True, True, True]
    assert not page.locator("#pd_reveal").is_visible()
    # The grade buttons say when each grade brings the card back.
    labels = page.locator(".pd-grade").all_inner_texts()
    assert [label.split()[0] for label in labels] == ["Again", "Hard", "Good", "Easy"]
    page.keyboard.press("3")
    assert count.inner_text() == "2 of 10 due today"
    data = stored(page, bank.slug)
    item = data["items"][first.id]
    assert item["card"]["reps"] == 1 and item["log"][0][1] == 3
    assert item["changed"] == page.locator(f"[id='{first.id}']").get_attribute("data-changed")
    # The key-point recall item of the first question is its own card: the question,
    # then the key points to check (no hint).
    meta = page.locator(".pd-card-meta").inner_text()
    assert first.label in meta and "key-point recall" in meta
    page.keyboard.press(" ")
    assert shown() == [False, True, False]
    page.keyboard.press("1")
    assert stored(page, bank.slug)["items"][f"{first.id}/key-points"]["log"][0][1] == 1
    page.keyboard.press("Escape")
    assert page.locator("body").get_attribute("data-view") is None
    assert page.locator("#pd_main").is_visible()
    assert page.locator("#pd_study_open").inner_text() == "Study · 8 today"
    # It survives a reload.
    page.reload()
    assert page.locator("#pd_study_open").inner_text() == "Study · 8 today"
    assert stored(page, bank.slug)["items"][first.id]["card"]["reps"] == 1


def test_grade_buttons_are_big_and_within_thumb_reach_at_360(open_page: Any) -> None:
    page = open_page(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    page.locator("#pd_study_open").tap()
    for _ in range(3):
        page.locator("#pd_reveal").tap()
    page.evaluate("window.scrollTo(0, 0)")
    for button in page.locator(".pd-grade").all():
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= 48 and box["width"] >= 70, box
        assert box["y"] + box["height"] <= 740 and box["y"] >= 740 * 0.75, box
    page.locator(".pd-grade-4").tap()
    assert page.locator("#pd_study_count").inner_text() == "2 of 10 due today"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # No keyboard help on a touch screen.
    assert not page.locator("#pd_keys_open").is_visible()


def test_the_single_key_switch_is_remembered(open_page: Any) -> None:
    page = open_page()
    page.locator("#pd_keys_open").click()
    page.locator("#pd_keys_on").uncheck()
    page.wait_for_timeout(50)
    page.reload()
    assert not page.locator("#pd_keys_on").is_checked()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.tagName") == "BODY"


# -- progress across versions --------------------------------------------------------------


def tier_file(*questions: tuple[str, str, str]) -> str:
    """A tier file of (id, question, answer), each with one key point or two."""
    return yaml.safe_dump(
        {
            "tier": "basics",
            "questions": [
                {
                    "id": qid,
                    "question": question,
                    "hint": "h",
                    "key_points": ["One", "Two"] if qid == "kept" else ["One"],
                    "answer": answer,
                    "tags": [],
                    "refs": [],
                }
                for qid, question, answer in questions
            ],
        },
        sort_keys=False,
    )


V1_QUESTIONS = tier_file(
    ("kept", "What stays?", "It stays."),
    ("edited", "What changes?", "Before."),
    ("removed", "What goes?", "Gone."),
)
V2_QUESTIONS = tier_file(
    ("kept", "What stays?", "It stays."),
    ("edited", "What changes?", "After."),
    ("added", "What is new?", "New."),
)


def built_page(root: Path, version: str, questions: str, out: Path) -> Path:
    bank_yaml = (
        f"title: Tiny Bank\nslug: tiny\nversion: {version}\nlicense: CC-BY-4.0\nauthor: T\n"
        "description: D\n"
        "anki_notes: [question, key-points]\ntiers:\n  - {id: basics, name: Basics}\n"
    )
    (root / "bank.yaml").write_text(bank_yaml, encoding="utf-8")
    (root / "basics.yaml").write_text(questions, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["build", str(root), "--out", str(out), "--target", "anki", "--target", "site"]
    )
    assert result.exit_code == 0, result.output
    return out / "tiny.html"


def test_progress_from_an_older_version_carries_over(
    open_page: Any, make_bank: MakeBank, tmp_path: Path
) -> None:
    root = make_bank(**{"deep.yaml": None})
    old = built_page(root, "1.0.0", V1_QUESTIONS, tmp_path / "v1")
    old_copy = tmp_path / "old.html"
    old_copy.write_bytes(old.read_bytes())
    new = built_page(root, "1.1.0", V2_QUESTIONS, tmp_path / "v2")
    changed = dict(
        re.findall(
            r'id="([a-z-]+)" data-tier="basics" data-topics="[^"]*" data-changed="([^"]+)"',
            new.read_text(),
        )
    )
    assert changed == {"kept": "1.0.0", "edited": "1.1.0", "added": "1.1.0"}

    page = open_page(old_copy)
    page.locator("#pd_study_open").click()
    for _ in range(6):  # 3 questions and their key-point recall items
        page.keyboard.press("3")
    assert page.locator("#pd_study_count").inner_text() == "All 6 done for today"
    page.keyboard.press("Escape")
    page.locator("#pd_progress_open").click()
    with page.expect_download() as download:
        page.locator("#pd_export").click()
    exported = tmp_path / "progress.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    schema = json.loads(
        resources.files("prepdeck.schemas").joinpath("progress.schema.json").read_text("utf-8")
    )
    jsonschema.validate(data, schema)
    assert sorted(data["items"]) == sorted(
        f"{q}{kind}" for q in ("kept", "edited", "removed") for kind in ("", "/key-points")
    )

    fresh = open_page(new)  # another browser: a new context, empty storage
    fresh.locator("#pd_progress_open").click()
    fresh.locator("#pd_import_file").set_input_files(str(exported))
    status = fresh.locator("#pd_import_status")
    status.filter(has_text="Imported").wait_for()
    assert status.inner_text() == (
        "Imported progress of version 1.0.0: 4 items; 1 question changed since (due again); "
        "1 question no longer in the bank."
    )
    mine = stored(fresh, "tiny")
    assert mine["items"]["kept"] == data["items"]["kept"]
    assert mine["items"]["kept/key-points"] == data["items"]["kept/key-points"]
    edited = mine["items"]["edited"]
    assert edited["flag"] == "1.1.0" and edited["log"] == data["items"]["edited"]["log"]
    assert edited["card"]["reps"] == 1
    assert edited["card"]["due"] <= fresh.evaluate("Date.now()")
    assert "removed" not in mine["items"] and "added" not in mine["items"]
    fresh.keyboard.press("Escape")
    # The changed question is due now, flagged; the new one is new.
    fresh.locator("#pd_study_open").click()
    metas = []
    for _ in range(4):
        metas.append(" ".join(fresh.locator(".pd-card-meta").inner_text().split()))
        fresh.keyboard.press("3")
    assert any("Q1.2" in m and "changed in 1.1.0" in m for m in metas), metas
    assert any("Q1.3" in m and "new" in m for m in metas), metas
    assert not any("Q1.1" in m for m in metas), "kept is not due yet"


def test_opening_a_newer_page_migrates_what_is_stored(
    open_page: Any, make_bank: MakeBank, tmp_path: Path
) -> None:
    """The same browser, the next version: no export needed."""
    root = make_bank(**{"deep.yaml": None})
    old = built_page(root, "1.0.0", V1_QUESTIONS, tmp_path / "v1")
    both = tmp_path / "site"
    both.mkdir()
    page_path = both / "tiny.html"
    page_path.write_bytes(old.read_bytes())
    page = open_page(page_path)
    page.locator("#pd_study_open").click()
    for _ in range(6):
        page.keyboard.press("4")
    page.wait_for_timeout(50)
    page_path.write_bytes(built_page(root, "1.1.0", V2_QUESTIONS, tmp_path / "v2").read_bytes())
    page.reload()
    assert "1 question you studied changed" in page.locator("#pd_notice_text").inner_text()
    data = stored(page, "tiny")
    assert sorted(data["items"]) == ["edited", "edited/key-points", "kept", "kept/key-points"]
    assert data["items"]["edited"]["flag"] == "1.1.0"
    assert data["bankVersion"] == "1.1.0"


def test_a_bad_import_is_refused_and_changes_nothing(
    open_page: Any, bank: Bank, tmp_path: Path
) -> None:
    page = open_page()
    page.locator("#pd_progress_open").click()
    bad = tmp_path / "other.json"
    bad.write_text(
        json.dumps(
            {
                "format": "prepdeck-progress",
                "formatVersion": 1,
                "bank": "other",
                "bankVersion": "1",
                "items": {},
            }
        )
    )
    page.locator("#pd_import_file").set_input_files(str(bad))
    page.locator("#pd_import_status").filter(has_text="Not imported").wait_for()
    assert page.locator("#pd_import_status").inner_text() == (
        f'Not imported: the file is progress for "other", not "{bank.slug}".'
    )
    assert stored(page, bank.slug)["items"] == {}


def test_storage_that_may_be_cleared_is_said_once_with_an_export(open_page: Any) -> None:
    page = open_page()
    notice = page.locator("#pd_notice")
    notice.wait_for()
    assert "may clear your progress" in notice.inner_text()
    assert page.locator("#pd_notice_export").is_visible()
    page.locator("#pd_notice_close").click()
    page.wait_for_timeout(50)
    page.reload()
    page.wait_for_timeout(200)
    assert not notice.is_visible()


# -- the plan ----------------------------------------------------------------------------


def test_plan_to_a_date(open_page: Any, bank: Bank) -> None:
    page = open_page()
    page.locator("#pd_plan_open").click()
    day = date.today() + timedelta(days=12)
    page.locator("#pd_plan_date").fill(day.isoformat())
    page.locator("#pd_plan_minutes").fill("20")
    page.locator("#pd_plan_minutes").dispatch_event("change")
    summary = page.locator("#pd_plan_summary").inner_text()
    assert summary.startswith(f"12 days to {day.isoformat()}. Today: 0 reviews and ")
    assert page.locator("#pd_plan_chart li").count() == 12
    risk = page.locator("#pd_plan_risk").inner_text()
    assert re.fullmatch(
        r"\d+ questions will not be seen twice before the date at this budget; "
        r"\d+ minutes a day would cover them all\.",
        risk,
    ), risk
    needed = int(risk.split("; ")[1].split()[0])
    page.locator("#pd_plan_minutes").fill(str(needed))
    page.locator("#pd_plan_minutes").dispatch_event("change")
    assert page.locator("#pd_plan_risk").inner_text() == (
        "Every question is seen at least twice before the date at this budget."
    )
    assert stored(page, bank.slug)["plan"] == {
        "date": day.isoformat(),
        "minutes": needed,
        "retention": 0.9,
    }
    start = page.locator("#pd_plan_start")
    n = int(start.inner_text().split()[2])
    start.click()
    assert page.locator("#pd_study_count").inner_text() == f"1 of {n} due today"
    # No date: plain FSRS at the retention target.
    page.keyboard.press("Escape")
    page.locator("#pd_plan_open").click()
    page.locator("#pd_plan_nodate").click()
    assert (
        "No date set: plain FSRS at 90 % retention" in page.locator("#pd_plan_summary").inner_text()
    )
    assert not page.locator("#pd_plan_risk").is_visible()
    assert page.locator("#pd_plan_chart li").count() == 14


# -- the mock interview ----------------------------------------------------------------------


def test_mock_interview_to_a_scorecard(open_page: Any, bank: Bank, tmp_path: Path) -> None:
    page = open_page()
    page.locator("#pd_mock_open").click()
    page.locator("input[name=tier][value=behavioral]").check()
    page.locator("#pd_mock_count").fill("2")
    page.locator("#pd_mock_minutes").fill("1")
    page.locator("#pd_mock_start").click()
    behavioral = {q.label: q for q in bank.questions_in("behavioral")}
    asked = []
    for n in range(2):
        assert page.locator(".pd-mock-count").inner_text() == f"Question {n + 1} of 2"
        assert page.locator("#pd_mock_timer").inner_text().endswith("left")
        label = page.locator("#pd_mock_q .pd-label").inner_text()
        assert label in behavioral
        asked.append(behavioral[label])
        assert page.locator(".pd-checklist").count() == 0  # only the question shows
        page.locator("#pd_mock_notes").fill("my notes")
        page.locator("#pd_mock_done").click()
        boxes = page.locator(".pd-checklist input")
        assert boxes.count() == len(behavioral[label].key_points)
        if n == 0:
            for box in boxes.all():
                box.check()
            page.locator("input[name=pd_overall][value='5']").check()
        else:
            boxes.first.check()
            page.locator("input[name=pd_overall][value='2']").check()
        page.locator("#pd_mock_next").click()
    assert page.locator(".pd-score-title").inner_text() == "Mock interview scorecard"
    rows = page.locator(".pd-score").first.locator("tbody tr").all_inner_texts()
    assert len(rows) == 2
    assert (
        page.locator(".pd-score")
        .nth(1)
        .locator("tbody tr")
        .first.inner_text()
        .startswith("Tier: Behavioral")
    )
    # Missed key points bring the question back sooner: Again or Hard, all covered Easy.
    data = stored(page, bank.slug)
    first, second = asked
    assert data["items"][first.id]["log"][-1][1] == 4
    assert data["items"][second.id]["log"][-1][1] in (1, 2)
    assert data["items"][second.id]["card"]["due"] < data["items"][first.id]["card"]["due"]
    with page.expect_download() as download:
        page.locator("#pd_mock_md").click()
    md = tmp_path / "mock.md"
    download.value.save_as(md)
    text = md.read_text(encoding="utf-8")
    assert text.startswith(f"# Mock interview: {bank.title}")
    assert "| Question | Key points | Overall | Time |" in text
    assert "## Missed key points" in text
    assert axe_violations(page) == []
    # It prints on a page or two, the scorecard alone.
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert 1 <= len(pdf.pages) <= 2
    printed = pdf.pages[0].extract_text()
    assert "Mock interview scorecard" in printed and "Download" not in printed
    assert bank.questions[0].question[:30] not in printed


# -- search ---------------------------------------------------------------------------------


def test_search_folds_accents_finds_numbers_and_ids_and_counts_per_tier(
    open_page: Any, make_bank: MakeBank, tmp_path: Path
) -> None:
    root = make_bank(
        **{
            "deep.yaml": (
                "tier: deep\nquestions:\n"
                "  - {id: key-store, question: Where goes the Schlüssel?, hint: Ein Tresor., "
                "key_points: [Vault], answer: In a vault., tags: [secrets], refs: []}\n"
                "  - {id: third-question, question: Why rotate keys?, hint: Limit exposure., "
                "key_points: [Expiry], answer: Because leaked keys stay valid otherwise., "
                "tags: [secrets], refs: [owasp]}\n"
            )
        }
    )
    from prepdeck.validate import validate_content

    result = validate_content(root)
    assert result.bank is not None
    path = tmp_path / "tiny.html"
    path.write_text(site.render_site(result.bank, content_dir=root), encoding="utf-8")
    page = open_page(path)
    search = page.locator("#pd_q")
    search.fill("schlussel")
    assert visible_ids(page) == ["key-store"]
    assert page.evaluate("CSS.highlights.get('pd-match').size") == 1
    search.fill("tresor")  # in the hint: its fold opens
    assert visible_ids(page) == ["key-store"]
    assert page.locator("[id='key-store'] .pd-hint-fold").evaluate("d => d.open")
    search.fill("Q2.2")
    assert visible_ids(page) == ["third-question"]
    search.fill("q1")
    assert visible_ids(page) == ["first-question", "second-question"]
    search.fill("key-store")
    assert visible_ids(page) == ["key-store"]
    search.fill("keys")
    counts = page.locator("section.pd-tier-section:not([hidden]) h2 .pd-count").all_inner_texts()
    assert counts == ["(1 of 2)", "(1 of 2)"]
    search.fill("xyzzy")
    assert page.locator("#pd_empty").inner_text().startswith("No question matches “xyzzy”.")
    wait_for_search(page, "?q=xyzzy")
    # Esc in the box clears the filter and the URL.
    search.press("Escape")
    assert search.input_value() == ""
    assert len(visible_ids(page)) == 4
    assert page.evaluate("location.search") == ""
    assert not page.locator("#pd_empty").is_visible()
    counts = page.locator("section.pd-tier-section h2 .pd-count").all_inner_texts()
    assert counts == ["(2)", "(2)"]


# -- what the review found ---------------------------------------------------------------------


@pytest.mark.parametrize("fragment", ["#%E0%A4%A", "#__proto__", "#constructor", "#%"])
def test_a_malformed_fragment_never_throws(open_page: Any, fragment: str) -> None:
    page = open_page(query=fragment)
    assert page.locator("#pd_tools").is_visible()
    page.evaluate(f"location.hash = {json.dumps(fragment)}")
    page.wait_for_timeout(50)


def test_a_tier_first_question_and_a_tier_link_land_below_the_bar(
    open_page: Any, bank: Bank
) -> None:
    for tier in bank.tiers[1:]:
        first = bank.questions_in(tier)[0]
        page = open_page(query=f"#{first.id}", viewport={"width": 1280, "height": 800})
        page.wait_for_timeout(100)
        box = page.locator(f"[id='{first.id}']").bounding_box()
        bar = page.locator("#pd_tools").bounding_box()
        assert box is not None and bar is not None
        assert bar["y"] + bar["height"] <= box["y"] + 1 < 400, (first.label, box, bar)
    page.locator(f"a[href='#tier_{bank.tiers[2].id}']").click()
    page.wait_for_timeout(100)
    heading = page.locator(f"#tier_{bank.tiers[2].id}_h").bounding_box()
    bar = page.locator("#pd_tools").bounding_box()
    assert heading is not None and bar is not None
    assert bar["y"] + bar["height"] <= heading["y"] + 1 < 400


def test_progress_and_keyboard_are_popovers_over_the_page(open_page: Any) -> None:
    page = open_page(viewport={"width": 1280, "height": 800})
    before = page.locator("#pd_tools").bounding_box()
    page.locator("#pd_progress_open").click()
    assert page.locator("#pd_progress_pop").is_visible()
    assert page.locator("#pd_tools").bounding_box() == before
    page.keyboard.press("Escape")
    page.locator("#pd_keys_open").click()
    assert page.locator("#pd_keys_pop").is_visible()
    assert page.locator("#pd_tools").bounding_box() == before
    assert before is not None and before["height"] < 250


def test_print_is_light_even_in_dark_mode(open_page: Any) -> None:
    page = open_page(color_scheme="dark")
    page.emulate_media(media="print", color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    fold = page.locator(".pd-hint-fold").first
    assert fold.evaluate("e => getComputedStyle(e).backgroundColor") in (
        "rgba(0, 0, 0, 0)",
        "rgb(255, 255, 255)",
    )
    long_rule = page.evaluate(
        "Array.from(document.styleSheets[0].cssRules)"
        ".filter(r => r.media && r.media.mediaText === 'print')"
        ".map(r => r.cssText).join('\\n')"
    )
    assert "avoid-page" not in long_rule
    assert "break-inside: avoid" in long_rule
    # A4: the review counted 106 pages, 47 of them less than a third full.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    lengths = [len(p.extract_text()) for p in pdf.pages]
    sparse = [n for n, length in enumerate(lengths, 1) if length < max(lengths) / 3]
    assert len(pdf.pages) <= 75, len(pdf.pages)
    assert len(sparse) <= 3, sparse


# -- accessibility of every view, and screenshots -----------------------------------------


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 360), ("dark", 360)]
)
def test_axe_in_every_view(open_page: Any, scheme: str, width: int) -> None:
    page = open_page(color_scheme=scheme, viewport={"width": width, "height": 800})
    out = SHOTS or None
    checked: list[tuple[str, list[dict[str, Any]]]] = []

    def check(name: str) -> None:
        checked.append((name, axe_violations(page)))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out / f"view-{name}-{width}-{scheme}.png"))

    page.locator("#pd_study_open").click()
    for _ in range(3):
        page.locator("#pd_reveal").click()
    check("study")
    page.keyboard.press("3")
    page.keyboard.press("Escape")
    page.locator("#pd_plan_open").click()
    page.locator("#pd_plan_date").fill((date.today() + timedelta(days=12)).isoformat())
    page.locator("#pd_plan_date").dispatch_event("change")
    check("plan")
    page.keyboard.press("Escape")
    page.locator("#pd_mock_open").click()
    check("mock-setup")
    page.locator("#pd_mock_count").fill("1")
    page.locator("#pd_mock_start").click()
    check("mock-question")
    page.locator("#pd_mock_done").click()
    check("mock-check")
    page.locator("#pd_mock_next").click()
    check("scorecard")
    page.keyboard.press("Escape")
    page.locator("#pd_progress_open").click()
    check("progress")
    assert [c for c in checked if c[1]] == []


README_SHOTS = Path(os.environ.get("PREPDECK_README_SHOTS", "")) or None


def test_readme_screenshots_of_the_study_view_and_the_plan(open_page: Any, tmp_path: Path) -> None:
    """The README's pictures, taken here: PREPDECK_README_SHOTS=docs/img writes them
    there (at 360 px, light, small PNGs); otherwise into a temporary folder."""
    out = README_SHOTS if README_SHOTS and str(README_SHOTS) != "." else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page = open_page(viewport={"width": 360, "height": 740}, color_scheme="light")
    page.locator("#pd_study_open").click()
    page.locator("#pd_reveal").click()
    page.locator("#pd_reveal").click()
    page.locator(".pd-card-points input[type=checkbox]").first.check()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out / "study-view.png"))
    page.keyboard.press("3")
    page.keyboard.press("Escape")
    page.locator("#pd_plan_open").click()
    page.locator("#pd_plan_date").fill((date.today() + timedelta(days=12)).isoformat())
    page.locator("#pd_plan_date").dispatch_event("change")
    page.locator("#pd_plan_h").click()  # the focus off the date field
    page.screenshot(path=str(out / "plan.png"), full_page=True)
    for name in ("study-view.png", "plan.png"):
        size = (out / name).stat().st_size
        assert 5_000 < size < 150_000, (name, size)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_search_placeholder_fits(open_page: Any, width: int) -> None:
    page = open_page(viewport={"width": width, "height": 800})
    text_width, room = page.locator("#pd_q").evaluate(
        """el => {
          const ctx = document.createElement('canvas').getContext('2d');
          const cs = getComputedStyle(el);
          ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
          const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
          return [ctx.measureText(el.placeholder).width, el.clientWidth - pad];
        }"""
    )
    assert text_width <= room, (text_width, room)


@pytest.mark.parametrize(
    "damaged",
    [
        "{not json",
        json.dumps({"format": "prepdeck-progress", "formatVersion": 1, "bank": "x"}),
        json.dumps(
            {
                "format": "prepdeck-progress",
                "formatVersion": 1,
                "bank": "ai-devsecops",
                "bankVersion": "1.0.0",
                "items": {"q": {"changed": "1", "card": {"due": "soon"}, "log": []}},
            }
        ),
    ],
)
def test_damaged_stored_progress_is_kept_aside_never_thrown_on(
    open_page: Any, bank: Bank, damaged: str
) -> None:
    page = open_page()
    key = f"prepdeck:{bank.slug}:progress"
    # The page writes what it holds as it goes away; this is written after that.
    page.evaluate(
        "([k, v]) => window.addEventListener('pagehide', () => localStorage.setItem(k, v))",
        [key, damaged],
    )
    page.reload()
    assert "could not be read" in page.locator("#pd_notice_text").inner_text()
    assert page.evaluate(f"localStorage.getItem('{key}:damaged')") == damaged
    assert page.locator("#pd_study_open").inner_text() == "Study · 10 today"
    page.wait_for_timeout(50)
    assert stored(page, bank.slug)["items"] == {}
