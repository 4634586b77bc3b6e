// Backfill KPIs: vacancies opened and filled per day, drawn with the vendored ECharts from
// data passed by json_script. Tooltips on the canvas (renderMode "richText"): ECharts'
// HTML tooltips carry inline styles, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("backfill-chart");
    var src = document.getElementById("backfill-chart-data");
    if (!el || !src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    if (!d || !d.days.length) { return; }
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["Opened", "Filled"] },
      grid: { left: 40, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: d.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "Opened", type: "bar", data: d.opened, itemStyle: { color: "#9bb7d4" } },
        { name: "Filled", type: "bar", data: d.filled, itemStyle: { color: "#3a9d5d" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
