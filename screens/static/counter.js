/* Antrian web counter. ES5 only (old smart-TV and office browsers), no build step, no CDN.
 *
 * The outbox of commands lives in localStorage under their request ids: a command sent
 * while offline, or whose ack was lost, or pending when the page was reloaded, is sent
 * again with the same id after the next welcome, and the server acts on it once.
 * A sign-in is the exception: it carries the officer's PIN, so it is sent once from memory
 * and never stored; a sign-in lost with the link is simply asked for again.
 *
 * The desk: who is signed in (sign_in, sign_out) and its state (pause with a reason, open,
 * close). Calls are refused while the counter is not open, or nobody is signed in where the
 * hall requires it; the page shows why and keeps those buttons disabled.
 * Reconnecting, the prev_seq rule and the error texts come from client.js (window.Antrian). */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var COUNTER = document.body.getAttribute("data-counter");
  var TOKEN_KEY = Antrian.storageKey("antrian.counter." + COUNTER + ".token");
  var OUTBOX_KEY = Antrian.storageKey("antrian.counter." + COUNTER + ".outbox");
  var GUARD_MS = 800;
  // keyCode works on every browser; KP_Enter is 13 like Enter.
  var KEYS = {
    13: "call_next", 107: "call_next", 112: "call_next", 78: "call_next", 97: "call_next",
    113: "recall", 96: "recall", 82: "recall", 98: "recall",
    114: "skip", 109: "skip", 76: "skip", 99: "skip",
    115: "finish", 110: "finish", 83: "finish", 100: "finish",
    116: "transfer", 111: "transfer", 65: "transfer", 101: "transfer",
    117: "call", 106: "call", 80: "call", 102: "call"
  };

  var CALLS = { call_next: true, call: true, recall: true };  // refused unless the desk allows calls

  var state = {
    online: false, fatal: null, connectedOnce: false, failures: 0,
    counter: null, services: [], transferTo: [], pauseReasons: [],
    resent: {}, refreshAfterResends: false, lastPress: {},
    signIn: null,          // the sign-in in flight: {id} (its PIN is not kept)
    changingOfficer: false // "Ganti petugas" opened the sign-in form over a signed-in officer
  };
  var outbox = loadOutbox();

  function $(id) { return document.getElementById(id); }

  // --- storage -------------------------------------------------------------------------

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function storageSet(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode: the page still works, without surviving a reload */ }
  }

  function loadOutbox() {
    try {
      var list = JSON.parse(storageGet(OUTBOX_KEY) || "[]");
      return list && list.length !== undefined ? list : [];
    } catch (e) { return []; }
  }

  function saveOutbox() { storageSet(OUTBOX_KEY, outbox.length ? JSON.stringify(outbox) : null); }

  function newId() {
    var bytes = new Array(16), i, hex = "";
    if (window.crypto && window.crypto.getRandomValues) {
      var random = new Uint8Array(16);
      window.crypto.getRandomValues(random);
      for (i = 0; i < 16; i++) { bytes[i] = random[i]; }
    } else {
      for (i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i = 0; i < 16; i++) {
      hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      if (i === 3 || i === 5 || i === 7 || i === 9) { hex += "-"; }
    }
    return hex;
  }

  // --- connection ----------------------------------------------------------------------

  var link = Antrian.connect("/ws/counter", {
    onOpen: function () {
      var token = storageGet(TOKEN_KEY);
      if (token) { send({ type: "hello", counter: COUNTER, token: token }); } else { stop(); showTokenForm(""); }
    },
    onMessage: function (message) {
      receive(message);
      render();
    },
    onResync: function () {
      send({ type: "state" });  // a missed message: ask for the counter's state, keep the link
      return true;
    },
    onFatal: function (code) {
      failed(code);
      render();
    },
    onClose: function (info) {
      state.online = false;
      state.failures = info.failures;
      if (state.signIn) {  // its reply is lost with the link: the officer signs in again
        state.signIn = null;
        $("sign-in-error").textContent = Antrian.errorText("unreachable");
      }
      render();
    }
  });

  function connect() {
    if (!storageGet(TOKEN_KEY)) { stop(); showTokenForm(""); return; }
    $("token-form").hidden = true;
    $("desk").hidden = false;
    state.fatal = null;
    state.failures = 0;
    link.start();
    render();
  }

  function stop() {
    link.stop();
    state.online = false;
  }

  function send(message) { link.send(message); }

  // --- protocol ------------------------------------------------------------------------

  function receive(message) {
    switch (message.type) {
      case "welcome": welcomed(message); break;
      case "state": takeSnapshot(message); break;
      case "counter": state.counter = message.counter; break;
      case "waiting": setWaiting(message.service, message.waiting); break;
      case "ack": case "error":
        if (state.signIn && message.id === state.signIn.id) { signInReplied(message); } else { replied(message); }
        break;
    }
  }

  function welcomed(message) {
    takeSnapshot(message);
    state.online = true;
    state.connectedOnce = true;
    state.failures = 0;
    state.resent = {};
    for (var i = 0; i < outbox.length; i++) {
      state.resent[outbox[i].id] = true;
      send(outbox[i]);
    }
    state.refreshAfterResends = outbox.length > 0;
  }

  function takeSnapshot(message) {
    state.counter = message.counter;
    state.services = message.services || [];
    state.transferTo = message.transfer_to || [];
    if (message.pause_reasons) { state.pauseReasons = message.pause_reasons; }
  }

  function setWaiting(service, waiting) {
    for (var i = 0; i < state.services.length; i++) {
      if (state.services[i].id === service) { state.services[i].waiting = waiting; }
    }
  }

  function replied(message) {
    var command = takeFromOutbox(message.id);
    if (!command) { return; }
    if (message.type === "ack") {
      if (message.counter) { state.counter = message.counter; }
      say(ackText(command.type, message.ticket), false);
    } else {
      say(Antrian.errorText(message.code, message.message), true);
    }
    delete state.resent[command.id];
    if (state.refreshAfterResends && isEmpty(state.resent)) {
      state.refreshAfterResends = false;
      send({ type: "state" });  // a replayed ack shows the counter as it was then
    }
  }

  function signInReplied(message) {
    state.signIn = null;
    if (message.type === "ack") {
      if (message.counter) { state.counter = message.counter; }
      state.changingOfficer = false;
      $("sign-in-error").textContent = "";
      say(ackText("sign_in", null), false);
    } else {
      $("sign-in-error").textContent = Antrian.errorText(message.code, message.message);
      $("pin-input").focus();
    }
  }

  function failed(code) {
    state.fatal = code;
    if (code === "unauthorized") {
      storageSet(TOKEN_KEY, null);
      showTokenForm(Antrian.errorText(code));
    }
  }

  function takeFromOutbox(id) {
    for (var i = 0; i < outbox.length; i++) {
      if (outbox[i].id === id) {
        var command = outbox.splice(i, 1)[0];
        saveOutbox();
        return command;
      }
    }
    return null;
  }

  function isEmpty(object) {
    for (var key in object) { if (object.hasOwnProperty(key)) { return false; } }
    return true;
  }

  // --- presses -------------------------------------------------------------------------

  function pendingHas(test) {
    for (var i = 0; i < outbox.length; i++) { if (test(outbox[i].type)) { return true; } }
    return false;
  }

  function guardAllows(action) {
    var now = Date.now();
    var last = state.lastPress[action];
    if (last && now - last < GUARD_MS) { return false; }
    if (pendingHas(function (t) { return t === action || (Antrian.takesNewTicket(action) && Antrian.takesNewTicket(t)); })) { return false; }
    state.lastPress[action] = now;
    return true;
  }

  function recallLimitReached() {
    var counter = state.counter, current = counter && counter.current;
    return !!(current && counter.recall_limit > 0 && current.recalls >= counter.recall_limit);
  }

  // Why calls are refused right now (an Indonesian text), or "" when they are allowed.
  function callsBlocked() {
    var counter = state.counter;
    if (!counter) { return ""; }
    if (counter.state === "paused") { return Antrian.errorText("counter_paused"); }
    if (counter.state === "closed") { return Antrian.errorText("counter_closed"); }
    if (counter.require_sign_in && !counter.officer) { return Antrian.errorText("not_signed_in"); }
    return "";
  }

  function press(action) {
    if (state.fatal) { return; }
    if (CALLS[action] && callsBlocked()) { say(callsBlocked(), true); return; }
    if (action === "transfer") { openPanel("transfer-form"); return; }
    if (action === "call") { openPanel("call-form"); return; }
    submit(action, {});
  }

  function submit(action, fields) {
    if (action === "recall" && recallLimitReached()) {
      say("Sudah dipanggil " + state.counter.current.recalls + " kali. Tekan Lewati bila pengunjung tidak hadir.", true);
      return;
    }
    if (!guardAllows(action)) { return; }
    var command = { type: action, id: newId() };
    for (var key in fields) { if (fields.hasOwnProperty(key)) { command[key] = fields[key]; } }
    outbox.push(command);
    saveOutbox();  // before sending: a reload right now must still send it, with this id
    if (state.online) { send(command); }
    render();
  }

  function openPanel(id) {
    closePanels();
    if (id === "transfer-form") { fillTransferChoices(); }
    if (id === "pause-form") { fillPauseReasons(); }
    $(id).hidden = false;
    var field = $(id).querySelector("select, input");
    if (field) { field.focus(); }
  }

  function closePanels() {
    $("transfer-form").hidden = true;
    $("call-form").hidden = true;
    $("pause-form").hidden = true;
  }

  function fillPauseReasons() {
    var select = $("pause-reason");
    select.innerHTML = "";
    for (var i = 0; i < state.pauseReasons.length; i++) {
      var option = document.createElement("option");
      option.value = state.pauseReasons[i];
      option.appendChild(document.createTextNode(state.pauseReasons[i]));
      select.appendChild(option);
    }
  }

  // Sent once, from memory: the PIN leaves the field as it is sent and is kept nowhere.
  function signIn(officer, pin) {
    if (!state.online) { $("sign-in-error").textContent = Antrian.errorText("unreachable"); return; }
    var command = { type: "sign_in", id: newId(), officer: officer, pin: pin };
    state.signIn = { id: command.id };
    $("sign-in-error").textContent = "";
    send(command);
  }

  function fillTransferChoices() {
    var select = $("transfer-service"), current = state.counter && state.counter.current;
    select.innerHTML = "";
    for (var i = 0; i < state.transferTo.length; i++) {
      var service = state.transferTo[i];
      if (current && service.id === current.service) { continue; }
      var option = document.createElement("option");
      option.value = service.id;
      option.appendChild(document.createTextNode(service.name));
      select.appendChild(option);
    }
  }

  function onKey(event) {
    var target = event.target || {};
    var tag = (target.tagName || "").toLowerCase();
    if (event.keyCode === 27) { closePanels(); return; }
    if (tag === "input" || tag === "select" || tag === "textarea" || event.ctrlKey || event.altKey || event.metaKey) { return; }
    var action = KEYS[event.keyCode];
    if (!action || $("desk").hidden) { return; }
    if (event.preventDefault) { event.preventDefault(); }
    press(action);
  }

  // --- rendering -----------------------------------------------------------------------

  function ackText(action, ticket) {
    var number = (ticket && ticket.number) || "";
    switch (action) {
      case "call_next": case "call": return "Memanggil " + number;
      case "recall": return "Panggil ulang " + number;
      case "skip": return number + " dilewati (tidak hadir)";
      case "finish": return number + " selesai dilayani";
      case "transfer": return number + " dialihkan";
      case "sign_in": return "Selamat bertugas, " + officerName();
      case "sign_out": return "Petugas sudah keluar";
      case "pause": return "Loket dijeda: " + ((state.counter && state.counter.reason) || "");
      case "open": return "Loket dibuka, siap memanggil";
      case "close": return "Loket ditutup";
    }
    return "OK";
  }

  function say(text, isError) {
    var box = $("message");
    box.textContent = text;
    box.className = isError ? "message error" : "message";
  }

  function serviceName(id) {
    var lists = [state.services, state.transferTo];
    for (var l = 0; l < lists.length; l++) {
      for (var i = 0; i < lists[l].length; i++) { if (lists[l][i].id === id) { return lists[l][i].name; } }
    }
    return id || "";
  }

  function waitingTotal() {
    if (!state.services.length) { return (state.counter && state.counter.waiting) || 0; }
    var total = 0;
    for (var i = 0; i < state.services.length; i++) { total += state.services[i].waiting || 0; }
    return total;
  }

  function linkText() {
    if (state.fatal) { return Antrian.errorText(state.fatal); }
    if (state.online) { return "Terhubung"; }
    var unreachable = Antrian.errorText("unreachable");
    if (state.failures >= 2) { return state.connectedOnce ? "Menghubungkan ulang… (" + unreachable + ")" : unreachable; }
    return state.connectedOnce ? "Menghubungkan ulang…" : "Menghubungkan…";
  }

  function officerName() {
    var officer = state.counter && state.counter.officer;
    return officer ? officer.name : "";
  }

  function deskStateText(counter) {
    var label = Antrian.contract.deskStates[counter.state] || counter.state;
    return counter.state === "paused" && counter.reason ? label + " \u2014 " + counter.reason : label;
  }

  function renderDesk() {
    var counter = state.counter;
    if (!counter) { return; }
    var officer = counter.officer;
    var name = $("officer-name");
    name.textContent = officer ? "Petugas: " + officer.name : "Belum ada petugas";
    name.className = officer ? "officer" : "officer none";
    $("sign-out").hidden = !officer;
    $("change-officer").hidden = !officer || state.changingOfficer;
    var signInShown = !officer || state.changingOfficer;
    if ($("sign-in-form").hidden === signInShown) {
      $("sign-in-form").hidden = !signInShown;
      if (!signInShown) { $("sign-in-error").textContent = ""; }
    }
    $("sign-in-cancel").hidden = !officer;
    $("sign-in-submit").disabled = !!state.signIn;

    var desk = $("desk-state");
    desk.textContent = deskStateText(counter);
    desk.setAttribute("data-state", counter.state);
    desk.className = "desk-state state-" + counter.state;
    $("pause-button").hidden = counter.state !== "open";
    $("open-button").hidden = counter.state === "open";
    $("open-button").textContent = counter.state === "paused" ? "Lanjutkan" : Antrian.actionLabel("open");
    $("close-button").hidden = counter.state === "closed";
    if (counter.state !== "open") { $("pause-form").hidden = true; }

    var blocked = callsBlocked();
    $("calls-blocked").textContent = blocked;
    var calls = document.querySelectorAll("[data-calls]");
    for (var i = 0; i < calls.length; i++) {
      calls[i].disabled = !!blocked;
      calls[i].title = blocked;
    }
  }

  function render() {
    var link = $("link"), counter = state.counter, current = counter && counter.current;
    renderDesk();
    link.textContent = linkText();
    link.className = "link " + (state.fatal ? "failed" : state.online ? "online" : "connecting");
    $("current").textContent = current ? current.number : "—";
    var info = "";
    if (current) {
      info = serviceName(current.service) + " · panggil ulang " + (current.recalls || 0);
      if (counter.recall_limit) { info += "/" + counter.recall_limit; }
    }
    $("info").textContent = info;
    $("waiting").textContent = String(waitingTotal());
    $("pending").hidden = outbox.length === 0;
    $("skip").className = recallLimitReached() ? "suggest" : "";
    document.title = (current ? current.number + " — " : "") + document.body.getAttribute("data-counter-name") + " — Antrian";
  }

  function showTokenForm(error) {
    $("desk").hidden = true;
    $("token-form").hidden = false;
    $("token-error").textContent = error;
    $("token-input").value = "";
    $("token-input").focus();
  }

  // --- wiring --------------------------------------------------------------------------

  function wire() {
    var buttons = document.querySelectorAll("[data-action]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].onclick = (function (action) { return function () { press(action); }; })(buttons[i].getAttribute("data-action"));
    }
    $("token-form").onsubmit = function (event) {
      event.preventDefault();
      var token = $("token-input").value.replace(/^\s+|\s+$/g, "");
      if (!token) { return; }
      storageSet(TOKEN_KEY, token);
      connect();
    };
    $("transfer-form").onsubmit = function (event) {
      event.preventDefault();
      var service = $("transfer-service").value;
      closePanels();
      if (service) { submit("transfer", { service: service }); }
    };
    $("call-form").onsubmit = function (event) {
      event.preventDefault();
      var number = $("call-number").value.replace(/^\s+|\s+$/g, "");
      $("call-number").value = "";
      closePanels();
      if (number) { submit("call", { number: number }); }
    };
    var cancels = document.querySelectorAll(".panel .cancel");
    for (var c = 0; c < cancels.length; c++) { cancels[c].onclick = closePanels; }
    $("sign-in-form").onsubmit = function (event) {
      event.preventDefault();
      var officer = $("officer-input").value.replace(/^\s+|\s+$/g, "").toLowerCase();
      var pin = $("pin-input").value;
      $("pin-input").value = "";
      if (!officer || !pin || state.signIn) { return; }
      signIn(officer, pin);
      render();
    };
    $("sign-in-cancel").onclick = function () {
      state.changingOfficer = false;
      $("pin-input").value = "";
      render();
    };
    $("change-officer").onclick = function () {
      state.changingOfficer = true;
      render();
      $("officer-input").value = "";
      $("officer-input").focus();
    };
    $("sign-out").onclick = function () { submit("sign_out", {}); };
    $("pause-button").onclick = function () { openPanel("pause-form"); };
    $("pause-form").onsubmit = function (event) {
      event.preventDefault();
      var reason = $("pause-reason").value;
      closePanels();
      if (reason) { submit("pause", { reason: reason }); }
    };
    $("open-button").onclick = function () { submit("open", {}); };
    $("close-button").onclick = function () { submit("close", {}); };
    $("change-token").onclick = function () {
      storageSet(TOKEN_KEY, null);
      stop();
      showTokenForm("");
    };
    document.addEventListener("keydown", onKey, false);
  }

  wire();
  connect();
})();
