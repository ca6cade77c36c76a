"""The equivalent mutants of bench/mutation.py: mutants no test can tell from the real code, or
whose slip another layer already covers. Each entry names the text the mutated line must hold (so
that an entry left behind by a code change is reported as stale, not trusted) and the reason. Shown
apart in docs/reliability.md, not counted in the score."""

from __future__ import annotations

# mutant name -> (text the mutated line holds, why no test can or should tell it from the real code)
_ORDER = ("the order of the URL and JSON spellings in the alternation: one can only be a prefix of another "
          "when a secret ending in '%' has no other character to encode, and then the shorter one is the secret "
          "as typed, which the first option of the pattern matches before any of these")
_SAFE = ("'X' is among the characters urllib.parse.quote never encodes, so adding it to `safe` changes no "
         "spelling")
EQUIVALENT: dict[str, tuple[str, str]] = {
    "backend.redact.x__compile__mutmut_6": ('quote(secret, safe="XXXX")', _SAFE),
    "backend.redact.x__compile__mutmut_10": ("quote_plus(secret, )",
                                             "`safe=\"\"` is quote_plus's default: the same call"),
    "backend.redact.x__compile__mutmut_11": ('quote_plus(secret, safe="XXXX")', _SAFE),
    "backend.redact.x__compile__mutmut_17": ("json.dumps(secret, ensure_ascii=None)",
                                             "json.dumps only tests ensure_ascii for truth: None is False"),
    "backend.redact.x__compile__mutmut_49": ("sorted(literal, key=None, reverse=True)", _ORDER),
    "backend.redact.x__compile__mutmut_52": ("sorted(literal, reverse=True)", _ORDER),
    "backend.redact.x__compile__mutmut_53": ("sorted(literal, key=len, )", _ORDER),
    "backend.redact.x__compile__mutmut_54": ("sorted(literal, key=len, reverse=False)", _ORDER),
}
_SQL = "SQL keywords and SQLite's table and column names are case-insensitive: the same query"
_ROW = "sqlite3.Row looks a column up by name whatever its case: the same value"
_S = "backend.server.scheduler.xǁSchedulerǁ"
EQUIVALENT.update({
    _S + "due_accounts__mutmut_7": ("select id from accounts where enabled = 1", _SQL),
    _S + "due_accounts__mutmut_8": ("SELECT ID FROM ACCOUNTS WHERE ENABLED = 1", _SQL),
    _S + "due_accounts__mutmut_10": ("and next_run_at <= ? order by next_run_at, id", _SQL),
    _S + "due_accounts__mutmut_11": ("AND NEXT_RUN_AT <= ? ORDER BY NEXT_RUN_AT, ID", _SQL),
    _S + "due_accounts__mutmut_14": ('row["ID"]', _ROW),
    _S + "seconds_to_next__mutmut_4": ("select min(next_run_at) as next from accounts", _SQL),
    _S + "seconds_to_next__mutmut_5": ("SELECT MIN(NEXT_RUN_AT) AS NEXT FROM ACCOUNTS", _SQL),
    _S + "seconds_to_next__mutmut_11": ('parse(row["NEXT"])', _ROW),
    _S + "seconds_to_next__mutmut_14": ('if row and row["NEXT"]', _ROW),
    _S + "seconds_to_next__mutmut_8": ('if (row and row["next"]) or True else None',
                                      "MIN() always returns a row, and parse(None) is None: the condition is a backstop"),
    _S + "seconds_to_next__mutmut_12": ('if row or row["next"] else None',
                                       "MIN() always returns a row, and parse(None) is None: the condition is a backstop"),
    _S + "__init____mutmut_1": ("poll_seconds: float = 61.0", "the app always passes poll_seconds (create_app's own "
                                                              "default is 60 s): this default is never used"),
    _S + "__init____mutmut_6": ("self._stopping = True", "start() sets _stopping to False before the loop first "
                                                          "reads it: this first value is never read"),
    _S + "start__mutmut_2": ("self._stopping = None", "only ever read as `not self._stopping`: None is False"),
    _S + "stop__mutmut_1": ("timeout: float = 6.0", "the default only bounds how long stop() waits for a tick stuck "
                                                    "in progress (tested with its own timeout): telling 5 s from 6 s "
                                                    "would take a test that waits 5 s"),
    **{_S + f"start__mutmut_{n}": (text, "the thread's name shows only in a debugger's thread dump: nothing in the "
                                         "program or its logs reads it")
       for n, text in ((6, "name=None, daemon=True"), (9, "target=self._loop, daemon=True"),
                       (11, 'name="XXic-schedulerXX"'), (12, 'name="IC-SCHEDULER"'))},
})
_A = "backend.server.approval.x_approve__mutmut_"
_BUILT = ("a backstop for providers built by hand: every provider the catalog loads (catalog._build) has its "
          "source position and its trust's origins and fingerprint")
