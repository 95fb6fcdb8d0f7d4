// Draws every chart on the page from its JSON spec (rendered with json_script) and turns a
// click on a bar or point into the list behind it (the spec's customdata holds the URL).
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      Plotly.newPlot(element, spec.data, spec.layout,
                     { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] });
      element.on("plotly_click", function (event) {
        var url = event.points && event.points[0] && event.points[0].customdata;
        if (url) { window.location.assign(url); }
      });
      element.dataset.drawn = "true";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
