"""The command line: parse options, call one library function, map the result to
output and an exit code (0 fine, 1 invalid content or failed build, 2 usage).

Heavy modules are imported inside the commands, so `prepdeck --help` stays fast and
never loads genanki or reportlab.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, cast

import click

from prepdeck import __version__
from prepdeck.cli_options import (
    build_options,
    calibrate_options,
    content_argument,
    format_option,
    init_options,
    preview_options,
    release_options,
    schema_options,
    stats_options,
    strict_option,
    styles_option,
)
from prepdeck.targets import TARGETS


def _echo(lines: Sequence[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


def _print_problems(problems: Sequence[Any], output_format: str, *, quiet: bool = False) -> None:
    from prepdeck import report

    if output_format == "json":
        click.echo(report.format_problems(problems, "json"))
        return
    color = "NO_COLOR" not in os.environ and sys.stdout.isatty()
    if problems:
        click.echo(report.format_problems(problems, output_format, color=color))  # type: ignore[arg-type]
    if problems and not quiet:
        click.echo(report.summary(problems), err=True)


def _print_json(problems: Sequence[Any], artifacts: Sequence[Any], **more: Any) -> None:
    from prepdeck.report import json_document

    click.echo(json_document(problems, artifacts, **more))


def _failed(problems: Sequence[Any], output_format: str, what: str) -> NoReturn:
    """Print the problems (one JSON document with --format json) and exit 1."""
    if output_format == "json":
        _print_json(problems, [])
    else:
        _print_problems(problems, output_format)
    if what:
        click.echo(what, err=True)
    sys.exit(1)


def _show_progress(quiet: bool) -> bool:
    return sys.stderr.isatty() and not quiet and os.environ.get("CI") is None


def _timestamp(read: Callable[[], int]) -> int:
    """SOURCE_DATE_EPOCH or what stands in for it: a bad value is a usage error."""
    from prepdeck.errors import PrepdeckError
    from prepdeck.pipeline import RequestError

    try:
        return read()
    except RequestError as exc:
        raise click.UsageError(str(exc)) from None
    except PrepdeckError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def _building(unchanged: str) -> Iterator[None]:
    """A bad request is a usage error on its option; SIGTERM stops like Ctrl-C."""
    from prepdeck.artifacts import Terminated, terminate_like_interrupt
    from prepdeck.pipeline import RequestError

    try:
        with terminate_like_interrupt():
            yield
    except RequestError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{exc.option}'") from None
    except Terminated:
        click.echo(f"terminated; {unchanged}", err=True)
        sys.exit(128 + signal.SIGTERM)


def _validated(
    content_dir: Path, output_format: str, strict: bool, *, quiet: bool = False, **kwargs: Any
) -> Any:
    """Validate, print the problems, and exit 1 unless the bank is usable."""
    from prepdeck.validate import validate_content

    result = validate_content(content_dir, **kwargs)
    _print_problems(result.problems, output_format, quiet=quiet)
    if not result.ok(strict=strict):
        sys.exit(1)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prepdeck")
def cli() -> None:
    """Turn a YAML question bank into an Anki deck, printable PDFs and a study web page.

    \b
    Example:
        prepdeck validate content
        prepdeck build content --out dist
    """


@cli.command()
@content_argument
@format_option
@strict_option
@styles_option
def validate(
    content_dir: Path, output_format: str, strict: bool, style_dirs: tuple[Path, ...]
) -> None:
    """Check a bank and report every problem at once.

    Problems print as path:line:col: level[rule]: message. Exit status 0 means
    valid, 1 invalid (or warnings with --strict), 2 a usage error. The PDF
    glyph check uses the fonts of the styles a build would use.

    \b
    Example:
        prepdeck validate content --format github
    """
    from prepdeck.style_folders import bank_style_dirs

    style_dirs = style_dirs or bank_style_dirs(content_dir)
    _validated(
        content_dir,
        output_format,
        strict,
        build_model=False,
        pdf_styles=style_dirs,
        style_dirs=style_dirs,
    )
    if output_format != "json":
        click.echo(f"{content_dir}: valid", err=True)


@cli.command()
@content_argument
@build_options
def build(
    content_dir: Path,
    out_dir: Path,
    targets: tuple[str, ...],
    paper: str,
    tiers: tuple[str, ...],
    topics: tuple[str, ...],
    old_topics: tuple[str, ...],
    style_dirs: tuple[Path, ...],
    locked: bool,
    allow_notetype_change: bool,
    new_lock: bool,
    jobs: int | None,
    output_format: str,
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Validate the bank, then write the Anki deck, the PDFs and the study page.

    Nothing is written unless the bank is valid and every artifact builds; each
    file then replaces its old version atomically. Set SOURCE_DATE_EPOCH for
    byte-identical rebuilds.

    \b
    Example:
        SOURCE_DATE_EPOCH=1767225600 prepdeck build content --out dist
        prepdeck build --target booklet --paper letter --tier beginner
    """
    from prepdeck import pipeline
    from prepdeck.build import usable_cores
    from prepdeck.report import Progress, artifact_lines, build_lines, time_lines
    from prepdeck.style_folders import describe

    request = pipeline.Request(
        targets=targets or TARGETS,
        style_dirs=style_dirs or None,
        paper=paper,
        tiers=tiers,
        topics=topics + old_topics,
        strict=strict,
    )
    show = _show_progress(quiet)
    progress = Progress(
        len(request.targets), (lambda line: click.echo(line, err=True)) if show else None
    )
    timestamp = _timestamp(lambda: pipeline.source_date_epoch(os.environ))
    with _building("no artifact was changed"):
        outcome = pipeline.run(
            content_dir,
            request,
            out_dir=out_dir,
            timestamp=timestamp,
            update_lock=not locked,
            allow_notetype_change=allow_notetype_change,
            new_lock=new_lock,
            jobs=jobs or usable_cores(),
            progress=progress,
        )
    if not outcome.ok:
        built = outcome.bank is not None  # valid content, but the build failed
        _failed(outcome.problems, output_format, "build failed; no artifact was changed" * built)
    if output_format == "json":
        _print_json(outcome.problems, outcome.artifacts)
    else:
        _print_problems(outcome.problems, output_format, quiet=quiet)
    if quiet:
        return
    if verbose and not show:  # the progress lines had the times already
        _echo(time_lines(progress.seconds), err=True)
    _echo(build_lines(describe(outcome.style_dirs), outcome.artifacts), err=True)
    if output_format != "json":
        _echo(artifact_lines(outcome.artifacts))


