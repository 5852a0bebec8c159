// Charts for the dashboard's tables: each table with data-chart gets a chart above it, drawn from
// its own cells (the table stays for screen readers and for anyone without JavaScript).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var palette = ["#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a3069"];

  // a cell's raw figure (data-value="12180"), not its text: the text is written as the page's
  // language writes numbers (12.180 in Vietnamese, 12,180 in English); a cell without one ("–") is 0
  function number(cell) {
    var n = parseFloat(cell.dataset.value);
    return isNaN(n) ? 0 : n;
  }

  document.querySelectorAll("table[data-chart]").forEach(function (table) {
    var kind = table.dataset.chart;
    var columns = (table.dataset.series || "1").split(",").map(Number);
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim(); });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (r) { return r.cells[0].textContent.trim(); });
    var datasets = columns.map(function (col, i) {
      return {
        label: headers[col],
        data: rows.map(function (r) { return number(r.cells[col]); }),
        backgroundColor: kind === "doughnut" ? palette : palette[i % palette.length],
        borderColor: palette[i % palette.length],
        fill: false
      };
    });
    var box = document.createElement("div");
    box.className = "chart-box";
    var canvas = document.createElement("canvas");
    // the table beside it says the same in words: the chart is an image with a short name
    canvas.setAttribute("role", "img");
    var title = document.getElementById(table.closest("section").getAttribute("aria-labelledby"));
    canvas.setAttribute("aria-label", (title ? title.textContent.trim() : "") + " (" + (table.dataset.chartLabel || "chart") + ")");
    box.appendChild(canvas);
    table.closest(".table-wrap").before(box);
    new Chart(canvas, {
      type: kind,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: kind === "doughnut" || datasets.length > 1 } },
        scales: kind === "doughnut" ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
})();
