// The study view: one card at a time.  Reveal goes hint -> key points (a checklist,
// the rubric) -> model answer; grade Again/Hard/Good/Easy by 1-4 or the buttons.
import { h, partBody } from "./dom.js";
import { PARTS } from "./page.js";
import { recordReview, RECALL } from "./progress.js";
import { describeInterval, GRADES } from "./scheduler.js";

export function makeStudy({ section, page, store, scheduler, deadline, queueToday, onLeave, announce }) {
  const byKey = new Map();
  for (const q of page.questions) byKey.set(q.id, q);
  let queue = [];
  let at = 0;
  let step = 0; // parts shown so far
  let steps = [];
  let key = "";

  const count = h("p", { class: "pd-study-count", id: "pd_study_count", role: "status" });
  const back = h("button", { type: "button", class: "pd-back", "data-back": "" }, "← Back to the list");
  const card = h("article", { class: "pd-card", "aria-labelledby": "pd_card_q" });
  const reveal = h("button", { type: "button", class: "pd-reveal", id: "pd_reveal" });
  const gradeButtons = GRADES.map((g) =>
    h(
      "button",
      { type: "button", class: `pd-grade pd-grade-${g.rating}`, "data-rating": String(g.rating) },
      h("span", { class: "pd-grade-name" }, g.name),
      h("span", { class: "pd-grade-when" }),
      h("kbd", { class: "pd-grade-key", "aria-hidden": "true" }, String(g.rating)),
    ),
  );
  const grades = h("div", { class: "pd-grades", role: "group", "aria-label": "How well did you know it?" }, ...gradeButtons);
  const done = h("div", { class: "pd-study-done", hidden: true });
  section.replaceChildren(
    h("div", { class: "pd-view-bar" }, back, count),
    h("h2", { class: "pd-visually-hidden", id: "pd_study_h" }, "Study"),
    card,
    done,
    h("div", { class: "pd-study-actions" }, reveal),
    grades,
  );

  function itemOf(k) {
    const recall = k.endsWith(RECALL);
    return { question: byKey.get(recall ? k.slice(0, -RECALL.length) : k), recall };
  }

  function show() {
    done.hidden = at < queue.length;
    card.hidden = grades.hidden = reveal.hidden = at >= queue.length;
    if (at >= queue.length) {
      count.textContent = queue.length ? `All ${queue.length} done for today` : "Nothing due today";
      done.replaceChildren(
        h("p", { class: "pd-done-text" }, queue.length
          ? "That is today’s queue. Come back tomorrow, or study more from the plan."
          : "Nothing is due now. Set a plan to bring in new questions, or browse the list."),
        h("button", { type: "button", "data-back": "" }, "Back to the list"),
      );
      return;
    }
    key = queue[at];
    const { question, recall } = itemOf(key);
    const item = Object.hasOwn(store.progress.items, key) ? store.progress.items[key] : null;
    count.textContent = `${at + 1} of ${queue.length} due today`;
    const el = question.el;
    const qText = el.querySelector(".pd-q-text").cloneNode(true);
    qText.className = "pd-card-q-text";
    const meta = [h("span", { class: "pd-label" }, question.label), " · " + el.querySelector(".pd-meta").textContent];
    if (recall) meta.push(h("span", { class: "pd-tag" }, "key-point recall"));
    if (item && item.flag) meta.push(h("span", { class: "pd-tag pd-tag-changed" }, `changed in ${item.flag}`));
    if (!item) meta.push(h("span", { class: "pd-tag" }, "new"));
    const parts = [];
    if (!recall) {
      const hint = partBody(el, PARTS.hint);
      if (hint) parts.push({ name: "hint", label: "Show hint", node: h("div", { class: "pd-card-part pd-card-hint" }, h("p", { class: "pd-heading" }, "Hint"), hint) });
    }
    if (question.keyPoints) {
      const list = h("ul", { class: "pd-checklist" });
      el.querySelectorAll(".pd-keypoints li").forEach((li, i) => {
        const id = `pd_kp_${i}`;
        const text = li.cloneNode(true);
        list.appendChild(h("li", {}, h("input", { type: "checkbox", id }), h("label", { for: id }, ...Array.from(text.childNodes))));
      });
      parts.push({ name: "points", label: "Show key points", node: h("div", { class: "pd-card-part pd-card-points" }, h("p", { class: "pd-heading" }, "Key points: tick those you had"), list) });
    }
    const answer = partBody(el, PARTS.answer);
    if (answer) parts.push({ name: "answer", label: "Show model answer", node: h("div", { class: "pd-card-part pd-card-answer" }, h("p", { class: "pd-heading" }, "Model answer"), answer) });
    steps = parts;
    step = 0;
    for (const p of parts) p.node.hidden = true;
    card.replaceChildren(
      h("p", { class: "pd-card-meta" }, ...meta),
      h("h3", { class: "pd-card-q", id: "pd_card_q" }, qText),
      ...(recall ? [h("p", { class: "pd-card-ask" }, "Say the key points, then check them.")] : []),
      ...parts.map((p) => p.node),
    );
    const when = scheduler.preview(item ? item.card : null, Date.now(), deadline());
    gradeButtons.forEach((b, i) => {
      b.querySelector(".pd-grade-when").textContent = describeInterval(when[i + 1] - Date.now());
    });
    showReveal();
  }

  function showReveal() {
    reveal.hidden = step >= steps.length;
    if (step < steps.length) reveal.textContent = steps[step].label;
  }

  function revealNext() {
    if (at >= queue.length || step >= steps.length) return;
    steps[step].node.hidden = false;
    announce(steps[step].label.replace("Show ", "") + " shown");
    step++;
    showReveal();
    if (step >= steps.length) gradeButtons[2].focus();
  }

  function grade(rating) {
    if (at >= queue.length) return;
    const now = Date.now();
    const before = Object.hasOwn(store.progress.items, key) ? store.progress.items[key].card : null;
    const next = scheduler.grade(before, rating, now, deadline());
    recordReview(store.progress, key, itemOf(key).question, next, rating, now);
    store.save();
    at++;
    show();
    announce(`${GRADES[rating - 1].name}: back in ${describeInterval(next.due - now)}`);
    (at < queue.length ? reveal : done.querySelector("button")).focus();
  }

  section.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-back")) onLeave();
    else if (target === reveal) revealNext();
    else if (target.dataset.rating) grade(Number(target.dataset.rating));
  });

  return {
    open(keys) {
      queue = keys || queueToday();
      at = 0;
      show();
      (at < queue.length ? reveal : done.querySelector("button")).focus();
    },
    key(event) {
      if (event.key >= "1" && event.key <= "4") grade(Number(event.key));
      else if (event.key === " " || event.key === "r") {
        // Space on a button or checkbox is that control's own.
        if (event.key === " " && ["BUTTON", "INPUT"].includes(event.target.tagName)) return false;
        revealNext();
      } else return false;
      return true;
    },
    get position() {
      return { at, total: queue.length };
    },
  };
}

