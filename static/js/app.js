// Small behaviours shared by every page. Pages work without this file; it only adds comfort.
(function () {
  "use strict";

  // The texts come from /jsi18n/ (loaded first); should it fail to load (a busy server), the page's own words.
  var gettext = window.gettext || function (text) { return text; };

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
    close.setAttribute("aria-label", gettext("Dismiss"));
    close.dataset.dismiss = "";
    close.textContent = "×";
    toast.append(text, close);
    document.getElementById("toasts").append(toast);
    wireToasts(document);
  });

  // ---- The header's search box: "/" or Ctrl-K (Cmd-K) from anywhere, results listed as one types. ----------
  // The input is a combobox: focus stays in it, the arrows move through the options (aria-activedescendant),
  // Enter opens the chosen one; without a chosen option the form goes to the search page.

  function searchParts() {
    var input = document.getElementById("header-search-input");
    if (!input) return null;
    return { box: document.getElementById("header-search"), input: input,
             panel: document.getElementById("header-search-panel"), status: document.getElementById("header-search-status"),
             toggle: document.querySelector("[data-search-open]") };
  }

  function searchOptions(parts) { return Array.prototype.slice.call(parts.panel.querySelectorAll("[role=option]")); }

  function chooseOption(parts, option) {
    searchOptions(parts).forEach(function (each) { each.setAttribute("aria-selected", each === option ? "true" : "false"); });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function showPanel(parts, shown) {
    shown = shown && parts.panel.childElementCount > 0 && parts.input.value.trim() !== "";
    parts.panel.hidden = !shown;
    parts.input.setAttribute("aria-expanded", shown ? "true" : "false");
    if (!shown) chooseOption(parts, null);
  }

  function openSearch(parts) {
    parts.box.classList.add("is-open");
    if (parts.toggle) parts.toggle.setAttribute("aria-expanded", "true");
    parts.input.focus();
    parts.input.select();
    showPanel(parts, true);
  }

  function closeSearch(parts) {
    showPanel(parts, false);
    parts.box.classList.remove("is-open");
    if (parts.toggle) parts.toggle.setAttribute("aria-expanded", "false");
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  document.addEventListener("keydown", function (event) {
    var parts = searchParts();
    if (!parts) return;
    var shortcut = (event.key === "/" && !typing(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey)
      || ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K"));
    if (shortcut) {
      event.preventDefault();
      openSearch(parts);
      return;
    }
    if (event.target !== parts.input) return;
    var options = searchOptions(parts);
    var current = parts.panel.querySelector("[aria-selected=true]");
    var at = options.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      showPanel(parts, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      chooseOption(parts, options[(at + step + options.length) % options.length]);
    } else if (event.key === "Enter" && current && !parts.panel.hidden) {
      event.preventDefault();
      window.location.assign(current.href);
    } else if (event.key === "Escape") {
      if (!parts.panel.hidden) showPanel(parts, false);
      else { closeSearch(parts); parts.input.blur(); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var parts = searchParts();
    if (!parts || event.detail.target !== parts.panel) return;
    var found = parts.panel.querySelector("[data-summary]");
    parts.status.textContent = found ? found.dataset.summary : "";
    showPanel(parts, document.activeElement === parts.input);
    // The first result is chosen, so that Enter opens it: typing the digits and Enter finds the client.
    chooseOption(parts, searchOptions(parts)[0] || null);
  });

  document.addEventListener("input", function (event) {
    var parts = searchParts();
    if (parts && event.target === parts.input && parts.input.value.trim() === "") {
      parts.panel.replaceChildren();
      showPanel(parts, false);
    }
  });

  document.addEventListener("focusin", function (event) {
    var parts = searchParts();
    if (!parts) return;
    if (event.target === parts.input) showPanel(parts, true);
    else if (!parts.box.contains(event.target)) showPanel(parts, false);
  });

  document.addEventListener("click", function (event) {
    var parts = searchParts();
    if (!parts) return;
    var toggle = event.target.closest("[data-search-open]");
    if (toggle) {
      event.preventDefault();
      if (parts.box.classList.contains("is-open")) closeSearch(parts);
      else openSearch(parts);
    } else if (!parts.box.contains(event.target)) {
      showPanel(parts, false);
    }
  });

  document.addEventListener("DOMContentLoaded", function () { wireToasts(document); });
  document.addEventListener("htmx:afterSwap", function () { wireToasts(document); });
})();
