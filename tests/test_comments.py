"""Comments with status changes, previews and failures, on the real Zou."""

import io
import socket

import pytest

from kitsu_web import create_app
from tests.task_helpers import (
    HX,
    ZouAdmin,
    csrf_of,
    make_asset_task,
    png_bytes,
)


@pytest.fixture()
def task(zou_stack):
    """A fresh Modeling task in the short production, for artist1."""
    return make_asset_task(zou_stack)


def open_panel(client, task):
    """The panel's HTML and its CSRF token."""
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    return html, csrf_of(html)


def comment(client, task, token, status_id, text="", **extra):
    """Post the comment form as htmx does."""
    data = {"text": text, "task_status_id": status_id, "csrf_token": token,
            **extra}
    return client.post(f"/tasks/{task['id']}/comments", data=data,
                       headers=HX)


def test_case1_comment_moves_todo_to_wip(client, auth, task, zou_stack):
    """Case 1: a comment with WIP moves the task; the panel shows WIP."""
    assert task["task_status"]["short_name"] == "todo"
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = comment(client, task, token, zou_stack.task_statuses["wip"],
                       "Starting the blocking.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "task-updated" in response.headers["HX-Trigger"]
    assert task["id"] in response.headers["HX-Trigger"]
    assert (f'<span class="status-badge status-'
            f'{zou_stack.task_statuses["wip"]}" title="Work In Progress">wip'
            in html)
    assert "Starting the blocking." in html
    # The composer is empty again.
    assert "</textarea>" in html and ">Starting the blocking.</textarea>" \
        not in html
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert full["task_status_id"] == zou_stack.task_statuses["wip"]


def test_case2_png_preview_becomes_thumbnail(client, auth, task, zou_stack):
    """Case 2: a PNG preview is the latest preview and the entity picture,
    under a new image URL."""
    auth.login("artist1")
    before, token = open_panel(client, task)
    assert "entity-thumb empty" in before
    response = comment(client, task, token, zou_stack.task_statuses["wfa"],
                       "First look.", preview_pending="1")
    assert response.status_code == 200
    comment_id = response.headers["X-Comment-Id"]
    # The form keeps the text until the preview has gone through.
    assert ">First look.</textarea>" in response.get_data(as_text=True)

    upload = client.post(
        f"/tasks/{task['id']}/comments/{comment_id}/preview",
        data=png_bytes(), headers={
            **HX, "Content-Type": "image/png", "X-File-Name": "look%201.png",
            "X-CSRFToken": token,
        },
    )
    html = upload.get_data(as_text=True)
    assert upload.status_code == 200, html
    assert "task-updated" in upload.headers["HX-Trigger"]

    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/full")
    preview_id = full["last_preview_file_id"]
    assert preview_id
    assert full["entity"]["preview_file_id"] == preview_id
    thumb = f"/api/pictures/thumbnails/preview-files/{preview_id}.png?v="
    assert f'class="entity-thumb" src="{thumb}' in html
    assert 'class="preview-link latest"' in html
    assert f"/api/pictures/previews/preview-files/{preview_id}.png?v=" in html
    assert ">First look.</textarea>" not in html

    # A second revision gets a new address for the entity picture.
    response = comment(client, task, token, zou_stack.task_statuses["wfa"],
                       "Second look.", preview_pending="1")
    client.post(
        f"/tasks/{task['id']}/comments/{response.headers['X-Comment-Id']}"
        "/preview",
        data=png_bytes(rgb=(200, 10, 10)), headers={
            **HX, "Content-Type": "image/png", "X-File-Name": "look2.png",
            "X-CSRFToken": token,
        },
    )
    again = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/full")
    assert again["entity"]["preview_file_id"] not in (None, preview_id)
    html, _ = open_panel(client, task)
    assert (f"/api/pictures/thumbnails/preview-files/"
            f"{again['entity']['preview_file_id']}.png?v=") in html


def test_no_js_comment_with_preview_in_one_form(client, auth, task,
                                                zou_stack):
    """Without JavaScript the form posts text, status and file at once."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = client.post(
        f"/tasks/{task['id']}/comments",
        data={
            "text": "All in one.", "csrf_token": token,
            "task_status_id": zou_stack.task_statuses["wip"],
            "preview": (io.BytesIO(png_bytes()), "frame.png", "image/png"),
            "next": f"/my-tasks?task={task['id']}",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?task={task['id']}")
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/full")
    assert full["last_preview_file_id"]


def test_failed_processing_keeps_the_form(client, auth, task, zou_stack):
    """A file Zou cannot process: comment saved, preview step named."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = comment(client, task, token, zou_stack.task_statuses["wip"],
                       "Broken movie.", preview_pending="1")
    upload = client.post(
        f"/tasks/{task['id']}/comments/{response.headers['X-Comment-Id']}"
        "/preview",
        data=b"not really a movie" * 50, headers={
            **HX, "Content-Type": "video/mp4", "X-File-Name": "take.mp4",
            "X-CSRFToken": token,
        },
    )
    text = upload.get_data(as_text=True)
    assert upload.status_code == 422
    assert "Comment saved, preview processing failed" in text
    assert "retry-upload" in text
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/full")
    assert not full["last_preview_file_id"]


