// kitsu-web live updates: Zou's events, relayed by kitsu-web's socket, are
// signals. The fragment they concern re-fetches itself through its normal
// route with htmx; no HTML ever travels over the socket.
//
// What refreshes (each element refreshed is the nearest one, itself or an
// ancestor, that carries data-refresh-url):
//   - an event with a task_id: elements with that data-task-id (list cells
//     and rows, the open task panel <section data-task-id>);
//   - an event about an entity (asset, shot, sequence...): elements with
//     that data-entity-id;
//   - a new or deleted entity or task: [data-live-list] elements, when their
//     list names that kind (or names none) and their data-project-id, if
//     any, is the event's production;
//   - a notification event: #notif-bell and [data-live-list~=notification];
//   - after the socket or Zou's stream comes back: every visible fragment.
// Elements that are not on screen are only marked stale and refresh when
// they scroll into view. Bursts (one comment is up to five events) are
// gathered for a moment and each element is fetched once. A fragment with
// work in progress (an htmx request, a form marked busy or aria-busy, text
// being typed, files chosen, an open dialog) is refreshed once that work is
// over.
(function () {
  "use strict";

  if (window.kitsuLive || typeof io === "undefined" ||
      typeof htmx === "undefined") {
    return;
  }

  var QUIET_MS = 120;
  var MAX_WAIT_MS = 600;
  var ENTITY_KEYS = [
    "entity_id", "asset_id", "shot_id", "sequence_id", "episode_id",
    "edit_id", "concept_id"
  ];
  var LIST_KINDS = [
    "asset", "shot", "sequence", "episode", "edit", "concept", "task",
    "entity"
  ];

  var pending = new Set();
  var timer = null;
  var firstQueuedAt = 0;
  var inflight = new Set();
  var again = new Set();
  var stale = new WeakSet();
  var everConnected = false;
  var socketUp = false;
  var bridgeState = "connected";

  // ---------------------------------------------------------- targets

  function refreshable(el) {
    return el.closest ? el.closest("[data-refresh-url]") : null;
  }

  function cssValue(value) {
    return window.CSS && CSS.escape ? CSS.escape(String(value))
      : String(value).replace(/["\\]/g, "\\$&");
  }

  function addMatches(selector, into) {
    document.querySelectorAll(selector).forEach(function (el) {
      var target = refreshable(el);
      if (target) {
        into.add(target);
      }
    });
  }

  function listMatches(list, kind, projectId) {
    var project = list.getAttribute("data-project-id");
    if (project && projectId && project !== projectId) {
      return false;
    }
    var names = (list.getAttribute("data-live-list") || "").trim();
    if (!names) {
      return LIST_KINDS.indexOf(kind) !== -1;
    }
    return names.split(/\s+/).some(function (name) {
      return name === kind || name === kind + "s" ||
        (kind === "task" && name !== "notification");
    });
  }

  function targetsFor(name, data) {
    var parts = name.split(":");
    var kind = parts[0];
    var action = parts[1] || "";
    var found = new Set();
    data = data || {};

    if (kind === "notification") {
      addMatches("#notif-bell[data-refresh-url]", found);
      document.querySelectorAll("[data-live-list]").forEach(function (list) {
        if (listMatches(list, "notification", null) &&
            list.hasAttribute("data-refresh-url")) {
          found.add(list);
        }
      });
      return found;
    }
    if (data.task_id) {
      addMatches('[data-task-id="' + cssValue(data.task_id) + '"]', found);
    }
    ENTITY_KEYS.forEach(function (key) {
      if (data[key]) {
        addMatches('[data-entity-id="' + cssValue(data[key]) + '"]', found);
      }
    });
    if (action === "new" || action === "delete") {
      document.querySelectorAll("[data-live-list]").forEach(function (list) {
        if (list.hasAttribute("data-refresh-url") &&
            listMatches(list, kind, data.project_id)) {
          found.add(list);
        }
      });
    }
    return found;
  }

  // Every fragment on the page, outermost only (a list covers its rows).
  function everyFragment(only) {
    var found = new Set();
    document.querySelectorAll(only || "[data-refresh-url]").forEach(
      function (el) {
        var parent = el.parentElement && refreshable(el.parentElement);
        if (!parent) {
          found.add(el);
        }
      }
    );
    return found;
  }

  // -------------------------------------------------------- refreshing

  function onScreen(el) {
    var rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) {
      return false;
    }
    return rect.bottom > 0 && rect.right > 0 &&
      rect.top < (window.innerHeight || document.documentElement.clientHeight) &&
      rect.left < (window.innerWidth || document.documentElement.clientWidth);
  }

  var watcher = "IntersectionObserver" in window ?
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && stale.has(entry.target)) {
          stale.delete(entry.target);
          watcher.unobserve(entry.target);
          refresh(entry.target);
        }
      });
    }) : null;

  function fetchFragment(el) {
    if (!el.isConnected) {
      return;
    }
    var url = el.getAttribute("data-refresh-url");
    if (!url) {
      return;
    }
    if (inflight.has(url)) {
      again.add(url);
      return;
    }
    inflight.add(url);
    var done = function () {
      inflight.delete(url);
      if (again.has(url)) {
        again.delete(url);
        document.querySelectorAll(
          '[data-refresh-url="' + cssValue(url) + '"]'
        ).forEach(refresh);
      }
    };
    htmx.ajax("GET", url, { target: el, swap: "outerHTML" })
      .then(done, done);
  }

  // Work in progress inside a fragment (a request of its own, a form
  // posting or uploading, text being typed) is never thrown away: the
  // refresh waits until that work is over.
  var BUSY = ".htmx-request, [aria-busy='true'], form.busy, form.running, " +
    "dialog[open]";
  var TYPING = "textarea, select, [contenteditable], input:not([type]), " +
    "input[type=text], input[type=search], input[type=number], " +
    "input[type=date], input[type=email], input[type=url]";
  var deferred = new Set();
  var retryTimer = null;

  function isBusy(el) {
    if (el.matches(BUSY) || el.querySelector(BUSY)) {
      return true;
    }
    var files = el.querySelectorAll("input[type=file]");
    for (var i = 0; i < files.length; i++) {
      if (files[i].files && files[i].files.length) {
        return true;
      }
    }
    var active = document.activeElement;
    return Boolean(active && active !== el && el.contains(active) &&
      active.matches(TYPING) && (active.value || active.isContentEditable));
  }

  function retryDeferred() {
    retryTimer = null;
    var waiting = deferred;
    deferred = new Set();
    waiting.forEach(function (el) {
      if (el.isConnected) {
        refresh(el);
        return;
      }
      // Replaced meanwhile (by the answer to the user's own request):
      // bring its replacement up to date.
      var url = el.getAttribute("data-refresh-url");
      document.querySelectorAll(
        '[data-refresh-url="' + cssValue(url) + '"]'
      ).forEach(refresh);
    });
  }

  function defer(el) {
    deferred.add(el);
    if (!retryTimer) {
      retryTimer = setTimeout(retryDeferred, 500);
    }
  }

  document.addEventListener("focusout", function () {
    if (deferred.size) {
      setTimeout(retryDeferred, 0);
    }
  });

  function refresh(el) {
    if (!el.isConnected) {
      return;
    }
    if (isBusy(el)) {
      defer(el);
      return;
    }
    if (onScreen(el) || !watcher) {
      fetchFragment(el);
      return;
    }
    if (!stale.has(el)) {
      stale.add(el);
      watcher.observe(el);
    }
  }

  function flush() {
    timer = null;
    firstQueuedAt = 0;
    var batch = pending;
    pending = new Set();
    batch.forEach(refresh);
  }

  function queue(elements) {
    elements.forEach(function (el) {
      pending.add(el);
    });
    if (!pending.size) {
      return;
    }
    var now = Date.now();
    if (!firstQueuedAt) {
      firstQueuedAt = now;
    }
    if (timer) {
      clearTimeout(timer);
    }
    var wait = Math.min(QUIET_MS, Math.max(0, firstQueuedAt + MAX_WAIT_MS - now));
    timer = setTimeout(flush, wait);
  }

  // ------------------------------------------------------------ badge

  function showBadge() {
    var badge = document.getElementById("live-badge");
    if (!badge) {
      return;
    }
    var text = "";
    var state = "";
    if (!socketUp) {
      text = everConnected ? "Live updates reconnecting…" : "Live updates off";
      state = everConnected ? "reconnecting" : "off";
    } else if (bridgeState !== "connected") {
      text = bridgeState === "reconnecting" || bridgeState === "connecting" ?
        "Live updates reconnecting…" : "Live updates off";
      state = bridgeState === "reconnecting" || bridgeState === "connecting" ?
        "reconnecting" : "off";
    }
    badge.textContent = text;
    badge.setAttribute("data-state", state || "connected");
    badge.hidden = !text;
  }

  // ----------------------------------------------------------- socket

  var socket = io("/events", { transports: ["polling", "websocket"] });

  socket.on("connect", function () {
    socketUp = true;
    if (everConnected) {
      // Events may have been missed while the socket was down.
      queue(everyFragment());
    }
    everConnected = true;
    showBadge();
  });

  socket.on("disconnect", function () {
    socketUp = false;
    showBadge();
  });

  socket.on("connect_error", function () {
    socketUp = false;
    showBadge();
  });

  // The bridge's link to Zou. When it comes back it replays what it can
  // and then sends kitsu-web:resync for the rest.
  socket.on("kitsu-web:status", function (data) {
    bridgeState = (data && data.state) || "off";
    showBadge();
  });

  socket.on("kitsu-web:resync", function (data) {
    if (data && data.scope === "all") {
      queue(everyFragment());
    } else {
      // Zou does not log notifications: refresh the bell and the panel.
      queue(everyFragment(
        "#notif-bell, section[data-task-id][data-refresh-url], " +
        "[data-live-list~=notification]"
      ));
    }
  });

  socket.onAny(function (name, data) {
    if (name.indexOf("kitsu-web:") === 0) {
      return;
    }
    queue(targetsFor(name, data));
  });

  window.kitsuLive = {
    socket: socket,
    targetsFor: targetsFor,
    state: function () {
      return { socket: socketUp, bridge: bridgeState };
    }
  };
})();
