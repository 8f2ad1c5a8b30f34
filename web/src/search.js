// Search: accent- and case-folded matching ("schlussel" finds "Schlüssel"), question
// numbers ("Q2.3") and ids, and the ranges of each match for highlighting.

const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const SPECIAL = { ß: "ss", æ: "ae", œ: "oe", ø: "o", ł: "l", đ: "d", ı: "i" };

// Letters that may carry accents (Latin, Greek, Cyrillic) or are combining marks: text
// without any (most of an English bank) only needs lowercasing, which is far cheaper
// than normalizing 30 MB of a 10,000-question page when it opens.
const ACCENTABLE = /[\u00c0-\u024f\u0300-\u036f\u0370-\u04ff\u1e00-\u1eff]/;

/** Lowercase, accents off.  Each character of the result comes from one of the input. */
export function fold(text) {
  const lower = text.toLowerCase();
  if (!ACCENTABLE.test(lower)) return lower;
  return lower
    .normalize("NFD")
    .replace(MARKS, "")
    .replace(/[ßæœøłđı]/g, (c) => SPECIAL[c]);
}

/** `text` folded, with map[i] = the index in `text` that folded character i came from. */
export function foldWithMap(text) {
  let out = "";
  const map = [];
  for (let i = 0; i < text.length; i++) {
    const f = fold(text[i]);
    for (let j = 0; j < f.length; j++) map.push(i);
    out += f;
  }
  map.push(text.length);
  return { text: out, map };
}

/** The search terms of a query: folded words, each a whole label when it looks like one. */
export function terms(query) {
  return fold(query).split(/\s+/).filter(Boolean);
}

const LABEL = /^q\d+(\.\d+)?$/;

/** Whether an item ({text, label, id}, text folded) matches every term.  "Q2.3" finds
 *  that question, "Q2" its tier's questions; an id finds its question. */
export function matches(item, words) {
  for (const w of words) {
    if (LABEL.test(w)) {
      const label = item.label.toLowerCase();
      if (!(label === w || label.startsWith(w + "."))) return false;
    } else if (item.text.indexOf(w) === -1 && item.id.indexOf(w) === -1) {
      return false;
    }
  }
  return true;
}

/** [start, end) of each occurrence of the words in `text` (original offsets). */
export function ranges(text, words) {
  const { text: folded, map } = foldWithMap(text);
  const found = [];
  for (const w of words) {
    if (LABEL.test(w)) continue;
    let at = folded.indexOf(w);
    while (at !== -1) {
      found.push([map[at], map[at + w.length - 1] + 1]);
      at = folded.indexOf(w, at + w.length);
    }
  }
  return found.sort((a, b) => a[0] - b[0]);
}
