"""HTTP authentication (the browser's own login prompt, basic or digest) for a provider's `http_auth:`.

One policy for the browser (run/devtools.py answers Chromium's challenges) and for the requests
session (fetch_json, fetch_api, `download: session`): the username and password answer a 401
challenge only from an approved origin (the provider's, narrowed by `http_auth.origins`), never
ahead of one (so a redirect elsewhere carries nothing), and a 401 after they were sent is the
site refusing the login: LOGIN_FAILED, never retried, so the account does not get locked."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from requests.utils import parse_dict_header

from backend.collectors.model import CollectionError
from backend.collectors.run.origins import OriginGate, origin_of


class HttpAuth:
    """The run's HTTP credentials and where they may go; remembers a refused login (the browser
    learns it on its DevTools thread, the run raises it between steps)."""

    def __init__(self, username: str, password: str, gate: OriginGate, origins: list[str],
                 note: Callable[[str], None]):
        self.username, self.password = username, password
        self.gate = gate
        self.origins = sorted(set(origins))
        self.note = note
        self.refusal: str | None = None
        self._lock = threading.Lock()

    def allows(self, url: str) -> bool:
        """An approved origin of the provider and one `http_auth.origins` names (URL or origin)."""
        origin = origin_of(url)
        return (origin is not None and self.gate.allows(origin)
                and any(fnmatch.fnmatchcase(origin, pattern) for pattern in self.origins))

    def refused(self, url: str) -> None:
        with self._lock:
            if self.refusal is None:
                self.refusal = (f"the site refused the login: {origin_of(url) or url} answered HTTP 401 again "
                                "after the username and password were sent (http_auth)")
        self.note(self.refusal)

    def declined(self, url: str) -> None:
        self.note(f"HTTP authentication asked by {origin_of(url) or 'a non-web address'}: not answered, it is not "
                  f"one of the origins approved for the credentials ({', '.join(self.origins)})")

    def raise_if_refused(self) -> None:
        if self.refusal:
            raise CollectionError("LOGIN_FAILED", self.refusal)


def challenge_scheme(header: str) -> str | None:
    """'digest' or 'basic' from a WWW-Authenticate header (digest when both are offered: the
    password itself never travels), None for another scheme (Bearer, NTLM…)."""
    lowered = header.lower()
    if "digest " in lowered or lowered.strip() == "digest":
        return "digest"
    return "basic" if "basic" in lowered else None


def _digest_params(header: str) -> dict[str, str]:
    """The parameters of the Digest challenge in a WWW-Authenticate header."""
    start = header.lower().index("digest")
    return parse_dict_header(header[start + len("digest"):].split(", basic", 1)[0].strip())


class ChallengeAuth(AuthBase):
    """requests' side of HttpAuth. Nothing is sent before an approved origin asks; then
    HTTPBasicAuth or HTTPDigestAuth, as its challenge says, for it and its later requests. Not
    requests' own HTTPDigestAuth flow: its hook follows redirects and would answer another
    origin's challenge."""

    def __init__(self, policy: HttpAuth):
        self.policy = policy
        self.learned: dict[str, AuthBase] = {}  # origin -> the auth its challenge asked for
        self.sent: set[str] = set()  # Authorization values we made: a 401 to one of them is a refusal

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        origin = origin_of(request.url or "")
        if origin in self.learned and self.policy.allows(origin):
            self._authorize(request, self.learned[origin])
        request.register_hook("response", self.handle_401)
        return request

    def _authorize(self, request: requests.PreparedRequest, auth: AuthBase) -> None:
        if isinstance(auth, HTTPDigestAuth):
            request.headers["Authorization"] = auth.build_digest_header(request.method, request.url)
        else:
            auth(request)
        self.sent.add(request.headers["Authorization"])

    def handle_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401:
            return response
        url = response.request.url or ""
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme = challenge_scheme(challenge)
        if scheme is None:
            return response  # not ours to answer: the caller maps the 401
        if not self.policy.allows(url):
            self.policy.declined(url)
            return response
        if response.request.headers.get("Authorization") in self.sent and not _stale(challenge):
            self._refuse(response, url)
        answer = self._answer(response, scheme, challenge, kwargs)
        if answer.status_code == 401 and _stale(answer.headers.get("WWW-Authenticate", "")):
            answer = self._answer(answer, "digest", answer.headers["WWW-Authenticate"], kwargs)  # a new nonce, once
        if answer.status_code == 401:
            self._refuse(answer, url)
        return answer

    def _answer(self, response: requests.Response, scheme: str, challenge: str,
                kwargs: dict[str, Any]) -> requests.Response:
        """Send the request again with the credentials its challenge asks for."""
        origin = origin_of(response.request.url or "") or ""
        if scheme == "digest":
            digest = HTTPDigestAuth(self.policy.username, self.policy.password)
            digest.init_per_thread_state()
            # requests builds the answer from the challenge it keeps here (as its own handle_401 does)
            digest._thread_local.chal = _digest_params(challenge)  # type: ignore[attr-defined]
            self.learned[origin] = digest
        else:
            self.learned[origin] = HTTPBasicAuth(self.policy.username, self.policy.password)
        response.content  # noqa: B018 — read and release the connection before sending again
        response.close()
        retry = response.request.copy()
        self._authorize(retry, self.learned[origin])
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer

    def _refuse(self, response: requests.Response, url: str) -> None:
        response.close()
        self.policy.refused(url)
        self.policy.raise_if_refused()


def _stale(challenge: str) -> bool:
    """A digest challenge saying only the nonce expired (RFC 7616 stale=true): answer it again."""
    return challenge_scheme(challenge) == "digest" and _digest_params(challenge).get("stale", "").lower() == "true"
