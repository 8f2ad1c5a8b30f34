// The plan view: the interview date, minutes a day and retention target; today's
// queue, a forecast chart to the date, and what is at risk.
import { h, plural } from "./dom.js";
import { HORIZON, minutesNeeded, NEW_MINUTES, REVIEW_MINUTES } from "./plan.js";

export function makePlanView({ section, store, computePlan, planOptions, onStudy, onLeave, onChange }) {
  const dateInput = h("input", { type: "date", id: "pd_plan_date", name: "date" });
  const minutesInput = h("input", { type: "number", id: "pd_plan_minutes", name: "minutes", min: "5", max: "600", step: "5", inputmode: "numeric" });
  const retention = h(
    "select",
    { id: "pd_plan_retention", name: "retention" },
    ...[0.8, 0.85, 0.9, 0.95].map((r) => h("option", { value: String(r) }, `${Math.round(r * 100)} %`)),
  );
  const summary = h("p", { class: "pd-plan-summary", id: "pd_plan_summary", role: "status" });
  const risk = h("p", { class: "pd-plan-risk", id: "pd_plan_risk" });
  const chart = h("ol", { class: "pd-chart", id: "pd_plan_chart", "aria-labelledby": "pd_chart_h", tabindex: "0" });
  const start = h("button", { type: "button", class: "pd-primary", id: "pd_plan_start" }, "Study today’s queue");
  const form = h(
    "form",
    { class: "pd-plan-form", id: "pd_plan_form" },
    h("div", { class: "pd-field" }, h("label", { for: "pd_plan_date" }, "Interview date"), dateInput),
    h("div", { class: "pd-field" }, h("label", { for: "pd_plan_minutes" }, "Minutes a day"), minutesInput),
    h("div", { class: "pd-field" }, h("label", { for: "pd_plan_retention" }, "Retention target"), retention),
    h("button", { type: "button", id: "pd_plan_nodate" }, "No date"),
  );
  section.replaceChildren(
    h("div", { class: "pd-view-bar" }, h("button", { type: "button", class: "pd-back", "data-back": "" }, "← Back to the list")),
    h("h2", { id: "pd_plan_h" }, "Your plan"),
    form,
    h("p", { class: "pd-plan-note" }, `A new question counts ${NEW_MINUTES} minutes, a review ${REVIEW_MINUTES}. Without a date, cards come back when FSRS expects your recall to fall to the retention target.`),
    summary,
    risk,
    h("h3", { id: "pd_chart_h" }, "Cards a day"),
    h("p", { class: "pd-legend", "aria-hidden": "true" }, h("span", { class: "pd-key-new" }), " new ", h("span", { class: "pd-key-reviews" }), " reviews"),
    chart,
    start,
  );

  function fill() {
    const plan = store.progress.plan;
    dateInput.value = plan.date || "";
    minutesInput.value = String(plan.minutes);
    retention.value = String(plan.retention);
  }

  function render() {
    const plan = computePlan();
    const p = store.progress.plan;
    const minutes = plan.reviewsToday * REVIEW_MINUTES + plan.newToday * NEW_MINUTES;
    const today = `Today: ${plural(plan.reviewsToday, "review")} and ${plural(plan.newToday, "new question")} (about ${Math.round(minutes)} minutes).`;
    if (p.date && plan.days <= 0) {
      summary.textContent = `The date ${p.date} is today or past. ${today}`;
    } else if (p.date) {
      summary.textContent = `${plural(plan.days, "day")} to ${p.date}. ${today}`;
    } else {
      summary.textContent = `No date set: plain FSRS at ${Math.round(p.retention * 100)} % retention. ${today}`;
    }
    risk.hidden = !p.date;
    if (p.date) {
      if (plan.atRisk) {
        const need = minutesNeeded(planOptions());
        risk.textContent =
          `${plural(plan.atRisk, "question")} will not be seen twice before the date at this budget` +
          (need ? `; ${need} minutes a day would cover them all.` : "; no daily budget can cover them all in the days left.");
        risk.className = "pd-plan-risk pd-at-risk";
      } else {
        risk.textContent = "Every question is seen at least twice before the date at this budget.";
        risk.className = "pd-plan-risk";
      }
    }
    const days = plan.forecast;
    const peak = Math.max(1, ...days.map((d) => d.reviews + d.fresh));
    chart.replaceChildren(
      ...days.map((d) => {
        const total = d.reviews + d.fresh;
        const reviews = h("span", { class: "pd-bar-reviews" });
        const fresh = h("span", { class: "pd-bar-new" });
        reviews.style.height = `${(d.reviews / peak) * 100}%`;
        fresh.style.height = `${(d.fresh / peak) * 100}%`;
        const day = new Date(d.date + "T12:00:00");
        return h(
          "li",
          { class: "pd-chart-day", title: `${d.date}: ${d.reviews} reviews, ${d.fresh} new` },
          h("span", { class: "pd-bar", "aria-hidden": "true" }, fresh, reviews),
          h("span", { class: "pd-chart-n" }, String(total)),
          h("span", { class: "pd-chart-date" }, day.toLocaleDateString(undefined, { weekday: "narrow" }), h("br"), String(day.getDate())),
          h("span", { class: "pd-visually-hidden" }, `: ${plural(d.reviews, "review")}, ${plural(d.fresh, "new")}`),
        );
      }),
    );
    if (!p.date) chart.setAttribute("aria-label", `Cards a day, the next ${HORIZON} days`);
    start.textContent = plan.queue.length ? `Study today’s ${plural(plan.queue.length, "card")}` : "Nothing to study today";
    start.disabled = !plan.queue.length;
  }

  function change() {
    const plan = store.progress.plan;
    plan.date = /^\d{4}-\d{2}-\d{2}$/.test(dateInput.value) ? dateInput.value : null;
    const minutes = Number(minutesInput.value);
    if (Number.isFinite(minutes) && minutes > 0) plan.minutes = Math.min(600, minutes);
    plan.retention = Number(retention.value) || 0.9;
    store.save();
    onChange();
    render();
  }

  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("change", change);
  form.addEventListener("click", (e) => {
    if (e.target.id === "pd_plan_nodate") {
      dateInput.value = "";
      change();
    }
  });
  section.addEventListener("click", (e) => {
    if (e.target.closest("[data-back]")) onLeave();
    else if (e.target === start) onStudy();
  });

  return {
    open() {
      fill();
      render();
      dateInput.focus();
    },
  };
}
