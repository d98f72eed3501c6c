/* 诚信 · draws the bar charts of a page from the figures in each `.chart[data-chart]` (JSON:
   title, unit, labels, values, and optionally a colour) with the vendored ECharts. No inline script: the page only carries data. */
(function () {
  "use strict";
  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    // Horizontal bars: long department names read on the category axis; one row per department.
    el.style.height = Math.max(160, 48 + 34 * spec.labels.length) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "system-ui, \"PingFang SC\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", \"WenQuanYi Micro Hei\", sans-serif" },
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + " " + spec.unit; } },
      xAxis: { type: "value", max: spec.unit === "%" || spec.unit === "分" ? 100 : null, minInterval: spec.unit === "条" ? 1 : 0,
               axisLabel: { color: "#4b5563" }, splitLine: { lineStyle: { color: "#e5e7eb" } } },
      yAxis: { type: "category", inverse: true, data: spec.labels, axisLabel: { color: "#1f2937", width: 150, overflow: "truncate" } },
      series: [{ type: "bar", data: spec.values, barMaxWidth: 22, itemStyle: { color: spec.color || "#a4161a" },
                 label: { show: true, position: "right", color: "#1f2937", formatter: spec.unit === "%" ? "{c}%" : "{c}" } }]
    });
    el.setAttribute("data-drawn", "true");
    return chart;
  }
  function start() {
    if (typeof echarts === "undefined") { return; }
    var charts = Array.prototype.map.call(document.querySelectorAll(".chart[data-chart]"), draw);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
