/* Print buttons: <button type="button" data-print> prints the page. No inline script anywhere
   (a strict CSP forbids onclick="…"): base.html loads this file on every page, and one listener
   on the document serves every button, those htmx swaps in later included. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
