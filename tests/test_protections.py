"""The slips that matter in the code that protects users, each caught by a test (issue 16).

Masking in every spelling, the pairing code's expiry and rate rule, the delivery's retry schedule
with a frozen clock, the outcomes never retried on their own, the recipe loader's limits. Each test
here failed on the slip it names when it was applied by hand; bench/mutation.py measures the rest."""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import urllib.parse
from pathlib import Path

import pytest

from backend import errors
from backend.collectors.language import yamlpos
from backend.collectors.language.catalog import load_file
from backend.collectors.model import CredentialField, Provider, RunRequest, Terms
from backend.collectors.run.context import Context
from backend.collectors.steps.api import store_url
from backend.core import paired_browsers
from backend.core.store import Store
from backend.delivery import outbox, settings, smtp
from backend.delivery.worker import DeliveryWorker
from backend.redact import MASK, mask_logs, redact, remember
from backend.server import pairing
from tests.test_delivery_support import add_account, add_invoice, delivery
from tests.test_validator import HEADER

SECRET = "p&ss/w0rd"  # an ampersand and a slash: the characters pages and URLs spell differently


# ---- masking -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["p&#38;ss/w0rd", "p&#x26;ss/w0rd", "p&#X26;ss&#47;w0rd", "p&#0038;ss/w0rd",
                                      "p%26ss%2Fw0rd", "p&amp;ss&#x2F;w0rd"])
def test_a_secret_is_masked_in_numeric_entities_and_with_its_slash_url_encoded(spelling):
    shown = redact(f"error page: <input value='{spelling}'>", [SECRET])
    assert shown == f"error page: <input value='{MASK}'>"


def test_the_longest_secret_is_masked_first_so_no_tail_is_left():
    # The one-time code is the start of the password: masking it first would leave "w0rd" shown.
    assert redact("typed 1234w0rd then 1234", ["1234", "1234w0rd"]) == f"typed {MASK} then {MASK}"
    assert redact("typed 1234w0rd", ["1234w0rd", "1234"]) == f"typed {MASK}"


def test_a_secret_inside_another_leaves_no_tail_whatever_their_order():
    assert redact("typed 1234w0rd", ["w0rd", "1234w0rd"]) == f"typed {MASK}"  # not a prefix: length decides


@pytest.mark.parametrize("spelling", [urllib.parse.quote('a b/"é', safe=""), urllib.parse.quote_plus('a b/"é', safe=""),
                                      json.dumps('a b/"é')[1:-1], json.dumps('a b/"é', ensure_ascii=False)[1:-1]])
def test_url_and_json_spellings_of_a_secret_with_a_space_a_quote_and_an_accent(spelling):
    assert redact(f"<{spelling}>", ['a b/"é']) == f"<{MASK}>"


def test_one_and_two_character_secrets_and_their_character_lists():
    assert redact("pin 'x' ['4', '2'] 42", ["x"]) == f"pin '{MASK}' ['4', '2'] 42"
    assert redact("send_keys ['4', '2'] then 42", ["42"]) == f"send_keys [{MASK}] then {MASK}"


def test_the_log_filter_masks_what_the_process_handled_and_is_added_once():
    logger = logging.getLogger("test-protections-mask")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        mask_logs(logger)
        mask_logs(logger)
        assert len(handler.filters) == 1
        remember("s3cr3t-handled")
        logger.warning("payload %s", {"text": ["s3cr3t-handled"]})
        assert records == [f"payload {{'text': ['{MASK}']}}"]
    finally:
        logger.removeHandler(handler)


def provider_with(*fields: CredentialField) -> Provider:
    return Provider(id="p", name="P", homepage="https://p.test", category="autre",
                    terms=Terms(version="1", text="t"), credentials=list(fields), steps=[])


class UrlDriver:
    current_url = "https://p.test/#access_token=tok%2Fen-1&state=x"


