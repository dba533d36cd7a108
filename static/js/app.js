// Small behaviours shared by every page. Pages work without this file; it only adds comfort.
(function () {
  "use strict";

  function hideToast(toast) {
    toast.style.transition = "opacity .2s";
    toast.style.opacity = "0";
    setTimeout(function () { toast.remove(); }, 220);
  }

  function wireToasts(root) {
    root.querySelectorAll(".toast[data-autohide]").forEach(function (toast) {
      if (toast.dataset.wired) return;
      toast.dataset.wired = "1";
      setTimeout(function () { hideToast(toast); }, 6000);
    });
  }

  // Buttons say what they do in data- attributes: the CSP runs no inline onclick.
  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) hideToast(dismiss.closest(".toast"));
    if (event.target.closest("[data-print]")) window.print();
    if (event.target.closest("[data-go-back]")) window.history.back();
  });

  // Destructive actions ask first: <button data-confirm="Cancel 3 bookings?">.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter || event.target.querySelector("[data-confirm]");
    var question = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // A toast sent by the server with an htmx response: HX-Trigger: {"toast": {"message": "...", "level": "success"}}.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    var toast = document.createElement("div");
    toast.className = "toast " + (detail.level || "info");
    // Errors stay until dismissed: a refusal often lists several bookings and their reasons.
    if (detail.level === "error") toast.setAttribute("role", "alert");
    else toast.dataset.autohide = "";
    var text = document.createElement("span");
    text.textContent = detail.message || detail.value || "";
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.dismiss = "";
    close.textContent = "×";
    toast.append(text, close);
    document.getElementById("toasts").append(toast);
    wireToasts(document);
  });

  document.addEventListener("DOMContentLoaded", function () { wireToasts(document); });
  document.addEventListener("htmx:afterSwap", function () { wireToasts(document); });
})();
