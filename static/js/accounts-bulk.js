// Open accounts for a class: the header checkbox ticks or clears every student row.
(function () {
  "use strict";
  function boxes() {
    return document.querySelectorAll("#bulk-account-table input[data-bulk-account]");
  }
  function sync() {
    var all = document.getElementById("bulk-account-all");
    if (!all) return;
    var list = Array.prototype.slice.call(boxes());
    var ticked = list.filter(function (b) { return b.checked; }).length;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "bulk-account-all") {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    } else if (event.target.matches("#bulk-account-table input[data-bulk-account]")) {
      sync();
    }
  });
  document.addEventListener("DOMContentLoaded", sync);
})();
