// Charts: any element with data-chart holds an ECharts option as JSON (rendered server-side),
// so pages still read as tables without JavaScript and the figures come from one place.
(function () {
  function render(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var option = JSON.parse(document.getElementById(el.dataset.chart).textContent);
      var chart = echarts.init(el);
      chart.setOption(option);
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (e) { render(e.target); });
})();
