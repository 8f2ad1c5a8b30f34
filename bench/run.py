"""`make bench`: time prepdeck against the raw libraries it builds on.

For each bank size, a synthetic bank (`bench/synth.py`) is written under
bench/out/ (and reused while the generator and seed are unchanged), then every
case runs as a whole process, best of N, with its peak memory taken from the
child's own rusage (os.wait4):

- `prepdeck validate` against PyYAML's C loader reading the same files;
- `prepdeck build --target anki` against raw genanki writing the same notes;
- `prepdeck build --target booklet|quiz|cards` against one plain single-pass
  reportlab build of the same paragraphs (only the booklet has a target);
- `prepdeck build --target site` against the deck's build, then the page's size
  (per question, with and without its script) and, in headless Chromium, its open
  time, the time from a keystroke in its search box to the filtered list (target:
  median under 50 ms) and from a grade in the study view to the next card (target:
  median under 16 ms, one frame) (`bench/site.py`);
- `prepdeck build` of every target, with one job (`--jobs 1`, one after another) and
  with the default (each artifact in its own process, as many at once as there are
  usable cores): the parallel build's target is 0.6x the serial one, and no process
  of it (the build or a worker) over 1 GiB;
- the same two full builds of the shipped 51-question bank (content/), whose target
  is an absolute one: under 1.0 s of wall clock on 2 cores;
- `prepdeck --help`, which must import neither genanki nor reportlab;
- `hostile`: validate and a full build of the worst bank just under 1 MB known
  (`bench/hostile.py`; target: under 30 s and 1 GiB each); `--cases hostile-all` runs
  every hostile bank, the refused ones too.

The table is printed and written to bench/out/results.json and results.md with
the machine it ran on.  Targets are reported, never asserted: a MISS is a finding
to explain, not a failing test.

    .venv/bin/python bench/run.py                      # 1,000 and 10,000 questions
    .venv/bin/python bench/run.py --sizes 1000 --runs 5
    .venv/bin/python bench/run.py --runs 10000=1 --cases validate,anki
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/run.py`
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402

BASELINES = Path(__file__).resolve().parent / "baselines.py"
DEFAULT_OUT = ROOT / "bench" / "out"
DEFAULT_SIZES = (1000, 10000)
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01, fixed so builds are reproducible
HEAVY_MODULES = ("genanki", "reportlab")
HELP_RUNS = 5
CONTENT_RUNS = 5
LARGE = 5000  # from this size on, 2 runs by default instead of 3
DEFAULT_BUDGET = 120.0  # seconds per case and size; no further runs once spent

Log = Callable[[str], None]


@dataclass(frozen=True)
class Case:
    """One process to time.  `argv` gets the content folder and an output folder."""

    name: str
    argv: Callable[[Path, Path], list[str]]
    baseline: str | None = None  # the case this one is compared with
    target: float | None = None  # the largest acceptable ratio to the baseline
    requires: str | None = None  # a prepdeck module that must exist (writers in progress)
    also: tuple[str, ...] = ()  # more baselines to show a ratio to, without a target
    max_mib: float | None = None  # no process of the run may peak above this


def _prepdeck() -> list[str]:
    script = Path(sys.executable).parent / "prepdeck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "prepdeck"]


def _build(target: str) -> Callable[[Path, Path], list[str]]:
    def argv(content: Path, out: Path) -> list[str]:
        return [*_prepdeck(), "build", str(content), "--out", str(out / "dist"), "--target", target]

    return argv


def _build_all(jobs: int | None = None) -> Callable[[Path, Path], list[str]]:
    def argv(content: Path, out: Path) -> list[str]:
        chosen = [] if jobs is None else ["--jobs", str(jobs)]
        return [*_prepdeck(), "build", str(content), "--out", str(out / "dist-all"), *chosen]

    return argv


def _baseline(kind: str, output: str | None = None) -> Callable[[Path, Path], list[str]]:
    def argv(content: Path, out: Path) -> list[str]:
        extra = [str(out / "baseline" / output)] if output else []
        return [sys.executable, str(BASELINES), kind, str(content), *extra]

    return argv


CASES: tuple[Case, ...] = (
    Case("yaml C loader", _baseline("yaml")),
    Case("validate", lambda c, _: [*_prepdeck(), "validate", str(c)], "yaml C loader", 2.0),
    Case("raw genanki", _baseline("genanki", "baseline.apkg")),
    Case("genanki + markdown-it", _baseline("genanki-markdown", "baseline-markdown.apkg")),
    Case(
        "build anki",
        _build("anki"),
        "raw genanki",
        1.2,
        "prepdeck.anki",
        also=("genanki + markdown-it",),
    ),
    Case("reportlab 1-pass", _baseline("reportlab", "baseline.pdf")),
    Case("build booklet", _build("booklet"), "reportlab 1-pass", 1.3, "prepdeck.pdf.booklet"),
    Case("build quiz", _build("quiz"), "reportlab 1-pass", 1.3, "prepdeck.pdf.quiz"),
    Case("build cards", _build("cards"), "reportlab 1-pass", None, "prepdeck.pdf.cards"),
    # The study page against the deck: both render every field's Markdown to HTML.
    Case("build site", _build("site"), "build anki", None, "prepdeck.site"),
    # Every target: one after another, then each in its own process (the default).
    Case("build all, 1 job", _build_all(1)),
    Case("build all", _build_all(), "build all, 1 job", 0.6, max_mib=1024),
)
CONTENT_LIMIT_SECONDS = 1.0  # the shipped bank's full build, wall clock, on 2 cores
# --cases takes these short names; a prepdeck case brings its baseline along.
CASE_KEYS = {
    "validate": "validate",
    "anki": "build anki",
    "booklet": "build booklet",
    "quiz": "build quiz",
    "cards": "build cards",
    "site": "build site",
    "all": "build all",
    "content": "build content/",
    "help": "--help",
    "hostile": "hostile",  # the worst 1 MB bank known (bench/hostile.py)
}
HOSTILE_ALL = "hostile-all"  # every hostile bank; not in the default set (minutes)
KEYSTROKE_TARGET_MS = 50.0  # median keystroke to filtered list, in headless Chromium
GRADE_TARGET_MS = 16.0  # median grade to the next card on screen (one frame)


# -- measuring one process -------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    seconds: float  # wall clock, spawn to reap
    cpu_seconds: float  # user + system of the child
    peak_mib: float  # the child's maximum resident set size
    returncode: int


def measure(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_stem: Path) -> Sample:
    """Run `argv` to completion; wall time, CPU time and peak RSS of that child alone.

    os.wait4 reaps the child and returns its own rusage, so earlier children (and
    this process) never inflate ru_maxrss the way RUSAGE_CHILDREN would.
    """
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(f"{log_stem}.out", "wb") as out,
        open(f"{log_stem}.err", "wb") as err,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Sample(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        returncode=proc.returncode,
    )


def heavy_imports(*, cwd: Path, env: Mapping[str, str]) -> list[str]:
    """The top-level heavy modules `prepdeck --help` imports, from -X importtime."""
    command = _prepdeck()
    script = command if len(command) == 1 else ["-m", "prepdeck"]
    argv = [sys.executable, "-X", "importtime", *script, "--help"]
    result = subprocess.run(argv, cwd=cwd, env=dict(env), capture_output=True, text=True)
    modules = set()
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", line)
        if match:
            modules.add(match.group(1).split(".")[0])
    return sorted(m for m in modules if m in HEAVY_MODULES)


# -- results -------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    questions: int | None  # None for --help, which reads no bank
    runs: int = 0
    seconds: float | None = None  # best of `runs`
    cpu_seconds: float | None = None  # the least of the runs; a busy machine moves it less
    peak_mib: float | None = None  # the highest of the runs
    baseline: str | None = None
    ratio: float | None = None  # wall clock, what the targets are judged on
    cpu_ratio: float | None = None  # CPU time: other load moves it less than wall clock
    target: str = ""
    result: str = ""  # PASS, MISS, ERROR, SKIP, or "" for a baseline
    note: str = ""
    samples: list[float] = field(default_factory=list)


def verdict(ratio: float | None, target: float | None) -> str:
    if target is None:
        return ""
    if ratio is None:
        return "ERROR"
    return "PASS" if ratio <= target else "MISS"


def _summarize(row: Row, samples: Sequence[Sample]) -> None:
    ok = [s for s in samples if s.returncode == 0]
    row.runs = len(samples)
    if not ok:
        return
    best = min(ok, key=lambda s: s.seconds)
    row.seconds = best.seconds
    row.cpu_seconds = min(s.cpu_seconds for s in ok)
    row.peak_mib = max(s.peak_mib for s in ok)
    row.samples = [round(s.seconds, 4) for s in samples]


def _last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:160] if lines else ""


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# -- the suite -------------------------------------------------------------------------


def prepare_bank(out_dir: Path, questions: int, *, seed: int, log: Log) -> Path:
    """The bank folder for `questions`, generated unless an identical one is there.

    It is kept between runs so the Anki lock file beside it stays current and
    every timed build is a steady-state rebuild (the release case).
    """
    bank_dir = out_dir / f"bank-{questions}"
    content = bank_dir / "content"
    stamp_file = bank_dir / "generated"
    if stamp_file.is_file() and stamp_file.read_text() == synth.stamp(questions, seed):
        return content
    log(f"generating a {questions:,}-question bank in {content}")
    shutil.rmtree(bank_dir, ignore_errors=True)
    synth.write_bank(content, questions, seed=seed)
    stamp_file.write_text(synth.stamp(questions, seed))
    return content


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "PYTHONPROFILEIMPORTTIME"):
        env.pop(name, None)
    env["CI"] = "1"  # plain output, no progress lines
    return env


def selected_cases(keys: Sequence[str]) -> list[Case]:
    names = {CASE_KEYS[k] for k in keys}
    while True:  # baselines bring theirs (build site -> build anki -> raw genanki)
        wanted = {c.baseline for c in CASES if c.name in names and c.baseline}
        wanted |= {b for c in CASES if c.name in names for b in c.also}
        if wanted <= names:
            return [c for c in CASES if c.name in names]
        names |= wanted


def bench_size(
    questions: int,
    runs: int,
    cases: Sequence[Case],
    *,
    out_dir: Path,
    seed: int,
    log: Log,
    budget: float = DEFAULT_BUDGET,
) -> list[Row]:
    """Time `cases` on a bank of `questions`, best of `runs` rounds; a case is not
    run again once its runs have taken `budget` seconds."""
    content = prepare_bank(out_dir, questions, seed=seed, log=log)
    work = content.parent
    (work / "baseline").mkdir(exist_ok=True)
    env = child_env()
    rows = {c.name: Row(c.name, questions) for c in cases}
    active: list[Case] = []
    for case in cases:
        if case.requires and not module_exists(case.requires):
            rows[case.name].result = "SKIP"
            rows[case.name].note = f"{case.requires} does not exist yet"
        else:
            active.append(case)
    if any(c.name == "build anki" for c in active) and not (content / "prepdeck.lock").exists():
        log(f"{questions:,}: first anki build, to write the lock (not timed)")
        measure(_build("anki")(content, work), cwd=work, env=env, log_stem=work / "logs" / "warmup")

    samples: dict[str, list[Sample]] = {c.name: [] for c in active}
    for round_ in range(1, runs + 1):  # round-robin, so drift hits every case alike
        for case in list(active):
            if round_ > 1 and sum(s.seconds for s in samples[case.name]) >= budget:
                continue
            stem = work / "logs" / case.name.replace(" ", "-")
            sample = measure(case.argv(content, work), cwd=work, env=env, log_stem=stem)
            samples[case.name].append(sample)
            log(
                f"{questions:,} {case.name:<17} run {round_}/{runs}: {sample.seconds:7.2f} s"
                f"  {sample.peak_mib:7.1f} MiB" + ("" if sample.returncode == 0 else "  FAILED")
            )
            if sample.returncode != 0:
                rows[case.name].result = "ERROR"
                why = _last_line(Path(f"{stem}.err"))
                rows[case.name].note = f"exit {sample.returncode}: {why}"
                active.remove(case)
    for case in cases:
        if case.name in samples:
            _summarize(rows[case.name], samples[case.name])
    for case in cases:
        row = rows[case.name]
        if case.baseline:
            base = rows.get(case.baseline)
            row.baseline = case.baseline
            if base and base.seconds and row.seconds is not None:
                row.ratio = row.seconds / base.seconds
            if base and base.cpu_seconds and row.cpu_seconds is not None:
                row.cpu_ratio = row.cpu_seconds / base.cpu_seconds
        if case.target is not None:
            row.target = f"<= {case.target:g}x"
            if row.result not in ("SKIP", "ERROR"):
                row.result = verdict(row.ratio, case.target)
        if case.max_mib is not None:
            row.target += f", <= {case.max_mib:g} MiB a process"
            if row.result == "PASS" and (row.peak_mib or 0) > case.max_mib:
                row.result = "MISS"
                row.note = f"a process peaked at {row.peak_mib:.0f} MiB"
    out = []
    for case in cases:
        out.append(rows[case.name])
        for name in case.also:  # the same runs, set against another baseline
            row, base = rows[case.name], rows.get(name)
            extra = replace(row, baseline=name, target="", result="", note="", ratio=None)
            extra.cpu_ratio = None
            if base and base.seconds and row.seconds is not None:
                extra.ratio = row.seconds / base.seconds
            if base and base.cpu_seconds and row.cpu_seconds is not None:
                extra.cpu_ratio = row.cpu_seconds / base.cpu_seconds
            out.append(extra)
    return out


def bench_content(runs: int, *, out_dir: Path, log: Log) -> list[Row]:
    """The shipped bank (content/, with styles/ if the repository has one) built in
    full, with one job and with the default jobs; the latter against an absolute
    target.  A copy is built, so the repository's lock and dist/ stay as they are."""
    work = out_dir / "bank-content"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "content", work / "content")
    if (ROOT / "styles").is_dir():
        shutil.copytree(ROOT / "styles", work / "styles")
    content = work / "content"
    questions = len(re.findall(r"^  - id: ", _tier_text(content), flags=re.M))
    env = child_env()
    rows = []
    for name, argv in (
        ("build content/, 1 job", _build_all(1)(content, work)),
        ("build content/", _build_all()(content, work)),
    ):
        samples = []
        for round_ in range(1, runs + 1):
            stem = work / "logs" / name.replace(" ", "-").replace("/", "").replace(",", "")
            sample = measure(argv, cwd=work, env=env, log_stem=stem)
            samples.append(sample)
            log(f"content/ {name:<22} run {round_}/{runs}: {sample.seconds:7.3f} s")
        row = Row(name, questions)
        _summarize(row, samples)
        if not any(s.returncode == 0 for s in samples):
            row.result, row.note = "ERROR", _last_line(Path(f"{stem}.err"))
        rows.append(row)
    serial, parallel = rows
    if parallel.seconds is not None and serial.seconds:
        parallel.baseline = serial.case
        parallel.ratio = parallel.seconds / serial.seconds
        if parallel.cpu_seconds is not None and serial.cpu_seconds:
            parallel.cpu_ratio = parallel.cpu_seconds / serial.cpu_seconds
    parallel.target = f"< {CONTENT_LIMIT_SECONDS:g} s"
    if parallel.result != "ERROR":
        ok = parallel.seconds is not None and parallel.seconds < CONTENT_LIMIT_SECONDS
        parallel.result = "PASS" if ok else "MISS"
    return rows


