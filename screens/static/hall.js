/* The live hall view (/admin/hall): each agency's queues and counters, kept live over
 * /admin/ws/hall. The page is rendered with a snapshot; an `agency` message replaces that
 * agency's block wholesale, a new `snapshot` (after a reconnect) replaces them all.
 *
 * Waits tick on every second with the hall's clock (client.js), so a wait crossing its
 * service's target is flagged without a message from the server: highlighted, announced in
 * the #hall-alert banner and, when "Bunyi peringatan" is on, a short WebAudio beep. ES5. */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var root = document.getElementById("hall");
  if (!root) { return; }

  var SOUND_KEY = Antrian.storageKey("antrian.hall.sound");
  var OLDEST_SHOWN = 5;
  var NO_OFFICER = "Belum ada petugas";
  var snapshot = Antrian.pageData("hall-snapshot");
  var agencyAsked = root.getAttribute("data-agency");
  var clock = Antrian.hallClock(snapshot.site ? snapshot.site.timezone : null);
  var alerted = {};  // "service|number" -> true: each ticket raises the alert once
  var audio = null;

  // --- small helpers ---------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
  }

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: not remembered */ }
  }

  // "4:05" or "1:02:05": a duration that visibly ticks.
  function durationText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600), minutes = Math.floor(seconds / 60) % 60;
    var rest = Antrian.pad2(seconds % 60);
    return hours ? hours + ":" + Antrian.pad2(minutes) + ":" + rest : minutes + ":" + rest;
  }

  function minutesText(seconds) {
    if (seconds === null || seconds === undefined) { return "\u2014"; }
    return seconds < 60 ? "< 1 mnt" : Math.round(seconds / 60) + " mnt";
  }

  function stateText(counter) {
    var labels = Antrian.contract.deskStates || {};
    var label = labels[counter.state] || counter.state;
    return counter.reason ? label + " \u2014 " + counter.reason : label;
  }

  function secondsSince(iso) {
    var ms = Antrian.parseIso(iso);
    return isNaN(ms) ? null : (clock.now() - ms) / 1000;
  }

  // --- rendering ---------------------------------------------------------------------------

  function figure(list, term, className, value) {
    var row = element("div");
    row.appendChild(element("dt", null, term));
    row.appendChild(element("dd", className, value));
    list.appendChild(row);
    return row;
  }

  function serviceCard(service) {
    var card = element("li", "service");
    card.setAttribute("data-service", service.id);
    card.setAttribute("data-target", String(service.target_wait_minutes * 60));
    var head = element("div", "card-head");
    head.appendChild(element("span", "name", service.name));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(element("span", "prefix", service.prefix));
    card.appendChild(head);

    var figures = element("dl", "figures");
    figure(figures, "Menunggu", "waiting", service.waiting);
    var longest = figure(figures, "Terlama", "longest", "\u2014").lastChild;
    if (service.oldest.length) { longest.setAttribute("data-since", service.oldest[0].queued_at); }
    figure(figures, "Dilayani", "served", service.served);
    figure(figures, "Median tunggu", "median", minutesText(service.median_wait_seconds));
    figure(figures, "Target", "target", service.target_wait_minutes + " mnt");
    card.appendChild(figures);

    if (service.oldest.length) {
      var list = element("ol", "oldest");
      list.setAttribute("aria-label", "Antrean terlama " + service.name);
      for (var i = 0; i < service.oldest.length && i < OLDEST_SHOWN; i++) {
        var ticket = service.oldest[i];
        var item = element("li", ticket.priority ? "priority" : null, ticket.number + " ");
        item.setAttribute("data-number", ticket.number);
        var age = element("span", "age", "");
        age.setAttribute("data-since", ticket.queued_at);
        item.appendChild(age);
        list.appendChild(item);
      }
      card.appendChild(list);
    }
    return card;
  }

  function counterCard(counter) {
    var card = element("li", "counter");
    card.setAttribute("data-counter", counter.id);
    card.setAttribute("data-state", counter.state);
    var head = element("div", "card-head");
    head.appendChild(element("span", "name", counter.name));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(element("span", "state state-" + counter.state, stateText(counter)));
    if (counter.state !== "open" && counter.since) {
      var since = element("span", "since", "");
      since.setAttribute("data-since", counter.since);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(since);
    }
    card.appendChild(head);
    card.appendChild(element("div", counter.officer ? "officer" : "officer none", counter.officer ? counter.officer.name : NO_OFFICER));
    var current = element("div", "current");
    if (counter.current) {
      current.appendChild(element("span", "number", counter.current.number));
      current.appendChild(document.createTextNode(" "));
      var served = element("span", "for", "");
      served.setAttribute("data-since", counter.current.called_at);
      current.appendChild(served);
    } else {
      current.appendChild(element("span", "muted", "Tidak ada nomor"));
    }
    card.appendChild(current);
    return card;
  }

  function agencyBlock(agency) {
    var section = element("section", "agency");
    section.setAttribute("data-agency", agency.id);
    section.setAttribute("aria-labelledby", "agency-" + agency.id);
    var title = element("h2", null, agency.name);
    title.id = "agency-" + agency.id;
    section.appendChild(title);
    section.appendChild(element("h3", null, "Layanan"));
    var services = element("ul", "services");
    for (var i = 0; i < agency.services.length; i++) { services.appendChild(serviceCard(agency.services[i])); }
    section.appendChild(services);
    section.appendChild(element("h3", null, "Loket"));
    var counters = element("ul", "counters");
    for (var j = 0; j < agency.counters.length; j++) { counters.appendChild(counterCard(agency.counters[j])); }
    section.appendChild(counters);
    return section;
  }

  function renderAll(message) {
    var box = $("agencies");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    for (var i = 0; i < message.agencies.length; i++) { box.appendChild(agencyBlock(message.agencies[i])); }
    if (!message.agencies.length) { box.appendChild(element("p", "muted", "Tidak ada instansi yang dapat ditampilkan.")); }
    tick();
  }

  function replaceAgency(agency) {
    var old = document.querySelector('#agencies [data-agency="' + agency.id + '"]');
    var block = agencyBlock(agency);
    if (old) { old.parentNode.replaceChild(block, old); } else { $("agencies").appendChild(block); }
    tick();
  }

  // --- the clock: waits tick on, a wait past its target is flagged ------------------------

  function tick() {
    var ticking = root.querySelectorAll("[data-since]");
    for (var i = 0; i < ticking.length; i++) {
      var seconds = secondsSince(ticking[i].getAttribute("data-since"));
      setText(ticking[i], seconds === null ? "" : durationText(seconds));
    }
    var cards = root.querySelectorAll(".service[data-service]");
    var crossed = [];
    for (var c = 0; c < cards.length; c++) { flagLateTickets(cards[c], crossed); }
    if (crossed.length) { raiseAlert(crossed); }
    setText($("hall-clock"), clock.date() + " " + clock.time());
  }

  // Mark CARD's waiting tickets past the service's target; add those not alerted yet to CROSSED.
  function flagLateTickets(card, crossed) {
    var target = parseInt(card.getAttribute("data-target"), 10);
    var tickets = card.querySelectorAll(".oldest li[data-number]");
    var late = 0;
    for (var i = 0; i < tickets.length; i++) {
      var age = tickets[i].querySelector(".age");
      var seconds = secondsSince(age.getAttribute("data-since"));
      var isLate = seconds !== null && seconds >= target;
      tickets[i].setAttribute("data-late", isLate ? "1" : "0");
      tickets[i].className = (tickets[i].className.replace(/\s*late/g, "") + (isLate ? " late" : "")).replace(/^\s+/, "");
      if (isLate) {
        late += 1;
        var number = tickets[i].getAttribute("data-number");
        var key = card.getAttribute("data-service") + "|" + number;
        if (!alerted[key]) {
          alerted[key] = true;
          crossed.push({ card: card, number: number, seconds: seconds, target: target });
        }
      }
    }
    card.setAttribute("data-late", late ? "1" : "0");
    card.className = late ? "service late" : "service";
  }

  // The banner names the longest wait among those that crossed their target just now.
  function raiseAlert(crossed) {
    crossed.sort(function (a, b) { return b.seconds - a.seconds; });
    var first = crossed[0];
    var service = first.card.getAttribute("data-service");
    var name = first.card.querySelector(".card-head .name").textContent;
    var text = "Perhatian: " + first.number + " (" + name + ") sudah menunggu " + Math.floor(first.seconds / 60) +
      " menit, melewati target " + Math.round(first.target / 60) + " menit.";
    if (crossed.length > 1) { text += " Dan " + (crossed.length - 1) + " nomor lain."; }
    var banner = $("hall-alert");
    banner.textContent = text;
    banner.setAttribute("data-number", first.number);
    banner.setAttribute("data-service", service);
    banner.className = "hall-alert shown";
    beep();
  }

  // --- the optional sound ------------------------------------------------------------------

  function soundOn() { return $("hall-sound").checked; }

  // The AudioContext is made on the checkbox's click: browsers allow sound after a gesture.
  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      try { audio = new Context(); } catch (e) { audio = null; }
    }
    return audio;
  }

  function beep() {
    if (!soundOn()) { return; }
    var context = audioContext();
    if (!context) { return; }
    try {
      if (context.resume) { context.resume(); }
      var oscillator = context.createOscillator(), gain = context.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(context.currentTime);
      oscillator.stop(context.currentTime + 0.25);
      root.setAttribute("data-beeps", String((parseInt(root.getAttribute("data-beeps"), 10) || 0) + 1));
    } catch (e) { /* no sound device: the banner still shows */ }
  }

  // --- the connection ----------------------------------------------------------------------

  function linkText(text, problem) {
    var node = $("hall-link");
    setText(node, text);
    node.className = problem ? "problem" : "";
    root.setAttribute("data-connected", problem === null ? "1" : "0");
  }

  var link = Antrian.connect("/admin/ws/hall" + (agencyAsked ? "?agency=" + encodeURIComponent(agencyAsked) : ""), {
    onMessage: function (message) {
      if (message.type === "snapshot") {
        clock.setZone(message.site ? message.site.timezone : null);
        clock.sync(message.server_time);
        renderAll(message);
        linkText("Terhubung, diperbarui langsung", null);
      } else if (message.type === "agency" && message.agency) {
        replaceAgency(message.agency);
      } else if (message.type === "error") {
        link.stop();
        linkText(Antrian.errorText(message.code, message.message) + ". Muat ulang halaman untuk masuk lagi.", true);
      }
    },
    onFatal: function (code, message) {
      linkText(Antrian.errorText(code, message.message) + ". Muat ulang halaman untuk masuk lagi.", true);
    },
    onClose: function (info) {
      if (info.retrying) { linkText("Menghubungkan ulang\u2026", false); }
    },
    closePolicy: { refused: "stop" }
  });

  // --- wiring --------------------------------------------------------------------------------

  $("hall-sound").checked = storageGet(SOUND_KEY) === "1";
  $("hall-sound").onchange = function () {
    storageSet(SOUND_KEY, soundOn() ? "1" : "0");
    if (soundOn()) { audioContext(); }
  };

  clock.sync(snapshot.server_time);
  renderAll(snapshot);
  setInterval(tick, 1000);
  link.start();
  window.antrianHall = { link: link, clock: clock };
})();
