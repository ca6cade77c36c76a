"""Shared pieces of the replica portals: accounts that lock, codes "sent" to a phone, PDFs, pages.

A replica reproduces one portal's public shape (login sequence, URL paths, JSON field names,
error signals) on one local port. A portal spread over several hosts keeps each host under its
own path prefix (/login.orange.fr/…, /espace-client.orange.fr/…), so every path stays exactly
as on the real site and the recipe's `urls:` are overridden with BASE + prefix.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, render_template_string

from tests.helpers import make_pdf

MAX_ATTEMPTS = 3


class Accounts:
    """Logins a portal knows. Too many wrong passwords lock the account, as on the real sites."""

    def __init__(self, users: dict[str, dict[str, Any]], max_attempts: int = MAX_ATTEMPTS):
        self.users = users
        self.max_attempts = max_attempts
        self.failures: Counter[str] = Counter()
        self.locked: set[str] = set()
        self._lock = threading.Lock()

    def check(self, login: str, password: str, **extra: str) -> str:
        """'ok', 'wrong' (a bad password or an unknown login) or 'locked'."""
        with self._lock:
            if login in self.locked:
                return "locked"
            user = self.users.get(login)
            if user and user["password"] == password and \
                    all(str(user.get(k, "")).lower() == str(v).strip().lower() for k, v in extra.items()):
                self.failures[login] = 0
                return "ok"
            self.failures[login] += 1
            if user and self.failures[login] >= self.max_attempts:
                self.locked.add(login)
                return "locked"
            return "wrong"

    def remaining(self, login: str) -> int:
        with self._lock:
            return max(0, self.max_attempts - self.failures[login])

    def lock(self, login: str) -> None:
        with self._lock:
            self.locked.add(login)


class Codes:
    """One-time codes "sent by SMS or e-mail": the test reads them as a user reads their phone."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, login: str) -> str:
        with self._lock:
            self.sent[login] = f"{secrets.randbelow(10**6):06d}"
            return self.sent[login]

    def check(self, login: str, code: str) -> bool:
        with self._lock:
            return bool(code) and self.sent.get(login) == code.strip()


@dataclass
class Replica:
    """A running replica: its Flask app, the prefix of each host, what it counted."""
    app: Flask
    hosts: dict[str, dict[str, str]]  # provider id -> {recipe url name: path prefix}
    accounts: Accounts
    codes: Codes = field(default_factory=Codes)
    hits: Counter = field(default_factory=Counter)
    seen: dict[str, list] = field(default_factory=dict)  # what the portal received, for assertions
    maintenance: bool = False
    base: str = ""

    def overrides(self, provider_id: str) -> dict[str, str]:
        """url_overrides for a run: every host of the recipe, pointed at this replica."""
        return {name: self.base + prefix for name, prefix in self.hosts[provider_id].items()}


@functools.cache
def pdf(label: str) -> bytes:
    """The PDF a replica serves for an invoice (distinct bytes per invoice)."""
    return make_pdf(label)


def pdf_response(data: bytes, name: str = "facture.pdf") -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


SHELL = """<!doctype html><html lang="fr"><head><meta charset="{{ charset }}"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em} .hidden{display:none}</style></head>
<body>{{ body | safe }}</body></html>"""


def page(title: str, body: str, charset: str = "utf-8", status: int = 200, **values: Any) -> Response:
    """An HTML page: `body` is a Jinja template rendered with `values`."""
    html = render_template_string(SHELL, title=title, charset=charset,
                                  body=render_template_string(body, **values))
    return Response(html.encode(charset, "xmlcharrefreplace"), status=status,
                    content_type=f"text/html; charset={charset}")


def new_app(name: str) -> Flask:
    app = Flask(name)
    app.secret_key = secrets.token_hex(16)
    return app


# Orange's header since 2024-02: a web component whose log-out link sits in its open shadow root.
ELCOS_HEADER = """<elcos-header></elcos-header>
<script>
customElements.define('elcos-header', class extends HTMLElement {
  connectedCallback() {
    this.attachShadow({mode: 'open'}).innerHTML =
      '<nav><span>Bonjour</span> <a class="elcos-logout" href="/deconnexion">Me déconnecter</a></nav>';
  }
});
</script>"""

# A "not a robot" check only a person passes: a click on the whole-window button (isTrusted) after
# the pointer moved over the page (a script's click comes with no mousemove). Goes inside a <form>;
# the form's fields `moves` and `trusted` say what the page saw.
HUMAN_CHECK = """<input type="hidden" name="moves" value="0"><input type="hidden" name="trusted" value="0">
<button type="submit" class="human-check"
  style="position:fixed;inset:0;width:100%;height:100%;font-size:40px;z-index:5">Je ne suis pas un robot</button>
<script>
(() => {
  const button = document.currentScript.previousElementSibling, form = button.form;
  let moves = 0;
  document.addEventListener('mousemove', () => { form.elements.moves.value = ++moves; });
  button.addEventListener('click', (event) => { form.elements.trusted.value = event.isTrusted ? '1' : '0'; });
})();
</script>"""


def passed_human_check(form: Any) -> bool:
    """What the check's form sent says a person clicked (the pointer moved, a trusted click)."""
    return int(form.get("moves") or 0) > 0 and form.get("trusted") == "1"
