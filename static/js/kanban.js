// The live Kanban board: drag and drop (SortableJS), the "Move…" menu without a reload, and live
// updates over /ws/kanban/. Without this script the board still works: the menu posts a plain form.
(function () {
  "use strict";

  var REASON_NEEDED = { cancelled: "Cancel this booking?", no_show: "Mark this booking as a no-show?" };
  // As the |money template filter writes it: "12 500 ₽" with thin spaces, kopecks only when there are some.
  var THIN = "\u202f";
  function money(amount) {
    var whole = Math.round(amount * 100) % 100 === 0;
    var text = amount.toLocaleString("en-GB", { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: whole ? 0 : 2 });
    return text.replace(/,/g, THIN) + THIN + "₽";
  }

  function board() { return document.querySelector("[data-board]"); }
  function csrfToken() {
    var input = document.querySelector("[data-csrf] input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function toast(message, level) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level || "info" } }));
  }
  function columnList(state) {
    var el = board();
    return el ? el.querySelector('.kanban-cards[data-state="' + state + '"]') : null;
  }
  function cardElement(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  // --- Column counts and totals --------------------------------------------------------------------

  function recount() {
    var el = board();
    if (!el) return;
    el.querySelectorAll("[data-column]").forEach(function (column) {
      var cards = column.querySelectorAll(".kanban-card");
      var total = 0;
      cards.forEach(function (card) { total += parseFloat(card.dataset.total || "0"); });
      var count = column.querySelector("[data-count]");
      count.textContent = cards.length;
      count.setAttribute("aria-label", cards.length + (cards.length === 1 ? " booking" : " bookings"));
      column.querySelector("[data-revenue]").textContent = money(total);
    });
  }

  // --- Putting a card where it belongs -------------------------------------------------------------

  function belongsHere(message) {
    var el = board();
    if (!el) return false;
    var space = el.dataset.space;
    return message.date >= el.dataset.from && message.date <= el.dataset.to &&
      (!space || String(message.space) === space) && !!columnList(message.state);
  }

  function insertByTime(list, card) {
    var after = Array.prototype.find.call(list.children, function (other) {
      return other !== card && !other.dataset.placed && other.dataset.start > card.dataset.start;
    });
    list.insertBefore(card, after || null);
  }

  function placeCard(html, state) {
    var fresh = cardElement(html);
    var current = document.getElementById(fresh.id);
    var list = columnList(state);
    if (current && current.parentElement === list) {
      if (current.dataset.placed) fresh.dataset.placed = "1";
      current.replaceWith(fresh);
    } else {
      if (current) current.remove();
      insertByTime(list, fresh);
    }
    fresh.classList.add("just-changed");
    recount();
    return fresh;
  }

  function removeCard(id) {
    var card = document.getElementById("card-" + id);
    if (card) { card.remove(); recount(); }
  }

  // --- Moving ----------------------------------------------------------------------------------------

  var dialog = null;
  function askReason(state) {
    dialog = dialog || document.getElementById("reason-dialog");
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(window.prompt(REASON_NEEDED[state] + " Reason:") || "");
        return;
      }
      var input = dialog.querySelector("textarea");
      dialog.querySelector("[data-reason-title]").textContent = REASON_NEEDED[state];
      input.value = "";
      dialog.returnValue = "";
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok" ? input.value.trim() : "");
      });
      dialog.showModal();
      input.focus();
    });
  }

  // POST the move; resolves to the server's answer ({ok, message, id, state, card}).
  function postMove(fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(board().dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: response.status === 404
          ? "That booking is not on your board any more." : "The move could not be saved. Try again." };
      });
    }, function () {
      return { ok: false, message: "The studio server could not be reached. Nothing was changed." };
    });
  }

  function idsOf(list) {
    return Array.prototype.map.call(list.querySelectorAll(".kanban-card"), function (card) { return card.dataset.id; });
  }

  function settle(answer) {
    toast(answer.message, answer.ok ? "success" : "error");
    if (answer.card && answer.state) placeCard(answer.card, answer.state);
  }

  function onDrop(event) {
    var card = event.item, from = event.from, to = event.to;
    if (from === to && event.oldIndex === event.newIndex) return;
    var state = to.dataset.state;
    function snapBack(message) {
      from.insertBefore(card, from.children[event.oldIndex] || null);
      recount();
      if (message) toast(message, "error");
    }
    var reasonAsked = from !== to && REASON_NEEDED[state] ? askReason(state) : Promise.resolve("");
    reasonAsked.then(function (reason) {
      if (from !== to && REASON_NEEDED[state] && !reason) {
        snapBack("Not moved: a reason is needed.");
        return;
      }
      card.classList.add("is-saving");
      recount();
      postMove({ booking: card.dataset.id, to: state, version: card.dataset.version, reason: reason, order: idsOf(to).join(",") })
        .then(function (answer) {
          card.classList.remove("is-saving");
          if (answer.ok) {
            to.querySelectorAll(".kanban-card").forEach(function (placed) { placed.dataset.placed = "1"; });
          } else {
            snapBack();
          }
          // A refused card goes back, then shows where it really is (someone else may have moved it).
          settle(answer);
        });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-move-form]");
    if (!form || !board()) return;
    event.preventDefault();
    var state = form.elements.to.value;
    var reason = form.elements.reason.value.trim();
    var asked = REASON_NEEDED[state] && !reason ? askReason(state) : Promise.resolve(reason);
    asked.then(function (given) {
      if (REASON_NEEDED[state] && !given) return;
      postMove({ booking: form.elements.booking.value, to: state, version: form.elements.version.value, reason: given })
        .then(function (answer) {
          settle(answer);
          var moved = document.getElementById("card-" + answer.id);
          if (moved) moved.querySelector("a").focus();
        });
    });
  });

  // --- Drag and drop ---------------------------------------------------------------------------------

  function enableDragging() {
    var el = board();
    if (!el || el.dataset.sortable || typeof Sortable === "undefined") return;
    el.dataset.sortable = "1";
    el.querySelectorAll(".kanban-cards").forEach(function (list) {
      Sortable.create(list, {
        group: "board",
        animation: 150,
        // Pointer events rather than HTML5 drag and drop: the same behaviour for mouse, pen and touch.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        draggable: ".kanban-card",
        filter: "a, select, input, button, summary, textarea",
        preventOnFilter: false,
        delay: 180,
        delayOnTouchOnly: true,
        onStart: function (event) {
          var moves = (event.item.dataset.moves || "").split(" ");
          el.classList.add("is-dragging");
          el.querySelectorAll("[data-column]").forEach(function (column) {
            var state = column.dataset.column;
            var ok = state === event.item.dataset.state || moves.indexOf(state) !== -1;
            column.classList.toggle("drop-ok", ok);
            column.classList.toggle("drop-no", !ok);
          });
        },
        onEnd: function (event) {
          el.classList.remove("is-dragging");
          onDrop(event);
        },
      });
    });
  }

  // --- Live updates ----------------------------------------------------------------------------------

  var socket = null, opened = false, retry = 0;

  function setStatus(state, text) {
    var status = document.querySelector("[data-live-status]");
    if (!status) return;
    status.dataset.state = state;
    status.querySelector("[data-live-text]").textContent = text;
  }

  function showPresence(names) {
    var presence = document.querySelector("[data-presence]");
    if (!presence) return;
    presence.textContent = names.length ? "Also viewing: " + names.join(", ") : "Only you are viewing";
  }

  // A client that was offline may have missed changes: fetch the whole board again.
  function resync() {
    var el = board();
    if (!el) return;
    fetch(window.location.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-board]");
        if (fresh && board()) {
          board().replaceWith(fresh);
          enableDragging();
        }
      })
      .catch(function () { /* the next change or reconnect tries again */ });
  }

  function handle(message) {
    if (message.type === "card") {
      var shown = document.getElementById("card-" + message.id);
      // Messages from two servers may cross: never replace a card with an older version of it.
      if (shown && Number(shown.dataset.version) > Number(message.version)) return;
      if (belongsHere(message)) placeCard(message.html, message.state);
      else removeCard(message.id);
    } else if (message.type === "remove") {
      removeCard(message.id);
    } else if (message.type === "order") {
      var list = columnList(message.state);
      if (!list) return;
      message.ids.forEach(function (id) {
        var card = document.getElementById("card-" + id);
        if (card && card.parentElement === list) { list.appendChild(card); card.dataset.placed = "1"; }
      });
      Array.prototype.filter.call(list.children, function (c) { return !c.dataset.placed; })
        .forEach(function (c) { list.appendChild(c); });
    } else if (message.type === "presence") {
      showPresence(message.names);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/kanban/");
    setStatus(opened ? "reconnecting" : "off", opened ? "Reconnecting…" : "Connecting…");
    socket.onopen = function () {
      if (opened) resync();
      opened = true;
      retry = 0;
      setStatus("live", "Live");
    };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403) {
        setStatus("off", event.code === 4401 ? "Signed out: reload to sign in" : "Live updates are not available");
        return;
      }
      setStatus("reconnecting", "Reconnecting…");
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  // The filters swap in a new board through htmx; it needs dragging wired again.
  document.addEventListener("htmx:afterSettle", enableDragging);

  function start() {
    if (!board()) return;
    enableDragging();
    if ("WebSocket" in window) connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
