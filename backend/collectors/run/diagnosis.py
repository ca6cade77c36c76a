"""What a run saw, for `invoice-collector recipe verify` (cli_verify.py): a report a user can attach
to a bug report about a recipe, so it must hold no secret and no personal data.

Kept: each step that ran (index, line, name, outcome), the locators of a failed step that find
nothing on its page (as the recipe writes them: the recipe's text, not the portal's), how many
invoices a list step read, the title and HTTP status of each page (titles masked, see mask()), the
HTTP statuses of the recipe's own requests and of the portal's answers it read. Never kept: URLs
beyond their origin, page text, field values, messages unmasked."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from backend.collectors.run.locators import alternatives
from backend.collectors.run.origins import origin_of
from backend.collectors.steps.registry import LOCATOR_CONDITIONS, StepSpec

if TYPE_CHECKING:
    from backend.collectors.run.context import Context

# The HTTP status of the page shown (Chromium 109+; Selenium cannot see it otherwise) and its title.
DOCUMENT_STATUS_JS = ("const n = performance.getEntriesByType('navigation')[0];"
                      "return [n && n.responseStatus ? n.responseStatus : 0, document.title];")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Capitalised words portals put in titles (and the engine in its messages). A title or message keeps
# these, lower-case words and the recipe's own words; any other capitalised word may be a name
# (« Compte de Marie Curie »): masked.
COMMON_WORDS = frozenset({
    "accueil", "account", "accounts", "bienvenue", "billing", "bills", "client", "clients", "compte",
    "comptes", "connexion", "contrat", "contrats", "dashboard", "déconnexion", "espace", "error", "erreur",
    "facture", "factures", "home", "identification", "identifiant", "invoices", "login", "maintenance", "mes",
    "mon", "mot", "de", "passe", "page", "portail", "sign", "signin", "tableau", "bord", "votre", "vos",
    "welcome", "your", "my", "http", "https", "json", "pdf", "chromium", "devtools", "url",
})
NUMBER = re.compile(r"\d[\d\s.,/-]*\d|\d")  # customer, contract and invoice numbers, amounts, dates
MASK = "•"
MAX_TITLE = 120


@dataclass
class StepSeen:
    index: int
    line: int | None
    name: str
    outcome: str = "running"  # OK, or the outcome code it ended with
    invoices_listed: int | None = None  # for a list step: how many invoices it read
    states: list[str] = field(default_factory=list)  # wait_for_any, until_done: the states met, by name
    missing_locators: list[str] = field(default_factory=list)  # of a failed step: those that find nothing
    locators: list[str] = field(default_factory=list)  # as written in the recipe (not reported)


@dataclass
class PageSeen:
    after_step: int
    origin: str
    status: int
    title: str  # raw until report() masks it


class Diagnosis:
    def __init__(self) -> None:
        self.steps: list[StepSeen] = []
        self.pages: list[PageSeen] = []
        self.statuses: list[tuple[int, int]] = []  # (step index, HTTP status) of requests and answers read
        self._last_url: str | None = None

    def step_started(self, ctx: Context, spec: StepSpec, args: Mapping[str, Any]) -> StepSeen:
        seen = StepSeen(ctx.step_index, ctx.step_line, spec.name, locators=list(_locators(spec, args)))
        self.steps.append(seen)
        return seen

    def step_ended(self, ctx: Context, seen: StepSeen, listed_before: int, code: str = "OK") -> None:
        seen.outcome = code
        if seen.name == "invoices":
            seen.invoices_listed = ctx.listed - listed_before
        if code in ("RECIPE_BROKEN", "TIMEOUT"):
            seen.missing_locators = [loc for loc in seen.locators if not _finds_any(ctx, loc)]
        self.page(ctx)

    def state(self, step_index: int, name: str) -> None:
        """A page state a step met (its name, or its conditions as the recipe writes them)."""
        for seen in reversed(self.steps):
            if seen.index == step_index:
                seen.states.append(name)
                return

    def status(self, ctx: Context, status: int) -> None:
        self.statuses.append((ctx.step_index, status))

    def page(self, ctx: Context) -> None:
        """The page shown, once per address (a title and status; an unreadable page is left out)."""
        try:
            url = ctx.current_url
            if url == self._last_url:
                return
            status, title = ctx.driver.execute_script(DOCUMENT_STATUS_JS)
        except Exception:  # noqa: BLE001 — a diagnosis never changes a run's outcome
            return
        self._last_url = url
        self.pages.append(PageSeen(ctx.step_index, origin_of(url) or "", int(status or 0), str(title or "")))

    def report(self, ctx: Context, outcome: str, message: str) -> dict[str, Any]:
        """Everything above, with titles and the message masked (see mask())."""
        personal, known = personal_values(ctx), COMMON_WORDS | recipe_words(ctx)
        return {
            "outcome": outcome, "message": mask(ctx, message, personal, known),
            "steps": [{k: v for k, v in asdict(s).items() if k != "locators"} for s in self.steps],
            "pages": [asdict(p) | {"title": mask(ctx, p.title, personal, known)[:MAX_TITLE]} for p in self.pages],
            "http_statuses": [{"step": step, "status": status} for step, status in self.statuses],
            "invoices": {"listed": ctx.listed, "known": ctx.known, "new": len(ctx.invoices),
                         "pdfs_saved": sum(1 for invoice in ctx.invoices if invoice.pdf_path)},
        }


def _locators(spec: StepSpec, args: Mapping[str, Any]) -> Iterator[str]:
    """The locators a step waits for, as written: its locator arguments, its conditions' and its
    cases' present and visible elements (not `absent`: an element found is not what is missing)."""
    for key, value in args.items():
        kind = spec.args[key].kind if key in spec.args else None
        if kind == "locator":
            yield from alternatives(value) if isinstance(value, (str, list)) else []
        elif kind == "condition" and isinstance(value, dict):
            yield from _condition_locators(value)
        elif kind == "cases" and isinstance(value, list):
            for case in value:
                if isinstance(case, dict):
                    yield from _condition_locators(case)
    if spec.any_of and set(spec.any_of.keys) >= set(LOCATOR_CONDITIONS):  # wait_for, if, fail_if
        yield from _condition_locators(args)


