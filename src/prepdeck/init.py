"""`prepdeck init`: a new bank that validates and builds as it stands.

The files come from the `starter/` folder shipped in the package (a bank, its
styles, a `.gitignore`, a CI workflow), with the slug and title filled in, plus the
JSON Schemas the YAML files' `$schema` comments point at.  Nothing is written if any
of the files exists already: every clash is found first and reported at once.

All or nothing: the bank is validated before anything is written (a title that
would not validate is refused), every file is written into a temporary folder
inside the target first (a full or read-only disk fails there), and only then
moved into place; if a move fails, what was moved is taken back.  So a failed init
leaves nothing, and running it again works.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from prepdeck.errors import PrepdeckError
from prepdeck.model import is_kebab_case
from prepdeck.schema import schema
from prepdeck.schemas import DOCUMENT_KINDS

# What init writes (path in the new folder) from which file under `starter/`.
# Dot-files are stored without the dot, so git and packaging treat them as data.
STARTER_FILES: Mapping[str, str] = {
    "content/bank.yaml": "content/bank.yaml",
    "content/fundamentals.yaml": "content/fundamentals.yaml",
    "content/scenarios.yaml": "content/scenarios.yaml",
    "content/media/pipeline.png": "content/media/pipeline.png",
    "styles/anki.css": "styles/anki.css",
    "styles/pdf.yaml": "styles/pdf.yaml",
    ".gitignore": "gitignore",
    ".github/workflows/prepdeck.yml": "github/workflows/prepdeck.yml",
    "requirements.txt": "requirements.txt",
}
SCHEMA_DIR = "schemas"  # beside content/ and styles/, where their `$schema` comments point
_TEXT_SUFFIXES = (".yaml", ".yml", ".css", ".txt", "gitignore")


class InitError(PrepdeckError):
    """init cannot go ahead; nothing was written."""


class InitUsageError(InitError):
    """An option init was given cannot make a valid bank (exit 2, like any usage error)."""


@dataclass(frozen=True, slots=True)
class InitResult:
    root: Path
    slug: str
    written: tuple[Path, ...]  # relative to root, in the order written


def next_steps(directory: Path, result: InitResult) -> str:
    """What to do after `prepdeck init DIRECTORY`, as commands to copy: a folder name
    with spaces or quotes is quoted for the shell."""
    import shlex

    where = "" if directory == Path(".") else f"cd {shlex.quote(str(directory))}, then "
    return (
        f"A new bank {result.slug!r} is ready. Next: {where}edit the questions in "
        "content/, then run\n"
        "  prepdeck validate   # every problem at once, with file:line:col\n"
        "  prepdeck build      # the Anki deck and PDFs in dist/; commit content/prepdeck.lock"
    )


def slug_from_name(name: str) -> str:
    """A kebab-case slug from a folder name ("My K8s Bank" -> "my-k8s-bank"); may be ""."""
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))


def title_from_slug(slug: str) -> str:
    words = " ".join(w.capitalize() if not w.isupper() else w for w in slug.split("-"))
    return f"{words} Interview Questions"


def schema_files() -> dict[str, bytes]:
    """File name -> bytes of every JSON Schema prepdeck ships (bank, tier, ...)."""
    return {
        f"{kind}.schema.json": (json.dumps(schema(kind), indent=2) + "\n").encode("utf-8")
        for kind in DOCUMENT_KINDS
    }


def write_schemas(folder: Path) -> list[Path]:
    """Write (or refresh, after an upgrade) every schema into `folder`, each file
    replaced atomically.  Raises `InitError` (never a traceback) if the folder cannot
    be made or written: read-only, full, or not a folder (/dev/null)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InitError(f"cannot write schemas into {folder}: it is not a folder") from None
    except OSError as exc:
        raise InitError(f"cannot create {folder}: {exc.strerror}") from None
    written: list[Path] = []
    for name, data in schema_files().items():
        path = folder / name
        temporary = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            with temporary.open("xb") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise InitError(
                f"cannot write {path}: {exc.strerror}; "
                + (f"{len(written)} of the schemas were refreshed" if written else "nothing")
                + " was written"
            ) from None
        written.append(path)
    return written


def install_requirement() -> str:
    """The requirements line CI can install the running prepdeck with: its git URL and
    commit when it was installed from one (PEP 610's direct_url.json).  Otherwise
    (a wheel, a local folder) there is no such line, and none is guessed: a bare
    `prepdeck==X` could install some other project's package of that name.  The
    workflow then stops and says what to write here."""
    try:
        text = metadata.distribution("prepdeck").read_text("direct_url.json")
        info = json.loads(text) if text else {}
    except (metadata.PackageNotFoundError, ValueError):  # pragma: no cover
        info = {}
    vcs = info.get("vcs_info") if isinstance(info, dict) else None
    url = info.get("url", "") if isinstance(info, dict) else ""
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and url.startswith("https://"):
        return f"prepdeck @ git+{url}@{vcs.get('commit_id', '')}"
    version = metadata.version("prepdeck")
    return (
        "# prepdeck was installed from a wheel or a local folder, so init cannot tell where\n"
        "# CI can get it.  Write one line, e.g.:\n"
        f"#   prepdeck @ git+https://github.com/OWNER/prepdeck@v{version}"
    )


