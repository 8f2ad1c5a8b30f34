// The scheduler adapter: the only module that talks to ts-fsrs.  Everything else sees
// plain stored cards (numbers and strings, so JSON keeps them exactly) and ratings 1-4.
import { createEmptyCard, fsrs, generatorParameters } from "ts-fsrs";

export const DAY = 86400000;

export const GRADES = [
  { rating: 1, name: "Again" },
  { rating: 2, name: "Hard" },
  { rating: 3, name: "Good" },
  { rating: 4, name: "Easy" },
];

/** A card as stored: ts-fsrs' Card with times as epoch milliseconds. */
export function store(card) {
  return {
    due: card.due.getTime(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: card.state,
    last_review: card.last_review ? card.last_review.getTime() : null,
  };
}

function load(stored) {
  const card = {
    due: new Date(stored.due),
    stability: stored.stability,
    difficulty: stored.difficulty,
    elapsed_days: stored.elapsed_days,
    scheduled_days: stored.scheduled_days,
    learning_steps: stored.learning_steps,
    reps: stored.reps,
    lapses: stored.lapses,
    state: stored.state,
  };
  if (stored.last_review != null) card.last_review = new Date(stored.last_review);
  return card;
}

/**
 * A scheduler for one retention target.  `deadline` (epoch ms of the interview day's
 * start, or null) compresses: a card seen fewer than twice whose next review would
 * fall on or after the date comes back halfway between now and the day before it.
 */
export function makeScheduler(retention = 0.9) {
  const f = fsrs(
    generatorParameters({ request_retention: retention, enable_fuzz: false, enable_short_term: false }),
  );

  function next(stored, rating, now, deadline) {
    const card = stored ? load(stored) : createEmptyCard(new Date(now));
    const result = store(f.next(card, new Date(now), rating).card);
    return compress(result, now, deadline);
  }

  return {
    retention,
    /** The stored card after grading `rating` at `now`. */
    grade: next,
    /** When each grade would bring the card back: {1: due, 2: due, 3: due, 4: due}. */
    preview(stored, now, deadline) {
      const out = {};
      for (const g of GRADES) out[g.rating] = next(stored, g.rating, now, deadline).due;
      return out;
    },
    /** The chance of recalling it now (0-1), or null for a card never seen. */
    retrievability(stored, now) {
      if (!stored || stored.reps === 0) return null;
      return f.get_retrievability(load(stored), new Date(now), false);
    },
    /** Days between reviews of a new card answered "Good" each time (the plan's
     *  forecast): after the 1st, 2nd, ... review. */
    intervals(count = 8) {
      const out = [];
      let card = null;
      let at = 0;
      for (let i = 0; i < count; i++) {
        card = next(card, 3, at, null);
        out.push(Math.max(1, Math.round((card.due - at) / DAY)));
        at = card.due;
      }
      return out;
    },
  };
}

export function compress(card, now, deadline) {
  if (deadline == null || card.reps >= 2) return card;
  const lastDay = deadline - DAY;
  if (card.due < lastDay || now >= lastDay) return card;
  const due = Math.max(now, Math.round(now + (lastDay - now) / 2));
  return { ...card, due, scheduled_days: Math.round((due - now) / DAY) };
}

/** A short "in 3 days" for a grade button. */
export function describeInterval(ms) {
  const minutes = Math.round(ms / 60000);
  if (minutes < 60) return `${Math.max(1, minutes)} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h`;
  const days = Math.round(ms / DAY);
  if (days < 31) return `${days} d`;
  const months = Math.round(days / 30.4);
  if (months < 12) return `${months} mo`;
  return `${(days / 365).toFixed(1)} y`;
}
