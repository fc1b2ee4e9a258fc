/* ECharts on the home page: each <div data-chart=… data-source=ID> reads its data from the
   <script type="application/json" id=ID> written by Django's json_script (no inline script). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }

  function readData(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function stackedSeries(data) {
    return data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", emphasis: { focus: "series" }, data: s.data };
    });
  }

  var builders = {
    "stacked-bar": function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 40 } },
        yAxis: { type: "value", minInterval: 1 },
        series: stackedSeries(data)
      };
    },
    "horizontal-bar": function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.categories.slice().reverse(), axisLabel: { width: 160, overflow: "truncate" } },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "total", data: s.data.slice().reverse() };
        })
      };
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.dataset.chart];
    var data = readData(el.dataset.source);
    if (!build || !data || !data.categories || !data.categories.length) {
      if (el.dataset.empty) { el.textContent = el.dataset.empty; }
      return;
    }
    if (el.dataset.chart === "horizontal-bar") {
      el.style.height = Math.max(240, data.categories.length * 26 + 60) + "px";
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(build(data));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
