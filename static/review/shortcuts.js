// Reviewer keyboard shortcuts: a = approve (the link opens after the undo window), r = reject
// (focuses the reason), n = claim next, u = undo an approval while its window lasts.
// Inactive while typing in a field and when a modifier key is held, so they never eat text
// or browser shortcuts.
(() => {
  "use strict";

  const isTyping = (target) => {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  };

  const click = (id) => {
    const button = document.getElementById(id);
    if (!button || button.disabled) return false;
    button.click();
    return true;
  };

  const actions = {
    a: () => click("approve-button"),
    r: () => {
      const reason = document.getElementById("id_reason_code");
      if (!reason) return false;
      reason.focus();
      reason.scrollIntoView({ block: "center" });
      return true;
    },
    n: () => click("claim-next"),
    u: () => click("undo-approval"),
  };

  const startLeaseCountdown = () => {
    const lease = document.querySelector("[data-seconds-left]");
    if (!lease) return;
    const shown = lease.querySelector(".lease-countdown");
    const ends = Date.now() + Number(lease.dataset.secondsLeft) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      shown.textContent = left > 0
        ? `${Math.floor(left / 60)} min ${String(left % 60).padStart(2, "0")} s`
        : "no time: claim it again before deciding";
      if (left > 0) window.setTimeout(tick, 1000);
    };
    tick();
  };

  // The undo window after an approval: count down, then show the page as it is (link live).
  const startUndoCountdown = () => {
    const window_ = document.querySelector("[data-undo-seconds]");
    if (!window_) return;
    const shown = window_.querySelector(".undo-countdown");
    const ends = Date.now() + Number(window_.dataset.undoSeconds) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      shown.textContent = `${left} s`;
      if (left > 0) window.setTimeout(tick, 250);
      else window.location.reload();
    };
    tick();
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.repeat) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (isTyping(event.target)) return;
    const action = actions[event.key];
    if (action && action()) event.preventDefault();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startLeaseCountdown);
    document.addEventListener("DOMContentLoaded", startUndoCountdown);
  } else {
    startLeaseCountdown();
    startUndoCountdown();
  }
})();
