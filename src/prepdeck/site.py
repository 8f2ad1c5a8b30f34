"""Bank -> one self-contained HTML study page (`dist/<slug>.html`).

Every question is in the HTML, grouped by tier and numbered as in the deck, so the
page works with JavaScript off; the script only adds search, filters, keyboard
study and marks on top.  The page loads nothing: CSS and JS are inline, images are
data: URIs, and a Content-Security-Policy allows exactly those blocks (by hash),
the renderer's table-alignment style attributes (by hash) and data: images.

Markdown goes through `text.py`'s HTML renderer, the one the Anki notes use, so the
page and the cards show the same markup.  Every piece of bank text is escaped
before any markup is added.

The script (`styles/site.js`) is built from `web/src` by esbuild, with the FSRS
scheduler ts-fsrs bundled in (`make site-js`); a test fails when the committed file is
stale.  Each question carries the bank version its note last changed in
(`data-changed`, from the lock), so progress kept in the browser can tell what changed
when a learner opens the next version.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from prepdeck import __version__
from prepdeck import lock as lockfile
from prepdeck.artifacts import BuildOptions, WriterResult
from prepdeck.errors import Problem
from prepdeck.images import image_data
from prepdeck.model import Bank, Question, Reference
from prepdeck.style_folders import DEFAULTS_DIR, read_css
from prepdeck.text import (
    MarkdownImage,
    blocks_html,
    code_css,
    inline_html,
    is_safe_url,
    iter_images,
    parse_blocks,
    parse_inline,
)

CARD_CSS = "anki.css"  # the card's palette and look, shared with the deck
SITE_CSS = "site.css"
SITE_JS = "site.js"
LIVE_RELOAD_JS = "site-live.js"  # preview only; never in a built file

# Ids of the page's own elements contain "_", which question, tier and topic ids
# (kebab-case) cannot, so a question's anchor `#<id>` never collides with them.
MAIN_ID = "pd_main"


def _hash_source(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# Style attributes in the body: only the Markdown renderer writes them (table
# cell alignment); every quote in bank text is escaped, so none comes from content.
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')


def content_security_policy(
    styles: Sequence[str],
    scripts: Sequence[str],
    *,
    live: bool,
    style_attributes: Sequence[str] = (),
) -> str:
    """Nothing from the network: only these exact inline blocks, and data: images.
    `style_attributes` are allowed by hash too ('unsafe-hashes' admits exactly those
    values, nothing else).  The preview adds `connect-src 'self'` for its reload poll."""
    style_sources = [_hash_source(s) for s in styles]
    if style_attributes:
        style_sources.append("'unsafe-hashes'")
        style_sources += [_hash_source(a) for a in sorted(set(style_attributes))]
    parts = [
        "default-src 'none'",
        "img-src data:",
        "style-src " + " ".join(style_sources),
        "script-src " + " ".join(_hash_source(s) for s in scripts),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if live:
        parts.append("connect-src 'self'")
    return "; ".join(parts)


# Pygments' light colours, and its dark ones when the reader's system is dark.
# (`code_css` leaves out the rules of a side given no selectors.)
CODE_CSS = (
    code_css(light=(".pd .code",), dark=())
    + "@media screen and (prefers-color-scheme: dark) {\n"
    + code_css(light=(), dark=(".pd .code",))
    + "}\n"
)


def _default_text(name: str) -> str:
    return (DEFAULTS_DIR / name).read_text(encoding="utf-8")


def page(
    *,
    title: str,
    language: str,
    body: str,
    style_dirs: Sequence[Path],
    description: str = "",
    live_reload: bool = False,
    build_id: str = "",
    with_script: bool = True,
) -> str:
    """A whole document around `body` (already escaped HTML)."""
    # The card's style (with the project's overrides, as in Anki), the code colours,
    # then the page's.
    css = "\n".join([read_css(CARD_CSS, style_dirs), CODE_CSS, read_css(SITE_CSS, style_dirs)])
    scripts = [_default_text(SITE_JS)] if with_script else []
    if live_reload:
        scripts.append(_default_text(LIVE_RELOAD_JS))
    csp = content_security_policy(
        [css], scripts, live=live_reload, style_attributes=_STYLE_ATTRIBUTE.findall(body)
    )
    head = [
        "<!doctype html>",
        f'<html lang="{escape(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f'<meta name="generator" content="prepdeck {escape(__version__)}">',
    ]
    if live_reload:
        head.append(f'<meta name="prepdeck-build" content="{escape(build_id)}">')
    if description:
        head.append(f'<meta name="description" content="{escape(description)}">')
    head += [f"<title>{escape(title)}</title>", f"<style>{css}</style>", "</head>"]
    tail = "".join(f"<script>{s}</script>" for s in scripts)
    return "\n".join([*head, body, tail, "</html>", ""])


# -- the study page --------------------------------------------------------------------


def render_site(
    bank: Bank,
    *,
    content_dir: Path | None = None,
    style_dirs: Sequence[Path] = (),
    live_reload: bool = False,
    build_id: str = "",
    changed: Mapping[str, str] | None = None,
) -> str:
    """The study page for `bank` as one HTML string (deterministic).  `changed` maps a
    question id to the bank version its text last changed in (default: this version).
    `live_reload` and `build_id` are for `prepdeck preview` only."""
    changed = changed or {}
    topic_names = {t.id: t.name for t in bank.topics}
    images = PageImages(bank, content_dir)
    used_topics = [t for t in bank.topics if any(t.id in q.tags for q in bank.questions)]
    count = len(bank.questions)
    parts: list[str] = [
        f'<body class="card pd-site" data-bank="{escape(bank.slug)}" '
        f'data-version="{escape(bank.version)}" data-notes="{escape(" ".join(bank.anki_notes))}">',
        f'<a class="pd-skip" href="#{MAIN_ID}">Skip to the questions</a>',
        *([images.defs] if images.defs else []),
        '<header class="pd pd-head">',
        f"<h1>{escape(bank.title)}</h1>",
    ]
    blurb = bank.blurb("site")  # the page's own words, else the deck's description
    if blurb:
        parts.append(f'<p class="pd-desc">{escape(blurb)}</p>')
    facts = [f"version {bank.version}", f"{count} question{'s' if count != 1 else ''}"]
    if bank.reviewed:
        facts.append(f"claims checked {bank.reviewed}")
    if bank.filter_description:
        facts.append(bank.filter_description)
    if bank.license:
        facts.append(f"licence {bank.license}")
    parts.append(f'<p class="pd-facts">{escape(" · ".join(facts))}</p>')
    parts.append('<nav class="pd-toc" aria-label="Tiers"><ol>')
    for tier in bank.tiers:
        n = len(bank.questions_in(tier))
        parts.append(
            f'<li><a href="#tier_{escape(tier.id)}">{escape(tier.name)}</a> '
            f'<span class="pd-count">({n})</span></li>'
        )
    parts += ["</ol></nav>", "</header>"]
    parts.append(_tools(bank, used_topics))
    parts.append(f'<main id="{MAIN_ID}" class="pd-main" tabindex="-1">')
    for tier in bank.tiers:
        questions = bank.questions_in(tier)
        parts.append(
            f'<section class="pd-tier-section" id="tier_{escape(tier.id)}" '
            f'data-tier="{escape(tier.id)}" aria-labelledby="tier_{escape(tier.id)}_h">'
            f'<h2 id="tier_{escape(tier.id)}_h">{tier.position} · {escape(tier.name)} '
            f'<span class="pd-count">({len(questions)})</span></h2>'
        )
        parts.extend(
            _question(bank, q, topic_names, images, changed.get(q.id, bank.version))
            for q in questions
        )
        parts.append("</section>")
    parts.append("</main>")
    parts.append(_VIEWS)
    footer = [bank.title, f"version {bank.version}"]
    if bank.author:
        footer.append(bank.author)
    if bank.license:
        footer.append(f"licence {bank.license}")
    parts.append(
        f'<footer class="pd pd-foot"><p>{escape(" · ".join(footer))}. '
        f"Made with prepdeck.</p></footer>"
    )
    parts.append("</body>")
    return page(
        title=bank.title,
        language=bank.language,
        body="\n".join(parts),
        style_dirs=style_dirs,
        description=blurb,
        live_reload=live_reload,
        build_id=build_id,
    )


def _tools(bank: Bank, used_topics: Sequence[object]) -> str:
    """Search, filters, marks and the key list: hidden until the script shows them,
    since none of them works without it."""
    tier_options = "".join(
        f'<option value="{escape(t.id)}">{escape(t.name)}</option>' for t in bank.tiers
    )
    topic_options = "".join(
        f'<option value="{escape(t.id)}">{escape(t.name)}</option>'
        for t in bank.topics
        if t in used_topics
    )
    return f"""<div class="pd pd-notice" id="pd_notice" role="status" hidden>
