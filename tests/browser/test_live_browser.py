"""Live updates in Chromium: cells, the task panel and the bell follow
Zou's events without a reload, also across a break of Zou's stream."""

import pytest

from tests.live_helpers import (
    ExtraEventStream,
    live_production,
    make_asset_task,
    make_shot_task,
    post_comment,
    readyz,
    wait_until,
    zou_call,
)
from tests.plugins.live_server import (
    LiveServer,
    browser_login,
    checked_page,
)

pytestmark = pytest.mark.browser

DEADLINE_MS = 30000  # A generous deadline for behaviour, not a speed goal.


def mark_page(page):
    """Tag the loaded document: a reload would lose the tag."""
    page.evaluate("window.__liveTestMark = 'kept'")


def assert_not_reloaded(page):
    """The document tagged by mark_page is still the one shown."""
    assert page.evaluate("window.__liveTestMark") == "kept"


def wait_live(page):
    """Wait until the page's socket is connected to kitsu-web."""
    page.wait_for_function(
        "window.kitsuLive && window.kitsuLive.state().socket === true",
        timeout=DEADLINE_MS,
    )


def delete_shot(zou_stack, task):
    """Remove the shot and sequence a test made."""
    shot = task["shot"]
    zou_call(zou_stack, "DELETE", f"/data/shots/{shot['id']}?force=true")
    zou_call(zou_stack, "DELETE",
             f"/data/sequences/{shot['parent_id']}?force=true")


def test_status_cell_changes_colour_without_reload(
        page, live_server, zou_stack):
    """Case 2: the artist has A's shot list open; a supervisor changes a
    task's status through the API; the cell changes colour in place."""
    task = make_shot_task(zou_stack, "A", assignees=("artist2",))
    project_id = live_production(zou_stack, "A")
    try:
        browser_login(page, zou_stack, "artist2",
                      next_url=f"/productions/{project_id}/shots")
        cell = page.locator(f'td[data-task-id="{task["id"]}"] a.status')
        cell.wait_for()
        wait_live(page)
        mark_page(page)
        before = cell.evaluate("el => getComputedStyle(el).backgroundColor")
        wfa = zou_stack.task_statuses["wfa"]
        assert f"st-{wfa}" not in (cell.get_attribute("class") or "")

        post_comment(zou_stack, task["id"], status="wfa", who="supervisor")

        page.wait_for_selector(
            f'td[data-task-id="{task["id"]}"] a.status.st-{wfa}',
            timeout=DEADLINE_MS,
        )
        after = cell.evaluate("el => getComputedStyle(el).backgroundColor")
        assert after != before
        assert_not_reloaded(page)
        page.screenshot(path="/tmp/live-shot-list.png")
    finally:
        delete_shot(zou_stack, task)


def test_bell_count_rises_without_reload(page, live_server, zou_stack):
    """Case 7: a comment that notifies the artist raises their bell
    count while the page stays as it is."""
    task = make_asset_task(zou_stack, "A", assignees=("artist2",))
    zou_call(zou_stack, "POST",
             "/actions/user/notifications/mark-all-as-read", who="artist2")
    browser_login(page, zou_stack, "artist2", next_url="/open-productions")
    bell = page.locator("#notif-bell")
    page.wait_for_selector("#notif-bell[aria-label='Notifications: 0 unread']",
                           timeout=DEADLINE_MS)
    assert bell.locator(".notif-count").count() == 0
    wait_live(page)
    mark_page(page)

    post_comment(zou_stack, task["id"], who="supervisor")

    page.wait_for_selector("#notif-bell .notif-count", timeout=DEADLINE_MS)
    assert page.locator("#notif-bell .notif-count").inner_text() == "1"
    assert page.locator("#live-badge").is_hidden()
    assert_not_reloaded(page)
    page.screenshot(path="/tmp/live-bell.png")


def test_page_catches_up_after_its_own_socket_comes_back(
        page, live_server, zou_stack):
    """The browser's socket drops and comes back: the badge shows
    meanwhile, and the list brings itself up to date with what changed
    while it was away, without a reload."""
    task = make_shot_task(zou_stack, "A", assignees=("artist2",))
    project_id = live_production(zou_stack, "A")
    try:
        browser_login(page, zou_stack, "artist2",
                      next_url=f"/productions/{project_id}/shots")
        page.locator(f'td[data-task-id="{task["id"]}"]').wait_for()
        wait_live(page)
        mark_page(page)
        # Drop the transport and keep the socket away long enough for a
        # change to happen unseen.
        page.evaluate("""() => {
          const manager = window.kitsuLive.socket.io;
          manager.reconnectionDelay(4000);
          manager.reconnectionDelayMax(4000);
          manager.randomizationFactor(0);
          manager.engine.close();
        }""")
        page.wait_for_selector("#live-badge[data-state='reconnecting']",
                               state="visible", timeout=DEADLINE_MS)
        retake = zou_stack.task_statuses["retake"]
        post_comment(zou_stack, task["id"], status="retake",
                     who="supervisor")
        page.wait_for_selector(
            f'td[data-task-id="{task["id"]}"] a.status.st-{retake}',
            timeout=DEADLINE_MS,
        )
        page.wait_for_selector("#live-badge", state="hidden",
                               timeout=DEADLINE_MS)
        assert_not_reloaded(page)
    finally:
        delete_shot(zou_stack, task)


