"""Our own connection to the browser's DevTools protocol (CDP), beside chromedriver's, and the
first thing it does: answer Chromium's HTTP authentication challenges (`http_auth:`), only for
the origins run/httpauth.py allows. (run/responses.py reads the portal's own answers on another.)

Why a connection of our own: chromedriver queues every command behind a navigation, so a
challenge that blocks `driver.get` can never be answered through it (execute_cdp_cmd, or
WebDriver BiDi's network.continueWithAuth, wait forever). Our connection to the browser's
DevTools endpoint attaches to every page and frame (new tabs included, paused until they are
watched), enables what it needs there, and handles the events on its own thread. For http_auth:
Fetch with handleAuthRequests, every request let go on, and each Fetch.authRequired answered:
the credentials once per request for an approved origin, a cancel otherwise. A second
challenge for the same request is the site refusing them. Nothing here is logged: the messages
carry the password (and the portal's answers)."""

from __future__ import annotations

import abc
import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import websocket

from backend.collectors.model import CollectionError
from backend.collectors.run.httpauth import HttpAuth

WATCHED_TARGETS = ("page", "iframe")  # not the browser's own UI (enabling Fetch there drops the connection)
ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}
START_TIMEOUT = 10.0
HTTP_AUTH_NEEDS = "this provider uses http_auth, which answers the site's login prompt"


def devtools_address(capabilities: dict[str, Any], remote: bool, needed_for: str = HTTP_AUTH_NEEDS) -> str:
    """The browser-level DevTools WebSocket: chromedriver's debuggerAddress, or a Grid's se:cdp.
    `needed_for` says which part of the recipe needs it, for the message when there is none."""
    if remote:
        address = capabilities.get("se:cdp")
        if not address:
            raise CollectionError("INTERNAL", f"{needed_for} through the browser's DevTools protocol, and this "
                                              "Selenium Grid does not offer it (no se:cdp capability): run it with "
                                              "the local Chromium or a Grid that forwards CDP")
        return str(address)
    debugger = (capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
    if not debugger:
        raise CollectionError("INTERNAL", f"Chromium gave no DevTools address, and {needed_for} through it")
    with urllib.request.urlopen(f"http://{debugger}/json/version", timeout=START_TIMEOUT) as answer:
        return str(json.load(answer)["webSocketDebuggerUrl"])


Answer = Callable[[dict[str, Any]], None]  # receives a command's result (or {"error": …})


class DevToolsConnection(abc.ABC):
    """One DevTools connection for the run, attached to every page and frame, reading events on
    its own thread until closed. A subclass says what to enable in each target (enable()) and
    handles the events (on_event()); both run on that thread."""

    def __init__(self, address: str, thread_name: str, needed_for: str, header: list[str] | None = None):
        # header: a Grid's credentials (grid.websocket_header), which its se:cdp WebSocket wants too
        self._socket = websocket.create_connection(address, timeout=START_TIMEOUT, header=header or [],
                                                   suppress_origin=True)
        self._socket.settimeout(None)
        self._send_lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, tuple[threading.Event, Answer | None]] = {}  # command id -> when answered
        self._enabling: list[threading.Event] = []  # what the pages open at the start enable
        self._thread = threading.Thread(target=self._read, name=thread_name, daemon=True)
        self._thread.start()
        # The pages already open attach (and enable what they need) before this answer comes: wait
        # for both, so that the run's first page is watched.
        attached = self.call("Target.setAutoAttach", ATTACH)
        if not (attached.wait(START_TIMEOUT) and all(done.wait(START_TIMEOUT) for done in self._enabling)):
            self.close()
            raise CollectionError("INTERNAL", f"the browser's DevTools did not answer: {needed_for}")

    def close(self) -> None:
        try:
            self._socket.close()
        finally:
            self._thread.join(5)

    def call(self, method: str, params: dict[str, Any], session: str | None = None,
             answer: Answer | None = None) -> threading.Event:
        """Send a command; the event is set when the browser has answered it (after `answer` got
        the result)."""
        done = threading.Event()
        with self._send_lock:
            self._next_id += 1
            message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            self._waiting[self._next_id] = (done, answer)
            self._socket.send(json.dumps(message))
        return done

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self._socket.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return  # closed with the browser
            try:
                self._dispatch(message)
            except (websocket.WebSocketException, OSError):
                return

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            done, answer = self._waiting.pop(message["id"], (None, None))
            if answer:
                answer(message.get("result") or {"error": message.get("error") or {}})
            if done:
                done.set()
            return
        method, params, session = message.get("method"), message.get("params") or {}, message.get("sessionId")
        if method == "Target.attachedToTarget":
            self._watch(params)
        else:
            self.on_event(str(method), params, session)

    def _watch(self, params: dict[str, Any]) -> None:
        """Enable what we need in a new page or frame (its frames attach in turn), then let it run."""
        session = params["sessionId"]
        if params["targetInfo"]["type"] in WATCHED_TARGETS:
            self._enabling.extend(self.enable(session))
            self.call("Target.setAutoAttach", ATTACH, session)
        if params.get("waitingForDebugger"):
            self.call("Runtime.runIfWaitingForDebugger", {}, session)

    @abc.abstractmethod
    def enable(self, session: str) -> list[threading.Event]:
        """The commands that turn on what this connection watches in one target."""

    @abc.abstractmethod
    def on_event(self, method: str, params: dict[str, Any], session: str | None) -> None:
        """One event of a watched target."""


class ChallengeAnswerer(DevToolsConnection):
    """Answers the HTTP authentication challenges of every page and frame (see above)."""

    def __init__(self, address: str, policy: HttpAuth, header: list[str] | None = None):
        self.policy = policy
        self._answered: set[tuple[str | None, str]] = set()  # (session, request) given the credentials
        super().__init__(address, "http-auth-devtools", "http_auth cannot answer the site's login prompt", header)

    def enable(self, session: str) -> list[threading.Event]:
        return [self.call("Fetch.enable", {"handleAuthRequests": True, "patterns": [{"urlPattern": "*"}]}, session)]

    def on_event(self, method: str, params: dict[str, Any], session: str | None) -> None:
        if method == "Fetch.requestPaused":
            self.call("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
        elif method == "Fetch.authRequired":
            self.call("Fetch.continueWithAuth", {"requestId": params["requestId"],
                                                 "authChallengeResponse": self._response(session, params)}, session)

    def _response(self, session: str | None, params: dict[str, Any]) -> dict[str, str]:
        challenge = params.get("authChallenge") or {}
        url = challenge.get("origin") or (params.get("request") or {}).get("url", "")
        if challenge.get("source") == "Proxy" or not self.policy.allows(url):
            self.policy.declined(url)
            return {"response": "CancelAuth"}
        request = (session, params["requestId"])
        if request in self._answered:
            self.policy.refused(url)
            return {"response": "CancelAuth"}  # the page shows the site's 401; the run ends LOGIN_FAILED
        self._answered.add(request)
        return {"response": "ProvideCredentials", "username": self.policy.username, "password": self.policy.password}