<p id="pd_notice_text"></p>
<button type="button" id="pd_notice_export">Export progress</button>
<button type="button" id="pd_notice_close">Dismiss</button></div>
<section class="pd pd-tools" id="pd_tools" aria-label="Study tools" hidden>
<form class="pd-search" role="search" id="pd_form">
<div class="pd-field pd-field-q"><label for="pd_q">Search</label>
<input id="pd_q" name="q" type="search" autocomplete="off" spellcheck="false"
 placeholder="words, Q2.3 or an id"></div>
<div class="pd-field"><label for="pd_tier">Tier</label>
<select id="pd_tier" name="tier"><option value="">All tiers</option>{tier_options}</select></div>
<div class="pd-field"><label for="pd_topic">Topic</label>
<select id="pd_topic" name="topic"><option value="">All topics</option>{topic_options}
</select></div>
</form>
<p class="pd-status" id="pd_status" role="status" aria-live="polite"></p>
<div class="pd-actions">
<button type="button" id="pd_study_open" class="pd-primary">Study</button>
<button type="button" id="pd_plan_open">Plan</button>
<button type="button" id="pd_mock_open">Mock interview</button>
<button type="button" id="pd_drill" aria-pressed="false">Drill “again”</button>
<button type="button" id="pd_clear">Show all</button>
<button type="button" id="pd_progress_open" popovertarget="pd_progress_pop">Progress</button>
<button type="button" id="pd_keys_open" class="pd-keys-open"
 popovertarget="pd_keys_pop">Keyboard</button>
