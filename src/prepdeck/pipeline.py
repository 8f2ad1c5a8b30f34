"""The one pipeline every building command runs: validate -> filter -> build.

`prepdeck build`, both builds of `prepdeck release` and `prepdeck preview` call it,
so they agree on which styles a bank uses (its own `styles/` unless told otherwise),
on which checks a set of targets needs (the PDF glyph check only when a PDF is
built), and on what a filter may name.  Problems come back as values
(`Outcome.problems`); only a request the bank cannot answer (a tier, topic or paper
it does not have) raises, as `RequestError`, which the CLI reports as a usage error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.artifacts import Artifact, BuildOptions
from prepdeck.build import Progress, build
from prepdeck.errors import Level, PrepdeckError, Problem, ProblemsError
from prepdeck.model import Bank
from prepdeck.style_folders import bank_style_dirs
from prepdeck.targets import REGISTRY, TARGETS
from prepdeck.validate import validate_content

# Zip entries store years 1980 to 2107; a SOURCE_DATE_EPOCH outside is a usage error.
MIN_EPOCH = 315_532_800  # 1980-01-01T00:00:00Z
MAX_EPOCH = 4_354_819_199  # 2107-12-31T23:59:59Z


class RequestError(PrepdeckError):
    """The build asked for something the bank or its styles do not have; `option`
    names the command-line option that asked (for a usage error)."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True, slots=True)
class Request:
    """What to build: the targets, the styles, the paper and a filter."""

    targets: tuple[str, ...] = TARGETS
    style_dirs: tuple[Path, ...] | None = None  # None: the bank's own styles/, if any
    paper: str = "a4"
    tiers: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    strict: bool = False  # warnings stop the build too

    @property
    def prints(self) -> bool:
        """Whether a PDF is among the targets (what the glyph check and --paper are for)."""
        return any(REGISTRY[t].uses_paper for t in self.targets)


@dataclass
class Prepared:
    """A bank validated for a request, and filtered: `bank` is None unless it may be built."""

    problems: list[Problem]
    style_dirs: tuple[Path, ...]
    bank: Bank | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]


@dataclass
class Outcome:
    """What a build did: every problem (validation's, then the build's), and the
    artifacts it wrote (none when it failed: a failed build changes nothing)."""

    problems: list[Problem]
    style_dirs: tuple[Path, ...]
    artifacts: list[Artifact] = field(default_factory=list)
    bank: Bank | None = None  # the bank as built (filtered), when validation passed

    @property
    def ok(self) -> bool:
        return bool(self.artifacts) and not any(p.is_error for p in self.problems)


def prepare(
    content_dir: Path,
    request: Request = Request(),
    *,
    check: Callable[[Bank], None] | None = None,
) -> Prepared:
    """Validate `content_dir` for `request` and apply its filter.

    The glyph check runs only when the request prints (a PDF target), with the
    request's styles; `check`, if given, sees the whole validated bank before it is
    filtered and may raise to stop (a release checks its tag there)."""
    style_dirs = resolve_styles(content_dir, request.style_dirs)
    # the styles' CSS and templates too (UTF-8, no `</style`): every artifact uses them
    validation = validate_content(
        content_dir, pdf_styles=style_dirs if request.prints else None, style_dirs=style_dirs
    )
    prepared = Prepared(validation.problems, style_dirs)
    if not validation.ok(strict=request.strict) or validation.bank is None:
        return prepared
    bank = validation.bank
    _check_filter(bank, request)
    if request.prints:
        try:
            _check_paper(request.paper, style_dirs)
        except ProblemsError as exc:  # a pdf.yaml the glyph check did not need to read
            prepared.problems = [*prepared.problems, *exc.problems]
            return prepared
    if check is not None:
        check(bank)
    prepared.bank = bank.filtered(tiers=request.tiers, topics=request.topics)
    return prepared


def run(
    content_dir: Path,
    request: Request = Request(),
    *,
    out_dir: Path,
    timestamp: int,
    update_lock: bool = True,
    allow_notetype_change: bool = False,
    new_lock: bool = False,
    jobs: int = 1,
    check: Callable[[Bank], None] | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Validate, filter and build `content_dir` into `out_dir`, all artifacts or none.

    `timestamp` is SOURCE_DATE_EPOCH (or the clock, read once by the caller).  A lock
    that this build would change is a problem unless `update_lock`.  `jobs` is how
    many processes build artifacts at once (1: in this one).  Raises `RequestError`
    for a tier, topic or paper the bank does not have, and lets KeyboardInterrupt
    through (nothing is changed by then)."""
    prepared = prepare(content_dir, request, check=check)
    outcome = Outcome(prepared.problems, prepared.style_dirs)
    if prepared.bank is None:
        return outcome
    outcome.bank = prepared.bank
    options = BuildOptions(
        timestamp=timestamp,
        content_dir=content_dir,
        style_dirs=prepared.style_dirs,
        paper=request.paper,
        update_lock=update_lock,
        allow_notetype_change=allow_notetype_change,
        new_lock=new_lock,
    )
    try:
        outcome.artifacts = build(
            prepared.bank,
            out_dir=out_dir,
            options=options,
            targets=request.targets,
            jobs=jobs,
            progress=progress,
        )
    except ProblemsError as exc:
        outcome.problems = [*outcome.problems, *exc.problems]
    return outcome


def source_date_epoch(environ: Mapping[str, str]) -> int:
    """SOURCE_DATE_EPOCH from `environ`, else the clock: the one time a build uses.
    Raises `RequestError` for a value that is not whole seconds a zip can store."""
    import time

    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    try:
        stamp = int(value)
    except ValueError:
        raise RequestError(
            f"SOURCE_DATE_EPOCH must be a whole number, not {value!r}", "SOURCE_DATE_EPOCH"
        ) from None
    if not MIN_EPOCH <= stamp <= MAX_EPOCH:
        raise RequestError(
            f"SOURCE_DATE_EPOCH={value} is outside what a zip file and a PDF can store: "
            f"use seconds (not milliseconds) from {MIN_EPOCH} (1980-01-01) to "
            f"{MAX_EPOCH} (2107-12-31)",
            "SOURCE_DATE_EPOCH",
        )
    return stamp


def resolve_styles(content_dir: Path, given: Sequence[Path] | None) -> tuple[Path, ...]:
    """The style folders to use: those given, else the bank's own styles/ if any."""
    return tuple(given) if given else bank_style_dirs(content_dir)


def _check_filter(bank: Bank, request: Request) -> None:
    known_tiers = [t.id for t in bank.tiers]
    for tier in request.tiers:
        if tier not in known_tiers:
            raise RequestError(
                f"{tier!r} is not a tier (choose from {', '.join(known_tiers)})", "--tier"
            )
    known_topics = [t.id for t in bank.topics]
    for topic in request.topics:
        if topic not in known_topics:
            raise RequestError(
                f"{topic!r} is not a declared topic (choose from {', '.join(known_topics)})",
                "--topic",
            )


def _check_paper(paper: str, style_dirs: tuple[Path, ...]) -> None:
    """`paper` is one the active pdf.yaml declares (known only once the styles are)."""
    from prepdeck.pdf.style import load_style  # reportlab: only when a PDF is built

    papers = load_style(style_dirs).papers  # raises ProblemsError for a bad pdf.yaml
    if paper not in papers:
        raise RequestError(
            f"{paper!r} is not a paper in pdf.yaml (choose from {', '.join(sorted(papers))})",
            "--paper",
        )
