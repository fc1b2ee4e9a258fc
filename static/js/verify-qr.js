// Offline check of a VC1: signed QR in the browser (credentials.md §2.2): Base45 → CBOR COSE_Sign1 →
// Ed25519 verify (WebCrypto) against the published key list, kept in localStorage so later checks
// work without a network. A valid signature proves issuance only; revocation needs the online lookup.
(function () {
  "use strict";
  var form = document.getElementById("qr-form");
  var button = document.getElementById("verify-offline");
  var out = document.getElementById("offline-result");
  if (!form || !button || !out) { return; }
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var labelsEl = document.getElementById("claim-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  // Coded claims (kind, level, gender) by their label, from the same table the server uses.
  var valuesEl = document.getElementById("claim-values");
  var valueLabels = valuesEl ? JSON.parse(valuesEl.textContent) : {};
  function shown(key, value) {
    var table = valueLabels[key];
    return table && Object.prototype.hasOwnProperty.call(table, value) ? table[value] : String(value);
  }

  function b45decode(text) {
    var bytes = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.substr(i, 3), n = 0;
      for (var j = chunk.length - 1; j >= 0; j--) {
        var v = B45.indexOf(chunk[j]);
        if (v < 0) { throw new Error("damaged"); }
        n = n * 45 + v;
      }
      if (chunk.length === 3) {
        if (n > 0xffff) { throw new Error("damaged"); }
        bytes.push(n >> 8, n & 0xff);
      } else if (chunk.length === 2) {
        if (n > 0xff) { throw new Error("damaged"); }
        bytes.push(n);
      } else { throw new Error("damaged"); }
    }
    return new Uint8Array(bytes);
  }

  function cborDecode(buf) {
    var pos = 0;
    function len(info) {
      if (info < 24) { return info; }
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) { throw new Error("damaged"); }
      var n = 0;
      for (var k = 0; k < size; k++) { n = n * 256 + buf[pos++]; }
      return n;
    }
    function item() {
      if (pos >= buf.length) { throw new Error("damaged"); }
      var first = buf[pos++], major = first >> 5, info = first & 31, n, i, out;
      switch (major) {
        case 0: return len(info);
        case 1: return -1 - len(info);
        case 2: n = len(info); out = buf.slice(pos, pos + n); pos += n; return out;
        case 3: n = len(info); out = new TextDecoder("utf-8", { fatal: true }).decode(buf.slice(pos, pos + n)); pos += n; return out;
        case 4: n = len(info); out = []; for (i = 0; i < n; i++) { out.push(item()); } return out;
        case 5: n = len(info); out = new Map(); for (i = 0; i < n; i++) { var key = item(); out.set(key, item()); } return out;
        case 6: n = len(info); return { tag: n, value: item() };
        case 7:
          if (info === 20) { return false; } if (info === 21) { return true; } if (info === 22) { return null; }
          throw new Error("damaged");
      }
      throw new Error("damaged");
    }
    var value = item();
    if (pos !== buf.length) { throw new Error("damaged"); }
    return value;
  }

  function head(major, n) {
    if (n < 24) { return [(major << 5) | n]; }
    if (n < 256) { return [(major << 5) | 24, n]; }
    if (n < 65536) { return [(major << 5) | 25, n >> 8, n & 0xff]; }
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  function sigStructure(protectedBytes, payload) {
    var label = new TextEncoder().encode("Signature1");
    var parts = [[0x84], head(3, label.length), Array.from(label), head(2, protectedBytes.length),
      Array.from(protectedBytes), [0x40], head(2, payload.length), Array.from(payload)];
    return new Uint8Array([].concat.apply([], parts));
  }

  function hex(bytes) { return Array.from(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join(""); }
  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/"); while (s.length % 4) { s += "="; }
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }

  function keyList() {
    var url = form.dataset.keysUrl;
    return fetch(url, { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (data) {
      try { localStorage.setItem("zhijiao-vc1-keys", JSON.stringify(data)); } catch (e) { /* private mode */ }
      return data;
    }).catch(function () {
      var cached = localStorage.getItem("zhijiao-vc1-keys");
      if (!cached) { throw new Error("nokeys"); }
      return JSON.parse(cached);
    });
  }

  function show(ok, message, claims) {
    out.hidden = false;
    out.className = "card card-body mb-3 result " + (ok ? "result-signature_valid" : "result-signature_invalid");
    out.dataset.result = ok ? "signature_valid_offline" : "signature_invalid_offline";
    out.textContent = "";
    var p = document.createElement("p");
    p.className = "fs-5 fw-semibold mb-2";
    p.textContent = message;
    out.appendChild(p);
    if (claims) {
      var dl = document.createElement("dl");
      dl.className = "row mb-0";
      claims.forEach(function (value, key) {
        if (!labels[key]) { return; }
        var dt = document.createElement("dt"); dt.className = "col-5 col-sm-4"; dt.textContent = labels[key];
        var dd = document.createElement("dd"); dd.className = "col-7 col-sm-8"; dd.textContent = shown(key, value);
        dl.appendChild(dt); dl.appendChild(dd);
      });
      out.appendChild(dl);
    }
  }

  button.addEventListener("click", function () {
    var text = document.getElementById("id_payload").value.trim();
    var d = form.dataset;
    if (text.indexOf("VC1:") !== 0) { show(false, d.msgPrefix); return; }
    var message, parts, header, kid;
    try {
      message = cborDecode(b45decode(text.slice(4)));
      if (!message || message.tag !== 18 || !Array.isArray(message.value) || message.value.length !== 4) { throw new Error("damaged"); }
      parts = message.value;
      header = cborDecode(parts[0]);
      if (header.get(1) !== -8) { throw new Error("damaged"); }
      kid = hex(header.get(4));
    } catch (e) { show(false, d.msgDamaged); return; }
    if (!window.crypto || !crypto.subtle) { show(false, d.msgUnsupported); return; }
    keyList().then(function (list) {
      var entry = (list.keys || []).filter(function (k) { return k.kid === kid; })[0];
      if (!entry) { show(false, d.msgUnknownKey); return null; }
      return crypto.subtle.importKey("raw", fromB64url(entry.x), { name: "Ed25519" }, false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, parts[3], sigStructure(parts[0], parts[2])); })
        .then(function (ok) {
          if (!ok) { show(false, d.msgInvalid); return; }
          var body = cborDecode(parts[2]);
          show(true, d.msgValid, body.get(-260));
        });
    }).catch(function () { show(false, d.msgUnsupported); });
  });
})();
