"""The prose sections of docs/recipes.md that no step declares: recording a recipe in the panel,
logins driven by the page's state, the portal's own data, HTTP authentication, locators, templates,
YAML tips, fields, traces (docgen.py puts them in order)."""

RECORDER = """\
## Recording a recipe in the panel

No YAML to write for a simple portal: in the side panel, « Ajouter un nouveau compte » → « Mon
fournisseur n'est pas dans la liste » → « Enregistrer une recette ». Give the address of the
supplier's login page; the panel asks Chrome for permission on that site only, opens it in a new
tab and records what you do there:

- typing into the login field becomes `fill` with `{{ login }}`, into a password field `fill` with
  `{{ password }}`, into a one-time code field a `one_time_code` step (the code is asked at each
  sync). **What you type there never leaves the page**: the recorder only tells the panel that
  such a field was filled; the draft, the panel, the server and the logs never see it;
- other fields become `fill` with what you typed, lists `select`, boxes `check`, clicks `click`
  (a cookie banner's button `click_if_present`: it only shows on a new profile), Enter in a form
  `submit`;
- after each click that opens a new page, a `wait_for` that page's state (a form, a table, a list
  or landmark the previous page did not have; its address otherwise), never a sleep; the login
  ends with a `wait_for_any` that fails `LOGIN_FAILED` on an error banner, and the login steps are
  wrapped in a `login` step, so that a sync finding the account still logged in skips them;
- single-page apps too: a click that moves the app to another view without loading a page
  (`history.pushState`, a `#/route`) is waited for the same way. The view's landmark is the one
  its script renders once it has fetched what it shows (the invoice table comes a moment after the
  address changed: the recorder keeps watching that view until one shows, or the user acts again),
  else its address — with the `#/route` of an app that routes by hash.

Every element is recorded with several locators, best first — its id, its name, a `data-*` hook,
a short CSS path, its text — as a list of alternatives. On the invoice list, « Je suis sur la liste
des factures », then click what the panel asks for: an invoice's number, its date, its amount, its
PDF link, and « page suivante » if there is one. The recorder finds the row (the element whose
siblings hold the same thing) and makes the `invoices` step: `items` for every row, each field
read inside its row, `date: auto` for French dates, `amount: fr` for amounts such as
`1 234,56 €` (`auto` otherwise), a `regex` for numbers shown with a label (« Facture n° 2024-0601 »
reads `2024-0601`), the PDF link's `href` (relative links come back absolute). The rows may be
table rows or cards. The panel shows what it reads in the first rows.

- **The PDF on each invoice's own page**: « Le PDF est sur la page de chaque facture », then click
  the row's link to the invoice (« Voir le détail »); its page opens, and you click the PDF link
  there. The recipe reads that link as the `detail` field and the PDF in its `detail:` section, on
  the page of every new invoice (marked `optional`: an invoice listed before its PDF exists is left
  for a later run instead of failing it).
- **More invoices**: click « page suivante » (the recipe's `next_page`, followed until it is gone)
  or « afficher plus » (a `load_more` step before the list, clicked until the button is gone). The
  recorder tells them apart by the button's words (plus, more, charger… versus suivant, next, ›);
  the YAML shows which it chose. The click is a pick: it does not turn the page while recording.

**A login on another site** (single sign-on: « Se connecter » leads to the supplier's identity
provider, another origin) is followed there. When the extension has no permission on that site yet,
the panel names it (the site the clicked link led to) with « Autoriser … »: Chrome asks you, for
that site only. The recipe lists that site under `origins:` — the form « Ajouter un compte » shows it
before any password is typed — and its login is an `until_done`: the invoices (done), a refusal
(`LOGIN_FAILED`), the other site's form (typed in) or the supplier's link to it (clicked), whichever
the page shows, since either site may still remember the account.

A recording goes on while the panel is closed or reloaded: the extension's service worker turns
what you do in the tab into steps whether the panel is open or not, and keeps them, with the tab and
the invoice picks, in the browser's session storage (in memory, gone when the browser closes) —
never a typed secret. The panel, opened again, goes back to the recording where it is.

Then name the provider: the server checks the draft (`recipe check`'s messages, with their
line and column), and « Essayer » runs it headless with the login and password you type once
(kept in memory for that run only, never saved; a one-time code the site asks for meanwhile is
asked in the panel): the invoices found are listed with their number, date and amount.
« Enregistrer la recette » saves it as `providers.d/<id>.yaml` (an id that is already a provider —
bundled or yours — is replaced only if you confirm), and « Ajouter un compte » opens the usual
form on it, its origins shown. The file is plain YAML like any recipe: open it to add what
recording cannot show (maintenance pages, `hand_over`, several contracts).

Recording works on web pages only (http and https): not on the browser's pages (`chrome://`),
files or the extension's own pages. The panel's API for it: `POST /api/recipes/draft/check`,
`POST /api/recipes/draft/try` (then `GET /api/recipes/draft/try/ID`, and `POST …/ID/code` when it
waits for a code), `POST /api/recipes`. A login form inside an iframe is recorded too
(`switch_frame`), on pages of the site you allowed.
"""