@cli.command()
@content_argument
@preview_options
def preview(content_dir: Path, style_dirs: tuple[Path, ...], port: int) -> None:
    """Serve the study page on 127.0.0.1 and rebuild it whenever a file changes.

    Watches the content folder and the style folders; the open page reloads by
    itself. While the content is invalid, the page lists the problems (file,
    line, message) and the server keeps running. Ctrl-C stops it.

    \b
    Example:
        prepdeck preview content
        prepdeck preview content --port 8000
    """
    from prepdeck.preview import Preview, Snapshot

    def built(snapshot: Snapshot) -> None:
        _echo(snapshot.report, err=True)

    try:
        server = Preview(content_dir, style_dirs=style_dirs or None, port=port, on_build=built)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc
    click.echo(f"Serving {content_dir} at {server.url} (Ctrl-C to stop)")
    server.serve_until_stopped()
    click.echo("preview stopped", err=True)


@cli.command()
@content_argument
@stats_options
def stats(content_dir: Path, output_format: str) -> None:
    """Count questions per tier and per topic, and show the most cited references.

    \b
    Example:
        prepdeck stats content --format json
    """
    from prepdeck import stats as stats_module

    result = stats_module.compute(_validated(content_dir, "text", False, quiet=True).bank)
    render = stats_module.render_json if output_format == "json" else stats_module.render_text
    click.echo(render(result))


