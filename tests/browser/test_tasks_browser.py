"""The task panel, uploads and bulk actions in Chromium."""

import re

import pytest

from tests.plugins.live_server import browser_login
from tests.task_helpers import ZouAdmin, make_asset_task, png_bytes

pytestmark = pytest.mark.browser

SHOTS = "/tmp"


def shot(page, name, full_page=False):
    """A screenshot to look at (the caret is left alone: hiding it would
    inject a style the page's CSP refuses)."""
    page.screenshot(path=f"{SHOTS}/{name}.png", caret="initial",
                    full_page=full_page)


def short_name(task):
    """The unique part of a test asset's name, to search for it."""
    return task["entity"]["name"].split()[-1]


def watch_upload_states(page):
    """Record every text the upload progress shows."""
    page.evaluate("""() => {
      window.uploadStates = [];
      new MutationObserver(() => {
        document.querySelectorAll('.upload-state').forEach(el => {
          const box = el.closest('.upload-progress');
          if (box && !box.hidden) { window.uploadStates.push(el.textContent); }
        });
      }).observe(document.body, {subtree: true, childList: true,
                                 characterData: true, attributes: true});
    }""")


def open_from_my_tasks(page, task):
    """Search My Tasks for the task and open it in the panel."""
    page.goto(f"/my-tasks?search={short_name(task)}")
    page.click(f'td.cell[data-task-id="{task["id"]}"] a')
    page.wait_for_selector(f'#task-panel .panel[data-task-id="{task["id"]}"]')


def test_case1_and_case6_artist_comment_from_a_filtered_list(
        page, zou_stack):
    """Case 1 and 6: post WIP from the panel; the cell follows without a
    reload; reload keeps the filtered list and the panel."""
    task = make_asset_task(zou_stack)
    browser_login(page, zou_stack, "artist1")
    assert page.url.endswith("/my-tasks")
    shot(page, "tasks-my-tasks")
    open_from_my_tasks(page, task)
    assert re.search(rf"/my-tasks\?search={short_name(task)}&task="
                     rf"{task['id']}$", page.url)
    page.evaluate("() => { window.notReloaded = true; }")

    panel = page.locator("#task-panel .panel")
    panel.locator("textarea[name=text]").fill("Blocking in **progress** 🎬")
    panel.locator("select[name=task_status_id]").select_option(
        zou_stack.task_statuses["wip"])
    shot(page, "tasks-panel-artist-typing")
    panel.locator("button[type=submit]", has_text="Post").click()
    page.wait_for_selector("#task-panel .thread .comment strong")
    assert panel.locator(".task-facts .status-badge").inner_text() == "WIP"
    cell = page.locator(f'td.cell[data-task-id="{task["id"]}"]')
    cell.locator(".status-badge", has_text="wip").wait_for()
    assert page.evaluate("() => window.notReloaded") is True
    shot(page, "tasks-panel-artist-posted")

    page.reload()
    page.wait_for_selector(f'#task-panel .panel[data-task-id="{task["id"]}"]')
    assert page.input_value("#my-tasks-search") == short_name(task)
    assert page.locator("tbody tr").count() == 1
    assert "🎬" in page.locator("#task-panel .thread").inner_text()


def test_draft_survives_closing_the_panel(page, zou_stack):
    """Typed text is kept per task while the panel closes and reopens."""
    task = make_asset_task(zou_stack)
    browser_login(page, zou_stack, "artist1")
    open_from_my_tasks(page, task)
    page.fill("#task-panel textarea[name=text]", "Half-written note")
    page.click("#task-panel .panel-close")
    assert page.locator("#task-panel .panel").count() == 0
    assert "task=" not in page.url
    page.click(f'td.cell[data-task-id="{task["id"]}"] a')
    page.wait_for_function(
        "() => (document.querySelector('#task-panel textarea[name=text]')"
        " || {}).value === 'Half-written note'")


def test_preview_upload_progress_then_thumbnail(page, zou_stack, tmp_path):
    """The upload shows progress, then processing, then the preview."""
    task = make_asset_task(zou_stack)
    picture = tmp_path / "frame.png"
    picture.write_bytes(png_bytes(width=640, height=360))
    browser_login(page, zou_stack, "artist1")
    open_from_my_tasks(page, task)
    watch_upload_states(page)
    panel = page.locator("#task-panel .panel")
    panel.locator("textarea[name=text]").fill("First look at the frame.")
    panel.locator(".composer-extra summary").click()
    panel.locator("input.preview-input").set_input_files(str(picture))
    panel.locator("select[name=task_status_id]").select_option(
        zou_stack.task_statuses["wfa"])
    panel.locator("button[type=submit]", has_text="Post").click()
    page.wait_for_selector("#task-panel .preview-link.latest img")
    # The composer empties once the upload request has answered.
    page.wait_for_function(
        "() => document.querySelector('#task-panel textarea[name=text]')"
        ".value === ''")
    states = page.evaluate("() => window.uploadStates")
    assert any("Uploading" in s for s in states), states
    assert page.locator("#task-panel .upload-progress").is_hidden()
    thumb = page.locator("#task-panel .entity-thumb").get_attribute("src")
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/full")
    assert full["entity"]["preview_file_id"] in thumb
    page.wait_for_function(
        "() => document.querySelector('#task-panel .preview-link.latest img')"
        ".naturalWidth > 0")
    page.click("#task-panel .preview-link.latest")
    page.wait_for_selector(".preview-viewer[open] img")
    shot(page, "tasks-viewer")
    page.keyboard.press("Escape")
    shot(page, "tasks-panel-preview")