PAGE_STATES = """\
## Logins driven by the page's state: `until_done`

A portal's login is rarely one fixed sequence any more: it remembers the account and asks only
for the password, puts a consent banner or « rester connecté ? » in between, offers an account
chooser, a choice of where to send a code, a captcha now and then. Instead of a chain of
`if` steps, list the **states** the portal may show and what to do in each; `until_done` looks
at the page, acts, and looks again until a `done` state (the account page), the way the
in-browser connectors do it.

```yaml
{example}
```

- **Each round** waits (up to `timeout` seconds) until one state holds — all its conditions, read
  on one page, as in `wait_for_any` — and the first state written wins when several do: put the
  final and failing states first. Then it runs the state's `then` steps (anything: `hand_over`,
  `one_time_code`, `if`…) and looks again; `fail: CODE` ends the run with that outcome (the
  portal's own words with `message_from`), `done: true` ends the step and the recipe goes on.
- **The page must move on.** After a state's steps, that same state counts again only on a new
  page or once it stopped holding for a moment (a submitted form leaves the old page on screen
  for an instant; acting on it twice would type into a page being replaced). A state that still
  holds unchanged after `timeout` counts as met again, and its steps run again.
- **Rounds are bounded** (`rounds`, 8 by default, at most 30). Past the bound the run ends
  `RECIPE_BROKEN` naming the state of each round, and saying when the last ones were the same
  state — its steps do not change the page: « the page went round 8 times without a done state:
  identifier, password, keep-connected, … (the last 6 rounds all met 'keep-connected': its steps
  did not change the page) ». A page that matches no state ends it too, naming the rounds so far.
- `name` is what the step log and those messages call the state (its conditions otherwise).
"""

PORTAL_DATA = """\
## The portal's own data: `wait_for_response` and `store_storage`

Single-page portals fetch their data from their own API, with headers and tokens their script
computes. Rather than calling that API again with guessed headers, read what the page already got:

- `wait_for_response` waits for an answer the page fetched whose URL matches a regular expression
  (and `method`), and keeps its JSON (or text, `as: text`) in a variable, like `fetch_json`. The
  watch starts with the run (over the browser's DevTools protocol), so an answer fetched while an
  earlier step ran (the bill list a page loads as it opens) is found too; each step takes the
  oldest successful matching answer no earlier step took. An error answer (a 401 the page got
  before the login) counts only when no successful one comes within `timeout`: then its status
  ends the run as in `fetch_json` (`fail_on` first). Only answers matching a pattern the recipe declares
  are kept — at most 50 at a time, 5 MB each. An answer from an origin the provider does not
  declare is never read: the step ends the run `RECIPE_UNSAFE`. The step log names the URL
  (without its query), the status and the size, never the body. On a Selenium Grid it needs the
  Grid to forward the DevTools protocol (`se:cdp`).
- `store_storage` reads a value the page keeps in `sessionStorage` or `localStorage` (an access
  token after the login, a customer id), waiting until it is there, optionally at a JSON `path`.
  With `secret: true` the value is masked in logs and traces and goes only to the provider's
  origins, like a password. Only a page of the provider's origins is read.
"""

