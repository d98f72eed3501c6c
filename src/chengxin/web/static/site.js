/* 诚信 · the page shell's script, loaded in <head> (small, cached): it marks the page as scripted at
   once, so that a phone shows the menu folded from the first paint, then wires the menu button and
   opens the folded section (<details>) that a link's #anchor points into, and keeps a region of work
   under way up to date (data-follow). Without it every page still works: the menu is simply open, the
   sections can be opened by hand, and a page shows the progress it had when it was opened. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function openTarget() {
    var id = decodeURIComponent((window.location.hash || "").slice(1));
    var el = id && document.getElementById(id);
    if (!el) { return; }
    for (var node = el; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    el.scrollIntoView();
  }

  // A region marked data-follow (work under way in the background, e.g. a grading's progress) is
  // fetched again from the same address every data-follow seconds and replaced in place, until the
  // page no longer marks it: the visitor keeps their place and focus, nothing reloads the page.
  function follow(region) {
    var seconds = parseInt(region.getAttribute("data-follow"), 10) || 5;
    window.setTimeout(function () {
      fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh) { return; }
          region.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-follow")) { follow(region); } else { region.removeAttribute("data-follow"); }
        })
        .catch(function () { follow(region); });
    }, seconds * 1000);
  }

  function start() {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (button && menu) {
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        menu.classList.toggle("open", open);
      });
    }
    var refused = document.querySelector(".error-summary");
    if (refused && !window.location.hash) { refused.focus(); }  // a refused form: read the summary first
    openTarget();
    window.addEventListener("hashchange", openTarget);
    Array.prototype.forEach.call(document.querySelectorAll("[data-follow][id]"), follow);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
