"""The portal's own answers (`wait_for_response`): the responses its pages fetched, read from the
browser's DevTools protocol on a connection of our own (run/devtools.py), so that a recipe reads
the JSON the portal's script already got instead of calling its API again with guessed headers.

The watch starts with the run when the recipe has a `wait_for_response` step: an answer fetched
while an earlier step ran (the bill list a page loads as it opens) is kept until a step takes it.
Only answers whose URL matches a pattern the recipe declares are kept, at most MAX_KEPT of them,
each up to MAX_BODY_BYTES; the body of an answer from an origin the provider has not declared is
never read (the step refuses it, as the origin gate does elsewhere). Bodies are the portal's
(personal data): never logged; the step log names only the URL (no query), status and size."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backend.collectors.patterns import compile_pattern
from backend.collectors.run.devtools import DevToolsConnection
from backend.collectors.run.origins import OriginGate

MAX_KEPT = 50  # answers kept at once; the oldest goes first
MAX_BODY_BYTES = 5_000_000
WAIT_FOR_RESPONSE_NEEDS = "this recipe uses wait_for_response, which reads the portal's own answers"


@dataclass
class Response:
    url: str
    method: str
    status: int = 0
    approved: bool = True  # from one of the provider's origins: its body may be read
    finished: bool = False  # the body was read (or will never be: failed, too large, not approved)
    body: bytes | None = None
    too_large: bool = False
    failed: bool = False  # the request failed (network error, cancelled): there is no body
    taken: bool = False  # a step has read it already


class ResponseWatcher(DevToolsConnection):
    """Keeps the answers whose URL matches one of `patterns` (regular expressions), from the moment
    it starts, for the steps that ask for them (take())."""

    def __init__(self, address: str, patterns: Iterable[str], gate: OriginGate, header: list[str] | None = None):
        self._patterns = [compile_pattern(p) for p in patterns]
        self._gate = gate
        self._lock = threading.Lock()
        self._methods: dict[tuple[str | None, str], str] = {}  # request -> its method, for wanted URLs
        self._by_request: dict[tuple[str | None, str], Response] = {}
        self._kept: list[Response] = []  # oldest first
        super().__init__(address, "responses-devtools", WAIT_FOR_RESPONSE_NEEDS, header)

    def enable(self, session: str) -> list[threading.Event]:
        # The browser keeps each body up to this size until we read it (just after it finishes loading).
        return [self.call("Network.enable", {"maxResourceBufferSize": MAX_BODY_BYTES,
                                             "maxTotalBufferSize": 4 * MAX_BODY_BYTES}, session)]

    def _wanted(self, url: str) -> bool:
        return any(pattern.search(url) for pattern in self._patterns)

    def on_event(self, method: str, params: dict[str, Any], session: str | None) -> None:
        request = (session, str(params.get("requestId")))
        if method == "Network.requestWillBeSent":
            sent = params.get("request") or {}
            if self._wanted(str(sent.get("url", ""))):
                self._methods[request] = str(sent.get("method", "GET"))
        elif method == "Network.responseReceived":
            answer = params.get("response") or {}
            url = str(answer.get("url", ""))
            if self._wanted(url):
                self._keep(request, Response(url, self._methods.pop(request, "GET"), int(answer.get("status") or 0),
                                             approved=self._gate.allows(url)))
        elif method == "Network.loadingFinished":
            self._finished(session, request, int(params.get("encodedDataLength") or 0))
        elif method == "Network.loadingFailed":
            self._methods.pop(request, None)
            response = self._by_request.pop(request, None)
            if response:
                with self._lock:
                    response.failed = response.finished = True

    def _keep(self, request: tuple[str | None, str], response: Response) -> None:
        with self._lock:
            self._by_request[request] = response
            self._kept.append(response)
            if len(self._kept) > MAX_KEPT:
                dropped = self._kept.pop(0)
                self._by_request = {k: v for k, v in self._by_request.items() if v is not dropped}

    def _finished(self, session: str | None, request: tuple[str | None, str], size: int) -> None:
        response = self._by_request.pop(request, None)
        if response is None:
            return
        if not response.approved or size > MAX_BODY_BYTES:
            with self._lock:
                response.too_large = size > MAX_BODY_BYTES
                response.finished = True
            return

        def read(result: dict[str, Any]) -> None:
            body = None
            if "body" in result:
                text = str(result["body"])
                body = base64.b64decode(text) if result.get("base64Encoded") else text.encode("utf-8")
            with self._lock:
                response.too_large = body is not None and len(body) > MAX_BODY_BYTES
                response.body = None if response.too_large else body
                response.failed = body is None and not response.too_large
                response.finished = True
        self.call("Network.getResponseBody", {"requestId": request[1]}, session, answer=read)

    def take(self, pattern: Any, method: str | None) -> Response | None:
        """The oldest successful answer not taken yet whose URL matches `pattern` (and method), once
        its body is read; None while there is none, or while an earlier match is still loading.
        An error answer is skipped: a page often asks before the login (401) and again after it."""
        with self._lock:
            for response in self._matching(pattern, method):
                if not response.finished:
                    return None  # the first match is still on its way: wait for it, not a later one
                if (response.status < 400 and not response.failed) or not response.approved:
                    response.taken = True
                    return response
        return None

    def take_error(self, pattern: Any, method: str | None) -> Response | None:
        """The newest error answer not taken yet that matches: what the portal said when no
        successful answer came (for fail_on)."""
        with self._lock:
            errors = [response for response in self._matching(pattern, method) if response.finished]
            if errors:
                errors[-1].taken = True
                return errors[-1]
        return None

    def _matching(self, pattern: Any, method: str | None) -> list[Response]:
        return [response for response in self._kept if not response.taken and pattern.search(response.url)
                and (not method or response.method.upper() == method.upper())]

    def seen(self) -> int:
        """How many answers matching a declared pattern arrived so far."""
        with self._lock:
            return len(self._kept)
