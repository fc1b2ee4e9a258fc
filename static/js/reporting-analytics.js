/* Charts of the reporting analytics. <div data-chart="rbar|rline" data-source=ID> reads
   {categories, series[, target]} from the json_script element ID (no inline script, CSP-safe). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  var builders = {
    rbar: function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
        xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 6 ? 40 : 0 } },
        yAxis: { type: "value" },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
      };
    },
    rline: function (data, el) {
      var series = data.series.map(function (s) { return { name: s.name, type: "line", data: s.data, label: { show: true } }; });
      if (data.target !== null && data.target !== undefined && series.length) {
        series[0].markLine = { symbol: "none", data: [{ yAxis: data.target, name: el.dataset.targetLabel || "" }], label: { formatter: (el.dataset.targetLabel || "") + " {c}" } };
      }
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 96, bottom: 8, top: 16, containLabel: true },
        xAxis: { type: "category", data: data.categories },
        yAxis: { type: "value", max: function (v) { return Math.max(v.max, data.target || 0); } },
        series: series
      };
    }
  };
  document.querySelectorAll("[data-chart='rbar'],[data-chart='rline']").forEach(function (el) {
    var src = document.getElementById(el.dataset.source);
    var data;
    try { data = JSON.parse(src.textContent); } catch (e) { return; }
    if (!data.categories || !data.categories.length) { el.textContent = el.dataset.empty || "—"; return; }
    el.style.height = (el.dataset.chart === "rbar" ? 320 : 200) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option = builders[el.dataset.chart](data, el);
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