</div>
<div class="pd pd-pop" id="pd_progress_pop" popover aria-labelledby="pd_progress_h">
<h2 id="pd_progress_h">Progress</h2>
<ul class="pd-progress" id="pd_progress"></ul>
<p class="pd-pop-row"><button type="button" id="pd_export">Export progress</button>
<label class="pd-file"><span>Import progress</span>
<input type="file" id="pd_import_file" accept=".json,application/json"></label></p>
<p class="pd-import-status" id="pd_import_status" role="status"></p>
<p class="pd-pop-row"><button type="button" id="pd_reset">Reset marks</button></p>
<p class="pd-confirm" id="pd_reset_confirm" hidden><span id="pd_reset_question"></span>
<button type="button" id="pd_reset_yes">Remove the marks</button>
<button type="button" id="pd_reset_no">Keep them</button></p>
<button type="button" class="pd-pop-close" popovertarget="pd_progress_pop"
 popovertargetaction="hide">Close</button>
</div>
<div class="pd pd-pop" id="pd_keys_pop" popover aria-labelledby="pd_keys_h">
<h2 id="pd_keys_h">Keyboard</h2>
<p>In the list, when the focus is not in a text field:</p>
<dl>
<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>next / previous question</dd>
<dt><kbd>r</kbd></dt><dd>reveal the next part: hint, then key points, then answer</dd>
<dt><kbd>1</kbd> / <kbd>2</kbd></dt><dd>mark “knew it” / “again”</dd>
<dt><kbd>s</kbd></dt><dd>study today&rsquo;s cards</dd>
<dt><kbd>/</kbd></dt><dd>search; <kbd>Esc</kbd> clears it</dd>
</dl>
<p>Studying: <kbd>Space</kbd> or <kbd>r</kbd> reveals, <kbd>1</kbd>&ndash;<kbd>4</kbd> grade
Again, Hard, Good, Easy; <kbd>Esc</kbd> goes back to the list.</p>
<p><label><input type="checkbox" id="pd_keys_on" checked> Use the single-key shortcuts
in the list</label></p>
<button type="button" class="pd-pop-close" popovertarget="pd_keys_pop"
 popovertargetaction="hide">Close</button>