def _tier_text(content: Path) -> str:
    tiers = (p for p in sorted(content.glob("*.yaml")) if p.name != "bank.yaml")
    return "".join(p.read_text(encoding="utf-8") for p in tiers)


def bench_site_page(questions: int, *, out_dir: Path, log: Log) -> list[Row]:
    """The page the `build site` case wrote: its size, and keystroke-to-list times in
    headless Chromium (skipped, with the reason, where there is no browser)."""
    from bench import site

    pages = sorted((out_dir / f"bank-{questions}" / "dist").glob("*.html"))
    size_row = Row("site page size", questions)
    open_row = Row("site open", questions)
    key_row = Row("site keystroke", questions, target=f"median < {KEYSTROKE_TARGET_MS:g} ms")
    grade_row = Row("site grade", questions, target=f"median < {GRADE_TARGET_MS:g} ms")
    rows = [size_row, open_row, key_row, grade_row]
    if not pages:
        for row in rows:
            row.result, row.note = "ERROR", "the build site case wrote no page"
        return rows
    page = pages[0]
    size = page.stat().st_size
    script = (Path(site_module_dir()) / "site.js").stat().st_size
    size_row.note = (
        f"{size / 2**20:.1f} MiB, {size // max(questions, 1):,} bytes a question; "
        f"{(size - script) // max(questions, 1):,} without the script ({script / 1024:.0f} KiB, "
        "ts-fsrs included)"
    )
    why = site.unavailable()
    if why:
        for row in rows[1:]:
            row.result, row.note = "SKIP", why
        return rows
    log(f"{questions:,}: timing keystrokes on {page.name} in headless Chromium")
    times = site.keystroke_times(page)
    key_row.runs = len(times.milliseconds)
    key_row.seconds = times.median / 1000
    key_row.samples = [round(t, 1) for t in times.milliseconds]
    key_row.result = "PASS" if times.median < KEYSTROKE_TARGET_MS else "MISS"
    key_row.note = (
        f"median {times.median:.0f} ms, worst {times.worst:.0f} ms; "
        f"page opened in {times.load_seconds:.1f} s"
    )
    open_row.runs = 1
    open_row.seconds = times.open_ms / 1000
    open_row.note = f"navigation start to the load event, script run: {times.open_ms:.0f} ms"
    grades = times.grade_ms
    if grades:
        median = statistics.median(grades)
        grade_row.runs = len(grades)
        grade_row.seconds = median / 1000
        grade_row.samples = [round(t, 1) for t in grades]
        grade_row.result = "PASS" if median < GRADE_TARGET_MS else "MISS"
        grade_row.note = f"median {median:.1f} ms, worst {max(grades):.1f} ms"
    else:
        grade_row.result, grade_row.note = "ERROR", "no grade was timed"
    return rows


