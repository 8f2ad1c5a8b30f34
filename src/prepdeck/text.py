"""The Markdown content is written in: parsed once, rendered to HTML (the Anki deck,
the web edition) and to reportlab paragraph markup (the PDFs).

Parsing is markdown-it-py's.  Inline: emphasis, code spans, links, images, escapes
and line breaks.  Blocks (the model answer only): paragraphs, lists, fenced code
blocks with an optional language, GitHub pipe tables, and images that stand in a
paragraph of their own.

Everything else a Markdown author might write (raw HTML, headings, block quotes,
rules, indented code, footnotes, images from URLs or inside text) is parsed only to
be *reported*: `markdown_issues` lists each with its line, `validate` turns them into
problems, and the renderers print such constructs as the text they were written
as.  Every renderer escapes every piece of text it emits, then adds its own markup.
Links survive only for https and mailto; any other link prints as its text.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = ("https://", "mailto:")
TAB_WIDTH = 4  # tabs in code blocks expand to this many columns


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    children: tuple[Inline, ...]

    @property
    def safe(self) -> bool:
        return is_safe_url(self.url)


@dataclass(frozen=True, slots=True)
class LineBreak:
    hard: bool


Inline = Text | Code | Strong | Emphasis | Link | LineBreak


@dataclass(frozen=True, slots=True)
class MarkdownParagraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class MarkdownList:
    ordered: bool
    start: int
    items: tuple[tuple[MarkdownBlock, ...], ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced code block: its text exactly as written (tabs expanded), and the
    language named after the fence ("" for none)."""

    language: str
    text: str


@dataclass(frozen=True, slots=True)
class MarkdownTable:
    """A pipe table: a header row, body rows, and each column's alignment
    ("left", "center", "right" or "" for the default)."""

    aligns: tuple[str, ...]
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]


@dataclass(frozen=True, slots=True)
class MarkdownImage:
    """An image standing in a paragraph of its own; `src` is relative to the
    content folder (the validate rules check that it stays inside)."""

    src: str
    alt: str


MarkdownBlock = MarkdownParagraph | MarkdownList | CodeBlock | MarkdownTable | MarkdownImage


@dataclass(frozen=True, slots=True, order=True)
class MarkdownIssue:
    """A construct prepdeck does not render, at a 0-based line of the field's text."""

    line: int
    message: str


def is_safe_url(url: str) -> bool:
    return url.lower().startswith(SAFE_SCHEMES)


