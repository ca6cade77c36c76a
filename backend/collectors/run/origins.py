"""Where a recipe may take the user's secrets: the provider's own origins, as a password manager
fills a credential only into the site it belongs to.

A recipe is untrusted code (anyone can share one). Its origins are those of its `homepage`, its
`urls:` (after the user's or a test's overrides) and its `origins:` list; the user sees that
list when adding an account and approves it again when it changes. During a run:
- pages are http(s) only: no file:, data:, javascript:, chrome: … (a local file read, then sent);
- the recipe's own requests (open, fetch_json, fetch_api) go only to those origins: whatever a
  recipe derives from a secret cannot be carried elsewhere by a step;
- a secret (any spelling) is typed only into a page, and a form posting, to those origins, and
  goes out in a URL, a header or a body only towards them (a PDF link built from a template too).
Breaking a rule ends the run RECIPE_UNSAFE before the request leaves the browser."""

from __future__ import annotations

import fnmatch
import re
import urllib.parse
from collections.abc import Iterable, Mapping

from backend.collectors.model import CollectionError
from backend.redact import redact

WEB_SCHEMES = ("http", "https")
# What a tab shows before its first page (chromedriver's start page, Chromium's new tab pages): no
# recipe made it, and a recipe cannot open one (request() refuses every non-http address).
BLANK_PAGES = re.compile(r"(about:blank|data:,|chrome(-search)?://(new-tab-page(-third-party)?|newtab|local-ntp)/?)?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """'https://Espace.Example.fr:443/x?y' → 'https://espace.example.fr'; None if not http(s)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or not parts.hostname:
        return None
    host = parts.hostname.lower()
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


def declared_origins(homepage: str, urls: Mapping[str, str], extra: Iterable[str]) -> list[str]:
    """The provider's origins, sorted: homepage, every `urls:` value, then `origins:` patterns."""
    found = {origin for url in (homepage, *urls.values()) if (origin := origin_of(url))}
    return sorted(found | {pattern.lower().rstrip("/") for pattern in extra})


class OriginGate:
    """The rules above for one run: the allowed origins and the run's secrets."""

    def __init__(self, origins: Iterable[str], secrets: set[str]):
        self.origins = sorted(set(origins))
        self.secrets = secrets  # the Context's own set: secrets learnt during the run count too

    def allows(self, url: str) -> bool:
        origin = origin_of(url)
        return origin is not None and any(fnmatch.fnmatchcase(origin, pattern) for pattern in self.origins)

    def holds_secret(self, *texts: str) -> bool:
        return any(redact(text, self.secrets) != text for text in texts if text)

    def _refuse(self, what: str, url: str, why: str = "") -> CollectionError:
        shown = redact(url, self.secrets)
        return CollectionError("RECIPE_UNSAFE", f"{what} {shown}{why}: not one of the origins approved for this "
                                                f"provider ({', '.join(self.origins) or 'none'}); stopped before "
                                                "anything was sent")

    def page(self, url: str) -> None:
        """A page the browser shows must be a web page (checked after every step, redirects included)."""
        if not BLANK_PAGES.match(url) and origin_of(url) is None and not url.startswith("chrome-error://"):
            raise CollectionError("RECIPE_UNSAFE", f"the browser is on {redact(url, self.secrets)[:80]}; recipes "
                                                   "may only open http and https pages")

    def request(self, url: str, what: str = "a request to") -> None:
        """A request a step builds (open, fetch_json, fetch_api) goes to an approved origin only."""
        if origin_of(url) is None:
            scheme = url.split(":", 1)[0] if ":" in url else "?"
            raise CollectionError("RECIPE_UNSAFE", f"{what} a {scheme}: address: recipes may only use http and "
                                                   "https addresses")
        if not self.allows(url):
            raise self._refuse(what, url)

    def carrying(self, url: str, *payload: str, what: str = "a request to") -> None:
        """A request whose address or content holds a secret goes to an approved origin only."""
        if self.holds_secret(url, *payload) and not self.allows(url):
            raise self._refuse(what, url, " (it carries a secret)")

    def typing(self, page_url: str, form_action: str | None) -> None:
        """A secret is typed only into an approved page, in a form that posts to an approved origin."""
        if not self.allows(page_url):
            raise self._refuse("typing a secret into the page", page_url)
        if form_action and not self.allows(form_action):
            raise self._refuse("typing a secret into a form that posts to", form_action)