def site_module_dir() -> str:
    """The folder of the script the page inlines (prepdeck's styles)."""
    from prepdeck.style_folders import DEFAULTS_DIR

    return str(DEFAULTS_DIR)


def bench_help(out_dir: Path, runs: int, log: Log) -> list[Row]:
    """`prepdeck --help` timed, next to a bare interpreter, and its imports checked."""
    env = child_env()
    out_dir.mkdir(parents=True, exist_ok=True)
    python = Row("python startup", None)
    row = Row("--help", None, baseline="python startup", target="no genanki/reportlab")
    commands = ((python, [sys.executable, "-c", "pass"]), (row, [*_prepdeck(), "--help"]))
    for case_row, argv in commands:
        stem = out_dir / "logs" / case_row.case.replace(" ", "-").strip("-")
        samples = [measure(argv, cwd=out_dir, env=env, log_stem=stem) for _ in range(runs)]
        _summarize(case_row, samples)
    if row.seconds is not None and python.seconds:
        row.ratio = row.seconds / python.seconds
    if row.cpu_seconds is not None and python.cpu_seconds:
        row.cpu_ratio = row.cpu_seconds / python.cpu_seconds
    heavy = heavy_imports(cwd=out_dir, env=env)
    row.result = "MISS" if heavy else ("PASS" if row.seconds is not None else "ERROR")
    row.note = f"imports {', '.join(heavy)}" if heavy else "imports neither"
    log(f"--help: {row.seconds or 0:.3f} s, {row.note}")
    return [python, row]