def is_remote(src: str) -> bool:
    """An image source that names a URL (or an absolute path) rather than a file in
    the content folder."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^/|^\\", src))


# Characters that can start inline Markdown syntax under the rules below; text
# without any of them parses to itself (a property the tests check against the
# parser), so the common case skips the parser entirely.
_INLINE_SYNTAX = frozenset("*_`[]\\\n\r<")

# Limits no author meets and every hostile file does: past them a field is a
# `markdown-format` problem at its line, never a silent cut or an unbounded layout.
MAX_PARAGRAPH_CHARS = 4_000  # a paragraph, list item, table cell or one-line field
MAX_ANSWER_CHARS = 64_000  # a model answer in all
MAX_WORD_CHARS = 200  # a run without a space, outside code
MAX_PARAGRAPH_WORDS = 1_000  # reportlab breaks lines word by word, three times a page
MAX_LIST_DEPTH = 8  # lists inside lists
MAX_INLINE_DEPTH = 16  # emphasis, strong text and links inside each other
MAX_LINE_BREAKS = 40  # hard line breaks in one paragraph (each a printed line)
MAX_MARKUP_RUNS = 200  # code spans, emphasis, strong text and links in one paragraph
MAX_TABLE_COLUMNS = 12  # what a printed column can hold (narrower pages stack the rows)
MAX_TABLE_ROWS = 100  # a long table is laid out again at every page it spans
MAX_CELL_CHARS = 300  # a table row cannot split across pages: it must fit on one
MAX_CODE_LINES = 1_000  # a code block is measured again at every page it spans
# Each paragraph, list item and table cell is a paragraph reportlab parses and lays
# out in every PDF (about 0.1 ms each): a bank prints at most this many in all, or
# one per PRINTED_CHARS characters of its text when that is more.  Real banks print
# one per 150 characters or more; a hostile one, one per 2.
MAX_PRINTED = 20_000
PRINTED_CHARS = 16
# markdown-it stops parsing past `maxNesting` and drops the rest of the field; the
# limits above are reported long before it is reached (8 lists are 16 levels, a
# table in them 4 more), and its recursion stays far from Python's limit.
_MAX_NESTING = 100

_OPTIONS = {"html": True, "maxNesting": _MAX_NESTING}  # raw HTML recognised, never rendered
_inline_md = MarkdownIt("zero", _OPTIONS).enable(
    ["emphasis", "backticks", "link", "image", "escape", "newline", "html_inline"]
)
# markdown-it drops javascript:, data: and file: links to plain text before anyone sees
# them; keep every link, so the link-scheme rule flags each scheme that is not https or
# mailto the same way, and the renderers (which print an unsafe link as its text) decide.
_inline_md.validateLink = lambda url: True  # type: ignore[method-assign]
# Blocks are split first and each paragraph's inline text is parsed on its own
# (what markdown-it's `inline` core rule would do), so plain paragraphs stay cheap.
_block_md = (
    MarkdownIt("zero", _OPTIONS)
    .enable(
        ["list", "fence", "table", "html_block", "heading", "lheading", "blockquote", "hr", "code"]
    )
    .disable(["inline", "text_join"])
)

_UNSUPPORTED_BLOCKS = {
    "heading_open": "a heading: use a paragraph with **bold** text instead",
    "blockquote_open": "a block quote is not supported",
    "hr": "a horizontal rule is not supported",
    "code_block": "an indented code block: use a fenced block (```) instead",
    "html_block": "raw HTML is not supported; it would print as text",
}
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")


@dataclass(frozen=True, slots=True)
class _Inline:
    """A parsed inline run and what the parser found wrong in it."""

    nodes: tuple[Inline, ...]
    images: tuple[tuple[str, str], ...]  # (src, alt) of every image in it
    issues: tuple[str, ...]


_LONG_WORD = re.compile(rf"[^\s]{{{MAX_WORD_CHARS + 1},}}")


def _long_word_issue(nodes: tuple[Inline, ...]) -> str | None:
    """A word longer than MAX_WORD_CHARS in the text of `nodes` (code spans may
    hold long identifiers; the PDFs break those), or None."""
    for node in nodes:
        if isinstance(node, Text):
            found = _LONG_WORD.search(node.text)
            if found:
                return (
                    f"a word of {len(found.group()):,} characters ({found.group()[:20]!r}...); "
                    f"the limit is {MAX_WORD_CHARS} outside code: add spaces, or use a code span"
                )
        elif isinstance(node, (Strong, Emphasis, Link)):
            found_in = _long_word_issue(node.children)
            if found_in:
                return found_in
    return None


def _markup_runs(nodes: tuple[Inline, ...]) -> int:
    """Code spans, emphasis, strong text and links in `nodes` (each a change of
    face the PDFs' line breaking measures again and again)."""
    count = 0
    for node in nodes:
        if isinstance(node, Code):
            count += 1
        elif isinstance(node, (Strong, Emphasis, Link)):
            count += 1 + _markup_runs(node.children)
    return count


def _hard_breaks(nodes: tuple[Inline, ...]) -> int:
    count = 0
    for node in nodes:
        if isinstance(node, LineBreak):
            count += node.hard
        elif isinstance(node, (Strong, Emphasis, Link)):
            count += _hard_breaks(node.children)
    return count


def _too_long(source: str, limit: int, what: str) -> str | None:
    if len(source) <= limit:
        return None
    return f"{what} of {len(source):,} characters; the limit is {limit:,}: split it"


@functools.cache
def _parse_inline(source: str) -> _Inline:
    if _INLINE_SYNTAX.isdisjoint(source) and len(source) <= MAX_WORD_CHARS:
        return _Inline((Text(source),) if source else (), (), ())  # "[^1]" holds "["
    if too_long := _too_long(source, MAX_PARAGRAPH_CHARS, "a paragraph"):
        # never parsed or laid out: validate refuses it, so nothing renders it
        return _Inline((Text(source),), (), (too_long,))
    if len(source) > 2 * MAX_PARAGRAPH_WORDS and (words := len(source.split())) > (
        MAX_PARAGRAPH_WORDS
    ):
        issue = f"a paragraph of {words:,} words; the limit is {MAX_PARAGRAPH_WORDS:,}: split it"
        return _Inline((Text(source),), (), (issue,))
    tokens = _inline_md.parseInline(source) if not _INLINE_SYNTAX.isdisjoint(source) else []
    images: list[tuple[str, str]] = []
    issues: list[str] = []
    tags: list[str] = []
    deep: list[bool] = []
    children = (
        iter(tokens[0].children or ()) if tokens else iter([Token("text", "", 0, content=source)])
    )
    nodes = _inlines(children, None, images, tags, deep)
    if deep:
        issues.append(
            f"emphasis, strong text and links nested more than {MAX_INLINE_DEPTH} deep; "
            "they would print as text"
        )
    if long_word := _long_word_issue(nodes):
        issues.append(long_word)
    runs = _markup_runs(nodes)
    if runs > MAX_MARKUP_RUNS:
        issues.append(
            f"a paragraph of {runs:,} code spans, emphasis and links; the limit is "
            f"{MAX_MARKUP_RUNS}: split it"
        )
    breaks = _hard_breaks(nodes)
    if breaks > MAX_LINE_BREAKS:
        issues.append(
            f"a paragraph of {breaks:,} line breaks; the limit is {MAX_LINE_BREAKS}: "
            "use paragraphs, a list or a code block"
        )
    if tags:
        shown = " ".join(dict.fromkeys(tags))
        issues.append(f"raw HTML ({shown}) is not supported; use Markdown (code spans for tags)")
    if _FOOTNOTE.search(source):
        issues.append("a footnote is not supported")
    return _Inline(nodes, tuple(images), tuple(issues))


def parse_inline(source: str) -> tuple[Inline, ...]:
    """Parse a one-paragraph field (question, hint, key point, table cell)."""
    return _parse_inline(source.strip()).nodes


def inline_issues(source: str) -> list[MarkdownIssue]:
    """What a one-paragraph field holds that prepdeck does not render (images
    included: they belong in the answer, in a paragraph of their own)."""
    if not may_have_inline_issues(source):
        return []
    parsed = _parse_inline(source.strip())
    found = [MarkdownIssue(0, message) for message in parsed.issues]
    found += [
        MarkdownIssue(0, f"an image ({src!r}) can only stand in a paragraph of the answer")
        for src, _ in parsed.images
    ]
    return found


def may_have_inline_issues(source: str) -> bool:
    """False when `inline_issues` would find nothing, without parsing: raw HTML needs
    "<", a footnote "[^", an image "!["; nesting past the limit needs that many marks
    that can open in one paragraph; a long word or paragraph is seen by its length."""
    return any(mark in source for mark in _INLINE_ISSUE_MARKS) or _beyond_limits(
        source, paragraphs=False
    )


def _beyond_limits(source: str, *, paragraphs: bool = True) -> bool:
    """Whether `source` may break a limit (cheap, never wrong the other way).

    `paragraphs`: `source` is block Markdown, whose paragraphs end at blank lines; a
    one-line field is parsed as one run of inline Markdown, blank lines and all."""
    if "\r" in source:  # a line break to markdown-it, not to the counts below: parse
        return True
    if len(source) > MAX_WORD_CHARS:
        if len(source) > MAX_PARAGRAPH_CHARS:
            return True
        # split() breaks at the whitespace the long-word pattern's \s matches (far
        # faster than searching for it); words need a space between them
        words = source.split()
        if max(map(len, words), default=0) > MAX_WORD_CHARS:
            return True
        if len(words) > MAX_PARAGRAPH_WORDS:
            return True
    if source.count("\n") > min(MAX_TABLE_ROWS, MAX_LINE_BREAKS):
        return True
    # a table needs a "|" in its delimiter row; a row of it has one cell more than its
    # "|"s at most, and a body row may have none (split at "\n" alone: markdown-it does
    # not break lines at U+2028 and the other separators splitlines() knows)
    if "|" in source and any(
        line.count("|") >= MAX_TABLE_COLUMNS or len(line) > MAX_CELL_CHARS
        for line in source.split("\n")
    ):
        return True
    openers = source.count("*") + source.count("_") + source.count("[")
    if openers > MAX_INLINE_DEPTH and (
        not paragraphs or _deepest_nesting_bound(source) > MAX_INLINE_DEPTH
    ):
        return True
    return openers + source.count("`") > MAX_MARKUP_RUNS or bool(_NESTED_MARKERS.search(source))


# A run of * or _ that can open emphasis is followed by something other than (Unicode)
# whitespace, as CommonMark defines it; a blank line ends every paragraph.
_OPENING_RUN = re.compile(r"[*_]+(?=[^ \t\n\r\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _deepest_nesting_bound(source: str) -> int:
    """At least how deep emphasis, strong text and links nest in any paragraph of
    `source`: each level opens with a mark that can open (a `[`, or a `*` or `_` not
    followed by whitespace), and nesting never crosses a blank line.  Counting every
    mark made validate parse two answers in three (a paragraph with a few code spans
    and emphasis has more than 16)."""
    return max(
        sum(map(len, _OPENING_RUN.findall(part))) + part.count("[")
        for part in _BLANK_LINE.split(source)
    )


# a line that opens lists inside lists ("- - x", "1. - x") or is indented deep enough
# to nest past the list limit; the parser decides
_NESTED_MARKERS = re.compile(
    r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)"
    rf"|^[ \t]{{{MAX_LIST_DEPTH},}}",
    re.M,
)


@dataclass(frozen=True, slots=True)
class _Blocks:
    blocks: tuple[MarkdownBlock, ...]
    issues: tuple[MarkdownIssue, ...]


@functools.cache
def _parse_blocks(source: str) -> _Blocks:
    stripped = source.strip()
    if not stripped:
        return _Blocks((), ())
    offset = source[: source.index(stripped[0])].count("\n")
    if too_long := _too_long(stripped, MAX_ANSWER_CHARS, "an answer"):
        return _Blocks((MarkdownParagraph((Text(stripped),)),), (MarkdownIssue(offset, too_long),))
    issues: list[MarkdownIssue] = []
    blocks = _BlockReader(_block_md.parse(stripped), offset, issues).read(None)
    return _Blocks(blocks, tuple(sorted(issues)))


def parse_blocks(source: str) -> tuple[MarkdownBlock, ...]:
    """Parse a multi-paragraph field (the model answer)."""
    return _parse_blocks(source).blocks


def markdown_issues(source: str) -> list[MarkdownIssue]:
    """What a multi-paragraph field holds that prepdeck does not render, each at its
    0-based line in `source`."""
    if not may_have_issues(source):
        return []
    return list(_parse_blocks(source).issues)


_ISSUE_MARKS = ("<", "#", ">", "~~~", "[^", "![")
_INLINE_ISSUE_MARKS = ("<", "[^", "![")
_RULE_LINE = re.compile(
    r"^[ \t]*(=+|-+)[ \t]*$"  # a setext heading's underline
    r"| {4}|\t",  # maybe indented code (after a list marker too): the parser decides
    re.M,
)


def _ends_in_rule(source: str) -> bool:
    """Whether a line ends in three or more of one of -, * or _ with only blanks
    between them: a horizontal rule (after a list marker too).  A scan from each
    line's end, linear in the text (a backreferencing regex took seconds on a long
    line of "- - - ...")."""
    for line in source.splitlines():
        end = line.rstrip(" \t")
        if not end or end[-1] not in "-*_":
            continue
        mark, count = end[-1], 0
        for char in reversed(end):
            if char == mark:
                count += 1
                if count == 3:
                    return True
            elif char not in " \t":
                break
    return False


def may_have_issues(source: str) -> bool:
    """False when `source` cannot hold anything `markdown_issues` reports, without
    parsing it: every unsupported construct needs one of a few marks (a tag's "<",
    a heading's "#", a quote's ">", a "~~~" fence, a footnote's "[^", an image's
    "![") or a line that is a rule or underline, or four spaces or a tab in a row.  A property
    test checks this against the parser."""
    return (
        any(mark in source for mark in _ISSUE_MARKS)
        or bool(_RULE_LINE.search(source))
        or _ends_in_rule(source)
        or _beyond_limits(source)
    )


class _BlockReader:
    def __init__(self, tokens: list[Token], offset: int, issues: list[MarkdownIssue]) -> None:
        self.tokens = iter(tokens)
        self.offset = offset
        self.issues = issues
        self.line = offset
        self.depth = 0  # lists open around the token being read

    def _note(self, token: Token) -> None:
        if token.map:
            self.line = self.offset + token.map[0]

    def _issue(self, message: str) -> None:
        self.issues.append(MarkdownIssue(self.line, message))

    def _inline(self, content: str) -> _Inline:
        parsed = _parse_inline(content.strip())
        for message in parsed.issues:
            self._issue(message)
        return parsed

    def read(self, closing: str | None) -> tuple[MarkdownBlock, ...]:
        out: list[MarkdownBlock] = []
        prefix = ""  # a heading's "##", printed as written
        for token in self.tokens:
            kind = token.type
            if kind == closing:
                break
            self._note(token)
            if kind == "heading_open" and token.markup.startswith("#"):
                prefix = token.markup + " "
            if kind == "inline":  # a tight list item's text, or a paragraph's
                out.append(self._paragraph(token.content, prefix))
                prefix = ""
            elif kind in ("bullet_list_open", "ordered_list_open"):
                out.append(self._list(token))
            elif kind == "fence":
                out.append(self._fence(token))
            elif kind == "table_open":
                out.append(self._table())
            elif kind in _UNSUPPORTED_BLOCKS:
                self._issue(_UNSUPPORTED_BLOCKS[kind])
                if kind in ("code_block", "html_block"):
                    text = token.content.rstrip("\n")
                    out.append(MarkdownParagraph((Text(text),)))
            # paragraph, heading and quote open/close tokens only frame what they hold
        return tuple(out)

    def _paragraph(self, content: str, prefix: str = "") -> MarkdownBlock:
        parsed = self._inline(content)
        if prefix:
            return MarkdownParagraph((Text(prefix), *parsed.nodes))
        if len(parsed.images) == 1 and len(parsed.nodes) <= 1:
            src, alt = parsed.images[0]
            if not parsed.nodes or (
                isinstance(parsed.nodes[0], Text) and parsed.nodes[0].text == f"![{alt}]({src})"
            ):
                return self._image(src, alt)
        for src, _ in parsed.images:
            self._issue(f"an image ({src!r}) must stand in a paragraph of its own")
        return MarkdownParagraph(parsed.nodes)

    def _image(self, src: str, alt: str) -> MarkdownImage:
        if not alt.strip():
            self._issue(f"the image {src!r} needs alt text: ![what it shows]({src})")
        if is_remote(src):
            self._issue(
                f"the image {src!r} is not a file in the content folder: "
                "images from URLs are not supported"
            )
        return MarkdownImage(src, alt)

    def _list(self, token: Token) -> MarkdownList:
        ordered = token.type == "ordered_list_open"
        start = int(token.attrs.get("start", 1)) if ordered else 1
        items: list[tuple[MarkdownBlock, ...]] = []
        close = token.type.replace("_open", "_close")
        self.depth += 1
        if self.depth == MAX_LIST_DEPTH + 1:
            self._issue(f"lists nested more than {MAX_LIST_DEPTH} deep cannot be printed")
        for item in self.tokens:
            if item.type == close:
                break
            self._note(item)
            items.append(self.read("list_item_close"))
        self.depth -= 1
        return MarkdownList(ordered=ordered, start=start, items=tuple(items))

    def _fence(self, token: Token) -> CodeBlock:
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        if token.markup.startswith("~"):
            self._issue("a ~~~ fence: use ``` for code blocks")
        text = token.content.removesuffix("\n").expandtabs(TAB_WIDTH)
        if (lines := text.count("\n") + 1) > MAX_CODE_LINES:
            limit = f"the limit is {MAX_CODE_LINES:,}"
            self._issue(f"a code block of {lines:,} lines; {limit}: split it")
        return CodeBlock(language.lower(), text)

    def _table(self) -> MarkdownTable:
        first_line = self.line
        longest = 0
        aligns: list[str] = []
        header: list[tuple[Inline, ...]] = []
        rows: list[tuple[tuple[Inline, ...], ...]] = []
        row: list[tuple[Inline, ...]] = []
        in_head = False
        for token in self.tokens:
            kind = token.type
            if kind == "table_close":
                break
            self._note(token)
            if kind == "thead_open":
                in_head = True
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close":
                if in_head:
                    header = row
                else:
                    rows.append(tuple(row))
            elif kind == "th_open":
                style = str(token.attrs.get("style", ""))
                aligns.append(style.removeprefix("text-align:"))
            elif kind == "inline":
                longest = max(longest, len(token.content.strip()))
                parsed = self._inline(token.content)
                for src, _ in parsed.images:
                    self._issue(f"an image ({src!r}) cannot go in a table cell")
                row.append(parsed.nodes)
        width = len(aligns)
        self.line = first_line  # a table's size is reported where the table starts
        if width > MAX_TABLE_COLUMNS:
            self._issue(
                f"a table of {width} columns; the limit is {MAX_TABLE_COLUMNS} "
                "(what a printed page can hold): split it, or use a list"
            )
        if longest > MAX_CELL_CHARS:
            self._issue(
                f"a table cell of {longest:,} characters; the limit is {MAX_CELL_CHARS} "
                "(a row must fit on a printed page): move the detail below the table"
            )
        if len(rows) > MAX_TABLE_ROWS:
            self._issue(f"a table of {len(rows):,} rows; the limit is {MAX_TABLE_ROWS}: split it")
        body = tuple(
            tuple(r[:width]) + ((),) * (width - len(r)) for r in rows
        )  # the parser pads short rows; this makes every row the header's width
        return MarkdownTable(tuple(aligns), tuple(header), body)


_OPENING = {"strong_open": "strong_close", "em_open": "em_close", "link_open": "link_close"}


def _inlines(
    tokens: Iterator[Token],
    closing: str | None,
    images: list[tuple[str, str]],
    tags: list[str],
    deep: list[bool] | None = None,
    depth: int = 0,
) -> tuple[Inline, ...]:
    """The nodes up to `closing`.  Past MAX_INLINE_DEPTH an opening and its closing
    print as their marks (and `deep` records it), so no tree is deeper than that."""
    out: list[Inline] = []
    flat: dict[str, int] = {}  # closings still owed to openings printed as text
    deep = [] if deep is None else deep

    def text(value: str) -> None:
        if out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + value)
        else:
            out.append(Text(value))

    for token in tokens:
        kind = token.type
        if flat.get(kind):
            flat[kind] -= 1
            text(token.markup)
            continue
        if kind == closing:
            break
        if kind in _OPENING and depth >= MAX_INLINE_DEPTH:
            deep[:] = [True]
            flat[_OPENING[kind]] = flat.get(_OPENING[kind], 0) + 1
            text(token.markup)
            continue
        if kind == "text":
            text(token.content)
        elif kind == "code_inline":
            out.append(Code(token.content))
        elif kind == "strong_open":
            out.append(Strong(_inlines(tokens, "strong_close", images, tags, deep, depth + 1)))
        elif kind == "em_open":
            out.append(Emphasis(_inlines(tokens, "em_close", images, tags, deep, depth + 1)))
        elif kind == "link_open":
            url = str(token.attrs.get("href", ""))
            out.append(Link(url, _inlines(tokens, "link_close", images, tags, deep, depth + 1)))
        elif kind in ("softbreak", "hardbreak"):
            out.append(LineBreak(hard=kind == "hardbreak"))
        elif kind == "image":
            src = str(token.attrs.get("src", ""))
            if not is_remote(src):
                # markdown-it percent-encodes a link's path (`café`, `my pic`); a file
                # in the content folder is looked up by the name the author wrote
                src = unquote(src)
            alt = token.content
            images.append((src, alt))
            text(f"![{alt}]({src})")  # where an image cannot go, it prints as written
        elif kind == "html_inline":
            tags.append(token.content)
            text(token.content)
        elif token.content:  # nothing else is enabled; keep any text as text
            text(token.content)
    return tuple(out)


