// Comfort on the booking pages; everything works without it.
(function () {
  "use strict";

  // The texts come from /jsi18n/ (loaded first); should it fail to load, the page's own words.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, count) { return count === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, key) { return values[key]; });
  };

  // --- The booking list's batch bar: how many rows are ticked, the reason only where it is needed ---

  function batchBar() { return document.querySelector("[data-batch-bar]"); }

  function updateBatchBar() {
    var bar = batchBar();
    if (!bar) return;
    var count = document.querySelectorAll("input[name=selected]:checked").length;
    var label = bar.querySelector("[data-batch-count]");
    if (label) {
      label.textContent = count
        ? interpolate(ngettext("%(count)s booking selected", "%(count)s bookings selected", count), { count: count }, true)
        : gettext("Tick bookings to act on them");
    }
    bar.classList.add("is-live");
    bar.classList.toggle("has-selection", count > 0);
    var action = bar.querySelector("#batch-action");
    if (action) bar.dataset.action = action.value;
    var all = document.querySelector("[data-select-all]");
    var boxes = document.querySelectorAll("input[name=selected]");
    if (all) {
      all.checked = boxes.length > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }

  // --- The booking form: known clients offered as the name or phone is typed ---

  function fillClient(choice) {
    var fields = { id_client_name: choice.dataset.name, id_client_phone: choice.dataset.phone, id_client_email: choice.dataset.email };
    Object.keys(fields).forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) return;
      input.value = fields[id] || "";
      // The preview panel listens for changes: it names the client and warns about a flag.
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var list = document.getElementById("client-suggestions");
    if (list) list.textContent = "";
    var next = document.getElementById("id_client_email");
    if (next) next.focus();
  }

  function suggestionButtons() {
    return Array.prototype.slice.call(document.querySelectorAll("#client-suggestions [data-fill-client]"));
  }

  document.addEventListener("click", function (event) {
    // A free-slot chip fills in the start time of the booking form.
    var slot = event.target.closest("[data-slot-hour]");
    if (slot && !slot.disabled) {
      var select = document.getElementById("id_start_time");
      if (select) {
        select.value = slot.dataset.slotHour;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        select.focus();
      }
    }
    var known = event.target.closest("[data-fill-client]");
    if (known) fillClient(known);
  });

  document.addEventListener("keydown", function (event) {
    // Arrow keys move between the client fields and the clients offered under them; Escape closes the list.
    var inField = event.target.id === "id_client_name" || event.target.id === "id_client_phone";
    var inList = event.target.closest && event.target.closest("#client-suggestions");
    if (!inField && !inList) return;
    var buttons = suggestionButtons();
    if (event.key === "Escape") {
      var list = document.getElementById("client-suggestions");
      if (list && buttons.length) { list.textContent = ""; event.preventDefault(); }
      return;
    }
    if (!buttons.length || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    var at = buttons.indexOf(event.target);
    var to = event.key === "ArrowDown" ? at + 1 : at - 1;
    event.preventDefault();
    if (to < 0) document.getElementById("id_client_name").focus();
    else buttons[Math.min(to, buttons.length - 1)].focus();
  });

  // "Select all" in the booking list selects the rows shown; every tick updates the count.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[name=selected]").forEach(function (box) { box.checked = all.checked; });
    }
    if (all || event.target.name === "selected" || event.target.id === "batch-action") updateBatchBar();
  });

  // --- Waiting for the server ---

  // Free hours of the day before stay on screen while the new day's load, but cannot be picked.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.elt;
    if (!target || target.id !== "preview") return;
    target.setAttribute("aria-busy", "true");
    target.querySelectorAll(".slot").forEach(function (slot) { slot.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.elt;
    if (!target || target.id !== "preview") return;
    target.removeAttribute("aria-busy");
    // A failed request leaves the old hours: they are usable again.
    target.querySelectorAll(".slot").forEach(function (slot) { slot.disabled = false; });
  });

  // The start list comes back with the preview, its taken hours disabled: its options are replaced in place (the
  // list keeps focus) and the option the server marked chosen is the one chosen.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var list = event.detail.target;
    if (!list || list.id !== "id_start_time") return;
    event.detail.shouldSwap = false;
    var chosen = event.detail.fragment.querySelector("option[selected]");
    // htmx hands over the server's <select> itself: its options are what goes in.
    list.replaceChildren.apply(list, Array.prototype.slice.call(event.detail.fragment.children));
    list.value = chosen ? chosen.value : "";
  });

  // A form that posts and reloads shows it is working and is not sent twice.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;  // e.g. a confirmation declined
    var button = event.submitter;
    if (!button || !button.hasAttribute("data-busy")) return;
    button.classList.add("is-busy");
    button.setAttribute("aria-busy", "true");
    // Disabled after the browser has read the form, so the submission itself goes ahead.
    setTimeout(function () { button.disabled = true; }, 0);
  });
  // Back to a page from the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-busy].is-busy").forEach(function (button) {
      button.classList.remove("is-busy");
      button.removeAttribute("aria-busy");
      button.disabled = false;
    });
  });

  document.addEventListener("DOMContentLoaded", updateBatchBar);
  document.addEventListener("htmx:afterSwap", updateBatchBar);
})();