def bench_hostile(out_dir: Path, names: Sequence[str], log: Log) -> list[Row]:
    """Banks just under 1 MB of the worst inputs known (bench/hostile.py): validate
    and a full build of each valid one, validate of each refused one; the promise
    is under 30 s and 1 GiB each, and a refused bank refused (exit 1), not built."""
    from bench import hostile

    env = child_env()
    rows: list[Row] = []
    for name in names:
        valid = name in hostile.VALID
        make = hostile.VALID[name] if valid else hostile.REFUSED[name]
        root = out_dir / "hostile" / hostile.slug(name)
        if root.exists():
            shutil.rmtree(root)
        hostile.write_bank(root / "content", make())
        commands = [("validate", [*_prepdeck(), "validate", str(root / "content")])]
        if valid:
            commands.append(
                (
                    "build",
                    [*_prepdeck(), "build", str(root / "content"), "--out", str(root / "dist")],
                )
            )
        for verb, argv in commands:
            row = Row(f"hostile {verb}: {name}", None, target="< 30 s, < 1 GiB")
            log(f"hostile: {verb} {name}")
            stem = out_dir / "logs" / f"hostile-{hostile.slug(name)}-{verb}"
            sample = measure(argv, cwd=root, env=env, log_stem=stem)
            row.runs, row.seconds = 1, sample.seconds
            row.cpu_seconds, row.peak_mib = sample.cpu_seconds, sample.peak_mib
            expected = 0 if valid else 1
            fast = sample.seconds < hostile.TARGET_SECONDS and sample.peak_mib < hostile.TARGET_MIB
            row.result = "PASS" if fast and sample.returncode == expected else "MISS"
            row.note = f"{'valid' if valid else 'refused'}, exit {sample.returncode}"
            if sample.returncode not in (0, expected):
                row.result = "ERROR"
                row.note += ": " + _last_line(Path(f"{stem}.err"))
            rows.append(row)
    return rows


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for dist in ("prepdeck", "PyYAML", "genanki", "reportlab"):
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:  # a missing package is just not listed
            versions[dist] = "?"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": f"{usable} usable of {os.cpu_count()}",
        "memory": memory,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "libraries": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "commit": commit or "?",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


