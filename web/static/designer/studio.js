/* The designers' studio page: bpmn-js (vendored Modeler build, global BpmnJS), a properties panel
   of our own for what the engine reads, saving, checks painted on the diagram, test runs coloured
   on it. Plain script, no bundler; the page's CSP allows only this site's files. */
(function () {
  "use strict";

  var root = document.getElementById("studio");
  if (!root || typeof BpmnJS === "undefined") {
    return;
  }
  var t = JSON.parse(root.dataset.i18n);
  var roles = JSON.parse(root.dataset.roles);
  var csrf = root.dataset.csrf;
  var yamlArea = document.getElementById("meta-yaml");
  var statusLine = document.getElementById("studio-status");
  var deployButton = document.getElementById("deploy-draft");
  var deployReason = document.getElementById("deploy-reason");
  var panel = document.getElementById("properties-body");
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  var saveForm = document.getElementById("save-form");
  if (saveForm) { saveForm.hidden = true; }

  var modeler = new BpmnJS({ container: "#canvas" });
  window.motcuaModeler = modeler; // for the browser tests and the console
  var canvas = modeler.get("canvas");
  var registry = modeler.get("elementRegistry");
  var modeling = modeler.get("modeling");
  var overlays = modeler.get("overlays");
  var moddle = modeler.get("moddle");

  function say(text) { statusLine.textContent = text; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- lanes show their role's name, in the page's language; the XML keeps the role code ------
  function showRoles() {
    overlays.remove({ type: "motcua-role" });
    registry.filter(function (e) { return e.type === "bpmn:Lane"; }).forEach(function (lane) {
      var code = lane.businessObject.name;
      if (roles[code]) {
        canvas.addMarker(lane, "motcua-role-lane");
        var label = el("div", { "class": "motcua-lane-label", title: code }, roles[code]);
        label.style.height = lane.height + "px"; // CSSOM, which the policy allows (no style attribute)
        overlays.add(lane, "motcua-role", { position: { top: 0, left: 0 }, html: label });
      } else {
        canvas.removeMarker(lane, "motcua-role-lane");
      }
    });
  }

  // --- properties panel ------------------------------------------------------------------------
  var fieldCount = 0;

  function field(labelText, input, key) {
    var id = "prop-" + (++fieldCount);
    input.id = id;
    input.name = key;
    var wrap = el("div", { "class": "prop-field" });
    wrap.appendChild(el("label", { "for": id }, labelText));
    wrap.appendChild(input);
    panel.appendChild(wrap);
    return input;
  }

  function textInput(value, multiline) {
    var input = el(multiline ? "textarea" : "input", multiline ? { rows: "4", spellcheck: "false" } : { type: "text" });
    input.value = value || "";
    return input;
  }

  function expression(body) {
    return moddle.create("bpmn:FormalExpression", { body: body });
  }

  function definitionOf(bo, type) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === type; })[0];
  }

  function messageNamed(name) {
    var definitions = modeler.getDefinitions();
    var found = (definitions.rootElements || []).filter(function (r) {
      return r.$type === "bpmn:Message" && r.name === name;
    })[0];
    if (!found) {
      found = moddle.create("bpmn:Message", { id: "message_" + name.replace(/[^A-Za-z0-9_]/g, "_"), name: name });
      found.$parent = definitions;
      definitions.get("rootElements").push(found);
    }
    return found;
  }

  function showProperties(element) {
    panel.textContent = "";
    fieldCount = 0;
    if (!element || element.type === "label") {
      panel.appendChild(el("p", {}, t.nothing_selected));
      return;
    }
    var bo = element.businessObject;
    panel.appendChild(el("p", {}, t.id + ": ")).appendChild(el("code", {}, bo.id));
    if (element.type === "bpmn:Lane") {
      var select = el("select");
      select.appendChild(el("option", { value: "" }, t.no_role));
      Object.keys(roles).forEach(function (code) {
        var option = el("option", { value: code }, roles[code]);
        if (bo.name === code) { option.selected = true; }
        select.appendChild(option);
      });
      field(t.role, select, "role").addEventListener("change", function () {
        modeling.updateProperties(element, { name: select.value || undefined });
      });
      return;
    }
    var name = field(t.name, textInput(bo.name), "name");
    name.addEventListener("change", function () { modeling.updateLabel(element, name.value); });
    if (element.type === "bpmn:SequenceFlow") {
      var condition = field(t.condition, textInput(bo.conditionExpression && bo.conditionExpression.body, true), "condition");
      condition.addEventListener("change", function () {
        modeling.updateProperties(element, {
          conditionExpression: condition.value.trim() ? expression(condition.value.trim()) : undefined,
        });
      });
    }
    if (element.type === "bpmn:ScriptTask") {
      var script = field(t.script, textInput(bo.script, true), "script");
      script.addEventListener("change", function () {
        modeling.updateProperties(element, { scriptFormat: "python", script: script.value });
      });
    }
    if (element.type === "bpmn:UserTask") {
      showTaskForm(bo.id);
    }
    var timer = definitionOf(bo, "bpmn:TimerEventDefinition");
    if (timer) {
      var kind = el("select");
      [["timeDuration", t.duration], ["timeDate", t.date]].forEach(function (pair) {
        var option = el("option", { value: pair[0] }, pair[1]);
        if (timer[pair[0]]) { option.selected = true; }
        kind.appendChild(option);
      });
      field(t.timer_kind, kind, "timer_kind");
      var current = timer.timeDuration || timer.timeDate;
      var value = field(t.expression, textInput(current && current.body), "timer_expression");
      var setTimer = function () {
        var props = { timeDuration: undefined, timeDate: undefined };
        props[kind.value] = expression(value.value.trim());
        modeling.updateModdleProperties(element, timer, props);
      };
      kind.addEventListener("change", setTimer);
      value.addEventListener("change", setTimer);
    }
    var message = definitionOf(bo, "bpmn:MessageEventDefinition");
    if (message) {
      var messageName = field(t.message, textInput(message.messageRef && message.messageRef.name), "message");
      messageName.addEventListener("change", function () {
        var text = messageName.value.trim();
        modeling.updateModdleProperties(element, message, { messageRef: text ? messageNamed(text) : undefined });
      });
    }
  }

  // --- a user task's form fields and the limit's split over the steps -------------------------
  // The metadata textarea stays the one source the Save button sends: every edit here posts the
  // text the page holds and puts the server's answer (the same text with only that part
  // rewritten, comments kept) back in the textarea. A refused edit leaves the text as it was.
  var fieldTypes = JSON.parse(root.dataset.fieldTypes);
  var STEP_NAMES = ["processing", "approval", "payout", "return"];

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  function labelled(container, text, input, extra) {
    var id = "prop-" + (++fieldCount);
    input.id = id;
    var wrap = el("div", { "class": "prop-field" + (extra ? " " + extra : "") });
    var label = el("label", { "for": id }, text);
    if (input.type === "checkbox") { label.prepend(input); wrap.appendChild(label); } else { wrap.appendChild(label); wrap.appendChild(input); }
    container.appendChild(wrap);
    return input;
  }

  function button(text, cls, onClick, description) {
    var b = el("button", { type: "button", "class": "secondary outline small " + (cls || "") }, text);
    if (description) { b.setAttribute("aria-label", description); b.title = description; }
    b.addEventListener("click", onClick);
    return b;
  }

  function showTaskForm(task) {
    var box = el("section", { id: "task-form", "class": "task-form", "aria-labelledby": "task-form-title" });
    panel.appendChild(box);
    box.appendChild(el("p", {}, t.loading));
    post(root.dataset.taskFormReadUrl, { meta_yaml: yamlArea.value, task: task })
      .then(function (form) { renderTaskForm(box, form, copy(form.fields), null); })
      .catch(function (error) { box.textContent = ""; box.appendChild(el("p", { role: "alert", "class": "form-error" }, error.message)); });
  }

  // one edit at a time, each on the text the one before it left (a change event can come twice)
  var pendingEdits = 0;
  var editChain = Promise.resolve();

  function applyEdit(box, url, fields, working, where) {
    pendingEdits += 1;
    root.dataset.busy = "true";
    editChain = editChain.then(function () {
      return post(url, Object.assign({ meta_yaml: yamlArea.value }, fields())).then(function (data) {
        yamlArea.value = data.meta_yaml;
        setDeployable(false, t.changed);
        say(t.form_updated);
        renderTaskForm(box, data.form, copy(data.form.fields), null);
      }).catch(function (error) {
        say(t.not_changed);
        // the designer's entry kept, to correct it; the reason shown where the edit was made
        renderTaskForm(box, box.form, working, error.message, where);
      });
    }).then(function () {
      pendingEdits -= 1;
      if (!pendingEdits) { delete root.dataset.busy; }
    });
    return editChain;
  }

  function renderTaskForm(box, form, working, error, where) {
    var task = form.task;
    box.form = form;
    box.textContent = "";
    var focusId = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
    box.appendChild(el("h3", { id: "task-form-title" }, t.form_fields));
    if (error && where !== "limits") { box.appendChild(el("p", { role: "alert", "class": "form-error" }, error)); }
    var sendFields = function () {
      applyEdit(box, root.dataset.taskFormUrl, function () { return { task: task, fields: JSON.stringify(working) }; }, working);
    };
    if (!working.length) {
      box.appendChild(el("p", { "class": "hint" }, t.no_form));
      box.appendChild(button(t.add_form, "add-form", function () { working.push(copy(form.stub)); sendFields(); }));
    }
    var list = el("ol", { "class": "form-field-list" });
    box.appendChild(list);
    working.forEach(function (f, i) {
      var item = el("li", { "class": "form-field" });
      list.appendChild(item);
      var set = el("fieldset");
      item.appendChild(set);
      set.appendChild(el("legend", {}, t.field + " " + (i + 1) + (f.name ? ": " + f.name : "")));
      var input = function (key, text, value, type) {
        var node = el("input", { type: type || "text", "data-key": i + "." + key });
        node.value = value === undefined || value === null ? "" : value;
        return labelled(set, text, node);
      };
      var onChange = function (node, apply) { node.addEventListener("change", function () { apply(node); sendFields(); }); };
      onChange(input("name", t.field_name, f.name), function (n) { f.name = n.value.trim(); });
      var kind = el("select", { "data-key": i + ".type" });
      fieldTypes.forEach(function (code) {
        var option = el("option", { value: code }, t["type_" + code] || code);
        if (f.type === code) { option.selected = true; }
        kind.appendChild(option);
      });
      onChange(labelled(set, t.field_type, kind), function (n) {
        f.type = n.value;
        if (f.type === "choice" && !(f.choices && f.choices.length)) { f.choices = [copy(form.stub_choice)]; }
      });
      var label = f.label || {};
      onChange(input("label.vi", t.label_vi, label.vi), function (n) { f.label = Object.assign({}, f.label, { vi: n.value }); });
      onChange(input("label.en", t.label_en, label.en), function (n) { f.label = Object.assign({}, f.label, { en: n.value }); });
      var required = el("input", { type: "checkbox", "data-key": i + ".required" });
      required.checked = !!f.required;
      onChange(labelled(set, t.required, required, "checkbox"), function (n) { f.required = n.checked; });
      var number = function (key, text) {
        onChange(input(key, text, f[key], "number"), function (n) { f[key] = n.value === "" ? null : Number(n.value); });
      };
      if (f.type === "integer" || f.type === "money") { number("min", t.min); number("max", t.max); }
      if (f.type === "text") { number("max_length", t.max_length); }
      if (f.type === "choice") {
        var choices = el("fieldset", { "class": "choices" });
        set.appendChild(choices);
        choices.appendChild(el("legend", {}, t.choices));
        (f.choices || []).forEach(function (c, j) {
          if (typeof c !== "object") { c = f.choices[j] = { value: c }; }
          var cl = c.label || {};
          var part = function (key, text, value, apply) {
            var node = el("input", { type: "text", "data-key": i + ".choices." + j + "." + key });
            node.value = value === undefined || value === null ? "" : value;
            onChange(labelled(choices, text + " " + (j + 1), node), apply);
          };
          part("value", t.choice_value, c.value, function (n) { c.value = n.value.trim(); });
          part("vi", t.label_vi, cl.vi, function (n) { c.label = Object.assign({}, c.label, { vi: n.value }); });
          part("en", t.label_en, cl.en, function (n) { c.label = Object.assign({}, c.label, { en: n.value }); });
          choices.appendChild(button(t.remove_choice, "", function () { f.choices.splice(j, 1); sendFields(); },
            t.remove_choice + " " + (j + 1)));
        });
        choices.appendChild(button(t.add_choice, "", function () {
          var n = (f.choices || []).length + 1;
          f.choices = (f.choices || []).concat([{ value: "option_" + n, label: { vi: "Lựa chọn " + n, en: "Option " + n } }]);
          sendFields();
        }));
      }
      var moves = el("div", { "class": "field-moves" });
      set.appendChild(moves);
      var name = f.name || String(i + 1);
      if (i > 0) {
        moves.appendChild(button("↑", "move-up", function () { working.splice(i - 1, 0, working.splice(i, 1)[0]); sendFields(); }, t.move_up + " " + name));
      }
      if (i < working.length - 1) {
        moves.appendChild(button("↓", "move-down", function () { working.splice(i + 1, 0, working.splice(i, 1)[0]); sendFields(); }, t.move_down + " " + name));
      }
      moves.appendChild(button(t.remove_field, "remove-field", function () { working.splice(i, 1); sendFields(); }, t.remove_field + " " + name));
    });
    if (working.length) {
      box.appendChild(button(t.add_field, "add-field", function () {
        var stub = copy(form.stub);
        stub.name = "field_" + (working.length + 1);
        working.push(stub);
        sendFields();
      }));
    }
    renderStepLimits(box, form, where === "limits" ? error : null);
    if (focusId) {
      var again = box.querySelector('[data-key="' + focusId + '"]');
      if (again) { again.focus(); }
    }
  }

  function renderStepLimits(box, form, error) {
    var limits = el("fieldset", { "class": "step-limits" });
    box.appendChild(limits);
    limits.appendChild(el("legend", {}, t.step_limits));
    if (error) { limits.appendChild(el("p", { role: "alert", "class": "form-error" }, error)); }
    limits.appendChild(el("p", { "class": "hint" }, form.limit_days
      ? t.step_limits_hint.replace("{days}", form.limit_days) : t.no_limit));
    if (!form.limit_days) { return; }
    if (!form.steps) { limits.appendChild(el("p", { "class": "hint default-split" }, t.default_split)); }
    var inputs = {};
    STEP_NAMES.forEach(function (name) {
      var node = el("input", { type: "number", min: "0", step: "1", "data-key": "steps." + name, "class": "step-days" });
      node.value = form.steps ? (form.steps[name] || 0) : "";
      inputs[name] = labelled(limits, t["step_" + name], node);
    });
    var send = function (steps) {
      applyEdit(box, root.dataset.stepLimitsUrl, function () {
        return { task: form.task, steps: steps === null ? "" : JSON.stringify(steps) };
      }, copy(form.fields), "limits");
    };
    var actions = el("div", { "class": "field-moves" });
    limits.appendChild(actions);
    actions.appendChild(button(t.set_limits, "set-limits", function () {
      var steps = {};
      STEP_NAMES.forEach(function (name) { steps[name] = inputs[name].value === "" ? 0 : Number(inputs[name].value); });
      send(steps);
    }));
    if (form.steps) { actions.appendChild(button(t.clear_limits, "clear-limits", function () { send(null); })); }
  }

  // --- problems and test runs painted on the diagram ------------------------------------------
  var painted = [];

  function clearPaint() {
    overlays.remove({ type: "motcua-problem" });
    painted.forEach(function (pair) { canvas.removeMarker(pair[0], pair[1]); });
    painted = [];
  }

  function mark(id, marker) {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
      painted.push([id, marker]);
      return true;
    }
    return false;
  }

  function focusElement(id) {
    var element = registry.get(id);
    if (element) {
      modeler.get("selection").select(element);
      canvas.scrollToElement(element);
      document.getElementById("canvas").scrollIntoView({ block: "nearest" });
    }
  }

  function showProblems(problems) {
    clearPaint();
    var onDiagram = document.getElementById("diagram-problems");
    var inMetadata = document.getElementById("metadata-problems");
    onDiagram.textContent = "";
    inMetadata.textContent = "";
    var notes = {};
    problems.forEach(function (p) {
      var item = el("li");
      if (p.where === "metadata") {
        item.textContent = (p.element ? p.element + ": " : "") + p.reason;
        inMetadata.appendChild(item);
        return;
      }
      var text = (p.element ? p.element + ": " : "") + p.reason + (p.where === "other" ? " (" + t.other_file + " " + p.file + ")" : "");
      if (p.where === "diagram" && p.element && mark(p.element, "motcua-problem")) {
        (notes[p.element] = notes[p.element] || []).push(p.reason);
        var link = el("a", { href: "#canvas", "class": "problem-link", "data-element": p.element }, text);
        link.addEventListener("click", function (event) { event.preventDefault(); focusElement(p.element); });
        item.appendChild(link);
      } else {
        item.textContent = text;
      }
      onDiagram.appendChild(item);
    });
    Object.keys(notes).forEach(function (id) {
      var note = el("div", { "class": "motcua-problem-note", role: "note" }, notes[id].join(" · "));
      overlays.add(id, "motcua-problem", { position: { bottom: -6, left: 0 }, html: note });
    });
    if (!inMetadata.children.length) { inMetadata.appendChild(el("li", { "class": "ok" }, t.metadata_ok)); }
    say(problems.length ? t.problems.replace("{n}", problems.length) : t.no_problems);
  }

  function showRuns(paths) {
    var box = document.getElementById("test-results");
    box.textContent = "";
    paths.forEach(function (run) {
      var details = el("details", { "class": "test-run " + (run.ok ? "passed" : "failed") });
      var summary = el("summary");
      summary.appendChild(el("span", { "class": "tag " + (run.ok ? "tag-on-time" : "tag-late") }, run.ok ? t.passed : t.failed));
      summary.appendChild(document.createTextNode(" " + run.path + (run.ok ? "" : ": " + run.reason)));
      details.appendChild(summary);
      details.appendChild(el("pre", {}, run.lines.join("\n")));
      box.appendChild(details);
      (run.visited || []).forEach(function (id) { mark(id, run.ok ? "motcua-visited" : "motcua-visited-failed"); });
    });
  }

  function setDeployable(ok, reason) {
    if (!deployButton) { return; }
    deployButton.disabled = !ok;
    deployReason.textContent = reason;
    if (ok) { deployButton.removeAttribute("aria-describedby"); } else { deployButton.setAttribute("aria-describedby", "deploy-reason"); }
  }

  // --- talking to the server -------------------------------------------------------------------
  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) { // an error page (an expired login, a refused token): say its status
        throw new Error(response.status + " " + response.statusText);
      }
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || response.statusText); }
        return data;
      });
    });
  }

  function save() {
    say(t.saving);
    return modeler.saveXML({ format: true }).then(function (result) {
      return post(root.dataset.saveUrl, { bpmn: result.xml, meta_yaml: yamlArea.value });
    }).then(function (data) {
      say(t.saved);
      if (!data.tested) { setDeployable(false, t.changed); }
      return data;
    });
  }

  function failed(error) { say(t.error + " " + error.message); }

  function busy(button, work) {
    button.addEventListener("click", function () {
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      root.dataset.busy = "true";
      work().catch(failed).then(function () {
        button.removeAttribute("aria-busy");
        button.disabled = false;
        delete root.dataset.busy;
      });
    });
  }

  busy(document.getElementById("save-draft"), save);
  busy(document.getElementById("validate-draft"), function () {
    return save().then(function () { say(t.checking); return post(root.dataset.validateUrl, {}); })
      .then(function (data) { showProblems(data.problems); });
  });
  function testRun(path) {
    return save().then(function () { say(t.running); return post(root.dataset.testUrl, path ? { path: path } : {}); })
      .then(function (data) {
        showProblems(data.problems);
        showRuns(data.paths);
        if (data.problems.length) { return; }
        var allOk = data.paths.every(function (p) { return p.ok; });
        say(allOk ? (path ? t.passed : t.all_passed) : t.problems.replace("{n}", data.paths.filter(function (p) { return !p.ok; }).length));
        if (data.deployable) { setDeployable(true, t.all_passed); }
      });
  }
  busy(document.getElementById("test-all"), function () { return testRun(null); });
  busy(document.getElementById("test-one"), function () { return testRun(document.getElementById("path-name").value); });

  modeler.on("selection.changed", function (event) { showProperties(event.newSelection[0]); });
  modeler.on("commandStack.changed", function () {
    showRoles();
    setDeployable(false, t.changed);
  });
  yamlArea.addEventListener("input", function () { setDeployable(false, t.changed); });

  fetch(root.dataset.diagramUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      canvas.zoom("fit-viewport");
      showRoles();
      root.dataset.ready = "true";
    })
    .catch(function (error) { say(t.load_failed + " " + error.message); root.dataset.ready = "failed"; });
})();
