// Redeployment pages: the bottleneck chart (ECharts) and the mutual-aid acknowledgement clock.
// Tooltips are drawn on the canvas (renderMode "richText"): HTML tooltips carry inline
// styles, which the Content-Security-Policy refuses.
(function () {
  "use strict";

  function drawChart() {
    var holder = document.getElementById("rd-chart");
    var source = document.getElementById("rd-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var hours = [];
    data.rows.forEach(function (row) {
      row.hours.forEach(function (h) { if (hours.indexOf(h) < 0) hours.push(h); });
    });
    hours.sort();
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 56, bottom: 40, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: hours.map(function (h) { return h.slice(11, 16); }), name: "hour (UTC)" },
      yAxis: { type: "value", name: "shadow price" },
      series: data.rows.map(function (row) {
        var byHour = {};
        row.hours.forEach(function (h, i) { byHour[h] = row.prices[i]; });
        return { name: row.name, type: "line", step: "end", showSymbol: false,
                 data: hours.map(function (h) { return h in byHour ? byHour[h] : null; }) };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function tick() {
    document.querySelectorAll(".aid-clock[data-due]").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.dataset.due) - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = left > 0 ? m + " min " + (s < 10 ? "0" : "") + s + " s" : "overdue";
      el.classList.toggle("aid-clock--late", left === 0);
    });
  }

  function start() {
    drawChart();
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
