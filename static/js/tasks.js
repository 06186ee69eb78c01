// Task panel, comment drafts and uploads, cell selection and bulk actions.
//
// Everything here is an enhancement: without JavaScript the comment form
// posts normally, the checkboxes of the cells submit the bulk form, and the
// links open the task pages.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var DRAFT_PREFIX = "kitsu-web:draft:";
  var ROW_REFRESH_PARALLEL = 4;

  function csrfToken() {
    return window.kitsuWeb ? window.kitsuWeb.csrfToken() : "";
  }

  function ajaxHeaders() {
    return {
      "HX-Request": "true",
      "HX-Current-URL": window.location.href,
      "X-CSRFToken": csrfToken()
    };
  }

  function fire(name, detail) {
    document.body.dispatchEvent(
      new CustomEvent(name, { bubbles: true, detail: detail || {} })
    );
  }

  // Events the server names in an HX-Trigger header (fetch and XHR paths).
  function fireTriggers(header) {
    if (!header) {
      return;
    }
    try {
      var events = JSON.parse(header);
      Object.keys(events).forEach(function (name) {
        fire(name, events[name]);
      });
    } catch (err) {
      header.split(",").forEach(function (name) {
        fire(name.trim(), {});
      });
    }
  }

  // The composer carries hx-preserve so that live refreshes of the panel
  // keep what is being typed or uploaded; a swap made on purpose (after
  // posting) renames the old one first so that the new one is used.
  function swapInto(target, html) {
    if (!target || !target.isConnected) {
      return;
    }
    var old = target.querySelector(".comment-form[hx-preserve]");
    if (old) {
      old.id = "";
    }
    if (window.htmx && htmx.swap) {
      htmx.swap(target, html, { swapStyle: "outerHTML" });
    } else {
      target.outerHTML = html;
    }
  }

  function panelOf(taskId) {
    return document.getElementById("panel-" + taskId);
  }

  function humanSize(size) {
    var units = ["B", "KB", "MB", "GB"];
    var index = 0;
    while (size >= 1024 && index < units.length - 1) {
      size /= 1024;
      index += 1;
    }
    return (index === 0 ? size : size.toFixed(1)) + " " + units[index];
  }

  // ---- Drafts: what is typed in a task's composer survives the panel
  // closing and reopening (kept in this browser only).

  function draftKey(form) {
    return DRAFT_PREFIX + form.getAttribute("data-task-id");
  }

  function saveDraft(form) {
    var text = form.elements.text ? form.elements.text.value : "";
    var checklist = form.elements.checklist ? form.elements.checklist.value : "";
    var status = form.elements.task_status_id
      ? form.elements.task_status_id.value : "";
    try {
      if (!text && !checklist) {
        localStorage.removeItem(draftKey(form));
      } else {
        localStorage.setItem(draftKey(form), JSON.stringify({
          text: text, checklist: checklist, status: status,
          chosen: form.hasAttribute("data-status-chosen")
        }));
      }
    } catch (err) { /* storage full or disabled: nothing to keep */ }
  }

  function clearDraft(taskId) {
    try {
      localStorage.removeItem(DRAFT_PREFIX + taskId);
    } catch (err) { /* storage disabled */ }
  }

  function restoreDrafts(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll(".comment-form") : [];
    Array.prototype.forEach.call(forms, function (form) {
      if (form.hasAttribute("data-server-values")) {
        saveDraft(form);
        return;
      }
      var raw = null;
      try {
        raw = localStorage.getItem(draftKey(form));
      } catch (err) {
        return;
      }
      if (!raw) {
        return;
      }
      var draft = JSON.parse(raw);
      if (form.elements.text && draft.text) {
        form.elements.text.value = draft.text;
      }
      if (form.elements.checklist && draft.checklist) {
        form.elements.checklist.value = draft.checklist;
        var details = form.querySelector(".composer-extra");
        if (details) {
          details.open = true;
        }
      }
      var select = form.elements.task_status_id;
      if (select && draft.status && draft.chosen &&
          select.querySelector('option[value="' + draft.status + '"]')) {
        select.value = draft.status;
        form.setAttribute("data-status-chosen", "1");
      }
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest(".comment-form");
    if (form) {
      saveDraft(form);
    }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".comment-form");
    if (form) {
      if (event.target.name === "task_status_id") {
        form.setAttribute("data-status-chosen", "1");
      }
      saveDraft(form);
    }
  });

  // A composer kept through a refresh follows the task's new status,
  // unless the user picked one.
  function followTaskStatus(panel) {
    var form = panel.querySelector(".comment-form");
    var status = panel.getAttribute("data-default-status");
    var select = form && form.elements.task_status_id;
    if (!select || !status || form.hasAttribute("data-status-chosen") ||
        form.classList.contains("busy")) {
      return;
    }
    if (select.querySelector('option[value="' + status + '"]')) {
      select.value = status;
    }
  }

  // ---- Posting a comment, then streaming its preview with progress.

  function showMessage(form, html, text) {
    var box = form.querySelector(".form-message");
    if (!box) {
      return;
    }
    if (!html && !text) {
      box.replaceChildren();
    } else if (html) {
      box.innerHTML = html;
    } else {
      var p = document.createElement("p");
      p.className = "form-error";
      p.setAttribute("role", "alert");
      p.textContent = text;
      box.replaceChildren(p);
    }
  }

  function tooBig(form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var inputs = form.querySelectorAll('input[type="file"]');
    for (var i = 0; i < inputs.length; i += 1) {
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j += 1) {
        if (limit && files[j].size > limit) {
          return files[j].name + " is larger than the " + humanSize(limit) +
            " limit: nothing was sent.";
        }
      }
    }
    return null;
  }

  function putFilesBack(form, preview, attachments) {
    try {
      if (preview && form.querySelector(".preview-input")) {
        var one = new DataTransfer();
        one.items.add(preview);
        form.querySelector(".preview-input").files = one.files;
      }
      if (attachments.length && form.querySelector(".attachments-input")) {
        var many = new DataTransfer();
        attachments.forEach(function (file) { many.items.add(file); });
        form.querySelector(".attachments-input").files = many.files;
      }
    } catch (err) { /* older browsers: the files must be chosen again */ }
  }

  function postComment(form) {
    var problem = tooBig(form);
    if (problem) {
      showMessage(form, null, "Comment not posted: " + problem);
      return;
    }
    var taskId = form.getAttribute("data-task-id");
    var previewInput = form.querySelector(".preview-input");
    var preview = previewInput && previewInput.files[0];
    var attachmentInput = form.querySelector(".attachments-input");
    var attachments = attachmentInput ? Array.prototype.slice.call(attachmentInput.files) : [];
    var data = new FormData(form);
    data.delete("preview");
    if (preview) {
      data.set("preview_pending", "1");
    }
    form.classList.add("busy");
    saveDraft(form);
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, headers: ajaxHeaders(),
      credentials: "same-origin"
    }).then(function (response) {
      if (response.headers.get("HX-Redirect")) {
        window.location.href = response.headers.get("HX-Redirect");
        return null;
      }
      return response.text().then(function (html) {
        if (response.status !== 200 && response.status !== 422) {
          form.classList.remove("busy");
          showMessage(form, null, "Comment not posted: the server answered " +
            response.status + ". Your text is kept; try again.");
          return;
        }
        var posted = response.status === 200 && !preview;
        if (posted) {
          clearDraft(taskId); // before the swap, which restores drafts
        }
        swapInto(panelOf(taskId), html);
        fireTriggers(response.headers.get("HX-Trigger"));
        var fresh = panelOf(taskId);
        var newForm = fresh && fresh.querySelector(".comment-form");
        if (response.status === 422) {
          if (newForm) {
            putFilesBack(newForm, preview, attachments);
          }
          return;
        }
        var commentId = response.headers.get("X-Comment-Id");
        if (preview && commentId && newForm) {
          uploadPreview(newForm, commentId, preview);
        }
      });
    }).catch(function () {
      form.classList.remove("busy");
      showMessage(form, null, "Comment not posted: the connection failed. " +
        "Your text is kept; try again.");
    });
  }

  function uploadPreview(form, commentId, file) {
    var taskId = form.getAttribute("data-task-id");
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector("progress");
    var state = box.querySelector(".upload-state");
    form.kitsuUpload = { commentId: commentId, file: file };
    form.classList.add("busy");
    showMessage(form, "", null);
    box.hidden = false;
    box.classList.remove("processing");
    bar.max = 100;
    bar.value = 0;
    state.textContent = "Uploading " + file.name + "…";

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-preview-url").replace("COMMENT_ID", commentId));
    var headers = ajaxHeaders();
    Object.keys(headers).forEach(function (name) {
      xhr.setRequestHeader(name, headers[name]);
    });
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
        state.textContent = "Uploading " + file.name + ": " + bar.value + " %";
      }
    });
    xhr.upload.addEventListener("load", function () {
      // Zou processes (and transcodes movies) before it answers.
      box.classList.add("processing");
      bar.removeAttribute("value");
      state.textContent = "Processing " + file.name + "…";
    });
    xhr.addEventListener("load", function () {
      if (xhr.getResponseHeader("HX-Redirect")) {
        window.location.href = xhr.getResponseHeader("HX-Redirect");
        return;
      }
      if (xhr.status === 200) {
        clearDraft(taskId);
        swapInto(panelOf(taskId), xhr.responseText);
        fireTriggers(xhr.getResponseHeader("HX-Trigger"));
        return;
      }
      uploadFailed(form, xhr.status === 422 ? xhr.responseText : null,
        "Comment saved, preview upload failed (" + xhr.status + "): retry.");
    });
    xhr.addEventListener("error", function () {
      uploadFailed(form, null, "Comment saved, preview upload failed: the connection was lost. Retry.");
    });
    xhr.addEventListener("abort", function () {
      uploadFailed(form, null, "Comment saved, preview upload stopped. Retry.");
    });
    xhr.send(file);
  }

  function uploadFailed(form, html, text) {
    form.classList.remove("busy");
    form.querySelector(".upload-progress").hidden = true;
    showMessage(form, html, text);
    var box = form.querySelector(".form-message");
    if (!box.querySelector(".retry-upload")) {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry-upload link-button";
      retry.textContent = "Retry";
      (box.querySelector(".form-error") || box).appendChild(retry);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("comment-form") && window.fetch) {
      event.preventDefault();
      if (!form.classList.contains("busy")) {
        postComment(form);
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target.closest && event.target.closest(".comment-form");
      if (form && event.target.tagName === "TEXTAREA") {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // ---- Preview viewer: pictures and movies in a dialog.

  function openViewer(link) {
    var panel = link.closest(".panel");
    var dialog = panel && panel.querySelector(".preview-viewer");
    if (!dialog || !dialog.showModal) {
      return false;
    }
    var stage = dialog.querySelector(".viewer-stage");
    var media;
    if (link.getAttribute("data-kind") === "movie") {
      media = document.createElement("video");
      media.controls = true;
      media.autoplay = true;
      media.preload = "metadata";
    } else {
      media = document.createElement("img");
      media.alt = "Preview";
    }
    media.src = link.getAttribute("data-src");
    stage.replaceChildren(media);
    dialog.querySelector(".viewer-title").textContent = link.getAttribute("data-title") || "";
    dialog.querySelector(".viewer-download").href = link.getAttribute("data-download") || media.src;
    dialog.showModal();
    return true;
  }

  document.addEventListener("close", function (event) {
    if (event.target.classList && event.target.classList.contains("preview-viewer")) {
      event.target.querySelector(".viewer-stage").replaceChildren();
    }
  }, true);

  // ---- Clicks: viewer, panel close, retry, and cell selection.

  var anchorCell = null;

  function cells() {
    return Array.prototype.slice.call(document.querySelectorAll("td.cell[data-task-id]"));
  }

  function checkbox(cell) {
    return cell.querySelector(".cell-select");
  }

  // The selected task ids; checkboxes and classes follow it, also when
  // rows are re-rendered (live updates, refreshes).
  var selection = new Set();

  function setSelected(cell, on) {
    var box = checkbox(cell);
    if (box) {
      box.checked = on;
    }
    cell.classList.toggle("selected", on);
    if (on) {
      selection.add(cell.getAttribute("data-task-id"));
    } else {
      selection.delete(cell.getAttribute("data-task-id"));
    }
  }

  function clearSelection() {
    cells().forEach(function (cell) { setSelected(cell, false); });
    selection.clear();
    anchorCell = null;
    updateBar();
  }

  function selectRange(from, to) {
    var rows = Array.prototype.slice.call(from.closest("table").querySelectorAll("tr"));
    var a = rows.indexOf(from.parentElement);
    var b = rows.indexOf(to.parentElement);
    var top = Math.min(a, b);
    var bottom = Math.max(a, b);
    var left = Math.min(from.cellIndex, to.cellIndex);
    var right = Math.max(from.cellIndex, to.cellIndex);
    rows.slice(top, bottom + 1).forEach(function (row) {
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (cell.matches("td.cell[data-task-id]") &&
            cell.cellIndex >= left && cell.cellIndex <= right) {
          setSelected(cell, true);
        }
      });
    });
  }

  function selectedIds() {
    return Array.from(selection);
  }

  function projectFromPath() {
    var match = window.location.pathname.match(/^\/productions\/([^/]+)/);
    return match ? match[1] : "";
  }

  var barRequested = false;

  function updateBar() {
    var bar = document.getElementById("bulk-bar");
    if (!bar) {
      return;
    }
    var count = selectedIds().length;
    bar.classList.toggle("has-selection", count > 0);
    var number = bar.querySelector(".bulk-number");
    if (number) {
      number.textContent = String(count);
    }
    if (count > 0 && !bar.querySelector("#bulk-form") && !barRequested && window.htmx) {
      barRequested = true;
      var url = "/tasks/bulk-bar?project_id=" + encodeURIComponent(projectFromPath()) +
        "&next=" + encodeURIComponent(window.location.pathname + window.location.search);
      htmx.ajax("GET", url, { target: bar, swap: "innerHTML" }).then(updateBar);
    }
  }

  function syncSelectionClasses() {
    var present = new Set();
    cells().forEach(function (cell) {
      var taskId = cell.getAttribute("data-task-id");
      var on = selection.has(taskId);
      var box = checkbox(cell);
      if (box) {
        box.checked = on;
      }
      cell.classList.toggle("selected", on);
      present.add(taskId);
    });
    selection.forEach(function (taskId) {
      if (!present.has(taskId)) {
        selection.delete(taskId);
      }
    });
    updateBar();
  }

  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest("td.cell[data-task-id]");
    if (!cell || !checkbox(cell)) {
      return;
    }
    if (event.target.classList.contains("cell-select")) {
      return; // The checkbox itself (keyboard users): handled on change.
    }
    if (event.shiftKey && anchorCell && document.contains(anchorCell)) {
      event.preventDefault();
      event.stopPropagation();
      selectRange(anchorCell, cell);
      updateBar();
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      setSelected(cell, !checkbox(cell).checked);
      anchorCell = cell;
      updateBar();
      return;
    }
    // A plain click selects this cell only and opens its task.
    cells().forEach(function (other) { setSelected(other, other === cell); });
    anchorCell = cell;
    updateBar();
    if (!event.target.closest("a")) {
      var link = cell.querySelector("a[hx-get]");
      if (link) {
        link.click();
      }
    }
  }, true);

  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("cell-select")) {
      var cell = event.target.closest("td.cell");
      if (cell) {
        setSelected(cell, event.target.checked);
        anchorCell = cell;
      }
      updateBar();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], dialog")) {
      return;
    }
    if (selectedIds().length) {
      clearSelection();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) {
      return;
    }
    var previewLink = target.closest(".preview-link");
    if (previewLink && !event.ctrlKey && !event.metaKey && openViewer(previewLink)) {
      event.preventDefault();
      return;
    }
    if (target.closest(".viewer-close")) {
      target.closest("dialog").close();
      return;
    }
    var close = target.closest(".panel-close");
    var aside = close && close.closest("#task-panel");
    if (close && aside) {
      event.preventDefault();
      aside.replaceChildren();
      markActiveRow(null);
      history.pushState({}, "", close.getAttribute("href"));
      return;
    }
    var retry = target.closest(".retry-upload");
    if (retry) {
      var form = retry.closest(".comment-form") ||
        (retry.closest(".panel") && retry.closest(".panel").querySelector(".comment-form"));
      var pending = form && form.kitsuUpload;
      var input = form && form.querySelector(".preview-input");
      var file = (pending && pending.file) || (input && input.files[0]);
      var commentId = (pending && pending.commentId) || (form && form.getAttribute("data-comment-id"));
      if (form && file && commentId) {
        uploadPreview(form, commentId, file);
      } else if (form) {
        showMessage(form, null, "Choose the preview file again, then retry.");
        var details = form.querySelector(".composer-extra");
        if (details) {
          details.open = true;
        }
      }
      return;
    }
    if (target.closest(".bulk-clear")) {
      clearSelection();
    }
  });

  // ---- Keeping the list in step with the panel.

  function markActiveRow(taskId) {
    document.querySelectorAll(".active-task").forEach(function (row) {
      row.classList.remove("active-task");
    });
    var page = document.querySelector(".list-page");
    if (page) {
      page.classList.toggle("panel-open", Boolean(taskId));
    }
    if (!taskId) {
      return;
    }
    document.querySelectorAll('td.cell[data-task-id="' + taskId + '"]').forEach(function (cell) {
      var row = cell.closest("tr");
      if (row) {
        row.classList.add("active-task");
      }
    });
  }

  // Re-fetch the rows showing these tasks. The answer goes into whatever
  // row carries the address when it arrives (live updates may have
  // replaced the element meanwhile).
  function refreshRows(taskIds) {
    var urls = [];
    taskIds.forEach(function (taskId) {
      document.querySelectorAll('td.cell[data-task-id="' + taskId + '"]').forEach(function (cell) {
        var row = cell.closest("tr[data-refresh-url]");
        var url = row && row.getAttribute("data-refresh-url");
        if (url && urls.indexOf(url) < 0) {
          urls.push(url);
        }
      });
    });
    if (!urls.length) {
      return;
    }
    var queue = urls.slice();
    function next() {
      var url = queue.shift();
      if (!url) {
        return Promise.resolve();
      }
      return fetch(url, { headers: ajaxHeaders(), credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          var row = html && document.querySelector('tr[data-refresh-url="' + url + '"]');
          if (row) {
            swapInto(row, html);
          }
        })
        .catch(function () {})
        .then(next);
    }
    var workers = [];
    for (var i = 0; i < ROW_REFRESH_PARALLEL; i += 1) {
      workers.push(next());
    }
    Promise.all(workers).then(function () {
      syncSelectionClasses();
      var active = document.querySelector("#task-panel .panel");
      markActiveRow(active ? active.getAttribute("data-task-id") : null);
    });
  }

  document.addEventListener("task-updated", function (event) {
    var detail = event.detail || {};
    if (detail.task_id) {
      refreshRows([detail.task_id]);
    }
  });
  document.addEventListener("tasks-updated", function (event) {
    var detail = event.detail || {};
    if (detail.task_ids) {
      refreshRows(detail.task_ids);
      var panel = document.querySelector("#task-panel .panel[data-task-id]");
      if (panel && window.htmx &&
          detail.task_ids.indexOf(panel.getAttribute("data-task-id")) >= 0) {
        // The composer is kept (hx-preserve): only the task and thread change.
        htmx.ajax("GET", panel.getAttribute("data-refresh-url"), {
          target: panel, swap: "outerHTML"
        });
      }
    }
  });

  // ---- Bulk actions: the selection in chunks, with progress and retries.

  function failureItem(taskId, text) {
    var item = document.createElement("li");
    item.className = "bulk-failure";
    item.setAttribute("data-task-id", taskId);
    var cell = document.querySelector('td.cell[data-task-id="' + taskId + '"]');
    var row = cell && cell.closest("tr");
    var label = row && row.querySelector(".entity, td:first-child");
    item.textContent = (label ? label.textContent.trim() : "Task " + taskId.slice(0, 8)) + " — " + text;
    return item;
  }

  function addFailures(list, html, chunk, reason) {
    chunk.forEach(function (taskId) {
      var old = list.querySelector('[data-task-id="' + taskId + '"]');
      if (old) {
        old.remove();
      }
    });
    if (html) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      var answer = holder.content.querySelector(".bulk-chunk");
      if (answer) {
        answer.querySelectorAll(".bulk-failure").forEach(function (item) {
          list.appendChild(item);
        });
        var error = answer.querySelector(".bulk-error");
        if (error) {
          list.appendChild(failureItem(chunk[0], error.textContent));
        }
        if (window.htmx) {
          htmx.process(list);
        }
        return parseInt(answer.getAttribute("data-ok"), 10) || 0;
      }
    }
    chunk.forEach(function (taskId) {
      list.appendChild(failureItem(taskId, reason));
    });
    return 0;
  }

  function sendChunk(form, action, chunk) {
    var data = new FormData(form);
    data.delete("task_ids");
    chunk.forEach(function (taskId) { data.append("task_ids", taskId); });
    data.set("action", action);
    return fetch(form.getAttribute("action"), {
      method: "POST", body: data, headers: ajaxHeaders(), credentials: "same-origin"
    }).then(function (response) {
      if (response.headers.get("HX-Redirect")) {
        window.location.href = response.headers.get("HX-Redirect");
      }
      return response.text().then(function (html) {
        fireTriggers(response.headers.get("HX-Trigger"));
        return { ok: response.ok || response.status === 422, html: html, status: response.status };
      });
    }).catch(function () {
      return { ok: false, html: null, status: 0 };
    });
  }

  function runBulk(form, action) {
    var ids = selectedIds();
    if (!ids.length) {
      return;
    }
    var size = parseInt(form.getAttribute("data-chunk-size"), 10) || 10;
    var progress = form.querySelector(".bulk-progress");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".bulk-progress-text");
    var list = form.querySelector(".bulk-failures");
    list.replaceChildren();
    progress.hidden = false;
    bar.max = ids.length;
    bar.value = 0;
    form.classList.add("running");
    var sent = 0;
    var changed = 0;
    text.textContent = "0 / " + ids.length;
    var chunks = [];
    for (var i = 0; i < ids.length; i += size) {
      chunks.push(ids.slice(i, i + size));
    }
    var chain = Promise.resolve();
    chunks.forEach(function (chunk) {
      chain = chain.then(function () {
        return sendChunk(form, action, chunk).then(function (answer) {
          var reason = answer.status ? "the server answered " + answer.status : "the connection failed";
          changed += answer.ok ? addFailures(list, answer.html, chunk, reason) : addFailures(list, null, chunk, reason);
          sent += chunk.length;
          bar.value = sent;
          text.textContent = sent + " / " + ids.length;
        });
      });
    });
    chain.then(function () {
      form.classList.remove("running");
      var failed = ids.length - changed;
      text.textContent = changed + " of " + ids.length + " changed" +
        (failed ? ", " + failed + " failed (retry them below)" : ".");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !form.matches) {
      return;
    }
    if (form.matches("#bulk-form")) {
      event.preventDefault();
      var action = event.submitter && event.submitter.value;
      if (action && !form.classList.contains("running")) {
        runBulk(form, action);
      }
      return;
    }
    if (form.matches(".bulk-retry")) {
      event.preventDefault();
      var item = form.closest(".bulk-failure");
      var taskId = form.elements.task_ids.value;
      var list = item.parentElement;
      fetch(form.getAttribute("action"), {
        method: "POST", body: new FormData(form), headers: ajaxHeaders(), credentials: "same-origin"
      }).then(function (response) {
        return response.text().then(function (html) {
          fireTriggers(response.headers.get("HX-Trigger"));
          addFailures(list, response.ok ? html : null, [taskId],
            "the server answered " + response.status);
        });
      }).catch(function () {
        addFailures(list, null, [taskId], "the connection failed");
      });
    }
  });

  // An answer for an element that has been replaced meanwhile (a panel
  // refreshed twice) must not be swapped: htmx would still move the
  // preserved composer out of the page into the detached copy.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && !target.isConnected) {
      event.detail.shouldSwap = false;
    }
  });

  // ---- Whenever htmx brings new content in.

  function onNewContent(root) {
    restoreDrafts(root);
    var panel = root.matches && root.matches(".panel") ? root
      : (root.querySelector && root.querySelector("#task-panel .panel"));
    if (panel && panel.closest("#task-panel")) {
      markActiveRow(panel.getAttribute("data-task-id"));
    }
    if (panel) {
      followTaskStatus(panel);
    }
    var page = root.querySelector && root.querySelector("[data-open-preview]");
    if (page) {
      var link = page.querySelector('.preview-link[data-preview-id="' + page.getAttribute("data-open-preview") + '"]');
      if (link) {
        openViewer(link);
      }
    }
    if (root.querySelector && root.querySelector(".cell-select")) {
      syncSelectionClasses();
    }
  }

  document.addEventListener("htmx:load", function (event) {
    onNewContent(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Boxes the browser restored (Back, reload) count as selected.
    document.querySelectorAll(".cell-select:checked").forEach(function (box) {
      selection.add(box.value);
    });
    onNewContent(document);
  });
})();
