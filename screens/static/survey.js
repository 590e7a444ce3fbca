/* The counter's survey tablet (/survey/{counter_id}), at a booth beside the counter. ES5 only.
 *
 * It asks once for the counter's device token (kept in localStorage under the same key as the
 * web counter's), follows /ws/survey/{counter_id}, and offers each ticket the counter has just
 * served: the nine questions (survey_form.js), then thanks for a few seconds, then waits for
 * the next one. Reconnecting and the prev_seq rule come from client.js (window.Antrian). */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var COUNTER = document.body.getAttribute("data-counter");
  var TOKEN_KEY = Antrian.storageKey("antrian.counter." + COUNTER + ".token");
  var THANKS_MS = 6000;
  var VIEWS = ["token-form", "idle", "offer", "thanks"];

  var form = Antrian.pageData("survey-form-data");
  var current = null;     // the offer on screen: {ticket_id, number, service, finished_at}
  var next = null;        // an offer that arrived while the thanks were shown
  var answered = {};      // ticket ids answered on this tablet, never offered again
  var survey = null;
  var thanksTimer = null;
  var expiryTimer = null;

  function $(id) { return document.getElementById(id); }

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function storageSet(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode: the token is asked again after a reload */ }
  }

  function show(view) {
    for (var i = 0; i < VIEWS.length; i++) { $(VIEWS[i]).hidden = VIEWS[i] !== view; }
    $("change-token").hidden = view !== "idle";  // never under a visitor's answers
    document.body.setAttribute("data-view", view);
  }

  function setNet(text, className) {
    $("net").textContent = text;
    $("net").className = "net " + (className || "");
  }

  // --- offers ----------------------------------------------------------------------------------

  function wait() {
    current = null;
    clearTimeout(expiryTimer);
    if (survey) { survey.remove(); survey = null; }
    show("idle");
  }

  function offer(item) {
    if (!item || answered[item.ticket_id]) { return; }
    if (thanksTimer !== null) { next = item; return; }
    if (current && current.ticket_id === item.ticket_id) { return; }  // a reconnect's snapshot: keep what is filled in
    current = item;
    $("offer-number").textContent = item.number;
    $("offer-service").textContent = item.service;
    if (survey) { survey.remove(); }
    survey = window.AntrianSurvey.create($("survey-form"), form, { prefix: "t" });
    survey.onAnswers = submit;
    show("offer");
    window.scrollTo(0, 0);
    clearTimeout(expiryTimer);
    // The server offers a ticket only this long after its service; the visitor has gone by then.
    expiryTimer = setTimeout(wait, form.tablet_minutes * 60000);
  }

  function thank() {
    if (survey) { survey.remove(); survey = null; }
    current = null;
    clearTimeout(expiryTimer);
    show("thanks");
    $("thanks").focus();
    thanksTimer = setTimeout(function () {
      thanksTimer = null;
      var pending = next;
      next = null;
      wait();
      offer(pending);
    }, THANKS_MS);
  }

  function submit(payload) {
    var item = current;
    var token = storageGet(TOKEN_KEY);
    payload.counter = COUNTER;
    payload.ticket_id = item.ticket_id;
    survey.busy(true);
    window.AntrianSurvey.send(payload, token, function (outcome) {
      if (current !== item) { return; }
      if (outcome.answered) {
        answered[item.ticket_id] = true;
        thank();
        return;
      }
      survey.busy(false);
      if (outcome.code === "unauthorized") { forgetToken(outcome.text); return; }
      survey.problem(outcome.text);
    });
  }

  // --- the connection --------------------------------------------------------------------------

  function handle(message) {
    if (message.type === "snapshot") {
      if (message.form) { form = message.form; }
      setNet("Terhubung", "ok");
      if (!current && thanksTimer === null) { show("idle"); }
      offer(message.offer);
    } else if (message.type === "offer") {
      offer(message.offer);
    }
  }

  var link = Antrian.connect("/ws/survey/" + encodeURIComponent(COUNTER), {
    onOpen: function (socket) {
      var token = storageGet(TOKEN_KEY);
      if (token) { socket.send({ type: "hello", counter: COUNTER, token: token }); } else { forgetToken(""); }
    },
    onMessage: handle,
    onFatal: function (code, message) {
      if (code === "unauthorized") { forgetToken(Antrian.errorText(code)); return; }
      setNet(Antrian.errorText(code, message && message.message), "bad");
    },
    onClose: function (info) {
      if (!info.fatal && info.retrying) { setNet("Koneksi terputus, menyambung ulang\u2026", "bad"); }
    }
  });

  function forgetToken(error) {
    link.stop();
    storageSet(TOKEN_KEY, null);
    wait();
    show("token-form");
    $("token-error").textContent = error;
    $("token-input").value = "";
    $("token-input").focus();
    setNet("", "");
  }

  function connect() {
    if (!storageGet(TOKEN_KEY)) { forgetToken(""); return; }
    show("idle");
    setNet("Menghubungkan\u2026", "");
    link.start();
  }

  $("token-form").onsubmit = function (event) {
    event.preventDefault();
    var token = $("token-input").value.replace(/^\s+|\s+$/g, "");
    if (!token) { return; }
    storageSet(TOKEN_KEY, token);
    connect();
  };
  $("change-token").onclick = function () { forgetToken(""); };

  connect();
})();
