"""The study page's shared images in Debian's Chromium: an image shown many times is
defined once and drawn at every place, under the page's CSP, at phone and desktop
widths, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MakeBank
from prepdeck import site
from prepdeck.validate import validate_content
from test_site_browser import CHROMIUM, browser, watched_page  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"
    ),
]


@pytest.mark.parametrize(("width", "scheme"), [(360, "light"), (1280, "dark")])
def test_an_image_shown_three_times_is_drawn_three_times_from_one_copy(
    browser: object,  # noqa: F811
    make_bank: MakeBank,
    tmp_path: Path,
    width: int,
    scheme: str,
) -> None:
    from test_hostile_text import _image_bank, _png_bytes

    root = _image_bank(make_bank, references=3)
    (root / "media").mkdir()
    (root / "media" / "box.png").write_bytes(_png_bytes((600, 200), (30, 90, 200)))
    result = validate_content(root)
    assert result.bank is not None, result.problems
    path = tmp_path / "page.html"
    path.write_text(site.render_site(result.bank, content_dir=root), encoding="utf-8")
    context, page, watch = watched_page(
        browser, path, viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    try:
        answer = page.locator("[id='first-question'] .pd-answer")
        answer.locator("summary").click()
        figures = answer.locator("svg.pd-img")
        assert figures.count() == 3
        column = answer.locator("p.figure").first.evaluate(
            "e => parseFloat(getComputedStyle(e).width)"
        )
        for i in range(3):
            box = figures.nth(i).bounding_box()
            assert box is not None
            # the image's own width, or the column's when that is narrower, aspect kept
            assert box["width"] == pytest.approx(min(600, column), abs=1)
            assert box["height"] == pytest.approx(box["width"] / 3, abs=1)
        assert figures.first.get_attribute("aria-label") == "A red box"
        # the pixels are drawn: the middle of the first figure is the image's blue
        shot = tmp_path / f"figure-{width}-{scheme}.png"
        figures.first.screenshot(path=str(shot))
        from PIL import Image

        with Image.open(shot) as image:
            pixel = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
        assert isinstance(pixel, tuple)
        assert pixel == pytest.approx((30, 90, 200), abs=3)
        answer.screenshot(path=str(tmp_path / f"answer-{width}-{scheme}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
    assert watch.requests == [] and watch.errors == []
