"""The command line: parse options, call one library function, map the result to
output and an exit code (0 fine, 1 invalid content or failed build, 2 usage).

Heavy modules are imported inside the commands, so `prepdeck --help` stays fast and
never loads genanki or reportlab.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click

from prepdeck import __version__
from prepdeck.report import FORMATS
from prepdeck.schemas import DOCUMENT_KINDS
from prepdeck.targets import REGISTRY, TARGETS

F = TypeVar("F", bound=Callable[..., Any])


def content_argument(func: F) -> F:
    return click.argument(
        "content_dir",
        default="content",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
    )(func)


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="auto",
        show_default=True,
        help="How to print problems; auto is github inside GitHub Actions, else text.",
    )(func)


def strict_option(func: F) -> F:
    return click.option("--strict", is_flag=True, help="Treat warnings as errors.")(func)


def out_option(func: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="dist",
        show_default=True,
        help="Where the artifacts go.",
    )(func)


def paper_option(func: F) -> F:
    return click.option(
        "--paper",
        metavar="NAME",
        default="a4",
        show_default=True,
        help="Paper size of every PDF layout: a name under papers: in pdf.yaml "
        "(a4 and letter by default; a style folder can add more).",
    )(func)


def styles_option(func: F) -> F:
    return click.option(
        "--styles",
        "style_dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="A style folder over the defaults (repeatable). Default: the bank's own "
        "styles/ beside CONTENT_DIR (CONTENT_DIR/../styles), if it exists.",
    )(func)


def jobs_option(func: F) -> F:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="Build up to N artifacts at once, each in its own process "
        "(default: the usable cores; 1 builds them one after another here).",
    )(func)


def quiet_option(func: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")(func)


def _use_color() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _print_problems(problems: Sequence[Any], output_format: str, *, quiet: bool = False) -> None:
    from prepdeck import report

    if output_format == "json":
        click.echo(report.format_problems(problems, "json"))
        return
    if problems:
        click.echo(report.format_problems(problems, output_format, color=_use_color()))  # type: ignore[arg-type]
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


class _Progress:
    """A line per artifact as it is done (on a terminal, unless --quiet), with its
    time under --verbose; builds in parallel finish in any order."""

    def __init__(self, targets: Sequence[str], *, show: bool, verbose: bool) -> None:
        self.total = len(targets)
        self.done = 0
        self.show = show
        self.verbose = verbose
        self.seconds: dict[str, float] = {}

    def started(self, target: str) -> None:
        pass

    def finished(self, target: str, seconds: float) -> None:
        self.done += 1
        self.seconds[target] = seconds
        if self.show:
            click.echo(f"[{self.done}/{self.total}] {target} built in {seconds:.2f} s", err=True)


def _show_progress(quiet: bool) -> bool:
    return sys.stderr.isatty() and not quiet and os.environ.get("CI") is None


def _usage_error(exc: Any) -> NoReturn:
    raise click.BadParameter(str(exc), param_hint=f"'{exc.option}'")


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
@out_option
@click.option(
    "--target",
    "targets",
    multiple=True,
    type=click.Choice(TARGETS),
    help="Build only this artifact (repeatable): "
    + "; ".join(f"{t.name}, {t.description}" for t in REGISTRY.values())
    + ". Default: all of them.",
)
@paper_option
@click.option("--tier", "tiers", multiple=True, metavar="ID", help="Only these tiers (repeatable).")
@click.option(
    "--topic", "topics", multiple=True, metavar="TOPIC", help="Only these topics (repeatable)."
)
# --topic's old name, kept working but out of --help: release's --tag is a git tag
@click.option("--tag", "old_topics", multiple=True, hidden=True)
@styles_option
@click.option(
    "--locked",
    is_flag=True,
    help="Fail instead of updating the lock file when content changed (for CI and releases).",
)
@click.option(
    "--allow-notetype-change",
    is_flag=True,
    help="Accept an Anki note type whose fields or templates differ from the lock's "
    '(with a major version bump; users must import with "Merge note types").',
)
@click.option(
    "--new-lock",
    is_flag=True,
    help="Start a new lock file although git shows the bank was built before (every note "
    "gets a new time, so Anki's next import replaces users' tags).",
)
@jobs_option
@format_option
@strict_option
@quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Also say how long each artifact took.")
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
    from prepdeck.artifacts import Terminated, terminate_like_interrupt
    from prepdeck.build import usable_cores
    from prepdeck.style_folders import describe

    request = pipeline.Request(
        targets=targets or TARGETS,
        style_dirs=style_dirs or None,
        paper=paper,
        tiers=tiers,
        topics=topics + old_topics,
        strict=strict,
    )
    progress = _Progress(request.targets, show=_show_progress(quiet), verbose=verbose)
    try:
        with terminate_like_interrupt():
            outcome = pipeline.run(
                content_dir,
                request,
                out_dir=out_dir,
                timestamp=_source_date_epoch(),
                update_lock=not locked,
                allow_notetype_change=allow_notetype_change,
                new_lock=new_lock,
                jobs=jobs or usable_cores(),
                progress=progress,
            )
    except pipeline.RequestError as exc:
        _usage_error(exc)
    except Terminated:
        click.echo("terminated; no artifact was changed", err=True)
        sys.exit(128 + signal.SIGTERM)
    if not outcome.ok:
        built = outcome.bank is not None  # valid content, but the build failed
        _failed(outcome.problems, output_format, "build failed; no artifact was changed" * built)
    if output_format == "json":
        _print_json(outcome.problems, outcome.artifacts)
    else:
        _print_problems(outcome.problems, output_format, quiet=quiet)
    if quiet:
        return
    if verbose and not progress.show:  # the progress lines had the times already
        for target, seconds in progress.seconds.items():
            click.echo(f"{target}: built in {seconds:.2f} s", err=True)
    labelled = [("styles", describe(outcome.style_dirs))]
    labelled += [(a.target, line) for a in outcome.artifacts for line in a.report]
    width = max(len(label) for label, _ in labelled) + 1
    for label, line in labelled:
        click.echo(f"{label + ':':<{width}} {line}", err=True)
    if output_format != "json":
        _echo_artifacts(outcome.artifacts)


def _echo_artifacts(artifacts: Sequence[Any]) -> None:
    from prepdeck.report import artifact_lines

    for line in artifact_lines(artifacts):
        click.echo(line)


def _source_date_epoch() -> int:
    from prepdeck.pipeline import RequestError, source_date_epoch

    try:
        return source_date_epoch(os.environ)
    except RequestError as exc:
        raise click.UsageError(str(exc)) from None


@cli.command()
@content_argument
@styles_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
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
    import signal

    from prepdeck.preview import Preview, Snapshot

    def built(snapshot: Snapshot) -> None:
        click.echo(snapshot.summary, err=True)
        if not snapshot.ok:
            for problem in snapshot.problems:
                click.echo(f"  {problem}", err=True)

    try:
        server = Preview(content_dir, style_dirs=style_dirs or None, port=port, on_build=built)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a service manager's stop is a Ctrl-C too
    click.echo(f"Serving {content_dir} at {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("preview stopped", err=True)


@cli.command()
@content_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable table, or JSON for scripts.",
)
def stats(content_dir: Path, output_format: str) -> None:
    """Count questions per tier and per topic, and show the most cited references.

    \b
    Example:
        prepdeck stats content --format json
    """
    import json

    from prepdeck import stats as stats_module

    bank = _validated(content_dir, "text", False, quiet=True).bank
    result = stats_module.compute(bank)
    if output_format == "json":
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(stats_module.render_text(result))


@cli.command()
@click.argument("kind", type=click.Choice(DOCUMENT_KINDS), default="tier")
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write every schema (" + ", ".join(f"{k}.schema.json" for k in DOCUMENT_KINDS) + ") into "
    "DIR instead of printing one, replacing older copies.",
)
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
@click.argument(
    "directory",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--slug",
    metavar="SLUG",
    help="The bank's slug (kebab-case): its file names and Anki identity. "
    "Default: from the folder's name.",
)
@click.option("--title", metavar="TEXT", help="The bank's title. Default: from the slug.")
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
    click.echo(f"{done.path}:{done.line}:{done.column}: {old} -> {new}")
    if done.lock is None:
        click.echo(f"{old!r} was never built (not in the lock), so there is no note to keep")
    else:
        click.echo(f"{done.lock}: recorded; the note keeps its Anki identity")
    click.echo("next: run `prepdeck build` and commit the tier file and the lock", err=True)


@cli.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path), default="calibration.pdf")
@paper_option
@styles_option
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

    try:
        kit = make_kit(style_dirs)
        if paper not in kit.style.papers:
            known = ", ".join(sorted(kit.style.papers))
            raise click.BadParameter(
                f"{paper!r} is not a paper in pdf.yaml (choose from {known})",
                param_hint="'--paper'",
            )
        write_calibration(dest, kit, paper, _source_date_epoch())
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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="dist",
    show_default=True,
    help="Where the artifacts, SHA256SUMS and RELEASE-NOTES.md go.",
)
@click.option(
    "--tag",
    metavar="vX.Y.Z",
    envvar="PREPDECK_TAG",
    show_envvar=True,
    help="Fail unless this is the tag for the bank's version (v + version).",
)
@click.option(
    "--previous-lock",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The previous release's lock file; the notes list the ids changed since.",
)
@click.option(
    "--since",
    metavar="TAG",
    default="auto",
    show_default=True,  # release.AUTO
    help="The previous release's tag, whose committed lock the notes compare with; "
    "'auto' is the latest v* tag before this version, 'none' a first release.",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Release even though the content folder has uncommitted changes (a trial run; "
    "CI, building the commit, would produce other bytes).",
)
@paper_option
@styles_option
@jobs_option
@format_option
@strict_option
@quiet_option
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
    from prepdeck.artifacts import Terminated, terminate_like_interrupt
    from prepdeck.build import usable_cores
    from prepdeck.errors import PrepdeckError, Problem, ProblemsError
    from prepdeck.git import commit_time
    from prepdeck.pipeline import RequestError
    from prepdeck.release import release as run_release

    since_given = ctx.get_parameter_source("since") is not click.core.ParameterSource.DEFAULT
    if previous_lock is not None and since_given:
        raise click.UsageError("give --previous-lock or --since, not both")
    if "SOURCE_DATE_EPOCH" in os.environ:
        timestamp = _source_date_epoch()
    else:
        found = commit_time(content_dir)
        if found is None:
            raise click.ClickException(
                "set SOURCE_DATE_EPOCH (seconds since 1970), or release from a git "
                "checkout so the builds take the commit's time"
            )
        timestamp = found
    show = _show_progress(quiet)

    def step(message: str) -> None:
        if show:
            click.echo(f"{message}…", err=True)

    try:
        with terminate_like_interrupt():
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
    except RequestError as exc:
        _usage_error(exc)
    except ProblemsError as exc:
        _failed(exc.problems, output_format, "release failed; nothing was written")
    except Terminated:
        click.echo("terminated; nothing was written", err=True)
        sys.exit(128 + signal.SIGTERM)
    except PrepdeckError as exc:
        if output_format != "json":
            raise click.ClickException(str(exc)) from exc
        _failed([Problem(str(content_dir), 1, 1, "release", str(exc))], output_format, "")
    if output_format == "json":
        changes = result.changes
        _print_json(
            result.warnings,
            result.artifacts,
            version=result.version,
            tag=result.tag,
            checksums=str(result.checksums),
            release_notes=str(result.release_notes),
            since=changes.since,
            added=list(changes.added),
            changed=list(changes.changed),
            removed=list(changes.removed),
            notetypes=list(changes.notetypes),
        )
        return
    _print_problems(result.warnings, output_format, quiet=quiet)
    if quiet:
        return
    _echo_artifacts(result.artifacts)
    click.echo(f"{result.checksums}")
    click.echo(f"{result.release_notes}")
    click.echo(result.summary, err=True)


def main() -> None:
    cli(prog_name="prepdeck")
