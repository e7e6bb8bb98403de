// The desk's live queue: at every change the rows are fetched again; the
// page goes back to the login when the session ends.
(function () {
  "use strict";
  var rows = document.getElementById("rows");
  var live = document.getElementById("live");
  var busy = false, again = false;
  var alerts = document.getElementById("alerts");
  var known = ids();
  function ids() {
    return Array.prototype.map.call(alerts.querySelectorAll("[data-alert]"), function (e) { return e.dataset.alert; });
  }
  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      [880, 660, 880].forEach(function (f, i) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = f;
        o.connect(g); g.connect(ctx.destination);
        var t = ctx.currentTime + i * 0.25;
        g.gain.setValueAtTime(0.0001, t);
        g.gain.exponentialRampToValueAtTime(0.5, t + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
        o.start(t); o.stop(t + 0.25);
      });
    } catch (e) { /* no audio: the alert still shows */ }
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.href = "/desk/login"; return null; }
      return r.ok ? r.text() : null;
    });
  }
  function reload() {
    if (busy) { again = true; return; }
    busy = true;
    Promise.all([get("/desk/queue"), get("/desk/alerts")]).then(function (parts) {
      if (parts[0] !== null) { rows.innerHTML = parts[0]; }
      if (parts[1] !== null) {
        alerts.innerHTML = parts[1];
        var now = ids();
        if (now.some(function (id) { return known.indexOf(id) < 0; })) {
          beep();
          document.body.dataset.alerted = String(Date.now());
        }
        known = now;
      }
      document.body.dataset.updated = String(Date.now());
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
