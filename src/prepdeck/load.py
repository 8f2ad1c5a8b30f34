"""Read YAML files into documents, keeping every node's position.

PyYAML's C parser composes the node tree (fast, and it never constructs Python
objects from tags); `_Walker` then turns nodes into plain data itself, which is
where the YAML traps are caught: duplicate keys (PyYAML keeps the last silently),
`!!python/...` and other unknown tags (refused, never constructed), alias bombs and
recursive aliases, and nesting too deep to be a question bank.  Everything found
is a `Problem`; nothing here raises on bad content.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.errors import Level, Problem

try:  # the C parser, when PyYAML was built with libyaml
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
# Aliases are judged by what they expand to, not by how many there are: the nodes an
# alias adds beyond the file's own may be a few per byte of the file (anchored lists
# reused by hundreds of questions are a few bytes per use), with a floor for small
# files and an absolute cap, so a "billion laughs" is refused before it is expanded.
ALIAS_NODES_PER_BYTE = 4
ALIAS_NODES_FLOOR = 100_000
ALIAS_NODES_CAP = 2_000_000

_YAML = "tag:yaml.org,2002:"
STR, MAP, SEQ, MERGE = _YAML + "str", _YAML + "map", _YAML + "seq", _YAML + "merge"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_constructor = yaml.SafeLoader("")  # only its scalar constructors are used


class _Loader(_BaseLoader):
    """The safe loader, resolving the commonest scalars without PyYAML's regex loop.

    A quoted or block scalar is always text, and so is a plain one whose first
    character starts none of YAML 1.1's implicit types (numbers, booleans, null,
    dates...); everything else goes through PyYAML's own resolver, so every tag is
    the one it would give (a property test checks this).
    """

    _TYPE_STARTERS = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k)
    # The shortcut is only sound with no wildcard or path resolvers registered.
    assert None not in _BaseLoader.yaml_implicit_resolvers
    assert not _BaseLoader.yaml_path_resolvers

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and (
            not implicit[0] or (value and value[0] not in self._TYPE_STARTERS)
        ):
            return STR
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return,no-untyped-call]


Path_ = tuple[str | int, ...]  # a path into a document's data: keys and indices


@dataclass
class YamlDocument:
    """One YAML file: its text, its node tree, and the plain data built from it."""

    path: Path
    display: str  # the path as problems show it
    node: Node | None = None
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    # YAML refuses raw control characters, so one can reach a value only through a
    # backslash escape in a double-quoted scalar: without a backslash, none is there.
    escapes: bool = True
    # id of a mapping node in `node` -> its keys (see `_keys`); the nodes live as
    # long as the document, so their ids stay theirs
    _key_index: dict[int, dict[str, tuple[Node, Node]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    def source_line(self, row: int) -> str | None:
        """The text of a 0-based row of the file, or None; the file is read once,
        however many problems ask."""
        if self._lines is None:
            try:
                self._lines = self.path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines = []
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def problem(
        self,
        at: Path_,
        rule: str,
        message: str,
        *,
        level: Level = Level.ERROR,
        key: bool = False,
    ) -> Problem:
        """A problem located at the node `at` leads to (its key, if `key`)."""
        line, column = self.position(at, key=key)
        return Problem(self.display, line, column, rule, message, level)

    def position(self, at: Path_, *, key: bool = False) -> tuple[int, int]:
        node = self.node_at(at, key=key)
        if node is None:
            return (1, 1)
        mark = node.start_mark
        return (mark.line + 1, mark.column + 1)

    def _keys(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        """The mapping's scalar keys -> (key node, value node), the first of a
        duplicated key winning; built once per mapping, so locating each of many
        problems in a wide mapping costs no scan of its keys."""
        index = self._key_index.get(id(node))
        if index is None:
            index = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    index.setdefault(key_node.value, (key_node, value_node))
            self._key_index[id(node)] = index
        return index

    def node_at(self, at: Path_, *, key: bool = False) -> Node | None:
        """The node at a data path; the deepest one that exists if the path runs out."""
        node = self.node
        for i, step in enumerate(at):
            last = i == len(at) - 1
            if isinstance(node, MappingNode):
                found = self._keys(node).get(step) if isinstance(step, str) else None
                if found is None:
                    return node
                node = found[0] if (key and last) else found[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    return node
                node = node.value[step]
            else:
                return node
        return node


class NotARegularFileError(OSError):
    """A path names a folder, FIFO, device or socket where a file was expected."""


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path`, checked on the opened file itself (so a
    FIFO never blocks, and a file swapped after a check is still the one read).
    Raises `FileNotFoundError`, `NotARegularFileError` (a folder, FIFO, device or
    socket), `FileTooLargeError` (over `limit` bytes) or another `OSError`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise NotARegularFileError(0, what, str(path))
        if info.st_size > limit:
            raise FileTooLargeError(0, f"{info.st_size:,} bytes; the limit is {limit:,}", str(path))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise FileTooLargeError(0, f"over the limit of {limit:,} bytes", str(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class FileTooLargeError(OSError):
    """A file is larger than its reader allows."""


@dataclass
class JsonDocument(YamlDocument):
    """A JSON file (the lock) as a document: its data from the json module (exact JSON,
    fast), its positions from composing the same text as YAML (JSON is YAML's flow
    style), done only when a problem needs a place; a text the composer cannot read
    places its problems at 1:1."""

    text: str = ""
    _composed: bool = False

    def node_at(self, at: Path_, *, key: bool = False) -> Node | None:
        if not self._composed:
            self._composed = True
            try:
                self.node = yaml.compose(self.text, Loader=_Loader)
            except (yaml.YAMLError, RecursionError):
                self.node = None
        return super().node_at(at, key=key)


def alias_nodes(root: Node) -> int:
    """How many nodes expanding every alias under `root` adds to the tree as written.

    Each collection's expanded size is computed once, so this takes time in the
    size of the file, however much its aliases would expand to.  A recursive alias
    counts once here; the walker reports it.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    added = 0

    def size(node: Node) -> int:
        nonlocal added
        if type(node) is ScalarNode:
            return 1
        ident = id(node)
        known = sizes.get(ident)
        if known is not None:  # a second use: an alias
            added += known
            return known
        if ident in active:
            return 1
        active.add(ident)
        if isinstance(node, MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1 + sum(size(item) for item in node.value)
        active.discard(ident)
        sizes[ident] = total
        return total

    size(root)
    return added


_ANCHOR = re.compile(r"&[^\s,\[\]{}]")


def _has_anchor(text: str) -> bool:
    """Whether `text` may hold an anchor (`&name` at a line's start or after a space, a
    flow bracket or a comma; "S&P" and "Workflow & Tools" are not).  A false yes only
    costs the count."""
    return any(m.start() == 0 or text[m.start() - 1] in " \t\n[{," for m in _ANCHOR.finditer(text))


def alias_budget(file_bytes: int) -> int:
    """The most nodes aliases may add to a file of `file_bytes` bytes."""
    return min(ALIAS_NODES_CAP, max(ALIAS_NODES_FLOOR, ALIAS_NODES_PER_BYTE * file_bytes))


class _Walker:
    """Nodes to plain data, reporting what PyYAML's constructors would hide."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.active: set[int] = set()

    def value(self, node: Node, depth: int = 0) -> Any:
        if type(node) is ScalarNode:
            return node.value if node.tag == STR else self.scalar(node)
        if depth > MAX_DEPTH:
            self.report(node, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
            return None
        ident = id(node)
        if ident in self.active:
            self.report(node, "recursive-alias", "an alias refers to a node that contains it")
            return None
        self.active.add(ident)
        try:
            if not self.tag_ok(node, MAP if isinstance(node, MappingNode) else SEQ):
                return None
            if isinstance(node, SequenceNode):
                # Text items are by far the most common: skip the call for them.
                return [
                    item.value
                    if type(item) is ScalarNode and item.tag == STR
                    else self.value(item, depth + 1)
                    for item in node.value
                ]
            return self.mapping(node, depth)  # type: ignore[arg-type]
        finally:
            self.active.discard(ident)

    def mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode and key_node.tag == MERGE:
                self.merge(merged, value_node, depth)
                continue
            if type(key_node) is not ScalarNode:
                self.report(key_node, "key-type", "a key must be plain text, not a list or mapping")
                continue
            key = key_node.value
            if key in out:
                self.report(
                    key_node,
                    "duplicate-key",
                    f'duplicate key "{key}" (the first one is at line '
                    f"{self.first_key_line(node, key)}; YAML would silently keep only the last)",
                )
                continue
            if type(value_node) is ScalarNode and value_node.tag == STR:
                out[key] = value_node.value
            else:
                out[key] = self.value(value_node, depth + 1)
        for key, value in merged.items():  # keys written in the mapping win
            out.setdefault(key, value)
        return out

    def merge(self, merged: dict[str, Any], node: Node, depth: int) -> None:
        """`<<: *base` or `<<: [*a, *b]`: YAML's merge keys; earlier sources win."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.report(
                    source,
                    "merge-key",
                    "<< merges a mapping or a list of mappings, e.g. <<: *defaults",
                )
                continue
            value = self.value(source, depth + 1)
            if isinstance(value, dict):
                for key, item in value.items():
                    merged.setdefault(key, item)

    @staticmethod
    def first_key_line(node: MappingNode, key: str) -> int:
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return int(key_node.start_mark.line) + 1
        return 0  # pragma: no cover - the key was seen

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == STR:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self.tag_ok(node, STR)
            return None
        try:
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.report(node, "bad-value", f"cannot read {node.value!r}: {exc}")
            return None

    def tag_ok(self, node: Node, expected: str) -> bool:
        if node.tag == expected:
            return True
        if node.tag.startswith(_YAML + "python/") or node.tag.startswith("!!python"):
            self.report(
                node,
                "unsafe-tag",
                f"the tag {node.tag} asks YAML to run Python code; it is refused, never built",
            )
        else:
            self.report(node, "unknown-tag", f"unknown tag {node.tag}; write plain YAML values")
        return False

    def report(self, node: Node, rule: str, message: str) -> None:
        mark = node.start_mark
        self.doc.problems.append(
            Problem(self.doc.display, mark.line + 1, mark.column + 1, rule, message)
        )


