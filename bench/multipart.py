"""Upload bodies for the harness: a file on disk as multipart/form-data.

requests would build a multipart body in memory; kitsu-web's own encoder
reads the file in blocks, so a 300 MB upload costs the harness nothing and
the request carries an exact Content-Length (no chunked encoding).
"""

import os

from kitsu_web.zou.multipart import MultipartBody

CHUNK = 1024 * 1024


def MultipartFile(path, filename=None, field="file",  # noqa: N802
                  content_type="application/octet-stream"):
    """One file field as a streamed body (kitsu-web's own encoder, read
    from disk in blocks); pass it as ``data=`` with its ``content_type``.
    """
    path = str(path)
    size = os.path.getsize(path)
    handle = open(path, "rb")  # noqa: SIM115 - read to the end by requests
    return MultipartBody(files=[
        (field, filename or os.path.basename(path), handle, size,
         content_type),
    ])


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
