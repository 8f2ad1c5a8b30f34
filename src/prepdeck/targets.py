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
    from collections.abc import Callable

    from prepdeck.artifacts import BuildOptions, Writer

    WarmUp = Callable[[BuildOptions], object]


class Target(NamedTuple):  # not a dataclass: `prepdeck --help` reads this, keep it cheap
    name: str  # what --target names
    suffix: str  # appended to the bank slug to make the artifact's file name
    writer: str  # "module:function", imported only when the target is built
    description: str  # one line for --help
    uses_paper: bool = False  # whether --paper (a pdf.yaml paper) applies
    # "module:function" run once before artifacts are built in worker processes, so
    # they share what it loads (fonts registered) instead of each loading it again
    warm_up: str | None = None

    def file_name(self, slug: str) -> str:
        return slug + self.suffix

    def load_writer(self) -> Writer:
        return cast("Writer", _load(self.writer))

    def load_warm_up(self) -> Callable[[BuildOptions], object] | None:
        return (
            None
            if self.warm_up is None
            else cast("Callable[[BuildOptions], object]", _load(self.warm_up))
        )


def _load(name: str) -> object:
    module_name, _, function = name.partition(":")
    return getattr(importlib.import_module(module_name), function)


PDF_WARM_UP = "prepdeck.pdf.common:warm_up"  # the fonts every layout registers

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
            warm_up=PDF_WARM_UP,
        ),
        Target(
            "quiz",
            "-quiz.pdf",
            "prepdeck.pdf.quiz:write_quiz",
            "the self-quiz with ruled space (PDF)",
            uses_paper=True,
            warm_up=PDF_WARM_UP,
        ),
        Target(
            "cards",
            "-cards.pdf",
            "prepdeck.pdf.cards:write_cards",
            "duplex flash cards (PDF)",
            uses_paper=True,
            warm_up=PDF_WARM_UP,
        ),
        Target("site", ".html", "prepdeck.site:write_site", "the study web page (HTML)"),
    )
}
TARGETS: tuple[str, ...] = tuple(REGISTRY)  # every target, in build order
