"""The command line: parse options, call one library function, map the result to
output and an exit code (0 fine, 1 invalid content or failed build, 2 usage).

Heavy modules are imported inside the commands, so `prepdeck --help` stays fast and
never loads genanki or reportlab.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click

from prepdeck import __version__
from prepdeck.report import FORMATS
from prepdeck.schemas import DOCUMENT_KINDS
from prepdeck.targets import REGISTRY, TARGETS

F = TypeVar("F", bound=Callable[..., Any])
# Zip entries store years 1980 to 2107; a SOURCE_DATE_EPOCH outside is a usage error.
MIN_EPOCH = 315_532_800  # 1980-01-01T00:00:00Z
MAX_EPOCH = 4_354_819_199  # 2107-12-31T23:59:59Z


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


def quiet_option(func: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")(func)


def _style_dirs(given: tuple[Path, ...], content_dir: Path) -> tuple[Path, ...]:
    """The style folders to use: those given, else the bank's own styles/ if any."""
    from prepdeck.style_folders import bank_style_dirs

    return given or bank_style_dirs(content_dir)


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


def _validated(  # type: ignore[no-untyped-def]
    content_dir: Path,
    output_format: str,
    strict: bool,
    *,
    quiet: bool = False,
    build_model: bool = True,
    report_json: bool = True,
    pdf_styles: tuple[Path, ...] | None = None,
):
    """Validate, print the problems, and exit 1 unless the bank is usable.

    With `report_json` false and --format json, the problems are left to the caller
    (a build prints them in its one JSON document) unless validation fails.
    `pdf_styles`: the style folders a PDF would be printed with (None: no PDF)."""
    from prepdeck.validate import validate_content

    result = validate_content(content_dir, build_model=build_model, pdf_styles=pdf_styles)
    if output_format == "json" and not report_json:
        if not result.ok(strict=strict):
            _print_build_json(result.problems, [])
            sys.exit(1)
        return result
    _print_problems(result.problems, output_format, quiet=quiet)
    if not result.ok(strict=strict):
        sys.exit(1)
    return result


def _print_build_json(problems: Sequence[Any], artifacts: Sequence[Any]) -> None:
    """A build's whole answer as one JSON document: the problems and the artifacts."""
    import json

    from prepdeck import report

    document = {
        "problems": [report.as_dict(p) for p in problems],
        "artifacts": [
            {"target": a.target, "path": str(a.path), "size": a.size, "sha256": a.sha256}
            for a in artifacts
        ],
    }
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _check_paper(paper: str, style_dirs: tuple[Path, ...]) -> None:
    """--paper names a paper the active pdf.yaml declares; known only once --styles is."""
    from prepdeck.pdf.style import load_style

    papers = load_style(style_dirs).papers  # raises ProblemsError for a bad pdf.yaml
    if paper not in papers:
        raise click.BadParameter(
            f"{paper!r} is not a paper in pdf.yaml (choose from {', '.join(sorted(papers))})",
            param_hint="'--paper'",
        )


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
    _validated(
        content_dir,
        output_format,
        strict,
        build_model=False,
        pdf_styles=_style_dirs(style_dirs, content_dir),
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
    "--topic",
    "--tag",  # the old name; --tag is release's git tag, so --topic says what this is
    "topics",
    multiple=True,
    metavar="TOPIC",
    help="Only these topics (repeatable; --tag is an old spelling).",
)
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
    style_dirs: tuple[Path, ...],
    locked: bool,
    allow_notetype_change: bool,
    new_lock: bool,
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
    from prepdeck.artifacts import BuildOptions
    from prepdeck.build import build as run_build
    from prepdeck.errors import ProblemsError

    timestamp = _source_date_epoch()
    json_output = output_format == "json"
    style_dirs = _style_dirs(style_dirs, content_dir)
    targets = targets or TARGETS
    pdf = any(target != "anki" for target in targets)
    validation = _validated(
        content_dir,
        output_format,
        strict,
        quiet=quiet,
        report_json=False,
        pdf_styles=style_dirs if pdf else None,
    )
    bank = validation.bank
    _check_filters(bank, tiers, topics)
    try:
        if any(REGISTRY[t].uses_paper for t in targets):
            _check_paper(paper, style_dirs)
    except ProblemsError as exc:
        _build_failed(exc.problems, output_format)
    options = BuildOptions(
        timestamp=timestamp,
        content_dir=content_dir,
        style_dirs=style_dirs,
        paper=paper,
        update_lock=not locked,
        allow_notetype_change=allow_notetype_change,
        new_lock=new_lock,
    )
    selected = bank.filtered(tiers=tiers, topics=topics)
    progress = sys.stderr.isatty() and not quiet and os.environ.get("CI") is None

    def started(target: str) -> None:
        if progress:
            click.echo(f"building {target}…", err=True)
        started_at[target] = time.perf_counter()

    started_at: dict[str, float] = {}
    try:
        with _terminate_like_interrupt():
            artifacts = run_build(
                selected, out_dir=out_dir, options=options, targets=targets, on_start=started
            )
    except ProblemsError as exc:
        _build_failed(exc.problems, output_format)
    except Terminated:
        click.echo("terminated; no artifact was changed", err=True)
        sys.exit(128 + signal.SIGTERM)
    if json_output:
        _print_build_json(validation.problems, artifacts)
    if quiet:
        return
    if verbose:  # each target ran until the next one started
        ends = [*list(started_at.values())[1:], time.perf_counter()]
        for (target, start), end in zip(started_at.items(), ends, strict=True):
            click.echo(f"{target}: built in {end - start:.2f} s", err=True)
    from prepdeck.style_folders import describe

    labelled = [("styles", describe(style_dirs))]
    labelled += [(a.target, note) for a in artifacts for note in a.report]
    width = max(len(label) for label, _ in labelled) + 1
    for label, note in labelled:
        click.echo(f"{label + ':':<{width}} {note}", err=True)
    if json_output:
        return
    _echo_artifacts(artifacts)


