"""A domain's MX hosts through the OS resolver (libresolv's res_query, on Linux and macOS), so
that an address at a company domain can be matched to its mail host. No DNS library is a
dependency, so this reads the resolver's raw answer; on Windows, or when the resolver is slow
or absent, there is no answer and the user types the settings."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import struct
import threading

TIMEOUT = 3.0  # seconds: the panel waits for this answer while the user types
MX_TYPE, IN_CLASS = 15, 1


@functools.cache
def _res_query():
    name = ctypes.util.find_library("resolv")
    if not name:
        return None
    library = ctypes.CDLL(name)
    for symbol in ("res_query", "res_9_query"):  # macOS names it res_9_query
        function = getattr(library, symbol, None)
        if function is not None:
            function.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            function.restype = ctypes.c_int
            return function
    return None


def _name(message: bytes, offset: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at offset: (name, offset after it in place)."""
    labels: list[str] = []
    end: int | None = None
    jumps = 0
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:  # a pointer to a name earlier in the message
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            jumps += 1
            if jumps > 20:
                raise ValueError("pointer loop")
            continue
        offset += 1
        if length == 0:
            return ".".join(labels), end if end is not None else offset
        labels.append(message[offset:offset + length].decode("ascii", "replace"))
        offset += length


def parse_mx(message: bytes) -> list[str]:
    """MX hosts of a DNS answer, most preferred first."""
    questions, answers = struct.unpack_from("!HH", message, 4)
    offset = 12
    for _ in range(questions):
        offset = _name(message, offset)[1] + 4
    found = []
    for _ in range(answers):
        offset = _name(message, offset)[1]
        kind, klass, _ttl, length = struct.unpack_from("!HHIH", message, offset)
        offset += 10
        if kind == MX_TYPE and klass == IN_CLASS:
            preference = struct.unpack_from("!H", message, offset)[0]
            found.append((preference, _name(message, offset + 2)[0].lower()))
        offset += length
    return [host for _, host in sorted(found)]


def _query(domain: str, into: list[str]) -> None:
    function = _res_query()
    if function is None:
        return
    buffer = ctypes.create_string_buffer(4096)
    size = function(domain.encode("idna"), IN_CLASS, MX_TYPE, buffer, len(buffer))
    if size > 0:
        with contextlib.suppress(ValueError, IndexError, struct.error):  # a malformed answer is no answer
            into.extend(parse_mx(buffer.raw[:size]))


def hosts(domain: str, timeout: float = TIMEOUT) -> list[str]:
    """The domain's MX hosts, or [] (none, no resolver, or no answer within `timeout`)."""
    if "." not in domain.strip("."):
        return []
    try:
        domain.encode("idna")
    except UnicodeError:
        return []
    found: list[str] = []
    # res_query blocks for the resolver's own timeouts (5 s × attempts): it runs aside, and is
    # left to finish on its own when slower than the panel can wait.
    worker = threading.Thread(target=_query, args=(domain, found), name="ic-mx", daemon=True)
    worker.start()
    worker.join(timeout)
    return list(found) if not worker.is_alive() else []
