/* Booking ahead on the visitor's phone. ES5 only: it must run on a cheap Android phone's browser.
 *
 * Two pages share this file (body's #app data-page): "booking", the booking page
 * (agency -> service -> date -> session -> optional phone -> the code), and "holder", the
 * holder's page of one booking (its status, cancelling it, and on to the ticket's page once
 * checked in). Error texts, day and month names come from client.js (window.Antrian).
 */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var app = document.getElementById("app");
  var HOLDER_REFRESH_MS = 20000;
  var STATUS = {
    booked: "Menunggu check-in",
    checked_in: "Sudah check-in",
    cancelled: "Dibatalkan",
    expired: "Kedaluwarsa"
  };

  // --- shared helpers -------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    return node;
  }

  function setText(id, text) { var node = $(id); clear(node); node.appendChild(document.createTextNode(text)); }

  var request = Antrian.requestJson;

  function problemText(data) {
    var error = data && data.error;
    return error ? Antrian.errorText(error.code, error.message) : Antrian.errorText("unreachable");
  }

  function showProblem(text) {
    setText("problem", text || "");
    if (text && $("problem").scrollIntoView) { $("problem").scrollIntoView(); }
  }

  // "K7M3PQ" -> "K7M 3PQ": two halves, easy to read aloud.
  function spacedCode(code) { return code.slice(0, 3) + " " + code.slice(3); }

  // Indonesian writes times with a dot: 07.30.
  function clockText(hhmm) { return hhmm.replace(":", "."); }

  function spanText(start, end) { return clockText(start) + "\u2013" + clockText(end); }

  // "2026-12-07" -> "Senin, 7 Desember 2026" (the names come from the contract).
  function dayText(iso) {
    var parts = iso.split("-");
    return Antrian.dateText(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]), 0);
  }

  function checkInText(view) {
    return view.check_in ? "Check-in: " + spanText(view.check_in.from, view.check_in.until) : "";
  }

  function whenText(view) {
    return dayText(view.date) + ", sesi " + spanText(view.session.start, view.session.end);
  }

  // "Dibatalkan: Gangguan sistem" when staff cancelled; "Dibatalkan" when the holder did
  function statusText(view) {
    var status = STATUS[view.status] || view.status;
    if (view.status !== "cancelled" || !view.reason) { return status; }
    return status + ": " + view.reason;
  }

  function fillList(list, items) {
    clear(list);
    for (var i = 0; i < items.length; i++) { list.appendChild(el("li", null, items[i])); }
  }

  // --- the booking page -----------------------------------------------------------------------

  function bookingPage() {
    var agencies = Antrian.pageData("booking-services");
    var chosen = { agency: null, service: null, date: null, session: null };
    var trail = [];      // the steps shown so far, for "Kembali"
    var busy = false;

    function show(step) {
      var steps = ["agency", "service", "date", "session", "confirm", "done"];
      for (var i = 0; i < steps.length; i++) { $("step-" + steps[i]).hidden = steps[i] !== step; }
      if (trail[trail.length - 1] !== step) { trail.push(step); }
      showProblem("");
      $("h-" + step).focus();
    }

    function back() {
      trail.pop();
      var step = trail.pop();
      if (step) { show(step); }
    }

    function choice(title, sub, onChoose) {
      var button = el("button", "choice");
      button.type = "button";
      button.appendChild(el("span", null, title));
      if (sub) { button.appendChild(el("span", "sub", sub)); }
      button.onclick = onChoose;
      return button;
    }

    function renderAgencies() {
      var list = $("agency-list");
      clear(list);
      for (var i = 0; i < agencies.length; i++) {
        (function (a) {
          var sub = a.short_name !== a.name ? a.name : a.services.length + " layanan";
          list.appendChild(choice(a.short_name, sub, function () { chooseAgency(a); }));
        })(agencies[i]);
      }
    }

    function chooseAgency(a) {
      chosen.agency = a;
      var list = $("service-list");
      clear(list);
      for (var i = 0; i < a.services.length; i++) {
        (function (s) {
          list.appendChild(choice(s.name, null, function () { chooseService(s); }));
        })(a.services[i]);
      }
      if (a.services.length === 1 && agencies.length === 1) { chooseService(a.services[0]); return; }
      show("service");
    }

    function chooseService(s) {
      chosen.service = s;
      setText("date-service", s.name + " \u00b7 " + chosen.agency.short_name);
      var list = $("date-list");
      clear(list);
      for (var i = 0; i < s.dates.length; i++) {
        (function (day) {
          list.appendChild(choice(dayText(day), i === 0 ? "Hari ini" : null, function () { chooseDate(day); }));
        })(s.dates[i]);
      }
      show("date");
    }

    function chooseDate(day) {
      chosen.date = day;
      setText("session-date", chosen.service.name + " \u00b7 " + dayText(day));
      var list = $("session-list");
      clear(list);
      list.appendChild(el("p", "muted", "Memuat sesi\u2026"));
      show("session");
      var url = Antrian.url("/api/booking/slots?service=" + encodeURIComponent(chosen.service.id) + "&date=" + encodeURIComponent(day));
      request("GET", url, null, function (status, data) {
        if (chosen.date !== day) { return; }  // the visitor went back and chose again
        clear(list);
        if (status !== 200 || !data) { showProblem(problemText(data)); return; }
        renderSessions(data);
      });
    }

    function renderSessions(slots) {
      var list = $("session-list");
      if (!slots.open) {
        list.appendChild(el("p", "problem", slots.reason || Antrian.errorText(slots.code)));
        return;
      }
      for (var i = 0; i < slots.sessions.length; i++) {
        (function (s) {
          var button = el("button", "choice");
          button.type = "button";
          button.appendChild(el("span", null, "Sesi " + spanText(s.start, s.end)));
          var left = s.over ? "Sudah lewat" : s.left > 0 ? "Sisa " + s.left + " dari " + s.quota + " tempat" : "Penuh";
          button.appendChild(el("span", "left", left));
          button.disabled = s.over || s.left <= 0;
          button.setAttribute("data-session", s.start);
          button.onclick = function () { chooseSession(s); };
          list.appendChild(button);
        })(slots.sessions[i]);
      }
      if (!slots.sessions.length) { list.appendChild(el("p", "muted", "Tidak ada sesi pada tanggal ini.")); }
    }

    function summaryRow(list, key, value) {
      var row = el("li");
      row.appendChild(el("span", "k", key));
      row.appendChild(el("span", "v", value));
      list.appendChild(row);
    }

    function chooseSession(s) {
      chosen.session = s;
      var list = $("confirm-summary");
      clear(list);
      summaryRow(list, "Instansi", chosen.agency.name);
      summaryRow(list, "Layanan", chosen.service.name);
      summaryRow(list, "Tanggal", dayText(chosen.date));
      summaryRow(list, "Sesi", spanText(s.start, s.end));
      show("confirm");
    }

    function book(event) {
      if (event && event.preventDefault) { event.preventDefault(); }
      if (busy || !chosen.session) { return false; }
      var phone = $("phone").value.replace(/^\s+|\s+$/g, "");
      if (phone && !/^\+?[0-9 -]{8,20}$/.test(phone)) {
        showProblem("Nomor HP hanya berisi angka, misalnya 081234567890. Boleh dikosongkan.");
        $("phone").focus();
        return false;
      }
      var body = { service: chosen.service.id, date: chosen.date, session: chosen.session.start };
      if (phone) { body.phone = phone; }
      busy = true;
      $("book").disabled = true;
      setText("book", "Memesan\u2026");
      request("POST", Antrian.url("/api/bookings"), body, function (status, data) {
        busy = false;
        $("book").disabled = false;
        setText("book", "Pesan");
        if (status === 201 && data) { showBooking(data); return; }
        showProblem(problemText(data));
        var code = data && data.error && data.error.code;
        if (code === "slot_full" || code === "session_over") { trail.pop(); chooseDate(chosen.date); showProblem(problemText(data)); }
      });
      return false;
    }

    function showBooking(view) {
      setText("done-code", spacedCode(view.code));
      $("done-code").setAttribute("aria-label", view.code.split("").join(" "));
      $("done-qr").src = Antrian.url("/b/" + encodeURIComponent(view.token) + "/qr.svg");
      setText("done-service", view.service.name + " \u00b7 " + view.agency);
      setText("done-when", whenText(view));
      setText("done-window", checkInText(view));
      var bring = $("done-bring");
      clear(bring);
      if (view.requirements && view.requirements.length) {
        bring.appendChild(el("p", "v", "Yang perlu dibawa:"));
        var list = el("ul");
        fillList(list, view.requirements);
        bring.appendChild(list);
      }
      $("done-link").href = view.status_url;
      trail = [];
      show("done");
    }

    var backs = app.getElementsByClassName("back");
    for (var i = 0; i < backs.length; i++) { backs[i].onclick = back; }
    $("book-form").onsubmit = book;
    renderAgencies();
    if (agencies.length === 1) { trail.push("agency"); chooseAgency(agencies[0]); } else { trail.push("agency"); }
  }

  // --- the holder's page ----------------------------------------------------------------------

  function holderPage() {
    var token = app.getAttribute("data-token");
    var apiUrl = Antrian.url("/api/bookings/" + encodeURIComponent(token));
    var shown = null;

    function render(view) {
      shown = view;
      if (view.ticket_url) { window.location.href = Antrian.url(view.ticket_url); return; }
      setText("when", whenText(view));
      var status = statusText(view);
      setText("status", status);
      $("status").className = "status st-" + view.status;
      setText("window", checkInText(view));
      $("window").hidden = view.status !== "booked" || !view.check_in;
      $("cancel").hidden = view.status !== "booked";
      fillList($("bring-list"), view.requirements || []);
      $("bring").hidden = !(view.requirements && view.requirements.length);
      document.title = spacedCode(view.code) + " - " + status;
    }

    function reread() {
      request("GET", apiUrl, null, function (status, data) {
        if (status === 200 && data) { render(data); }
      });
    }

    function askCancel() {
      $("cancel-ask").hidden = true;
      $("cancel-confirm").hidden = false;
      $("cancel-yes").focus();
    }

    function keep() {
      $("cancel-confirm").hidden = true;
      $("cancel-ask").hidden = false;
      $("cancel-ask").focus();
    }

    function cancel() {
      $("cancel-yes").disabled = true;
      request("POST", apiUrl + "/cancel", {}, function (status, data) {
        $("cancel-yes").disabled = false;
        if (status === 200 && data) {
          showProblem("");
          keep();
          render(data);
          $("status").focus();  // the cancel section is gone: say what happened
          return;
        }
        showProblem(problemText(data));
        reread();
      });
    }

    $("cancel-ask").onclick = askCancel;
    $("cancel-no").onclick = keep;
    $("cancel-yes").onclick = cancel;
    render(Antrian.pageData("booking-initial"));
    setInterval(reread, HOLDER_REFRESH_MS);
    // Back from another app: read at once rather than at the next tick.
    document.addEventListener("visibilitychange", function () { if (!document.hidden && shown) { reread(); } }, false);
  }

  if (app.getAttribute("data-page") === "holder") { holderPage(); } else { bookingPage(); }
})();