# -- walking -------------------------------------------------------------------


def iter_links(nodes: tuple[Inline, ...] | tuple[MarkdownBlock, ...]) -> Iterator[Link]:
    for node in nodes:
        if isinstance(node, Link):
            yield node
            yield from iter_links(node.children)
        elif isinstance(node, (Strong, Emphasis, MarkdownParagraph)):
            yield from iter_links(node.children)
        elif isinstance(node, MarkdownList):
            for item in node.items:
                yield from iter_links(item)
        elif isinstance(node, MarkdownTable):
            for cells in (node.header, *node.rows):
                for cell in cells:
                    yield from iter_links(cell)


def iter_blocks(blocks: tuple[MarkdownBlock, ...]) -> Iterator[MarkdownBlock]:
    """Every block, list items' blocks included, in reading order."""
    for block in blocks:
        yield block
        if isinstance(block, MarkdownList):
            for item in block.items:
                yield from iter_blocks(item)


def printed_bound(source: str) -> int:
    """At least `printed(source)` when `source` has no `markdown_issues`, without
    parsing: a paragraph, list item, code block or image needs a line of its own, and
    a table (which needs a "|") prints at most MAX_TABLE_COLUMNS cells a line (rows
    short of cells, even rows without a "|", are filled out to the header's)."""
    lines = source.count("\n") + 1
    return lines * (MAX_TABLE_COLUMNS if "|" in source else 1)


