"""The build targets, registered in one place (in the style of yamllint's rule
registry): `build()` and the CLI both read `REGISTRY`, so adding a target is one
entry here plus its writer module.

A writer is named by its import path and imported only when its target is built,
so `prepdeck --help` and `prepdeck validate` never load genanki or reportlab.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:  # the CLI reads the registry for --help: keep its import cheap
    from prepdeck.artifacts import Writer


class Target(NamedTuple):  # not a dataclass: `prepdeck --help` reads this, keep it cheap
    name: str  # what --target names
    suffix: str  # appended to the bank slug to make the artifact's file name
    writer: str  # "module:function", imported only when the target is built
    description: str  # one line for --help
    uses_paper: bool = False  # whether --paper (a pdf.yaml paper) applies

    def file_name(self, slug: str) -> str:
        return slug + self.suffix

    def load_writer(self) -> Writer:
        module_name, _, function = self.writer.partition(":")
        return cast("Writer", getattr(importlib.import_module(module_name), function))


REGISTRY: Mapping[str, Target] = {
    target.name: target
    for target in (
        Target("anki", ".apkg", "prepdeck.anki:write_deck", "the Anki deck"),
        Target(
            "booklet",
            ".pdf",
            "prepdeck.pdf.booklet:write_booklet",
            "the study booklet (PDF)",
            uses_paper=True,
        ),
        Target(
            "quiz",
            "-quiz.pdf",
            "prepdeck.pdf.quiz:write_quiz",
            "the self-quiz with ruled space (PDF)",
            uses_paper=True,
        ),
        Target(
            "cards",
            "-cards.pdf",
            "prepdeck.pdf.cards:write_cards",
            "duplex flash cards (PDF)",
            uses_paper=True,
        ),
        Target("site", ".html", "prepdeck.site:write_site", "the study web page (HTML)"),
    )
}
TARGETS: tuple[str, ...] = tuple(REGISTRY)  # every target, in build order
