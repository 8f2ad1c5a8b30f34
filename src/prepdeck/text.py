"""The Markdown subset content is written in: parsed once, rendered to Anki HTML and
to reportlab paragraph markup.

Parsing is markdown-it-py's, with every rule off except emphasis, code spans,
links, escapes, line breaks, paragraphs and lists.  Raw HTML is never a rule, so
`<script>` in content is text, and every renderer escapes every piece of text it
emits.  Links survive only for https and mailto; any other link prints as its text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = ("https://", "mailto:")


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


MarkdownBlock = MarkdownParagraph | MarkdownList


def is_safe_url(url: str) -> bool:
    return url.lower().startswith(SAFE_SCHEMES)


# Characters that can start inline Markdown syntax under the rules below; text
# without any of them parses to itself (a property the tests check against the
# parser), so the common case skips the parser entirely.
_INLINE_SYNTAX = frozenset("*_`[]\\\n\r")

_inline_md = MarkdownIt("zero").enable(["emphasis", "backticks", "link", "escape", "newline"])
# Blocks are split first and each paragraph's inline text is parsed on its own
# (what markdown-it's `inline` core rule would do), so plain paragraphs stay cheap.
_block_md = MarkdownIt("zero").enable(["list"]).disable(["inline", "text_join"])


@functools.cache
def parse_inline(source: str) -> tuple[Inline, ...]:
    """Parse a one-paragraph field (question, hint, key point)."""
    source = source.strip()
    if not source:
        return ()
    if _INLINE_SYNTAX.isdisjoint(source):
        return (Text(source),)
    tokens = _inline_md.parseInline(source)
    return _inlines(iter(tokens[0].children or ()), closing=None)


@functools.cache
def parse_blocks(source: str) -> tuple[MarkdownBlock, ...]:
    """Parse a multi-paragraph field (the model answer)."""
    source = source.strip()
    if not source:
        return ()
    return _blocks(iter(_block_md.parse(source)), closing=None)


def _blocks(tokens: Iterator[Token], closing: str | None) -> tuple[MarkdownBlock, ...]:
    out: list[MarkdownBlock] = []
    for token in tokens:
        kind = token.type
        if kind == closing:
            break
        if kind == "inline":  # a tight list item's text, or a paragraph's
            out.append(MarkdownParagraph(parse_inline(token.content)))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            start = int(token.attrs.get("start", 1)) if ordered else 1
            items: list[tuple[MarkdownBlock, ...]] = []
            close = kind.replace("_open", "_close")
            for item in tokens:
                if item.type == close:
                    break
                items.append(_blocks(tokens, closing="list_item_close"))
            out.append(MarkdownList(ordered=ordered, start=start, items=tuple(items)))
        # paragraph_open/close only frame the inline token
    return tuple(out)


def _inlines(tokens: Iterator[Token], closing: str | None) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for token in tokens:
        kind = token.type
        if kind == closing:
            break
        if kind == "text":
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + token.content)
            else:
                out.append(Text(token.content))
        elif kind == "code_inline":
            out.append(Code(token.content))
        elif kind == "strong_open":
            out.append(Strong(_inlines(tokens, "strong_close")))
        elif kind == "em_open":
            out.append(Emphasis(_inlines(tokens, "em_close")))
        elif kind == "link_open":
            url = str(token.attrs.get("href", ""))
            out.append(Link(url, _inlines(tokens, "link_close")))
        elif kind in ("softbreak", "hardbreak"):
            out.append(LineBreak(hard=kind == "hardbreak"))
        elif token.content:  # nothing else is enabled; keep any text as text
            out.append(Text(token.content))
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


# -- Anki HTML -------------------------------------------------------------------


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


def blocks_html(blocks: tuple[MarkdownBlock, ...]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, MarkdownParagraph):
            parts.append(f"<p>{inline_html(block.children)}</p>")
        else:
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            items = "".join(f"<li>{_item_html(item)}</li>" for item in block.items)
            parts.append(f"<{tag}{start}>{items}</{tag}>")
    return "".join(parts)


def _item_html(item: tuple[MarkdownBlock, ...]) -> str:
    if len(item) == 1 and isinstance(item[0], MarkdownParagraph):
        return inline_html(item[0].children)
    return blocks_html(item)


# -- reportlab paragraph markup ----------------------------------------------------


def _rl_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rl_attr(text: str) -> str:
    return _rl_escape(text).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class MarkupStyle:
    """What inline markup turns into in reportlab: the faces and the link colour."""

    code_font: str = "Courier"
    link_color: str = "#1a5fb4"


def inline_markup(nodes: tuple[Inline, ...], style: MarkupStyle = MarkupStyle()) -> str:
    """reportlab `Paragraph` markup; all text escaped, so `<img>` prints as text."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(_rl_escape(node.text))
        elif isinstance(node, Code):
            parts.append(f'<font face="{_rl_attr(style.code_font)}">{_rl_escape(node.text)}</font>')
        elif isinstance(node, Strong):
            parts.append(f"<b>{inline_markup(node.children, style)}</b>")
        elif isinstance(node, Emphasis):
            parts.append(f"<i>{inline_markup(node.children, style)}</i>")
        elif isinstance(node, Link):
            inner = inline_markup(node.children, style)
            if node.safe:
                parts.append(
                    f'<a href="{_rl_attr(node.url)}" color="{_rl_attr(style.link_color)}">'
                    f"{inner}</a>"
                )
            else:
                parts.append(inner)
        else:
            parts.append("<br/>" if node.hard else " ")
    return "".join(parts)
