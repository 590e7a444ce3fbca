/* The visitor's status page. ES5 only and small: it must run on a cheap Android phone's browser.
 * Reconnecting, the prev_seq rule and the wait text come from client.js (window.Antrian).
 * Once the ticket is served, the page offers the SKM survey (its form: survey_form.js). */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var token = document.getElementById("app").getAttribute("data-token");
  var STATUS = {
    pending: "Sedang dicetak\u2026",
    waiting: "Menunggu panggilan",
    called: "Dipanggil",
    served: "Selesai dilayani",
    no_show: "Dilewati (tidak hadir)",
    cancelled: "Dibatalkan"
  };
  var surveyState = Antrian.pageData("survey-data");
  var survey = null;         // the survey's form, built when the visitor may answer
  var shown = null;          // the ticket as last rendered
  var audio = null;          // AudioContext, created on the first tap (browsers block sound before it)
  var seenCalls = {};

  function $(id) { return document.getElementById(id); }
  function setText(id, text) {
    var node = $(id);
    while (node.firstChild) { node.removeChild(node.firstChild); }
    node.appendChild(document.createTextNode(text));
  }

  function waitText(t) {
    return t.status === "waiting" ? Antrian.waitText(t.wait_minutes, t.ahead) : "-";
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
    shown = t;
    renderSurvey(t);
  }

  // --- the survey (SKM) -----------------------------------------------------------------------

  // Served while the page is open: the answering window has just begun. Served before the page
  // loaded: the server said whether it is still open.
  function surveyOpen(t) {
    return surveyState.enabled && t.status === "served" && !surveyState.answered && surveyState.open !== false;
  }

  function renderSurvey(t) {
    var open = surveyOpen(t);
    $("survey-thanks").hidden = !(surveyState.enabled && t.status === "served" && surveyState.answered);
    $("survey").hidden = !open;
    if (open && !survey) {
      survey = window.AntrianSurvey.create($("survey-form"), surveyState, { prefix: "p" });
      survey.onAnswers = answer;
    } else if (!open && survey) {
      survey.remove();
      survey = null;
    }
  }

  function answer(payload) {
    payload.ticket_token = token;
    survey.busy(true);
    window.AntrianSurvey.send(payload, null, function (outcome) {
      if (!survey) { return; }
      survey.busy(false);
      if (!outcome.answered) { survey.problem(outcome.text); return; }
      surveyState.answered = true;
      renderSurvey(shown);
      $("survey-thanks").focus();
    });
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

  function setNet(text, className) {
    setText("net", text);
    $("net").className = className;
  }

  function handle(message) {
    if (message.type === "snapshot") {
      setNet("Terhubung \u2022 diperbarui otomatis", "net ok");
      render(message.ticket);
      return;
    }
    if (message.ticket) { render(message.ticket); }
    if (message.type === "call" && message.call && !seenCalls[message.call.id]) {
      seenCalls[message.call.id] = true;
      alertVisitor();
    }
  }

  var link = Antrian.connect("/ws/ticket/" + encodeURIComponent(token), {
    onMessage: handle,
    onClose: function (info) {
      if (info.name === "not_found") { setNet(Antrian.errorText("ticket_not_found"), "net"); return; }
      setNet("Koneksi terputus, menyambung ulang\u2026", "net bad");
    },
    closePolicy: { not_found: "stop" }
  });

  $("sound").onclick = unlockSound;
  // A ticket not yet served when the page loaded: its window opens when the visitor is served.
  if (surveyState.open === false && !surveyState.until) { surveyState.open = null; }
  render(Antrian.pageData("ticket-initial"));
  setNet("Menyambung\u2026", "net");
  link.start();
})();
