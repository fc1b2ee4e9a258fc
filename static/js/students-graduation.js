// New graduation list: "for all" controls set every row's grade / credits, then let HTMX recheck.
(function () {
  "use strict";
  function rows() {
    return document.querySelectorAll("#graduation-candidate-table tbody tr[data-enrolment]");
  }
  function changed(form) {
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("change", function (event) {
    var control = event.target.closest("#graduation-bulk select[data-apply-to]");
    if (!control || control.value === "") return;
    event.stopPropagation();
    var kind = control.getAttribute("data-apply-to");
    rows().forEach(function (row) {
      var select = row.querySelector("select[data-kind='" + kind + "']");
      if (select) select.value = control.value;
    });
    control.value = "";
    changed(document.getElementById("graduation-entries-form"));
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#graduation-bulk button[data-apply-to='credits']");
    if (!button) return;
    rows().forEach(function (row) {
      var box = row.querySelector("input[data-kind='credits']");
      if (box) box.checked = true;
    });
    changed(document.getElementById("graduation-entries-form"));
  });
})();