@dataclass
class Report:
    machine: dict[str, str]
    rows: list[Row]


def run_suite(
    *,
    sizes: Sequence[int],
    runs: Mapping[int, int],
    case_keys: Sequence[str],
    out_dir: Path,
    seed: int = 0,
    budget: float = DEFAULT_BUDGET,
    log: Log = print,
) -> Report:
    """Every selected case at every size, and `--help` if selected."""
    rows: list[Row] = []
    load_before = _load_average()
    keys = [k for k in case_keys if k not in ("help", "content", "hostile", HOSTILE_ALL)]
    cases = selected_cases(keys)
    if "help" in case_keys:
        rows += bench_help(out_dir, HELP_RUNS, log)
    if "content" in case_keys:
        rows += bench_content(CONTENT_RUNS, out_dir=out_dir, log=log)
    if HOSTILE_ALL in case_keys or "hostile" in case_keys:
        from bench import hostile

        everything = [*hostile.VALID, *hostile.REFUSED]
        rows += bench_hostile(
            out_dir, everything if HOSTILE_ALL in case_keys else hostile.WORST, log
        )
    for size in sizes if cases else ():
        rows += bench_size(
            size, runs[size], cases, out_dir=out_dir, seed=seed, log=log, budget=budget
        )
        if "site" in case_keys:
            rows += bench_site_page(size, out_dir=out_dir, log=log)
    info = machine()
    info["load"] = f"{load_before} before, {_load_average()} after (1-minute load average)"
    return Report(info, rows)


