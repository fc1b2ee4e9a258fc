// Reading a printed VC1: QR with the device camera or from a photo, in the browser (jsQR, served by us).
// A code that is read fills the text box and runs the same offline signature check as a pasted one
// (verify-qr.js). Nothing leaves the browser; the page's Permissions-Policy allows the camera here only.
(function () {
  "use strict";
  var box = document.getElementById("qr-scan");
  var payload = document.getElementById("id_payload");
  var check = document.getElementById("verify-offline");
  if (!box || !payload || !check) { return; }
  var startButton = document.getElementById("scan-camera");
  var stopButton = document.getElementById("scan-stop");
  var fileInput = document.getElementById("scan-file");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var d = box.dataset;
  var MAX_SIDE = 1024;  // frames are scaled down to this before decoding: fast enough on a phone
  var canvas = document.createElement("canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null, timer = null;

  function say(text) { status.textContent = text || ""; box.dataset.state = ""; }

  // Decode a QR code from anything drawImage takes (video, image, ImageBitmap); returns its text or null.
  function decodeSource(source, width, height) {
    if (!width || !height || typeof window.jsQR !== "function") { return null; }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    return found && found.data ? found.data : null;
  }

  function linkFor(text) {
    // The certificate's other QR: its short verification link on this site.
    try {
      var url = new URL(text, window.location.href);
      if (url.origin === window.location.origin && url.pathname.indexOf(d.linkPrefix) === 0) { return url.href; }
    } catch (e) { /* not a URL */ }
    return null;
  }

  function handle(text) {
    text = (text || "").trim();
    if (text.indexOf("VC1:") === 0) {
      payload.value = text;
      say(d.msgRead);
      box.dataset.state = "read";
      check.click();
      return true;
    }
    var link = linkFor(text);
    status.textContent = "";
    if (link) {
      status.appendChild(document.createTextNode(d.msgLink + " "));
      var a = document.createElement("a");
      a.href = link;
      a.textContent = link;
      status.appendChild(a);
    } else {
      status.textContent = d.msgNotSigned;
    }
    box.dataset.state = "other";
    return true;
  }

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.pause();
    video.srcObject = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function tick() {
    timer = null;
    if (!stream) { return; }
    if (video.readyState >= 2) {
      var text = decodeSource(video, video.videoWidth, video.videoHeight);
      if (text) { stop(); handle(text); return; }
    }
    timer = setTimeout(tick, 150);
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say(d.msgNoCamera); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        say(d.msgScanning);
        box.dataset.state = "scanning";
        return video.play().then(tick);
      })
      .catch(function (err) {
        stop();
        say(err && (err.name === "NotAllowedError" || err.name === "SecurityError") ? d.msgDenied : d.msgNoCamera);
      });
  });
  stopButton.addEventListener("click", function () { stop(); say(""); });
  window.addEventListener("pagehide", stop);

  function decodeFile(file) {
    // createImageBitmap needs no blob: URL (the CSP allows images from 'self' and data: only).
    if (window.createImageBitmap) {
      return createImageBitmap(file).then(function (bitmap) {
        var text = decodeSource(bitmap, bitmap.width, bitmap.height);
        if (bitmap.close) { bitmap.close(); }
        return text;
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(decodeSource(img, img.naturalWidth, img.naturalHeight)); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) { return; }
    stop();
    decodeFile(file).then(function (text) {
      if (!text) { say(d.msgNotFound); box.dataset.state = "none"; return; }
      handle(text);
    }).catch(function () { say(d.msgNotFound); box.dataset.state = "none"; })
      .then(function () { fileInput.value = ""; });
  });

  // The decoder itself, for tests and for other pages of this site.
  window.zhijiaoQR = { decodeSource: decodeSource };
})();
