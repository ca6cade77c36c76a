"""The hand-over: a portal's "not a robot" check solved by a person in the run's own window.

Real headed Chromium on an Xvfb screen; the person is played by real X input events (xdotool:
the pointer travels over the page, then clicks), never by the recipe's WebDriver. The portal
refuses a click that came without any pointer movement."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from backend.collectors.model import HandOver, RunRequest
from backend.collectors.run.browser import OFF_SCREEN
from backend.collectors.run.runner import browser_for
from tests.helpers import summary
from tests.portals import challenge
from tests.portals.challenge import Person
from tests.portals.common import load_recipe, run

pytestmark = pytest.mark.browser

CREDENTIALS = {"login": challenge.LOGIN, "password": challenge.PASSWORD}


def test_a_person_solves_the_check_in_the_window_and_the_run_goes_on(challenge_portal, on_screen, tmp_path,
                                                                    browser_config):
    person = Person(on_screen)
    result = run(load_recipe("challenge"), challenge_portal.url, tmp_path, browser_config, CREDENTIALS,
                 on_hand_over=person.on_hand_over)
    person.done()
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("FAC-H-001", None, "2024-03-05", None, "42.00", "EUR")]
    assert Path(result.invoices[0].pdf_path).read_bytes() == challenge.PDF
    assert person.told == [HandOver("Cliquez sur « Je ne suis pas un robot ».", "Click “I am not a robot”.", 120),
                           None]
    # The window was on the screen when the person was told, and the portal saw a real pointer.
    assert person.seen[0]["X"] >= 0 and person.seen[0]["Y"] >= 0
    assert challenge_portal.state.solved_with[0]["moves"] > 0
    assert challenge_portal.state.hits["login"] == 1


def test_a_scheduled_sync_opens_no_window_and_says_what_to_do(challenge_portal, on_screen, tmp_path, browser_config):
    result = run(load_recipe("challenge"), challenge_portal.url, tmp_path, browser_config, CREDENTIALS)
    assert result.outcome == "CAPTCHA"
    assert result.message.startswith("Click “I am not a robot”. This sync ran without you")
    assert "Résoudre maintenant" in result.message
    assert challenge_portal.state.solved_with == []


def test_without_a_display_the_hand_over_fails_at_once(challenge_portal, monkeypatch, tmp_path, browser_config):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    told: list = []
    result = run(load_recipe("challenge"), challenge_portal.url, tmp_path, browser_config, CREDENTIALS,
                 on_hand_over=told.append)
    assert result.outcome == "CAPTCHA"
    assert "DISPLAY is not set" in result.message
    assert told == []  # nobody was told to look at a window that cannot be shown


def test_a_person_who_does_not_finish_in_time_is_told_so(challenge_portal, on_screen, tmp_path, browser_config):
    provider = load_recipe("challenge")
    provider.steps = copy.deepcopy(provider.steps)
    hand_over = provider.steps[1]["login"]["steps"][3]["wait_for_any"][2]["then"][0]["hand_over"]
    hand_over["timeout"] = 2  # below what recipe check allows (10): set after loading, to keep the suite short
    hand_over["message_en"] = "Type {{ password }} again"  # a hostile recipe: the panel must not get it
    person = Person(on_screen, act=False)
    result = run(provider, challenge_portal.url, tmp_path, browser_config, CREDENTIALS,
                 on_hand_over=person.on_hand_over)
    person.done()
    assert result.outcome == "CAPTCHA"
    assert result.message.endswith("Nobody finished it in the window within 2 s.")
    assert [type(told) for told in person.told] == [HandOver, type(None)]
    assert person.told[0].message_en == "Type •••••• again"


def test_only_an_attended_sync_of_a_recipe_that_hands_over_gets_a_window(on_screen, tmp_path):
    hands_over, plain = load_recipe("challenge"), load_recipe("botd")
    attended = {"on_hand_over": print}
    shown = browser_for(RunRequest(hands_over, {}, tmp_path, **attended))
    assert (shown.headed, shown.hidden_window) == (True, True)
    assert browser_for(RunRequest(hands_over, {}, tmp_path)).headed is False  # scheduled
    assert browser_for(RunRequest(plain, {}, tmp_path, **attended)).headed is False  # nothing to hand over
    assert OFF_SCREEN < -10_000  # off every screen a desktop has
