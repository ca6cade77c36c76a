"""The step table: every step a recipe may use, by name. It also feeds the schema and docs."""

from __future__ import annotations

from backend.collectors.steps import api, extract, flow, http, inputs, navigation, otp
from backend.collectors.steps.registry import StepSpec, describe

STEPS: dict[str, StepSpec] = {s.name: s for s in (
    # navigation
    describe("open", navigation.open_url, "navigation", shorthand="url"),
    describe("follow", navigation.follow, "navigation", shorthand="locator"),
    describe("back", navigation.back, "navigation"),
    describe("reload", navigation.reload, "navigation"),
    describe("switch_frame", navigation.switch_frame, "navigation", shorthand="frame"),
    describe("switch_tab", navigation.switch_tab, "navigation", shorthand="to"),
    describe("close_tab", navigation.close_tab, "navigation"),
    # input
    describe("fill", inputs.fill, "input"),
    describe("select", inputs.select, "input"),
    describe("check", inputs.check, "input", shorthand="locator"),
    describe("click", inputs.click, "input", shorthand="locator"),
    describe("click_if_present", inputs.click_if_present, "input", shorthand="locator"),
    describe("submit", inputs.submit, "input", shorthand="locator"),
    describe("press_key", inputs.press_key, "input", shorthand="key"),
    # waiting
    describe("wait_for", flow.wait_for, "waiting"),
    describe("wait_for_any", flow.wait_for_any, "waiting", shorthand="cases"),
    describe("pause", flow.pause, "waiting"),
    # conditions and variables
    describe("if", flow.if_, "conditions"),
    describe("fail_if", flow.fail_if, "conditions"),
    describe("for_each", flow.for_each, "conditions"),
    describe("store_text", flow.store_text, "variables"),
    describe("set", flow.set_, "variables"),
    describe("log", flow.log, "variables", shorthand="message"),
    # one-time codes, HTTP, invoices
    describe("one_time_code", otp.one_time_code, "one-time codes"),
    describe("fetch_json", http.fetch_json, "http"),
    describe("fetch_api", api.fetch_api, "http"),
    describe("store_url", api.store_url, "variables"),
    describe("jwt_claims", api.jwt_claims, "variables"),
    describe("flatten", api.flatten, "variables"),
    describe("load_more", api.load_more, "input", shorthand="locator"),
    describe("invoices", extract.invoices, "invoices"),
)}
