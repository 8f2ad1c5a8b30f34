import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emptyProgress,
  exportProgress,
  itemKeys,
  mergeProgress,
  migrate,
  parseImport,
  recordReview,
} from "../src/progress.js";
import { DAY, makeScheduler } from "../src/scheduler.js";

const NOW = Date.UTC(2026, 2, 1, 10);
const scheduler = makeScheduler(0.9);

const OLD = {
  bank: "b",
  version: "1.1.0",
  recall: true,
  questions: [
    { id: "same", changed: "1.0.0", keyPoints: 2 },
    { id: "edited", changed: "1.1.0", keyPoints: 1 },
    { id: "dropped", changed: "1.0.0", keyPoints: 1 },
  ],
};
const NEW = {
  bank: "b",
  version: "1.2.0",
  recall: true,
  questions: [
    { id: "same", changed: "1.0.0", keyPoints: 2 },
    { id: "edited", changed: "1.2.0", keyPoints: 1 },
    { id: "added", changed: "1.2.0", keyPoints: 1 },
  ],
};

function studied(page) {
  const progress = emptyProgress(page.bank, page.version);
  for (const key of itemKeys(page)) {
    const q = page.questions.find((x) => key.startsWith(x.id));
    let card = null;
    for (const [t, rating] of [[NOW - 9 * DAY, 3], [NOW - 6 * DAY, 3]]) {
      card = scheduler.grade(card, rating, t, null);
      recordReview(progress, key, q, card, rating, t);
    }
  }
  progress.marks = { same: "knew", dropped: "again" };
  return progress;
}

test("the page's items: each question and its key-point recall", () => {
  assert.deepEqual(itemKeys(OLD), [
    "same", "same/key-points", "edited", "edited/key-points", "dropped", "dropped/key-points",
  ]);
  assert.deepEqual(itemKeys({ ...OLD, recall: false }), ["same", "edited", "dropped"]);
});

test("a new version: unchanged keep state, changed keep history and are flagged, removed drop out", () => {
  const before = studied(OLD);
  const { progress, changed, removed } = migrate(before, NEW, NOW);
  assert.deepEqual(changed, ["edited", "edited/key-points"]);
  assert.deepEqual(removed, ["dropped", "dropped/key-points"]);
  assert.deepEqual(progress.items.same, before.items.same);
  assert.deepEqual(progress.items["same/key-points"], before.items["same/key-points"]);
  const edited = progress.items.edited;
  assert.equal(edited.flag, "1.2.0");
  assert.equal(edited.changed, "1.2.0");
  assert.deepEqual(edited.log, before.items.edited.log);
  assert.equal(edited.card.reps, before.items.edited.card.reps);
  assert.ok(before.items.edited.card.due > NOW && edited.card.due === NOW, "due again now");
  assert.equal(progress.items.added, undefined);
  assert.deepEqual(progress.marks, { same: "knew" });
  assert.equal(progress.bankVersion, "1.2.0");
  // Migrating again changes nothing more.
  const again = migrate(progress, NEW, NOW + DAY);
  assert.deepEqual(again.changed, []);
  assert.deepEqual(again.progress.items, progress.items);
  // A review clears the flag.
  recordReview(progress, "edited", NEW.questions[1], edited.card, 3, NOW);
  assert.equal(progress.items.edited.flag, undefined);
});

test("recall items drop out when the bank stops asking for recall cards", () => {
  const { progress, removed } = migrate(studied(OLD), { ...OLD, recall: false }, NOW);
  assert.deepEqual(removed, ["dropped/key-points", "edited/key-points", "same/key-points"]);
  assert.deepEqual(Object.keys(progress.items).sort(), ["dropped", "edited", "same"]);
});

test("export then import gives the same progress back", () => {
  const progress = studied(OLD);
  progress.plan = { date: "2026-03-12", minutes: 45, retention: 0.85 };
  const text = exportProgress(progress, NOW);
  const data = JSON.parse(text);
  assert.equal(data.format, "prepdeck-progress");
  assert.equal(data.formatVersion, 1);
  assert.equal(data.exported, "2026-03-01T10:00:00.000Z");
  const back = parseImport(text, "b");
  assert.equal(back.error, undefined);
  assert.deepEqual(back.progress, progress);
  // And once more: the second export is the first, byte for byte.
  assert.equal(exportProgress(back.progress, NOW), text);
});

test("an import from an older version, merged, then migrated", () => {
  const mine = emptyProgress("b", "1.2.0");
  const later = scheduler.grade(null, 1, NOW - DAY, null);
  recordReview(mine, "same", NEW.questions[0], later, 1, NOW - DAY);
  const file = exportProgress(studied(OLD), NOW - 5 * DAY);
  const { progress } = parseImport(file, "b");
  const merged = mergeProgress(mine, progress);
  assert.deepEqual(merged.items.same, mine.items.same, "the newer review wins");
  const { progress: result, changed, removed } = migrate(merged, NEW, NOW);
  assert.deepEqual(changed, ["edited", "edited/key-points"]);
  assert.deepEqual(removed, ["dropped", "dropped/key-points"]);
  assert.equal(result.items["same/key-points"].log.length, 2);
});

test("a bad file is refused with a reason, never half read", () => {
  const good = JSON.parse(exportProgress(studied(OLD), NOW));
  const cases = [
    ["not json {", "not JSON"],
    [JSON.stringify({ ...good, format: "x" }), "not a prepdeck progress export"],
    [JSON.stringify({ ...good, formatVersion: 2 }), "format 2"],
    [JSON.stringify({ ...good, bank: "other" }), 'progress for "other"'],
    [JSON.stringify({ ...good, items: { q: { changed: "1", card: {}, log: [] } } }), "card field"],
    [JSON.stringify({ ...good, items: { q: { ...good.items.same, log: [[1, 7]] } } }), '"log"'],
    [JSON.stringify({ ...good, marks: { q: "maybe" } }), "knew/again"],
    ["[]", "not a prepdeck"],
  ];
  for (const [text, reason] of cases) {
    const result = parseImport(text, "b");
    assert.ok(result.error && result.error.includes(reason), `${reason}: ${result.error}`);
    assert.equal(result.progress, undefined);
  }
  // "__proto__" as an item key stays a key, never a prototype.
  const proto = JSON.stringify(good).replace('"same":', '"__proto__":');
  const result = parseImport(proto, "b");
  assert.equal(result.error, undefined);
  assert.equal(Object.getPrototypeOf(result.progress.items), Object.prototype);
  assert.ok(Object.hasOwn(result.progress.items, "__proto__"));
});