def test_failed_processing_says_so_and_keeps_text(page, zou_stack,
                                                  tmp_path):
    """A movie Zou cannot process ends in a clear message, not a spinner."""
    task = make_asset_task(zou_stack)
    movie = tmp_path / "take.mp4"
    movie.write_bytes(b"\x00not a movie" * 200)
    browser_login(page, zou_stack, "artist1")
    open_from_my_tasks(page, task)
    panel = page.locator("#task-panel .panel")
    panel.locator("textarea[name=text]").fill("Movie attempt")
    panel.locator(".composer-extra summary").click()
    panel.locator("input.preview-input").set_input_files(str(movie))
    panel.locator("button[type=submit]", has_text="Post").click()
    message = page.locator("#task-panel .form-message .form-error")
    message.wait_for()
    assert "preview processing failed" in message.inner_text()
    assert page.locator("#task-panel .retry-upload").count() == 1
    assert page.input_value("#task-panel textarea[name=text]") == (
        "Movie attempt")
    shot(page, "tasks-processing-failed")


def test_artist_selects_cells_and_bulk_changes_status(page, zou_stack):
    """Click, Ctrl-click and Shift-click select cells; one bulk action."""
    tasks = [make_asset_task(zou_stack) for _ in range(4)]
    names = ",".join(short_name(t) for t in tasks)
    browser_login(page, zou_stack, "artist1")
    page.goto(f"/my-tasks?search=[{names}]&sort=entity")
    assert page.locator("#bulk-bar .bulk-form").is_hidden()
    page.evaluate("() => { window.requests = 0; document.body.addEventListener"
                  "('htmx:beforeRequest', () => window.requests++); }")
    cells = page.locator("td.cell[data-task-id]")
    assert cells.count() == 4
    cells.nth(0).click(position={"x": 4, "y": 4})
    page.wait_for_selector("#task-panel .panel")
    page.evaluate("() => { window.requests = 0; }")
    cells.nth(2).click(modifiers=["Shift"], position={"x": 4, "y": 4})
    cells.nth(3).click(modifiers=["Control"], position={"x": 4, "y": 4})
    assert page.locator("td.cell.selected").count() == 4
    cells.nth(1).click(modifiers=["Control"], position={"x": 4, "y": 4})
    assert page.locator("td.cell.selected").count() == 3
    assert page.evaluate("() => window.requests") == 0
    assert page.locator(".bulk-number").inner_text() == "3"
    page.select_option("#bulk-status", zou_stack.task_statuses["wip"])
    page.fill("#bulk-comment", "Starting these.")
    shot(page, "tasks-bulk-selected")
    page.click("#bulk-form button[value=status]")
    page.wait_for_function("() => document.querySelector("
                           "'.bulk-progress-text').textContent.includes("
                           "'3 of 3 changed')")
    page.locator("td.cell .status-badge", has_text="wip").nth(2).wait_for()
    admin = ZouAdmin(zou_stack)
    statuses = [admin.get(f"/data/tasks/{t['id']}")["task_status_id"]
                for t in tasks]
    assert statuses.count(zou_stack.task_statuses["wip"]) == 3
    # The open panel follows, and the selection survives the refreshes.
    page.locator("#task-panel .task-facts .status-badge",
                 has_text="wip").wait_for()
    assert page.locator("td.cell.selected").count() == 3
    shot(page, "tasks-bulk-done")
    page.keyboard.press("Escape")
    assert page.locator("td.cell.selected").count() == 0


def test_supervisor_on_the_task_page_sets_done(page, zou_stack):
    """A supervisor opens the e-mail URL and approves the task."""
    task = make_asset_task(zou_stack)
    browser_login(page, zou_stack, "supervisor")
    page.goto(f"/productions/{task['project_id']}/assets/tasks/{task['id']}")
    panel = page.locator(".panel.panel-page")
    options = panel.locator("select[name=task_status_id] option")
    assert "done · Done" in options.all_inner_texts()
    panel.locator("textarea[name=text]").fill("Approved, thanks @Alex Artist")
    panel.locator("select[name=task_status_id]").select_option(
        zou_stack.task_statuses["done"])
    panel.locator("textarea[name=text]").press("Control+Enter")
    page.locator(".panel .thread .mention").wait_for()
    assert page.locator(".task-facts .status-badge").inner_text() == "DONE"
    shot(page, "tasks-page-supervisor", full_page=True)


def test_supervisor_in_a_filtered_asset_list(page, zou_stack):
    """Case 1 and 6 on a production list: the panel opens beside the
    filtered list, a comment updates the cell, reload keeps both."""
    task = make_asset_task(zou_stack)
    name = short_name(task)
    pid = task["project_id"]
    browser_login(page, zou_stack, "supervisor")
    page.goto(f"/productions/{pid}/assets?search={name}")
    cell = page.locator(f'td.cell[data-task-id="{task["id"]}"]')
    cell.locator("a").click()
    page.wait_for_selector(f'#task-panel .panel[data-task-id="{task["id"]}"]')
    assert f"search={name}" in page.url and f"task={task['id']}" in page.url
    page.evaluate("() => { window.notReloaded = true; }")
    panel = page.locator("#task-panel .panel")
    panel.locator("textarea[name=text]").fill("Go ahead with the blockout.")
    panel.locator("select[name=task_status_id]").select_option(
        zou_stack.task_statuses["wip"])
    panel.locator("button[type=submit]", has_text="Post").click()
    page.locator(f'td.cell[data-task-id="{task["id"]}"] a',
                 has_text="wip").wait_for()
    assert page.evaluate("() => window.notReloaded") is True
    shot(page, "tasks-list-supervisor")
    page.reload()
    page.wait_for_selector(f'#task-panel .panel[data-task-id="{task["id"]}"]')
    assert page.input_value("#list-search-input") == name
    assert "Go ahead with the blockout." in page.locator(
        "#task-panel .thread").inner_text()
