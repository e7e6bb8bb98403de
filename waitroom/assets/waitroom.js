// Live updates of the waiting-room pages (server-sent events), and a
// chime on the display for every new call.
(function () {
  "use strict";
  var body = document.body;
  function text(el, v) { if (el) { el.textContent = String(v); } }
  function list(id, calls, room) {
    var ol = document.getElementById(id);
    ol.textContent = "";
    if (calls.length === 0 && room) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "—";
      ol.appendChild(none);
    }
    calls.forEach(function (c) {
      var li = document.createElement("li");
      var n = document.createElement("span");
      n.className = "number";
      n.textContent = c.number;
      li.appendChild(n);
      if (room) {
        var r = document.createElement("span");
        r.className = "room";
        r.textContent = c.room;
        li.appendChild(r);
      }
      ol.appendChild(li);
    });
  }
  var seen = null;
  function chime() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      [660, 880].forEach(function (f, i) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = f;
        o.connect(g); g.connect(ctx.destination);
        var t = ctx.currentTime + i * 0.45;
        g.gain.setValueAtTime(0.0001, t);
        g.gain.exponentialRampToValueAtTime(0.4, t + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, t + 0.42);
        o.start(t); o.stop(t + 0.45);
      });
    } catch (e) { /* no audio: the numbers still show */ }
  }
  function board(b) {
    list("calling", b.calling, true);
    list("recent", b.recent, false);
    document.getElementById("recent-section").hidden = b.recent.length === 0;
    text(document.getElementById("waiting"), b.waiting);
    text(document.getElementById("minutes"), b.wait_minutes);
    document.getElementById("estimate").hidden = !b.wait_minutes;
    var key = b.calling.map(function (c) { return c.number + "@" + c.at + c.room; }).join(",");
    if (seen !== null && key !== seen && b.calling.length > 0) {
      chime();
      var c = b.calling[0];
      if (body.dataset.speak) {
        setTimeout(function () {
          var a = new Audio("/display/call?n=" + encodeURIComponent(c.number) + "&room=" + encodeURIComponent(c.room));
          a.play().then(function () { body.dataset.spoke = c.number; }).catch(function () { body.dataset.spoke = "blocked:" + c.number; });
        }, 1000);
      }
    }
    seen = key;
    body.dataset.updated = String(Date.now());
  }
  function place(p) {
    var st = document.getElementById("state");
    st.dataset.state = p.state;
    st.querySelectorAll(".ahead").forEach(function (el) { text(el, p.ahead); });
    text(st.querySelector(".minutes"), p.wait_minutes);
    st.querySelector(".est").hidden = !p.wait_minutes;
    text(st.querySelector(".room"), p.room || "");
    body.dataset.updated = String(Date.now());
  }
  var show = body.classList.contains("display") ? board : place;
  function clock() {
    var el = document.getElementById("clock");
    if (el) {
      el.textContent = new Date().toLocaleTimeString("ja-JP", { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit" });
    }
  }
  clock();
  setInterval(clock, 10000);
  show(JSON.parse(document.getElementById("initial").textContent));
  var es = new EventSource(body.dataset.feed);
  es.onmessage = function (ev) { show(JSON.parse(ev.data)); };
  es.addEventListener("gone", function () { es.close(); location.reload(); });
})();
