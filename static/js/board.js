// Operations: the utilization chart (actuals and forecast bands) and the unit × hour
// heat map, drawn with the vendored ECharts from data the page passes by json_script.
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry
// inline styles, which the Content-Security-Policy refuses.
(function () {
  "use strict";

  var ZONES = [
    { lt: 50, label: "Under-utilized", color: "#9bb7d4" },
    { gte: 50, lt: 80, label: "Optimal", color: "#3a9d5d" },
    { gte: 80, lt: 90, label: "High", color: "#e0b321" },
    { gte: 90, lte: 95, label: "Stressed", color: "#e07b21" },
    { gt: 95, label: "Saturated", color: "#c0392b" }
  ];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function instance(el) {
    return window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
  }

  function pct(v) { return v === null || v === undefined ? "–" : Math.round(v) + " %"; }

  function chartOption(d) {
    var diff = function (upper, lower) {
      return upper.map(function (v, i) { return v === null || lower[i] === null ? null : +(v - lower[i]).toFixed(1); });
    };
    var series = [{
      name: "Actual", type: "line", data: d.actual, showSymbol: false, connectNulls: false,
      lineStyle: { width: 2, color: "#1f4e79" }, itemStyle: { color: "#1f4e79" },
      markLine: {
        silent: true, symbol: "none", label: { formatter: "{b}", position: "insideEndTop" },
        lineStyle: { type: "dashed" },
        data: [
          { yAxis: 90, name: "stressed 90 %", lineStyle: { color: "#e07b21" } },
          { yAxis: 95, name: "saturated 95 %", lineStyle: { color: "#c0392b" } },
          { xAxis: d.now, name: "now", lineStyle: { color: "#667" } }
        ]
      }
    }];
    if (d.forecast) {
      series.push(
        { name: "base", type: "line", data: d.median, stack: "band", showSymbol: false, lineStyle: { opacity: 0 },
          tooltip: { show: false }, silent: true },
        { name: "Median to 85th", type: "line", data: diff(d.q85, d.median), stack: "band", showSymbol: false,
          lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(31, 78, 121, 0.28)" }, itemStyle: { color: "rgba(31, 78, 121, 0.28)" } },
        { name: "85th to 90th", type: "line", data: diff(d.q90, d.q85), stack: "band", showSymbol: false,
          lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(31, 78, 121, 0.13)" }, itemStyle: { color: "rgba(31, 78, 121, 0.13)" } },
        { name: "Forecast median", type: "line", data: d.median, showSymbol: false,
          lineStyle: { width: 2, type: "dashed", color: "#1f4e79" }, itemStyle: { color: "#1f4e79" } }
      );
    }
    return {
      animation: false,
      grid: { left: 44, right: 16, top: 36, bottom: 48 },
      legend: { top: 0, data: d.forecast ? ["Actual", "Forecast median", "Median to 85th", "85th to 90th"] : ["Actual"] },
      tooltip: {
        trigger: "axis", renderMode: "richText",
        formatter: function (params) {
          var i = params.length ? params[0].dataIndex : 0;
          var lines = [d.labels[i]];
          if (d.actual[i] !== null) lines.push("Actual " + pct(d.actual[i]));
          if (d.forecast && d.median[i] !== null) {
            lines.push("Median " + pct(d.median[i]), "85th " + pct(d.q85[i]), "90th " + pct(d.q90[i]));
          }
          return lines.join("\n");
        }
      },
      xAxis: { type: "category", data: d.labels, boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value} %" } },
      series: series
    };
  }

  function heatOption(d) {
    return {
      animation: false,
      grid: { left: 8, right: 8, top: 8, bottom: 70, containLabel: true },
      tooltip: {
        renderMode: "richText",
        formatter: function (p) {
          return d.units[p.value[1]] + "\n" + d.hours[p.value[0]] + ": " + pct(p.value[2]);
        }
      },
      xAxis: { type: "category", data: d.hours, splitArea: { show: true }, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: d.units, splitArea: { show: true } },
      visualMap: { type: "piecewise", pieces: ZONES, orient: "horizontal", left: "center", bottom: 0,
                   itemWidth: 12, itemHeight: 12, textStyle: { fontSize: 11 } },
      series: [{ name: "Utilization", type: "heatmap", data: d.cells.filter(function (c) { return c[2] !== null; }),
                 itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    };
  }

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-ops-chart]").forEach(function (el) {
      var d = data(el.getAttribute("data-ops-chart"));
      if (d) instance(el).setOption(chartOption(d), true);
    });
    document.querySelectorAll("[data-ops-heat]").forEach(function (el) {
      var d = data(el.getAttribute("data-ops-heat"));
      if (!d) return;
      el.classList.toggle("ops-heat--tall", d.units.length > 6);
      instance(el).resize();
      instance(el).setOption(heatOption(d), true);
    });
  }

  function resize() {
    document.querySelectorAll("[data-ops-chart], [data-ops-heat]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  // The live part of the page brings fresh data every few seconds: draw it again.
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", resize);
})();
