/* The live diagram: the deployed version in bpmn-js (the vendored Modeler build, made read-only),
   a badge on each step with the dossiers waiting there (overdue in red) and its times below; a
   click on a step or its badge lists the dossiers waiting there. The table under the diagram holds
   the same figures, and its links work without this script. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || typeof BpmnJS === "undefined") {
    return;
  }
  var t = JSON.parse(root.dataset.i18n);
  var painted = JSON.parse(root.dataset.painted);
  var panel = document.getElementById("live-dossiers");
  var viewer = new BpmnJS({ container: "#live-canvas" });
  // read-only: every command (move, delete, rename) is refused before it runs
  viewer.get("eventBus").on("commandStack.canExecute", 10000, function () { return false; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function showDossiers(id) {
    var url = root.dataset.elementsUrl.replace("ELEMENT", encodeURIComponent(id));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        panel.textContent = "";
        panel.hidden = false;
        var name = (registry.get(id) && registry.get(id).businessObject.name) || id;
        panel.appendChild(el("h2", t.waiting_at.replace("{step}", name)));
        if (data.error) { panel.appendChild(el("p", data.error)); return; }
        if (!data.items.length) { panel.appendChild(el("p", t.none)); return; }
        var table = el("table"), head = el("tr");
        [t.code, t.applicant, t.step, t.since, t.due, t.overdue].forEach(function (h) {
          var th = el("th", h); th.scope = "col"; head.appendChild(th);
        });
        var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
        var body = el("tbody");
        data.items.forEach(function (item) {
          var row = el("tr"), first = el("th"); first.scope = "row";
          if (item.url) { var a = el("a", item.code); a.href = item.url; first.appendChild(a); } else { first.textContent = item.code; }
          row.appendChild(first);
          [item.applicant, item.step, item.since, item.due].forEach(function (v) { row.appendChild(el("td", v)); });
          var late = el("td"); late.appendChild(item.overdue ? el("span", t.yes, "tag tag-late") : document.createTextNode(t.no));
          row.appendChild(late);
          body.appendChild(row);
        });
        table.appendChild(body);
        var wrap = el("div", null, "table-wrap"); wrap.appendChild(table); panel.appendChild(wrap);
        if (data.total > data.items.length) {
          var more = el("p", t.more.replace("{shown}", data.items.length).replace("{total}", data.total) + " ");
          var all = el("a", t.all); all.href = url; more.appendChild(all); panel.appendChild(more);
        }
        panel.scrollIntoView({ block: "nearest" });
      })
      .catch(function (err) { panel.hidden = false; panel.textContent = String(err); });
  }

  var registry = viewer.get("elementRegistry");
  fetch(root.dataset.diagramUrl, { credentials: "same-origin" })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas"), overlays = viewer.get("overlays");
      canvas.zoom("fit-viewport");
      // lanes show their role's name in the page's language, as in the studio (the XML keeps the code)
      var roles = JSON.parse(root.dataset.roles || "{}");
      registry.filter(function (e) { return e.type === "bpmn:Lane"; }).forEach(function (lane) {
        var name = roles[lane.businessObject.name];
        if (!name) { return; }
        canvas.addMarker(lane, "motcua-role-lane");
        var label = el("div", name, "motcua-lane-label");
        label.title = lane.businessObject.name;
        label.style.height = lane.height + "px";  // CSSOM, which the policy allows
        overlays.add(lane, "motcua-role", { position: { top: 0, left: 0 }, html: label });
      });
      Object.keys(painted).forEach(function (id) {
        var figures = painted[id];
        if (!registry.get(id)) { return; }
        if (figures.waiting > 0) {
          var badge = el("button", String(figures.waiting), "live-badge" + (figures.overdue ? " live-badge-overdue" : ""));
          badge.type = "button";
          badge.dataset.element = id;
          badge.title = figures.title;
          badge.setAttribute("aria-label", figures.label);
          if (figures.overdue) { badge.appendChild(el("span", " (" + figures.overdue + ")", "live-badge-late")); }
          badge.addEventListener("click", function (event) { event.stopPropagation(); showDossiers(id); });
          overlays.add(id, "motcua-live", { position: { top: -14, right: 14 }, scale: { min: 1 }, html: badge });
          canvas.addMarker(id, figures.overdue ? "live-late" : "live-waiting");
        }
        if (figures.times) {
          var times = el("div", figures.times, "live-times");
          times.title = figures.title;
          overlays.add(id, "motcua-live", { position: { bottom: -4, left: 0 }, html: times });
        }
      });
      viewer.get("eventBus").on("element.click", function (event) {
        if (painted[event.element.id]) { showDossiers(event.element.id); }
      });
      document.querySelectorAll(".live-figures tbody tr").forEach(function (row) {
        row.addEventListener("click", function (event) {
          if (event.target.closest("a")) { return; }  // the link works on its own
          var on = painted[row.dataset.element] ? row.dataset.element : null;
          if (on) { showDossiers(on); }
        });
      });
    })
    .catch(function (err) {
      var note = el("p", t.load_failed + " " + (err && err.message ? err.message : err), "field-error");
      root.insertBefore(note, root.firstChild);
    });
})();
