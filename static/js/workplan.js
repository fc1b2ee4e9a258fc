/* Work plan pages: the briefing's print button (no inline script under the CSP). */
(function () {
  "use strict";
  document.querySelectorAll("[data-action=print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
})();