def printed(source: str) -> int:
    """How many pieces the PDFs lay out one by one for a multi-paragraph field: its
    paragraphs (list items' too), code blocks, images and table cells."""
    count = 0
    for block in iter_blocks(parse_blocks(source)):
        if isinstance(block, MarkdownTable):
            count += len(block.header) * (len(block.rows) + 1)
        elif not isinstance(block, MarkdownList):
            count += 1
    return count


def iter_images(blocks: tuple[MarkdownBlock, ...]) -> Iterator[MarkdownImage]:
    for block in iter_blocks(blocks):
        if isinstance(block, MarkdownImage):
            yield block


def plain(nodes: tuple[Inline, ...]) -> str:
    """The text a reader sees, without markup."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, (Text, Code)):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append(" ")
        else:
            parts.append(plain(node.children))
    return "".join(parts)


_WORD = re.compile(r"[\w'\u2019-]+")


def prose_words(markdown: str) -> int:
    """Words of prose in a multi-paragraph field: paragraphs and list items, not code
    blocks, tables or image alt text (what the content's length guidance counts)."""
    count = 0
    for block in iter_blocks(parse_blocks(markdown)):
        if isinstance(block, MarkdownParagraph):
            count += len(_WORD.findall(plain(block.children)))
    return count


# -- HTML (the deck and the web edition) --------------------------------------------

ImageSource = Callable[[str], str]
"""Maps an image's content-relative path to its `src`: the deck passes the media
file's name, the web edition a data: URI."""


ImageMarkup = Callable[[MarkdownImage], str | None]
"""The whole markup for an image, or None for the default `<img>`: the web edition
shows an image the page defines once (see site.py) by reference."""


def _no_images(src: str) -> str:
    return src


def inline_html(nodes: tuple[Inline, ...]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(html_escape(node.text))
        elif isinstance(node, Code):
            parts.append(f"<code>{html_escape(node.text)}</code>")
        elif isinstance(node, Strong):
            parts.append(f"<strong>{inline_html(node.children)}</strong>")
        elif isinstance(node, Emphasis):
            parts.append(f"<em>{inline_html(node.children)}</em>")
        elif isinstance(node, Link):
            inner = inline_html(node.children)
            if node.safe:
                parts.append(f'<a href="{html_escape(node.url)}">{inner}</a>')
            else:
                parts.append(inner)
        else:
            parts.append("<br>" if node.hard else "\n")
    return "".join(parts)


def blocks_html(
    blocks: tuple[MarkdownBlock, ...],
    image_src: ImageSource = _no_images,
    code: Callable[[CodeBlock], str] | None = None,
    image_markup: ImageMarkup | None = None,
) -> str:
    """The blocks as HTML; each code block by `code` (default: `code_html`, coloured
    by Pygments; the lock hashes notes with `code_plain_html`), each image by
    `image_markup` where it gives markup (the page's shared images), else `<img>`."""
    code = code or code_html
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, MarkdownParagraph):
            parts.append(f"<p>{inline_html(block.children)}</p>")
        elif isinstance(block, MarkdownList):
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            items = "".join(
                f"<li>{_item_html(item, image_src, code, image_markup)}</li>"
                for item in block.items
            )
            parts.append(f"<{tag}{start}>{items}</{tag}>")
        elif isinstance(block, CodeBlock):
            parts.append(code(block))
        elif isinstance(block, MarkdownTable):
            parts.append(table_html(block))
        elif image_markup is not None and (markup := image_markup(block)) is not None:
            parts.append(markup)
        else:
            parts.append(
                f'<p class="figure"><img src="{html_escape(image_src(block.src))}" '
                f'alt="{html_escape(block.alt)}"></p>'
            )
    return "".join(parts)


def _item_html(
    item: tuple[MarkdownBlock, ...],
    image_src: ImageSource,
    code: Callable[[CodeBlock], str],
    image_markup: ImageMarkup | None,
) -> str:
    if len(item) == 1 and isinstance(item[0], MarkdownParagraph):
        return inline_html(item[0].children)
    return blocks_html(item, image_src, code, image_markup)


def table_html(table: MarkdownTable) -> str:
    """A table in a wrapper that scrolls sideways when it is wider than the screen."""

    def cells(tag: str, row: tuple[tuple[Inline, ...], ...]) -> str:
        out = []
        for i, cell in enumerate(row):
            align = table.aligns[i] if i < len(table.aligns) else ""
            attr = f' style="text-align:{align}"' if align else ""
            out.append(f"<{tag}{attr}>{inline_html(cell)}</{tag}>")
        return "<tr>" + "".join(out) + "</tr>"

    head = cells("th", table.header)
    body = "".join(cells("td", row) for row in table.rows)
    return (
        f'<div class="table-scroll"><table><thead>{head}</thead><tbody>{body}</tbody></table></div>'
    )


# -- code highlighting (Pygments) ----------------------------------------------------

CODE_CLASS_PREFIX = "hl-"  # Pygments token classes, prefixed so they clash with nothing
LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "github-dark"


@functools.cache
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def known_language(language: str) -> bool:
    """Whether Pygments can highlight `language` (an empty one is plain text)."""
    return not language or _lexer(language) is not None


# Colouring is bounded, so no code block can hold a build up.  Pygments' lexers are
# regular expressions, and some are slow far past their input's size: `c` is
# quadratic in newlines, `lilypond` cubic, and `systemd` exponential on a line of
# blanks.  Two budgets:
# - by size (deterministic): a block over MAX_COLOURED_CHARS or MAX_COLOURED_LINES
#   prints uncoloured, and `code-language` warns;
# - by time, the backstop for a lexer that is slow on a small block: a block whose
#   lexing takes over LEX_SECONDS of this thread's CPU time is not coloured, and
#   `code-language` makes it an error.  It is an error, not a warning, so what a
#   build writes never depends on the machine's speed: a build either writes the
#   same bytes or stops with the problem.  The clock is checked between tokens, and
#   on the main thread an interval timer also stops a single runaway match.
# Each block is lexed once per process (the validate rule, the deck, the booklet,
# the quiz and the page share the tokens).
MAX_COLOURED_CHARS = 20_000
MAX_COLOURED_LINES = 500
LEX_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Lexed:
    """A code block's Pygments tokens, or None and why it prints uncoloured."""

    tokens: tuple[tuple[Any, str], ...] | None
    too_big: bool = False
    too_slow: bool = False


class _LexTimeout(Exception):
    pass


@functools.lru_cache(maxsize=2048)
def lexed(language: str, text: str) -> Lexed:
    lexer = _lexer(language)
    if lexer is None:
        return Lexed(None)
    if len(text) > MAX_COLOURED_CHARS or text.count("\n") >= MAX_COLOURED_LINES:
        return Lexed(None, too_big=True)
    import signal
    import threading

    deadline = time.thread_time() + LEX_SECONDS
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous: Any = None
    if main:

        def stop(signum: int, frame: Any) -> None:
            raise _LexTimeout

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, LEX_SECONDS * 2)  # wall time: a loaded machine
    tokens: list[tuple[Any, str]] = []
    try:
        for token in lexer.get_tokens(text):
            tokens.append(token)
            if len(tokens) % 64 == 0 and time.thread_time() > deadline:
                raise _LexTimeout
        if time.thread_time() > deadline:
            raise _LexTimeout
    except _LexTimeout:
        return Lexed(None, too_slow=True)
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return Lexed(tuple(tokens))