def _position_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace")) + 1
    return line, column


def _slip_hint(problem: str) -> str:
    """A hint for the commonest slip behind a syntax error, or ''."""
    if "cannot start any token" in problem:
        return (
            '; a value that starts with a backtick, @ or % must be quoted, e.g. key: "`code` first"'
        )
    return ""


def load_document(path: Path, display: str | None = None) -> YamlDocument:
    """Read one file; the document carries every problem found on the way."""
    doc = YamlDocument(path=path, display=display or str(path))

    def fail(line: int, column: int, rule: str, message: str) -> YamlDocument:
        doc.problems.append(Problem(doc.display, line, column, rule, message))
        return doc

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(
                1,
                1,
                "file-too-large",
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} (split it by tier)",
            )
        raw = path.read_bytes()
    except OSError as exc:
        return fail(1, 1, "unreadable", f"cannot read the file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position_of_byte(raw, exc.start)
        return fail(
            line,
            column,
            "encoding",
            f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot start a character here; "
            "save the file as UTF-8",
        )
    doc.escapes = "\\" in text
    if "\x00" in text:
        line, column = _position_of_byte(raw, raw.index(b"\x00"))
        return fail(line, column, "encoding", "the file contains a NUL byte; is it binary?")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or "YAML syntax error"
        if exc.context:
            message = f"{exc.context}: {message}"
        message += _slip_hint(exc.problem or "")
        return fail(line, column, "syntax", f"YAML syntax error: {message}")
    except yaml.YAMLError as exc:
        return fail(1, 1, "syntax", f"YAML error: {exc}")
    except RecursionError:
        return fail(1, 1, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
    if node is None:
        return fail(1, 1, "empty-file", "the file is empty; remove it or add content")
    try:
        # An alias needs an anchor: a file without one (most) skips the count.
        added = alias_nodes(node) if _has_anchor(text) else 0
        budget = alias_budget(len(raw))
    except RecursionError:
        return fail(1, 1, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
    if added > budget:
        return fail(
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            "alias-bomb",
            f"aliases would expand this {len(raw):,}-byte file by {added:,} values; the "
            f"limit is {budget:,} (a 'billion laughs' document?); refused",
        )
    doc.node = node
    doc.data = _Walker(doc).value(node)
    return doc
