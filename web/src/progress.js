// Progress: the learner's state for one bank, kept across bank versions, exported and
// imported as JSON.  Pure functions only; storage.js reads and writes it.
//
// Items are keyed as the Anki notes are: the question id, and "<id>/key-points" for a
// question's key-point recall item.  Each remembers the version its question's text
// last changed in when it was studied, so a new page can tell what changed since.

import { DAY } from "./scheduler.js";

export const FORMAT = "prepdeck-progress";
export const FORMAT_VERSION = 1;
export const RECALL = "/key-points";
const LOG_LIMIT = 100; // reviews kept per item
const MARKS = ["knew", "again"];

export function emptyProgress(bank, version) {
  return {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    bank,
    bankVersion: version,
    items: {},
    marks: {},
    plan: { date: null, minutes: 30, retention: 0.9 },
  };
}

/** obj[key] = value, also for a key such as "__proto__" (which `=` would not store). */
export function put(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

export function questionId(key) {
  const at = key.indexOf("/");
  return at === -1 ? key : key.slice(0, at);
}

/** The page's item keys: each question, then (where the bank has recall cards) its
 *  key-point recall item. */
export function itemKeys(page) {
  const keys = [];
  for (const q of page.questions) {
    keys.push(q.id);
    if (page.recall && q.keyPoints > 0) keys.push(q.id + RECALL);
  }
  return keys;
}

/**
 * Bring `progress` (from any earlier version of the bank) to `page` ({bank, version,
 * recall, questions: [{id, changed, keyPoints}]}):
 * unchanged questions keep their state; changed ones keep their history, are flagged
 * with the version they changed in and are due now; new ones are new (no item);
 * removed ones drop out.  Returns {progress, changed: [keys], removed: [keys]}.
 */
export function migrate(progress, page, now) {
  const byId = new Map(page.questions.map((q) => [q.id, q]));
  const wanted = new Set(itemKeys(page));
  const items = {};
  const changed = [];
  const removed = [];
  for (const key of Object.keys(progress.items).sort()) {
    const item = progress.items[key];
    const question = byId.get(questionId(key));
    if (!question || !wanted.has(key)) {
      removed.push(key);
      continue;
    }
    if (item.changed !== question.changed) {
      changed.push(key);
      put(items, key, {
        ...item,
        changed: question.changed,
        flag: question.changed,
        card: { ...item.card, due: Math.min(item.card.due, now) },
      });
    } else {
      put(items, key, item);
    }
  }
  const marks = {};
  for (const id of Object.keys(progress.marks || {})) {
    if (byId.has(id)) put(marks, id, progress.marks[id]);
  }
  return {
    progress: { ...progress, bank: page.bank, bankVersion: page.version, items, marks },
    changed,
    removed,
  };
}

/** Record a review of `key` (its new stored card, the rating) in `progress`, in place. */
export function recordReview(progress, key, question, card, rating, now) {
  const before = progress.items[key];
  const log = before ? before.log.slice(-(LOG_LIMIT - 1)) : [];
  log.push([now, rating]);
  put(progress.items, key, { card, changed: question.changed, log });
}

export function exportProgress(progress, now) {
  const out = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    bank: progress.bank,
    bankVersion: progress.bankVersion,
    exported: new Date(now).toISOString(),
    items: progress.items,
    marks: progress.marks,
    plan: progress.plan,
  };
  return JSON.stringify(out, null, 1) + "\n";
}

// -- reading a file back: every check the JSON Schema makes, with a message a learner can act on

const CARD_FIELDS = [
  "due",
  "stability",
  "difficulty",
  "elapsed_days",
  "scheduled_days",
  "learning_steps",
  "reps",
  "lapses",
  "state",
];

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isNumber(v) {
  return typeof v === "number" && Number.isFinite(v);
}

