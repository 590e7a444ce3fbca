/* Antrian TV screen.
 *
 * ES5 only: Samsung Tizen 3 and old webOS browsers run this file as is (no let/const,
 * arrow functions, template literals, classes, promises required).
 *
 * Data flow: the page is rendered with a snapshot; a WebSocket then pushes `call`,
 * `counter` and fresh `snapshot` messages (docs/protocol.md). Announcements are played
 * strictly one after another, each call id once per browser (ids kept in localStorage).
 * Reconnecting, the prev_seq rule and the clock's texts come from client.js (window.Antrian).
 */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var BOOT = Antrian.pageData("screen-boot");
  var FLASH_MS = 6000;
  var AUDIO_RETRIES = 3;
  var AUDIO_STALL_MS = 30000;
  var PLAYED_KEPT = 300;
  var IMAGE_SECONDS = 10;
  var MEDIA_VOLUME = 0.7;
  var MEDIA_DUCKED = 0.08;
  // 0.1 s of silence, WAV PCM 8 kHz mono: used to learn whether autoplay is allowed.
  var SILENT_WAV = "data:audio/wav;base64,UklGRkQDAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YSAD" +
    new Array(1071).join("A") + "==";

  var state = {
    site: {},
    screen: {},
    runningText: "",
    calls: [],          // newest first
    counters: [],       // counter views, in config order
    heroId: null
  };
  // The server's figure is the fallback for engines without time-zone data.
  var clock = Antrian.hallClock(null, BOOT.tz_offset_minutes);

  // --- page events for tests and diagnostics ------------------------------------------

  var events = window.antrianEvents = [];
  function emit(type, id, detail) {
    var entry = { type: type, id: id || null, t: Date.now() };
    if (detail !== undefined) { entry.detail = detail; }
    events.push(entry);
    if (events.length > 500) { events.splice(0, events.length - 500); }
  }

  // --- small helpers ------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }
  function setText(el, text) { if (el.textContent !== text) { el.textContent = text; } }
  function contains(list, value) {
    for (var i = 0; i < list.length; i++) { if (list[i] === value) { return true; } }
    return false;
  }
  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // --- clock in the hall's time zone ----------------------------------------------------

  function tickClock() {
    setText($("clock-time"), clock.time());
    setText($("clock-date"), clock.date());
  }

  // --- sizing ---------------------------------------------------------------------------

  var view = { w: 0, h: 0, rotated: false };

  function measure() {
    var w = window.innerWidth, h = window.innerHeight;
    var configured = state.screen.orientation === "portrait";
    view.rotated = configured && w > h;  // a TV that cannot rotate its output: turn the page
    view.w = view.rotated ? h : w;
    view.h = view.rotated ? w : h;
    var portrait = view.h > view.w;  // a tall browser window gets the tall arrangement either way
    document.body.className = document.body.className.replace(/\s*(rotated|orient-\w+)/g, "") +
      (view.rotated ? " rotated" : "") + (portrait ? " orient-portrait" : " orient-landscape");
    var frame = $("frame");
    frame.style.width = view.rotated ? view.w + "px" : "";
    frame.style.height = view.rotated ? view.h + "px" : "";
    var unit = portrait ? Math.min(view.w / 1080, view.h / 1920) : Math.min(view.w / 1920, view.h / 1080);
    document.documentElement.style.fontSize = (20 * unit * (state.screen.font_scale || 1)).toFixed(2) + "px";
  }

  // Largest font size (up to maxPx) at which the text fits its box on one line.
  function fit(el, maxPx, minPx) {
    var size = Math.max(Math.floor(maxPx), 8);
    minPx = minPx || 10;
    el.style.fontSize = size + "px";
    var guard = 40;
    while (guard-- > 0 && size > minPx && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 2)) {
      size = Math.floor(size * 0.92);
      el.style.fontSize = size + "px";
    }
    return size;
  }

  function fitHero() {
    var num = $("hero-number");
    fit(num, num.clientHeight * 0.95);
    fit($("hero-dest"), $("hero-dest").clientHeight * 0.9);
    fit($("hero-service"), $("hero-service").clientHeight * 0.85);
  }

  // --- theme ----------------------------------------------------------------------------

  function applyTheme(theme) {
    var bg = theme.background, panel = theme.panel, accent = theme.accent, text = theme.text;
    var css =
      "body.screen{background:" + bg + ";color:" + text + "}" +
      ".panel,#ticker,.tile{background:" + panel + ";color:" + text + "}" +
      "#hero-number,#history-list .num,.tile .t-num,.panel-title{color:" + accent + "}" +
      "#hero-recall{background:" + accent + ";color:" + bg + "}" +
      "#history-list li.empty .num{color:" + text + ";opacity:.25}" +
      "@-webkit-keyframes antrian-flash{0%{background:" + accent + ";color:" + bg + "}50%{background:" + panel + ";color:" + text + "}}" +
      "@keyframes antrian-flash{0%{background:" + accent + ";color:" + bg + "}50%{background:" + panel + ";color:" + text + "}}" +
      ".flash{-webkit-animation:antrian-flash .8s step-end 7;animation:antrian-flash .8s step-end 7}" +
      ".flash #hero-number,.flash .t-num,.flash .num{color:inherit}";
    var style = $("theme-style");
    if (style.textContent !== css) { style.textContent = css; }
  }

  // --- rendering ------------------------------------------------------------------------

  function callDest(call) { return call.counter ? call.counter.name : ""; }

  function counterById(id) {
    for (var i = 0; i < state.counters.length; i++) { if (state.counters[i].id === id) { return state.counters[i]; } }
    return null;
  }

  // "Jeda \u2014 Istirahat", "Tutup", or "" for an open counter (labels from the contract).
  function deskText(counter) {
    if (!counter || !counter.state || counter.state === "open") { return ""; }
    var label = Antrian.contract.deskStates[counter.state] || counter.state;
    return counter.state === "paused" && counter.reason ? label + " \u2014 " + counter.reason : label;
  }

  // A past call's counter as the list shows it now: "Loket 3 \u2014 Istirahat" while it is paused.
  function historyDest(call) {
    var counter = call.counter ? counterById(call.counter.id) : null;
    if (!counter || !counter.state || counter.state === "open") { return callDest(call); }
    var note = counter.state === "paused" && counter.reason ? counter.reason : deskText(counter);
    return callDest(call) + " \u2014 " + note;
  }

  function renderHeader() {
    var rem = parseFloat(document.documentElement.style.fontSize || "20");
    setText($("site-name"), state.site.name || "");
    setText($("screen-title"), state.screen.title || "");
    fit($("site-name"), 2.6 * rem, 1.6 * rem);  // long hall names shrink before they are cut
    var logo = $("logo");
    var url = state.screen.logo ? (state.screen.logo.indexOf("/static/") === 0 ? state.screen.logo : Antrian.url("/logo/" + BOOT.screen_id)) : BOOT.logo_url;
    if (url) {
      if (logo.getAttribute("src") !== url) { logo.src = url; }
      logo.style.display = "";
    } else {
      logo.style.display = "none";
    }
  }

  function renderHero() {
    var call = state.calls[0];
    var hero = $("hero");
    hero.setAttribute("data-call-id", call ? call.id : "");
    hero.setAttribute("data-number", call ? call.number : "");
    hero.className = "panel" + (call && call.recall ? " recall" : "") + (hero.className.indexOf("flash") >= 0 ? " flash" : "");
    setText($("hero-number"), call ? call.number : "\u2014");
    setText($("hero-dest"), call ? "\u2192 " + callDest(call) : "Menunggu panggilan");
    setText($("hero-service"), call && call.service ? call.service.name : "\u00a0");
    fitHero();
  }

  // Earlier calls, one line per ticket (a recall does not list the same ticket twice).
  function historyCalls() {
    var seen = {}, rows = [];
    var limit = state.screen.history === undefined ? 6 : state.screen.history;
    if (state.calls[0]) { seen[state.calls[0].ticket_id] = true; }
    for (var i = 1; i < state.calls.length && rows.length < limit; i++) {
      var call = state.calls[i];
      if (!seen[call.ticket_id]) { seen[call.ticket_id] = true; rows.push(call); }
    }
    return rows;
  }

  function renderHistory() {
    var list = $("history-list");
    var slots = state.screen.history === undefined ? 6 : state.screen.history;
    $("history").style.display = slots > 0 || state.screen.layout === "grid" ? "" : "none";
    if (slots <= 0) { list.innerHTML = ""; return; }
    var rem = parseFloat(document.documentElement.style.fontSize || "20");
    // Fewer, readable rows beat many small ones: a row is never lower than 4.4rem.
    slots = Math.max(1, Math.min(slots, Math.floor(list.clientHeight / (4.4 * rem))));
    var rows = historyCalls();
    var rowH = list.clientHeight / slots;
    var font = Math.min(rowH * 0.56, rem * 3.6);
    var html = "";
    for (var i = 0; i < slots; i++) {
      var call = rows[i];
      html += '<li style="height:' + rowH.toFixed(1) + "px;line-height:" + rowH.toFixed(1) + "px;font-size:" + font.toFixed(1) + 'px"' +
        (call ? ' data-call-id="' + escapeHtml(call.id) + '" data-number="' + escapeHtml(call.number) + '" data-counter="' +
          escapeHtml(call.counter ? call.counter.id : "") + '"' : ' class="empty"') + ">" +
        '<span class="num">' + (call ? escapeHtml(call.number) : "\u2014") + "</span>" +
        '<span class="dest">' + (call ? escapeHtml(historyDest(call)) : "") + "</span></li>";
    }
    list.innerHTML = html;
  }

  // Columns and rows that give the largest tiles of a TV-friendly shape (about 1.6 : 1).
  function gridShape(n, w, h) {
    var best = { cols: 1, rows: n, size: 0 };
    for (var cols = 1; cols <= n; cols++) {
      var rows = Math.ceil(n / cols);
      var size = Math.min(w / cols / 1.6, h / rows);
      if (size > best.size) { best = { cols: cols, rows: rows, size: size }; }
    }
    return best;
  }

  function renderTiles() {
    if (state.screen.layout !== "grid") { return; }
    var box = $("tiles");
    var n = state.counters.length;
    var w = box.clientWidth, h = box.clientHeight;
    if (!n) { box.innerHTML = '<div class="tile idle" style="left:0;top:0;width:100%;height:100%"><div class="t-name" style="top:40%;font-size:2rem">Belum ada loket</div></div>'; return; }
    var shape = gridShape(n, w, h);
    var gap = Math.max(4, Math.round(Math.min(w, h) * 0.012));
    var tw = (w - gap * (shape.cols - 1)) / shape.cols;
    var th = (h - gap * (shape.rows - 1)) / shape.rows;
    // Small tiles (a big hall) drop the waiting line so the number stays readable from afar.
    var roomy = th >= 7 * parseFloat(document.documentElement.style.fontSize || "20");
    var numTop = roomy ? 30 : 33, numH = roomy ? 50 : 62;
    var html = "";
    for (var i = 0; i < n; i++) {
      var c = state.counters[i];
      var col = i % shape.cols, row = Math.floor(i / shape.cols);
      var number = c.current ? c.current.number : "\u2014";
      var desk = deskText(c);  // a paused or closed counter shows its state where its number was
      html += '<div class="tile' + (desk ? " desk-" + c.state : c.current ? "" : " idle") + '" id="tile-' + escapeHtml(c.id) +
        '" data-counter="' + escapeHtml(c.id) + '" data-state="' + escapeHtml(c.state || "open") +
        '" data-number="' + escapeHtml(c.current ? c.current.number : "") + '" style="left:' + (col * (tw + gap)).toFixed(1) +
        "px;top:" + (row * (th + gap)).toFixed(1) + "px;width:" + tw.toFixed(1) + "px;height:" + th.toFixed(1) + 'px">' +
        '<div class="t-name" style="top:4%;height:28%;font-size:' + (th * (roomy ? 0.19 : 0.23)).toFixed(1) + "px;line-height:" + (th * 0.28).toFixed(1) + 'px">' + escapeHtml(c.name) + "</div>" +
        (desk ? deskHtml(c, numTop, numH) :
          '<div class="t-num" style="top:' + numTop + "%;height:" + numH + "%;line-height:" + (th * numH / 100).toFixed(1) + 'px">' + escapeHtml(number) + "</div>") +
        (roomy && !desk ? '<div class="t-wait" style="top:80%;height:16%;font-size:' + (th * 0.12).toFixed(1) + "px;line-height:" + (th * 0.16).toFixed(1) + 'px">Menunggu: ' + (c.waiting || 0) + "</div>" : "") +
        "</div>";
    }
    box.innerHTML = html;
    var nums = box.getElementsByClassName("t-num");
    for (var j = 0; j < nums.length; j++) { fit(nums[j], Math.min(th * numH / 100 * 0.92, tw * 0.3)); }
  }

  // A paused tile: "Jeda" over its reason, as large as two lines allow; a closed one: "Tutup".
  function deskHtml(counter, top, height) {
    var label = escapeHtml(Antrian.contract.deskStates[counter.state] || counter.state);
    var text = counter.state === "paused" && counter.reason ? label + "<br>" + escapeHtml(counter.reason) : label;
    return '<div class="t-num t-desk" style="top:' + top + "%;height:" + height + '%">' + text + "</div>";
  }

  var tickerShown = null;
  function renderTicker() {
    var text = state.runningText || "";
    var el = $("ticker-text");
    if (tickerShown === text + "|" + view.w) { return; }
    tickerShown = text + "|" + view.w;
    setText(el, text);
    el.setAttribute("data-text", text);
    var width = el.scrollWidth, box = $("ticker").clientWidth;
    var seconds = Math.max(8, (width + box) / 110);  // about 110 px per second: readable while moving
    var frames = "{from{-webkit-transform:translateX(" + box + "px);transform:translateX(" + box + "px)}" +
      "to{-webkit-transform:translateX(" + (-width) + "px);transform:translateX(" + (-width) + "px)}}";
    var style = $("ticker-style") || document.head.appendChild(document.createElement("style"));
    style.id = "ticker-style";
    style.textContent = "@-webkit-keyframes antrian-ticker" + frames + "@keyframes antrian-ticker" + frames;
    var anim = text ? "antrian-ticker " + seconds.toFixed(1) + "s linear infinite" : "none";
    el.style.webkitAnimation = "none";
    el.style.animation = "none";
    void el.offsetWidth;  // restart the animation with the new keyframes
    el.style.webkitAnimation = anim;
    el.style.animation = anim;
  }

  function renderAll() {
    measure();
    renderHeader();
    renderHero();
    renderHistory();
    renderTiles();
    renderTicker();
    tickClock();
  }

  function flash(el) {
    if (!el) { return; }
    el.className = el.className.replace(/\s*flash/g, "");
    void el.offsetWidth;  // restart the animation for a recall of the same ticket
    el.className += " flash";
    clearTimeout(el.flashTimer);
    el.flashTimer = setTimeout(function () { el.className = el.className.replace(/\s*flash/g, ""); }, FLASH_MS);
  }

  // --- state updates ----------------------------------------------------------------------

  function acceptsCall(call) {
    var s = state.screen;
    if (s.counters && s.counters.length && !contains(s.counters, call.counter.id)) { return false; }
    if (s.services && s.services.length && !contains(s.services, call.service.id)) { return false; }
    return true;
  }

  function showCall(call, announce) {
    if (!acceptsCall(call)) { return; }
    for (var i = state.calls.length - 1; i >= 0; i--) {
      if (state.calls[i].id === call.id) { state.calls.splice(i, 1); }
    }
    state.calls.unshift(call);
    state.calls.length = Math.min(state.calls.length, Math.max((state.screen.history || 0) * 3 + 1, 10));
    setCounterCurrent(call);
    renderHero();
    renderHistory();
    renderTiles();
    flash($("hero"));
    flash($("tile-" + call.counter.id));
    emit("call-shown", call.id, call.number);
    if (announce) { announcer.offer(call); }
  }

  function setCounterCurrent(call) {
    for (var i = 0; i < state.counters.length; i++) {
      var c = state.counters[i];
      if (c.id === call.counter.id) {
        c.current = { id: call.ticket_id, number: call.number, service: call.service.id, called_at: call.at, recalls: 0 };
      }
    }
  }

  function updateCounter(counter) {
    var s = state.screen;
    if (s.counters && s.counters.length && !contains(s.counters, counter.id)) { return; }
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].id === counter.id) {
        var before = state.counters[i].current ? state.counters[i].current.number : "";
        var deskBefore = deskText(state.counters[i]);
        state.counters[i] = counter;
        renderTiles();
        if (deskText(counter) !== deskBefore) {
          renderHistory();
          emit("counter-state", counter.id, counter.state);
        }
        var after = counter.current ? counter.current.number : "";
        if (after && after !== before) { flash($("tile-" + counter.id)); }
        return;
      }
    }
    if (counter.zone === s.zone) { state.counters.push(counter); renderTiles(); }
  }

  function needsReload(next) {
    var s = state.screen;
    return next.layout !== BOOT.layout || next.media_folder !== BOOT.media_folder || next.orientation !== s.orientation;
  }

  function applySnapshot(snap, live) {
    if (live && needsReload(snap.screen)) {
      emit("reload", null, snap.screen.layout);
      window.location.reload();
      return;
    }
    var previousHero = state.heroId;
    state.site = snap.site || {};
    state.screen = snap.screen || {};
    state.runningText = snap.running_text || "";
    state.counters = snap.counters || [];
    var calls = [];
    for (var i = 0; i < (snap.calls || []).length; i++) {
      if (acceptsCall(snap.calls[i])) { calls.push(snap.calls[i]); }
    }
    state.calls = calls;
    clock.setZone(state.site.timezone);
    clock.sync(snap.server_time);
    document.title = (state.screen.title || state.site.name || "Antrian") + " - Antrian";
    applyTheme(state.screen.theme || {});
    renderAll();
    var hero = state.calls[0];
    state.heroId = hero ? hero.id : null;
    if (hero && live && previousHero !== undefined && hero.id !== previousHero) {
      flash($("hero"));  // a call made while we were away
      emit("call-shown", hero.id, hero.number);
    }
    // Oldest first, so calls missed during a blip are announced in the order they were made.
    for (var j = state.calls.length - 1; j >= 0; j--) { announcer.offer(state.calls[j]); }
    announcer.configure(state.screen);
    emit("snapshot", null, snap.seq);
  }

  // --- announcements ------------------------------------------------------------------

  var played = {
    key: Antrian.storageKey("antrian.played." + BOOT.screen_id),
    ids: null,
    load: function () {
      if (this.ids) { return; }
      this.ids = [];
      try { this.ids = (window.localStorage.getItem(this.key) || "").split(",").filter(Boolean); } catch (e) { /* storage off */ }
    },
    has: function (id) {
      this.load();
      try { this.ids = (window.localStorage.getItem(this.key) || "").split(",").filter(Boolean); } catch (e) { /* memory only */ }
      return contains(this.ids, id);
    },
    add: function (id) {
      this.load();
      this.ids.push(id);
      if (this.ids.length > PLAYED_KEPT) { this.ids = this.ids.slice(this.ids.length - PLAYED_KEPT); }
      try { window.localStorage.setItem(this.key, this.ids.join(",")); } catch (e) { /* memory only */ }
    }
  };

  var announcer = {
    el: null,
    queue: [],
    busy: false,
    status: "off",       // what the server is told: ok | blocked | off
    attempt: 0,           // bumps on every play attempt: late events of older ones are ignored
    enabled: false,

    init: function () {
      this.el = $("announce");
      var self = this;
      function unlock() { self.unlock(); }
      document.addEventListener("keydown", unlock, false);
      document.addEventListener("click", unlock, false);
      document.addEventListener("touchstart", unlock, false);
    },

    configure: function (screen) {
      var enabled = !!screen.audio;
      if (enabled === this.enabled && this.status !== "off") { return; }
      this.enabled = enabled;
      if (!enabled) {
        this.queue = [];
        this.setStatus("off");
        return;
      }
      this.probe();
    },

    // Play a silent sound to learn whether the browser lets this page play audio.
    probe: function () {
      var self = this;
      var probe = new Audio();
      probe.src = SILENT_WAV;
      var result;
      try { result = probe.play(); } catch (e) { result = null; }
      if (result && typeof result.then === "function") {
        result.then(function () { self.setStatus("ok"); self.pump(); }, function (err) {
          self.setStatus(err && err.name === "NotAllowedError" ? "blocked" : "ok");
          self.pump();
        });
      } else {
        this.setStatus("ok");  // old engines: no promise; a real failure shows up when playing
        this.pump();
      }
    },

    setStatus: function (status) {
      if (this.status === status) { return; }
      this.status = status;
      document.body.setAttribute("data-audio", status);
      $("unlock").style.display = status === "blocked" ? "" : "none";
      emit("audio-status", null, status);
      sendStatus();
    },

    unlock: function () {
      if (this.status !== "blocked") { return; }
      var self = this;
      // Starting playback inside the key/click handler is what unlocks audio for the page.
      this.el.src = SILENT_WAV;
      var result;
      try { result = this.el.play(); } catch (e) { result = null; }
      if (result && typeof result.then === "function") {
        result.then(function () { self.setStatus("ok"); self.pump(); }, function () { self.setStatus("blocked"); });
      } else {
        this.setStatus("ok");
        this.pump();
      }
    },

    tooOld: function (call) {
      var at = Antrian.parseIso(call.at);
      var maxAge = state.screen.announce_max_age_seconds;
      if (maxAge === undefined) { maxAge = 60; }
      return !isNaN(at) && clock.now() - at > maxAge * 1000;
    },

    offer: function (call) {
      if (!state.screen.audio || played.has(call.id)) { return; }
      for (var i = 0; i < this.queue.length; i++) { if (this.queue[i].call.id === call.id) { return; } }
      if (this.tooOld(call)) { return; }
      played.add(call.id);  // claimed now, so a reload or a second tab never says it again
      this.queue.push({ call: call, tries: 0 });
      emit("audio-queued", call.id, call.number);
      this.pump();
    },

    pump: function () {
      if (this.busy || !this.queue.length || this.status === "blocked" || this.status === "off") { return; }
      var item = this.queue[0];
      if (!item.call.audio) {
        this.queue.shift();
        emit("audio-skip", item.call.id, "no-audio");
        this.pump();
        return;
      }
      this.busy = true;
      this.play(item);
    },

    play: function (item) {
      var self = this, el = this.el;
      var attempt = ++this.attempt;
      var started = false;
      function current() { return attempt === self.attempt; }
      emit("audio-attempt", item.call.id, item.tries);
      el.onplaying = function () {
        if (!current() || started) { return; }
        started = true;
        emit("audio-start", item.call.id, item.call.number);
        if (self.status !== "ok") { self.setStatus("ok"); }
      };
      el.onended = function () { if (current()) { self.finish(item, "audio-end"); } };
      el.onerror = function () { if (current()) { self.retry(item); } };
      clearTimeout(this.stallTimer);
      this.stallTimer = setTimeout(function () { if (current()) { self.finish(item, "audio-stalled"); } }, AUDIO_STALL_MS);
      media.duck(true);
      el.src = Antrian.url(item.call.audio) + (item.tries ? (item.call.audio.indexOf("?") < 0 ? "?" : "&") + "retry=" + item.tries : "");
      var result;
      try { result = el.play(); } catch (e) { result = null; }
      if (result && typeof result.then === "function") {
        result.then(null, function (err) {
          if (!current()) { return; }
          if (err && err.name === "NotAllowedError") { self.blocked(); } else if (err && err.name !== "AbortError") { self.retry(item); }
        });
      }
    },

    retry: function (item) {
      this.attempt++;
      clearTimeout(this.stallTimer);
      item.tries += 1;
      emit("audio-error", item.call.id, item.tries);
      if (item.tries > AUDIO_RETRIES) { this.finish(item, "audio-skip"); return; }
      var self = this;
      // The speech worker may be restarting: wait 1 s, 2 s, 4 s; later calls wait their turn.
      setTimeout(function () { self.play(item); }, 1000 * Math.pow(2, item.tries - 1));
    },

    blocked: function () {
      this.attempt++;
      clearTimeout(this.stallTimer);
      this.busy = false;
      media.duck(false);
      this.setStatus("blocked");
    },

    finish: function (item, kind) {
      this.attempt++;
      clearTimeout(this.stallTimer);
      if (this.queue[0] === item) { this.queue.shift(); }
      this.busy = false;
      emit(kind, item.call.id, item.call.number);
      if (!this.queue.length) { media.duck(false); }
      this.pump();
    }
  };

  // --- media playlist (layout "media") ------------------------------------------------------

  var media = {
    items: [],
    index: -1,
    ducked: false,
    timer: null,

    start: function (items) {
      this.items = items || [];
      var video = $("media-video"), self = this;
      $("media-empty").style.display = this.items.length ? "none" : "";
      video.onended = function () { self.next(); };
      video.onerror = function () { setTimeout(function () { self.next(); }, 1000); };
      $("media-image").onerror = function () { setTimeout(function () { self.next(); }, 1000); };
      if (this.items.length) { this.next(); }
    },

    next: function () {
      clearTimeout(this.timer);
      if (!this.items.length) { return; }
      this.index = (this.index + 1) % this.items.length;
      var item = this.items[this.index], video = $("media-video"), image = $("media-image"), self = this;
      if (item.kind === "image") {
        video.pause();
        video.style.display = "none";
        image.src = item.url;
        image.style.display = "block";
        this.timer = setTimeout(function () { self.next(); }, IMAGE_SECONDS * 1000);
        return;
      }
      image.style.display = "none";
      video.style.display = "block";
      video.src = item.url;
      video.volume = this.ducked ? MEDIA_DUCKED : MEDIA_VOLUME;
      this.playVideo(video);
      if (this.items.length === 1) { video.loop = true; }
    },

    playVideo: function (video) {
      video.muted = false;
      var result;
      try { result = video.play(); } catch (e) { result = null; }
      if (result && typeof result.then === "function") {
        result.then(null, function (err) {
          if (err && err.name === "NotAllowedError") { video.muted = true; video.play(); }  // sound blocked: play silent
        });
      }
    },

    // Lower the video's sound while an announcement plays, so the call is heard.
    duck: function (on) {
      this.ducked = on;
      var video = $("media-video");
      if (video) { video.volume = on ? MEDIA_DUCKED : MEDIA_VOLUME; }
      document.body.setAttribute("data-ducked", on ? "1" : "0");
    }
  };

  // --- connection -----------------------------------------------------------------------

  function receive(message) {
    if (message.type === "snapshot") {
      setConnected(true);
      applySnapshot(message, true);
    } else if (message.type === "call" && message.call) {
      showCall(message.call, true);
    } else if (message.type === "counter" && message.counter) {
      updateCounter(message.counter);
    } else if (message.type === "error") {
      emit("server-error", null, message.code);
    }
  }

  // The screen's `key` from the config rides on the TV's URL (/screen/{id}?key=...): only a
  // connection that carries it is trusted with its status on the admin page.
  var KEY = /(?:^|[?&])key=([^&#]*)/.exec(window.location.search);
  var connection = Antrian.connect("/ws/screen/" + encodeURIComponent(BOOT.screen_id) + (KEY ? "?key=" + KEY[1] : ""), {
    onOpen: sendStatus,
    onMessage: receive,
    onResync: function (message) {
      emit("gap", null, { expected: connection.lastSeq, prev_seq: message.prev_seq });
      return false;  // reconnect for a fresh snapshot
    },
    onClose: function (info) {
      if (info.dropped === "silent") { emit("silent", null); }
      if (info.dropped) { return; }  // a resync: the badge waits for a real failure
      setConnected(false);
      emit("disconnected", null, info.code);
    },
    closePolicy: { not_found: "slow" }  // an unknown screen may yet be added to the config
  });

  function sendStatus() {
    connection.send({ type: "status", audio: announcer.status, user_agent: navigator.userAgent });
  }

  function setConnected(on) {
    document.body.setAttribute("data-connected", on ? "1" : "0");
    $("badge").style.display = on ? "none" : "";
    if (on) { emit("connected", null); }
  }

  // --- start ----------------------------------------------------------------------------

  function start() {
    announcer.init();
    state.heroId = undefined;  // first render: nothing to flash
    applySnapshot(Antrian.pageData("screen-snapshot"), false);
    state.heroId = state.calls[0] ? state.calls[0].id : null;
    $("badge").style.display = "none";
    if (BOOT.layout === "media") { media.start(BOOT.media); }
    connection.start();
    setInterval(tickClock, 1000);
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(renderAll, 150);
    }, false);
  }

  window.antrianScreen = { state: state, announcer: announcer, connection: connection };
  start();
})();
