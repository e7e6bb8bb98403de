// The desk's live queue: at every change the rows are fetched again; the
// page goes back to the login when the session ends.
(function () {
  "use strict";
  var rows = document.getElementById("rows");
  var live = document.getElementById("live");
  var busy = false, again = false;
  function reload() {
    if (busy) { again = true; return; }
    busy = true;
    fetch("/desk/queue", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.href = "/desk/login"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) {
        rows.innerHTML = html;
        document.body.dataset.updated = String(Date.now());
      }
    }).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; reload(); }
    });
  }
  var es = new EventSource("/desk/events");
  es.onmessage = reload;
  es.onopen = function () { live.textContent = "最新の状態を表示しています"; live.classList.remove("stale"); };
  es.onerror = function () { live.textContent = "接続が切れています。再接続しています…"; live.classList.add("stale"); };
  es.addEventListener("logout", function () { location.href = "/desk/login"; });
  // Idle logout: a page left alone goes back to the login.
  var idle = Number(document.body.dataset.idle || 600) * 1000, last = Date.now();
  ["click", "keydown", "pointermove"].forEach(function (e) { document.addEventListener(e, function () { last = Date.now(); }); });
  setInterval(function () { if (Date.now() - last > idle) { location.href = "/desk/login"; } }, 5000);
})();
