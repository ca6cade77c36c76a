"""Fixture portals for the engine tests: small Flask apps that behave like real supplier sites.

classic  (1, 5) form login, paginated table, inline and attachment PDFs; wrong password,
                maintenance page, new-terms interstitial, "remember me" cookie
twostep  (2)    identifier then password pages, covering cookie banner, alert(), PDFs on detail pages,
                cards shown a few at a time (« Afficher plus » or « Page suivante »)
spa      (3)    single-page app hydrating its form, JSON API with French strings and numbers,
                its list rendered from that API after a history.pushState
otp      (4)    login inside an iframe, then an SMS code or a TOTP code
broken   (6)    one "PDF" link answers an HTML error page with status 200
printed         invoices that are web pages (printed to PDF), one variant with a filled password field
httpauth        the web server's own login prompt (basic or digest) on pages, JSON and PDFs,
                and another origin that asks too (served by tests/test_engine_httpauth.py)
sso             a supplier's site whose login is on its identity provider, another origin
                (served by tests/test_extension_recorder_sso.py; no recipe: the recorder makes it)

Each (but sso) has its recipe in recipes/; fixtures.py serves them (one server per test module)."""
