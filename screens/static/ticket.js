/* The visitor's status page. ES5 only and small: it must run on a cheap Android phone's browser. */
(function () {
  "use strict";

  var token = document.getElementById("app").getAttribute("data-token");
  var STATUS = {
    pending: "Sedang dicetak\u2026",
    waiting: "Menunggu panggilan",
    called: "Dipanggil",
    served: "Selesai dilayani",
    no_show: "Dilewati (tidak hadir)",
    cancelled: "Dibatalkan"
  };
  var socket = null;
  var lastSeq = null;
  var backoff = 1000;
  var stopped = false;
  var audio = null;          // AudioContext, created on the first tap (browsers block sound before it)
  var seenCalls = {};
  var pingTimer = null;

  function $(id) { return document.getElementById(id); }
  function setText(id, text) {
    var node = $(id);
    while (node.firstChild) { node.removeChild(node.firstChild); }
    node.appendChild(document.createTextNode(text));
  }

  function waitText(t) {
    if (t.status !== "waiting") { return "-"; }
    if (!t.ahead) { return "Segera"; }
    if (t.wait_minutes < 60) { return "\u00b1 " + t.wait_minutes + " menit"; }
    return "\u00b1 " + Math.floor(t.wait_minutes / 60) + " jam " + (t.wait_minutes % 60) + " mnt";
  }

  function render(t) {
    setText("number", t.number);
    setText("service", t.service.name);
    setText("agency", t.agency);
    setText("status", STATUS[t.status] || t.status);
    $("status").className = "status st-" + t.status;
    setText("ahead", t.status === "waiting" ? String(t.ahead) : "-");
    setText("wait", waitText(t));
    $("facts").style.display = t.status === "waiting" || t.status === "pending" ? "" : "none";
    setText("counters", t.status === "waiting" && t.counters.length ? "Dilayani di: " + t.counters.join(", ") : "");
    if (t.status === "called" && t.counter) {
      setText("c-number", t.number);
      setText("c-counter", t.counter.name);
      $("called").className = "called show";
    } else {
      $("called").className = "called";
    }
    document.title = t.number + " - " + (STATUS[t.status] || t.status);
  }

  // --- alert: vibration and a tone ---------------------------------------------------------

  function unlockSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { setText("sound", "Suara tidak didukung browser ini"); return; }
    if (!audio) { audio = new Context(); }
    if (audio.resume) { audio.resume(); }
    beep(0, 0.05, 660, 0.01);  // a silent-ish blip: the first sound must start inside the tap
    setText("sound", "Suara aktif \u2713");
    $("sound").className = "sound on";
  }

  function beep(delay, length, frequency, volume) {
    if (!audio) { return; }
    var start = audio.currentTime + delay;
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(volume, start);
    gain.gain.exponentialRampToValueAtTime(0.001, start + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(start);
    osc.stop(start + length + 0.05);
  }

  function alertVisitor() {
    if (navigator.vibrate) { navigator.vibrate([400, 150, 400, 150, 800]); }
    for (var i = 0; i < 3; i++) {
      beep(i * 0.9, 0.35, 880, 0.6);
      beep(i * 0.9 + 0.4, 0.45, 660, 0.6);
    }
  }

  // --- live updates ------------------------------------------------------------------------

  function connect() {
    if (stopped) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setText("net", "Menyambung\u2026");
    $("net").className = "net";
    socket = new WebSocket(scheme + location.host + "/ws/ticket/" + encodeURIComponent(token));
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    };
    socket.onclose = function (event) {
      socket = null;
      if (pingTimer) { clearInterval(pingTimer); pingTimer = null; }
      if (event.code === 4004) { stopped = true; setText("net", "Nomor antrean tidak ditemukan"); return; }
      setText("net", "Koneksi terputus, menyambung ulang\u2026");
      $("net").className = "net bad";
      var wait = backoff + Math.floor(Math.random() * 500);
      backoff = Math.min(backoff * 2, 30000);
      setTimeout(connect, wait);
    };
  }

  function handle(message) {
    if (message.type === "pong" || message.type === "error") { return; }
    if (message.type === "snapshot") {
      lastSeq = message.seq;
      backoff = 1000;
      setText("net", "Terhubung \u2022 diperbarui otomatis");
      $("net").className = "net ok";
      if (!pingTimer) { pingTimer = setInterval(function () { send({ type: "ping" }); }, 25000); }
      render(message.ticket);
      return;
    }
    if (lastSeq !== null && message.prev_seq !== lastSeq) {
      socket.close();  // a message was missed: reconnect for a fresh snapshot
      return;
    }
    lastSeq = message.seq;
    if (message.ticket) { render(message.ticket); }
    if (message.type === "call" && message.call && !seenCalls[message.call.id]) {
      seenCalls[message.call.id] = true;
      alertVisitor();
    }
  }

  function send(message) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); }
  }

  $("sound").onclick = unlockSound;
  render(TICKET_INITIAL);
  connect();
})();