function checkItem(key, item) {
  if (!isObject(item)) return `item "${key}" is not an object`;
  if (typeof item.changed !== "string") return `item "${key}" has no "changed" version`;
  if (item.flag !== undefined && typeof item.flag !== "string") return `item "${key}": bad "flag"`;
  const card = item.card;
  if (!isObject(card)) return `item "${key}" has no card`;
  for (const f of CARD_FIELDS) {
    if (!isNumber(card[f])) return `item "${key}": card field "${f}" is not a number`;
  }
  if (card.last_review !== null && !isNumber(card.last_review)) {
    return `item "${key}": "last_review" is not a time`;
  }
  if (!Array.isArray(item.log) || !item.log.every((e) => Array.isArray(e) && e.length === 2 && isNumber(e[0]) && [1, 2, 3, 4].includes(e[1]))) {
    return `item "${key}": "log" is not a list of [time, rating 1-4]`;
  }
  return "";
}

/**
 * Parse an exported file for the bank `bank`: {progress} or {error: "why"}.
 * Files of a newer format version are refused rather than half read.
 */
export function parseImport(text, bank) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: "the file is not JSON" };
  }
  if (!isObject(data) || data.format !== FORMAT) {
    return { error: "the file is not a prepdeck progress export" };
  }
  if (!Number.isInteger(data.formatVersion) || data.formatVersion < 1) {
    return { error: "the file has no format version" };
  }
  if (data.formatVersion > FORMAT_VERSION) {
    return { error: `the file is format ${data.formatVersion}; this page reads format ${FORMAT_VERSION}: open it with a newer page` };
  }
  if (data.bank !== bank) {
    return { error: `the file is progress for "${String(data.bank)}", not "${bank}"` };
  }
  if (typeof data.bankVersion !== "string") return { error: 'the file has no "bankVersion"' };
  if (!isObject(data.items)) return { error: 'the file has no "items"' };
  const items = {};
  for (const key of Object.keys(data.items)) {
    const problem = checkItem(key, data.items[key]);
    if (problem) return { error: problem };
    put(items, key, data.items[key]);
  }
  const marks = {};
  if (data.marks !== undefined) {
    if (!isObject(data.marks)) return { error: '"marks" is not an object' };
    for (const id of Object.keys(data.marks)) {
      if (!MARKS.includes(data.marks[id])) return { error: `mark of "${id}" is not knew/again` };
      put(marks, id, data.marks[id]);
    }
  }
  const plan = emptyProgress(bank, "").plan;
  if (isObject(data.plan)) {
    const p = data.plan;
    if (p.date === null || (typeof p.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(p.date))) plan.date = p.date;
    if (isNumber(p.minutes) && p.minutes > 0) plan.minutes = p.minutes;
    if (isNumber(p.retention) && p.retention > 0.5 && p.retention < 1) plan.retention = p.retention;
  }
  return {
    progress: {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      bank,
      bankVersion: data.bankVersion,
      items,
      marks,
      plan,
    },
  };
}

function lastReview(item) {
  return item.log.length ? item.log[item.log.length - 1][0] : (item.card.last_review ?? 0);
}

/** `current` with `incoming` merged in: per item the one reviewed last; the plan
 *  and marks of the incoming file where it has them. */
export function mergeProgress(current, incoming) {
  const items = { ...current.items };
  for (const key of Object.keys(incoming.items)) {
    const mine = Object.hasOwn(items, key) ? items[key] : null;
    if (!mine || lastReview(incoming.items[key]) >= lastReview(mine)) {
      put(items, key, incoming.items[key]);
    }
  }
  return {
    ...current,
    items,
    marks: { ...current.marks, ...incoming.marks },
    plan: incoming.plan.date || !current.plan.date ? incoming.plan : current.plan,
  };
}

/** Days from `from` to `to` (calendar days in local time). */
export function daysBetween(from, to) {
  const a = new Date(from);
  const b = new Date(to);
  const start = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const end = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((end - start) / DAY);
}
