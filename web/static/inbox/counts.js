/* The inbox's tab counts, refreshed every 45 seconds from counts.json (with the page's filters) while
   the page is visible; the rows themselves change only when the officer reloads or pages, so
   nothing moves under their cursor. Without JavaScript the counts are those of the page load. */
(function () {
  "use strict";
  var inbox = document.getElementById("inbox");
  if (!inbox || !window.fetch) {
    return;
  }
  var url = inbox.dataset.countsUrl;
  var EVERY = 45000;

  function show(selector, values) {
    inbox.querySelectorAll(selector).forEach(function (badge) {
      var key = badge.dataset.view || badge.dataset.channel;
      if (values && typeof values[key] === "number" && badge.textContent !== String(values[key])) {
        badge.textContent = String(values[key]);
      }
    });
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) {
          show(".tab-groups .count[data-view]", data.views);
          show(".count[data-channel]", data.channels);
          inbox.dataset.refreshedAt = new Date().toISOString();
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  window.setInterval(refresh, Number(inbox.dataset.refreshEvery) || EVERY);
  document.addEventListener("visibilitychange", refresh);
})();
