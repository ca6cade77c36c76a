"""Every refusal of the pairing gate, as the panel shows it (both languages), and what each does
to the window: a wrong code costs one of its five attempts, the last one closes it, an expired
or used-up window is removed. Unit level: no server, no keyring (no refusal reaches it)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backend.server import pairing

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def refused(code: object, gate: pairing.PairingGate | None = None) -> pairing.PairingError:
    with pytest.raises(pairing.PairingError) as caught:
        (gate or pairing.PairingGate(clock=lambda: NOW)).redeem(code)
    return caught.value


def both(error: pairing.PairingError) -> tuple[int, str, str]:
    return error.status, str(error.message), error.message.fr


def wrong_for(code: str, n: int = 1) -> str:
    return f"{(int(code.replace('-', '')) + n) % 1_000_000:06d}"


def test_a_code_that_is_not_text_or_not_six_digits_is_refused_before_any_attempt(home):
    pairing.open_window(now=NOW)
    assert both(refused(123456)) == (
        400, "type the 6-digit code printed by `invoice-collector pair`, e.g. 123-456",
        "saisissez le code à 6 chiffres affiché par `invoice-collector pair`, par exemple 123-456")
    assert both(refused("12-3456")) == (
        400, "expected the 6 digits printed by `invoice-collector pair`, e.g. 123-456",
        "6 chiffres attendus, ceux affichés par `invoice-collector pair` (par exemple 123-456)")
    assert json.loads(pairing.pairing_file().read_text())["attempts"] == 0


def test_without_a_window_the_user_is_told_to_run_pair(home):
    assert both(refused("123-456")) == (
        403, "no pairing code is waiting: run `invoice-collector pair` and type the code it prints within 2 minutes",
        "aucun code d'association n'est en attente : lancez `invoice-collector pair` et saisissez le code affiché "
        "dans les 2 minutes")


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"salt": "x"}', '{"expires_at": "soon"}',
                                    '{"expires_at": 20261201}'])
def test_a_damaged_window_is_a_closed_one(home, damage):
    """Refused as no window or an expired one (403), never an error of the server."""
    pairing.pairing_file().write_text(damage, encoding="utf-8")
    assert refused("123-456").status == 403


def test_an_expired_code_is_refused_and_its_window_removed(home):
    code, expires = pairing.open_window(now=NOW - dt.timedelta(seconds=pairing.CODE_TTL_SECONDS))
    assert expires == NOW
    assert both(refused(code)) == (403, "this pairing code has expired: run `invoice-collector pair` again",
                                   "ce code d'association a expiré : lancez à nouveau `invoice-collector pair`")
    assert not pairing.pairing_file().exists()


def test_each_wrong_code_says_how_many_attempts_are_left_and_the_fifth_closes_the_window(home):
    code, _ = pairing.open_window(now=NOW)
    answers = [both(refused(wrong_for(code, n))) for n in range(1, 6)]
    assert answers[0] == (403, "wrong pairing code (4 attempts left)", "code d'association erroné (4 essais restants)")
    assert [a[1] for a in answers[1:4]] == [f"wrong pairing code ({n} attempt{'s' if n > 1 else ''} left)"
                                            for n in (3, 2, 1)]
    assert answers[3][2] == "code d'association erroné (1 essai restant)"
    assert answers[4] == (429, "wrong code, and no attempt left: run `invoice-collector pair` again",
                          "code erroné, et plus aucun essai : lancez à nouveau `invoice-collector pair`")
    assert not pairing.pairing_file().exists()
    assert refused(code).status == 403  # the right code no longer opens anything


def test_a_window_whose_attempts_are_used_up_refuses_even_the_right_code(home):
    """Attempts counted by another process (the CLI's window file is shared) count here too."""
    code, _ = pairing.open_window(now=NOW)
    window = json.loads(pairing.pairing_file().read_text())
    pairing.pairing_file().write_text(json.dumps(window | {"attempts": pairing.MAX_ATTEMPTS}), encoding="utf-8")
    assert both(refused(code)) == (
        429, "too many wrong codes: this code no longer works; run `invoice-collector pair` again",
        "trop de codes erronés : ce code ne fonctionne plus ; lancez à nouveau `invoice-collector pair`")
    assert not pairing.pairing_file().exists()


def test_every_attempt_is_written_before_the_code_is_compared(home):
    code, _ = pairing.open_window(now=NOW)
    refused(wrong_for(code))
    refused(wrong_for(code, 2))
    assert json.loads(pairing.pairing_file().read_text())["attempts"] == 2


def test_the_rate_rule_says_to_wait_a_minute(home, monkeypatch):
    monkeypatch.setattr(pairing.time, "monotonic", lambda: 1000.0)
    gate = pairing.PairingGate(clock=lambda: NOW)
    for _ in range(pairing.RATE_MAX_REQUESTS):
        refused("nope", gate)
    assert both(refused("nope", gate)) == (
        429, "too many pairing attempts: wait a minute, then run `invoice-collector pair` again",
        "trop de tentatives d'association : attendez une minute, puis lancez à nouveau `invoice-collector pair`")


def test_the_code_is_shown_in_two_groups_and_the_window_holds_only_its_hash(home):
    code, expires = pairing.open_window(now=NOW)
    assert len(code) == 7 and code[3] == "-" and (code[:3] + code[4:]).isdigit()
    window = json.loads(pairing.pairing_file().read_text())
    assert code.replace("-", "") not in json.dumps(window)
    assert (window["attempts"], window["max_attempts"], window["expires_at"]) == (
        0, pairing.MAX_ATTEMPTS, "2026-12-01T09:02:00Z")
    assert expires == NOW + dt.timedelta(minutes=2)
