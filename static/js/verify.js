// Tabs of the public lookup page without the Bootstrap bundle (CSP: no inline script).
(function () {
  "use strict";
  document.querySelectorAll('[data-bs-toggle="tab"]').forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.querySelectorAll('[data-bs-toggle="tab"]').forEach(function (other) {
        other.classList.toggle("active", other === link);
        var pane = document.querySelector(other.getAttribute("href"));
        if (pane) { pane.classList.toggle("active", other === link); pane.classList.toggle("show", other === link); }
      });
    });
  });
})();