</div>
</section>"""


# The views the script fills: one card at a time, the plan, the mock interview.
_VIEWS = (
    '<section class="pd pd-view" id="pd_study" aria-labelledby="pd_study_h" hidden></section>\n'
    '<section class="pd pd-view" id="pd_plan" aria-labelledby="pd_plan_h" hidden></section>\n'
    '<section class="pd pd-view" id="pd_mock" aria-labelledby="pd_mock_h" hidden></section>'
)


def _question(
    bank: Bank,
    question: Question,
    topic_names: dict[str, str],
    images: PageImages,
    changed: str,
) -> str:
    qid = escape(question.id)
    topics = ", ".join(topic_names.get(t, t) for t in question.tags)
    meta = escape(question.tier.name) + (f" · {escape(topics)}" if topics else "")
    key_points = "".join(f"<li>{inline_html(parse_inline(p))}</li>" for p in question.key_points)
    refs = "".join(f"<li>{_reference_html(r)}</li>" for r in bank.cited(question))
    parts = [
        f'<article class="pd pd-q" id="{qid}" data-tier="{escape(question.tier.id)}" '
        f'data-topics="{escape(" ".join(question.tags))}" data-changed="{escape(changed)}" '
        f'aria-labelledby="{qid}_h" '
        f'tabindex="-1">',
        f'<h3 class="pd-question" id="{qid}_h"><a class="pd-label" href="#{qid}">'
        f"{escape(question.label)}</a> "
        f'<span class="pd-q-text">{inline_html(parse_inline(question.question))}</span></h3>',
        f'<p class="pd-meta">{meta}</p>',
    ]
    if question.hint:
        parts.append(_fold("pd-hint-fold", "Hint", inline_html(parse_inline(question.hint))))
    if key_points:
        parts.append(_fold("pd-keypoints", "Key points", f"<ul>{key_points}</ul>"))
    if question.answer:
        answer = blocks_html(parse_blocks(question.answer), images.src, image_markup=images.markup)
        parts.append(_fold("pd-answer", "Model answer", answer))
    if refs:
        parts.append(
            f'<div class="pd-refs"><p class="pd-heading">References</p><ul>{refs}</ul></div>'
        )
    parts.append("</article>")
    return "".join(parts)


class PageImages:
    """The answers' images as the page embeds them: each file once, as a data: URI.

    An image one answer shows is an `<img>` with that URI.  An image shown more
    than once is defined once, as an SVG `<symbol>` in a hidden block at the top of
    the page (`defs`), and each place that shows it is an `<svg>` that `<use>`s it:
    no script needed, and the page grows by a few dozen bytes per extra reference,
    not by the image again."""

    def __init__(self, bank: Bank, content_dir: Path | None) -> None:
        uses: dict[str, int] = {}
        for question in bank.questions:
            for image in iter_images(parse_blocks(question.answer)):
                uses[image.src] = uses.get(image.src, 0) + 1
        self.uris: dict[str, str] = {}
        self.shared: dict[str, tuple[str, int, int]] = {}  # src -> (symbol id, w, h)
        symbols: list[str] = []
        for src, count in uses.items():
            data = image_data(bank.images, content_dir, src)
            uri = f"data:{data.mime_type};base64," + base64.b64encode(data.data).decode("ascii")
            if count == 1:
                self.uris[src] = uri
                continue
            symbol = f"pd-img-{len(self.shared) + 1}"
            self.shared[src] = (symbol, data.width, data.height)
            symbols.append(
                f'<symbol id="{symbol}" viewBox="0 0 {data.width} {data.height}">'
                f'<image width="{data.width}" height="{data.height}" href="{uri}"/></symbol>'
            )
        self.defs = (
            f'<svg class="pd-img-defs" hidden aria-hidden="true">{"".join(symbols)}</svg>'
            if symbols
            else ""
        )

    def src(self, path: str) -> str:
        return self.uris[path]

    def markup(self, image: MarkdownImage) -> str | None:
        shared = self.shared.get(image.src)
        if shared is None:
            return None
        symbol, width, height = shared
        alt = escape(image.alt)
        return (
            f'<p class="figure"><svg class="pd-img" role="img" aria-label="{alt}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f'<title>{alt}</title><use href="#{symbol}"/></svg></p>'
        )


def _fold(kind: str, summary: str, body: str) -> str:
    return (
        f'<details class="pd-fold {kind}"><summary>{summary}</summary>'
        f'<div class="pd-fold-body">{body}</div></details>'
    )


def _reference_html(ref: Reference) -> str:
    title = escape(ref.title)
    if is_safe_url(ref.url):
        return f'<a href="{escape(ref.url)}">{title}</a>'
    return title


# -- the preview's problems page -----------------------------------------------------------


def render_problems(
    problems: Sequence[Problem],
    *,
    content_dir: Path,
    style_dirs: Sequence[Path] = (),
    build_id: str = "",
) -> str:
    """What the preview shows instead of stale cards while the content is invalid."""
    items = "".join(
        f'<li><code class="pd-where">{escape(p.path)}:{p.line}:{p.column}</code> '
        f'<span class="pd-level pd-level-{escape(str(p.level))}">{escape(str(p.level))}'
        f"[{escape(p.rule)}]</span> {escape(p.message)}</li>"
        for p in problems
    )
    errors = sum(1 for p in problems if p.is_error)
    body = (
        '<body class="card pd-site">'
        f'<main id="{MAIN_ID}" class="pd pd-problems">'
        f"<h1>{errors} problem{'s' if errors != 1 else ''} in {escape(str(content_dir))}</h1>"
        "<p>Fix them and save; this page reloads by itself.</p>"
        f'<ol class="pd-problem-list">{items}</ol></main></body>'
    )
    return page(
        title=f"Problems: {content_dir}",
        language="en",
        body=body,
        style_dirs=style_dirs,
        live_reload=True,
        build_id=build_id,
        with_script=False,
    )


# -- the writer ----------------------------------------------------------------------


def changed_versions(bank: Bank, options: BuildOptions) -> dict[str, str]:
    """Question id -> the bank version its note last changed in, as the lock will say
    after this build: the lock's version where the note renders as the lock recorded
    it, else this version (new, or changed now).  No lock (or one that cannot be read:
    the deck's writer reports it) means this version for all."""
    from prepdeck.anki import collect_media, render_note  # the note's hash, as the deck has it

    try:
        lock = lockfile.read_lock(lockfile.path_for(options))
    except lockfile.LockFormatError:
        lock = None
    if lock is None or lock.bank != bank.slug:
        return {}
    media = collect_media(bank, options.content_dir)
    recorded = lock.changed_in()
    versions = {}
    for question in bank.questions:
        entry = lock.notes.get(lockfile.note_key(question.id))
        if entry is None or not recorded.get(question.id):
            continue
        note = render_note(bank, question, media)
        # A lock of an older format carries the older hash of the same note.
        if entry.hash in (note.hash, note.legacy_hash):
            versions[question.id] = recorded[question.id]
    return versions


def write_site(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    page = render_site(
        bank,
        content_dir=options.content_dir,
        style_dirs=options.style_dirs,
        changed=changed_versions(bank, options),
    )
    dest.write_bytes(page.encode("utf-8"))
    return WriterResult()