def code_tokens(block: CodeBlock) -> Iterator[tuple[str, str]]:
    """(Pygments token type name, text) for the block, text in order; plain text
    for no or an unknown language, or a block past the colouring budget.  Token
    names look like "Keyword.Constant"."""
    found = lexed(block.language, block.text).tokens
    if found is None:
        yield "", block.text
        return
    for token_type, value in found:
        if value:
            yield ".".join(token_type), value


def code_html(block: CodeBlock) -> str:
    """`<pre>` with Pygments' token classes (the CSS comes from `code_css`); the
    text is escaped by Pygments, never interpreted."""
    import io

    from pygments.formatters import HtmlFormatter

    found = lexed(block.language, block.text).tokens
    if found is None:
        return code_plain_html(block)
    lang = html_escape(block.language)
    attr = f' data-lang="{lang}"' if lang else ""
    formatter = HtmlFormatter(nowrap=True, classprefix=CODE_CLASS_PREFIX)
    out = io.StringIO()
    formatter.format(iter(found), out)
    inner = out.getvalue().removesuffix("\n")
    return f'<pre class="code"{attr}><code>{inner}</code></pre>'


def code_plain_html(block: CodeBlock) -> str:
    """The block as `code_html` renders it with no lexer: its language and its text,
    escaped, and nothing a Pygments version decides.  What the lock hashes."""
    lang = html_escape(block.language)
    attr = f' data-lang="{lang}"' if lang else ""
    return f'<pre class="code"{attr}><code>{html_escape(block.text)}</code></pre>'