def test_rows_off_screen_refresh_only_when_scrolled_into_view(
        page, live_server, zou_stack):
    """Events for a row that is not on screen fetch nothing until the row
    is scrolled into view; the row on screen refreshes at once."""
    first = make_shot_task(zou_stack, "A", assignees=("artist2",))
    second = make_shot_task(zou_stack, "A", assignees=("artist2",))
    project_id = live_production(zou_stack, "A")
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        page.set_viewport_size({"width": 1400, "height": 900})
        browser_login(page, zou_stack, "artist2",
                      next_url=f"/productions/{project_id}/shots")
        rows = {
            task["id"]: page.locator(f'td[data-task-id="{task["id"]}"]')
            for task in (first, second)
        }
        for row in rows.values():
            row.wait_for()
        wait_live(page)
        # Only the upper row stays visible.
        top = min(row.bounding_box()["y"] for row in rows.values())
        bottom = max(row.bounding_box()["y"] for row in rows.values())
        page.set_viewport_size({"width": 1400,
                                "height": int((top + bottom) / 2) + 30})
        upper, lower = sorted(
            (first, second),
            key=lambda task: rows[task["id"]].bounding_box()["y"],
        )
        mark_page(page)
        wfa = zou_stack.task_statuses["wfa"]
        post_comment(zou_stack, lower["id"], status="wfa", who="supervisor")
        post_comment(zou_stack, upper["id"], status="wfa", who="supervisor")
        page.wait_for_selector(
            f'td[data-task-id="{upper["id"]}"] a.status.st-{wfa}',
            timeout=DEADLINE_MS,
        )
        page.wait_for_timeout(1500)
        lower_row = f"/rows/{lower['shot']['id']}"
        assert not [url for url in fetched if lower_row in url]

        rows[lower["id"]].scroll_into_view_if_needed()
        page.wait_for_selector(
            f'td[data-task-id="{lower["id"]}"] a.status.st-{wfa}',
            timeout=DEADLINE_MS,
        )
        assert [url for url in fetched if lower_row in url]
        assert_not_reloaded(page)
    finally:
        delete_shot(zou_stack, first)
        delete_shot(zou_stack, second)


# ------------------------------------------------- a break in Zou's stream


@pytest.fixture(scope="module")
def stream(zou_stack):
    """An event stream of the test stack that this module may stop."""
    extra = ExtraEventStream(zou_stack).start()
    yield extra
    extra.stop()


@pytest.fixture(scope="module")
def bridged_server(zou_stack, stream, tmp_path_factory):
    """A kitsu-web server whose bridge listens to ``stream``."""
    server = LiveServer(
        zou_stack, tmp_path_factory.mktemp("live-restart"),
        extra_env={"KITSU_EVENT_TARGET": stream.url},
    ).start()
    wait_until(lambda: readyz(server.url)["checks"]["bridge"]
               == "connected", 40, what="bridge connected")
    yield server
    server.stop()


@pytest.fixture()
def restart_page(browser, bridged_server):
    """A page on ``bridged_server``; CSP violations fail the test."""
    with checked_page(browser, bridged_server.url) as checked:
        yield checked


def test_comment_made_while_stream_is_down_shows_after_it_returns(
        restart_page, bridged_server, stream, zou_stack):
    """Case 3: stop Zou's event stream, post a comment, start the stream
    again: the open task page shows the comment without a reload; the
    badge says live updates are reconnecting meanwhile."""
    page = restart_page
    task = make_asset_task(zou_stack, "A", assignees=("artist2",))
    project_id = live_production(zou_stack, "A")
    browser_login(
        page, zou_stack, "artist2",
        next_url=f"/productions/{project_id}/assets/tasks/{task['id']}",
    )
    page.wait_for_selector(f'section[data-task-id="{task["id"]}"]')
    wait_live(page)
    mark_page(page)
    assert page.locator("#live-badge").is_hidden()

    stream.stop()
    page.wait_for_selector("#live-badge[data-state='reconnecting']",
                           state="visible", timeout=DEADLINE_MS)
    page.screenshot(path="/tmp/live-reconnecting.png")
    text = "Written while the stream was down"
    post_comment(zou_stack, task["id"], status="wfa", text=text,
                 who="supervisor")
    stream.start()

    page.wait_for_selector(
        f'section[data-task-id="{task["id"]}"] >> text="{text}"',
        timeout=60000,
    )
    page.wait_for_selector("#live-badge", state="hidden",
                           timeout=DEADLINE_MS)
    assert_not_reloaded(page)
    page.screenshot(path="/tmp/live-after-restart.png")