def _condition_locators(condition: Mapping[str, Any]) -> Iterator[str]:
    for key in ("present", "visible"):
        value = condition.get(key)
        if isinstance(value, (str, list)):
            yield from (str(v) for v in alternatives(value))


def _finds_any(ctx: Context, locator: str) -> bool:
    try:
        return bool(ctx.find_all(ctx.render(locator)))
    except Exception:  # noqa: BLE001 — a template not set yet, a page gone: not found
        return False


def personal_values(ctx: Context) -> set[str]:
    """What the run knows to be the user's: every credential and option value, every value a step
    read from the portal into a variable, every field of every invoice listed."""
    found: set[str] = set()
    found.update(str(v) for v in ctx.request.credentials.values())
    found.update(str(v) for v in ctx.request.options.values())
    found.update(_texts(ctx.vars))
    for invoice in ctx.invoices:
        found.update(_texts([invoice.key, invoice.number, invoice.amount, *invoice.extra.values()]))
    words = {word for value in found for word in re.findall(r"\w{3,}", value) if word[:1].isupper()}  # names
    return {value for value in found | words if len(value) >= 3}


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    if isinstance(value, dict):
        for inner in value.values():
            yield from _texts(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value[:5000]:
            yield from _texts(inner, depth + 1)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


QUOTED = re.compile(r"('[^']*')")


def mask(ctx: Context, text: str, personal: set[str], known: set[str] | frozenset[str]) -> str:
    """A title or message with what could be the user's replaced by •: the run's secrets, its
    personal values (see personal_values), e-mail addresses, numbers, and every capitalised word
    that is neither in `known` (COMMON_WORDS and recipe_words()) nor lower case — the portal's name
    and « Mes factures » stay, the account holder's name does not. A quoted part the recipe itself
    writes (a locator or a pattern in an engine message: '#account-v2') is the recipe's: kept."""
    recipe = str(ctx.provider.steps)
    parts = QUOTED.split(ctx.redact(text))
    return "".join(part if n % 2 and part[1:-1] and part[1:-1] in recipe else _mask_part(part, personal, known)
                   for n, part in enumerate(parts))


def _mask_part(text: str, personal: set[str], known: set[str] | frozenset[str]) -> str:
    for value in sorted(personal, key=len, reverse=True):
        text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    text = NUMBER.sub(MASK, EMAIL.sub(MASK, text))

    def word(match: re.Match[str]) -> str:
        found = match.group(0)
        return found if found[:1].islower() or found.lower() in known else MASK
    return WORD.sub(word, text)


def recipe_words(ctx: Context) -> set[str]:
    """The words of the recipe itself (its name, its steps' texts): the recipe's, not the user's."""
    text = f"{ctx.provider.name} {ctx.provider.homepage} {ctx.provider.steps}"
    return {word.lower() for word in WORD.findall(text)}
