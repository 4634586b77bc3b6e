// Operations: the utilization chart (actuals and forecast bands) and the unit × hour
// heat map, drawn with the vendored ECharts from data the page passes by json_script.
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry
// inline styles, which the Content-Security-Policy refuses.
(function () {
  "use strict";

  var ZONES = [
    { lt: 50, label: "< 50 under", color: "#9bb7d4" },
    { gte: 50, lt: 80, label: "50–80", color: "#3a9d5d" },
    { gte: 80, lt: 90, label: "80–90", color: "#e0b321" },
    { gte: 90, lte: 95, label: "90–95", color: "#e07b21" },
    { gt: 95, label: "> 95 %", color: "#c0392b" }
  ];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function instance(el) {
    return window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
  }

  function pct(v) { return v === null || v === undefined ? "–" : Math.round(v) + " %"; }

  // Left axis: utilization in per cent (actuals). Right axis: patients — the census hour
  // by hour, the census forecast (median line, bands up to the 85th and 90th
  // percentiles) and the beds staffed now, the capacity the forecast is read against.
  function chartOption(d) {
    var diff = function (upper, lower) {
      return upper.map(function (v, i) { return v === null || lower[i] === null ? null : +(v - lower[i]).toFixed(1); });
    };
    var series = [{
      name: "Utilization", type: "line", data: d.actual, showSymbol: false, connectNulls: false,
      lineStyle: { width: 2, color: "#1f4e79" }, itemStyle: { color: "#1f4e79" },
      markLine: {
        silent: true, symbol: "none", label: { formatter: "{b}", position: "insideEndTop" },
        lineStyle: { type: "dashed" },
        data: [
          { yAxis: 90, name: "stressed 90 %", lineStyle: { color: "#e07b21" } },
          { xAxis: d.now, name: "now", lineStyle: { color: "#667" } }
        ]
      }
    }, {
      name: "Census", type: "line", yAxisIndex: 1, data: d.census, showSymbol: false,
      lineStyle: { width: 1.5, color: "#6b7785" }, itemStyle: { color: "#6b7785" },
      markLine: {
        silent: true, symbol: "none", label: { formatter: "{b}", position: "insideStartTop" },
        data: [{ yAxis: d.staffed, name: "staffed beds now " + d.staffed, lineStyle: { color: "#c0392b", type: "dotted" } }]
      }
    }];
    if (d.forecast) {
      series.push(
        { name: "base", type: "line", yAxisIndex: 1, data: d.median, stack: "band", showSymbol: false,
          lineStyle: { opacity: 0 }, silent: true },
        { name: "Median to 85th", type: "line", yAxisIndex: 1, data: diff(d.q85, d.median), stack: "band",
          showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(107, 119, 133, 0.35)" },
          itemStyle: { color: "rgba(107, 119, 133, 0.35)" } },
        { name: "85th to 90th", type: "line", yAxisIndex: 1, data: diff(d.q90, d.q85), stack: "band",
          showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(107, 119, 133, 0.16)" },
          itemStyle: { color: "rgba(107, 119, 133, 0.16)" } },
        { name: "Forecast median", type: "line", yAxisIndex: 1, data: d.median, showSymbol: false,
          lineStyle: { width: 2, type: "dashed", color: "#6b7785" }, itemStyle: { color: "#6b7785" } }
      );
    }
    var patients = d.census.concat(d.q90).filter(function (v) { return v !== null; });
    var most = Math.max.apply(null, patients.concat([d.staffed, 0]));
    return {
      animation: false,
      grid: { left: 48, right: 44, top: 56, bottom: 40 },
      legend: { type: "scroll", top: 0, data: ["Utilization", "Census"].concat(d.forecast ? ["Forecast median", "Median to 85th", "85th to 90th"] : []) },
      tooltip: {
        trigger: "axis", renderMode: "richText",
        formatter: function (params) {
          var i = params.length ? params[0].dataIndex : 0;
          var lines = [d.labels[i]];
          if (d.actual[i] !== null) lines.push("Utilization " + pct(d.actual[i]));
          if (d.census[i] !== null) lines.push("Census " + d.census[i]);
          if (d.forecast && d.median[i] !== null) {
            lines.push("Forecast census: median " + d.median[i], "85th " + d.q85[i] + ", 90th " + d.q90[i],
                       "over " + d.staffed + " staffed beds: " + (d.staffed ? pct(100 * d.median[i] / d.staffed) : "–"));
          }
          return lines.join("\n");
        }
      },
      xAxis: { type: "category", data: d.labels, boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", min: 0, name: "utilization", axisLabel: { formatter: "{value} %" } },
        { type: "value", min: 0, max: Math.ceil(most * 1.1) || 1, name: "patients", splitLine: { show: false } }
      ],
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
          var value = p.value[2] >= 999 ? "patients, no staffed bed" : pct(p.value[2]);
          return d.units[p.value[1]] + "\n" + d.hours[p.value[0]] + ": " + value;
        }
      },
      xAxis: { type: "category", data: d.hours, splitArea: { show: true }, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: d.units, splitArea: { show: true } },
      visualMap: { type: "piecewise", pieces: ZONES, orient: "horizontal", left: "center", bottom: 0,
                   itemWidth: 10, itemHeight: 10, itemGap: 6, textStyle: { fontSize: 10 } },
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
