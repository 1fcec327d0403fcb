// The golive HTML report's filters: by status, blocking items only, and a text search.
// Without this script every item stays visible and the report reads the same.
"use strict";
(function () {
  var panel = document.getElementById("filters");
  if (!panel) return;
  var SETTLED = ["pass", "not_applicable", "waived"];
  var items = Array.prototype.slice.call(document.querySelectorAll("#items article"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("#items .sub, #items .group"));
  var boxes = Array.prototype.slice.call(panel.querySelectorAll("input[name=status]"));
  var blocking = document.getElementById("blocking-only");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var none = document.getElementById("no-match");
  var texts = null;

  function apply() {
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length && texts === null) {
      texts = items.map(function (item) { return item.textContent.toLowerCase(); });
    }
    var count = 0;
    items.forEach(function (item, n) {
      var show = wanted[item.getAttribute("data-status")] === true &&
        (!blocking || !blocking.checked || item.hasAttribute("data-blocking")) &&
        words.every(function (word) { return texts[n].indexOf(word) >= 0; });
      item.hidden = !show;
      if (show) count += 1;
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("article:not([hidden])") === null;
    });
    shown.textContent = count === items.length
      ? "Showing all " + items.length + " items."
      : "Showing " + count + " of " + items.length + " items.";
    none.hidden = count > 0;
  }

  function choose(statuses) {
    boxes.forEach(function (box) { box.checked = statuses === null || statuses.indexOf(box.value) >= 0; });
  }

  function reset() {
    choose(null);
    if (blocking) blocking.checked = false;
    search.value = "";
    apply();
  }

  panel.addEventListener("change", apply);
  search.addEventListener("input", apply);
  panel.addEventListener("click", function (event) {
    var quick = event.target.closest("button[data-quick]");
    if (!quick) return;
    if (quick.getAttribute("data-quick") === "all") {
      reset();
      return;
    }
    choose(boxes.map(function (box) { return box.value; })
      .filter(function (status) { return SETTLED.indexOf(status) < 0; }));
    apply();
  });

  // A count at the top shows only its status; a link to an item the filters hide clears them.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var only = link.getAttribute("data-only");
    if (only) {
      choose([only]);
      if (blocking) blocking.checked = false;
      search.value = "";
      apply();
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (target && target.closest("[hidden]")) reset();
  });

  // "/" jumps to the search box, as on many sites; not while typing elsewhere.
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
    }
  });

  // Printing opens every collapsed part, and closes them again afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
    opened.forEach(function (details) { details.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });

  panel.hidden = false;
  document.documentElement.setAttribute("data-script", "ran");
  apply();
  // Showing the filters moved the page down: find the item a link pointed at again.
  if (location.hash) {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView();
  }
})();