def code_css(
    light: Sequence[str] = (".code",),
    dark: Sequence[str] = (".nightMode .code",),
) -> str:
    """The token colours for `code_html`: a light style under the `light`
    selectors, and a dark one under `dark` (Anki's night mode marks the card with
    `.nightMode` or `.night_mode`; a web page may use a media query's selectors)."""
    from pygments.formatters import HtmlFormatter

    def rules(style: str, scopes: Sequence[str]) -> list[str]:
        formatter = HtmlFormatter(style=style, classprefix=CODE_CLASS_PREFIX)
        # only the token rules: the page decides the block's own background
        return [
            line
            for line in formatter.get_style_defs(list(scopes)).splitlines()
            if f" .{CODE_CLASS_PREFIX}" in line and "color" in line
        ]

    return "\n".join([*rules(LIGHT_CODE_STYLE, light), *rules(DARK_CODE_STYLE, dark)]) + "\n"


# -- reportlab paragraph markup ----------------------------------------------------


def rl_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rl_attr(text: str) -> str:
    return rl_escape(text).replace('"', "&quot;")


FontRuns = Callable[[str, str], Sequence[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class MarkupStyle:
    """What inline markup turns into in reportlab: the faces and the link colour.

    `font_runs(kind, text)` splits text ("body" or "code") into (family, text) runs
    for a font fallback chain; an empty family means the surrounding font."""

    code_font: str = "Courier"
    link_color: str = "#1a5fb4"
    font_runs: FontRuns | None = None
    smart: bool = False  # curly quotes, apostrophes and dashes in text (never in code)


_SMARTYPANTS_ATTR = -1


def smarten(text: str, before: str = "") -> str:
    """Typographer's quotes, apostrophes, en and em dashes (`--`, `---`) and ellipses
    in prose, by smartypants (Unicode out, no entities).  `before` is the character
    printed just before `text` (a code span's last, say), so a quote at the start of a
    run turns the right way."""
    import smartypants

    global _SMARTYPANTS_ATTR
    if _SMARTYPANTS_ATTR < 0:
        attr = smartypants.Attr
        _SMARTYPANTS_ATTR = attr.q | attr.D | attr.e | attr.u
    if '"' not in text and "'" not in text and "--" not in text and "..." not in text:
        return text  # most runs: nothing to change, and smartypants is not free
    # a stand-in for the context: smartypants reads "<" as a tag's start
    lead = "" if not before else " " if before.isspace() else "(" if before in "([{" else "x"
    out: str = smartypants.smartypants(lead + text, _SMARTYPANTS_ATTR)
    return out[len(lead) :]


def _fallback_markup(text: str, kind: str, style: MarkupStyle) -> str:
    """`text` escaped, each run a fallback font draws wrapped in its own <font> tag
    (split first, then escaped: an escape is never cut in two)."""
    if style.font_runs is None:
        return rl_escape(text)
    runs = style.font_runs(kind, text)
    if len(runs) == 1 and not runs[0][0]:
        return rl_escape(runs[0][1])
    return "".join(
        f'<font face="{_rl_attr(family)}">{rl_escape(part)}</font>' if family else rl_escape(part)
        for family, part in runs
    )


def run_markup(
    text: str, style: MarkupStyle, *, code: bool = False, color: str = "", chain: str = ""
) -> str:
    """Markup for one run of text in one face: the only place text becomes markup.

    The raw text is escaped first and tags are added around it, so a later step
    (a per-character font fallback) can split a run into pieces before escaping.
    """
    # `chain`: whose fallbacks split the text, when the surrounding face is the code
    # face without `code` (an XPreformatted code block)
    escaped = _fallback_markup(text, chain or ("code" if code else "body"), style)
    attrs = ""
    if code:
        attrs += f' face="{_rl_attr(style.code_font)}"'
    if color:
        attrs += f' color="{_rl_attr(color)}"'
    return f"<font{attrs}>{escaped}</font>" if attrs else escaped


def inline_markup(
    nodes: tuple[Inline, ...], style: MarkupStyle = MarkupStyle(), _last: list[str] | None = None
) -> str:
    """reportlab `Paragraph` markup; all text escaped, so `<img>` prints as text."""
    parts: list[str] = []
    last = [""] if _last is None else _last  # the last character set so far
    for node in nodes:
        if isinstance(node, Text):
            text = smarten(node.text, last[0]) if style.smart else node.text
            parts.append(run_markup(text, style))
            last[0] = node.text[-1:] or last[0]
        elif isinstance(node, Code):
            parts.append(run_markup(node.text, style, code=True))
            last[0] = node.text[-1:] or last[0]
        elif isinstance(node, Strong):
            parts.append(f"<b>{inline_markup(node.children, style, last)}</b>")
        elif isinstance(node, Emphasis):
            parts.append(f"<i>{inline_markup(node.children, style, last)}</i>")
        elif isinstance(node, Link):
            inner = inline_markup(node.children, style, last)
            if node.safe:
                parts.append(
                    f'<a href="{_rl_attr(node.url)}" color="{_rl_attr(style.link_color)}">'
                    f"{inner}</a>"
                )
            else:
                parts.append(inner)
        else:
            parts.append("<br/>" if node.hard else " ")
            last[0] = " "
    return "".join(parts)
