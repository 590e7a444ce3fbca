/* Antrian kiosk. ES5 only (no let/const, arrow functions, fetch or promises): runs on old kiosk browsers.
 * The clock, the wait text and the error texts come from client.js (window.Antrian). */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var app = document.getElementById("app");
  var kioskId = app.getAttribute("data-kiosk");
  var idleSeconds = parseInt(app.getAttribute("data-idle"), 10) || 30;
  var TRY_AGAIN = "Silakan coba lagi atau hubungi petugas.";

  var state = null;          // last /api/kiosk answer
  var agency = null;         // chosen agency
  var service = null;        // chosen service
  var step = "agency";
  var bookingOn = false;     // some service takes bookings: offer check-in
  var idleTimer = null;
  var busy = false;
  var clock = Antrian.hallClock(null);  // the hall's zone and the server's time come with each refresh

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  var request = Antrian.requestJson;

  function requestId() {
    var s = "";
    for (var i = 0; i < 4; i++) { s += Math.floor(Math.random() * 0x100000000).toString(16); }
    return kioskId + "-" + new Date().getTime() + "-" + s;
  }

  function tickClock() {
    setText("clock-time", clock.shortTime());
    setText("clock-date", clock.date());
  }

  // --- steps -----------------------------------------------------------------------------

  function show(name) {
    var steps = ["agency", "service", "priority", "ticket", "checkin"];
    for (var i = 0; i < steps.length; i++) {
      $("step-" + steps[i]).className = "step" + (steps[i] === name ? " active" : "");
    }
    step = name;
    var backable = name === "priority" || name === "checkin" || (name === "service" && !singleAgency());
    $("back").style.visibility = backable ? "visible" : "hidden";
    touch();
  }

  function singleAgency() { return state && state.agencies.length === 1; }

  function reset() {
    agency = null;
    service = null;
    hideOverlay("alert");
    $("checkin-code").value = "";
    if (singleAgency()) { chooseAgency(state.agencies[0]); } else { renderAgencies(); show("agency"); }
  }

  function touch() {
    if (idleTimer) { clearTimeout(idleTimer); }
    if (step !== "agency" || $("alert").className.indexOf("show") >= 0) {
      idleTimer = setTimeout(function () { if (!busy) { reset(); } }, idleSeconds * 1000);
    }
  }

  function renderAgencies() {
    var list = $("agency-list");
    clear(list);
    if (!state) { return; }
    for (var i = 0; i < state.agencies.length; i++) {
      (function (a) {
        var open = 0;
        for (var j = 0; j < a.services.length; j++) { if (a.services[j].open) { open++; } }
        var button = el("button", "tile" + (open ? "" : " closed"));
        button.type = "button";
        button.appendChild(el("span", "tile-title", a.short_name));
        if (a.short_name !== a.name) { button.appendChild(el("span", "tile-sub", a.name)); }
        button.appendChild(el("span", "tile-meta", open ? open + " layanan buka" : "Tutup"));
        button.onclick = function () { chooseAgency(a); };
        list.appendChild(button);
      })(state.agencies[i]);
    }
  }

  function chooseAgency(a) {
    agency = a;
    renderServices();
    show("service");
  }

  function findAgency(id) {
    for (var i = 0; state && i < state.agencies.length; i++) { if (state.agencies[i].id === id) { return state.agencies[i]; } }
    return null;
  }

  function renderServices() {
    if (!agency) { return; }
    agency = findAgency(agency.id) || agency;
    $("service-title").innerHTML = "";
    $("service-title").appendChild(document.createTextNode("Pilih layanan " + agency.short_name));
    var list = $("service-list");
    clear(list);
    for (var i = 0; i < agency.services.length; i++) {
      (function (s) {
        var button = el("button", "row" + (s.open ? "" : " closed"));
        button.type = "button";
        var left = el("span", "row-main");
        left.appendChild(el("span", "row-title", s.name));
        if (s.open) {
          left.appendChild(el("span", "row-sub", s.waiting + " orang menunggu\u00a0\u00b7 perkiraan " + Antrian.waitText(s.wait_minutes, s.waiting).toLowerCase()));
        } else {
          left.appendChild(el("span", "row-reason", s.reason || "Tutup"));
        }
        button.appendChild(left);
        button.appendChild(el("span", "row-prefix", s.prefix));
        button.onclick = function () {
          if (!s.open) { alertBox("Layanan tutup", s.reason || "Layanan ini sedang tutup."); return; }
          chooseService(s);
        };
        list.appendChild(button);
      })(agency.services[i]);
    }
  }

  function chooseService(s) {
    service = s;
    if (!state.priority_labels.length) { issue(false, null); return; }
    var list = $("priority-list");
    clear(list);
    $("priority-service").innerHTML = "";
    $("priority-service").appendChild(document.createTextNode(s.name));
    var normal = el("button", "row primary-row");
    normal.type = "button";
    normal.appendChild(el("span", "row-title", "Umum"));
    normal.onclick = function () { issue(false, null); };
    list.appendChild(normal);
    for (var i = 0; i < state.priority_labels.length; i++) {
      (function (label) {
        var button = el("button", "row priority-row");
        button.type = "button";
        button.appendChild(el("span", "row-title", label));
        button.onclick = function () { issue(true, label); };
        list.appendChild(button);
      })(state.priority_labels[i]);
    }
    show("priority");
  }

  // --- issuing ---------------------------------------------------------------------------

  function issue(priority, label) {
    if (busy || !service) { return; }
    busy = true;
    $("busy-text").innerHTML = app.getAttribute("data-printer") === "yes" ? "Mencetak nomor antrean\u2026" : "Mengambil nomor antrean\u2026";
    showOverlay("busy");
    var body = { service: service.id, priority: priority, priority_label: label, request_id: requestId() };
    send(body, 0);
  }

  function send(body, attempt) {
    request("POST", Antrian.url("/api/kiosk/" + encodeURIComponent(kioskId) + "/tickets"), body, function (status, data) {
      // A lost answer is retried with the same request_id: the server returns the same ticket.
      if (status === 0 && attempt < 2) { setTimeout(function () { send(body, attempt + 1); }, 1000); return; }
      busy = false;
      hideOverlay("busy");
      if (status === 201 && data) { showTicket(data, body.priority_label); return; }
      var error = data && data.error;
      if (status === 409 && error) { alertBox("Layanan tutup", error.message); refresh(); }
      else if (error) { alertBox("Maaf", Antrian.errorText(error.code, error.message)); }
      else { alertBox("Maaf", Antrian.errorText("unreachable") + ". " + TRY_AGAIN); }
    });
  }

  function showTicket(data, label) {
    var t = data.ticket;
    var note = t.priority && label ? "\u00a0\u00b7 Prioritas: " + label : data.booked ? "\u00a0\u00b7 Booking" : "";
    setText("t-number", t.number);
    setText("t-service", t.service.name);
    setText("t-agency", t.agency + note);
    $("t-ahead").innerHTML = String(t.ahead);
    setText("t-wait", t.wait_minutes === null ? "-" : Antrian.waitText(t.wait_minutes, t.ahead));
    setText("t-counters", t.counters.length ? "Dilayani di: " + t.counters.join(", ") : "");
    $("t-qr").src = Antrian.url(data.qr_url);
    setText("t-print-note", data.printed ? "Ambil struk Anda di bawah." : "Struk sedang dicetak.");
    if (!data.printed) { printSlip(data.slip_url, label); }
    show("ticket");
    refresh();
  }

  function printSlip(url, label) {
    var frame = $("print-frame");
    frame.src = Antrian.url(url) + "?print=1" + (label ? "&label=" + encodeURIComponent(label) : "");
  }

  function setText(id, text) { var node = $(id); clear(node); node.appendChild(document.createTextNode(text)); }

  // --- check-in of a booking -------------------------------------------------------------

  function showCheckInEntry() {
    $("checkin-open").hidden = !bookingOn;
    $("checkin-open-service").hidden = !(bookingOn && singleAgency());
  }

  function openCheckIn() {
    $("checkin-code").value = "";
    show("checkin");
    $("checkin-code").focus();
  }

  function checkIn() {
    var code = $("checkin-code").value.replace(/[^0-9A-Za-z]/g, "");
    if (busy || !code) { $("checkin-code").focus(); return; }
    busy = true;
    setText("busy-text", "Check-in\u2026");
    showOverlay("busy");
    request("POST", Antrian.url("/api/kiosk/" + encodeURIComponent(kioskId) + "/check-in"), { code: code }, function (status, data) {
      busy = false;
      hideOverlay("busy");
      $("checkin-code").value = "";
      if (status === 201 && data) { data.booked = true; showTicket(data, null); return; }
      var error = data && data.error;
      if (error) { alertBox("Check-in gagal", Antrian.errorText(error.code, error.message)); }
      else { alertBox("Maaf", Antrian.errorText("unreachable") + ". " + TRY_AGAIN); }
    });
  }

  // A USB scanner types the code and Enter, whatever is on screen (the last visitor's ticket,
  // an error): a letter or digit typed outside the code's box starts a check-in.
  function scannerKey(event) {
    touch();
    var key = event.key || "";
    var typing = key.length === 1 && /[0-9A-Za-z]/.test(key) && !event.ctrlKey && !event.altKey && !event.metaKey;
    if (!bookingOn || busy || !typing || event.target === $("checkin-code")) { return; }
    hideOverlay("alert");
    openCheckIn();  // the focused box then receives this key's character
  }

  function refreshBooking() {
    request("GET", Antrian.url("/api/booking/services"), null, function (status, data) {
      if (status !== 200 || !data) { return; }
      bookingOn = data.agencies.length > 0;
      showCheckInEntry();
    });
  }

  // --- overlays --------------------------------------------------------------------------

  function showOverlay(id) { $(id).className = "overlay show"; }
  function hideOverlay(id) { $(id).className = "overlay"; }

  function alertBox(title, text) {
    setText("alert-title", title);
    setText("alert-text", text);
    showOverlay("alert");
    touch();
  }

  // --- state refresh ---------------------------------------------------------------------

  function refresh() {
    request("GET", Antrian.url("/api/kiosk/" + encodeURIComponent(kioskId)), null, function (status, data) {
      if (status !== 200 || !data) { setText("net", "Koneksi terputus, mencoba lagi\u2026"); $("net").className = "net bad"; return; }
      setText("net", "");
      $("net").className = "net";
      var first = state === null;
      state = data;
      clock.setZone(data.site.timezone);
      clock.sync(data.server_time);
      if (first) { reset(); }
      else if (step === "agency") { renderAgencies(); }
      else if (step === "service") { renderServices(); }
      tickClock();
      refreshBooking();
    });
  }

  // --- wiring ----------------------------------------------------------------------------

  $("back").onclick = function () {
    if (step === "priority") { show("service"); } else { reset(); }
  };
  $("done").onclick = reset;
  $("checkin-open").onclick = openCheckIn;
  $("checkin-open-service").onclick = openCheckIn;
  $("checkin-form").onsubmit = function (event) {
    if (event.preventDefault) { event.preventDefault(); }
    checkIn();
    return false;
  };
  document.addEventListener("keydown", scannerKey, true);
  $("alert-ok").onclick = function () { hideOverlay("alert"); touch(); };
  document.addEventListener("touchstart", touch, true);
  document.addEventListener("mousedown", touch, true);
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); }, false);

  refresh();
  setInterval(refresh, 15000);
  setInterval(tickClock, 1000);
})();
