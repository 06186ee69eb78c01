"""A multipart/form-data body streamed from a file, with a known length.

requests would build a multipart body in memory; this one is read from
disk chunk by chunk, so a 300 MB upload costs the harness nothing and the
request carries an exact Content-Length (no chunked encoding).
"""

import os
import secrets

CHUNK = 1024 * 1024


class MultipartFile:
    """One file field as an iterable body; pass it as ``data=``."""

    def __init__(self, path, filename=None, field="file",
                 content_type="application/octet-stream"):
        self.path = str(path)
        self.boundary = "bench" + secrets.token_hex(12)
        filename = filename or os.path.basename(self.path)
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = os.path.getsize(self.path)

    @property
    def content_type(self):
        """The request's Content-Type header value."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self):
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self):
        yield self.head
        with open(self.path, "rb") as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    break
                yield chunk
        yield self.tail


def make_file(path, size):
    """Write ``size`` random bytes to path unless it already has that size."""
    path = str(path)
    if os.path.exists(path) and os.path.getsize(path) == size:
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        left = size
        block = os.urandom(CHUNK)
        while left > 0:
            # Random, so no layer can shrink it; the block is varied so
            # that no deduplication can either.
            piece = block[: min(CHUNK, left)]
            handle.write(piece)
            left -= len(piece)
            block = block[1:] + block[:1]
    os.replace(tmp, path)
    return path