def planned_files(slug: str, title: str, author: str, requirement: str) -> dict[str, bytes]:
    """Path in the new folder -> bytes, for every file init writes."""
    starter = resources.files("prepdeck.starter")
    fill = {
        "__SLUG__": slug,
        "__TITLE__": _yaml_plain(title),
        "__TOPIC__": slug.replace("-", " "),
        "__AUTHOR__": _yaml_plain(author),
        "__REQUIREMENT__": requirement,
    }
    files: dict[str, bytes] = {}
    for dest, source in STARTER_FILES.items():
        data = starter.joinpath(source).read_bytes()
        if source.endswith(_TEXT_SUFFIXES):
            text = data.decode("utf-8")
            for marker, value in fill.items():
                text = text.replace(marker, value)
            data = text.encode("utf-8")
        files[dest] = data
    for name, data in schema_files().items():
        files[f"{SCHEMA_DIR}/{name}"] = data
    return files


def _yaml_plain(text: str) -> str:
    """`text` as a YAML scalar that reads back as the same string."""
    return json.dumps(text, ensure_ascii=False)


def init(root: Path, *, slug: str | None = None, title: str | None = None) -> InitResult:
    """Write a new bank into `root` (created if missing).  Raises `InitError`, having
    written nothing, if the slug or title is unusable, any file exists already, or
    the disk refuses a write."""
    if slug is None:
        slug = slug_from_name(root.resolve().name)
        if not is_kebab_case(slug):
            raise InitError(
                f"cannot make a slug from the folder name {root.resolve().name!r}; "
                "give one with --slug, e.g. --slug k8s-security"
            )
    elif not is_kebab_case(slug):
        raise InitError(
            f"slug {slug!r} must be kebab-case (lowercase letters, digits, single hyphens), "
            "e.g. k8s-security"
        )
    files = planned_files(slug, title or title_from_slug(slug), "Your Name", install_requirement())
    _check_validates(files, title)
    if root.exists() and not root.is_dir():
        raise InitError(f"{root} is a file, not a folder")
    clashes = [dest for dest in files if (root / dest).exists() or (root / dest).is_symlink()]
    if clashes:
        listed = "\n".join(f"  {root / dest}" for dest in clashes)
        raise InitError(
            f"{len(clashes)} of the files init writes exist already, so nothing was "
            f"written:\n{listed}\nRun init in an empty folder, or move these away first."
        )
    _write_all(root, files)
    return InitResult(root, slug, tuple(Path(dest) for dest in files))


def _check_validates(files: Mapping[str, bytes], title: str | None) -> None:
    """The bank `files` make validates, as `prepdeck validate` would see it (its own
    styles' fonts included); else an `InitUsageError` naming what is wrong.  Only the
    title can make it fail (the starter is tested): markup or `::` (a deck name),
    a control character, a character no PDF font has."""
    from prepdeck.validate import validate_content

    with tempfile.TemporaryDirectory(prefix="prepdeck-init-") as scratch:
        for dest, data in files.items():
            path = Path(scratch) / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        styles = (Path(scratch) / "styles",)
        result = validate_content(
            Path(scratch) / "content", build_model=False, pdf_styles=styles, style_dirs=styles
        )
    if result.errors:
        what = f"--title {title!r}" if title is not None else "the bank"
        reasons = "; ".join(dict.fromkeys(p.message for p in result.errors))
        raise InitUsageError(f"{what} cannot be used: {reasons}")


def _write_all(root: Path, files: Mapping[str, bytes]) -> None:
    """Every file written into a temporary folder in `root` (the same file system),
    then moved into place; on any failure nothing of it is left."""
    made: list[Path] = []  # folders this init created, parents first
    moved: list[Path] = []
    staging: Path | None = None
    done = False
    try:
        _make_folder(root, made)
        staging = root / f".prepdeck-init.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        staging.mkdir()
        for dest, data in files.items():
            path = staging / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as out:
                out.write(data)
        for dest in files:
            target = root / dest
            _make_folder(target.parent, made)
            _move_new(staging / dest, target)
            moved.append(target)
        done = True
    except OSError as exc:
        raise InitError(
            f"cannot write the new bank into {root}: {exc.strerror or exc}; nothing was written"
        ) from None
    finally:  # failed or interrupted (Ctrl-C too): take back every file and folder
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if not done:
            for path in reversed(moved):
                with contextlib.suppress(OSError):
                    path.unlink()
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _make_folder(folder: Path, made: list[Path]) -> None:
    """`folder` and any missing parents, each one created recorded in `made`."""
    missing = []
    for path in (folder, *folder.parents):
        if path.is_dir():
            break
        missing.append(path)
    for path in reversed(missing):
        path.mkdir()
        made.append(path)


def _move_new(source: Path, target: Path) -> None:
    """Move `source` to `target`, never replacing a file that appeared meanwhile: a
    hard link fails if `target` exists (a plain rename would replace it)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if target.exists() or target.is_symlink():  # no hard links here: check, then rename
            raise FileExistsError(errno.EEXIST, "exists already", str(target)) from None
        os.replace(source, target)
        return
    source.unlink()
