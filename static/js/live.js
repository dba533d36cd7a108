// What the live staff pages (the board, the calendar) share: a websocket that stays open, toasts, and the
// CSRF token for their own POSTs. Load it before the page's script; it only defines window.studioLive.
(function () {
  "use strict";

  // The socket closed for good: signed out (4401) or not allowed to follow live updates (4403). Any other
  // close connects again, among them 4205: the employee's spaces changed, so the page loads its data afresh.
  var FINAL_CLOSE_CODES = [4401, 4403];
  var FIRST_RETRY_MS = 500;
  var LONGEST_RETRY_MS = 30000;
  // Pages that lost their sockets together (a server restart, a Redis blip) must not come back together:
  // each waits a random share of its delay to connect again, then catches up at a random moment of the
  // next CATCH_UP_SPREAD_MS, so that the server answers them one after another, between guests' requests.
  var CATCH_UP_SPREAD_MS = 3000;

  // Between half and one and a half times ``ms``.
  function jittered(ms) {
    return ms / 2 + Math.random() * ms;
  }

  // The token base.html gives htmx; fetch() calls send it the same way.
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // Shown by app.js, as a toast the server sends with an htmx response.
  function toast(message, level) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level || "info" } }));
  }

  // Open the websocket at ``path`` (from the page) and keep it open: after a drop it connects again,
  // waiting twice as long each time. ``handlers``:
  //   message(data)        each JSON message from the server
  //   reconnected()        back after a drop: what was sent meanwhile is lost, so fetch the page's data again
  //                        (called a random moment after the socket opened again)
  //   status(state, code)  "connecting", "live", "reconnecting", or "off" (with the close code) for good
  function follow(path, handlers) {
    if (!path || !("WebSocket" in window)) return;
    var opened = false;
    var wait = FIRST_RETRY_MS;

    function status(state, code) {
      if (handlers.status) handlers.status(state, code);
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + path);
      status(opened ? "reconnecting" : "connecting");
      socket.onopen = function () {
        wait = FIRST_RETRY_MS;
        status("live");
        if (opened && handlers.reconnected) window.setTimeout(handlers.reconnected, Math.random() * CATCH_UP_SPREAD_MS);
        opened = true;
      };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        handlers.message(data);
      };
      socket.onclose = function (event) {
        if (FINAL_CLOSE_CODES.indexOf(event.code) !== -1) {
          status("off", event.code);
          return;
        }
        status("reconnecting");
        window.setTimeout(connect, jittered(wait));
        wait = Math.min(wait * 2, LONGEST_RETRY_MS);
      };
    }

    connect();
  }

  window.studioLive = { csrfToken: csrfToken, toast: toast, follow: follow };
})();