def test_every_secret_field_type_and_every_added_secret_is_masked(tmp_path):
    fields = (CredentialField("login", "Identifiant", "Login"),
              CredentialField("pin", "Code", "PIN", type="password"),
              CredentialField("totp_secret", "Clé TOTP", "TOTP key", type="totp_secret"))
    assert [f.secret for f in fields] == [False, True, True]
    ctx = Context(RunRequest(provider_with(*fields), {"login": "alice", "pin": "4321", "totp_secret": "JBSWY3DP"},
                             tmp_path), UrlDriver(), None)
    ctx.add_secret("998877")  # a one-time code the user typed
    store_url(ctx, save_as="token", regex="access_token=([^&]+)", secret=True)
    assert ctx.vars["token"] == "tok/en-1"
    shown = ctx.redact("login alice, pin 4321, key JBSWY3DP, code 998877, token tok%2Fen-1")
    assert shown == f"login alice, pin {MASK}, key {MASK}, code {MASK}, token {MASK}"
    store_url(ctx, save_as="state", regex="state=([^&]+)")  # not a secret: shown
    assert ctx.redact("state x") == "state x"


# ---- pairing ---------------------------------------------------------------------------------------------
def test_a_pairing_code_is_refused_at_exactly_its_expiry_instant(home):
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
    code, expires = pairing.open_window(now=now)
    assert expires == now + dt.timedelta(seconds=pairing.CODE_TTL_SECONDS)
    wrong = f"{(int(code.replace('-', '')) + 1) % 1_000_000:06d}"
    with pytest.raises(pairing.PairingError) as before:
        pairing.PairingGate(clock=lambda: expires - dt.timedelta(seconds=1)).redeem(wrong)
    assert "wrong pairing code (4 attempts left)" in before.value.message  # still open one second before
    with pytest.raises(pairing.PairingError) as at_expiry:
        pairing.PairingGate(clock=lambda: expires).redeem(code)
    assert at_expiry.value.status == 403 and "expired" in at_expiry.value.message
    assert not pairing.pairing_file().exists()