def test_unreadable_picture_message_reads_once(client, auth, task,
                                                zou_stack):
    """Zou's reason ends with a full stop: the message has one, not two."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = comment(client, task, token, zou_stack.task_statuses["wip"],
                       "Broken picture.", preview_pending="1")
    upload = client.post(
        f"/tasks/{task['id']}/comments/{response.headers['X-Comment-Id']}"
        "/preview",
        data=b"not a picture", headers={
            **HX, "Content-Type": "image/png", "X-File-Name": "still.png",
            "X-CSRFToken": token,
        },
    )
    text = upload.get_data(as_text=True)
    assert upload.status_code == 422
    assert "preview processing failed" in text
    assert ".." not in text.split("preview processing failed", 1)[1][:200]


def test_case3_forbidden_status_keeps_text(client, auth, task, zou_stack):
    """Case 3: an artist posting Done directly keeps the text, with a
    message."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = comment(client, task, token, zou_stack.task_statuses["done"],
                       "Sneaky **done**.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ">Sneaky **done**.</textarea>" in html
    assert "Comment not posted" in html
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert full["task_status_id"] == zou_stack.task_statuses["todo"]


def refused_port():
    """A loopback port with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_case3_zou_stopped_keeps_text(client, auth, task, zou_stack,
                                      app_settings):
    """Case 3: with Zou stopped, the typed text and status stay."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    down = create_app(**{**app_settings,
                         "api_target": f"http://127.0.0.1:{refused_port()}"})
    down_client = down.test_client()
    name = down.config["SESSION_COOKIE_NAME"]
    down_client.set_cookie(name, client.get_cookie(name).value)
    wip = zou_stack.task_statuses["wip"]
    response = down_client.post(
        f"/tasks/{task['id']}/comments",
        data={"text": "Typed while Zou was away.", "task_status_id": wip,
              "csrf_token": token},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ">Typed while Zou was away.</textarea>" in html
    assert f'value="{wip}" selected' in html
    assert "Zou cannot be reached" in html


def test_case5_markdown_is_rendered_safely(client, auth, task, zou_stack):
    """Case 5: bold, a safe link, no script, emoji intact."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    text = ("**bold** [docs](https://example.com/doc) "
            "<img src=x onerror=alert(1)> 🎞️✅")
    html = comment(client, task, token, zou_stack.task_statuses["todo"],
                   text).get_data(as_text=True)
    body = html.split('class="comment-text"', 1)[1].split("</div>")[0]
    assert "<strong>bold</strong>" in body
    assert 'href="https://example.com/doc"' in body
    assert "noopener" in body
    assert "<img" not in body
    assert "🎞️✅" in body


def test_mentions_checklist_and_attachment(client, auth, task, zou_stack):
    """@mention highlighted, checklist ticked, attachment linked."""
    auth.login("supervisor")
    _, token = open_panel(client, task)
    response = client.post(
        f"/tasks/{task['id']}/comments",
        data={
            "text": "Please check @Alex Artist", "csrf_token": token,
            "task_status_id": zou_stack.task_statuses["todo"],
            "checklist": "Silhouette\nScale",
            "attachments": (io.BytesIO(b"notes\n"), "notes.txt",
                            "text/plain"),
        },
        content_type="multipart/form-data", headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert '<span class="mention">@Alex Artist</span>' in html
    assert "Silhouette" in html and "Scale" in html
    assert "/api/data/attachment-files/" in html and "notes.txt" in html

    comments = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/comments")
    cid = comments[0]["id"]
    response = client.post(
        f"/tasks/{task['id']}/comments/{cid}/checklist",
        data={"index": "1", "csrf_token": token}, headers=HX,
    )
    assert response.status_code == 200
    checklist = ZouAdmin(zou_stack).get(f"/data/comments/{cid}")["checklist"]
    assert [item["checked"] for item in checklist] == [False, True]


def test_edit_ack_and_delete_own_comment(client, auth, task, zou_stack):
    """Authors edit and delete their comments; anyone acknowledges."""
    auth.login("artist1")
    _, token = open_panel(client, task)
    comment(client, task, token, zou_stack.task_statuses["wip"], "Frist.")
    cid = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/comments")[0][
        "id"]

    editing = client.get(f"/tasks/{task['id']}/panel?edit={cid}",
                         headers=HX).get_data(as_text=True)
    assert 'class="comment-edit' in editing and ">Frist.</textarea>" in editing
    response = client.post(
        f"/tasks/{task['id']}/comments/{cid}/edit",
        data={"text": "First.", "csrf_token": token}, headers=HX,
    )
    assert response.status_code == 200
    assert "First." in response.get_data(as_text=True)

    response = client.post(f"/tasks/{task['id']}/comments/{cid}/ack",
                           data={"csrf_token": token}, headers=HX)
    assert "Acknowledged (1)" in response.get_data(as_text=True)

    response = client.post(f"/tasks/{task['id']}/comments/{cid}/delete",
                           data={"csrf_token": token}, headers=HX)
    assert response.status_code == 200
    assert "task-updated" in response.headers["HX-Trigger"]
    assert ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}/comments") == []
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert full["task_status_id"] == zou_stack.task_statuses["todo"]


def test_others_comments_cannot_be_edited_by_artists(client, auth, task,
                                                     zou_stack):
    """No edit or delete on someone else's comment for an artist."""
    ZouAdmin(zou_stack, "supervisor").post(
        f"/actions/tasks/{task['id']}/comment",
        {"task_status_id": zou_stack.task_statuses["todo"],
         "comment": "From the supervisor."},
    )
    auth.login("artist1")
    html, token = open_panel(client, task)
    assert "From the supervisor." in html
    assert ">Edit</a>" not in html and ">Delete</button>" not in html


def test_upload_above_the_limit_is_refused(app_settings, zou_stack, task):
    """The size limit is also enforced by the server, naming the step."""
    small = create_app(**{**app_settings, "max_upload_bytes": 100})
    client = small.test_client()
    from tests.conftest import Auth

    auth = Auth(client, zou_stack)
    auth.login("artist1")
    _, token = open_panel(client, task)
    response = comment(client, task, token, zou_stack.task_statuses["wip"],
                       "Big file.", preview_pending="1")
    upload = client.post(
        f"/tasks/{task['id']}/comments/{response.headers['X-Comment-Id']}"
        "/preview",
        data=png_bytes(width=64, height=64), headers={
            **HX, "Content-Type": "image/png", "X-File-Name": "big.png",
            "X-CSRFToken": token,
        },
    )
    assert upload.status_code == 422
    assert "larger than the 100 B limit" in upload.get_data(as_text=True)
