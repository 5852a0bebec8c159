/* A decision table page: dmn-js (vendored Modeler build, global DmnJS) opened on the table's
   decision-table view; save, check (problems marked on their cells), evaluate (matched rows
   marked). Plain script, no bundler; the page's CSP allows only this site's files. */
(function () {
  "use strict";

  var root = document.getElementById("decision-studio");
  if (!root || typeof DmnJS === "undefined") {
    return;
  }
  var t = JSON.parse(root.dataset.i18n);
  var csrf = root.dataset.csrf;
  var statusLine = document.getElementById("table-status");
  var problemList = document.getElementById("table-problems");
  var evaluation = document.getElementById("evaluation");
  var changed = false;

  // CodeMirror (dmn-js's expression editors) writes its rules into a <style> element, which the
  // site's policy blocks: it gets an inert <template> whose text goes into a constructed
  // stylesheet instead (adopted by the document; no policy governs those).
  var sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  var createElement = document.createElement.bind(document);
  document.createElement = function (name, options) {
    if (String(name).toLowerCase() !== "style") { return createElement(name, options); }
    var stand = createElement("template");
    Object.defineProperty(stand, "textContent", {
      get: function () { return ""; },
      set: function (css) { sheet.replaceSync(css); },
    });
    return stand;
  };

  var modeler = new DmnJS({ container: "#dmn-editor", common: { keyboard: { bindTo: window } } });
  window.motcuaDmn = modeler; // for the browser tests and the console

  function say(text) { statusLine.textContent = text; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) { throw new Error(response.status + " " + response.statusText); }
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || response.statusText); }
        return data;
      });
    });
  }

  function cells(ruleId, columnId) {
    var selector = "[data-row-id='" + CSS.escape(ruleId) + "']";
    if (columnId) { selector += "[data-col-id='" + CSS.escape(columnId) + "']"; }
    return document.querySelectorAll("#dmn-editor " + selector);
  }

  function clearMarks(cls) {
    document.querySelectorAll("#dmn-editor ." + cls).forEach(function (node) {
      node.classList.remove(cls);
      if (cls === "dmn-problem") { node.removeAttribute("title"); }
    });
  }

  function save() {
    say(t.saving);
    return modeler.saveXML({ format: true }).then(function (result) {
      var body = new FormData();
      body.set("dmn", result.xml);
      return post(root.dataset.saveUrl, body);
    }).then(function () {
      changed = false;
      say(t.saved);
      document.getElementById("draft-state").textContent = t.draft_saved;
      document.getElementById("draft-actions").hidden = false; // a draft now: it may be deployed or discarded
    });
  }

  function check() {
    say(t.checking);
    var saving = changed ? save() : Promise.resolve();
    return saving.then(function () { return post(root.dataset.validateUrl, new FormData()); }).then(function (data) {
      clearMarks("dmn-problem");
      problemList.replaceChildren();
      data.problems.forEach(function (p) {
        problemList.appendChild(el("li", { "class": "problem" }, p.text));
        if (p.rule_id) {
          cells(p.rule_id, p.column_id).forEach(function (cell) {
            cell.classList.add("dmn-problem");
            cell.setAttribute("title", p.reason);
          });
        }
      });
      say(data.problems.length ? t.problems.replace("{n}", data.problems.length) : t.no_problems);
    });
  }

  function evaluate(event) {
    event.preventDefault();
    evaluation.textContent = t.evaluating;
    var saving = changed ? save() : Promise.resolve();
    saving.then(function () {
      return post(root.dataset.evaluateUrl, new FormData(event.target));
    }).then(function (data) {
      clearMarks("dmn-matched");
      evaluation.replaceChildren();
      if (!data.matched.length) {
        evaluation.appendChild(el("p", {}, t.no_match));
      } else {
        evaluation.appendChild(el("p", { id: "matched-rules" }, t.matched + " " + data.matched.join(", ")));
        data.matched_ids.forEach(function (id) {
          cells(id).forEach(function (cell) { cell.classList.add("dmn-matched"); });
        });
      }
      var names = Object.keys(data.outputs);
      if (names.length) {
        var table = el("table", { id: "evaluation-outputs" });
        var body = el("tbody");
        names.forEach(function (name) {
          var row = el("tr");
          row.appendChild(el("th", { scope: "row" }, name));
          row.appendChild(el("td", {}, JSON.stringify(data.outputs[name])));
          body.appendChild(row);
        });
        table.appendChild(body);
        evaluation.appendChild(table);
      }
    }).catch(function (err) {
      evaluation.replaceChildren(el("p", { "class": "problem", role: "alert" }, t.error + " " + err.message));
    });
  }

  function failed(err) { say(t.error + " " + err.message); }

  document.getElementById("save-table").addEventListener("click", function () { save().catch(failed); });
  document.getElementById("validate-table").addEventListener("click", function () { check().catch(failed); });
  document.getElementById("evaluate-form").addEventListener("submit", evaluate);

  fetch(root.dataset.tableUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      var table = modeler.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
      return table ? modeler.open(table) : null;
    })
    .then(function () {
      var viewer = modeler.getActiveViewer();
      if (viewer) {
        viewer.get("eventBus").on("elements.changed", function () { changed = true; });
      }
      root.classList.add("loaded");
    })
    .catch(function (err) { say(t.load_failed + " " + err.message); });
})();
