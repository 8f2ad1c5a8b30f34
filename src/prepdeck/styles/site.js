/* prepdeck's study page: search, filters, keyboard study and marks, on top of a page
   that already shows every question without this script.  No network, no
   dependencies; marks live in localStorage under the bank's slug and version.

   Filtering is not debounced: each question's searchable text is lowercased once at
   start, and a keystroke only compares strings and flips `hidden` where it changes.
   What costs time on a long bank is the browser building boxes for thousands of
   questions that come back, so at most PAGE matches are shown at once, with a
   "show more" button for the rest (a 51-question bank never sees it). */
(function () {
  "use strict";

  var body = document.body;
  var main = document.getElementById("pd_main");
  var tools = document.getElementById("pd_tools");
  if (!main || !tools || !body.dataset.bank) {
    return;
  }
  var byId = function (id) {
    return document.getElementById(id);
  };
  var form = byId("pd_form");
  var search = byId("pd_q");
  var tierSelect = byId("pd_tier");
  var topicSelect = byId("pd_topic");
  var status = byId("pd_status");
  var drillButton = byId("pd_drill");
  var clearButton = byId("pd_clear");
  var resetButton = byId("pd_reset");
  var progressList = byId("pd_progress");
  var keysOn = byId("pd_keys_on");

  var STORE = "prepdeck:" + body.dataset.bank + ":" + body.dataset.version;
  var PARTS = [".pd-hint-fold", ".pd-keypoints", ".pd-answer"];
  var MARK_NAMES = { knew: "knew it", again: "again" };
  var PAGE = 100;

  var sections = Array.prototype.slice.call(main.querySelectorAll("section.pd-tier-section"));
  var articles = Array.prototype.slice.call(main.querySelectorAll("article.pd-q"));
  var marks = loadMarks();
  var state = { q: "", tier: "", topic: "", drill: false };
  var current = null;
  var drillSection = null;
  var drillOrder = null;
  var urlTimer = 0;
  var limit = PAGE; // how many matches are shown; "show more" raises it

  var more = document.createElement("div");
  more.className = "pd pd-more";
  more.hidden = true;
  var moreButton = document.createElement("button");
  moreButton.type = "button";
  moreButton.id = "pd_more";
  more.appendChild(moreButton);
  main.parentNode.insertBefore(more, main.nextSibling);

  // -- the index: one lowercase string per question, built once -----------------------
  var template = document.createElement("div");
  template.className = "pd-marks";
  template.setAttribute("role", "group");
  template.innerHTML =
    '<button type="button" data-mark="knew" aria-pressed="false">Knew it</button>' +
    '<button type="button" data-mark="again" aria-pressed="false">Again</button>';

  var items = articles.map(function (el, index) {
    var texts = [];
    var question = el.querySelector(".pd-q-text");
    if (question) {
      texts.push(question.textContent);
    }
    PARTS.forEach(function (selector) {
      var part = el.querySelector(selector + " > .pd-fold-body");
      if (part) {
        texts.push(part.textContent);
      }
    });
    var label = el.querySelector(".pd-label");
    var group = template.cloneNode(true);
    group.setAttribute("aria-label", "Your mark for " + (label ? label.textContent : el.id));
    el.appendChild(group);
    var item = {
      el: el,
      id: el.id,
      index: index,
      label: label ? label.textContent : el.id,
      tier: el.dataset.tier,
      topics: " " + (el.dataset.topics || "") + " ",
      text: texts.join("\n").toLowerCase(),
      shown: true,
      placeholder: null,
    };
    el._pdItem = item;
    showMark(item);
    return item;
  });
  var itemById = {};
  items.forEach(function (item) {
    itemById[item.id] = item;
  });

  // -- marks ---------------------------------------------------------------------------
  function loadMarks() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (e) {
      return {};
    }
  }

  function saveMarks() {
    try {
      if (Object.keys(marks).length) {
        window.localStorage.setItem(STORE, JSON.stringify(marks));
      } else {
        window.localStorage.removeItem(STORE);
      }
    } catch (e) {
      /* storage off (private mode, file:// policy): marks last for this visit */
    }
  }

  function showMark(item) {
    var mark = Object.prototype.hasOwnProperty.call(marks, item.id) ? marks[item.id] : "";
    if (mark) {
      item.el.setAttribute("data-mark", mark);
    } else {
      item.el.removeAttribute("data-mark");
    }
    var buttons = item.el.querySelectorAll(".pd-marks button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].dataset.mark === mark));
    }
  }

  function setMark(item, mark) {
    if (marks[item.id] === mark) {
      delete marks[item.id];
      announce(item.label + ": mark removed");
    } else {
      marks[item.id] = mark;
      announce(item.label + ": " + MARK_NAMES[mark]);
    }
    saveMarks();
    showMark(item);
    renderProgress();
  }

  // -- progress per tier --------------------------------------------------------------
  var tierRows = sections.map(function (section) {
    var heading = section.querySelector("h2");
    var name = heading ? heading.firstChild.textContent.replace(/^\s*\d+\s*·\s*/, "").trim() : "";
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name;
    var bar = document.createElement("progress");
    var text = document.createElement("span");
    li.appendChild(label);
    li.appendChild(bar);
    li.appendChild(text);
    progressList.appendChild(li);
    return { tier: section.dataset.tier, name: name, bar: bar, text: text };
  });

  function renderProgress() {
    tierRows.forEach(function (row) {
      var total = 0;
      var knew = 0;
      var again = 0;
      items.forEach(function (item) {
        if (item.tier === row.tier) {
          total++;
          if (marks[item.id] === "knew") {
            knew++;
          } else if (marks[item.id] === "again") {
            again++;
          }
        }
      });
      row.bar.max = total || 1;
      row.bar.value = knew;
      row.bar.setAttribute("aria-label", row.name + ": knew " + knew + " of " + total);
      row.text.textContent = knew + " knew · " + again + " again · of " + total;
    });
  }

  // -- filtering -----------------------------------------------------------------------
  function apply(keepLimit) {
    if (!keepLimit) limit = PAGE;
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var tier = state.tier;
    var topic = " " + state.topic + " ";
    var drill = state.drill;
    var matches = 0;
    var tiersShown = {};
    // In the drill, the order on screen is the drill's, not the bank's.
    var order = drill && drillOrder ? drillOrder : items;
    for (var i = 0; i < order.length; i++) {
      var item = order[i];
      var ok =
        (!tier || item.tier === tier) &&
        (!state.topic || item.topics.indexOf(topic) !== -1) &&
        (!drill || marks[item.id] === "again");
      for (var t = 0; ok && t < terms.length; t++) {
        ok = item.text.indexOf(terms[t]) !== -1;
      }
      if (ok) {
        matches++;
        ok = matches <= limit;
      }
      if (ok !== item.shown) {
        item.el.hidden = !ok;
        item.shown = ok;
      }
      if (ok) {
        tiersShown[item.tier] = true;
      }
    }
    var shown = Math.min(matches, limit);
    more.hidden = matches <= limit;
    moreButton.textContent =
      "Show " + Math.min(PAGE, matches - limit) + " more of " + (matches - limit) + " left";
    for (var s = 0; s < sections.length; s++) {
      var hide = drill || !tiersShown[sections[s].dataset.tier];
      if (sections[s].hidden !== hide) {
        sections[s].hidden = hide;
      }
    }
    var message = "Showing " + shown + " of " + items.length + " questions";
    if (matches > shown) {
      message = "Showing " + shown + " of " + matches + " matching questions (" + items.length + " in all)";
    }
    if (drill) {
      message = shown
        ? "Drill: " + shown + " “again” question" + (shown === 1 ? "" : "s") + ", shuffled"
        : "Drill: no question matches; mark some “again” first";
    }
    status.textContent = message;
    if (current && current.hidden) {
      current = null;
    }
  }

  function announce(message) {
    status.textContent = message;
  }

  function scheduleUrl() {
    window.clearTimeout(urlTimer);
    urlTimer = window.setTimeout(writeUrl, 250);
  }

  function writeUrl() {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.tier) params.set("tier", state.tier);
    if (state.topic) params.set("topic", state.topic);
    if (state.drill) params.set("drill", "1");
    var query = params.toString();
    try {
      window.history.replaceState(
        null,
        "",
        window.location.pathname + (query ? "?" + query : "") + window.location.hash,
      );
    } catch (e) {
      /* some browsers refuse URL changes on file:// pages; the filter still works */
    }
  }

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    state.q = params.get("q") || "";
    state.tier = validOption(tierSelect, params.get("tier"));
    state.topic = validOption(topicSelect, params.get("topic"));
    state.drill = params.get("drill") === "1";
    search.value = state.q;
    tierSelect.value = state.tier;
    topicSelect.value = state.topic;
  }

  function validOption(select, value) {
    if (!value) return "";
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) return value;
    }
    return "";
  }

  // -- the drill: "again" questions in a shuffled order ----------------------------------
  function setDrill(on) {
    state.drill = on;
    current = null; // the next "j" starts at the top of the new list
    drillButton.setAttribute("aria-pressed", String(on));
    if (on) {
      var chosen = items.filter(function (item) {
        return marks[item.id] === "again";
      });
      for (var i = chosen.length - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1));
        var swap = chosen[i];
        chosen[i] = chosen[j];
        chosen[j] = swap;
      }
      if (!drillSection) {
        drillSection = document.createElement("section");
        drillSection.className = "pd-drill-section";
        drillSection.id = "pd_drill_section";
        drillSection.setAttribute("aria-labelledby", "pd_drill_h");
        var heading = document.createElement("h2");
        heading.id = "pd_drill_h";
        heading.textContent = "Drill: your “again” questions, shuffled";
        drillSection.appendChild(heading);
      }
      main.insertBefore(drillSection, main.firstChild);
      // The drill's questions in its order, then every other (all left out).
      drillOrder = chosen.concat(
        items.filter(function (item) {
          return marks[item.id] !== "again";
        }),
      );
      chosen.forEach(function (item) {
        item.placeholder = document.createComment("");
        item.el.parentNode.insertBefore(item.placeholder, item.el);
        drillSection.appendChild(item.el);
      });
    } else {
      items.forEach(function (item) {
        if (item.placeholder) {
          item.placeholder.parentNode.replaceChild(item.el, item.placeholder);
          item.placeholder = null;
        }
      });
      drillOrder = null;
      if (drillSection && drillSection.parentNode) {
        drillSection.parentNode.removeChild(drillSection);
      }
    }
    apply();
    scheduleUrl();
  }

  // -- keyboard study ------------------------------------------------------------------
  function visible() {
    return Array.prototype.slice.call(main.querySelectorAll("article.pd-q:not([hidden])"));
  }

  function focusQuestion(el) {
    current = el;
    el.focus();
  }

  function step(delta) {
    var list = visible();
    if (!list.length) return;
    var at = current ? list.indexOf(current) : -1;
    var next = at === -1 ? (delta > 0 ? 0 : list.length - 1) : at + delta;
    if (next >= list.length && !more.hidden) {
      limit += PAGE;
      apply(true);
      list = visible();
    }
    if (next >= 0 && next < list.length) {
      focusQuestion(list[next]);
    }
  }

  function currentOrFirst() {
    if (current && !current.hidden) return current;
    var list = visible();
    if (list.length) focusQuestion(list[0]);
    return current;
  }

  function revealNext() {
    var el = currentOrFirst();
    if (!el) return;
    for (var i = 0; i < PARTS.length; i++) {
      var part = el.querySelector(PARTS[i]);
      if (part && !part.open) {
        part.open = true;
        var summary = part.querySelector("summary");
        announce(el._pdItem.label + ": " + (summary ? summary.textContent : "part") + " shown");
        return;
      }
    }
    announce(el._pdItem.label + ": everything is shown");
  }

  function isField(el) {
    if (!el) return false;
    var tag = el.tagName;
    return (
      tag === "TEXTAREA" ||
      tag === "SELECT" ||
      (tag === "INPUT" && el.type !== "checkbox" && el.type !== "button") ||
      el.isContentEditable
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (isField(event.target)) {
      if (event.key === "Escape" && event.target === search) {
        (current || main).focus();
      }
      return;
    }
    if (!keysOn.checked) return;
    var handled = true;
    switch (event.key) {
      case "j":
        step(1);
        break;
      case "k":
        step(-1);
        break;
      case "r":
        revealNext();
        break;
      case "1":
      case "2":
        var el = currentOrFirst();
        if (el) setMark(el._pdItem, event.key === "1" ? "knew" : "again");
        break;
      case "/":
        search.focus();
        search.select();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  // The question you click in or tab into becomes the current one.
  main.addEventListener("focusin", function (event) {
    var el = event.target.closest ? event.target.closest("article.pd-q") : null;
    if (el) current = el;
  });
  main.addEventListener("click", function (event) {
    var target = event.target;
    var el = target.closest ? target.closest("article.pd-q") : null;
    if (!el) return;
    current = el;
    var button = target.closest("button[data-mark]");
    if (button) setMark(el._pdItem, button.dataset.mark);
  });

  // -- controls -------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  search.addEventListener("input", function () {
    state.q = search.value;
    apply();
    scheduleUrl();
  });
  tierSelect.addEventListener("change", function () {
    state.tier = tierSelect.value;
    apply();
    scheduleUrl();
  });
  topicSelect.addEventListener("change", function () {
    state.topic = topicSelect.value;
    apply();
    scheduleUrl();
  });
  moreButton.addEventListener("click", function () {
    var first = null;
    var shownBefore = visible().length;
    limit += PAGE;
    apply(true);
    first = visible()[shownBefore];
    if (first) focusQuestion(first);
  });
    drillButton.addEventListener("click", function () {
    setDrill(!state.drill);
  });
  clearButton.addEventListener("click", function () {
    state.q = search.value = "";
    state.tier = tierSelect.value = "";
    state.topic = topicSelect.value = "";
    if (state.drill) {
      setDrill(false);
    } else {
      apply();
      scheduleUrl();
    }
  });
  resetButton.addEventListener("click", function () {
    marks = {};
    saveMarks();
    items.forEach(showMark);
    renderProgress();
    if (state.drill) setDrill(false);
    announce("All marks removed");
  });

  // Printing shows every part of every question, then puts the folds back.
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.slice.call(main.querySelectorAll("details:not([open])"));
    closedForPrint.forEach(function (d) {
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (d) {
      d.open = false;
    });
    closedForPrint = [];
  });

  // -- start ----------------------------------------------------------------------------
  // Code and tables scroll sideways on a narrow screen: make them reachable by
  // keyboard, so arrow keys can scroll them (closed folds keep them out of the tab order).
  var scrollers = main.querySelectorAll("pre.code, .table-scroll");
  for (var n = 0; n < scrollers.length; n++) {
    scrollers[n].setAttribute("tabindex", "0");
  }
  readUrl();
  tools.hidden = false;
  renderProgress();
  if (state.drill) {
    setDrill(true);
  } else {
    apply();
  }
  var target = window.location.hash ? itemById[decodeURIComponent(window.location.hash.slice(1))] : null;
  if (target && !target.el.hidden) {
    current = target.el;
  }
})();
