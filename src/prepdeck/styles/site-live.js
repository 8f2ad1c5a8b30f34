/* `prepdeck preview` only, never in a built page: ask the preview server which build
   it holds, and reload when that changes (a saved edit, or fixed content). */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="prepdeck-build"]');
  var shown = meta ? meta.getAttribute("content") : "";
  function poll() {
    fetch("/__version", { cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.text() : shown;
      })
      .then(function (build) {
        if (build && build !== shown) {
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
