// Comfort on the booking pages; everything works without it.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    // A free-slot chip fills in the start time of the booking form.
    var slot = event.target.closest("[data-slot-hour]");
    if (slot) {
      var select = document.getElementById("id_start_time");
      if (select) {
        select.value = slot.dataset.slotHour;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        select.focus();
      }
    }
  });

  // "Select all" in the booking list selects the rows shown.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    document.querySelectorAll("input[name=selected]").forEach(function (box) { box.checked = all.checked; });
  });
})();
