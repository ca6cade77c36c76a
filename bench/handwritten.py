"""A plain, well-written Selenium script for the bench portal: the baseline the engine is held to.

It knows the portal (no recipe): log in, open each list page by its URL, read the rows, then fetch
every PDF with requests and the browser's cookies. Same Chromium flags as the engine (imported from
backend/collectors/run/browser.py). Two ways to read the rows:
  script   — one execute_script per page returning every row (what a careful author writes);
  elements — find_elements per row and cell, .text / get_attribute (what most scripts do).

    python bench/handwritten.py http://127.0.0.1:PORT OUT_DIR [--reads script|elements]
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
from backend.collectors.run.browser import BASE_FLAGS
from bench.common import chrome_bin, chromedriver_bin
from bench.portal import LOGIN, PASSWORD

READ_ROWS = """return Array.from(document.querySelectorAll('table#factures tbody tr')).map(tr => [
  tr.querySelector('td.numero').textContent, tr.querySelector('td.date').textContent,
  tr.querySelector('td.montant').textContent, tr.querySelector('a.pdf').href]);"""


def start_browser(download_dir: str, profile_dir: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome_bin()
    for flag in BASE_FLAGS + ["--headless=new", f"--user-data-dir={profile_dir}"]:
        opts.add_argument(flag)
    if os.geteuid() == 0:
        opts.add_argument("--no-sandbox")
    opts.add_experimental_option("prefs", {"download.default_directory": download_dir,
                                           "download.prompt_for_download": False,
                                           "plugins.always_open_pdf_externally": True})
    return webdriver.Chrome(service=Service(executable_path=chromedriver_bin()), options=opts)


def parse(number: str, date: str, amount: str, href: str) -> dict:
    value = amount.replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return {"number": number.strip(), "date": dt.datetime.strptime(date.strip(), "%d/%m/%Y").date(),
            "amount": Decimal(value), "currency": "EUR", "pdf": href}


def read_page(driver: webdriver.Chrome, reads: str) -> list[dict]:
    if reads == "script":
        return [parse(*row) for row in driver.execute_script(READ_ROWS)]
    rows = []
    for tr in driver.find_elements(By.CSS_SELECTOR, "table#factures tbody tr"):
        rows.append(parse(tr.find_element(By.CSS_SELECTOR, "td.numero").text,
                          tr.find_element(By.CSS_SELECTOR, "td.date").text,
                          tr.find_element(By.CSS_SELECTOR, "td.montant").text,
                          tr.find_element(By.CSS_SELECTOR, "a.pdf").get_attribute("href")))
    return rows


def collect(portal: str, out_dir: Path, reads: str = "script", pages: int = 5, turn: str = "url") -> list[dict]:
    """Log in, list `pages` pages, save every PDF to out_dir; returns the invoices.
    turn="url" opens page N by its address; turn="click" clicks "Suivant" like a recipe does."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile, downloads = tempfile.mkdtemp(prefix="hw-profile-"), tempfile.mkdtemp(prefix="hw-dl-")
    driver = start_browser(downloads, profile)
    try:
        driver.get(f"{portal}/login")
        driver.find_element(By.NAME, "email").send_keys(LOGIN)
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form#login button[type=submit]").click()
        WebDriverWait(driver, 10, poll_frequency=0.1).until(EC.url_contains("/factures"))
        invoices = read_page(driver, reads)
        for number in range(2, pages + 1):
            if turn == "url":
                driver.get(f"{portal}/factures?page={number}")
            else:
                driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click()  # returns once the page loaded
                WebDriverWait(driver, 10, poll_frequency=0.1).until(EC.url_contains(f"page={number}"))
            invoices += read_page(driver, reads)
        http = requests.Session()
        http.headers["User-Agent"] = driver.execute_script("return navigator.userAgent")
        for cookie in driver.get_cookies():
            http.cookies.set(cookie["name"], cookie["value"], domain=cookie.get("domain", ""))
        for invoice in invoices:
            response = http.get(invoice["pdf"], timeout=30)
            response.raise_for_status()
            if not response.content.startswith(b"%PDF-"):
                raise RuntimeError(f"{invoice['number']}: not a PDF")
            (out_dir / f"{invoice['number']}.pdf").write_bytes(response.content)
        return invoices
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("portal")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--reads", choices=["script", "elements"], default="script")
    parser.add_argument("--turn", choices=["url", "click"], default="url", help="how to reach page 2, 3…")
    args = parser.parse_args()
    print(f"{len(collect(args.portal, args.out_dir, args.reads, turn=args.turn))} invoices saved in {args.out_dir}")