# -- output ----------------------------------------------------------------------------

COLUMNS = (
    "case",
    "questions",
    "runs",
    "seconds",
    "cpu s",
    "peak MiB",
    "baseline",
    "ratio",
    "cpu ratio",
    "target",
    "result",
)
RIGHT = frozenset({1, 2, 3, 4, 5, 7, 8})  # numeric columns


def _cells(row: Row) -> list[str]:
    def num(value: float | None, fmt: str) -> str:
        return "" if value is None else format(value, fmt)

    note = row.note if len(row.note) <= 80 else row.note[:79] + "\u2026"
    result = (f"{row.result} ({note})" if row.result else note) if note else row.result
    if row.case == "--help" and row.note:
        result = f"{row.result} ({row.note})"
    return [
        row.case,
        "" if row.questions is None else f"{row.questions:,}",
        str(row.runs) if row.runs else "",
        num(row.seconds, ".3f" if (row.seconds or 0) < 10 else ".2f"),
        num(row.cpu_seconds, ".2f"),
        num(row.peak_mib, ".1f"),
        row.baseline or "",
        "" if row.ratio is None else f"{row.ratio:.2f}x",
        "" if row.cpu_ratio is None else f"{row.cpu_ratio:.2f}x",
        row.target,
        result,
    ]


