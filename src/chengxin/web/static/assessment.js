/* 诚信 · the assessment report's print button (no inline script under the Content-Security-Policy). */
(function () {
  "use strict";
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