def _echo_artifacts(artifacts: Sequence[Any]) -> None:
    """One line per artifact, in columns: path, size, SHA-256."""
    paths = [str(a.path) for a in artifacts]
    width = max(map(len, paths), default=0)
    for path, artifact in zip(paths, artifacts, strict=True):
        click.echo(f"{path:<{width}}  {_size(artifact.size):>9}  sha256:{artifact.sha256}")


class Terminated(BaseException):
    """SIGTERM arrived (CI cancelling a job): unwinds like Ctrl-C, so every staged
    temporary file is removed on the way out."""


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _build_failed(problems: Sequence[Any], output_format: str) -> NoReturn:
    if output_format == "json":
        _print_build_json(problems, [])
    else:
        _print_problems(problems, output_format)
    click.echo("build failed; no artifact was changed", err=True)
    sys.exit(1)


def _source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    try:
        stamp = int(value)
    except ValueError:
        raise click.UsageError(f"SOURCE_DATE_EPOCH must be a whole number, not {value!r}") from None
    if not MIN_EPOCH <= stamp <= MAX_EPOCH:
        raise click.UsageError(
            f"SOURCE_DATE_EPOCH={value} is outside what a zip file and a PDF can store: "
            f"use seconds (not milliseconds) from {MIN_EPOCH} (1980-01-01) to "
            f"{MAX_EPOCH} (2107-12-31)"
        )
    return stamp


def _check_filters(bank: Any, tiers: Sequence[str], topics: Sequence[str]) -> None:
    known_tiers = [t.id for t in bank.tiers]
    for tier in tiers:
        if tier not in known_tiers:
            raise click.BadParameter(
                f"{tier!r} is not a tier (choose from {', '.join(known_tiers)})",
                param_hint="--tier",
            )
    known_topics = [t.id for t in bank.topics]
    for topic in topics:
        if topic not in known_topics:
            raise click.BadParameter(
                f"{topic!r} is not a declared topic (choose from {', '.join(known_topics)})",
                param_hint="--topic",
            )


def _size(size: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)  # pragma: no cover


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
        server = Preview(
            content_dir, style_dirs=_style_dirs(style_dirs, content_dir), port=port, on_build=built
        )
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
        from prepdeck.init import write_schemas

        for path in write_schemas(write_dir):
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
    from prepdeck.init import InitError
    from prepdeck.init import init as run_init

    try:
        result = run_init(directory, slug=slug, title=title)
    except InitError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in result.written:
        click.echo(str(directory / path))
    where = "" if directory == Path(".") else f"cd {directory}, then "
    click.echo(
        f"\nA new bank {result.slug!r} is ready. Next: {where}edit the questions in "
        "content/, then run\n"
        "  prepdeck validate   # every problem at once, with file:line:col\n"
        "  prepdeck build      # the Anki deck and PDFs in dist/; commit content/prepdeck.lock",
        err=True,
    )


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

    _check_paper(paper, style_dirs)
    try:
        write_calibration(dest, make_kit(style_dirs), paper, _source_date_epoch())
    except BuildError as exc:
        _build_failed(exc.problems, "auto")
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
    import json

    from prepdeck.errors import PrepdeckError, ProblemsError
    from prepdeck.release import commit_time
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
    style_dirs = _style_dirs(style_dirs, content_dir)
    progress = sys.stderr.isatty() and not quiet and os.environ.get("CI") is None

    def step(message: str) -> None:
        if progress:
            click.echo(f"{message}…", err=True)

    try:
        with _terminate_like_interrupt():
            _check_paper(paper, style_dirs)
            result = run_release(
                content_dir,
                out_dir=out_dir,
                timestamp=timestamp,
                tag=tag,
                previous_lock=previous_lock,
                since=None if previous_lock is not None or since == "none" else since,
                style_dirs=style_dirs,
                paper=paper,
                strict=strict,
                on_step=step,
                allow_dirty=allow_dirty,
            )
    except ProblemsError as exc:
        _print_problems(exc.problems, output_format)
        click.echo("release failed; nothing was written", err=True)
        sys.exit(1)
    except Terminated:
        click.echo("terminated; nothing was written", err=True)
        sys.exit(128 + signal.SIGTERM)
    except PrepdeckError as exc:
        raise click.ClickException(str(exc)) from exc
    if output_format != "json":
        _print_problems(result.warnings, output_format, quiet=quiet)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "version": result.version,
                    "tag": result.tag,
                    "artifacts": [
                        {"path": str(a.path), "size": a.size, "sha256": a.sha256}
                        for a in result.artifacts
                    ],
                    "checksums": str(result.checksums),
                    "notes": str(result.release_notes),
                    "since": result.changes.since,
                    "added": list(result.changes.added),
                    "changed": list(result.changes.changed),
                    "removed": list(result.changes.removed),
                },
                indent=2,
            )
        )
        return
    if quiet:
        return
    _echo_artifacts(result.artifacts)
    click.echo(f"{result.checksums}")
    click.echo(f"{result.release_notes}")
    changes = result.changes
    summary = (
        "first release"
        if changes.since is None
        else f"since {changes.since}: {len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.removed)} removed"
    )
    if changes.notetypes:
        summary += '; the notes tell users to import with "Merge note types"'
    click.echo(f"{result.tag}: two builds byte-identical; {summary}", err=True)


def main() -> None:
    cli(prog_name="prepdeck")