@cli.command()
@schema_options
@click.pass_context
def schema(ctx: click.Context, kind: str, write_dir: Path | None) -> None:
    """Print the JSON Schema of bank.yaml, of a tier file, or of pdf.yaml.

    Point your editor at it for completion and squiggles, e.g. with a first line
    `# yaml-language-server: $schema=../schemas/tier.schema.json`.  `prepdeck init`
    writes the schemas into the new bank's schemas/ folder; after upgrading
    prepdeck, refresh them with --write.

    \b
    Example:
        prepdeck schema bank > bank.schema.json
        prepdeck schema --write schemas
    """
    import json

    from prepdeck.schema import schema as load_schema
    from prepdeck.schemas import DocumentKind

    if write_dir is not None:
        if ctx.get_parameter_source("kind") is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError("--write writes every schema; give no KIND with it")
        from prepdeck.init import InitError, write_schemas

        try:
            written = write_schemas(write_dir)
        except InitError as exc:
            raise click.ClickException(str(exc)) from exc
        for path in written:
            click.echo(str(path))
        return
    click.echo(json.dumps(load_schema(cast(DocumentKind, kind)), indent=2))


@cli.command()
@init_options
def init(directory: Path, slug: str | None, title: str | None) -> None:
    """Start a new bank in DIRECTORY (default: here) that validates and builds as it is.

    Writes content/ (bank.yaml, two tier files with example questions, an image),
    styles/ (anki.css and pdf.yaml showing the common settings), schemas/ for
    editor support, a .gitignore, requirements.txt and a GitHub Actions workflow
    that validates and builds every pull request.  Refuses to overwrite anything:
    if any of these files exists, nothing is written.

    \b
    Example:
        prepdeck init k8s-bank --slug k8s-security
        cd k8s-bank && prepdeck validate && prepdeck build
    """
    from prepdeck.init import InitError, InitUsageError, next_steps
    from prepdeck.init import init as run_init

    try:
        result = run_init(directory, slug=slug, title=title)
    except InitUsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except InitError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in result.written:
        click.echo(str(directory / path))
    click.echo("\n" + next_steps(directory, result), err=True)


@cli.command()
@click.argument("old")
@click.argument("new")
@content_argument
def rename(old: str, new: str, content_dir: Path) -> None:
    """Change question id OLD to NEW and keep its Anki note and learners' history.

    Edits the id in its tier file in place (comments and layout untouched) and
    records the rename in the lock (content/prepdeck.lock), so the note keeps its
    Anki identity: the next build updates it under the new id. Editing an id by
    hand instead makes a new note and retires the old one. NEW must be a new
    kebab-case id.

    \b
    Example:
        prepdeck rename promt-injection prompt-injection content
        prepdeck build content   # then commit the tier file and the lock
    """
    from prepdeck.model import is_kebab_case
    from prepdeck.rename import RenameError
    from prepdeck.rename import rename as run_rename

    if not is_kebab_case(new):
        raise click.BadParameter(
            f"{new!r} is not kebab-case (lowercase letters, digits, single hyphens)",
            param_hint="NEW",
        )
    try:
        done = run_rename(content_dir, old, new)
    except RenameError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    _echo(done.report(old, new))
    click.echo("next: run `prepdeck build` and commit the tier file and the lock", err=True)


