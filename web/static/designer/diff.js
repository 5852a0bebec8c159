/* Two versions of a procedure side by side (vendored bpmn-js, global BpmnJS, shown read-only: the
   palette and context pad are hidden and nothing is saved), the server's diff painted on them with
   markers, and the list of changes selecting its element on the diagrams. */
(function () {
  "use strict";

  var root = document.getElementById("diff");
  if (!root || typeof BpmnJS === "undefined") {
    return;
  }
  var markers = JSON.parse(root.dataset.markers);
  // which diagram shows which kind: a removed element exists only on A, an added one only on B
  var paint = { a: { removed: "diff-removed", changed: "diff-changed" }, b: { added: "diff-added", changed: "diff-changed" } };
  var viewers = {};

  function show(side, url) {
    var viewer = new BpmnJS({ container: "#canvas-" + side });
    viewers[side] = viewer;
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        Object.keys(paint[side]).forEach(function (kind) {
          markers[kind].forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, paint[side][kind]); }
          });
        });
        root.classList.add("loaded-" + side);
      });
  }

  function select(id, sides) {
    sides.split("").forEach(function (side) {
      var viewer = viewers[side];
      if (!viewer) { return; }
      var element = viewer.get("elementRegistry").get(id);
      if (!element) { return; }
      viewer.get("selection").select(element);
      viewer.get("canvas").scrollToElement(element);
    });
  }

  root.querySelectorAll("[data-element]").forEach(function (button) {
    button.addEventListener("click", function () {
      root.querySelectorAll(".change.selected").forEach(function (li) { li.classList.remove("selected"); });
      button.parentNode.classList.add("selected");
      select(button.dataset.element, button.dataset.side);
    });
  });

  window.motcuaDiff = viewers; // for the browser tests and the console
  Promise.all([show("a", root.dataset.aUrl), show("b", root.dataset.bUrl)]).catch(function (err) {
    var note = document.createElement("p");
    note.className = "flash flash-error";
    note.textContent = String(err && err.message || err);
    root.parentNode.insertBefore(note, root);
  });
})();