HTTP_AUTH = """\
## Sites behind HTTP authentication: `http_auth`

Some portals have no login form: the web server itself asks for a user name and password (HTTP
basic or digest authentication; a browser shows its own small dialog). Give the provider an
`http_auth:` with the credential fields to answer with. Do not write them into the address
(`https://{{ login }}:{{ password }}@…`): that hard-codes the host, and a refused login is only a
blank page.

```yaml
{example}```

- The browser (pages, their images and frames, new tabs) and the HTTP requests (`fetch_json`,
  `fetch_api`, PDFs with `download: session`) answer the server's challenge with the scheme it
  asks for (digest when offered, else basic). Nothing is sent before a server asks.
- Only an approved origin gets an answer: one of the provider's origins, and of `origins:` when
  given (`{{ urls.NAME }}` is the origin of that url; by default every origin of the provider).
  Another site asking — a redirect, an image, a PDF link elsewhere — gets nothing; the step log
  says so.
- A server that asks again once it has the credentials has refused them: the run ends
  `LOGIN_FAILED` (« the site refused the login ») and is never retried on its own.
- `password` must come from a secret credential field; `http_auth` is part of what the user
  approves: changing it asks for their approval again.
- The browser answers through its DevTools protocol: a Selenium Grid must forward it (`se:cdp`),
  otherwise the run stops at once and says so.
"""

LOCATORS = """\
## Locators

Wherever a step takes an element (a *locator*), write a CSS selector, or prefix another kind:

| Form | Finds |
|---|---|
| `#login`, `button[type=submit]`, `css=…` | CSS selector (the default) |
| `xpath=//button[normalize-space()='OK']` | XPath |
| `id=password` | the element with this id |
| `name=email` | the element with this name attribute |
| `link=Mes factures` | a link with exactly this text (`partial_link=` for part of it) |
| `text=Se connecter` | the innermost element whose text contains this |
| `app-header >> a.logout` | inside web components: after each `>>`, a CSS selector searched in the open \
shadow roots of what the part before found (`site-header >> user-menu >> a.logout`: two levels down) |

Prefer stable hooks (ids, names, `data-*` attributes) to layout classes.

**Several locators for one target.** Wherever a locator goes (a step's locator, a condition's
`present`, `visible`, `absent`, `message_from`, the `items` and `next_page` of `invoices`, a
field's `css` or `xpath`), a list of alternatives may go instead. They are tried in order, all on
the same page, and the first that finds an element wins; a condition holds when any alternative
matches (`absent`: when none does). A portal redesign that drops one hook then does not break the
recipe, and the step log names the alternative that was used when it is not the first. `recipe
check` checks every alternative (an empty list is an error), and a step that finds none of them
names them all: `gave up waiting for element '#login-submit' or 'button[type=submit]' or
'text=Se connecter' to be visible`.

```yaml
- click: ["#login-submit", "button[type=submit]", "text=Se connecter"]
- wait_for: {visible: ["#dashboard", "[data-testid=home]"]}
```
"""

