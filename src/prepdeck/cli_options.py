"""The command line's options and arguments: those the commands share, and each
command's own as one decorator, in the order --help shows them.

Only Click and cheap modules are imported here: `prepdeck --help` reads all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from prepdeck.report import FORMATS
from prepdeck.schemas import DOCUMENT_KINDS
from prepdeck.targets import REGISTRY, TARGETS

F = TypeVar("F", bound=Callable[..., Any])


def options(*decorators: Callable[[Any], Any]) -> Callable[[F], F]:
    """Several options as one decorator, in --help in the order given."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


content_argument = click.argument(
    "content_dir", default="content", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="How to print problems; auto is github inside GitHub Actions, else text.",
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
paper_option = click.option(
    "--paper",
    metavar="NAME",
    default="a4",
    show_default=True,
    help="Paper size of every PDF layout: a name under papers: in pdf.yaml "
    "(a4 and letter by default; a style folder can add more).",
)
styles_option = click.option(
    "--styles",
    "style_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A style folder over the defaults (repeatable). Default: the bank's own "
    "styles/ beside CONTENT_DIR (CONTENT_DIR/../styles), if it exists.",
)
# what build and release share at the end of their options
run_options = options(
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="Build up to N artifacts at once, each in its own process "
        "(default: the usable cores; 1 builds them one after another here).",
    ),
    format_option,
    strict_option,
    click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems."),
)


def out_option(help_text: str) -> Callable[[Any], Any]:
    """--out for the commands that write artifacts; only what lands there differs."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="dist",
        show_default=True,
        help=help_text,
    )


build_options = options(
    out_option("Where the artifacts go."),
    click.option(
        "--target",
        "targets",
        multiple=True,
        type=click.Choice(TARGETS),
        help="Build only this artifact (repeatable): "
        + "; ".join(f"{t.name}, {t.description}" for t in REGISTRY.values())
        + ". Default: all of them.",
    ),
    paper_option,
    click.option(
        "--tier", "tiers", multiple=True, metavar="ID", help="Only these tiers (repeatable)."
    ),
    click.option(
        "--topic", "topics", multiple=True, metavar="TOPIC", help="Only these topics (repeatable)."
    ),
    # --topic's old name, kept working but out of --help: release's --tag is a git tag
    click.option("--tag", "old_topics", multiple=True, hidden=True),
    styles_option,
    click.option(
        "--locked",
        is_flag=True,
        help="Fail instead of updating the lock file when content changed (for CI and releases).",
    ),
    click.option(
        "--allow-notetype-change",
        is_flag=True,
        help="Accept an Anki note type whose fields or templates differ from the lock's "
        '(with a major version bump; users must import with "Merge note types").',
    ),
    click.option(
        "--new-lock",
        is_flag=True,
        help="Start a new lock file although git shows the bank was built before (every note "
        "gets a new time, so Anki's next import replaces users' tags).",
    ),
    run_options,
    click.option("-v", "--verbose", is_flag=True, help="Also say how long each artifact took."),
)
release_options = options(
    out_option("Where the artifacts, SHA256SUMS and RELEASE-NOTES.md go."),
    click.option(
        "--tag",
        metavar="vX.Y.Z",
        envvar="PREPDECK_TAG",
        show_envvar=True,
        help="Fail unless this is the tag for the bank's version (v + version).",
    ),
    click.option(
        "--previous-lock",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The previous release's lock file; the notes list the ids changed since.",
    ),
    click.option(
        "--since",
        metavar="TAG",
        default="auto",
        show_default=True,  # release.AUTO
        help="The previous release's tag, whose committed lock the notes compare with; "
        "'auto' is the latest v* tag before this version, 'none' a first release.",
    ),
    click.option(
        "--allow-dirty",
        is_flag=True,
        help="Release even though the content folder has uncommitted changes (a trial run; "
        "CI, building the commit, would produce other bytes).",
    ),
    paper_option,
    styles_option,
    run_options,
)
preview_options = options(
    styles_option,
    click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=0,
        show_default=True,
        help="Port on 127.0.0.1; 0 picks a free one.",
    ),
)
stats_options = options(
    click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="A readable table, or JSON for scripts.",
    ),
)
schema_options = options(
    click.argument("kind", type=click.Choice(DOCUMENT_KINDS), default="tier"),
    click.option(
        "--write",
        "write_dir",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="DIR",
        help="Write every schema ("
        + ", ".join(f"{k}.schema.json" for k in DOCUMENT_KINDS)
        + ") into DIR instead of printing one, replacing older copies.",
    ),
)
init_options = options(
    click.argument(
        "directory",
        default=".",
        type=click.Path(file_okay=False, path_type=Path),
    ),
    click.option(
        "--slug",
        metavar="SLUG",
        help="The bank's slug (kebab-case): its file names and Anki identity. "
        "Default: from the folder's name.",
    ),
    click.option("--title", metavar="TEXT", help="The bank's title. Default: from the slug."),
)
calibrate_options = options(
    click.argument(
        "dest", type=click.Path(dir_okay=False, path_type=Path), default="calibration.pdf"
    ),
    paper_option,
    styles_option,
)
