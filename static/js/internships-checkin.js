/* Student check-in buttons: read the browser's location, fill the hidden fields with a fresh
   idempotency key and submit. A second tap resubmits the same key, so nothing is doubled. */
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form) { return; }
  var status = document.getElementById("checkin-status");
  function key() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  function say(text) { if (status) { status.textContent = text; } }
  form.querySelectorAll("button[data-kind]").forEach(function (button) {
    button.addEventListener("click", function () {
      form.elements.kind.value = button.dataset.kind;
      if (!form.elements.client_key.value) { form.elements.client_key.value = key(); }
      if (!navigator.geolocation) { say(form.dataset.denied); return; }
      say(form.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        form.elements.accuracy_m.value = Math.round(pos.coords.accuracy || 0);
        form.submit();
      }, function () { say(form.dataset.denied); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
