"""What a build prints, as the library hands it to the CLI: the labelled report
lines and the progress lines (the CLI only echoes them; test_cli checks the output)."""

from __future__ import annotations

from pathlib import Path

from prepdeck.artifacts import Artifact
from prepdeck.report import Progress, build_lines, time_lines


def test_build_lines_label_the_styles_then_each_artifact_line_in_one_column() -> None:
    artifacts = [
        Artifact("anki", Path("d/x.apkg"), report=["51 notes"]),
        Artifact("booklet", Path("d/x.pdf"), report=["12 pages", "a4"]),
        Artifact("site", Path("d/x.html")),  # nothing to say: no line
    ]
    assert build_lines("the defaults", artifacts) == [
        "styles:  the defaults",
        "anki:    51 notes",
        "booklet: 12 pages",
        "booklet: a4",
    ]


def test_progress_counts_in_finishing_order_and_keeps_the_times() -> None:
    shown: list[str] = []
    progress = Progress(2, shown.append)
    progress.started("site")
    progress.finished("site", 0.5)
    progress.finished("anki", 1.25)
    assert shown == ["[1/2] site built in 0.50 s", "[2/2] anki built in 1.25 s"]
    assert time_lines(progress.seconds) == ["site: built in 0.50 s", "anki: built in 1.25 s"]


def test_progress_without_a_display_only_records() -> None:
    progress = Progress(1, None)
    progress.finished("cards", 2.0)
    assert progress.done == 1 and progress.seconds == {"cards": 2.0}
