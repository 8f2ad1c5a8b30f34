"""`prepdeck init`: a new bank that validates and builds as it stands.

The files come from the `starter/` folder shipped in the package (a bank, its
styles, a `.gitignore`, a CI workflow), with the slug and title filled in, plus the
JSON Schemas the YAML files' `$schema` comments point at.  Nothing is written if any
of the files exists already: every clash is found first and reported at once.
"""

from __future__ import annotations

import json
import re
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
    """Write (or refresh, after an upgrade) every schema into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in schema_files().items():
        path = folder / name
        path.write_bytes(data)
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
    written nothing, if the slug is unusable or any file exists already."""
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
    if root.exists() and not root.is_dir():
        raise InitError(f"{root} is a file, not a folder")
    clashes = [dest for dest in files if (root / dest).exists() or (root / dest).is_symlink()]
    if clashes:
        listed = "\n".join(f"  {root / dest}" for dest in clashes)
        raise InitError(
            f"{len(clashes)} of the files init writes exist already, so nothing was "
            f"written:\n{listed}\nRun init in an empty folder, or move these away first."
        )
    written = []
    for dest, data in files.items():
        path = root / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as out:  # "x": never replace a file that appeared meanwhile
            out.write(data)
        written.append(Path(dest))
    return InitResult(root, slug, tuple(written))
