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

  // labels: each count as the page writes it ("1,000+" past the count's cap, in the page's language)
  function show(selector, values, labels) {
    inbox.querySelectorAll(selector).forEach(function (badge) {
      var key = badge.dataset.view || badge.dataset.channel;
      if (values && typeof values[key] === "number") {
        var text = labels && typeof labels[key] === "string" ? labels[key] : String(values[key]);
        if (badge.textContent !== text) {
          badge.textContent = text;
        }
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
          show(".tab-groups .count[data-view]", data.views, data.labels);
          show(".count[data-channel]", data.channels, data.labels);
          inbox.dataset.refreshedAt = new Date().toISOString();
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  window.setInterval(refresh, Number(inbox.dataset.refreshEvery) || EVERY);
  document.addEventListener("visibilitychange", refresh);
})();
