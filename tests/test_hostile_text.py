"""Hostile text, round two (issue 23): Anki's own tags stay text, nothing the
renderer cannot hold is dropped silently, and any input under 1 MB is answered
with problems or a build in bounded time, never a traceback."""

from __future__ import annotations

from pathlib import Path

from yaml.nodes import MappingNode

from conftest import MakeBank
from prepdeck.load import load_document
from prepdeck.validate import validate_content


class _CountingList(list):  # type: ignore[type-arg]
    iterations = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        _CountingList.iterations += 1
        return super().__iter__()


def test_locating_many_problems_in_a_wide_mapping_scans_its_keys_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text("".join(f"k{i}: v\n" for i in range(3000)), encoding="utf-8")
    doc = load_document(path)
    assert isinstance(doc.node, MappingNode)
    doc.node.value = _CountingList(doc.node.value)
    _CountingList.iterations = 0
    lines = [doc.position((f"k{i}",), key=True)[0] for i in range(3000)]
    assert lines == list(range(1, 3001))
    assert _CountingList.iterations <= 1  # was one scan of all keys per problem


# -- 23.2: Anki's own tags in bank text stay text ------------------------------------

ANKI_TAGS = {
    "question": "Does [sound:alarm.mp3] play, or [anki:tts lang=en_US]hello[/anki:tts]?",
    "hint": "`[latex]\\frac{1}{2}[/latex]` and [$]x^2[/$]",
    "key_point": "[$$]\\sum_i i[/$$] and [LaTeX]y[/LATEX]",
    "answer": "Plain [sound:b.mp3].\n\n```\n[sound:c.mp3] [$]z[/$]\n```\n\n- [sound:d.ogg]",
}


def test_anki_media_and_latex_tags_in_bank_text_read_back_literally(tmp_path: Path) -> None:
    import html
    import re

    from anki_helpers import collection, import_package, make_bank, options
    from prepdeck import anki

    bank = make_bank(
        edits={
            "what-is-a-secret": {
                "question": ANKI_TAGS["question"],
                "hint": ANKI_TAGS["hint"],
                "key_points": [ANKI_TAGS["key_point"]],
                "answer": ANKI_TAGS["answer"],
            }
        },
        title="Deck [sound:title.mp3]",
    )
    dest = tmp_path / "deck.apkg"
    anki.write_deck(bank, dest, options(tmp_path))
    col = collection(tmp_path / "anki" / "collection.anki2")
    try:
        import_package(col, dest)
        [cid] = col.find_cards('"ID:what-is-a-secret"')
        card = col.get_card(cid)
        assert card.question_av_tags() == []
        assert card.answer_av_tags() == []
        question, answer = card.question(), card.answer()
        for shown in (question, answer):
            assert "latex-" not in shown and "<img" not in shown  # no LaTeX image
        text = html.unescape(re.sub(r"<[^>]+>", "", answer))
        for written in (
            "[sound:alarm.mp3]",
            "[anki:tts lang=en_US]hello[/anki:tts]",
            "[latex]\\frac{1}{2}[/latex]",
            "[$]x^2[/$]",
            "[$$]\\sum_i i[/$$]",
            "[LaTeX]y[/LATEX]",
            "[sound:b.mp3]",
            "[sound:c.mp3] [$]z[/$]",
            "[sound:d.ogg]",
            "Deck [sound:title.mp3]",
        ):
            assert written in text, written
    finally:
        col.close()


def test_notes_without_anki_tags_render_as_before() -> None:
    from prepdeck.anki import anki_text

    plain = '<p>[x](y) [sound] [latex [$ x] <a href="https://e/[a]">[1]</a></p>'
    assert anki_text(plain) == plain


# -- 23.10: image names with spaces and non-ASCII characters ---------------------------


def test_images_named_with_spaces_or_accents_are_found(make_bank: MakeBank) -> None:
    from test_rich_validate import png, with_answer

    root = make_bank(
        basics__yaml=with_answer(
            "Two pictures.\n\n![An accent](media/café.png)\n\n![A space](<media/my pic.png>)\n"
        )
    )
    png(root / "media" / "café.png")
    png(root / "media" / "my pic.png", (30, 20))
    result = validate_content(root)
    assert result.problems == []
    assert result.bank is not None
    from prepdeck.text import iter_images, parse_blocks

    answer = result.bank.questions[0].answer
    assert [i.src for i in iter_images(parse_blocks(answer))] == [
        "media/café.png",
        "media/my pic.png",
    ]
