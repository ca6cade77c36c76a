"""Chrome's native messaging framing: every message, both ways, is a 4-byte length in the
machine's own byte order, then that many bytes of UTF-8 JSON."""

from __future__ import annotations

import json
import struct
from typing import IO, Any

HEADER = struct.Struct("=I")
MAX_INCOMING = 64 * 1024  # ours are a few hundred bytes; Chrome would send up to 4 GB
MAX_OUTGOING = 1024 * 1024  # Chrome refuses a bigger message from a host


class FramingError(Exception):
    """The input is not a well-formed message: the stream cannot be trusted after it."""


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            if left == size:
                return None
            raise FramingError(f"the input ended inside a message ({size - left} of {size} bytes)")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(stream: IO[bytes]) -> Any | None:
    """The next message, or None when the browser closed the stream between messages."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_INCOMING:
        raise FramingError(f"a message of {length} bytes (at most {MAX_INCOMING})")
    body = _read_exactly(stream, length) if length else b""
    if body is None:
        raise FramingError("the input ended before the message")
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise FramingError(f"not UTF-8 JSON: {exc.__class__.__name__}") from None


def write_message(stream: IO[bytes], message: Any) -> None:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_OUTGOING:
        raise FramingError(f"an answer of {len(body)} bytes (at most {MAX_OUTGOING})")
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()
