/* The officer's dossier page: the dossier's own diagram, drawn only when its <details> is opened
   (bpmn-js is loaded then, so the page stays light), the steps done in green and the current step
   in blue. Without JavaScript the list of steps under it says the same. */
(function () {
  "use strict";
  var box = document.getElementById("dossier-path");
  var canvasEl = document.getElementById("path-canvas");
  if (!box || !canvasEl) {
    return;
  }
  var drawn = false;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (typeof BpmnJS !== "undefined") { resolve(); return; }
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error(src)); };
      document.head.appendChild(s);
    });
  }

  function draw() {
    drawn = true;
    var done = JSON.parse(canvasEl.dataset.done), current = JSON.parse(canvasEl.dataset.current);
    loadScript(canvasEl.dataset.bpmnJs)
      .then(function () { return fetch(canvasEl.dataset.diagramUrl, { credentials: "same-origin" }); })
      .then(function (r) { return r.text(); })
      .then(function (xml) {
        var viewer = new BpmnJS({ container: canvasEl });
        viewer.get("eventBus").on("commandStack.canExecute", 10000, function () { return false; });  // read-only
        return viewer.importXML(xml).then(function () { return viewer; });
      })
      .then(function (viewer) {
        var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        done.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "path-done"); } });
        current.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "path-current"); } });
      })
      .catch(function (err) {
        var note = document.createElement("p");
        note.className = "field-error";
        note.textContent = canvasEl.dataset.loadFailed + " " + (err && err.message ? err.message : err);
        canvasEl.parentNode.insertBefore(note, canvasEl);
      });
  }

  box.addEventListener("toggle", function () { if (box.open && !drawn) { draw(); } });
  if (box.open) { draw(); }
})();