@cli.command()
@calibrate_options
def calibrate(dest: Path, paper: str, style_dirs: tuple[Path, ...]) -> None:
    """Write a one-sheet PDF that measures how far your printer shifts the backs
    of double-sided pages; it says what to put in pdf.yaml's
    cards.duplex_offset_x_mm and duplex_offset_y_mm.

    \b
    Example:
        prepdeck calibrate calibration.pdf --paper letter
    """
    from prepdeck.errors import BuildError
    from prepdeck.pdf.calibration import write_calibration
    from prepdeck.pdf.common import make_kit
    from prepdeck.pipeline import source_date_epoch

    try:
        kit = make_kit(style_dirs)
        if paper not in kit.style.papers:
            known = ", ".join(sorted(kit.style.papers))
            raise click.BadParameter(
                f"{paper!r} is not a paper in pdf.yaml (choose from {known})",
                param_hint="'--paper'",
            )
        write_calibration(dest, kit, paper, _timestamp(lambda: source_date_epoch(os.environ)))
    except BuildError as exc:
        _failed(exc.problems, "auto", "calibration sheet not written")
    except OSError as exc:
        raise click.ClickException(f"{dest}: {exc.strerror or exc}") from exc
    click.echo(f"{dest}: print it double-sided, then read the numbers off the back")


@cli.command()
def rules() -> None:
    """List the validation rules that look across a bank, with what each checks.

    \b
    Example:
        prepdeck rules
    """
    from prepdeck.rules import RULES

    for rule in RULES:
        doc = " ".join((rule.__doc__ or "").split())
        click.echo(f"{rule.ID}\n    {doc}\n")


# -- release: validate, build twice, compare, checksums and notes (release.py) ---------


@cli.command()
@content_argument
@release_options
@click.pass_context
def release(
    ctx: click.Context,
    content_dir: Path,
    out_dir: Path,
    tag: str | None,
    previous_lock: Path | None,
    since: str,
    paper: str,
    style_dirs: tuple[Path, ...],
    jobs: int | None,
    output_format: str,
    strict: bool,
    quiet: bool,
    allow_dirty: bool,
) -> None:
    """Build a release: validate, build twice, compare the bytes, write checksums and notes.

    Both builds use SOURCE_DATE_EPOCH, by default the time of the commit checked
    out, so a release made by hand has the same bytes as the one CI publishes. The
    lock file must be current (as with build --locked). Nothing is written unless
    both builds succeed and are byte-identical.

    \b
    Example:
        prepdeck release content --out dist --tag v1.2.0
        prepdeck release content --previous-lock ../v1.1.0/prepdeck.lock
    """
    from prepdeck.build import usable_cores
    from prepdeck.errors import PrepdeckError, Problem, ProblemsError
    from prepdeck.release import release as run_release
    from prepdeck.release import release_timestamp
    from prepdeck.report import artifact_lines

    since_given = ctx.get_parameter_source("since") is not click.core.ParameterSource.DEFAULT
    if previous_lock is not None and since_given:
        raise click.UsageError("give --previous-lock or --since, not both")
    timestamp = _timestamp(lambda: release_timestamp(content_dir, os.environ))
    show = _show_progress(quiet)

    def step(message: str) -> None:
        if show:
            click.echo(f"{message}…", err=True)

    try:
        with _building("nothing was written"):
            result = run_release(
                content_dir,
                out_dir=out_dir,
                timestamp=timestamp,
                tag=tag,
                previous_lock=previous_lock,
                since=None if previous_lock is not None or since == "none" else since,
                style_dirs=style_dirs or None,
                paper=paper,
                strict=strict,
                on_step=step,
                allow_dirty=allow_dirty,
                jobs=jobs or usable_cores(),
            )
    except ProblemsError as exc:
        _failed(exc.problems, output_format, "release failed; nothing was written")
    except PrepdeckError as exc:
        if output_format != "json":
            raise click.ClickException(str(exc)) from exc
        _failed([Problem(str(content_dir), 1, 1, "release", str(exc))], output_format, "")
    if output_format == "json":
        _print_json(result.warnings, result.artifacts, **result.as_dict())
        return
    _print_problems(result.warnings, output_format, quiet=quiet)
    if quiet:
        return
    _echo([*artifact_lines(result.artifacts), str(result.checksums), str(result.release_notes)])
    click.echo(result.summary, err=True)


def main() -> None:
    cli(prog_name="prepdeck")
