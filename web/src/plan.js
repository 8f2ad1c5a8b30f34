// The plan: what to study today and on each day up to the interview, within a daily
// budget of minutes.  Pure: it is given the items (with their stored cards), the
// scheduler's "Good" intervals and the time, and simulates day by day.
//
// Each new question is introduced at a rate that spreads the rest over the days left,
// weakest tiers and topics first; a question seen once comes back before the date
// (compressed as the scheduler compresses: halfway to the day before it), so each is
// seen at least twice when the budget allows.  "At risk" are those that would not be.

import { DAY } from "./scheduler.js";
import { daysBetween } from "./progress.js";

export const NEW_MINUTES = 3; // reading a new question, its key points and answer
export const REVIEW_MINUTES = 1.5; // recalling it and checking the key points
export const HORIZON = 14; // days the forecast shows without a date

/** Share of Again/Hard grades per tier and per topic: {tier: {}, topic: {}}. */
export function weakness(items) {
  const sums = { tier: {}, topic: {} };
  const add = (table, name, bad, all) => {
    const t = (table[name] ||= [0, 0]);
    t[0] += bad;
    t[1] += all;
  };
  for (const item of items) {
    if (!item.log || !item.log.length) continue;
    const bad = item.log.filter((e) => e[1] <= 2).length;
    add(sums.tier, item.tier, bad, item.log.length);
    for (const topic of item.topics) add(sums.topic, topic, bad, item.log.length);
  }
  const share = (table) =>
    Object.fromEntries(Object.entries(table).map(([k, [bad, all]]) => [k, bad / all]));
  return { tier: share(sums.tier), topic: share(sums.topic) };
}

function itemWeakness(item, weak) {
  let w = weak.tier[item.tier] || 0;
  for (const topic of item.topics) w = Math.max(w, weak.topic[topic] || 0);
  return w;
}

/** Local midnight starting the day `date` ("YYYY-MM-DD"). */
export function startOfDate(date) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d).getTime();
}

export function dateOf(now, days) {
  const d = new Date(now);
  const at = new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/**
 * items: [{key, tier, topics, card (stored, or null when new), log}], in bank order.
 * intervals: days until the next review after the 1st, 2nd, ... "Good" of a new card.
 * Returns {days, queue, reviewsToday, newToday, forecast: [{date, reviews, fresh}],
 *          atRisk, atRiskKeys, seen: {key: [days it is studied on]}}.
 */
export function makePlan({
  items,
  now,
  date = null,
  minutes,
  intervals,
  newMinutes = NEW_MINUTES,
  reviewMinutes = REVIEW_MINUTES,
}) {
  const days = date ? daysBetween(now, startOfDate(date)) : null;
  const horizon = date ? Math.max(0, days) : HORIZON;
  const lastDay = date ? days - 1 : Infinity; // the last day to study on
  const weak = weakness(items);
  const sims = items.map((item, order) => ({
    key: item.key,
    order,
    views: item.card ? item.card.reps : 0,
    due: item.card ? Math.max(0, daysBetween(now, item.card.due)) : null,
    dueAt: item.card ? item.card.due : null,
    weak: itemWeakness(item, weak),
    seen: [],
  }));
  const fresh = sims
    .filter((s) => s.views === 0)
    .sort((a, b) => b.weak - a.weak || a.order - b.order);
  let nextNew = 0;
  const next = (s, day) => {
    const iv = intervals[Math.min(s.views, intervals.length) - 1] || 1;
    let at = day + iv;
    if (date && s.views < 2 && at >= lastDay && day < lastDay) {
      at = day + Math.max(1, Math.round((lastDay - day) / 2));
    }
    return at;
  };
  // What was studied earlier today counts against today's budget.
  let spent = 0;
  for (const item of items) {
    (item.log || []).forEach(([at], i) => {
      if (daysBetween(now, at) === 0) spent += i === 0 ? newMinutes : reviewMinutes;
    });
  }
  const forecast = [];
  let queue = [];
  let reviewsToday = 0;
  // Reviews by the day they fall due (overdue ones on day 0), so a day looks only at
  // its own cards, not at the whole bank.
  const byDay = new Map();
  const schedule = (s) => {
    if (s.due >= horizon) return;
    if (!byDay.has(s.due)) byDay.set(s.due, []);
    byDay.get(s.due).push(s);
  };
  for (const s of sims) if (s.views > 0) schedule(s);
  let carried = [];
  for (let day = 0; day < horizon; day++) {
    let budget = day === 0 ? Math.max(0, minutes - spent) : minutes;
    const due = carried
      .concat(byDay.get(day) || [])
      .sort((a, b) => a.due - b.due || (a.dueAt ?? 0) - (b.dueAt ?? 0) || a.order - b.order);
    byDay.delete(day);
    carried = [];
    let reviews = 0;
    for (const s of due) {
      if (budget < reviewMinutes) {
        carried.push(s); // not reached today: first in line tomorrow
        continue;
      }
      budget -= reviewMinutes;
      reviews++;
      s.views++;
      s.seen.push(day);
      s.due = next(s, day);
      s.dueAt = null;
      schedule(s);
      if (day === 0) queue.push(s.key);
    }
    const left = fresh.length - nextNew;
    const spread = date ? Math.ceil(left / Math.max(1, lastDay - day)) : left;
    const fits = Math.floor(budget / newMinutes + 1e-9);
    const introduce = Math.max(0, Math.min(left, spread, fits));
    for (let i = 0; i < introduce; i++) {
      const s = fresh[nextNew++];
      s.views = 1;
      s.seen.push(day);
      s.due = next(s, day);
      schedule(s);
      if (day === 0) queue.push(s.key);
    }
    if (day === 0) reviewsToday = reviews;
    forecast.push({ date: dateOf(now, day), reviews, fresh: introduce });
  }
  if (horizon === 0) queue = [];
  const atRiskKeys = date ? sims.filter((s) => s.views < 2).map((s) => s.key) : [];
  return {
    days,
    queue,
    reviewsToday,
    newToday: queue.length - reviewsToday,
    forecast,
    atRisk: atRiskKeys.length,
    atRiskKeys,
    seen: Object.fromEntries(sims.map((s) => [s.key, s.seen])),
  };
}

/** The smallest whole number of minutes a day (up to `cap`) at which nothing is at
 *  risk, or null when even `cap` is not enough. */
export function minutesNeeded(options, cap = 600) {
  if (makePlan({ ...options, minutes: cap }).atRisk > 0) return null;
  let lo = 0;
  let hi = cap;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (makePlan({ ...options, minutes: mid }).atRisk > 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

export { DAY };
