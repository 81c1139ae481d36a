// "Copy link" buttons: copy the text of the input named by data-copy-target.
(() => {
  "use strict";
  if (window.__shareCopyReady) return; // included once per link on a page
  window.__shareCopyReady = true;

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    const status = button.closest(".share-link")?.querySelector(".copy-status");
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      if (status) status.textContent = "Link copied.";
    } catch {
      // No clipboard permission (or an insecure origin): the link is selected for copying.
      if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
    }
  });
})();
