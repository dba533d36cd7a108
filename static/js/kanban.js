// The live Kanban board: drag and drop (SortableJS), the "Move…" menu without a reload, and live
// updates over the board's websocket (live.js). Without this script the board still works: the menu
// posts a plain form.
(function () {
  "use strict";

  var live = window.studioLive;

  function board() { return document.querySelector("[data-board]"); }
  // The question asked before a move to ``state``, or "" when that move needs no reason (from the page).
  function reasonQuestion(state) {
    var data = document.getElementById("reason-questions");
    return (data && JSON.parse(data.textContent)[state]) || "";
  }
  function columnList(state) {
    var el = board();
    return el ? el.querySelector('.kanban-cards[data-state="' + state + '"]') : null;
  }
  // Put ``fresh``, markup this script fetched, in place of ``shown``; htmx wires its "Show more" links, as
  // in what htmx swaps in itself.
  function swapIn(shown, fresh) {
    shown.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }
  function cardElement(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  // --- The board as the server renders it now ----------------------------------------------------------

  // The board asks for the cards it heard changed by their ids, up to this many (the server takes 200);
  // after more changes at once (a batch action) it takes its whole board.
  var MOST_CARDS_ASKED = 100;

  // The board as its filters show it now; with ``ids``, only those of its cards (with every column's head).
  function fetchBoard(ids) {
    var some = ids && ids.length <= MOST_CARDS_ASKED;
    var url = board().dataset.url + (some ? "&cards=" + ids.join(",") : "");
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        return holder.querySelector("[data-board]") || Promise.reject();
      });
  }

  // --- Column counts and totals, and changed cards ---------------------------------------------------
  // The server writes them, as on the first page: after a change the board fetches the changed cards
  // as the server renders them for this board, with the fresh column heads (the socket only says which
  // card changed). A change waits for that answer and lands together with its heads; changes that
  // arrive while a fetch is under way share the next one.

  var waiting = [];
  var waitingIds = [];
  var fetching = false;

  // The heads and the "Show more" links of ``fresh``'s columns in place of those shown.
  function swapHeads(fresh) {
    fresh.querySelectorAll("[data-column]").forEach(function (column) {
      var state = column.dataset.column;
      var shown = board().querySelector('[data-column="' + state + '"] > .kanban-column-head');
      if (shown) shown.innerHTML = column.querySelector(".kanban-column-head").innerHTML;
      var more = document.getElementById("more-" + state);
      var freshMore = column.querySelector("#more-" + state);
      if (more && freshMore) swapIn(more, freshMore);
    });
  }

  function fetchHeads() {
    var changes = waiting, ids = waitingIds;
    waiting = [];
    waitingIds = [];
    fetching = true;
    function apply(fresh) { changes.forEach(function (change) { change(fresh); }); }
    fetchBoard(ids)
      .then(function (fresh) { apply(fresh); swapHeads(fresh); }, function () { apply(null); })
      .catch(function () { /* the next change or reconnect shows the board as it is */ })
      .then(function () {
        fetching = false;
        if (waiting.length) fetchHeads();
      });
  }

  // Make ``change(fresh)`` to card ``id`` with the column heads the server writes after it; ``fresh`` is
  // the board just fetched (with that card if the board shows it), or null when it could not be.
  // Resolves once made.
  function withFreshHeads(id, change) {
    return new Promise(function (resolve) {
      waiting.push(function (fresh) { change(fresh); resolve(); });
      waitingIds.push(Number(id));
      if (!fetching) fetchHeads();
    });
  }

  // --- Putting a card where it belongs -------------------------------------------------------------

  function insertByTime(list, card) {
    var after = Array.prototype.find.call(list.children, function (other) {
      return other !== card && !other.dataset.placed && other.dataset.start > card.dataset.start;
    });
    list.insertBefore(card, after || null);
  }

  // --- Keeping the keyboard's place ----------------------------------------------------------------
  // A card re-rendered (a move, someone else's change, a resync) is a new element: the focus would fall
  // to the page's start. The card keeps it: on the same control when the new card shows it, else on its
  // client link, the card's first stop.

  function focusedIn(root) {
    var active = document.activeElement;
    return active && active !== document.body && root && root.contains(active) ? active : null;
  }

  function sameControl(active, fresh) {
    if (active.name) return fresh.querySelector('[name="' + active.name + '"]');
    if (active.matches("summary")) return fresh.querySelector("summary");
    return null;
  }

  function keepFocus(active, fresh) {
    if (!active || !fresh || !fresh.isConnected) return;
    var target = sameControl(active, fresh);
    if (!target || target.offsetParent === null) target = fresh.querySelector(".kc-client") || fresh;
    target.focus({ preventScroll: false });
  }

  // Put ``fresh`` (a card the server rendered) in the column of ``state``, in place of the card shown.
  function placeCard(fresh, state) {
    var current = document.getElementById(fresh.id);
    var active = focusedIn(current);
    var list = columnList(state);
    if (current && current.parentElement === list) {
      if (current.dataset.placed) fresh.dataset.placed = "1";
      current.replaceWith(fresh);
    } else {
      if (current) current.remove();
      insertByTime(list, fresh);
    }
    fresh.classList.add("just-changed");
    keepFocus(active, fresh);
    return fresh;
  }

  function removeCard(id) {
    var card = document.getElementById("card-" + id);
    if (card) card.remove();
  }

  // --- Moving ----------------------------------------------------------------------------------------

  var dialog = null;
  function askReason(state) {
    dialog = dialog || document.getElementById("reason-dialog");
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(window.prompt(reasonQuestion(state)) || "");
        return;
      }
      var input = dialog.querySelector("textarea");
      dialog.querySelector("[data-reason-title]").textContent = reasonQuestion(state);
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
      headers: { "X-CSRFToken": live.csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: response.status === 404
          ? gettext("That booking is not on your board any more.") : gettext("The move could not be saved. Try again.") };
      });
    }, function () {
      return { ok: false, message: gettext("The studio server could not be reached. Nothing was changed.") };
    });
  }

  function idsOf(list) {
    return Array.prototype.map.call(list.querySelectorAll(".kanban-card"), function (card) { return card.dataset.id; });
  }

  // Tell how the move went and show the card as the server has it; resolves once it is shown.
  function settle(answer) {
    live.toast(answer.message, answer.ok ? "success" : "error");
    if (!answer.card || !answer.state) return Promise.resolve();
    return withFreshHeads(answer.id, function () { placeCard(cardElement(answer.card), answer.state); });
  }

  function onDrop(event) {
    var card = event.item, from = event.from, to = event.to;
    if (from === to && event.oldIndex === event.newIndex) return;
    var state = to.dataset.state;
    function snapBack(message) {
      from.insertBefore(card, from.children[event.oldIndex] || null);
      if (message) live.toast(message, "error");
    }
    var needsReason = from !== to && reasonQuestion(state);
    var reasonAsked = needsReason ? askReason(state) : Promise.resolve("");
    reasonAsked.then(function (reason) {
      if (needsReason && !reason) {
        snapBack(gettext("Not moved: a reason is needed."));
        return;
      }
      card.classList.add("is-saving");
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
    var needsReason = reasonQuestion(state);
    var asked = needsReason && !reason ? askReason(state) : Promise.resolve(reason);
    asked.then(function (given) {
      if (needsReason && !given) return;
      postMove({ booking: form.elements.booking.value, to: state, version: form.elements.version.value, reason: given })
        .then(function (answer) {
          settle(answer).then(function () {
            // The card moved columns: the keyboard goes with it, to its first stop.
            var moved = document.getElementById("card-" + answer.id);
            if (moved && !focusedIn(moved)) moved.querySelector(".kc-client").focus();
          });
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

  // The socket says how it is by codes; the words are the page's, in the reader's language.
  var STATUS_TEXT = {
    connecting: gettext("Connecting…"),
    live: pgettext("live updates", "Live"),
    reconnecting: gettext("Reconnecting…"),
  };
  var CLOSED_TEXT = {
    4401: gettext("Signed out: reload to sign in"),
    4403: gettext("Live updates are not available"),
  };

  function showStatus(state, code) {
    var status = document.querySelector("[data-live-status]");
    if (!status) return;
    status.dataset.state = state === "connecting" ? "off" : state;
    status.querySelector("[data-live-text]").textContent =
      state === "off" ? CLOSED_TEXT[code] || CLOSED_TEXT[4403] : STATUS_TEXT[state];
  }

  function showPresence(names) {
    var presence = document.querySelector("[data-presence]");
    if (!presence) return;
    presence.textContent = names.length
      ? interpolate(gettext("Also viewing: %(names)s"), { names: names.join(", ") }, true)
      : gettext("Only you are viewing");
  }

  // A board that was offline may have missed changes: fetch the whole board again.
  function resync() {
    if (!board()) return;
    fetchBoard()
      .then(function (fresh) {
        if (!board()) return;
        var active = focusedIn(board());
        var card = active && active.closest(".kanban-card");
        swapIn(board(), fresh);
        enableDragging();
        if (card) keepFocus(active, document.getElementById(card.id));
      })
      .catch(function () { /* the next change or reconnect tries again */ });
  }

  // Show card ``id`` as it is on ``fresh``, the board just fetched: moved, changed, or gone from this
  // board (another date or space than its filters, or no longer the employee's).
  function showCard(id, fresh) {
    if (!fresh) return; // not fetched: the next change or reconnect shows it
    var card = fresh.querySelector("#card-" + Number(id));
    if (!card) { removeCard(id); return; }
    var shown = document.getElementById(card.id);
    // Answers may cross (a move's own answer, a fetch): never replace a card with an older version of it.
    if (shown && Number(shown.dataset.version) > Number(card.dataset.version)) return;
    placeCard(card.cloneNode(true), card.parentElement.dataset.state);
  }

  function showOrder(message) {
    var list = columnList(message.state);
    if (!list) return;
    message.ids.forEach(function (id) {
      var card = document.getElementById("card-" + id);
      if (card && card.parentElement === list) { list.appendChild(card); card.dataset.placed = "1"; }
    });
    Array.prototype.filter.call(list.children, function (c) { return !c.dataset.placed; })
      .forEach(function (c) { list.appendChild(c); });
  }

  function handle(message) {
    if (message.type === "card") {
      var shown = document.getElementById("card-" + Number(message.id));
      // This board already shows a later version (messages from two servers may cross).
      if (shown && Number(shown.dataset.version) > Number(message.version)) return;
      withFreshHeads(message.id, function (fresh) { showCard(message.id, fresh); });
    } else if (message.type === "remove") {
      withFreshHeads(message.id, function () { removeCard(message.id); });
    } else if (message.type === "order") {
      showOrder(message);
    } else if (message.type === "presence") {
      showPresence(message.names);
    }
  }

  // The filters swap in a new board through htmx; it needs dragging wired again.
  document.addEventListener("htmx:afterSettle", enableDragging);

  // "Show more" brought a column's cards, more of them: the board now shows that many (its live fetches
  // ask for as many), and the keyboard stays on the column's next "Show more".
  document.addEventListener("htmx:afterSwap", function (event) {
    var link = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!board() || !link || !link.matches || !link.matches("[data-more]")) return;
    board().dataset.url = link.getAttribute("href");
    var again = document.querySelector("#more-" + event.detail.target.dataset.state + " a");
    if (again) again.focus();
  });

  function start() {
    var el = board();
    if (!el) return;
    enableDragging();
    live.follow(el.dataset.socket, { message: handle, reconnected: resync, status: showStatus });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
