/* `prepdeck preview` only, never in a built page: ask the preview server which build
   it holds, and reload when that changes (a saved edit, or fixed content).  The folds
   that were open, and the scroll position, survive the reload: an author checking an
   answer keeps it in view while editing it. */
(function () {
  "use strict";
  var KEY = "prepdeck-preview-view";
  var meta = document.querySelector('meta[name="prepdeck-build"]');
  var shown = meta ? meta.getAttribute("content") : "";

  // A fold's key: the id of the nearest element around it that has one (a question's
  // card), and its place among that element's folds; stable across a rebuild.
  function foldKeys() {
    var keys = [];
    var folds = document.querySelectorAll("details");
    for (var i = 0; i < folds.length; i++) {
      var owner = folds[i].parentElement ? folds[i].parentElement.closest("[id]") : null;
      var scope = owner || document;
      var index = Array.prototype.indexOf.call(scope.querySelectorAll("details"), folds[i]);
      keys.push({ fold: folds[i], key: (owner ? owner.id : "") + "#" + index });
    }
    return keys;
  }

  // The question at the top of the window, and how far below the top it sits: the
  // place to come back to (a scroll offset alone drifts while the page lays out).
  function anchor() {
    var cards = document.querySelectorAll("article[id]");
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (box.bottom > 0 && box.height > 0) {
        return { id: cards[i].id, top: box.top };
      }
    }
    return null;
  }

  function remember() {
    var open = foldKeys()
      .filter(function (entry) { return entry.fold.open; })
      .map(function (entry) { return entry.key; });
    var view = { open: open, y: window.scrollY, anchor: anchor() };
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify(view));
    } catch (e) { /* storage refused: reload without it */ }
  }

  function scrollBack(saved) {
    var card = saved.anchor ? document.getElementById(saved.anchor.id) : null;
    if (card) {
      window.scrollBy(0, card.getBoundingClientRect().top - saved.anchor.top);
    } else if (typeof saved.y === "number") {
      window.scrollTo(0, saved.y);
    }
  }

  function restore() {
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
      window.sessionStorage.removeItem(KEY);
    } catch (e) { saved = null; }
    if (!saved || !Array.isArray(saved.open)) {
      return;
    }
    foldKeys().forEach(function (entry) {
      if (saved.open.indexOf(entry.key) >= 0) {
        entry.fold.open = true;
      }
    });
    scrollBack(saved);
    // again once the page's own script and layout have settled
    window.requestAnimationFrame(function () {
      scrollBack(saved);
      window.setTimeout(function () { scrollBack(saved); }, 100);
    });
  }

  restore();
  function poll() {
    fetch("/__version", { cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.text() : shown;
      })
      .then(function (build) {
        if (build && build !== shown) {
          remember();
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 400);
      })
      .catch(function () {
        window.setTimeout(poll, 2000); // the server stopped; try again quietly
      });
  }
  window.setTimeout(poll, 400);
})();
