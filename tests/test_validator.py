"""The recipe validator: every error is FILE:LINE:COL: message, at the exact place, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.collectors.language.catalog import load_catalog, load_file

HEADER = """\
providers:
  - id: acme
    name: Acme
    homepage: https://acme.example
    category: énergie
    terms: {version: "1", url: https://acme.example/cgu}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    options:
      - {name: contract, label_fr: Contrat, label_en: Contract}
    urls: {portal: https://acme.example}
    steps:
"""  # the first step is on line 14; "      - name:" puts the step name at column 9
STEP_LINE = 14


def write(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, steps: str) -> list[tuple[int, int, str]]:
    path = write(tmp_path, HEADER + steps)
    providers, errors = load_file(path)
    assert all(e.file == str(path) for e in errors)
    if errors:
        assert providers == []
    return [(e.line, e.column, e.message) for e in errors]


def assert_problems(found: list[tuple[int, int, str]], expected: list[tuple[int, int, str]]) -> None:
    """Same positions, in order; each message contains the expected fragment."""
    assert [(line, col) for line, col, _ in found] == [(line, col) for line, col, _ in expected], found
    for (_, _, message), (_, _, fragment) in zip(found, expected, strict=False):
        assert fragment in message, (fragment, message)


def test_a_valid_recipe_loads_with_its_positions(tmp_path):
    path = write(tmp_path, HEADER + '      - open: "{{ urls.portal }}/login"\n      - back:\n'
                                     '      - invoices: {items: tr, fields: {id: {css: td}}}\n')
    providers, errors = load_file(path)
    assert errors == []
    (provider,) = providers
    assert provider.id == "acme" and provider.source.line == 2
    assert [step.pos.line for step in provider.steps] == [14, 15, 16]


@pytest.mark.parametrize("steps, expected", [
    ('      - fill: {locator: "#a", value: "x"\n',
     (15, 1, "YAML syntax: did not find expected ',' or '}' (while parsing a flow mapping that starts at line 14, "
             "column 15)")),
    ('      - open: "{{ urls.portal }}/login"\n\t- click: "#a"\n', (15, 1, "indent with spaces, not tabs")),
    ("      - fail_if: {text: Erreur : mot de passe, code: LOGIN_FAILED}\n",
     (14, 32, "put the value in quotes when it contains ': '")),
    ('      - log: "a"\n      - log: "b\n', (16, 1, "YAML syntax: found unexpected end of stream")),
    ("      - log: a\n     - log: b\n", (15, 6, "YAML syntax")),
])
def test_yaml_syntax_errors_point_at_the_problem(tmp_path, steps, expected):
    assert_problems(problems(tmp_path, steps), [expected])


def test_unknown_step_suggests_the_closest(tmp_path):
    assert_problems(problems(tmp_path, '      - open: "{{ urls.portal }}/login"\n      - clik: "#go"\n'
                                       '      - wait_fr: {present: "#a"}\n      - teleport: now\n'),
                    [(15, 9, "unknown step 'clik' (did you mean 'click'?)"),
                     (16, 9, "unknown step 'wait_fr' (did you mean 'wait_for'?)"),
                     (17, 9, "unknown step 'teleport'")])


def test_unknown_argument_names_the_step_and_a_suggestion(tmp_path):
    found = problems(tmp_path, '      - click:\n          locator: "#go"\n          timeot: 5\n'
                               '      - log: {message: x, colour: red}\n')
    assert_problems(found, [(16, 11, "click: unknown argument 'timeot' (did you mean 'timeout'?)"),
                            (17, 27, "log: unknown argument 'colour'; log takes: message")])


def test_missing_required_argument(tmp_path):
    assert_problems(problems(tmp_path, '      - fill: {locator: "#a"}\n      - store_text:\n          locator: ".n"\n'
                                       "      - click:\n"),
                    [(14, 9, "fill: missing argument 'value'"), (15, 9, "store_text: missing argument 'save_as'"),
                     (17, 9, "click: missing argument locator")])


def test_wrong_types_point_at_the_value(tmp_path):
    found = problems(tmp_path, '      - wait_for: {present: "#a", timeout: soon}\n'
                               '      - fill: {locator: "#a", value: "x", clear: maybe}\n'
                               "      - click: 42\n"
                               '      - select: {locator: "#y", option: 2024}\n'
                               "      - pause: {seconds: 30, reason: slow}\n"
                               '      - fill: "#x"\n')
    assert_problems(found, [(14, 44, "wait_for: timeout: must be a number, not the text 'soon'"),
                            (15, 50, "fill: clear: must be true or false, not the text 'maybe'"),
                            (16, 16, "click: must be a text, or a list of them, not the number 42 (put it in quotes"),
                            (17, 41, "select: option: must be a text, not the number 2024"),
                            (18, 26, "pause: seconds: must be at most 10, not 30"),
                            (19, 15, "fill: write its arguments as a mapping: {locator, value, [clear], [timeout]}")])


def test_bad_outcome_codes(tmp_path):
    found = problems(tmp_path, '      - fail_if: {present: ".err", code: LOGIN_FAIL}\n'
                               "      - wait_for_any:\n"
                               '          - {present: "#ok"}\n'
                               '          - {present: ".x", fail: WRONG_PASSWORD}\n'
                               '      - fetch_json: {url: "{{ urls.portal }}/api", save_as: b,'
                               " fail_on: {401: LOGGED_OUT, abc: PROVIDER_DOWN}}\n")
    assert_problems(found, [(14, 42, "fail_if: code: the text 'LOGIN_FAIL' is not allowed; use one of: LOGIN_FAILED"),
                            (17, 35, "wait_for_any: cases[1].fail: the text 'WRONG_PASSWORD' is not allowed"),
                            (18, 79, "fetch_json: fail_on.401: the text 'LOGGED_OUT' is not allowed"),
                            (18, 91, "fetch_json: fail_on: key 'abc' is not valid here: expected an HTTP status")])
    assert "(did you mean 'LOGIN_FAILED'?)" in found[0][2]


def test_unknown_template_variables_point_inside_the_text(tmp_path):
    found = problems(tmp_path, '      - open: "{{ urls.portl }}/login"\n'
                               '      - fill: {locator: "#a", value: "{{ logn }}"}\n'
                               '      - log: "contract {{ options.contrat }} and {{ vars.x }}"\n'
                               '      - log: "{{ item.id }} {{ login | upper }}"\n'
                               '      - open: "{{ urls.portal }}/c/{{ client }}"\n'
                               '      - store_text: {locator: ".c", save_as: client}\n'
                               '      - open: "{{ urls.portal }}/c/{{ client | url }}?p={{ password | url }}"\n')
    assert_problems(found, [(14, 16, "template '{{ urls.portl }}': no url 'portl' under `urls:` (did you mean 'portal'?)"),
                            (15, 39, "'logn' is not a credential field or a variable set by an earlier step"),
                            (16, 24, "no option 'contrat' (did you mean 'contract'?)"),
                            (16, 50, "template '{{ vars.x }}': no variable 'x'"),
                            (17, 15, "`item` only exists inside for_each steps and invoices fields or detail"),
                            (17, 29, "unknown filter 'upper' (use url or json)"),
                            (18, 36, "'client' is set later, at line 19: move that step before this one")])


def test_item_and_variables_inside_loops(tmp_path):
    found = problems(tmp_path, "      - for_each:\n          in: contracts\n          steps:\n"
                               '            - log: "{{ item.id }}"\n            - clck: a\n'
                               '      - fetch_json: {url: "{{ urls.portal }}/c", save_as: contracts}\n'
                               '      - for_each: {in: contracts.items, steps: [{log: "{{ item.id }} {{ contracts }}"}]}\n'
                               "      - flatten: {path: docs.*.bills, save_as: bills}\n")
    assert_problems(found, [(15, 15, "for_each: in 'contracts': no variable 'contracts' set by an earlier step"),
                            (18, 15, "unknown step 'clck' (did you mean 'click'?)"),
                            (21, 25, "flatten: path 'docs.*.bills': no variable 'docs'")])


def test_a_variable_set_in_the_short_form_of_wait_for_any_is_known_after_it(tmp_path):
    """`- wait_for_any: [...]` holds cases like its long form: their `then` steps set variables."""
    found = problems(tmp_path, '      - wait_for_any: [{present: "#a", then: [{set: {name: x, value: "1"}}]}]\n'
                               '      - log: "{{ x }} {{ y }}"\n')
    assert_problems(found, [(15, 23, "'y' is not a credential field or a variable set by an earlier step")])


def test_a_login_step_needs_a_condition_a_form_and_its_steps(tmp_path):
    found = problems(tmp_path, '      - login: {logged_in: {}, form: "#f", steps: [{log: a}]}\n'
                               '      - login: {logged_in: {presnt: "a"}, form: "#f", steps: [{log: a}]}\n'
                               '      - login: {logged_in: {present: "a"}, form: "#f"}\n'
                               '      - login: {logged_in: {url: "(x"}, form: "#f", steps: [{clik: a}]}\n')
    assert_problems(found, [(14, 28, "login: logged_in: must not be empty"),
                            (15, 29, "login: logged_in: unknown key 'presnt' (did you mean 'present'?)"),
                            (16, 9, "login: missing argument 'steps': the login itself"),
                            (17, 35, "login: logged_in.url: invalid regular expression '(x'"),
                            (17, 62, "unknown step 'clik' (did you mean 'click'?)")])


def test_a_hand_over_needs_its_condition_both_messages_and_a_sane_wait(tmp_path):
    found = problems(tmp_path, '      - hand_over: {until: {url: "(x"}, message_fr: a, message_en: b}\n'
                               '      - hand_over: {until: {present: "a"}, message_fr: a}\n'
                               '      - hand_over: {until: {present: "a"}, message_fr: a, message_en: b, fail: CAPCHA}\n'
                               '      - hand_over: {until: {present: "a"}, message_fr: a, message_en: b, timeout: 5}\n')
    assert_problems(found, [(14, 35, "hand_over: until.url: invalid regular expression '(x'"),
                            (15, 9, "hand_over: missing argument 'message_en'"),
                            (16, 80, "(did you mean 'CAPTCHA'?)"),
                            (17, 83, "hand_over: timeout: must be at least 10, not 5")])


def test_constructs_that_need_backtracking_are_named(tmp_path):
    found = problems(tmp_path, "      - store_text: {locator: \".n\", save_as: n, regex: '(?<=N°)\\d+'}\n"
                               "      - wait_for: {url: '(a)\\1'}\n"
                               "      - wait_for: {url: '(a+)+$'}\n")  # fine: linear time on RE2
    assert_problems(found, [(14, 56, "store_text: regex: '(?<=N°)\\d+': lookahead and lookbehind"),
                            (15, 25, "wait_for: url: '(a)\\1': backreferences")])


def test_an_invalid_xpath_and_a_date_directive_that_does_not_exist_are_author_errors(tmp_path):
    found = problems(tmp_path, '      - click: "xpath=//input[@id="\n'
                               "      - invoices:\n"
                               '          items: "tr"\n'
                               "          fields:\n"
                               '            id: {xpath: "td[1"}\n'
                               '            date: {css: ".d", date: "%Y-%q"}\n')
    assert_problems(found, [(14, 16, "click: locator: '//input[@id=' is not a valid XPath"),
                            (18, 25, "field 'id': xpath: 'td[1' is not a valid XPath"),
                            (19, 37, "field 'date': date: %q is not a date directive")])


def test_only_web_addresses_may_be_opened_or_fetched(tmp_path):
    found = problems(tmp_path, '      - open: "file:///etc/passwd"\n'
                               "      - open: \"javascript:alert(1)\"\n"
                               '      - fetch_json: {url: "data:application/json,{}", save_as: x}\n'
                               '      - open: "{{ urls.portal }}/login"\n'
                               '      - open: "HTTPS://acme.example/x"\n')
    assert_problems(found, [(14, 15, "open: url: 'file:' addresses are not allowed"),
                            (15, 15, "open: url: 'javascript:' addresses are not allowed"),
                            (16, 27, "fetch_json: url: 'data:' addresses are not allowed")])


def test_regexes_must_compile_and_plain_urls_are_not_regexes(tmp_path):
    found = problems(tmp_path, '      - fail_if: {url: "(maint", code: PROVIDER_DOWN}\n'
                               '      - wait_for: {url: "[a-"}\n'
                               '      - if: {url: "/x(", then: [{log: a}]}\n'
                               "      - store_text: {locator: \".n\", save_as: n, regex: 'N°\\s*(\\d+'}\n"
                               '      - open: "{{ urls.portal }}/a(b"\n'
                               "      - wait_for_any:\n          - {url: \"*x\"}\n          - {present: \"#a\"}\n"
                               '      - switch_tab: "(("\n      - switch_tab: new\n'
                               '      - fetch_json: {url: "{{ urls.portal }}/a(b", save_as: x}\n')
    assert_problems(found, [(14, 25, "fail_if: url: invalid regular expression '(maint': missing ), unterminated"),
                            (15, 26, "wait_for: url: invalid regular expression '[a-': unterminated character set"),
                            (16, 22, "if: url: invalid regular expression '/x(': missing )"),
                            (17, 62, "store_text: regex: invalid regular expression 'N°\\s*(\\d+'"),
                            (20, 20, "wait_for_any: cases[0].url: invalid regular expression '*x': nothing to repeat"),
                            (22, 23, "switch_tab: to: invalid regular expression '(('")])


def test_field_filter_regexes(tmp_path):
    found = problems(tmp_path, "      - invoices:\n          items: tr\n          fields:\n"
                               '            id: {css: td, regex: "(?P<"}\n'
                               '            ref: {css: td, replace: {"[": ""}}\n'
                               '            number: {css: td, regex: "N-{{ login }}(\\\\d+)"}\n')
    assert_problems(found, [(17, 39, "invoices: field 'id': regex: invalid regular expression '(?P<': missing group name"),
                            (18, 39, "invoices: field 'ref': replace: invalid regular expression '['")])


def test_invoice_field_specs(tmp_path):
    found = problems(tmp_path, "      - invoices:\n          items: tr\n          fields:\n"
                               '            id: {css: td}\n'
                               '            number: {css: td, xpath: //td}\n'
                               "            amount: {path: total}\n"
                               '            date: {css: td, date: "dd/mm/yyyy"}\n'
                               "      - invoices:\n          fields:\n            number: {css: td}\n")
    assert_problems(found, [(18, 21, "invoices: fields.number: use only one of css, path, value, xpath (found css, xpath)"),
                            (19, 13, "invoices: field 'amount': path reads JSON; with `items` (HTML) use css or xpath"),
                            (20, 35, "field 'date': date takes 'auto' (or true) or a format such as '%d/%m/%Y'"),
                            (21, 9, "invoices: give exactly one of `items`"),
                            (23, 13, "invoices: fields: missing id")])


def test_invoice_field_specs_from_json(tmp_path):
    found = problems(tmp_path, '      - fetch_json: {url: "{{ urls.portal }}/api", save_as: bills}\n'
                               "      - invoices:\n          from: bills.items\n          next_page: a.next\n"
                               "          fields:\n            id: {css: td}\n            date: {}\n"
                               "            amount: {path: a, divide: 100}\n            pdf: {value: \"{{ item.url }}\"}\n")
    assert_problems(found, [(17, 11, "invoices: next_page only works with `items` (HTML)"),
                            (19, 13, "field 'id': css, xpath, attr and scope read HTML; with `from` (JSON) use path"),
                            (20, 13, "field 'date' needs a source: path or value")])


def test_wait_for_any_cases(tmp_path):
    found = problems(tmp_path, "      - wait_for_any:\n          - {}\n          - {present: \"#a\", colour: red}\n"
                               '          - {present: "#b", fail: LOGIN_FAILED, then: [{click: "#c"}]}\n'
                               '          - {present: "#d", message: "hello"}\n'
                               '          - present: "#e"\n            then:\n              - clik: "#f"\n'
                               "      - wait_for_any: {cases: [], timeout: 5}\n")
    assert_problems(found, [(15, 13, "wait_for_any: cases[0]: needs one of: present, visible, absent, url, text"),
                            (16, 29, "wait_for_any: cases[1]: unknown key 'colour'"),
                            (17, 49, "wait_for_any: cases[2]: use either fail or then, not both"),
                            (18, 29, "wait_for_any: cases[3]: message only goes with fail"),
                            (21, 17, "unknown step 'clik'"),
                            (22, 31, "wait_for_any: cases: must not be empty")])


def test_step_shapes(tmp_path):
    found = problems(tmp_path, "      - wait_for: {timeout: 5}\n      - if: {then: [{log: x}]}\n"
                               "      - back:\n      - fill:\n          locator: \"#a\"\n        value: x\n"
                               '      - click: "#a"\n        fill: {locator: "#b", value: c}\n      - 42\n'
                               "      - press_key: ENTER\n")
    assert_problems(found, [(14, 9, "wait_for: needs a condition: one of present, visible, absent, url, text"),
                            (15, 9, "if: needs a condition"),
                            (19, 9, "'value' should be an argument of 'fill': indent it under 'fill:'"),
                            (21, 9, "one step per list item: put '- ' before 'fill'"),
                            (22, 9, 'a step is a mapping with one step name'),
                            (23, 20, "press_key: the text 'ENTER' is not allowed; use one of: enter")])
    assert "(did you mean 'enter'?)" in found[-1][2]


def test_provider_header_errors(tmp_path):
    path = write(tmp_path, "providers:\n  - id: Bad Id\n    nme: X\n    homepage: acme.example\n    category: x\n"
                           "    terms: {version: 1}\n    credentials:\n"
                           "      - {name: login, label_fr: Identifiant, label_en: Login, type: mail}\n"
                           "      - {name: login, label_fr: Identifiant, label_en: Login}\n"
                           "    interval_hours: 0\n    status: alpha\n    steps: []\n")
    _, errors = load_file(path)
    assert_problems([(e.line, e.column, e.message) for e in errors], [
        (2, 5, "missing name"), (2, 9, "id: 'Bad Id' is not valid here: expected 2 to 63 lower case letters"),
        (3, 5, "unknown key 'nme' (did you mean 'name'?)"),
        (4, 15, "homepage: 'acme.example' is not valid here: expected an http:// or https:// address"),
        (6, 12, "terms: needs one of: url, text"),
        (6, 22, "terms.version: must be a text, not the number 1 (put it in quotes"),
        (8, 69, "credentials[0].type: the text 'mail' is not allowed; use one of: text, email, password, totp_secret "
                "(did you mean 'email'?)"),
        (9, 16, "credentials: 'login' is listed twice (first at line 8)"),
        (10, 21, "interval_hours: must be at least 1, not 0"),
        (11, 13, "status: the text 'alpha' is not allowed; use one of: stable, beta")])


PROVIDER = """\
  - id: {id}
    name: {name}
    homepage: https://{id}.example
    category: x
    terms: {{version: "1", text: ok}}
    credentials: [{{name: login, label_fr: a, label_en: b}}]
    steps:
      - {step}
"""


def provider(pid: str, step: str = "", name: str = "") -> str:
    """A provider whose one step opens its own homepage (unless told otherwise)."""
    return PROVIDER.format(id=pid, name=name or pid.title(), step=step or f'open: "https://{pid}.example"')


def test_broken_providers_do_not_stop_the_others_and_all_errors_come_at_once(tmp_path):
    text = ("providers:\n" + provider("one", "clik: a") + provider("two") + provider("two", name="Again")
            + "  - just a string\n" + provider("three") + "    name: Three bis\n" + provider("four", "fill: {}"))
    path = write(tmp_path, text)
    providers, errors = load_file(path)
    assert [p.id for p in providers] == ["two"]
    assert [(e.line, e.column, e.provider) for e in errors] == [
        (9, 9, "one"), (18, 9, "two"), (26, 5, None), (35, 5, "three"), (43, 9, "four")]
    assert str(errors[0]) == f"{path}:9:9: unknown step 'clik' (did you mean 'click'?)"
    assert str(errors[1]) == f"{path}:18:9: provider 'two' is defined twice in this file (first at line 10)"
    assert str(errors[2]) == f"{path}:26:5: a provider must be a mapping (id:, name:, steps:…), not a text"
    assert str(errors[3]) == f"{path}:35:5: duplicate key 'name' (first at line 28); the first one is used"
    assert str(errors[4]) == f"{path}:43:9: fill: missing arguments locator, value; write {{locator, value, [clear], [timeout]}}"


def test_duplicate_keys_anywhere_are_reported(tmp_path):
    found = problems(tmp_path, '      - fill:\n          locator: "#a"\n          value: x\n          locator: "#b"\n'
                               '      - invoices: {items: tr, fields: {id: {css: td}, id: {css: th}}}\n')
    assert_problems(found, [(17, 11, "duplicate key 'locator' (first at line 15); the first one is used"),
                            (18, 55, "duplicate key 'id' (first at line 18)")])


def test_user_file_overrides_a_bundled_provider_by_id(tmp_path):
    bundled = write(tmp_path, "providers:\n" + provider("acme", name="Bundled Acme") + provider("other"), "bundled.yaml")
    folder = tmp_path / "providers.d"
    folder.mkdir()
    user = write(folder, "# a single provider, not a list\n" + "\n".join(
        line[4:] for line in provider("acme", name="My Acme").splitlines()) + "\n", "acme.yaml")
    catalog = load_catalog(user_dir=folder, bundled=bundled)
    assert catalog.errors == []
    assert sorted(catalog.providers) == ["acme", "other"]
    assert catalog.providers["acme"].name == "My Acme"
    assert catalog.providers["acme"].source.file == str(user)
    assert catalog.overridden["acme"].file == str(bundled) and catalog.overridden["acme"].line == 2


def test_two_user_files_with_the_same_id_is_an_error(tmp_path):
    bundled = write(tmp_path, "providers:\n" + provider("other"), "bundled.yaml")
    folder = tmp_path / "providers.d"
    folder.mkdir()
    write(folder, "providers:\n" + provider("mine", name="First"), "a.yaml")
    second = write(folder, "providers:\n" + provider("mine", name="Second"), "b.yml")
    catalog = load_catalog(user_dir=folder, bundled=bundled)
    assert catalog.providers["mine"].name == "First"
    (error,) = catalog.errors
    assert str(error) == f"{second}:2:5: provider 'mine' is already defined in {folder / 'a.yaml'}:2:5; keep one of the two"


def test_a_broken_user_file_leaves_the_bundled_catalog_usable(tmp_path):
    bundled = write(tmp_path, "providers:\n" + provider("acme"), "bundled.yaml")
    folder = tmp_path / "providers.d"
    folder.mkdir()
    broken = write(folder, "providers:\n  - id: [unclosed\n", "broken.yaml")
    catalog = load_catalog(user_dir=folder, bundled=bundled)
    assert list(catalog.providers) == ["acme"]
    assert [str(e) for e in catalog.errors] == [
        f"{broken}:3:1: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence that starts "
        f"at line 2, column 9)"]


@pytest.mark.parametrize("text, expected", [
    ("- a\n- b\n", (1, 1, "expected `providers:` followed by a list of providers (or a single provider with id:, "
                          "name:…), not a list")),
    ("hello\n", (1, 1, "not a text")),
    ("", (1, 1, "the file is empty: expected `providers:`")),
    ("# only a comment\n", (1, 1, "the file is empty")),
    ("providers: {id: x}\n", (1, 12, "`providers:` must be a list (each provider starts with '- '), not a mapping")),
    ("providers:\n", (1, 11, "`providers:` must be a list (each provider starts with '- '), not nothing")),
    ("providers: []\nextra: 1\n", (2, 1, "unknown top-level key 'extra'")),
    ("version: 2\nproviders: []\n", (1, 10, "version must be 1")),
    ("providers:\n  - 42\n", (2, 5, "a provider must be a mapping (id:, name:, steps:…), not the number 42")),
])
def test_wrong_top_level_shapes(tmp_path, text, expected):
    _, errors = load_file(write(tmp_path, text))
    assert [(e.line, e.column) for e in errors] == [expected[:2]]
    assert expected[2] in errors[0].message


def test_an_unreadable_file_is_an_error_not_a_crash(tmp_path):
    missing = tmp_path / "nope.yaml"
    _, errors = load_file(missing)
    assert [str(e) for e in errors] == [f"{missing}:1:1: cannot read the file: No such file or directory"]
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"providers:\n  - id: caf" + "é".encode("latin-1") + b"\n")
    _, errors = load_file(latin1)
    assert [str(e) for e in errors] == [f"{latin1}:2:12: the file is not UTF-8 text; save it as UTF-8"]


def test_until_done_states(tmp_path):
    found = problems(tmp_path, "      - until_done:\n"
                               '          - {present: "#a"}\n'
                               '          - {present: "#b", done: true, then: [{click: "#c"}]}\n'
                               '          - {present: "#d", then: [{click: "#e"}], message: "hello"}\n'
                               '          - {url: "*x", fail: LOGIN_FAILED, name: bad}\n'
                               '          - {present: "#f", done: false}\n'
                               '          - present: "#g"\n            then:\n              - clik: "#h"\n'
                               "      - until_done: {cases: [{present: '#a', done: true}], rounds: 31}\n")
    assert_problems(found, [(15, 13, "until_done: cases[0]: say what to do in this state: then (steps), fail "
                                     "(an outcome code) or done: true"),
                            (16, 29, "until_done: cases[1]: use either then, fail or done, not then and done"),
                            (17, 52, "until_done: cases[2]: message only goes with fail"),
                            (18, 20, "until_done: cases[3].url: invalid regular expression '*x': nothing to repeat"),
                            (19, 35, "until_done: cases[4].done: must be true"),
                            (22, 17, "unknown step 'clik'"),
                            (23, 68, "until_done: rounds: must be at most 30")])


def test_the_portal_data_steps(tmp_path):
    found = problems(tmp_path, "      - wait_for_response: {url: '(api', save_as: bills, method: HEAD}\n"
                               "      - store_storage: {key: token, save_as: t, area: cookies}\n"
                               "      - store_storage: {key: token}\n"
                               "      - log: '{{ bills }} {{ t }}'\n")
    assert_problems(found, [(14, 35, "wait_for_response: url: invalid regular expression '(api'"),
                            (14, 66, "wait_for_response: method: the text 'HEAD' is not allowed"),
                            (15, 55, "store_storage: area: the text 'cookies' is not allowed"),
                            (16, 9, "store_storage: missing argument 'save_as'")])
