"""Static checks of the extension: manifest, messages in both locales, no hard-coded text."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parent.parent / "extension"
EXTENSION_ID = "jkchianpjnkiakaaelbicibbfbgdngeg"
LOCALES = ("fr", "en")
JS_FILES = sorted(EXTENSION.glob("js/**/*.js")) + [EXTENSION / "service-worker.js"]
HTML_FILES = sorted(EXTENSION.glob("*.html"))
TEXT_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# Text that is the same in every language: the product's commands, a number format.
UNTRANSLATED = {"invoice-collector pair",
                # A recorded recipe's own labels, written in both languages into its file (recorder/draft.js).
                "  - {name: login, label_fr: Identifiant, label_en: Login}",
                "  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}",
                "Code reçu par SMS ou e-mail"}
# Title-case words that are code, not labels: key names, plural-form suffixes, an HTTP scheme.
CODE_WORDS = {"End", "Escape", "Home", "Tab", "One", "Other", "Bearer"}


def messages(lang: str) -> dict:
    return json.loads((EXTENSION / "_locales" / lang / "messages.json").read_text(encoding="utf-8"))


def manifest() -> dict:
    return json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))


def strip_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"(^|[^:'\"`\\])//[^\n]*", r"\1", source)


def string_literals(source: str) -> list[str]:
    """Every '…', "…" and `…` literal of a JS file (template parts ${…} removed)."""
    found = []
    for match in re.finditer(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"|`((?:[^`\\]|\\.)*)`", source):
        text = next(group for group in match.groups() if group is not None)
        found.append(re.sub(r"\$\{[^}]*\}", " ", text))
    return found


def keys_used_in_js() -> set[str]:
    used = set()
    for path in JS_FILES:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\b(?:t|getMessage)\(\s*'([A-Za-z0-9_]+)'", source))
        for key in re.findall(r"\btp\(\s*'([A-Za-z0-9_]+)'", source):
            used |= {f"{key}One", f"{key}Other"}
    return used


class I18nAudit(HTMLParser):
    """Collects message keys and any visible text that does not come from a message."""

    VOID = {"meta", "link", "img", "input", "br", "hr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.stack: list[dict] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attributes.items():
            if name.startswith("data-i18n"):
                self.keys.add(value)
        for name in TEXT_ATTRIBUTES:
            value = attributes.get(name)
            if value and f"data-i18n-{name}" not in attributes:
                self.problems.append(f"<{tag} {name}={value!r}> is not translated")
        if tag not in self.VOID:
            self.stack.append(attributes)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not (self.stack and "data-i18n" in self.stack[-1]):
            self.problems.append(f"hard-coded text {data.strip()!r}")


def audit_html(path: Path) -> I18nAudit:
    audit = I18nAudit()
    audit.feed(path.read_text(encoding="utf-8"))
    return audit


def test_manifest_is_a_side_panel_with_the_narrowest_permissions():
    data = manifest()
    der = base64.b64decode(data["key"])
    derived = "".join(chr(97 + int(c, 16)) for c in hashlib.sha256(der).hexdigest()[:32])
    assert derived == EXTENSION_ID
    assert data["manifest_version"] == 3
    assert data["side_panel"] == {"default_path": "panel.html"}
    # alarms + notifications: the service worker looks for what needs the user and says so (badge, notification)
    # nativeMessaging: pairing with no code through the program on this computer (extension/js/native.js)
    # scripting: the recipe recorder's page script, injected into the tab being recorded only
    assert data["permissions"] == ["sidePanel", "storage", "alarms", "notifications", "nativeMessaging", "scripting"]
    assert data["host_permissions"] == ["http://127.0.0.1/*"]
    # Asked for one site at a time, when the user starts recording on it (views/recorder.js).
    assert data["optional_host_permissions"] == ["https://*/*", "http://*/*"]
    assert data["default_locale"] == "fr"
    assert data["options_ui"]["page"] == "options.html"
    worker = (EXTENSION / data["background"]["service_worker"]).read_text(encoding="utf-8")
    assert "openPanelOnActionClick: true" in worker
    for path in [*data["icons"].values(), "panel.html", "options.html"]:
        assert (EXTENSION / path).is_file(), path


def test_no_remote_code_and_one_module_talks_to_the_server():
    for path in HTML_FILES:
        html = path.read_text(encoding="utf-8")
        for src in re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"([^\"]+)\"", html):
            assert not re.match(r"(https?:)?//", src), f"{path.name} loads {src}"
        assert "<script>" not in html and "onclick=" not in html.lower(), f"inline script in {path.name}"
    for path in JS_FILES:
        source = strip_comments(path.read_text(encoding="utf-8"))
        assert "eval(" not in source and "new Function" not in source, path.name
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, path.name
        assert not re.search(r"\bimport\(\s*['\"]https?:", source), path.name
        if path.name not in ("api.js", "i18n.js"):
            assert "fetch(" not in source, f"{path.name} must go through api.js"
    # i18n.js only reads the extension's own message files.
    i18n = (EXTENSION / "js" / "i18n.js").read_text(encoding="utf-8")
    assert re.findall(r"fetch\(([^)]*)\)", i18n) == ["chrome.runtime.getURL(`_locales/${language}/messages.json`"]


def test_both_locales_have_the_same_keys_and_placeholders():
    french, english = messages("fr"), messages("en")
    assert french.keys() == english.keys()
    for key in french:
        for lang, entry in (("fr", french[key]), ("en", english[key])):
            assert entry["message"].strip(), f"{lang}:{key} is empty"
            named = set(re.findall(r"\$([A-Za-z0-9_]+)\$", entry["message"]))
            declared = set(entry.get("placeholders", {}))
            assert named == declared, f"{lang}:{key} placeholders {named} != declared {declared}"
        assert set(french[key].get("placeholders", {})) == set(english[key].get("placeholders", {})), key
        assert {k: v["content"] for k, v in french[key].get("placeholders", {}).items()} == \
               {k: v["content"] for k, v in english[key].get("placeholders", {}).items()}, key
    assert french["langCode"]["message"] == "fr" and english["langCode"]["message"] == "en"


def test_every_key_used_exists_and_every_key_is_used():
    defined = set(messages("fr"))
    used = keys_used_in_js() | {"langCode"}
    for path in HTML_FILES:
        used |= audit_html(path).keys
    used |= set(re.findall(r"__MSG_([A-Za-z0-9_]+)__", json.dumps(manifest())))
    missing = used - defined
    assert not missing, f"keys used but not in _locales: {sorted(missing)}"
    unused = defined - used
    assert not unused, f"keys in _locales never used: {sorted(unused)}"


@pytest.mark.parametrize("path", HTML_FILES, ids=lambda p: p.name)
def test_html_has_no_hard_coded_text(path):
    audit = audit_html(path)
    assert not audit.problems, audit.problems


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: str(p.relative_to(EXTENSION)))
def test_js_has_no_hard_coded_text(path):
    """A literal that reads like a sentence or a label must come from _locales instead."""
    source = strip_comments(path.read_text(encoding="utf-8"))
    source = re.sub(r"console\.(?:warn|error|log)\([^;]*\);", "", source)  # developer messages
    source = re.sub(r"super\(`[^`]*`\);", "", source)  # Error messages for developers
    suspicious = []
    for text in string_literals(source):
        if text in UNTRANSLATED or not re.search(r"[^\W\d_]", text):
            continue
        if re.search(r"[À-ÿ«»’…]", text):  # accented or French punctuation
            suspicious.append(text)
        elif re.fullmatch(r"[A-Z][a-z]{2,}", text.strip()) and text.strip() not in CODE_WORDS:
            suspicious.append(text)  # "Delete"
        elif re.search(r"\b[A-Z][a-z]+\b[^\n]*\s+\w", text) and not re.match(r"^[\w-]+:\s", text):
            suspicious.append(text)  # "Sync now", "Delete the account"
        elif re.search(r"[a-z]{2,}\s+[a-z]{2,}.*[.:!?]$", text):
            suspicious.append(text)  # "the server is down."
    assert not suspicious, f"visible text not from _locales in {path.name}: {suspicious}"


PARSE_MODULES = """
const vm = require("vm"), fs = require("fs");
let failed = 0;
for (const file of process.argv.slice(1)) {
  try { new vm.SourceTextModule(fs.readFileSync(file, "utf8"), { identifier: file }); }
  catch (error) { failed++; console.log(`${file}: ${error}`); }
}
process.exit(failed ? 1 : 0);
"""


def test_js_modules_parse():
    """Every module is valid ES module syntax (one node process parses them all)."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--experimental-vm-modules", "--no-warnings", "-e", PARSE_MODULES,
                             *map(str, JS_FILES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
