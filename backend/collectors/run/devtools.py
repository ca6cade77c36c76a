"""The browser's side of `http_auth:`: answer Chromium's HTTP authentication challenges over the
DevTools protocol (CDP), only for the origins run/httpauth.py allows.

Why a connection of our own: chromedriver queues every command behind a navigation, so a
challenge that blocks `driver.get` can never be answered through it (execute_cdp_cmd, or
WebDriver BiDi's network.continueWithAuth, wait forever). Our connection to the browser's
DevTools endpoint attaches to every page and frame (new tabs included, paused until they are
watched), enables Fetch with handleAuthRequests, lets every request go on, and answers each
Fetch.authRequired: the credentials once per request for an approved origin, a cancel otherwise.
A second challenge for the same request is the site refusing them. Nothing here is logged: the
messages carry the password."""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import websocket

from backend.collectors.model import CollectionError
from backend.collectors.run.httpauth import HttpAuth

WATCHED_TARGETS = ("page", "iframe")  # not the browser's own UI (enabling Fetch there drops the connection)
ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}
START_TIMEOUT = 10.0


def devtools_address(capabilities: dict[str, Any], remote: bool) -> str:
    """The browser-level DevTools WebSocket: chromedriver's debuggerAddress, or a Grid's se:cdp."""
    if remote:
        address = capabilities.get("se:cdp")
        if not address:
            raise CollectionError("INTERNAL", "this provider uses http_auth, which answers the site's login prompt "
                                              "through the browser's DevTools protocol, and this Selenium Grid does "
                                              "not offer it (no se:cdp capability): run it with the local Chromium "
                                              "or a Grid that forwards CDP")
        return str(address)
    debugger = (capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
    if not debugger:
        raise CollectionError("INTERNAL", "Chromium gave no DevTools address: http_auth cannot answer the site's "
                                          "login prompt")
    with urllib.request.urlopen(f"http://{debugger}/json/version", timeout=START_TIMEOUT) as answer:
        return str(json.load(answer)["webSocketDebuggerUrl"])


class ChallengeAnswerer:
    """One DevTools connection for the run, answering on its own thread until closed."""

    def __init__(self, address: str, policy: HttpAuth):
        self.policy = policy
        self._socket = websocket.create_connection(address, timeout=START_TIMEOUT, suppress_origin=True)
        self._socket.settimeout(None)
        self._send_lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, threading.Event] = {}  # command id -> set when the browser answers it
        self._enabling: list[threading.Event] = []  # Fetch.enable of the pages open at the start
        self._answered: set[tuple[str | None, str]] = set()  # (session, request) given the credentials
        self._thread = threading.Thread(target=self._read, name="http-auth-devtools", daemon=True)
        self._thread.start()
        # The pages already open attach (and get Fetch.enable) before this answer comes: wait for
        # both, so that the run's first page is watched.
        attached = self._call("Target.setAutoAttach", ATTACH)
        if not (attached.wait(START_TIMEOUT) and all(done.wait(START_TIMEOUT) for done in self._enabling)):
            self.close()
            raise CollectionError("INTERNAL", "the browser's DevTools did not answer: http_auth cannot answer "
                                                  "the site's login prompt")

    def close(self) -> None:
        try:
            self._socket.close()
        finally:
            self._thread.join(5)

    def _call(self, method: str, params: dict[str, Any], session: str | None = None) -> threading.Event:
        """Send a command; the event is set when the browser has answered it."""
        done = threading.Event()
        with self._send_lock:
            self._next_id += 1
            message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            self._waiting[self._next_id] = done
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
            done = self._waiting.pop(message["id"], None)
            if done:
                done.set()
            return
        method, params, session = message.get("method"), message.get("params") or {}, message.get("sessionId")
        if method == "Target.attachedToTarget":
            self._watch(params)
        elif method == "Fetch.requestPaused":
            self._call("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
        elif method == "Fetch.authRequired":
            self._call("Fetch.continueWithAuth", {"requestId": params["requestId"],
                                                  "authChallengeResponse": self._response(session, params)}, session)

    def _watch(self, params: dict[str, Any]) -> None:
        """Fetch on in a new page or frame (its frames attach in turn), then let it run."""
        session = params["sessionId"]
        if params["targetInfo"]["type"] in WATCHED_TARGETS:
            self._enabling.append(self._call("Fetch.enable", {"handleAuthRequests": True,
                                                              "patterns": [{"urlPattern": "*"}]}, session))
            self._call("Target.setAutoAttach", ATTACH, session)
        if params.get("waitingForDebugger"):
            self._call("Runtime.runIfWaitingForDebugger", {}, session)

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
