// The list: every question in bank order (as without script), with search, filters,
// marks and the "again" drill on top.  At most PAGE matches show at once.
import { byId, h, plural } from "./dom.js";
import { PARTS } from "./page.js";
import { fold, matches, ranges, terms } from "./search.js";
import { put } from "./progress.js";

const PAGE = 100;
const HIGHLIGHTS = 3000; // matches highlighted at most (100 questions of a common word)
const HIGHLIGHT_FIRST = 8; // questions marked before the keystroke's frame
const HIGHLIGHT_CHUNK = 12; // then this many per task
const MARK_NAMES = { knew: "knew it", again: "again" };
const FOLDS = [PARTS.hint, PARTS.points, PARTS.answer];

export function makeList({ page, main, store, announce }) {
  const items = page.questions;
  const itemById = new Map(items.map((item) => [item.id, item]));
  const tierSelect = byId("pd_tier");
  const topicSelect = byId("pd_topic");
  const search = byId("pd_q");
  const drillButton = byId("pd_drill");
  const state = { q: "", tier: "", topic: "", drill: false };
  let limit = PAGE;
  let current = null;
  let drillSection = null;
  let drillOrder = null;
  let urlTimer = 0;
  let openedBySearch = [];
  const marks = () => store.progress.marks;

  const sections = Array.from(main.querySelectorAll("section.pd-tier-section")).map((el) => {
    const count = el.querySelector("h2 .pd-count");
    return { el, tier: el.dataset.tier, count, total: items.filter((i) => i.tier === el.dataset.tier).length };
  });

  const more = h("div", { class: "pd pd-more", hidden: true });
  const moreButton = h("button", { type: "button", id: "pd_more" });
  more.appendChild(moreButton);
  main.parentNode.insertBefore(more, main.nextSibling);
  const empty = h("div", { class: "pd pd-empty", id: "pd_empty", hidden: true });
  main.insertBefore(empty, main.firstChild);

  // -- marks -------------------------------------------------------------------------
  const template = h(
    "div",
    { class: "pd-marks", role: "group" },
    h("button", { type: "button", "data-mark": "knew", "aria-pressed": "false" }, "Knew it"),
    h("button", { type: "button", "data-mark": "again", "aria-pressed": "false" }, "Again"),
  );
  for (const item of items) {
    const group = template.cloneNode(true);
    group.setAttribute("aria-label", "Your mark for " + item.label);
    item.el.appendChild(group);
    item.el._pdItem = item;
    if (markOf(item)) showMark(item); // the template is already "no mark"
  }

  function markOf(item) {
    return Object.hasOwn(marks(), item.id) ? marks()[item.id] : "";
  }

  function showMark(item) {
    const mark = markOf(item);
    if (mark) item.el.setAttribute("data-mark", mark);
    else item.el.removeAttribute("data-mark");
    for (const b of item.el.querySelectorAll(".pd-marks button")) {
      b.setAttribute("aria-pressed", String(b.dataset.mark === mark));
    }
  }

  function setMark(item, mark) {
    if (markOf(item) === mark) {
      delete marks()[item.id];
      announce(item.label + ": mark removed");
    } else {
      put(marks(), item.id, mark);
      announce(item.label + ": " + MARK_NAMES[mark]);
    }
    store.save();
    showMark(item);
    onMarks();
  }
  let onMarks = () => {};

  // -- filtering -----------------------------------------------------------------------
  function apply(keepLimit) {
    if (!keepLimit) limit = PAGE;
    const words = terms(state.q);
    const topic = state.topic;
    const order = state.drill && drillOrder ? drillOrder : items;
    const perTier = {};
    let found = 0;
    for (const item of order) {
      let ok =
        (!state.tier || item.tier === state.tier) &&
        (!topic || item.topics.includes(topic)) &&
        (!state.drill || markOf(item) === "again") &&
        (!words.length || matches(item, words));
      if (ok) {
        found++;
        perTier[item.tier] = (perTier[item.tier] || 0) + 1;
        ok = found <= limit;
      }
      if (ok !== item.shown) {
        item.el.hidden = !ok;
        item.shown = ok;
      }
    }
    const filtered = Boolean(words.length || state.tier || topic);
    const shownTiers = {};
    for (const item of order) if (item.shown) shownTiers[item.tier] = true;
    for (const s of sections) {
      const hide = state.drill || !shownTiers[s.tier];
      if (s.el.hidden !== hide) s.el.hidden = hide;
      if (s.count) {
        s.count.textContent = filtered ? `(${perTier[s.tier] || 0} of ${s.total})` : `(${s.total})`;
      }
    }
    const shown = Math.min(found, limit);
    more.hidden = found <= limit;
    moreButton.textContent = `Show ${Math.min(PAGE, found - limit)} more of ${found - limit} left`;
    let message = `Showing ${shown} of ${items.length} questions`;
    if (found > shown) {
      message = `Showing ${shown} of ${found} matching questions (${items.length} in all)`;
    }
    if (state.drill) {
      message = shown
        ? `Drill: ${plural(shown, "“again” question")}, shuffled`
        : "Drill: no question matches; mark some “again” first";
    }
    announce(message);
    showEmpty(found === 0 && !state.drill);
    highlight(words);
    if (current && current.hidden) current = null;
  }

  function showEmpty(on) {
    empty.hidden = !on;
    if (!on) return;
    empty.replaceChildren(
      h("p", { class: "pd-empty-text" }, state.q ? `No question matches “${state.q}”.` : "No question matches these filters."),
      h("p", {}, "Try fewer or shorter words, a number such as Q2.3, or another tier or topic. "),
      h("button", { type: "button", id: "pd_empty_clear" }, "Clear the search and filters"),
    );
  }

  // Matches are highlighted with the CSS Custom Highlight API (no change to the text),
  // and a closed part holding one opens (closed again when the search changes).
  // The first few shown questions are marked before the keystroke's frame is painted;
  // the rest a few at a time after it, so typing never waits for a hundred answers.
  let highlightJob = 0;
  function highlight(words) {
    window.clearTimeout(highlightJob);
    for (const d of openedBySearch) d.open = false;
    openedBySearch = [];
    const supported = typeof CSS !== "undefined" && CSS.highlights && typeof Highlight !== "undefined";
    if (supported) CSS.highlights.delete("pd-match");
    // One letter matches nearly everything: nothing to point at until the second.
    const plain = words.filter((w) => w.length > 1 && !/^q\d+(\.\d+)?$/.test(w));
    if (!plain.length) return;
    const found = supported ? new Highlight() : null;
    if (found) CSS.highlights.set("pd-match", found);
    const shown = items.filter((item) => item.shown);
    let budget = HIGHLIGHTS;
    let next = 0;
    const run = (count) => {
      for (const end = Math.min(shown.length, next + count); next < end; next++) {
        budget = markMatches(shown[next], plain, found, budget);
      }
      if (next < shown.length) highlightJob = window.setTimeout(() => run(HIGHLIGHT_CHUNK), 0);
    };
    run(HIGHLIGHT_FIRST);
  }

  function markMatches(item, plain, found, budget) {
    // Open the first part that holds a match, unless the question itself shows one:
    // every open answer is laid out.
    const question = item.el.getElementsByClassName("pd-q-text")[0];
    let opened = Boolean(question) && plain.some((w) => fold(question.textContent).includes(w));
    const walker = document.createTreeWalker(item.el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const folded = fold(node.data);
      if (!plain.some((w) => folded.includes(w))) continue; // most nodes: one native pass
      if (node.parentElement.closest(".pd-marks, summary")) continue;
      const spans = ranges(node.data, plain);
      if (!spans.length) continue;
      const part = node.parentElement.closest("details");
      if (!opened && part && FOLDS.some((s) => part.matches(s))) {
        opened = true;
        if (!part.open) {
          part.open = true;
          openedBySearch.push(part);
        }
      }
      // StaticRange, not Range: a live range is updated on every change to the
      // document for as long as it lives, which made each later keystroke and grade
      // pay for every match of an earlier search.
      for (const [start, end] of found && budget > 0 ? spans : []) {
        found.add(new StaticRange({ startContainer: node, startOffset: start, endContainer: node, endOffset: end }));
        budget--;
      }
    }
    return budget;
  }

  function scheduleUrl() {
    window.clearTimeout(urlTimer);
    urlTimer = window.setTimeout(writeUrl, 250);
  }

  function writeUrl() {
    window.clearTimeout(urlTimer);
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.tier) params.set("tier", state.tier);
    if (state.topic) params.set("topic", state.topic);
    if (state.drill) params.set("drill", "1");
    const query = params.toString();
    try {
      window.history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    } catch (e) {
      /* some browsers refuse URL changes on file:// pages; the filter still works */
    }
  }

  function validOption(select, value) {
    if (!value) return "";
    return Array.from(select.options).some((o) => o.value === value) ? value : "";
  }

  function readUrl() {
    const params = new URLSearchParams(location.search);
    state.q = params.get("q") || "";
    state.tier = validOption(tierSelect, params.get("tier"));
    state.topic = validOption(topicSelect, params.get("topic"));
    state.drill = params.get("drill") === "1";
    search.value = state.q;
    tierSelect.value = state.tier;
    topicSelect.value = state.topic;
  }

  function clearAll() {
    state.q = search.value = "";
    state.tier = tierSelect.value = "";
    state.topic = topicSelect.value = "";
    if (state.drill) setDrill(false);
    else apply();
    writeUrl();
  }

  // -- the drill -----------------------------------------------------------------------
  function setDrill(on) {
    state.drill = on;
    current = null;
    drillButton.setAttribute("aria-pressed", String(on));
    if (on) {
      const chosen = items.filter((item) => markOf(item) === "again");
      for (let i = chosen.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
      }
      if (!drillSection) {
        drillSection = h(
          "section",
          { class: "pd-drill-section", id: "pd_drill_section", "aria-labelledby": "pd_drill_h" },
          h("h2", { id: "pd_drill_h" }, "Drill: your “again” questions, shuffled"),
        );
      }
      main.insertBefore(drillSection, empty.nextSibling);
      drillOrder = chosen.concat(items.filter((item) => markOf(item) !== "again"));
      for (const item of chosen) {
        item.placeholder = document.createComment("");
        item.el.parentNode.insertBefore(item.placeholder, item.el);
        drillSection.appendChild(item.el);
      }
    } else {
      for (const item of items) {
        if (item.placeholder) {
          item.placeholder.parentNode.replaceChild(item.el, item.placeholder);
          item.placeholder = null;
        }
      }
      drillOrder = null;
      if (drillSection) drillSection.remove();
    }
    apply();
    scheduleUrl();
  }

  // -- moving through the list ---------------------------------------------------------
  function visible() {
    return Array.from(main.querySelectorAll("article.pd-q:not([hidden])"));
  }

  function focusQuestion(el) {
    current = el;
    el.focus();
  }

  function step(delta) {
    let list = visible();
    if (!list.length) return;
    const at = current ? list.indexOf(current) : -1;
    const next = at === -1 ? (delta > 0 ? 0 : list.length - 1) : at + delta;
    if (next >= list.length && !more.hidden) {
      limit += PAGE;
      apply(true);
      list = visible();
    }
    if (next >= 0 && next < list.length) focusQuestion(list[next]);
  }

  function currentOrFirst() {
    if (current && !current.hidden) return current;
    const list = visible();
    if (list.length) focusQuestion(list[0]);
    return current;
  }

  function revealNext() {
    const el = currentOrFirst();
    if (!el) return;
    for (const selector of FOLDS) {
      const part = el.querySelector(selector);
      if (part && !part.open) {
        part.open = true;
        const summary = part.querySelector("summary");
        announce(`${el._pdItem.label}: ${summary ? summary.textContent : "part"} shown`);
        return;
      }
    }
    announce(el._pdItem.label + ": everything is shown");
  }

  /** Scroll to the question or tier the fragment names, and stay there while the
   *  questions above it are laid out (content-visibility estimates their height until
   *  they are drawn).  A fragment that is not one of them, or is malformed, is ignored. */
  function land(hash) {
    let id = "";
    try {
      id = decodeURIComponent(hash.slice(1));
    } catch (e) {
      return;
    }
    const item = itemById.get(id);
    const target = item ? item.el : id.startsWith("tier_") ? byId(id) : null;
    if (!target || target.hidden || !main.contains(target)) return;
    if (item) current = item.el;
    let tries = 0;
    const settle = () => {
      target.scrollIntoView({ block: "start" });
      const top = target.getBoundingClientRect().top;
      if (tries++ < 8 && (top < 0 || top > window.innerHeight / 2)) {
        requestAnimationFrame(settle);
      }
    };
    // Lay out what lies above the target for real, so the estimate cannot push it away.
    main.classList.add("pd-landing");
    settle();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      settle();
      main.classList.remove("pd-landing");
    }));
  }

  // -- events --------------------------------------------------------------------------
  main.addEventListener("focusin", (event) => {
    const el = event.target.closest && event.target.closest("article.pd-q");
    if (el) current = el;
  });
  main.addEventListener("click", (event) => {
    if (event.target.closest("#pd_empty_clear")) {
      clearAll();
      search.focus();
      return;
    }
    const el = event.target.closest && event.target.closest("article.pd-q");
    if (!el) return;
    current = el;
    const button = event.target.closest("button[data-mark]");
    if (button) setMark(el._pdItem, button.dataset.mark);
  });
  byId("pd_form").addEventListener("submit", (event) => event.preventDefault());
  const onSearch = () => {
    if (search.value === state.q) return;
    state.q = search.value;
    apply();
    if (state.q) scheduleUrl();
    else writeUrl();
  };
  search.addEventListener("input", onSearch);
  search.addEventListener("search", onSearch); // Chromium's clear button and Esc
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      if (search.value || state.q) {
        search.value = "";
        onSearch();
      } else {
        (current || main).focus();
      }
    }
  });
  tierSelect.addEventListener("change", () => {
    state.tier = tierSelect.value;
    apply();
    scheduleUrl();
  });
  topicSelect.addEventListener("change", () => {
    state.topic = topicSelect.value;
    apply();
    scheduleUrl();
  });
  moreButton.addEventListener("click", () => {
    const before = visible().length;
    limit += PAGE;
    apply(true);
    const first = visible()[before];
    if (first) focusQuestion(first);
  });
  drillButton.addEventListener("click", () => setDrill(!state.drill));
  byId("pd_clear").addEventListener("click", clearAll);
  window.addEventListener("hashchange", () => land(location.hash));

  return {
    start() {
      readUrl();
      if (state.drill) setDrill(true);
      else apply();
      if (location.hash) land(location.hash);
    },
    apply,
    step,
    revealNext,
    currentOrFirst,
    setMark,
    showAllMarks() {
      for (const item of items) showMark(item);
      if (state.drill) setDrill(false);
    },
    onMarks(fn) {
      onMarks = fn;
    },
    get current() {
      return current;
    },
    get drill() {
      return state.drill;
    },
  };
}