TEMPLATES = """\
## Templates

Text values may contain `{{ … }}` placeholders, filled when the step runs:

| Template | Value |
|---|---|
| `{{ login }}`, `{{ password }}` | a credential field of the account, by its `name` (also `{{ credentials.NAME }}`) |
| `{{ options.contract }}` | an account option (its default when the user left it empty) |
| `{{ urls.portal }}` | a base URL from the provider's `urls:` (tests and `--url` may point it elsewhere) |
| `{{ bills }}`, `{{ client }}` | a variable set by an earlier step (`save_as`, `set`; also `{{ vars.NAME }}`) |
| `{{ item.id }}` | the current element inside `for_each` steps, and the invoice's fields inside `invoices` (`value:` specs and `detail`) |
| `{{ x \\| url }}` | URL-encoded (for query strings and paths) |
| `{{ x \\| json }}` | as JSON (for request bodies) |

`recipe check` refuses a template that names nothing: an unknown credential field, option or
url, `item` outside a loop, or a variable no earlier step sets. Secret values (fields of type
`password` and `totp_secret`, one-time codes) are masked as `••••••` in logs, traces, saved
pages and error messages.
"""

YAML_TIPS = """\
## YAML tips

- Quote a value that contains `: ` (French text often does: `"Erreur : mot de passe"`), or
  that starts with `{`, `[`, `*`, `&`, `!`, `%`, `@` or a backtick.
- Write regular expressions in single quotes: `'N°\\s*(\\d+)'` (inside double quotes a
  backslash starts an escape sequence).
- `yes`, `no`, `on`, `off`, numbers and dates are not text in YAML: quote them where text is
  expected (`option: "2024"`, `version: "1"`). Keys are always text (`401:` is fine).
- Anchors and merge keys (`&login`, `<<: *login`) work. A file is limited to MAX_MB MB,
  MAX_VALUES values once aliases are expanded, and MAX_DEPTH levels of nesting.
"""

FIELDS_INTRO = """\
## Invoice fields

The `invoices` step reads one record per invoice. Standard fields: `id` (required: the
portal's own invoice id, used to never download an invoice twice), `number`, `date`,
`due_date`, `amount`, `currency` (EUR when an amount has no currency), `pdf` (a link to the
PDF), `pdf_base64` (the PDF itself, base64, from JSON), `print` (the address of the invoice's
own HTML page, printed to PDF), `detail` (a link to the invoice's own page). Any other name is
kept as an extra field.

Every new invoice needs its PDF from one of `pdf`, `pdf_base64` or `print` (the first that has a
value, in that order), in its fields or its `detail:` fields; an invoice with none ends the run
RECIPE_BROKEN ("has no pdf link"), unless the field is `optional: true`: the invoice is then
left for a later run, when its PDF exists.

Portals that show an invoice as a web page, with no PDF to download: give its address as
`print`. The page is opened in the run's tab, as `open` would (the provider's origins only),
and printed by Chromium (A4, backgrounds on), then saved like any PDF (same file name, sha256,
never fetched again once known). A page showing a filled password field or one of the account's
secrets is never printed (DOWNLOAD_FAILED for that invoice).

```yaml
{print_example}
```

Each field spec has **one source** (or none, to read the item itself: its text, or an
attribute with `attr`), then modifiers, then filters applied in the order written:

| Key | Meaning |
|---|---|
{sources}

French formats need no format string: `05/06/2024`, `5 juin 2024`, `1er juin 2024`,
`44,20 €`, `1 234,56 €` (with a narrow no-break space) all parse.

When the PDF (or a field) is only on each invoice's page, give a `detail` link and a
`detail:` section; its steps run on that page for every new invoice:

```yaml
{detail}
```

## Filters

| Filter | Argument | Does | Example |
|---|---|---|---|
{filters}
"""

TRACES = """\
## Traces

When a run fails, the engine leaves a folder under the trace directory (`--trace DIR` for
`recipe run`; the data folder's `traces/` otherwise) named `PROVIDER-DATE`, holding:

- `step.json` — the outcome, its message, the failed step's index and name, its YAML line,
  the recipe file and the page's URL;
- `screenshot.png` — the page when it failed;
- `page.html` — the page's HTML, with password fields emptied and every secret masked;
- `log.txt` — the step log (each step, what it waited for, what it clicked), secrets masked.

Run with `--headed` to watch the browser, and add `log:` steps to follow your variables.
"""
