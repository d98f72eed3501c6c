/* 诚信 · the page shell's script, loaded in <head> (small, cached): it marks the page as scripted at
   once, so that a phone shows the menu folded from the first paint, then wires the menu button and
   opens the folded section (<details>) that a link's #anchor points into. Without it every page
   still works: the menu is simply open and the sections can be opened by hand. */
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
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