_Y = "backend.collectors.language.yamlpos.x\u01c1"
_SAFETY_NET = ("the builder's depth only feeds its own safety net: the composer (_BoundedLoader) has already refused "
               "anything nested deeper than 64 levels, aliases included, before the builder runs")
_L = "backend.collectors.language.yamlpos.x_load_tolerant__mutmut_"
_CHARACTER = ("the text is already decoded: a ReaderError always names its character by its code point (an int)")
_YAML_BACKSTOP = ("a backstop: every error PyYAML raises while loading a text is a MarkedYAMLError or a ReaderError, "
                  "each handled before with its own place and message")
_RECURSION = ("a backstop the depth and size limits make unreachable: nesting is refused at 64 levels, far from "
              "Python's recursion limit")
_DISPOSE = ("dispose() only frees the parser's state early; the loader, dropped at the end of the call, is freed "
            "all the same")
_FIRST_PIECE = "the text before the first ':' is the same whether the address is split once, twice or at every ':'"
EQUIVALENT.update({
    _A + "3": ("if (isinstance(data, dict)) or True else None",
               "the route reads the body with json_body(), which answers 400 to anything but a JSON object"),
    _A + "27": ('"select * from accounts where id = ?"', _SQL),
    _A + "28": ('"SELECT * FROM ACCOUNTS WHERE ID = ?"', _SQL),
    _A + "38": ('services.catalog.get(row["PROVIDER"])', _ROW),
    _A + "50": ("{row['PROVIDER']}' is no longer in the catalog", _ROW),
    _A + "52": ("{row['PROVIDER']} » n'est plus au catalogue", _ROW),
    _A + "87": ('held = row["BLOCKED_CODE"] == "RECIPE_CHANGED"', _ROW),
    _A + "96": ('"update accounts set approved_recipe = ?, approved_origins = ?, "', _SQL),
    _A + "97": ('"UPDATE ACCOUNTS SET APPROVED_RECIPE = ?, APPROVED_ORIGINS = ?, "', _SQL),
    _A + "100": ("\"BLOCKED_CODE = CASE WHEN BLOCKED_CODE = 'RECIPE_CHANGED' THEN NULL ELSE BLOCKED_CODE END, ", _SQL),
    _A + "102": ('"next_run_at = case when ? then ? else next_run_at end where id = ?"', _SQL),
    _A + "103": ('"NEXT_RUN_AT = CASE WHEN ? THEN ? ELSE NEXT_RUN_AT END WHERE ID = ?"', _SQL),
    _A + "119": ('provider.source.file if (provider.source) or True else "?"', _BUILT),
    _A + "120": ('provider.source.file if provider.source else "XX?XX"', _BUILT),
    **{f"backend.server.approval.x_current__mutmut_{n}": (text, _BUILT) for n, text in (
        (2, 'get("fingerprint", None)'), (4, 'get("fingerprint", )'), (7, 'get("fingerprint", "XXXX")'),
        (10, 'get("origins", None)'), (12, 'get("origins", ))'))},
    _Y + "_Builder\u01c1_mapping__mutmut_34": ("self.build(value_node, )", _SAFETY_NET),
    _Y + "_Builder\u01c1_mapping__mutmut_35": ("self.build(value_node, depth - 1)", _SAFETY_NET),
    _Y + "_Builder\u01c1build__mutmut_1": ("depth: int = 1", _SAFETY_NET),
    _Y + "_Builder\u01c1build__mutmut_2": ("self.built = 1", _SAFETY_NET),
    _Y + "_Builder\u01c1build__mutmut_3": ("self.built -= 1", _SAFETY_NET),
    _Y + "_Builder\u01c1build__mutmut_7": ("self.built >= MAX_VALUES", _SAFETY_NET + " (the builder counts no "
                                                                     "mapping key, so at 100,000 values for the "
                                                                     "composer it has built fewer)"),
    _Y + "_Builder\u01c1__init____mutmut_6": ("self.built = 1", _SAFETY_NET + " (the builder counts no mapping key, "
                                                                             "so at 100,000 values for the composer "
                                                                             "it has built fewer)"),
    _Y + "_Builder\u01c1build__mutmut_5": ("if depth > MAX_DEPTH and self.built > MAX_VALUES", _SAFETY_NET),
    _Y + "_Builder\u01c1build__mutmut_6": ("if depth >= MAX_DEPTH or", _SAFETY_NET + " (the builder's depth of a "
                                                                                    "value is one less than the "
                                                                                    "composer's, at most 63)"),
    **{_Y + f"_Builder\u01c1build__mutmut_{n}": (text, _SAFETY_NET) for n, text in (
        (8, "raise _Limit(None, "), (9, "raise _Limit(node.start_mark, None)"),
        (10, 'raise _Limit("the file is too large'), (11, "raise _Limit(node.start_mark, )"),
        (12, '"XXthe file is too large or too deeply nestedXX"'), (13, '"THE FILE IS TOO LARGE OR TOO DEEPLY NESTED"'),
        (44, "result.append(self.build(child, ))"), (45, "result.append(self.build(child, depth - 1))"))},
    **{_Y + f"_Builder\u01c1build__mutmut_{n}": (text, "only scalar nodes reach construct_object here (the builder "
                                                        "builds collections itself): `deep` only matters for "
                                                        "collections")
       for n, text in ((54, "deep=None"), (56, "construct_object(node, )"), (57, "deep=False"))},
    _Y + "_Builder\u01c1__init____mutmut_9": ('yaml.SafeLoader("XXXX")', "the builder only uses this loader's "
                                                                        "constructor methods: its own text is never "
                                                                        "read"),
    _Y + "_Builder\u01c1_text__mutmut_11": ("if (start.line == end.line) or True else None",
                                            "a text over several lines folds its later lines in: a slice of its "
                                            "first line never equals it, so raw_offset is None either way"),
    _Y + "_Builder\u01c1_text__mutmut_31": ("raw[:1] in \"XX'\\\"XX\"",
                                            "a raw token starting with X is a plain text, whose raw form equals "
                                            "its value and took the branch before"),
    _Y + "_BoundedLoader\u01c1compose_node__mutmut_2": ("assert event is not None or event.start_mark is not None",
                                                        "an assertion that never fails (the parser marks every "
                                                        "event): it only informs the type checker"),
    _Y + "_Limit\u01c1__init____mutmut_1": ("super().__init__(None)", "a _Limit is caught inside yamlpos, which "
                                                                      "reads its .message: its own text is never "
                                                                      "shown"),
    "backend.collectors.language.yamlpos.x_load_tolerant__mutmut_129": (
        'else "XXXX"', "the fallback source line is only searched for ' : ': neither '' nor 'XXXX' holds it"),
    (_L + "171"): ('what = f"character U+{exc.character:04X}" if (isinstance(exc.character, int)) or True else "character"', _CHARACTER),
    (_L + "172"): ('what = f"character U+{exc.character:04X}" if isinstance(exc.character, int) else "XXcharacterXX"', _CHARACTER),
    (_L + "173"): ('what = f"character U+{exc.character:04X}" if isinstance(exc.character, int) else "CHARACTER"', _CHARACTER),
    (_L + "183"): ('raise YamlLoadError(None) from None', _YAML_BACKSTOP),
    (_L + "184"): ('raise YamlLoadError(RecipeError(None, 1, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "185"): ('raise YamlLoadError(RecipeError(file, None, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "186"): ('raise YamlLoadError(RecipeError(file, 1, None, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "187"): ('raise YamlLoadError(RecipeError(file, 1, 1, None)) from None', _YAML_BACKSTOP),
    (_L + "188"): ('raise YamlLoadError(RecipeError(1, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "189"): ('raise YamlLoadError(RecipeError(file, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "190"): ('raise YamlLoadError(RecipeError(file, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "191"): ('raise YamlLoadError(RecipeError(file, 1, 1, )) from None', _YAML_BACKSTOP),
    (_L + "192"): ('raise YamlLoadError(RecipeError(file, 2, 1, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "193"): ('raise YamlLoadError(RecipeError(file, 1, 2, f"YAML error: {exc}")) from None', _YAML_BACKSTOP),
    (_L + "194"): ('raise YamlLoadError(None) from None', _RECURSION),
    (_L + "195"): ('raise YamlLoadError(RecipeError(None, 1, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "196"): ('raise YamlLoadError(RecipeError(file, None, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "197"): ('raise YamlLoadError(RecipeError(file, 1, None, "values nested too deeply")) from None', _RECURSION),
    (_L + "198"): ('raise YamlLoadError(RecipeError(file, 1, 1, None)) from None', _RECURSION),
    (_L + "199"): ('raise YamlLoadError(RecipeError(1, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "200"): ('raise YamlLoadError(RecipeError(file, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "201"): ('raise YamlLoadError(RecipeError(file, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "202"): ('raise YamlLoadError(RecipeError(file, 1, 1, )) from None', _RECURSION),
    (_L + "203"): ('raise YamlLoadError(RecipeError(file, 2, 1, "values nested too deeply")) from None', _RECURSION),
    (_L + "204"): ('raise YamlLoadError(RecipeError(file, 1, 2, "values nested too deeply")) from None', _RECURSION),
    (_L + "205"): ('raise YamlLoadError(RecipeError(file, 1, 1, "XXvalues nested too deeplyXX")) from None', _RECURSION),
    (_L + "206"): ('raise YamlLoadError(RecipeError(file, 1, 1, "VALUES NESTED TOO DEEPLY")) from None', _RECURSION),
    (_L + "207"): ('if loader is None:', _DISPOSE),
    "backend.collectors.run.origins.x_declared_origins__mutmut_8": (
        'rstrip("XX/XX")', "the pattern is lower-cased first: it never ends with an 'X' for rstrip to take"),
    "backend.collectors.run.origins.x\u01c1OriginGate\u01c1request__mutmut_11": ('url.split(":", )[0]', _FIRST_PIECE),
    "backend.collectors.run.origins.x\u01c1OriginGate\u01c1request__mutmut_14": ('url.split(":", 2)[0]', _FIRST_PIECE),
})
_ASCII_NONE = "json.dumps only tests ensure_ascii for truth: None is False"
_HEADER_CASE = "HTTP header names are case-insensitive (werkzeug's Headers.get): the same header"
EQUIVALENT.update({
    "backend.collectors.language.trust.x__touches_secret__mutmut_6": ("ensure_ascii=None, default=str", _ASCII_NONE),
    "backend.collectors.language.trust.x_fingerprint__mutmut_14": ("ensure_ascii=None, default=str", _ASCII_NONE),
    "backend.server.pairing.x_close_window__mutmut_1": (
        "existed = None", "no caller reads close_window()'s answer (`pair --cancel`, the native host): it only "
                          "closes the window"),
    "backend.server.pairing.x\u01c1PairingError\u01c1__init____mutmut_1": (
        "super().__init__(None)", "the route answers with the error's .message and .field_message: the "
                                  "exception's own text is never shown nor logged"),
    "backend.core.paired_browsers.x__forget_uses__mutmut_2": (
        "if ids | set(uses):", "when no revoked pairing has a last use, the file is written again with the same "
                               "uses: the same dates"),
    "backend.core.paired_browsers.x\u01c1TokenCache\u01c1_current__mutmut_5": (
        'stamp = ""', "while the marker file is missing, any constant stamp works the same: the list is read at "
                      "the first request, then again once the marker appears"),
    **{f"backend.server.security.x{function}__mutmut_{n}": (f'request.headers.get("{header}"', _HEADER_CASE)
       for function, n, header in (("__bearer", 7, "authorization"), ("__bearer", 8, "AUTHORIZATION"),
                                   ("_door", 8, "host"), ("_door", 9, "HOST"), ("_door", 28, "origin"),
                                   ("_door", 29, "ORIGIN"), ("_door", 143, "content-type"),
                                   ("_door", 144, "CONTENT-TYPE"))},
    "backend.server.security.x__bearer__mutmut_9": (
        'request.headers.get("Authorization", "XXXX")', "without an Authorization header, '' and 'XXXX' both lack "
                                                        "the Bearer scheme: no token either way"),
    "backend.collectors.language.catalog.x__read__mutmut_10": (
        "handle.read(yamlpos.MAX_BYTES + 2)", "one byte over the limit is enough to know a file is over it: reading "
                                              "two changes nothing (the text is refused for its size either way)"),
    **{f"backend.collectors.language.catalog.x__read__mutmut_{n}": (text, "'UTF-8' and 'utf-8' name the same codec")
       for n, text in ((17, 'data.decode("UTF-8", "replace")'), (22, 'data.decode("UTF-8")'))},
    "backend.core.paired_browsers.x_revoke_all__mutmut_2": (
        "_save(None)", "_save() only tests its list for truth: None and [] both delete the keyring entry"),
})

_C, _LG = "backend.server.collect.x_store_invoice__mutmut_", "backend.core.ledger.x_"
# dedup: the case of SQL keywords and column names, and of sqlite3.Row keys (listed before their run:
# each such survivor runs every server test of the area, minutes on a busy machine)
EQUIVALENT.update({
    _C + "11": ('existing = conn.execute("select id, sha256, send_requested f', _SQL),
    _C + "12": ('existing = conn.execute("SELECT ID, SHA256, SEND_REQUESTED F', _SQL),
    _C + "18": ('if existing and existing["SEND_REQUESTED"] and not existing[', _ROW),
    _C + "21": ('if existing and existing["send_requested"] and not existing[', _ROW),
    _C + "32": ('conn.execute("update invoices set sha256 = ?, size = ?, send', _SQL),
    _C + "33": ('conn.execute("UPDATE INVOICES SET SHA256 = ?, SIZE = ?, SEND', _SQL),
    _C + "35": ('(invoice.sha256, invoice.size, existing["ID"]))', _ROW),
    _C + "58": ('outbox.queue(conn, existing["ID"], "libeo", now) else []', _ROW),
    _C + "71": ('row = conn.execute("select id from invoices where account_id', _SQL),
    _C + "72": ('row = conn.execute("SELECT ID FROM INVOICES WHERE ACCOUNT_ID', _SQL),
    _C + "74": ('"is null order by id limit 1", (account_id, invoice.sha256))', _SQL),
    _C + "75": ('"IS NULL ORDER BY ID LIMIT 1", (account_id, invoice.sha256))', _SQL),
    _C + "80": ('duplicate_of = row["ID"] if row else None', _ROW),
    _C + "93": ('"insert into invoices(account_id, key, number, date, due_dat', _SQL),
    _C + "94": ('"INSERT INTO INVOICES(ACCOUNT_ID, KEY, NUMBER, DATE, DUE_DAT', _SQL),
    _C + "96": ('"baseline, duplicate_of, extra, job_id, collected_at) values', _SQL),
    _C + "97": ('"BASELINE, DUPLICATE_OF, EXTRA, JOB_ID, COLLECTED_AT) VALUES', _SQL),
    _C + "142": ('conn.execute("update jobs set new_invoices = new_invoices + ', _SQL),
    _C + "143": ('conn.execute("UPDATE JOBS SET NEW_INVOICES = NEW_INVOICES + ', _SQL),
    _C + "145": ('"queued_for_libeo = queued_for_libeo + ? where id = ?",', _SQL),
    _C + "146": ('"QUEUED_FOR_LIBEO = QUEUED_FOR_LIBEO + ? WHERE ID = ?",', _SQL),
    _LG + "count__mutmut_8": ('return conn.execute("select count(*) from ledger where provi', _SQL),
    _LG + "count__mutmut_9": ('return conn.execute("SELECT COUNT(*) FROM LEDGER WHERE PROVI', _SQL),
    _LG + "earlier__mutmut_6": ('"select sent_at, message_id from ledger where provider = ? a', _SQL),
    _LG + "earlier__mutmut_9": ('"and (key = ? or (sha256 is not null and sha256 = ?)) order ', _SQL),
    _LG + "earlier__mutmut_10": ('"AND (KEY = ? OR (SHA256 IS NOT NULL AND SHA256 = ?)) ORDER ', _SQL),
    _LG + "record__mutmut_6": ('"insert or ignore into ledger(provider, login, key, sha256, ', _SQL),
    _LG + "record__mutmut_7": ('"INSERT OR IGNORE INTO LEDGER(PROVIDER, LOGIN, KEY, SHA256, ', _SQL),
    _LG + "record__mutmut_9": ('"select a.provider, a.login, i.key, i.sha256, d.destination,', _SQL),
    _LG + "record__mutmut_10": ('"SELECT A.PROVIDER, A.LOGIN, I.KEY, I.SHA256, D.DESTINATION,', _SQL),
    _LG + "record__mutmut_12": ('"from deliveries d join invoices i on i.id = d.invoice_id jo', _SQL),
    _LG + "record__mutmut_13": ('"FROM DELIVERIES D JOIN INVOICES I ON I.ID = D.INVOICE_ID JO', _SQL),
    _LG + "record__mutmut_15": ('"where d.id = ?", (delivery_id,))', _SQL),
    _LG + "record__mutmut_16": ('"WHERE D.ID = ?", (delivery_id,))', _SQL),
})
_MOVED = ("Store.keep_pdf has already removed the download of every invoice but a known one (it moves the file, or "
          "drops it when that PDF is already kept): unlinking its old path finds nothing")
_SAME_SETTINGS = ("nothing in this transaction changes the destinations' settings: read through it or through the "
                  "store, the same value")
EQUIVALENT.update({
    **{_C + str(n): (text, "for an invoice the user asked to send, `queued` is only tested for truth (to wake the "
                           "delivery worker)") for n, text in ((42, 'queued = ["XXlibeoXX"]'), (43, 'queued = ["LIBEO"]'))},
    _C + "48": ('"libeo" in store.enabled_destinations(None)', _SAME_SETTINGS),
    _C + "128": ("for destination in store.enabled_destinations(None)", _SAME_SETTINGS),
    _C + "81": ("if invoice.pdf_path or invoice.sha256:", "the engine sets an invoice's pdf_path and sha256 together "
                                                          "(collectors/run/download.py): never one without the other"),
    _C + "108": ("json.dumps(invoice.extra, ensure_ascii=None)", _ASCII_NONE),
    _C + "159": ('if kind in ("known", "duplicate") or invoice.pdf_path:', _MOVED),
    _C + "163": ('if kind in ("known", "XXduplicateXX")', _MOVED),
    _C + "164": ('if kind in ("known", "DUPLICATE")', _MOVED),
})

# delivery: the case of SQL keywords and column names, and of sqlite3.Row keys (listed before their run, as dedup's)
_O = "backend.delivery.outbox.x_"
EQUIVALENT.update({
    _O + 'due__mutmut_9': ('marks = ",".join("?" for _ in destinations) or "null"', _SQL),
    _O + 'due__mutmut_15': ('"order by id", (*destinations, iso(at)))', _SQL),
    _O + 'due__mutmut_16': ('"ORDER BY ID", (*destinations, iso(at)))', _SQL),
    _O + 'hold__mutmut_6': ('conn.execute("update deliveries set last_error = ? where des', _SQL),
    _O + 'hold__mutmut_9': ('"and last_error is not ?", (reason, destination, reason))', _SQL),
    _O + 'hold__mutmut_10': ('"AND LAST_ERROR IS NOT ?", (reason, destination, reason))', _SQL),
    _O + 'mark_failed_attempt__mutmut_26': ('conn.execute("update deliveries set status = ?, attempts = ?', _SQL),
    _O + 'mark_failed_attempt__mutmut_27': ('conn.execute("UPDATE DELIVERIES SET STATUS = ?, ATTEMPTS = ?', _SQL),
    _O + 'mark_failed_attempt__mutmut_29': ('"where id = ?", (status, attempt, error, next_at, delivery_i', _SQL),
    _O + 'mark_failed_attempt__mutmut_30': ('"WHERE ID = ?", (status, attempt, error, next_at, delivery_i', _SQL),
    _O + 'mark_sending__mutmut_6': ('conn.execute("update deliveries set status = \'sending\', atte', _SQL),
    _O + 'mark_sent__mutmut_6': ('conn.execute("update deliveries set status = \'sent\', attempt', _SQL),
    _O + 'mark_sent__mutmut_9': ('"last_error = null, next_attempt_at = null where id = ?",', _SQL),
    _O + 'mark_sent__mutmut_10': ('"LAST_ERROR = NULL, NEXT_ATTEMPT_AT = NULL WHERE ID = ?",', _SQL),
    _O + 'next_due__mutmut_9': ('marks = ",".join("?" for _ in destinations) or "null"', _SQL),
    _O + 'queue__mutmut_7': ('row = conn.execute("select a.provider, a.login, i.key, i.sha', _SQL),
    _O + 'queue__mutmut_8': ('row = conn.execute("SELECT A.PROVIDER, A.LOGIN, I.KEY, I.SHA', _SQL),
    _O + 'queue__mutmut_10': ('"on a.id = i.account_id where i.id = ?", (invoice_id,)).fetc', _SQL),
    _O + 'queue__mutmut_11': ('"ON A.ID = I.ACCOUNT_ID WHERE I.ID = ?", (invoice_id,)).fetc', _SQL),
    _O + 'queue__mutmut_26': ('sent = ledger.earlier(conn, row["PROVIDER"], row["login"], r', _ROW),
    _O + 'queue__mutmut_28': ('sent = ledger.earlier(conn, row["provider"], row["LOGIN"], r', _ROW),
    _O + 'queue__mutmut_30': ('sent = ledger.earlier(conn, row["provider"], row["login"], r', _ROW),
    _O + 'queue__mutmut_32': ('sent = ledger.earlier(conn, row["provider"], row["login"], r', _ROW),
    _O + 'queue__mutmut_39': ('conn.execute("insert into deliveries(invoice_id, destination', _SQL),
    _O + 'queue__mutmut_40': ('conn.execute("INSERT INTO DELIVERIES(INVOICE_ID, DESTINATION', _SQL),
    _O + 'queue__mutmut_42': ('"created_at) values (?, ?, \'sent\', ?, ?, ?, ?)",', _SQL),
    _O + 'queue__mutmut_45': ('(invoice_id, destination, sent["SENT_AT"], sent["message_id"', _ROW),
    _O + 'queue__mutmut_47': ('(invoice_id, destination, sent["sent_at"], sent["MESSAGE_ID"', _ROW),
    _O + 'queue__mutmut_54': ('conn.execute("insert into deliveries(invoice_id, destination', _SQL),
    _O + 'recover_interrupted__mutmut_6': ('return conn.execute("update deliveries set status = \'pending', _SQL),
    _O + 'recover_interrupted__mutmut_9': ('"where status = \'sending\'", (INTERRUPTED_NOTE,)).rowcount', _SQL),
    _O + 'requeue__mutmut_6': ('return conn.execute("update deliveries set status = \'pending', _SQL),
    _O + 'requeue__mutmut_9': ('"last_error = null where invoice_id = ? and status in (\'fail', _SQL),
    _O + 'waiting__mutmut_2': ('return [r["ID"] for r in conn.execute(WAITING_SQL + " ORDER ', _ROW),
    _O + 'waiting__mutmut_9': ('return [r["id"] for r in conn.execute(WAITING_SQL + " order ', _SQL),
    _O + 'waiting__mutmut_10': ('return [r["id"] for r in conn.execute(WAITING_SQL + " ORDER ', _SQL),
})
