// 目視確認: the kiosks' list is read again every 2 s; when the chosen
// kiosk's session changed (another card, or it can or can no longer be
// confirmed) a notice asks staff to look again. A page left alone goes
// back to the login.
(function () {
  "use strict";
  var box = document.getElementById("kiosks");
  var notice = document.getElementById("changed");
  function sig() {
    var t = box.querySelector("[data-sig]");
    return t ? t.dataset.sig : "";
  }
  var shown = sig();
  setInterval(function () {
    fetch(box.dataset.live, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.href = "/desk/login"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      box.innerHTML = html;
      if (sig() !== shown) { notice.hidden = false; }
      document.body.dataset.updated = String(Date.now());
    }).catch(function () {});
  }, 2000);
  var idle = Number(document.body.dataset.idle || 600) * 1000, last = Date.now();
  ["click", "keydown", "pointermove"].forEach(function (e) { document.addEventListener(e, function () { last = Date.now(); }); });
  setInterval(function () { if (Date.now() - last > idle) { location.href = "/desk/login"; } }, 5000);
})();
