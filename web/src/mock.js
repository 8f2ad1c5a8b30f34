// The mock interview: pick tiers or topics, a number of questions and minutes per
// question; a timer runs while only the question shows; then tick the key points you
// covered and give an overall 1-5.  The scorecard has a row per question, tier and
// topic with the time used, downloads as Markdown and prints on a page or two.
// Missed key points feed the schedule (an FSRS grade of Again or Hard).
import { h, plural } from "./dom.js";
import { recordReview } from "./progress.js";
import { download } from "./storage.js";

export function mockGrade(covered, total, overall) {
  if (total && covered < total) return covered * 2 < total ? 1 : 2;
  return overall >= 5 ? 4 : overall >= 3 ? 3 : 2;
}

const short = (text) => (text.length > 90 ? text.slice(0, 88).trimEnd() + "…" : text);

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

export function makeMock({ section, page, store, scheduler, deadline, onLeave, announce }) {
  const tiers = Array.from(document.querySelectorAll("#pd_tier option")).filter((o) => o.value).map((o) => [o.value, o.textContent]);
  const topics = Array.from(document.querySelectorAll("#pd_topic option")).filter((o) => o.value).map((o) => [o.value, o.textContent]);
  const tierName = Object.fromEntries(tiers);
  const topicName = Object.fromEntries(topics);
  let run = null;
  let timer = 0;

  const bar = h("div", { class: "pd-view-bar" }, h("button", { type: "button", class: "pd-back", "data-back": "" }, "← Back to the list"));
  const body = h("div", { class: "pd-mock-body" });
  section.replaceChildren(bar, body);

  const checks = (name, options) =>
    h("fieldset", { class: "pd-checks" }, h("legend", {}, name === "tier" ? "Tiers" : "Topics"),
      ...options.map(([value, label]) => h("label", {}, h("input", { type: "checkbox", name, value }), " " + label)));

  function setup() {
    stopTimer();
    run = null;
    body.replaceChildren(
      h("h2", { id: "pd_mock_h" }, "Mock interview"),
      h("p", {}, "Answer aloud or in notes while a timer runs; then check your answer against the key points. Leave every box empty to draw from the whole bank."),
      h("form", { class: "pd-mock-form", id: "pd_mock_form" },
        checks("tier", tiers),
        topics.length ? checks("topic", topics) : null,
        h("div", { class: "pd-mock-numbers" },
          h("div", { class: "pd-field" }, h("label", { for: "pd_mock_count" }, "Questions"), h("input", { type: "number", id: "pd_mock_count", min: "1", max: "50", value: "5", inputmode: "numeric" })),
          h("div", { class: "pd-field" }, h("label", { for: "pd_mock_minutes" }, "Minutes each"), h("input", { type: "number", id: "pd_mock_minutes", min: "1", max: "60", value: "4", inputmode: "numeric" }))),
        h("button", { type: "submit", class: "pd-primary", id: "pd_mock_start" }, "Start the interview"),
        h("p", { class: "pd-mock-error", id: "pd_mock_error", role: "alert" })),
    );
  }

  function begin(form) {
    const picked = (name) => Array.from(form.querySelectorAll(`input[name=${name}]:checked`)).map((i) => i.value);
    const wantTiers = picked("tier");
    const wantTopics = picked("topic");
    const pool = page.questions.filter((q) => (!wantTiers.length || wantTiers.includes(q.tier)) && (!wantTopics.length || q.topics.some((t) => wantTopics.includes(t))));
    const count = Math.max(1, Math.min(50, Math.floor(Number(form.querySelector("#pd_mock_count").value) || 5)));
    const minutes = Math.max(1, Math.min(60, Number(form.querySelector("#pd_mock_minutes").value) || 4));
    if (!pool.length) {
      form.querySelector("#pd_mock_error").textContent = "No question is in all of those tiers and topics.";
      return;
    }
    const chosen = pool.slice();
    for (let i = chosen.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
    }
    run = { questions: chosen.slice(0, count).sort((a, b) => a.index - b.index), minutes, at: 0, rows: [], started: Date.now() };
    ask();
  }

  function stopTimer() {
    if (timer) window.clearInterval(timer);
    timer = 0;
  }

  function ask() {
    const q = run.questions[run.at];
    const text = q.el.querySelector(".pd-q-text").cloneNode(true);
    text.className = "";
    const left = h("p", { class: "pd-timer", id: "pd_mock_timer", "aria-live": "off" });
    run.askedAt = Date.now();
    const tick = () => {
      const used = (Date.now() - run.askedAt) / 1000;
      const remaining = run.minutes * 60 - used;
      left.textContent = remaining >= 0 ? `${clock(remaining)} left` : `${clock(-remaining)} over time`;
      left.classList.toggle("pd-over", remaining < 0);
    };
    tick();
    stopTimer();
    timer = window.setInterval(tick, 1000);
    body.replaceChildren(
      h("p", { class: "pd-mock-count" }, `Question ${run.at + 1} of ${run.questions.length}`),
      left,
      h("h2", { class: "pd-card-q", id: "pd_mock_q" }, h("span", { class: "pd-label" }, q.label), " ", text),
      h("label", { for: "pd_mock_notes", class: "pd-heading" }, "Your notes (optional)"),
      h("textarea", { id: "pd_mock_notes", rows: "5" }),
      h("button", { type: "button", class: "pd-primary", id: "pd_mock_done" }, "Done answering"),
    );
    body.querySelector("#pd_mock_done").focus();
  }

  function check() {
    stopTimer();
    const q = run.questions[run.at];
    run.seconds = Math.round((Date.now() - run.askedAt) / 1000);
    const points = Array.from(q.el.querySelectorAll(".pd-keypoints li"));
    const list = h("ul", { class: "pd-checklist" }, ...points.map((li, i) =>
      h("li", {}, h("input", { type: "checkbox", id: `pd_mock_kp_${i}` }), h("label", { for: `pd_mock_kp_${i}` }, ...Array.from(li.cloneNode(true).childNodes)))));
    const overall = h("fieldset", { class: "pd-overall" }, h("legend", {}, "Overall, 1 (poor) to 5 (excellent)"),
      ...[1, 2, 3, 4, 5].map((n) => h("label", {}, h("input", { type: "radio", name: "pd_overall", value: String(n), checked: n === 3 }), ` ${n}`)));
    const answer = q.el.querySelector(".pd-answer > .pd-fold-body");
    const details = answer ? h("details", { class: "pd-fold pd-answer" }, h("summary", {}, "Model answer"), answer.cloneNode(true)) : null;
    const text = q.el.querySelector(".pd-q-text").cloneNode(true);
    text.className = "";
    body.replaceChildren(
      h("p", { class: "pd-mock-count" }, `Question ${run.at + 1} of ${run.questions.length}: ${clock(run.seconds)} used`),
      h("h2", { class: "pd-card-q", id: "pd_mock_q" }, h("span", { class: "pd-label" }, q.label), " ", text),
      h("p", { class: "pd-heading" }, points.length ? "Tick the key points you covered" : "This question lists no key points"),
      list,
      overall,
      details,
      h("button", { type: "button", class: "pd-primary", id: "pd_mock_next" }, run.at + 1 < run.questions.length ? "Next question" : "See the scorecard"),
    );
    const first = list.querySelector("input") || overall.querySelector("input:checked");
    first.focus();
  }

  function record() {
    const q = run.questions[run.at];
    const boxes = Array.from(body.querySelectorAll(".pd-checklist input"));
    const covered = boxes.filter((b) => b.checked).length;
    const overall = Number((body.querySelector("input[name=pd_overall]:checked") || { value: 3 }).value);
    run.rows.push({ q, covered, total: boxes.length, overall, seconds: run.seconds, missed: boxes.filter((b) => !b.checked).map((b) => b.nextSibling.textContent) });
    const now = Date.now();
    const rating = mockGrade(covered, boxes.length, overall);
    const before = Object.hasOwn(store.progress.items, q.id) ? store.progress.items[q.id].card : null;
    const card = scheduler.grade(before, rating, now, deadline());
    recordReview(store.progress, q.id, q, card, rating, now);
    store.save();
    run.at++;
    if (run.at < run.questions.length) ask();
    else scorecard();
  }

  function groups(key, names) {
    const out = new Map();
    for (const row of run.rows) {
      for (const g of key(row.q)) {
        const s = out.get(g) || { name: names[g] || g, n: 0, covered: 0, total: 0, overall: 0, seconds: 0 };
        s.n++;
        s.covered += row.covered;
        s.total += row.total;
        s.overall += row.overall;
        s.seconds += row.seconds;
        out.set(g, s);
      }
    }
    return Array.from(out.values());
  }

  const pct = (c, t) => (t ? `${Math.round((100 * c) / t)} %` : "–");

  function summaryRows() {
    return [
      ...groups((q) => [q.tier], tierName).map((s) => ["Tier", s]),
      ...groups((q) => q.topics, topicName).map((s) => ["Topic", s]),
    ];
  }

  function scorecard() {
    stopTimer();
    const total = run.rows.reduce((a, r) => a + r.seconds, 0);
    const planned = run.minutes * 60 * run.rows.length;
    const th = (t) => h("th", { scope: "col" }, t);
    const perQuestion = h("table", { class: "pd-score" },
      h("caption", {}, "Per question"),
      h("thead", {}, h("tr", {}, th("Question"), th("Points"), th("Score"), th("Time"))),
      h("tbody", {}, ...run.rows.map((r) => h("tr", {},
        h("th", { scope: "row" }, h("span", { class: "pd-label" }, r.q.label), h("span", { class: "pd-score-q" }, short(r.q.el.querySelector(".pd-q-text").textContent))),
        h("td", {}, `${r.covered} of ${r.total}`), h("td", {}, `${r.overall} / 5`), h("td", {}, clock(r.seconds))))));
    const perGroup = h("table", { class: "pd-score" },
      h("caption", {}, "Per tier and topic"),
      h("thead", {}, h("tr", {}, th("Tier or topic"), th("Asked"), th("Points"), th("Score"), th("Time"))),
      h("tbody", {}, ...summaryRows().map(([kind, s]) => h("tr", {},
        h("th", { scope: "row" }, `${kind}: ${s.name}`), h("td", {}, String(s.n)), h("td", {}, pct(s.covered, s.total)),
        h("td", {}, (s.overall / s.n).toFixed(1)), h("td", {}, clock(s.seconds))))));
    const missed = run.rows.filter((r) => r.covered < r.total).length;
    body.replaceChildren(
      h("h2", { id: "pd_mock_h", class: "pd-score-title" }, "Mock interview scorecard"),
      h("p", { class: "pd-score-total", id: "pd_score_total" }, `${plural(run.rows.length, "question")} · ${clock(total)} used of ${clock(planned)} planned · ${new Date(run.started).toLocaleString()}`),
      perQuestion,
      perGroup,
      h("p", { class: "pd-score-note" }, missed ? `${plural(missed, "question")} with missed key points will come back sooner in your study queue.` : "You covered every key point."),
      h("div", { class: "pd-score-actions" },
        h("button", { type: "button", id: "pd_mock_md" }, "Download as Markdown"),
        h("button", { type: "button", id: "pd_mock_print" }, "Print"),
        h("button", { type: "button", id: "pd_mock_again" }, "Another mock interview")),
    );
    body.querySelector("#pd_mock_h").setAttribute("tabindex", "-1");
    body.querySelector("#pd_mock_h").focus();
    announce("Scorecard ready");
  }

  function markdown() {
    const cell = (t) => String(t).replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
    const title = document.querySelector("h1").textContent;
    const lines = [`# Mock interview: ${cell(title)}`, "", `${new Date(run.started).toISOString().slice(0, 16).replace("T", " ")} · ${run.rows.length} questions · ${clock(run.rows.reduce((a, r) => a + r.seconds, 0))} used`, "",
      "| Question | Key points | Overall | Time |", "|---|---|---|---|",
      ...run.rows.map((r) => `| ${r.q.label} ${cell(r.q.el.querySelector(".pd-q-text").textContent)} | ${r.covered} of ${r.total} | ${r.overall} / 5 | ${clock(r.seconds)} |`),
      "", "| Tier or topic | Questions | Key points | Overall | Time |", "|---|---|---|---|---|",
      ...summaryRows().map(([kind, s]) => `| ${kind}: ${cell(s.name)} | ${s.n} | ${pct(s.covered, s.total)} | ${(s.overall / s.n).toFixed(1)} | ${clock(s.seconds)} |`)];
    const missed = run.rows.filter((r) => r.missed.length);
    if (missed.length) {
      lines.push("", "## Missed key points", "");
      for (const r of missed) for (const m of r.missed) lines.push(`- ${r.q.label}: ${cell(m)}`);
    }
    return lines.join("\n") + "\n";
  }

  section.addEventListener("submit", (e) => {
    e.preventDefault();
    begin(e.target);
  });
  section.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.hasAttribute("data-back")) leave();
    else if (b.id === "pd_mock_done") check();
    else if (b.id === "pd_mock_next") record();
    else if (b.id === "pd_mock_again") setup();
    else if (b.id === "pd_mock_print") window.print();
    else if (b.id === "pd_mock_md") download(`${page.bank}-mock-${new Date(run.started).toISOString().slice(0, 10)}.md`, "text/markdown", markdown());
  });

  function leave() {
    stopTimer();
    onLeave();
  }

  return {
    open() {
      if (!run || run.at >= run.questions.length) setup();
      const first = body.querySelector("input, button.pd-primary");
      if (first) first.focus();
    },
    escape() {
      stopTimer();
      return false;
    },
    markdown,
  };
}
