// Stacked table rows on phones (responsive.css) show each cell's column name: copy every
// column header's text into its cells' data-label. Runs on load and after each htmx swap.
(() => {
  "use strict";

  const label = (root) => {
    root.querySelectorAll("table.table").forEach((table) => {
      const headers = Array.from(table.querySelectorAll("thead th")).map((th) =>
        th.textContent.trim(),
      );
      if (!headers.length) return;
      table.querySelectorAll("tbody tr").forEach((row) => {
        let column = 0;
        Array.from(row.children).forEach((cell) => {
          if (!cell.hasAttribute("data-label") && cell.colSpan === 1) {
            cell.setAttribute("data-label", headers[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  };

  const start = () => label(document);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSwap", (event) => label(event.target));
})();
