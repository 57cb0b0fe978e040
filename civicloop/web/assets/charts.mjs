// Renders each Vega-Lite spec embedded in the page. The data table next to every chart is the
// no-JavaScript (and screen-reader) version of the same numbers.
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

function renderAll() {
  for (const target of document.querySelectorAll("[data-vega-spec]")) {
    const source = document.getElementById(target.dataset.vegaSpec);
    if (!source) continue;
    const spec = JSON.parse(source.textContent);
    // The interpreter keeps charts working under a Content-Security-Policy without 'unsafe-eval';
    // no injected <style> elements either (style-src 'self'): the tooltip is styled in
    // civicloop.scss (.vg-tooltip).
    embed(target, spec, {
      actions: false,
      renderer: "svg",
      ast: true,
      expr: expressionInterpreter,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
    })
      .then(() => target.setAttribute("data-rendered", "true"))
      .catch((error) => target.setAttribute("data-error", String(error)));
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", renderAll);
} else {
  renderAll();
}
document.addEventListener("htmx:afterSettle", renderAll);
