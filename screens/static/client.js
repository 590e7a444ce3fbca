/* Antrian's shared page script: one reconnect policy, one clock, one set of texts.
 *
 * ES5 only: Samsung Tizen 3 and old webOS browsers run this file as is (no let/const,
 * arrow functions, template literals, classes, promises required).
 *
 * Load order: /contract.js (window.ANTRIAN_CONTRACT, rendered from display_server/contract.py
 * and display_server/indonesian.py), then this file, then the page's own script. The numbers
 * and texts below all come from the contract; nothing here restates them.
 */
(function () {
  "use strict";

  var CONTRACT = window.ANTRIAN_CONTRACT;
  if (!CONTRACT) { throw new Error("Antrian: /contract.js must load before /static/client.js"); }

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  function contains(list, value) {
    for (var i = 0; i < list.length; i++) { if (list[i] === value) { return true; } }
    return false;
  }

  var CLOSE_NAMES = {};  // 4008 -> "too_slow"
  for (var closeName in CONTRACT.close) {
    if (has(CONTRACT.close, closeName)) { CLOSE_NAMES[CONTRACT.close[closeName]] = closeName; }
  }

  // --- texts ----------------------------------------------------------------------------

  // The Indonesian text for an error code; the server's message, or the code, when unknown.
  function errorText(code, message) {
    if (code && has(CONTRACT.errors, code)) { return CONTRACT.errors[code]; }
    return message || "Gagal (" + code + ")";
  }

  function isFatal(code) { return contains(CONTRACT.fatal, code); }

  function actionLabel(action) { return has(CONTRACT.actionLabels, action) ? CONTRACT.actionLabels[action] : action; }

  function takesNewTicket(action) { return contains(CONTRACT.callActions, action); }

  // --- the hall's base -------------------------------------------------------------------

  // Every address of a hall (pages, APIs, sockets, call audio) is relative to its base: ""
  // for a single hall, "/h/<hall>" in a deployment of many. The server writes it into each
  // page's <meta name="antrian-base">; static files stay at /static/ and take no base.
  var BASE = (function () {
    var meta = document.querySelector ? document.querySelector('meta[name="antrian-base"]') : null;
    return meta ? (meta.getAttribute("content") || "").replace(/\/+$/, "") : "";
  })();

  // A hall-relative PATH ("/api/...") as this page's address; anything else (an absolute
  // URL, a data: URL, /static/) as is.
  function url(path) {
    if (typeof path !== "string" || path.charAt(0) !== "/" || path.charAt(1) === "/") { return path; }
    if (path.indexOf("/static/") === 0) { return path; }
    return BASE + path;
  }

  // A localStorage key of this hall: two halls on one server (one browser origin) never share
  // a counter's token, outbox or a screen's played calls. A single hall keeps the bare key.
  function storageKey(key) { return BASE ? key + "@" + BASE : key; }

  // The WebSocket URL for a hall-relative PATH ("/ws/counter"), on this page's host.
  function socketUrl(path) {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + url(path);
  }

  // The estimated wait as the kiosk and the visitor's phone show it.
  function waitText(minutes, ahead) {
    if (!ahead) { return "Segera"; }
    if (minutes < 60) { return "\u00b1 " + minutes + " menit"; }
    return "\u00b1 " + Math.floor(minutes / 60) + " jam " + (minutes % 60) + " menit";
  }

  // --- dates and times in the hall's zone ---------------------------------------------------

  function pad2(n) { return n < 10 ? "0" + n : String(n); }

  // The hall's wall clock at `ms`, to be read with getUTC* (the device's own zone plays no part).
  function wallClock(ms, offsetMinutes) { return new Date(ms + offsetMinutes * 60000); }

  // "08:35:22": colons, where the id-ID locale prints 08.35.22.
  function timeText(ms, offsetMinutes) {
    var d = wallClock(ms, offsetMinutes);
    return pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) + ":" + pad2(d.getUTCSeconds());
  }

  function shortTimeText(ms, offsetMinutes) {
    var d = wallClock(ms, offsetMinutes);
    return pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
  }

  // "Senin, 24 November 2026". The contract's days start on Monday, as Python's weekday().
  function dateText(ms, offsetMinutes) {
    var d = wallClock(ms, offsetMinutes);
    return CONTRACT.days[(d.getUTCDay() + 6) % 7] + ", " + d.getUTCDate() + " " +
      CONTRACT.months[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  // Date.parse is unreliable for microseconds and offsets on old engines: parse by hand.
  var ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):?(\d\d))?$/;
  function parseIso(text) {
    var m = ISO.exec(text || "");
    if (!m) { return NaN; }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +(m[7] + "00").slice(0, 3) : 0);
    if (m[9]) { ms -= (m[9] === "-" ? -1 : 1) * (+m[10] * 60 + +m[11]) * 60000; }
    return ms;
  }

  function intlOffsetMinutes(zone, ms) {
    if (!zone || !window.Intl || !Intl.DateTimeFormat) { return null; }
    try {
      var text = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      }).format(new Date(ms));
      var m = /(\d+)\/(\d+)\/(\d+),?\s+(\d+):(\d+):(\d+)/.exec(text);
      if (!m) { return null; }
      var wall = Date.UTC(+m[3], +m[1] - 1, +m[2], +m[4] % 24, +m[5], +m[6]);
      return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
    } catch (e) {
      return null;  // the engine has no time-zone data
    }
  }

  // The zone's offset east of UTC: from Intl when the engine has zone data, else the page's
  // fallback (the server's figure), else the contract's Indonesian zones, else the device's own.
  function zoneOffsetMinutes(zone, ms, fallbackMinutes) {
    var offset = intlOffsetMinutes(zone, ms);
    if (offset !== null) { return offset; }
    if (typeof fallbackMinutes === "number") { return fallbackMinutes; }
    if (zone && has(CONTRACT.zoneOffsetMinutes, zone)) { return CONTRACT.zoneOffsetMinutes[zone]; }
    return -new Date(ms).getTimezoneOffset();
  }

  // The hall's clock: the server's time (corrected by sync) in the hall's zone.
  function hallClock(zone, fallbackMinutes) {
    var skewMs = 0;
    var cached = { zone: null, minute: -1, offset: 0 };
    var clock = {
      setZone: function (name, fallback) {
        zone = name;
        if (fallback !== undefined) { fallbackMinutes = fallback; }
      },
      // `serverTime` is a snapshot's ISO `server_time`.
      sync: function (serverTime) {
        var ms = parseIso(serverTime);
        if (!isNaN(ms)) { skewMs = ms - Date.now(); }
      },
      now: function () { return Date.now() + skewMs; },
      offsetMinutes: function (ms) {
        var minute = Math.floor(ms / 60000);
        if (cached.zone !== zone || cached.minute !== minute) {
          cached = { zone: zone, minute: minute, offset: zoneOffsetMinutes(zone, ms, fallbackMinutes) };
        }
        return cached.offset;
      },
      time: function () { var ms = clock.now(); return timeText(ms, clock.offsetMinutes(ms)); },
      shortTime: function () { var ms = clock.now(); return shortTimeText(ms, clock.offsetMinutes(ms)); },
      date: function () { var ms = clock.now(); return dateText(ms, clock.offsetMinutes(ms)); }
    };
    return clock;
  }

  // --- the live connection --------------------------------------------------------------------

  // Exponential backoff with jitter in its upper half, so a hall's pages do not all
  // reconnect in step after the server restarts.
  function backoffDelay(attempt) {
    var ceiling = Math.min(CONTRACT.backoff.capMs, CONTRACT.backoff.baseMs * Math.pow(2, Math.min(attempt, 30)));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }

  // The prev_seq rule: true when `message` shows that this connection missed one.
  function missedMessages(lastSeq, message) {
    if (lastSeq === null || message.type === "snapshot" || !has(message, "prev_seq")) { return false; }
    return message.prev_seq !== lastSeq;
  }

  var DEFAULT_CLOSE_POLICY = { too_slow: "now", not_found: "slow" };

  /* A WebSocket to the hall-relative `path` (resolved with socketUrl) that keeps itself alive:
   *
   *   var link = Antrian.connect("/ws/screen/tv1", {
   *     onOpen: function (link) {},            // e.g. send hello or a status
   *     onMessage: function (message, link) {},// every parsed message that passed the prev_seq rule
   *     onResync: function (message) {},       // a gap: resync in place and return true, or
   *                                            // return false to reconnect for a fresh snapshot (default)
   *     onClose: function (info) {},           // {code, name, dropped, retrying, retryMs, failures, fatal}
   *     onFatal: function (code, message) {},  // a fatal refusal (contract.fatal): no more retries
   *     closePolicy: { not_found: "stop" }     // per close name: "now", "slow" (cap delay) or "stop"
   *   });
   *   link.start(); link.send({...}); link.resync(); link.stop();
   *
   * Pings every contract.pingMs; contract.silenceMs without any message counts as a dead link.
   */
  function connect(path, options) {
    var policy = {}, name;
    for (name in DEFAULT_CLOSE_POLICY) { if (has(DEFAULT_CLOSE_POLICY, name)) { policy[name] = DEFAULT_CLOSE_POLICY[name]; } }
    for (name in options.closePolicy || {}) { if (has(options.closePolicy, name)) { policy[name] = options.closePolicy[name]; } }

    var stopped = true;
    var retryTimer = null;
    var heartbeatTimer = null;
    var lastHeard = 0;

    var link = {
      socket: null,
      lastSeq: null,     // the last `seq` seen on this socket
      failures: 0,       // connections in a row that ended before the server streamed anything
      fatal: null,       // the fatal error code that stopped this link

      start: function () {
        stopped = false;
        link.fatal = null;
        link.failures = 0;
        if (!heartbeatTimer) { heartbeatTimer = setInterval(heartbeat, CONTRACT.pingMs); }
        open();
      },

      stop: function () {
        stopped = true;
        clearTimeout(retryTimer);
        clearInterval(heartbeatTimer);
        heartbeatTimer = null;
        forget();
      },

      // Drop this connection and take a fresh snapshot on a new one.
      resync: function () { drop("resync"); },

      isOpen: function () { return !!link.socket && link.socket.readyState === 1; },

      send: function (message) {
        if (!link.isOpen()) { return false; }
        try { link.socket.send(JSON.stringify(message)); } catch (e) { return false; }
        return true;
      }
    };

    function open() {
      clearTimeout(retryTimer);
      forget();
      if (stopped) { return; }
      var socket;
      lastHeard = Date.now();
      try { socket = new WebSocket(socketUrl(path)); } catch (e) { ended(null, null); return; }
      link.socket = socket;
      socket.onopen = function () {
        if (socket !== link.socket) { return; }
        lastHeard = Date.now();
        if (options.onOpen) { options.onOpen(link); }
      };
      socket.onmessage = function (event) {
        if (socket !== link.socket) { return; }
        lastHeard = Date.now();
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message && typeof message === "object") { receive(message); }
      };
      socket.onclose = function (event) {
        if (socket !== link.socket) { return; }
        link.socket = null;
        ended(event.code, null);
      };
      socket.onerror = function () { /* onclose follows */ };
    }

    // Close the current socket without reporting it: its handlers see it is stale.
    function forget() {
      var socket = link.socket;
      link.socket = null;
      link.lastSeq = null;
      if (socket) { try { socket.close(); } catch (e) { /* already closed */ } }
    }

    function drop(reason) {
      forget();
      ended(null, reason);
    }

    function receive(message) {
      if (message.type === "error" && !message.id && isFatal(message.code)) {
        link.fatal = message.code;
        stopped = true;  // the server closes next; only a person can fix this
        if (options.onFatal) { options.onFatal(message.code, message); }
        return;
      }
      if (typeof message.seq === "number") {
        if (missedMessages(link.lastSeq, message) && !(options.onResync && options.onResync(message))) {
          drop("gap");
          return;
        }
        link.lastSeq = message.seq;
        link.failures = 0;
      }
      if (options.onMessage) { options.onMessage(message, link); }
    }

    // A socket ended: by the server or the network (`code`), or by this link (`dropped`).
    function ended(code, dropped) {
      var closeName = code !== null && has(CLOSE_NAMES, code) ? CLOSE_NAMES[code] : null;
      var reaction = dropped ? "now" : (closeName && policy[closeName]) || "backoff";
      if (reaction === "stop") { stopped = true; }
      var delay = null;
      if (!stopped) {
        if (reaction === "now") { link.failures = 0; }
        delay = backoffDelay(reaction === "slow" ? 30 : link.failures);
        link.failures += 1;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(open, delay);
      }
      if (options.onClose) {
        options.onClose({
          code: code, name: closeName, dropped: dropped, retrying: !stopped, retryMs: delay,
          failures: link.failures, fatal: link.fatal
        });
      }
    }

    function heartbeat() {
      if (!link.socket) { return; }
      if (Date.now() - lastHeard > CONTRACT.silenceMs) {
        drop("silent");  // a half-open link: the server may be long gone
        return;
      }
      link.send({ type: "ping" });
    }

    return link;
  }

  // The page's first-paint data: a <script type="application/json"> block, never inline script
  // (the Content-Security-Policy forbids it).
  function pageData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // A JSON request: done(status, body), status 0 when the server could not be reached in time.
  function requestJson(method, url, body, done, bearer) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.timeout = 20000;
    xhr.setRequestHeader("Content-Type", "application/json");
    if (bearer) { xhr.setRequestHeader("Authorization", "Bearer " + bearer); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data);
    };
    xhr.ontimeout = function () { done(0, null); };
    xhr.send(body ? JSON.stringify(body) : null);
  }

  window.Antrian = {
    contract: CONTRACT,
    base: BASE,
    url: url,
    socketUrl: socketUrl,
    storageKey: storageKey,
    pageData: pageData,
    errorText: errorText,
    isFatal: isFatal,
    actionLabel: actionLabel,
    takesNewTicket: takesNewTicket,
    waitText: waitText,
    pad2: pad2,
    parseIso: parseIso,
    timeText: timeText,
    shortTimeText: shortTimeText,
    dateText: dateText,
    zoneOffsetMinutes: zoneOffsetMinutes,
    hallClock: hallClock,
    backoffDelay: backoffDelay,
    missedMessages: missedMessages,
    requestJson: requestJson,
    connect: connect
  };
})();
