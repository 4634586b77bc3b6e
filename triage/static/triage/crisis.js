// Crisis pages: the level-over-time chart (ECharts), drawn again after each live refresh.
(function () {
  "use strict";
  function draw(root) {
    (root || document).querySelectorAll("[data-crisis-chart]").forEach(function (el) {
      if (!window.echarts || el.dataset.drawn) return;
      var source = document.getElementById(el.getAttribute("data-crisis-chart"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 16, bottom: 32 },
        tooltip: { trigger: "axis", renderMode: "richText" },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: 1, max: 5, interval: 1,
                 axisLabel: { formatter: function (v) { return String(v); } } },
        series: [{ type: "line", step: "end", data: data.points, symbol: "none", lineStyle: { width: 3 },
                   areaStyle: { opacity: 0.15 } }]
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
