// Feedback while the server answers an htmx request: the region about to be replaced says it is busy
// (aria-busy, which app.css also dims and makes unclickable), and stale choices in it cannot be taken, so
// nobody picks yesterday's slot while today's are on their way. The thin bar at the top of the page needs
// no script: app.css shows it while any element has htmx's htmx-request class.
(function () {
  "use strict";

  function targetOf(event) {
    var target = event.detail && event.detail.target;
    return target && target.nodeType === 1 ? target : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = targetOf(event);
    if (!target) return;
    target.setAttribute("aria-busy", "true");
    // Out of reach of the keyboard too, unless the person is typing or choosing in it (a filter being
    // changed keeps its focus; a link or button clicked in it is about to be replaced anyway).
    var active = document.activeElement;
    if (!(target.contains(active) && active.matches("input, select, textarea"))) {
      target.inert = true;
      target.dataset.busyInert = "1";
    }
  });

  // After every request, answered, failed or aborted; the region may have been replaced by then.
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = targetOf(event);
    if (!target) return;
    target.removeAttribute("aria-busy");
    if (target.dataset.busyInert) {
      target.inert = false;
      delete target.dataset.busyInert;
    }
  });
})();
