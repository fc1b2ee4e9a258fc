/* The plan's Gantt-like timeline: one bar per task from start to due date, the filled part is
   the progress, milestones as diamonds, a red line at the board date. Data comes from the
   <script type="application/json" id="timeline-data"> written by json_script. */
(function () {
  "use strict";
  var el = document.getElementById("workplan-timeline");
  if (!el || typeof echarts === "undefined") { return; }
  var source = document.getElementById(el.dataset.source);
  if (!source) { return; }
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { return; }
  var tasks = data.tasks || [];
  if (!tasks.length) { return; }
  var colours = { overdue: "#dc3545", at_risk: "#ffc107", on_track: "#198754", done: "#6c757d", no_date: "#adb5bd" };
  var day = 24 * 3600 * 1000;
  function ts(s) { var p = s.split("-"); return Date.UTC(+p[0], +p[1] - 1, +p[2]); }
  var labels = tasks.map(function (t) { return t.label + " " + t.title; });
  var bars = tasks.map(function (t, i) {
    return { value: [i, ts(t.start), ts(t.due) + day, t.progress], task: t };
  });
  var points = [];
  tasks.forEach(function (t, i) {
    t.milestones.forEach(function (m) { points.push({ value: [ts(m.due), i], name: m.title, done: m.done }); });
  });
  el.style.height = Math.max(400, tasks.length * 22 + 80) + "px";
  var chart = echarts.init(el, null, { renderer: "canvas" });

  function renderBar(params, api) {
    var i = api.value(0);
    var start = api.coord([api.value(1), i]);
    var end = api.coord([api.value(2), i]);
    var h = api.size([0, 1])[1] * 0.6;
    var width = Math.max(end[0] - start[0], 2);
    var t = tasks[i];
    var done = width * (api.value(3) / 100);
    var rect = { x: start[0], y: start[1] - h / 2, width: width, height: h };
    var shape = echarts.graphic.clipRectByRect(rect, {
      x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height
    });
    if (!shape) { return null; }
    return {
      type: "group",
      children: [
        { type: "rect", shape: shape, style: { fill: "#e9ecef", stroke: colours[t.health] || "#adb5bd" } },
        { type: "rect", shape: { x: rect.x, y: rect.y, width: done, height: h }, style: { fill: colours[t.health] || "#adb5bd", opacity: 0.8 } }
      ]
    };
  }

  chart.setOption({
    tooltip: {
      formatter: function (p) {
        if (p.seriesType === "custom") {
          var t = p.data.task;
          return t.label + " " + t.title + "<br>" + t.start + " → " + t.due + "<br>" + t.progress + "% · " + (data.labels[t.health] || "");
        }
        return p.data.name + "<br>" + echarts.format.formatTime("yyyy-MM-dd", p.data.value[0]);
      }
    },
    grid: { left: 8, right: 24, top: 30, bottom: 30, containLabel: true },
    xAxis: { type: "time", position: "top", min: Date.UTC(data.year, 0, 1), max: Date.UTC(data.year, 11, 31) + day,
             axisLabel: { formatter: "{M}" } },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 220, overflow: "truncate" } },
    dataZoom: [{ type: "slider", yAxisIndex: 0, right: 0, width: 14, startValue: 0, endValue: Math.min(tasks.length - 1, 29) },
               { type: "inside", yAxisIndex: 0 }],
    series: [
      { type: "custom", renderItem: renderBar, encode: { x: [1, 2], y: 0 }, data: bars,
        markLine: { silent: true, symbol: "none", lineStyle: { color: "#dc3545" }, data: [{ xAxis: ts(data.today), label: { formatter: data.today_label || data.today } }] } },
      { type: "scatter", symbol: "diamond", symbolSize: 9, data: points,
        itemStyle: { color: function (p) { return p.data.done ? "#6c757d" : "#0d6efd"; } } }
    ]
  });
  chart.on("click", function (p) {
    if (p.seriesType === "custom" && p.data.task.url) { window.location.href = p.data.task.url; }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
