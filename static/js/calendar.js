// The calendar page: booking summary in a dialog, drag-to-reschedule, and live redraws over the
// calendar's websocket (live.js). Everything here is comfort: without JavaScript every link and form
// still works as a page.
(function () {
  "use strict";

  var live = window.studioLive;

  function calendar() { return document.getElementById("calendar"); }
  function dialog() { return document.getElementById("cal-dialog"); }

  // Redraw the grid the page shows now (same view, date and filters), keeping the scroll position.
  var refreshing = false;
  var again = false;
  function refresh() {
    var section = calendar();
    if (!section || !window.htmx) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    var scroller = section.querySelector(".cal-scroll");
    var scroll = scroller ? [scroller.scrollLeft, scroller.scrollTop] : null;
    htmx.ajax("GET", section.dataset.gridUrl, { target: "#calendar", swap: "outerHTML" }).then(function () {
      var fresh = calendar() && calendar().querySelector(".cal-scroll");
      if (fresh && scroll) { fresh.scrollLeft = scroll[0]; fresh.scrollTop = scroll[1]; }
    }).finally(function () {
      refreshing = false;
      if (again) { again = false; refresh(); }
    });
  }

  // --- Summary dialog --------------------------------------------------------------------------

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (box && event.detail.target && event.detail.target.id === "cal-dialog-body" && !box.open) box.showModal();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-dialog]")) {
      var box = dialog();
      if (box && box.open) { event.preventDefault(); box.close(); }
    } else if (event.target === dialog()) {
      dialog().close(); // a click on the backdrop
    }
  });
  // Refusals (400 conflict of input, 409 taken slot or stale booking) carry the form to show again.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.target && event.detail.target.closest("#cal-dialog")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("calendarChanged", refresh);

  // --- Drag a booking to a free hour -----------------------------------------------------------

  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".cal-booking[draggable=true]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.booking);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach(function (cell) { cell.classList.remove("drop-target"); });
  });
  // The hour under the pointer, also when it is covered by another booking (the server then refuses).
  function dropCell(event) {
    if (!dragged) return null;
    var under = document.elementsFromPoint(event.clientX, event.clientY);
    for (var i = 0; i < under.length; i++) {
      if (under[i].classList.contains("cal-cell") && under[i].dataset.start) return under[i];
    }
    return null;
  }
  document.addEventListener("dragover", function (event) {
    var cell = dropCell(event);
    if (!cell || !cell.dataset.start) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (c) { if (c !== cell) c.classList.remove("drop-target"); });
    cell.classList.add("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var cell = dropCell(event);
    if (!cell || !cell.dataset.start) return;
    event.preventDefault();
    cell.classList.remove("drop-target");
    move(dragged, cell.dataset.space, cell.dataset.start);
  });

  function move(item, space, start) {
    var body = new FormData();
    body.append("version", item.dataset.version);
    body.append("space", space);
    body.append("start", start);
    item.classList.add("moving");
    var headers = { "HX-Request": "true", "X-CSRFToken": live.csrfToken() };
    fetch(item.dataset.moveUrl, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        var trigger = {};
        try { trigger = JSON.parse(response.headers.get("HX-Trigger") || "{}"); } catch (e) { trigger = {}; }
        if (trigger.toast) live.toast(trigger.toast.message, trigger.toast.level);
        else if (!response.ok) live.toast(gettext("The booking could not be moved."), "error");
      })
      .catch(function () { live.toast(gettext("The booking could not be moved: no connection."), "error"); })
      .finally(function () { item.classList.remove("moving"); refresh(); });
  }

  // --- Live updates ----------------------------------------------------------------------------

  var pending = null;
  function changed(data) {
    if (data.type !== "changed") return;
    // Several changes in a burst (a batch action) become one redraw.
    clearTimeout(pending);
    pending = setTimeout(function () { if (!dragged || !dragged.isConnected) refresh(); }, 250);
  }
  function follow() {
    var section = calendar();
    // A calendar that was offline may have missed changes: redraw it once the socket is back.
    if (section) live.follow(section.dataset.socket, { message: changed, reconnected: refresh });
  }

  // Keep the now line honest on a page left open.
  setInterval(function () { if (!document.hidden && !(dialog() && dialog().open)) refresh(); }, 5 * 60 * 1000);

  // On a narrow screen the week scrolls sideways: bring the chosen day into view.
  function showChosenDay() {
    var section = calendar();
    var scroller = section && section.querySelector(".cal-scroll");
    var head = section && (section.querySelector(".cal-head.selected") || section.querySelector(".cal-head.today"));
    if (!scroller || !head || scroller.scrollWidth <= scroller.clientWidth) return;
    var timeColumn = section.querySelector(".cal-corner");
    scroller.scrollLeft = head.offsetLeft - (timeColumn ? timeColumn.offsetWidth : 0);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "calendar" && !refreshing) showChosenDay();
  });

  document.addEventListener("DOMContentLoaded", function () { showChosenDay(); follow(); });
  window.studioCalendar = { refresh: refresh };
})();
