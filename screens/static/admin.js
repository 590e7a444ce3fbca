/* The admin's screen status page, kept live: polls /admin/screens.json (the admin's session
 * cookie, like the page) and updates the rows in place, so focus and a screen reader's place
 * survive (a meta refresh reloaded the whole page every few seconds).
 * A changed configuration (other screens, other problems) reloads the page once instead. ES5. */
(function () {
  "use strict";

  var root = document.getElementById("admin-screens");
  if (!root) { return; }
  var url = root.getAttribute("data-live");
  var every = (parseInt(root.getAttribute("data-every"), 10) || 5) * 1000;
  var problemsShown = root.getAttribute("data-problems") || "";
  var SIGNED_OUT = "Sesi admin berakhir: muat ulang halaman untuk masuk lagi.";
  var UNREACHABLE = "Server tidak terjangkau; mencoba lagi\u2026";
  var AUDIO_HINT = "Tekan tombol OK / klik di TV";

  function setText(node, text) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    if (text) { node.appendChild(document.createTextNode(text)); }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function problem(text) {
    var node = document.getElementById("live-problem");
    if (node && node.textContent !== text) { setText(node, text); }
  }

  function rowsById() {
    var rows = root.querySelectorAll("tr[data-screen]");
    var found = {};
    for (var i = 0; i < rows.length; i++) { found[rows[i].getAttribute("data-screen")] = rows[i]; }
    return { rows: found, count: rows.length };
  }

  // True when the page no longer matches the server's configuration: other screens or problems.
  function configChanged(data, shown) {
    if (data.screens.length !== shown.count) { return true; }
    for (var i = 0; i < data.screens.length; i++) {
      if (!shown.rows[data.screens[i].id]) { return true; }
    }
    return data.config.problems.join("\n") !== problemsShown;
  }

  function fillConnection(cell, s) {
    setText(cell, "");
    cell.appendChild(element("span", s.online ? "pill good" : "pill bad", s.online ? "Daring" : "Luring"));
    if (s.online && s.connections > 1) { cell.appendChild(document.createTextNode(" (" + s.connections + " tab)")); }
  }

  function fillAudio(cell, s) {
    setText(cell, "");
    var kind = s.audio === "ok" ? "good" : s.audio === "blocked" ? "bad" : "plain";
    cell.appendChild(element("span", "pill " + kind, s.audio_label));
    if (s.wants_audio && s.audio === "blocked") {
      cell.appendChild(document.createElement("br"));
      cell.appendChild(element("span", "muted", AUDIO_HINT));
    }
  }

  function update(row, s) {
    // Touch the row only when something changed: no needless churn for assistive technology.
    var signature = [s.online, s.connections, s.audio, s.last_seen, s.user_agent].join("|");
    if (row.getAttribute("data-signature") === signature) { return; }
    row.setAttribute("data-signature", signature);
    row.setAttribute("data-online", s.online ? "1" : "0");
    row.setAttribute("data-audio", s.audio);
    fillConnection(row.querySelector(".st-connection"), s);
    fillAudio(row.querySelector(".st-audio"), s);
    setText(row.querySelector(".st-seen"), s.last_seen);
    setText(row.querySelector(".agent"), s.user_agent || "");
  }

  function apply(data) {
    var shown = rowsById();
    if (configChanged(data, shown)) { window.location.reload(); return false; }
    for (var i = 0; i < data.screens.length; i++) { update(shown.rows[data.screens[i].id], data.screens[i]); }
    return true;
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.setRequestHeader("Accept", "application/json");
    request.onreadystatechange = function () {
      if (request.readyState !== 4) { return; }
      if (request.status === 401) { problem(SIGNED_OUT); return; }  // no more polling: sign in again
      var keepGoing = true;
      if (request.status === 200) {
        try {
          keepGoing = apply(JSON.parse(request.responseText));
          problem("");
        } catch (e) { problem(UNREACHABLE); }
      } else {
        problem(UNREACHABLE);
      }
      if (keepGoing) { window.setTimeout(poll, every); }
    };
    request.send();
  }

  window.setTimeout(poll, every);
})();
