"""The streamed multipart body sent to Zou for uploads."""

import io

import pytest
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from kitsu_web.zou.multipart import BLOCK_SIZE, IncompleteUpload, MultipartBody


class CountingStream(io.BytesIO):
    """A stream that remembers the largest read asked of it."""

    largest = 0

    def read(self, size=-1):
        self.largest = max(self.largest, size if size else 0)
        return super().read(size)


def parse(body):
    """Parse a multipart body as a server (Werkzeug) would."""
    data = body.read()
    assert len(data) == len(body)
    environ = EnvironBuilder(
        method="POST", input_stream=io.BytesIO(data),
        content_type=body.content_type, content_length=len(data),
    ).get_environ()
    _, form, files = parse_form_data(environ)
    return form, files


def test_fields_and_file_arrive_intact():
    """Fields and the file part parse back, with the announced length."""
    payload = bytes(range(256)) * 4000
    stream = CountingStream(payload)
    body = MultipartBody(
        [("comment", "héllo"), ("task_status_id", "s1")],
        [("file", 'frame "1".png', stream, len(payload), "image/png")],
    )
    form, files = parse(body)
    assert form["comment"] == "héllo" and form["task_status_id"] == "s1"
    assert files["file"].read() == payload
    assert files["file"].filename.endswith(".png")
    assert stream.largest <= BLOCK_SIZE


def test_iteration_streams_blocks():
    """Iterating yields the body in blocks, never the whole file at once."""
    payload = b"x" * (BLOCK_SIZE * 3 + 10)
    body = MultipartBody(files=[("file", "a.bin", io.BytesIO(payload),
                                 len(payload), None)])
    chunks = list(body)
    assert max(len(c) for c in chunks) <= BLOCK_SIZE
    assert sum(len(c) for c in chunks) == len(body)


def test_short_stream_is_an_incomplete_upload():
    """A browser upload that stops early is reported, not padded."""
    body = MultipartBody(files=[("file", "a.bin", io.BytesIO(b"abc"), 10,
                                 None)])
    with pytest.raises(IncompleteUpload):
        body.read()
