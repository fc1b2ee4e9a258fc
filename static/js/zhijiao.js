/* Site behaviour without inline script (CSP: script-src 'self'). */
(function () {
  "use strict";
  // A <select class="js-autosubmit"> submits its form on change (page size); with HTMX loaded the
  // form is boosted so only the table is swapped.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.classList && el.classList.contains("js-autosubmit") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
  // Keep the filter form's page size in step when the table was swapped.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "object-table") {
      var sel = document.getElementById("per-page");
      var form = document.querySelector(".filter-form");
      if (sel && form) {
        var hidden = form.querySelector("input[name=per_page]");
        if (!hidden) {
          hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "per_page";
          form.appendChild(hidden);
        }
        hidden.value = sel.value;
      }
    }
  });
})();
