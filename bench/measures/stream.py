"""2. Streaming a big file down and up through ``/api`` vs straight Zou."""

import time
from pathlib import Path

import requests

from .. import OUTPUT_DIR
from ..multipart import MultipartFile, make_file
from ..results import Row, missing_rows
from ..stats import RssSampler, Series
from .common import HTTP_TIMEOUT, dead, feature_status

MEASURE = "2. Streaming through /api"
CHUNK = 1024 * 1024
UPLOAD_TIMEOUT = 900


def watcher(ctx):
    """An RSS sampler on kitsu-web's workers (a no-op without a server)."""
    return RssSampler(ctx.web.worker_pids if ctx.web else (lambda: []))


def download(session, url, size, rate, growth, sampler):
    """Stream url to nowhere; record MB/s and RSS growth (MB)."""
    start = time.perf_counter()
    received = 0
    try:
        with sampler:
            with session.get(url, stream=True,
                             timeout=HTTP_TIMEOUT) as response:
                if response.status_code != 200:
                    rate.fail(f"HTTP {response.status_code}")
                    return
                for chunk in response.iter_content(CHUNK):
                    received += len(chunk)
    except requests.RequestException as exc:
        rate.fail(f"{type(exc).__name__}: {exc}")
        return
    seconds = time.perf_counter() - start
    if received != size:
        rate.fail(f"received {received} bytes of {size}")
        return
    rate.add(size / 1e6 / seconds)
    if growth is not None:
        growth.add(sampler.growth_mb)


def forget_file(ctx, attachment_id):
    """Remove a deleted attachment's bytes from the bench stack's storage.

    Zou only marks deleted files unless REMOVE_FILES is set, so every run
    would leave its uploads (1.8 GB at scale 1) in the stack's folder.
    """
    directory = ctx.stack.get("dir")
    if not directory:
        return
    path = (Path(directory) / "previews" / "files" / "attachments"
            / attachment_id[:3] / attachment_id[3:6] / attachment_id)
    if path.is_file():
        path.unlink()


def upload(ctx, session, base, path, index, rate, growth, sampler):
    """POST the file as a comment attachment; check it, then delete it."""
    workload = ctx.workload
    task_id = workload["stream_task_id"]
    comment_id = workload["upload_comment_id"]
    body = MultipartFile(path, filename=f"upload-{index}.bin")
    url = (f"{base}/actions/tasks/{task_id}/comments/{comment_id}"
           "/add-attachment")
    start = time.perf_counter()
    try:
        with sampler:
            response = session.post(
                url, data=body, timeout=UPLOAD_TIMEOUT,
                headers={"Content-Type": body.content_type},
            )
    except requests.RequestException as exc:
        rate.fail(f"{type(exc).__name__}: {exc}")
        return
    seconds = time.perf_counter() - start
    if response.status_code != 201:
        rate.fail(f"HTTP {response.status_code}: {response.text[:120]}")
        return
    stored = response.json()[-1]
    try:
        ctx.zou.delete(f"/data/tasks/{task_id}/comments/{comment_id}"
                       f"/attachments/{stored['id']}")
        forget_file(ctx, stored["id"])
    except RuntimeError as exc:
        rate.fail(f"cleanup failed: {exc}")
    if stored.get("size") != body.size:
        rate.fail(f"Zou stored {stored.get('size')} bytes of {body.size}")
        return
    rate.add(body.size / 1e6 / seconds)
    if growth is not None:
        growth.add(sampler.growth_mb)


def run(ctx):
    """Download the big attachment and upload a bigger one, both ways."""
    workload = ctx.workload
    attachment = workload["attachment"]
    size = attachment["size"]
    path = (f"/data/attachment-files/{attachment['id']}/file/"
            f"{attachment['name']}")
    size_mb = size // 2**20
    up_mb = workload["upload_bytes"] // 2**20
    labels = [f"download {size_mb} MB", f"upload {up_mb} MB"]
    bearer = ctx.bearer_session()
    if feature_status(ctx, "/api/data/projects", session=bearer) == \
            "missing":
        return missing_rows(MEASURE, labels)
    zou = ctx.zou_session()
    rows = []

    rates = {"kitsu": Series("MB/s"), "zou": Series("MB/s")}
    growth = Series("MB")
    for index in range(ctx.repeats(5, 2)):
        order = ["kitsu", "zou"] if index % 2 == 0 else ["zou", "kitsu"]
        for side in order:
            if dead(rates[side]):
                continue
            if side == "kitsu":
                download(bearer, ctx.web_url + "/api" + path, size,
                         rates["kitsu"], growth, watcher(ctx))
            else:
                download(zou, ctx.zou_url + path, size, rates["zou"],
                         None, RssSampler(lambda: []))
    rows.append(Row(MEASURE, labels[0] + " (throughput)", rates["kitsu"],
                    rates["zou"], stats=(50, 0), ratio="rate",
                    note="attachment file, bearer token"))
    rows.append(Row(MEASURE, labels[0] + ": kitsu-web peak RSS growth",
                    growth, None, stats=(50, 100), ratio=None,
                    note="all workers, sampled every 20 ms"))

    upload_path = make_file(OUTPUT_DIR / "files" / f"upload-{up_mb}mb.bin",
                            workload["upload_bytes"])
    rates = {"kitsu": Series("MB/s"), "zou": Series("MB/s")}
    growth = Series("MB")
    for index in range(ctx.repeats(3, 1)):
        order = ["kitsu", "zou"] if index % 2 == 0 else ["zou", "kitsu"]
        for side in order:
            if dead(rates[side]):
                continue
            if side == "kitsu":
                upload(ctx, bearer, ctx.web_url + "/api", upload_path,
                       index, rates["kitsu"], growth, watcher(ctx))
            else:
                upload(ctx, zou, ctx.zou_url, upload_path, index,
                       rates["zou"], None, RssSampler(lambda: []))
    rows.append(Row(MEASURE, labels[1] + " (throughput)", rates["kitsu"],
                    rates["zou"], stats=(50, 0), ratio="rate",
                    note="comment attachment, size checked at Zou, "
                         "then deleted"))
    rows.append(Row(MEASURE, labels[1] + ": kitsu-web peak RSS growth",
                    growth, None, stats=(50, 100), ratio=None,
                    note="all workers, sampled every 20 ms"))
    return rows
