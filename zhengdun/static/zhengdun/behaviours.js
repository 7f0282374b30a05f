/* The small behaviours templates used to write inline (onchange="…", onclick="…"), which a strict
   CSP forbids. base.html loads this file on every page; listeners on the document serve every
   element, those htmx swaps in later included. Without the script each element still works as
   plain HTML (a select with its form's button, a link to the page).

   <select data-autosubmit>          submits its form when the choice changes
   <a data-dismiss=".action-form">   removes the nearest enclosing element matching the selector
                                     instead of following the link */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof Element && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-dismiss]") : null;
    if (!link) {
      return;
    }
    var box = link.closest(link.getAttribute("data-dismiss"));
    if (box) {
      event.preventDefault();
      box.remove();
    }
  });
})();
