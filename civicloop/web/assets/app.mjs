// Progressive enhancement only: every page reads and submits without JavaScript.
import { initAll } from "govuk-frontend";
import { initRichText } from "./richtext.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initRichText();

// Responsive tables: on a narrow screen (a 390 px phone) a data table with several columns is
// shown as one block per row, each cell preceded by its column's name (civicloop.scss,
// .cl-stack), so no column is cut off. The table keeps its semantics: explicit roles, since
// `display: block` drops them in some browsers. Tables that scroll instead say so with
// .cl-no-stack (or sit in a .cl-table-scroll region).
function stackTables(root) {
  for (const table of root.querySelectorAll("table.govuk-table:not(.cl-no-stack)")) {
    if (table.closest(".cl-table-scroll") || table.dataset.stacked) continue;
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (headers.length < 3) continue;
    table.dataset.stacked = "true";
    table.classList.add("cl-stack");
    table.setAttribute("role", "table");
    for (const group of table.querySelectorAll("thead, tbody, tfoot")) group.setAttribute("role", "rowgroup");
    for (const row of table.querySelectorAll("tr")) {
      row.setAttribute("role", "row");
      [...row.children].forEach((cell, i) => {
        const inHead = cell.closest("thead");
        if (cell.tagName === "TH") cell.setAttribute("role", inHead ? "columnheader" : "rowheader");
        else cell.setAttribute("role", "cell");
        if (!inHead && headers[i] && !cell.hasAttribute("colspan")) cell.dataset.label = headers[i];
      });
    }
  }
}
stackTables(document);
document.addEventListener("htmx:afterSettle", (event) => stackTables(event.target));
