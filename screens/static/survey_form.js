/* The SKM survey's form, shared by the visitor's phone (ticket.js) and the counter's survey
 * tablet (survey.js). ES5 only. Everything from the hall's config is shown as text.
 *
 *   var survey = AntrianSurvey.create(formElement, form, { prefix: "p" });
 *   survey.onAnswers = function (payload) {};  // all nine answered: {answers, profile, suggestion?}
 *   survey.busy(true); survey.problem("text"); survey.remove();
 *   AntrianSurvey.send(payload, bearerToken | null, function (outcome) {});
 *     // outcome: {answered: true} (201, or already answered), or {answered: false, text}
 */
(function () {
  "use strict";

  var Antrian = window.Antrian;
  var NO_ANSWER = "Tidak ingin menjawab";
  var PROFILE = [
    { key: "age_group", label: "Usia" },
    { key: "sex", label: "Jenis kelamin" },
    { key: "education", label: "Pendidikan terakhir" },
    { key: "occupation", label: "Pekerjaan" }
  ];
  var SUGGESTION_MAX = 1000;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    for (var name in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, name)) { node.setAttribute(name, attributes[name]); }
    }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function question(prefix, index, item) {
    var number = index + 1;
    var legendId = prefix + "-q" + number + "-legend";
    var group = element("fieldset", {
      "class": "sq", id: prefix + "-q" + number, role: "radiogroup",
      "aria-labelledby": legendId, "aria-required": "true", "data-question": String(number)
    });
    var legend = element("legend", { id: legendId });
    legend.appendChild(element("span", { "class": "sq-element" }, number + ". " + item.element));
    legend.appendChild(element("span", { "class": "sq-text" }, item.question));
    group.appendChild(legend);
    var choices = element("div", { "class": "sq-choices" });
    for (var score = 1; score <= 4; score++) {
      var label = element("label", { "class": "sq-choice" });
      var input = element("input", { type: "radio", name: prefix + "-q" + number, value: String(score), required: "required" });
      label.appendChild(input);
      label.appendChild(element("span", { "class": "sq-label" }, item.answers[score - 1]));
      choices.appendChild(label);
    }
    group.appendChild(choices);
    return group;
  }

  function profileBlock(prefix, choices) {
    var block = element("fieldset", { "class": "sp" });
    block.appendChild(element("legend", {}, "Tentang Anda (boleh tidak diisi)"));
    for (var i = 0; i < PROFILE.length; i++) {
      var field = PROFILE[i];
      var id = prefix + "-profile-" + field.key;
      var row = element("div", { "class": "sp-row" });
      row.appendChild(element("label", { "for": id }, field.label));
      var select = element("select", { id: id, name: field.key });
      select.appendChild(element("option", { value: "" }, NO_ANSWER));
      var options = choices[field.key] || [];
      for (var j = 0; j < options.length; j++) { select.appendChild(element("option", { value: options[j] }, options[j])); }
      row.appendChild(select);
      block.appendChild(row);
    }
    return block;
  }

  function suggestionBlock(prefix) {
    var id = prefix + "-suggestion";
    var block = element("div", { "class": "ss" });
    block.appendChild(element("label", { "for": id }, "Saran dan masukan (boleh tidak diisi)"));
    block.appendChild(element("textarea", { id: id, name: "suggestion", maxlength: String(SUGGESTION_MAX), rows: "4" }));
    return block;
  }

  function chosen(form, name) {
    var inputs = form.querySelectorAll('input[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].checked) { return +inputs[i].value; } }
    return 0;
  }

  function missingText(missing) {
    var numbers = missing.join(", ");
    return missing.length === 1
      ? "Mohon jawab pertanyaan nomor " + numbers + "."
      : "Mohon jawab semua pertanyaan. Belum dijawab: nomor " + numbers + ".";
  }

  function create(form, data, options) {
    var prefix = options.prefix;
    var count = data.questions.length;
    form.setAttribute("novalidate", "novalidate");
    while (form.firstChild) { form.removeChild(form.firstChild); }
    for (var i = 0; i < count; i++) { form.appendChild(question(prefix, i, data.questions[i])); }
    form.appendChild(profileBlock(prefix, data.profile || {}));
    form.appendChild(suggestionBlock(prefix));
    var problemLine = element("p", { "class": "survey-problem", id: prefix + "-problem", role: "alert" });
    form.appendChild(problemLine);
    var button = element("button", { type: "submit", "class": "survey-submit", id: prefix + "-submit" }, "Kirim");
    form.appendChild(button);

    var survey = {
      onAnswers: null,
      busy: function (on) {
        button.disabled = !!on;
        button.firstChild.nodeValue = on ? "Mengirim\u2026" : "Kirim";
      },
      problem: function (text) { problemLine.textContent = text || ""; },
      remove: function () { while (form.firstChild) { form.removeChild(form.firstChild); } form.onsubmit = null; }
    };

    function read() {
      var answers = [], missing = [], profile = {};
      for (var n = 1; n <= count; n++) {
        var score = chosen(form, prefix + "-q" + n);
        answers.push(score);
        var group = document.getElementById(prefix + "-q" + n);
        if (score) { group.removeAttribute("aria-invalid"); } else { missing.push(n); group.setAttribute("aria-invalid", "true"); }
      }
      for (var p = 0; p < PROFILE.length; p++) {
        var value = document.getElementById(prefix + "-profile-" + PROFILE[p].key).value;
        if (value) { profile[PROFILE[p].key] = value; }
      }
      var payload = { answers: answers, profile: profile };
      var suggestion = document.getElementById(prefix + "-suggestion").value.replace(/^\s+|\s+$/g, "");
      if (suggestion) { payload.suggestion = suggestion.slice(0, SUGGESTION_MAX); }
      return { payload: payload, missing: missing };
    }

    form.onsubmit = function (event) {
      if (event && event.preventDefault) { event.preventDefault(); }
      if (button.disabled) { return false; }
      var result = read();
      if (result.missing.length) {
        survey.problem(missingText(result.missing));
        var first = form.querySelector('input[name="' + prefix + "-q" + result.missing[0] + '"]');
        if (first && first.focus) { first.focus(); }
        return false;
      }
      survey.problem("");
      if (survey.onAnswers) { survey.onAnswers(result.payload); }
      return false;
    };
    form.onchange = function (event) {
      var target = event && event.target;
      if (target && target.type === "radio") {
        var group = target.parentNode.parentNode.parentNode;
        if (group && group.removeAttribute) { group.removeAttribute("aria-invalid"); }
      }
    };
    return survey;
  }

  // POST /api/survey; `bearer` is the counter's token on a tablet, null on the phone.
  function send(payload, bearer, done) {
    Antrian.requestJson("POST", Antrian.url("/api/survey"), payload, function (status, reply) {
      var error = reply && reply.error ? reply.error : null;
      if (status === 201 || (error && error.code === "already_answered")) {
        done({ answered: true });
      } else if (status === 0) {
        done({ answered: false, code: "unreachable", text: Antrian.errorText("unreachable") });
      } else {
        var code = error ? error.code : "internal_error";
        done({ answered: false, code: code, text: Antrian.errorText(code, error && error.message) });
      }
    }, bearer);
  }

  window.AntrianSurvey = { create: create, send: send, missingText: missingText };
})();
