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

  function remember() {
    var open = foldKeys()
      .filter(function (entry) { return entry.fold.open; })
      .map(function (entry) { return entry.key; });
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify({ open: open, y: window.scrollY }));
    } catch (e) { /* storage refused: reload without it */ }
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
    if (typeof saved.y === "number") {
      window.scrollTo(0, saved.y);
    }
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
