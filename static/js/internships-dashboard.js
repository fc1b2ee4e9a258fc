/* The internship dashboard's charts. Each <div data-chart="ibar" data-source=ID> reads
   {categories, series} from the json_script element ID (no inline script, CSP-safe). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  document.querySelectorAll("[data-chart='ibar']").forEach(function (el) {
    var src = document.getElementById(el.dataset.source);
    var data;
    try { data = JSON.parse(src.textContent); } catch (e) { return; }
    if (!data.categories || !data.categories.length) { el.textContent = el.dataset.empty || "—"; return; }
    el.style.height = Math.max(240, data.categories.length * 26 + 60) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.categories.slice().reverse(), axisLabel: { width: 180, overflow: "truncate" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data.slice().reverse(), label: { show: true, position: "right" } };
      })
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
