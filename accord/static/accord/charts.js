// Draws every chart on the page: a <div data-vega-spec-id="ID" data-vega-shape-id="SHAPE"> names
// the <script type="application/json" id="ID"> that holds its Vega-Lite spec's data, and the one
// that holds the rest of the spec, shared by the charts of the same shape (from
// accord/metrics/templatetags/charts.py; the specs come from accord/lib/charts.py).
// `ast: true` makes Vega use vega-embed's expression interpreter instead of compiling expressions
// with new Function, so the Content-Security-Policy needs no 'unsafe-eval'. vega-embed's own
// <style> injection and tooltip plug-in would be refused by the policy, so both are off: Vega's
// default tooltip (a title attribute) is used instead.
(function () {
  "use strict";

  function draw(root) {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    root.querySelectorAll("[data-vega-spec-id]:not([data-vega-drawn])").forEach(function (el) {
      const source = document.getElementById(el.dataset.vegaSpecId);
      const shape = el.dataset.vegaShapeId ? document.getElementById(el.dataset.vegaShapeId) : null;
      if (!source || (el.dataset.vegaShapeId && !shape)) {
        return;
      }
      // Parsed for each chart: Vega keeps references into the spec it draws.
      const spec = Object.assign(shape ? JSON.parse(shape.textContent) : {}, JSON.parse(source.textContent));
      el.dataset.vegaDrawn = "pending";
      window
        .vegaEmbed(el, spec, {
          mode: "vega-lite",
          renderer: "svg",
          actions: false,
          ast: true,
          defaultStyle: false,
          tooltip: false,
        })
        .then(function () {
          el.dataset.vegaDrawn = "done";
        })
        .catch(function (error) {
          el.dataset.vegaDrawn = "failed";
          el.textContent = "The chart could not be drawn: " + error.message;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  // Parts of a page replaced by htmx bring their own charts.
  document.addEventListener("htmx:load", function (event) {
    draw(event.target);
  });
})();
