"""A portal that puts a "not a robot" check between the login and the account, as DataDome-
and reCAPTCHA-protected portals do: only a person's click in the browser window gets through.

The check asks for a click *and* for the pointer to have moved over the page first (a
human's mouse travels; a script's click lands without a single mousemove), so the recipe's
own WebDriver could not pass it with a plain element click even if it tried."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, redirect, render_template_string, request, session

from backend.collectors.model import HandOver
from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "client@example.com"
PASSWORD = "Ch4llenge-Pw!"
TITLE = "Vérification anti-robot"
PDF = make_pdf("challenge FAC-H-001")


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    solved_with: list[dict] = field(default_factory=list)  # what each accepted check saw


LAYOUT = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="margin:0">{{ body|safe }}</body></html>"""

LOGIN_PAGE = """<form id="login" method="post" action="/login">
  <input id="email" name="email"><input id="password" name="password" type="password">
  <button type="submit">Se connecter</button></form>"""

CHALLENGE_PAGE = """<form id="check" method="post" action="/challenge">
<input type="hidden" name="moves" id="moves" value="0"><input type="hidden" name="trusted" id="trusted">
<button id="robot" type="submit" style="position:fixed; inset:0; width:100%; height:100%; font-size:40px">
Je ne suis pas un robot</button></form>
<script>
  let moves = 0;
  document.addEventListener("mousemove", () => { document.getElementById("moves").value = ++moves; });
  document.getElementById("robot").addEventListener("click", (event) => {
    document.getElementById("trusted").value = event.isTrusted ? "1" : "0";
  });
</script>"""

ACCOUNT_PAGE = """<a class="logout" href="/logout">Se déconnecter</a>
<table id="factures"><tbody><tr><td class="numero">FAC-H-001</td><td class="date">05/03/2024</td>
<td class="montant">42,00 €</td><td><a class="pdf" href="/factures/FAC-H-001.pdf">PDF</a></td></tr></tbody></table>"""


def page(title: str, body: str) -> str:
    return render_template_string(LAYOUT, title=title, body=body)


def create_app(state: State) -> Flask:
    app = Flask("challenge_portal")
    app.secret_key = "challenge-portal"

    @app.get("/login")
    def login_form():
        if session.get("user"):
            return redirect("/factures")
        return page("Connexion", LOGIN_PAGE)

    @app.post("/login")
    def login():
        state.hits.add("login")
        if (request.form.get("email"), request.form.get("password")) != (LOGIN, PASSWORD):
            return page("Connexion", '<p class="error">Identifiant ou mot de passe incorrect.</p>' + LOGIN_PAGE)
        session["checked_for"] = LOGIN
        return redirect("/challenge")

    @app.get("/challenge")
    def challenge():
        return page(TITLE, CHALLENGE_PAGE)

    @app.post("/challenge")
    def solve():
        seen = {"moves": int(request.form.get("moves") or 0), "trusted": request.form.get("trusted") == "1"}
        if not session.get("checked_for") or seen["moves"] == 0 or not seen["trusted"]:
            return page(TITLE, "<p>Vérification échouée, recommencez.</p>" + CHALLENGE_PAGE)
        state.solved_with.append(seen)
        session["user"] = session.pop("checked_for")
        return redirect("/factures")

    @app.get("/factures")
    def invoices():
        if not session.get("user"):
            return redirect("/login")
        return page("Mes factures", ACCOUNT_PAGE)

    @app.get("/factures/FAC-H-001.pdf")
    def pdf():
        state.hits.add("pdf")
        return Response(PDF, mimetype="application/pdf")

    return app


# ---- the person, played with real X input events -------------------------------------------------
def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def window_geometry(display: str, title: str = TITLE) -> dict[str, int]:
    """Where the X window whose title starts with `title` is (xdotool waits until it is mapped)."""
    window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", f"^{title}").split()[0]
    shell = xdotool(display, "getwindowgeometry", "--shell", window)
    return {k: int(v) for k, v in (line.split("=") for line in shell.split()) if k != "SCREEN"}


def solve_in_window(display: str) -> dict[str, int]:
    """What a person does: the pointer travels to the middle of the check's window, then clicks.
    Returns where the window was."""
    where = window_geometry(display)
    middle_x, middle_y = where["X"] + where["WIDTH"] // 2, where["Y"] + where["HEIGHT"] // 2
    xdotool(display, "mousemove", "--sync", str(middle_x - 60), str(middle_y - 40))
    xdotool(display, "mousemove", "--sync", str(middle_x), str(middle_y))
    xdotool(display, "click", "1")
    return where


class Person:
    """Waits to be told (the run's on_hand_over), then clicks the check in the shown window."""

    def __init__(self, display: str, act: bool = True):
        self.display, self.act = display, act
        self.told: list[HandOver | None] = []
        self.seen: list[dict[str, int]] = []
        self._calls: queue.Queue[HandOver | None] = queue.Queue()
        self._thread = threading.Thread(target=self._attend, daemon=True)
        self._thread.start()

    def on_hand_over(self, hand_over: HandOver | None) -> None:
        self.told.append(hand_over)
        self._calls.put(hand_over)

    def _attend(self) -> None:
        if self._calls.get(timeout=120) is None or not self.act:
            return
        self.seen.append(solve_in_window(self.display))

    def done(self) -> None:
        self._thread.join(30)