def test_the_eleventh_pairing_request_in_a_minute_is_refused_by_the_rate_rule(home, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(pairing.time, "monotonic", lambda: clock[0])
    gate = pairing.PairingGate()
    for _ in range(pairing.RATE_MAX_REQUESTS):  # malformed codes: 400 each, but every call counts
        with pytest.raises(pairing.PairingError) as refused:
            gate.redeem("nope")
        assert refused.value.status == 400
    clock[0] += pairing.RATE_WINDOW_SECONDS  # still inside the window (the first call is exactly 60 s old)
    with pytest.raises(pairing.PairingError) as eleventh:
        gate.redeem("nope")
    assert eleventh.value.status == 429 and "too many pairing attempts" in eleventh.value.message
    clock[0] += 0.5  # the first ten are now older than the window
    with pytest.raises(pairing.PairingError) as later:
        gate.redeem("nope")
    assert later.value.status == 400


def digest_comparisons(module) -> tuple[int, list[str]]:
    """The module's hmac.compare_digest calls, and its == / != comparisons that involve a digest or a code.
    Read from the file, not from the function objects: the test holds under mutmut's trampolines too."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "hmac.compare_digest"]
    equal = [ast.unparse(n) for n in ast.walk(tree)
             if isinstance(n, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in n.ops)
             and any(word in ast.unparse(n) for word in ("digest", "stored", "code_hash", "token"))]
    return len(calls), equal


def test_tokens_and_pairing_codes_are_compared_in_constant_time():
    for module in (paired_browsers, pairing):
        calls, equal = digest_comparisons(module)
        assert calls >= 1 and equal == [], (module.__name__, equal)


# ---- delivery with a frozen clock ------------------------------------------------------------------------
def test_a_retrying_delivery_waits_for_its_time_and_gives_up_after_ten_attempts(home, monkeypatch):
    store = Store()
    settings.save_libeo(store, settings.merge_libeo(settings.LibeoSettings(), {
        "enabled": True, "inbox": "acme@box.libeo.io", "sender": "jeanne@acme.fr", "smtp_host": "localhost",
        "smtp_port": 2525, "smtp_security": "starttls", "smtp_username": "jeanne"}))
    clock = [dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)]
    monkeypatch.setattr(outbox, "utcnow", lambda: clock[0])
    monkeypatch.setattr("backend.delivery.worker.utcnow", lambda: clock[0])
    monkeypatch.setattr("backend.delivery.sender.get_password", lambda: "smtp-pw")
    connections = []

    def refuse(*args, **kwargs):
        connections.append(clock[0])
        raise smtp.SmtpFailure("421 try again later", permanent=False, stage="connect")

    monkeypatch.setattr(smtp, "connect", refuse)
    invoice = add_invoice(store, add_account(store), "k1", b"%PDF-1.4 frozen clock")
    worker = DeliveryWorker(store, provider_name=lambda pid: pid)  # the real backoff: 1 min, 2, 4…
    worker.run_once()
    assert len(connections) == 1
    delays = []
    for attempt in range(1, 10):
        row = delivery(store, invoice)
        assert row["status"] == "retrying" and row["attempts"] == attempt
        due = outbox.parse(row["next_attempt_at"])
        delays.append((due - clock[0]).total_seconds())
        clock[0] = due - dt.timedelta(seconds=1)
        worker.run_once()
        assert len(connections) == attempt, "an SMTP connection before the retry was due"
        clock[0] = due
        worker.run_once()
        assert len(connections) == attempt + 1, "no SMTP connection once the retry was due"
    assert delays[:3] == [60.0, 120.0, 240.0]
    row = delivery(store, invoice)
    assert row["status"] == "failed" and row["attempts"] == 10
    assert row["last_error"].startswith("gave up after 10 attempts: 421 try again later")
    clock[0] += dt.timedelta(days=30)
    worker.run_once()
    assert len(connections) == 10


# ---- never retried on its own ----------------------------------------------------------------------------
NEVER_RETRIED = {"LOGIN_FAILED", "ACTION_NEEDED", "OTP_REQUIRED", "OTP_WRONG", "CAPTCHA", "RECIPE_UNSAFE",
                 "RECIPE_CHANGED"}


def test_the_outcomes_never_retried_on_their_own_are_exactly_these():
    assert {name for name, code in errors.CODES.items() if not code.auto_retry} == NEVER_RETRIED
    for name in NEVER_RETRIED:
        assert not errors.CODES[name].backoff, name


# ---- recipe loader limits --------------------------------------------------------------------------------
def test_the_size_limit_counts_bytes_not_characters():
    text = "# " + "é" * (yamlpos.MAX_BYTES // 2 + 10) + "\nproviders: []\n"  # fewer characters than the limit
    assert len(text) < yamlpos.MAX_BYTES < len(text.encode("utf-8"))
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load(text, "big.yaml")
    assert str(refused.value) == "big.yaml:1:1: the file is larger than 2 MB"


def test_an_alias_that_nests_too_deep_is_refused_with_its_own_message():
    deep = "[" * 40 + "1" + "]" * 40
    text = f"a: &a {deep}\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load(text, "deep.yaml")
    assert str(refused.value) == "deep.yaml:2:34: alias *a nests values deeper than 64 levels"


def test_invoices_with_both_items_and_from_is_refused(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(HEADER + '      - fetch_json: {url: "{{ urls.portal }}/api", save_as: bills}\n'
                    "      - invoices:\n          items: tr\n          from: bills.items\n"
                    "          fields:\n            id: {css: td}\n", encoding="utf-8")
    providers, found = load_file(path)
    assert providers == []
    assert [e.message for e in found if "exactly one of `items`" in e.message], [str(e) for e in found]

