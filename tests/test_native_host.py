"""The native messaging host as Chrome runs it: a real subprocess, 4-byte native-order length + JSON
both ways, the caller's origin as first argument; pairing through the real server and keyring."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from backend import config
from backend.native_host import host
from backend.native_host.framing import MAX_INCOMING, FramingError, read_message, write_message
from backend.server.probe import probe, stop_server
from tests.helpers import free_port
from tests.serve import ServeProcess
from tests.test_extension_support import EXTENSION_ID

ORIGIN = f"chrome-extension://{EXTENSION_ID}/"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"


def frame(message) -> bytes:
    body = json.dumps(message).encode()
    return struct.pack("=I", len(body)) + body


def frames(data: bytes) -> list:
    stream, found = io.BytesIO(data), []
    while (message := read_message(stream)) is not None:
        found.append(message)
    return found


def run_host(*messages, origin: str = ORIGIN, raw: bytes | None = None, timeout: float = 60):
    """`python -m backend.native_host ORIGIN` fed these messages; (exit code, answers, stderr)."""
    data = raw if raw is not None else b"".join(frame(m) for m in messages)
    result = subprocess.run([sys.executable, "-m", "backend.native_host", origin], input=data,
                            capture_output=True, timeout=timeout, env=dict(os.environ))
    return result.returncode, frames(result.stdout), result.stderr.decode(errors="replace")


@pytest.fixture
def port(home) -> int:
    value = free_port()
    config.save(config.Settings(port=value))
    return value


# ---- framing, in-process ---------------------------------------------------------------------
def test_framing_round_trip_and_damaged_input():
    stream = io.BytesIO()
    write_message(stream, {"type": "hello", "name": "Bureau é"})
    assert stream.getvalue()[:4] == struct.pack("=I", len(stream.getvalue()) - 4)
    assert frames(stream.getvalue()) == [{"type": "hello", "name": "Bureau é"}]
    for damaged, why in ((b"\x05\x00", "inside a message"), (struct.pack("=I", 10) + b"{}", "inside a message"),
                         (struct.pack("=I", 10), "before the message"), (struct.pack("=I", MAX_INCOMING + 1), "at most"),
                         (struct.pack("=I", 3) + b"\xff\xfe\xfd", "not UTF-8 JSON")):
        with pytest.raises(FramingError, match=why):
            read_message(io.BytesIO(damaged))


def test_rate_limit_is_shared_and_slides(home):
    for second in range(5):
        host.take_turn("pair", now=1000.0 + second)
    with pytest.raises(host.HostError) as refused:
        host.take_turn("pair", now=1010.0)
    assert refused.value.code == "too_many_requests" and "attendez 10 minutes" in refused.value.message.fr
    host.take_turn("start", now=1010.0)  # another action has its own allowance
    host.take_turn("pair", now=1000.0 + 601)  # the oldest left the window


# ---- the real process --------------------------------------------------------------------------
def test_hello_answers_in_frames_and_says_the_server_is_not_running(port, home):
    code, answers, stderr = run_host({"type": "hello"}, {"type": "dance"}, {"type": "hello"})
    assert code == 0, stderr
    assert answers[0] == {"app": "invoice-collector", "version": answers[0]["version"], "port": port, "running": False}
    assert answers[1]["error"]["code"] == "unknown_type"
    assert set(answers[1]["error"]) == {"code", "message_en", "message_fr"}
    assert answers[2] == answers[0]  # an error does not end the conversation
    assert "hello" not in stderr
    assert (home / "logs" / host.LOG_FILE).is_file()


def test_a_caller_that_is_not_our_extension_is_refused(port, home):
    code, answers, _ = run_host({"type": "pair"}, origin="chrome-extension://abcdefghijklmnopabcdefghijklmnop/")
    assert code == 2
    assert [a["error"]["code"] for a in answers] == ["wrong_origin"]
    assert "Collecte de factures" in answers[0]["error"]["message_fr"]
    code, answers, _ = run_host({"type": "hello"}, origin="")
    assert code == 2 and answers[0]["error"]["code"] == "wrong_origin"


def test_a_damaged_or_oversized_message_ends_the_conversation(port, home):
    code, answers, _ = run_host(raw=struct.pack("=I", MAX_INCOMING + 1) + b"{}")
    assert code == 1 and answers[0]["error"]["code"] == "bad_message"
    code, answers, _ = run_host(raw=frame({"type": "hello"}) + struct.pack("=I", 4) + b"nope")
    assert code == 1 and answers[0]["port"] == port and answers[1]["error"]["code"] == "bad_message"
    code, answers, _ = run_host({"type": "pair", "name": "x" * 61})
    assert answers[0]["error"]["code"] == "bad_message"


@pytest.mark.keyring
def test_pair_gives_a_working_token_from_the_running_server(home, tmp_path):
    with ServeProcess(home) as server:
        server.configure(port=server.port)
        server.start()
        code, answers, stderr = run_host({"type": "hello"}, {"type": "pair", "user_agent": BROWSER_UA})
        assert code == 0, stderr
        assert answers[0]["running"] is True and answers[0]["port"] == server.port
        token = answers[1]["token"]
        assert answers[1]["port"] == server.port
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "fr"}
        listed = requests.get(f"{server.base}/api/pairings", headers=headers, timeout=10)
        assert listed.status_code == 200
        assert [(p["name"], p["current"]) for p in listed.json()["pairings"]] == [("Chrome sur Linux", True)]
        # A second browser pairs too, with its own token; the first one still works.
        _, second, _ = run_host({"type": "pair", "name": "Poste de Julie"})
        assert second[0]["token"] != token
        assert requests.get(f"{server.base}/api/accounts", headers=headers, timeout=10).status_code == 200
        assert not (home / "data" / "pairing.json").exists()  # the window it opened is closed
    logged = (home / "logs" / host.LOG_FILE).read_text()
    assert "paired a browser" in logged and token not in logged and second[0]["token"] not in logged


@pytest.mark.keyring
def test_pair_starts_the_server_first_when_it_is_not_running(port, home):
    assert not probe(port, timeout=1).answering
    try:
        code, answers, stderr = run_host({"type": "pair", "user_agent": BROWSER_UA})
        assert code == 0, stderr
        assert answers[0]["port"] == port, answers
        token = answers[0]["token"]
        # Started as the login entry starts it: detached (it outlives the host), logging to the home's folder.
        assert probe(port, timeout=2).answering
        accounts = requests.get(f"http://127.0.0.1:{port}/api/accounts", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
        assert accounts.status_code == 200
        assert f"listening on http://127.0.0.1:{port}" in (home / "logs" / "server-output.log").read_text()
        code, answers, _ = run_host({"type": "start"}, {"type": "hello"})
        assert answers == [{"port": port, "running": True}, answers[1]] and answers[1]["running"] is True
    finally:
        stop_server(port)
    assert not probe(port, timeout=1).answering


def test_the_extension_and_the_host_agree_on_the_name():
    from backend.autostart.browser_hosts import HOST_NAME
    native_js = (Path(__file__).resolve().parent.parent / "extension" / "js" / "native.js").read_text()
    assert f"export const HOST_NAME = '{HOST_NAME}';" in native_js
    manifest = json.loads((Path(__file__).resolve().parent.parent / "extension" / "manifest.json").read_text())
    assert "nativeMessaging" in manifest["permissions"]
