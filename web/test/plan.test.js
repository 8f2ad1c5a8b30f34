import assert from "node:assert/strict";
import { test } from "node:test";
import { dateOf, makePlan, minutesNeeded, REVIEW_MINUTES, NEW_MINUTES } from "../src/plan.js";
import { makeScheduler } from "../src/scheduler.js";

const NOW = new Date(2026, 0, 5, 9, 30).getTime();
const INTERVALS = makeScheduler(0.9).intervals();

function bank(n, tiers = ["a", "b"]) {
  return Array.from({ length: n }, (_, i) => ({
    key: `q-${i}`,
    tier: tiers[i % tiers.length],
    topics: [],
    card: null,
    log: [],
  }));
}

function checkBudget(plan, minutes) {
  for (const day of plan.forecast) {
    assert.ok(day.reviews * REVIEW_MINUTES + day.fresh * NEW_MINUTES <= minutes + 1e-9, day.date);
  }
}

test("the intervals come from FSRS and grow", () => {
  assert.equal(INTERVALS.length, 8);
  for (let i = 1; i < INTERVALS.length; i++) assert.ok(INTERVALS[i] > INTERVALS[i - 1]);
});

test("with enough minutes every question is studied at least twice before the date", () => {
  const items = bank(40);
  const date = dateOf(NOW, 12);
  const plan = makePlan({ items, now: NOW, date, minutes: 60, intervals: INTERVALS });
  assert.equal(plan.days, 12);
  assert.equal(plan.forecast.length, 12);
  assert.equal(plan.atRisk, 0);
  for (const item of items) {
    const seen = plan.seen[item.key];
    assert.ok(seen.length >= 2, `${item.key} seen ${seen}`);
    assert.ok(seen.every((d) => d >= 0 && d < 12));
    assert.ok(seen[1] > seen[0], "on different days");
  }
  checkBudget(plan, 60);
  // New questions are spread over the days, not all on the first.
  assert.ok(plan.forecast[0].fresh < 40);
  assert.deepEqual(plan.queue.length, plan.forecast[0].reviews + plan.forecast[0].fresh);
});

test("the at-risk count is exact when the budget is too small (worked by hand)", () => {
  // 10 questions, 3 days, 6 minutes a day: day 0 introduces 2 (A, B), compressed back
  // to day 1; day 1 reviews A, B (3 min) and introduces C, back on day 2; day 2
  // reviews C and introduces D.  A, B, C are seen twice; D once; 6 never: 7 at risk.
  const items = bank(10);
  const plan = makePlan({ items, now: NOW, date: dateOf(NOW, 3), minutes: 6, intervals: INTERVALS });
  assert.deepEqual(plan.forecast.map((d) => [d.reviews, d.fresh]), [[0, 2], [2, 1], [1, 1]]);
  assert.equal(plan.atRisk, 7);
  assert.deepEqual(plan.atRiskKeys, ["q-3", "q-4", "q-5", "q-6", "q-7", "q-8", "q-9"]);
  assert.deepEqual(plan.seen["q-0"], [0, 1]);
  assert.deepEqual(plan.queue, ["q-0", "q-1"]);
});

test("at the minutes needed nothing is at risk, and one minute less something is", () => {
  for (const [n, days] of [[25, 5], [60, 10], [7, 2], [120, 20]]) {
    const options = { items: bank(n), now: NOW, date: dateOf(NOW, days), intervals: INTERVALS };
    const need = minutesNeeded(options);
    assert.ok(need !== null);
    const enough = makePlan({ ...options, minutes: need });
    assert.equal(enough.atRisk, 0, `${n} in ${days} days at ${need} min`);
    assert.ok(Object.values(enough.seen).every((s) => s.length >= 2 && s[s.length - 1] < days));
    checkBudget(enough, need);
    assert.ok(makePlan({ ...options, minutes: need - 1 }).atRisk > 0);
  }
});

test("a date too close leaves every unseen question at risk; one day leaves them seen once", () => {
  const items = bank(5);
  const today = makePlan({ items, now: NOW, date: dateOf(NOW, 0), minutes: 600, intervals: INTERVALS });
  assert.equal(today.atRisk, 5);
  assert.deepEqual(today.queue, []);
  const tomorrow = makePlan({ items, now: NOW, date: dateOf(NOW, 1), minutes: 600, intervals: INTERVALS });
  assert.equal(tomorrow.atRisk, 5);
  assert.equal(tomorrow.newToday, 5);
});

test("weakest tiers and topics come first", () => {
  const items = bank(6, ["easy", "hard"]);
  items[1].card = { reps: 2, due: NOW + 10 * 86400000 };
  items[1].log = [[NOW - 2 * 86400000, 1], [NOW - 86400000, 2]];
  items[0].card = { reps: 2, due: NOW + 10 * 86400000 };
  items[0].log = [[NOW - 2 * 86400000, 3], [NOW - 86400000, 4]];
  // Four new questions over two study days: two today, from the weaker tier.
  const plan = makePlan({ items, now: NOW, date: dateOf(NOW, 3), minutes: 6, intervals: INTERVALS });
  assert.deepEqual(plan.queue, ["q-3", "q-5"]);
});

test("without a date: plain FSRS, as many new as the budget leaves room for", () => {
  const items = bank(30);
  items[0].card = { reps: 1, due: NOW - 1000 };
  items[0].log = [[NOW - 3 * 86400000, 3]];
  const plan = makePlan({ items, now: NOW, date: null, minutes: 30, intervals: INTERVALS });
  assert.equal(plan.days, null);
  assert.equal(plan.atRisk, 0);
  assert.equal(plan.forecast.length, 14);
  assert.equal(plan.queue[0], "q-0");
  assert.equal(plan.reviewsToday, 1);
  assert.equal(plan.newToday, Math.floor((30 - REVIEW_MINUTES) / NEW_MINUTES));
});

test("what was studied earlier today comes off today's budget", () => {
  const items = bank(30);
  const fresh = makePlan({ items, now: NOW, date: null, minutes: 30, intervals: INTERVALS });
  assert.equal(fresh.newToday, 10);
  for (const item of items.slice(0, 4)) {
    item.card = { reps: 1, due: NOW + 3 * 86400000 };
    item.log = [[NOW - 3600000, 3]];
  }
  const later = makePlan({ items, now: NOW, date: null, minutes: 30, intervals: INTERVALS });
  assert.equal(later.newToday, 6);
  assert.ok(later.queue.every((key) => !["q-0", "q-1", "q-2", "q-3"].includes(key)));
});
