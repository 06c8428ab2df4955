// Charts: any element with data-chart holds an ECharts option as JSON (rendered server-side),
// so pages still read as tables without JavaScript and the figures come from one place.
// ECharts (1 MB) is fetched only on pages that have a chart, once, and cached by its hashed name.
(function () {
  var loading = null;

  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = document.body.dataset.echarts;
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function render(root) {
    var charts = root.querySelectorAll("[data-chart]:not([data-rendered])");
    if (!charts.length) return;
    loadEcharts().then(function (echarts) {
      charts.forEach(function (el) {
        if (el.dataset.rendered) return;
        var option = JSON.parse(document.getElementById(el.dataset.chart).textContent);
        var chart = echarts.init(el);
        chart.setOption(option);
        el.dataset.rendered = "1";
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (e) { render(e.target); });
})();

// Behaviour that would otherwise be inline handlers, which the Content-Security-Policy refuses to run:
// <form data-confirm="question"> asks before submitting; <select data-autosubmit> submits its form on change.
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
  });
})();