def format_table(rows: Sequence[Row]) -> str:
    cells = [list(COLUMNS), *(_cells(r) for r in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]

    def line(r: list[str]) -> str:
        return "  ".join(
            (c.rjust(w) if i in RIGHT else c.ljust(w))
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


def format_markdown(report: Report) -> str:
    m = report.machine
    head = "| " + " | ".join(COLUMNS) + " |"
    aligns = ("---:" if i in RIGHT else "---" for i in range(len(COLUMNS)))
    rule = "|" + "|".join(aligns) + "|"
    body = ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in report.rows]
    machine_line = (
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; "
        f"{m['python']} on {m['os']}; {m['libraries']}; commit {m['commit']}, {m['date']}; "
        f"load {m.get('load', '?')}."
    )
    legend = (
        "Seconds are wall-clock for the whole process, best of the runs; cpu s is the "
        "least user+system time of the runs (a parallel build's workers included); peak "
        "MiB is the maximum resident set size of any one process of the run (the build "
        "or one of its workers); ratios are to the baseline on the same files, and targets "
        "are judged on the wall-clock ratio (the build content/ row: on its seconds)."
    )
    return "\n".join([head, rule, *body, "", machine_line, legend]) + "\n"


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "results.json", out_dir / "results.md"
    data = {"machine": report.machine, "rows": [asdict(r) for r in report.rows]}
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(format_markdown(report), encoding="utf-8")
    return json_path, md_path


def format_machine(m: Mapping[str, str]) -> str:
    return "\n".join(f"{k:>9}: {v}" for k, v in m.items())


# -- command line --------------------------------------------------------------------


def default_runs(size: int) -> int:
    return 3 if size < LARGE else 2


def parse_runs(specs: Sequence[str], sizes: Sequence[int]) -> dict[int, int]:
    """`--runs 5` for every size, `--runs 10000=2` for one; the rest keep the default."""
    runs = {size: default_runs(size) for size in sizes}
    for spec in specs:
        size_text, _, count_text = spec.rpartition("=")
        count = int(count_text)
        if count < 1:
            raise ValueError("--runs must be at least 1")
        if size_text:
            runs[int(size_text)] = count
        else:
            runs = dict.fromkeys(sizes, count)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        metavar="N",
        help="bank sizes in questions (default: 1000 10000)",
    )
    parser.add_argument(
        "--runs",
        action="append",
        default=[],
        metavar="[SIZE=]N",
        help=f"best of N runs, for every size or one (default: 3; 2 from {LARGE:,} questions)",
    )
    parser.add_argument(
        "--cases",
        default=",".join(CASE_KEYS),
        help=f"comma-separated subset of: {', '.join(CASE_KEYS)} (or {HOSTILE_ALL})",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help="no further runs of a case once its runs took this long (default: %(default)g)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: bench/out")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.cases.split(",") if k.strip()]
    unknown = [k for k in keys if k not in CASE_KEYS and k != HOSTILE_ALL]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASE_KEYS)}")
    try:
        runs = parse_runs(args.runs, args.sizes)
    except ValueError as exc:
        parser.error(str(exc))
    if not module_exists("prepdeck"):
        parser.error(f"prepdeck is not importable by {sys.executable}; run .venv/bin/python")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = run_suite(
        sizes=args.sizes,
        runs=runs,
        case_keys=keys,
        out_dir=args.out.resolve(),
        seed=args.seed,
        budget=args.budget,
        log=log,
    )
    json_path, md_path = write_report(report, args.out)
    print(format_machine(report.machine))
    print()
    print(format_table(report.rows))
    print(f"\nwritten: {json_path}, {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
