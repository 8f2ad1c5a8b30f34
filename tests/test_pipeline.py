"""The one pipeline (validate -> filter -> build) and artifacts built in parallel:
the same bytes as one after another, progress per artifact, all or nothing."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONTENT, MakeBank
from prepdeck import pipeline
from prepdeck.errors import BuildError, Problem
from prepdeck.targets import TARGETS

T0 = 1767225600


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def started(self, target: str) -> None:
        self.events.append(("started", target))

    def finished(self, target: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("finished", target))


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_parallel_and_serial_builds_write_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for jobs in (1, 2, 5):
        content = tmp_path / f"content-{jobs}"
        shutil.copytree(CONTENT, content)
        (content / "prepdeck.lock").unlink()  # each build writes the lock afresh
        progress = Recorder()
        outcome = pipeline.run(
            content,
            out_dir=tmp_path / f"dist-{jobs}",
            timestamp=T0,
            jobs=jobs,
            progress=progress,
            new_lock=True,
        )
        assert outcome.ok, outcome.problems
        assert [a.target for a in outcome.artifacts] == list(TARGETS)  # in target order
        # every artifact says when it starts and when it is done, whatever the order
        assert sorted(progress.events) == sorted(
            (event, t) for t in TARGETS for event in ("started", "finished")
        )
        outputs.append((files(tmp_path / f"dist-{jobs}"), (content / "prepdeck.lock").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_worker_that_dies_fails_the_build_and_changes_nothing(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prepdeck.site

    root = make_bank()
    out = tmp_path / "dist"
    assert pipeline.run(root, out_dir=out, timestamp=T0, jobs=1).ok
    before = files(out), (root / "prepdeck.lock").read_bytes()

    def killed(*args: object) -> None:
        os._exit(9)  # what the kernel's out-of-memory killer leaves: no answer

    monkeypatch.setattr(prepdeck.site, "write_site", killed)
    outcome = pipeline.run(
        root, pipeline.Request(paper="letter"), out_dir=out, timestamp=T0 + 60, jobs=2
    )
    assert not outcome.ok and outcome.artifacts == []
    [problem] = [p for p in outcome.problems if p.is_error]
    assert problem.rule == "build-crashed" and "exit 9" in problem.message
    assert (files(out), (root / "prepdeck.lock").read_bytes()) == before
    assert not [p for p in [*out.iterdir(), *root.iterdir()] if p.name.endswith(".tmp")]


def test_a_writer_problem_in_a_worker_comes_back_as_a_value(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prepdeck.pdf.quiz

    def refuses(*args: object) -> None:
        raise BuildError([Problem("basics.yaml", 3, 5, "too-long", "a card too long")])

    monkeypatch.setattr(prepdeck.pdf.quiz, "write_quiz", refuses)
    out = tmp_path / "dist"
    outcome = pipeline.run(make_bank(), out_dir=out, timestamp=T0, jobs=2)
    assert [p.rule for p in outcome.problems if p.is_error] == ["too-long"]
    assert not out.exists() or list(out.iterdir()) == []


def test_workers_inherit_what_is_alive_frozen_and_the_build_leaves_nothing_frozen(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prepdeck.site

    def tells(*args: object) -> None:  # what the worker's collector is told to skip
        raise BuildError([Problem("x", 1, 1, "frozen", str(gc.get_freeze_count()))])

    monkeypatch.setattr(prepdeck.site, "write_site", tells)
    request = pipeline.Request(targets=("anki", "site"))
    outcome = pipeline.run(make_bank(), request, out_dir=tmp_path / "d", timestamp=T0, jobs=2)
    [problem] = [p for p in outcome.problems if p.is_error]
    assert problem.rule == "frozen" and int(problem.message) > 0  # the bank, the modules
    assert gc.get_freeze_count() == 0  # this process collects as before (the preview)


def test_the_deck_and_page_writers_load_in_their_own_workers(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    """The serial start imports only what the PDF workers share, not genanki."""
    script = (
        "import sys; from pathlib import Path; from prepdeck import pipeline; "
        f"o = pipeline.run(Path(sys.argv[1]), out_dir=Path(sys.argv[2]), timestamp={T0}, jobs=2); "
        "print(o.ok, 'genanki' in sys.modules, 'prepdeck.site' in sys.modules, "
        "'prepdeck.pdf.booklet' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(make_bank()), str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["True", "False", "False", "True"]
    assert (tmp_path / "d" / "tiny.apkg").stat().st_size > 0


def test_a_filter_or_paper_the_bank_lacks_is_a_request_error(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    root = make_bank()
    for request, option in (
        (pipeline.Request(tiers=("nope",)), "--tier"),
        (pipeline.Request(topics=("nope",)), "--topic"),
        (pipeline.Request(paper="a5"), "--paper"),
    ):
        with pytest.raises(pipeline.RequestError) as caught:
            pipeline.run(root, request, out_dir=tmp_path / "d", timestamp=T0)
        assert caught.value.option == option
    # a paper matters only when a PDF is built
    site = pipeline.Request(targets=("site",), paper="a5")
    assert pipeline.run(root, site, out_dir=tmp_path / "d", timestamp=T0).ok
    assert not (tmp_path / "d").joinpath("tiny.pdf").exists()
