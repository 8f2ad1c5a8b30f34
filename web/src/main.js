// prepdeck's study page: the list (search, filters, marks), a study view with FSRS
// scheduling, a plan to the interview date, a mock interview, and progress that
// survives new versions of the bank, on top of a page that shows every question
// without this script.  No network: progress lives in localStorage and in the
// JSON files the learner exports.
import { byId, h, isField, plural } from "./dom.js";
import { makeList } from "./list.js";
import { makeMock } from "./mock.js";
import { makePlan, startOfDate } from "./plan.js";
import { makePlanView } from "./planview.js";
import { exportProgress, itemKeys, mergeProgress, migrate, parseImport, questionId } from "./progress.js";
import { readPage } from "./page.js";
import { makeScheduler } from "./scheduler.js";
import { askToPersist, download, openStore } from "./storage.js";
import { makeStudy } from "./study.js";

function start() {
  const body = document.body;
  const main = byId("pd_main");
  const tools = byId("pd_tools");
  if (!main || !tools || !body.dataset.bank) return;
  const status = byId("pd_status");
  const announce = (message) => {
    status.textContent = message;
  };
  const page = readPage(body, main);
  const store = openStore(page, Date.now());
  const byQuestion = new Map(page.questions.map((q) => [q.id, q]));
  let scheduler = makeScheduler(store.progress.plan.retention);
  const deadline = () => (store.progress.plan.date ? startOfDate(store.progress.plan.date) : null);

  // -- the plan's inputs: every item with its stored card --------------------------------
  let intervals = scheduler.intervals();
  function planOptions() {
    const items = itemKeys(page).map((key) => {
      const q = byQuestion.get(questionId(key));
      const stored = Object.hasOwn(store.progress.items, key) ? store.progress.items[key] : null;
      return { key, tier: q.tier, topics: q.topics, card: stored ? stored.card : null, log: stored ? stored.log : [] };
    });
    const p = store.progress.plan;
    return { items, now: Date.now(), date: p.date, minutes: p.minutes, intervals };
  }
  const computePlan = () => makePlan(planOptions());

  // -- views ---------------------------------------------------------------------------
  const list = makeList({ page, main, store, announce });
  const views = {};
  let view = "";
  let returnFocus = null;
  function show(name) {
    if (view && views[view]) views[view].section.hidden = true;
    view = name;
    if (name) {
      returnFocus = returnFocus || document.activeElement;
      body.dataset.view = name;
      views[name].section.hidden = false;
      window.scrollTo(0, 0);
    } else {
      delete body.dataset.view;
      updateCounts();
      renderProgress();
      const back = returnFocus;
      returnFocus = null;
      if (back && back.isConnected && back !== document.body) back.focus();
    }
  }
  const leave = () => show("");

  views.study = { section: byId("pd_study") };
  views.study.view = makeStudy({
    section: views.study.section,
    page,
    store,
    scheduler: { preview: (...a) => scheduler.preview(...a), grade: (...a) => scheduler.grade(...a) },
    deadline,
    queueToday: () => computePlan().queue,
    onLeave: leave,
    announce,
  });
  views.plan = { section: byId("pd_plan") };
  views.plan.view = makePlanView({
    section: views.plan.section,
    store,
    computePlan,
    planOptions,
    onStudy: () => openStudy(),
    onLeave: leave,
    onChange: () => {
      scheduler = makeScheduler(store.progress.plan.retention);
      intervals = scheduler.intervals();
    },
  });
  views.mock = { section: byId("pd_mock") };
  views.mock.view = makeMock({
    section: views.mock.section,
    page,
    store,
    scheduler: { grade: (...a) => scheduler.grade(...a) },
    deadline,
    onLeave: leave,
    announce,
  });

  function openStudy() {
    show("study");
    views.study.view.open();
  }

  const studyButton = byId("pd_study_open");
  function updateCounts() {
    const plan = computePlan();
    studyButton.textContent = plan.queue.length ? `Study · ${plan.queue.length} today` : "Study";
  }
  studyButton.addEventListener("click", openStudy);
  byId("pd_plan_open").addEventListener("click", () => {
    show("plan");
    views.plan.view.open();
  });
  byId("pd_mock_open").addEventListener("click", () => {
    show("mock");
    views.mock.view.open();
  });

  // -- progress: per tier, export, import, reset ------------------------------------------
  const progressList = byId("pd_progress");
  const tierRows = Array.from(main.querySelectorAll("section.pd-tier-section")).map((section) => {
    const heading = section.querySelector("h2");
    const name = heading ? heading.firstChild.textContent.replace(/^\s*\d+\s*·\s*/, "").trim() : "";
    const bar = h("progress", {});
    const text = h("span", {});
    progressList.appendChild(h("li", {}, h("span", { class: "pd-progress-name" }, name), bar, text));
    return { tier: section.dataset.tier, name, bar, text };
  });
  function renderProgress() {
    const marks = store.progress.marks;
    const items = store.progress.items;
    for (const row of tierRows) {
      let total = 0;
      let knew = 0;
      let again = 0;
      let studied = 0;
      for (const q of page.questions) {
        if (q.tier !== row.tier) continue;
        total++;
        if (marks[q.id] === "knew") knew++;
        else if (marks[q.id] === "again") again++;
        if (Object.hasOwn(items, q.id)) studied++;
      }
      row.bar.max = total || 1;
      row.bar.value = studied;
      row.bar.setAttribute("aria-label", `${row.name}: studied ${studied} of ${total}`);
      row.text.textContent = `${studied} studied · ${knew} knew · ${again} again · of ${total}`;
    }
  }
  list.onMarks(renderProgress);

  function exportFile() {
    store.flush();
    const stamp = new Date().toISOString().slice(0, 10);
    download(`${page.bank}-progress-${stamp}.json`, "application/json", exportProgress(store.progress, Date.now()));
    store.progress.settings.exported = Date.now();
    store.save();
  }
  byId("pd_export").addEventListener("click", exportFile);
  const importStatus = byId("pd_import_status");
  byId("pd_import_file").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    file.text().then((text) => {
      const parsed = parseImport(text, page.bank);
      if (parsed.error) {
        importStatus.textContent = `Not imported: ${parsed.error}.`;
        return;
      }
      const settings = store.progress.settings;
      const merged = mergeProgress(store.progress, parsed.progress);
      const result = migrate(merged, page, Date.now());
      result.progress.settings = settings;
      store.replace(result.progress);
      store.flush();
      scheduler = makeScheduler(store.progress.plan.retention);
      intervals = scheduler.intervals();
      const kept = Object.keys(parsed.progress.items).length - result.removed.filter((k) => Object.hasOwn(parsed.progress.items, k)).length;
      const parts = [`Imported progress of version ${parsed.progress.bankVersion}: ${plural(kept, "item")}`];
      const changedQ = result.changed.filter((k) => !k.includes("/"));
      if (changedQ.length) parts.push(`${plural(changedQ.length, "question")} changed since (due again)`);
      const removedQ = result.removed.filter((k) => !k.includes("/"));
      if (removedQ.length) parts.push(`${plural(removedQ.length, "question")} no longer in the bank`);
      importStatus.textContent = parts.join("; ") + ".";
      list.showAllMarks();
      renderProgress();
      updateCounts();
      event.target.value = "";
    });
  });
  const resetButton = byId("pd_reset");
  const resetConfirm = byId("pd_reset_confirm");
  resetButton.addEventListener("click", () => {
    const n = Object.keys(store.progress.marks).length;
    if (!n) {
      announce("There are no marks to remove");
      return;
    }
    byId("pd_reset_question").textContent = `Remove all ${plural(n, "mark")}? Your study progress stays.`;
    resetConfirm.hidden = false;
    byId("pd_reset_no").focus();
  });
  byId("pd_reset_no").addEventListener("click", () => {
    resetConfirm.hidden = true;
    resetButton.focus();
  });
  byId("pd_reset_yes").addEventListener("click", () => {
    store.progress.marks = {};
    store.save();
    list.showAllMarks();
    renderProgress();
    resetConfirm.hidden = true;
    resetButton.focus();
    announce("All marks removed");
  });

  // -- what changed since the last visit, and storage that may be cleared -------------------
  const changedQuestions = store.report.changed.filter((k) => !k.includes("/"));
  const notice = byId("pd_notice");
  const noticeText = byId("pd_notice_text");
  const notes = [];
  if (store.report.from && store.report.from !== page.version && changedQuestions.length) {
    notes.push(`Version ${page.version}: ${plural(changedQuestions.length, "question")} you studied changed and ${changedQuestions.length === 1 ? "is" : "are"} due again.`);
  }
  if (store.report.damaged) {
    notes.push(`Your saved progress could not be read (${store.report.damaged}); it is kept aside under ${store.key}:damaged and this page starts afresh.`);
  }
  function showNotice() {
    if (!notes.length) return;
    noticeText.textContent = notes.join(" ");
    notice.hidden = false;
  }
  byId("pd_notice_export").addEventListener("click", exportFile);
  byId("pd_notice_close").addEventListener("click", () => {
    notice.hidden = true;
    store.progress.settings.evictionNoticeShown = true;
    store.save();
  });
  askToPersist(() => {
    if (store.progress.settings.evictionNoticeShown) return;
    notes.push("This browser may clear your progress when you do not visit for a while. Export it now and then to keep a copy.");
    showNotice();
  });
  showNotice();

  // -- the single-key shortcuts ------------------------------------------------------------
  const keysOn = byId("pd_keys_on");
  keysOn.checked = store.progress.settings.keys !== false;
  keysOn.addEventListener("change", () => {
    store.progress.settings.keys = keysOn.checked;
    store.save();
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (view) {
      if (event.key === "Escape") {
        if (view === "mock" && views.mock.view.escape()) return event.preventDefault();
        event.preventDefault();
        leave();
        return;
      }
      if (isField(event.target)) return;
      if (view === "study" && views.study.view.key(event)) event.preventDefault();
      return;
    }
    if (isField(event.target) || !keysOn.checked) return;
    let handled = true;
    switch (event.key) {
      case "j":
        list.step(1);
        break;
      case "k":
        list.step(-1);
        break;
      case "r":
        list.revealNext();
        break;
      case "1":
      case "2": {
        const el = list.currentOrFirst();
        if (el) list.setMark(el._pdItem, event.key === "1" ? "knew" : "again");
        break;
      }
      case "/":
        byId("pd_q").focus();
        byId("pd_q").select();
        break;
      case "s":
        openStudy();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  // Printing the list shows every part of every question, then puts the folds back.
  let closedForPrint = [];
  window.addEventListener("beforeprint", () => {
    if (view) return;
    closedForPrint = Array.from(main.querySelectorAll("details:not([open])"));
    for (const d of closedForPrint) d.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const d of closedForPrint) d.open = false;
    closedForPrint = [];
  });
  window.addEventListener("pagehide", () => store.flush());

  // Code and tables scroll sideways on a narrow screen: reachable by keyboard.
  for (const el of main.querySelectorAll("pre.code, .table-scroll")) el.setAttribute("tabindex", "0");
  tools.hidden = false;
  // Anchors land below the sticky tools, however tall they wrap.
  const measure = () => document.documentElement.style.setProperty("--pd-bar", `${tools.offsetHeight}px`);
  measure();
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(measure).observe(tools);
  list.start();
  renderProgress();
  updateCounts();
  store.save();
}

start();
