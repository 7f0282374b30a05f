/* The unit picker (org.widgets.UnitPicker): a filter box above a unit <select> narrows its
   options as one types — a unit matches when every word typed is in its name or its county's.
   Without this script the select works as it is, grouped by county.

   Keyboard: type to narrow; Enter or ↓ picks the first match (if the chosen unit is not among
   the matches) and moves to the list, where ↑/↓ choose; Esc clears the box.

   No inline script anywhere (a strict CSP): pages load this file, and it sets up every picker
   on DOMContentLoaded and in every piece htmx swaps in (htmx:load). */
(function () {
  "use strict";

  function plain(text) {
    // the indentation (full-width spaces) and any spacing do not count; Latin letters in any case
    return (text || "").replace(/[\s\u3000]+/g, "").toLowerCase();
  }

  function words(text) {
    // "城东 法院": every word must match (the unit's name or its county's)
    return (text || "").toLowerCase().split(/[\s\u3000]+/).filter(Boolean);
  }

  function setUp(root) {
    if (root.dataset.unitPickerReady) return;
    var filter = root.querySelector(".unit-picker-filter");
    var select = root.querySelector("select");
    var status = root.querySelector(".unit-picker-status");
    if (!filter || !select) return;
    root.dataset.unitPickerReady = "1";
    filter.parentNode.hidden = false;
    status.hidden = false;
    if (!select.multiple) select.size = parseInt(root.dataset.size, 10) || 8;

    function options() {
      return Array.prototype.slice.call(select.options);
    }

    function visible() {
      return options().filter(function (o) { return !o.hidden && o.value; });
    }

    function narrow() {
      var terms = words(filter.value);
      var count = 0;
      options().forEach(function (o) {
        if (!o.value) {
          o.hidden = terms.length > 0; // the "请选择…" line only while nothing is typed
          return;
        }
        var group = o.parentNode.tagName === "OPTGROUP" ? o.parentNode.label : "";
        var haystack = plain(o.text) + "\n" + plain(group);
        var match = terms.every(function (t) { return haystack.indexOf(t) !== -1; });
        o.hidden = !match;
        if (match) count += 1;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
      });
      status.textContent = terms.length ? (count ? "匹配 " + count + " 个单位" : "没有匹配的单位") : "";
    }

    function pickFirst() {
      var shown = visible();
      if (!shown.length) return false;
      var current = select.selectedOptions[0];
      if (!current || !current.value || current.hidden) {
        select.value = shown[0].value;
        // as if chosen by hand: the form's own listeners (htmx reloading the handlers) hear it
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      select.focus();
      return true;
    }

    filter.addEventListener("input", narrow);
    filter.addEventListener("search", narrow);
    // the box is not a field of the form: its changes must not set off the form's own triggers
    filter.addEventListener("change", function (event) { event.stopPropagation(); });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault(); // Enter here picks a unit; it never submits the form
        pickFirst();
      } else if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        narrow();
      }
    });
  }

  function setUpWithin(element) {
    if (!element || !element.querySelectorAll) return;
    if (element.matches && element.matches("[data-unit-picker]")) setUp(element);
    Array.prototype.forEach.call(element.querySelectorAll("[data-unit-picker]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpWithin(document); });
  } else {
    setUpWithin(document);
  }
  document.addEventListener("htmx:load", function (event) { setUpWithin(event.detail.elt); });
})();
