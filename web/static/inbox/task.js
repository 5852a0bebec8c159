/* The officer's task page: only the chosen decision's fields show (the others are hidden and
   disabled, so they are not sent), and keyboard shortcuts. Without JavaScript every group shows,
   labelled with its decision, and the buttons do the same work. */
(function () {
  "use strict";
  var form = document.getElementById("task-form");
  var status = document.getElementById("shortcut-status");

  function say(text) {
    if (status) { status.textContent = text; }
  }

  // --- the fields of the chosen decision ---------------------------------------------------------
  if (form) {
    var groups = form.querySelectorAll(".decision-group");
    var sync = function () {
      groups.forEach(function (group) {
        var chosen = form.querySelector('input[name="' + group.dataset.control + '"]:checked');
        var shown = chosen !== null && chosen.value === group.dataset.choice;
        group.hidden = !shown;
        group.disabled = !shown;
      });
    };
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.type === "radio") { sync(); }
    });
    sync();
  }

  // --- keyboard shortcuts ------------------------------------------------------------------------
  var list = document.getElementById("shortcuts");
  var hint = document.getElementById("shortcut-hint");
  if (hint) { hint.hidden = false; }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) { return true; }
    return tag === "INPUT" && !/^(radio|checkbox|button|submit|reset)$/.test(el.type);
  }

  function press(id, message) {
    var button = document.getElementById(id);
    if (!button) { return false; }
    say(message || button.textContent.trim());
    button.click();
    return true;
  }

  var keys = {
    KeyC: function () { return press("claim-button"); },
    KeyD: function () { return press("complete-button"); },
    KeyN: function () { return press("complete-next-button"); },
    KeyB: function () {
      var back = document.getElementById("back-to-inbox");
      if (!back) { return false; }
      say(back.textContent.trim());
      back.click();
      return true;
    }
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && keys[event.code]) {
      if (keys[event.code]()) { event.preventDefault(); }
      return;
    }
    if (event.key === "?" && !event.altKey && !event.ctrlKey && !event.metaKey && !typing(event.target) && list) {
      event.preventDefault();
      list.hidden = !list.hidden;
      if (!list.hidden) {
        list.scrollIntoView({ block: "nearest" });
        say(list.querySelector("h2").textContent);
      }
    }
  });
})();
