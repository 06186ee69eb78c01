"""A multipart/form-data body streamed from file objects, never buffered.

``requests`` builds multipart bodies in memory; uploads of previews and
attachments may be gigabytes, so kitsu-web sends them with this body
instead: its length is known in advance (so Zou gets a ``Content-Length``
and no chunked encoding) and the file parts are read in small blocks from
the browser's request stream or from Werkzeug's spooled temporary file.
"""

import secrets

BLOCK_SIZE = 256 * 1024


class MultipartBody:
    """A file-like multipart body: ``read(n)``, ``len()`` and iteration."""

    def __init__(self, fields=(), files=()):
        """``fields``: (name, value) pairs; ``files``: (name, filename,
        stream, size, content_type) tuples, read exactly ``size`` bytes."""
        self.boundary = "kitsuweb" + secrets.token_hex(12)
        self._parts = []
        for name, value in fields:
            head = self._head(name) + b"\r\n\r\n"
            self._parts.append(head + str(value).encode() + b"\r\n")
        for name, filename, stream, size, content_type in files:
            head = (
                self._head(name)
                + f'; filename="{_quote(filename)}"\r\n'.encode()
                + f"Content-Type: {content_type or 'application/octet-stream'}"
                .encode()
                + b"\r\n\r\n"
            )
            self._parts.extend([head, (stream, int(size)), b"\r\n"])
        self._parts.append(f"--{self.boundary}--\r\n".encode())
        self.length = sum(
            part[1] if isinstance(part, tuple) else len(part)
            for part in self._parts
        )
        self._chunks = self._generate()
        self._pending = b""

    @property
    def content_type(self):
        """The Content-Type header value, boundary included."""
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self, name):
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{_quote(name)}"'
        ).encode()

    def _generate(self):
        for part in self._parts:
            if not isinstance(part, tuple):
                yield part
                continue
            stream, remaining = part
            while remaining > 0:
                block = stream.read(min(BLOCK_SIZE, remaining))
                if not block:
                    raise IncompleteUpload(
                        f"the upload ended {remaining} bytes early"
                    )
                remaining -= len(block)
                yield block

    def __len__(self):
        return self.length

    def __iter__(self):
        if self._pending:
            yield self._pending
            self._pending = b""
        yield from self._chunks

    def read(self, size=-1):
        """Up to ``size`` bytes of the body (all of it when negative)."""
        if size is None or size < 0:
            data = self._pending + b"".join(self._chunks)
            self._pending = b""
            return data
        while len(self._pending) < size:
            try:
                self._pending += next(self._chunks)
            except StopIteration:
                break
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


class IncompleteUpload(IOError):
    """The browser's upload stopped before its announced length."""


def _quote(value):
    """A header-safe name, escaped as browsers do (UTF-8 kept)."""
    return (
        str(value)
        .replace('"', "%22")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
    )
