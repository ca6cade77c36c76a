"""6. Growth: what storing and de-duplicating an invoice costs when an account already has 10,
100, 1,000 and 10,000 invoices — with the server's own functions (collect.store_invoice, the
known-keys query of collect.run_job, the panel's routes through the Flask test client)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Report
from bench.portal import invoice_pdf

KNOWN_KEYS_SQL = "SELECT key FROM invoices WHERE account_id = ?"  # as collect.run_job reads them


def fresh_services(folder: Path):
    import random as _random

    from backend.collectors.language.catalog import Catalog
    from backend.config import Settings
    from backend.core.clock import utcnow
    from backend.core.store import Store
    from backend.server.services import Services
    store = Store(folder / "bench.sqlite3", folder / "pdf")
    services = Services(Settings(), store, Catalog(), None, utcnow, _random.Random(1), None)
    store.put_setting("libeo", {"enabled": True})  # each new invoice gets an outbox row, as in real use
    now = "2026-01-01T00:00:00Z"
    with store.transaction() as conn:
        account = conn.execute("INSERT INTO accounts(provider, login, terms_version, terms_accepted_at, created_at) "
                               "VALUES ('bench', 'bench@example.com', '1', ?, ?)", (now, now)).lastrowid
        job = conn.execute("INSERT INTO jobs(account_id, trigger, state, created_at) VALUES (?, 'manual', "
                           "'succeeded', ?)", (account, now)).lastrowid  # not 'running': create_app would recover it
    return services, account, job


def invoice(n: int, tag: str = "k"):
    from decimal import Decimal

    from backend.collectors.model import Invoice
    return Invoice(key=f"{tag}-{n:06d}", number=f"F{n:06d}", date=dt.date(2015, 1, 1) + dt.timedelta(days=n % 4000),
                   amount=Decimal(f"{20 + n % 300}.{n % 100:02d}"), currency="EUR")


def with_pdf(item, folder: Path, data: bytes):
    path = folder / f"{item.key}.pdf"
    path.write_bytes(data)
    item.pdf_path, item.sha256, item.size = path, hashlib.sha256(data).hexdigest(), len(data)
    return item


def timed(func, *args) -> float:
    started = time.perf_counter()
    func(*args)
    return time.perf_counter() - started


def measure(size: int, samples: int, folder: Path, pdfs: list[bytes], app_factory) -> dict:
    from backend.server.collect import store_invoice
    services, account, job = fresh_services(folder)
    rng = random.Random(size)
    fill = []
    for n in range(size):  # the account's history, as a first (baseline) sync stores it
        fill.append(timed(store_invoice, services, account, job, invoice(n), True))
    store = services.store
    checkpoint = store.connect()
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    os.sync()  # start each size clean: no dirty pages left by the fill for the first fsync to flush
    known_loads = []
    for _ in range(samples // 5 or 1):
        started = time.perf_counter()
        with store.transaction() as conn:
            known = {r["key"] for r in conn.execute(KNOWN_KEYS_SQL, (account,))}
        known_loads.append(time.perf_counter() - started)
    assert len(known) == size
    again = [timed(store_invoice, services, account, job, invoice(rng.randrange(size)), False)
             for _ in range(samples)]  # listed again: found by (account_id, key)
    bare = [timed(store_invoice, services, account, job, invoice(n, "bare"), False)
            for n in range(samples)]  # a new invoice without its PDF: the database's share alone
    new, duplicate = [], []
    for n in range(samples):
        item = with_pdf(invoice(n, "new"), folder, pdfs[n])
        new.append(timed(store_invoice, services, account, job, item, False))
        copy = with_pdf(invoice(n, "dup"), folder, pdfs[n])  # same PDF, another key: found by sha256
        duplicate.append(timed(store_invoice, services, account, job, copy, False))
    kinds = store.query_one("SELECT SUM(duplicate_of IS NOT NULL) AS dups, COUNT(*) AS n FROM invoices")
    assert kinds["dups"] == samples and kinds["n"] == size + 3 * samples, dict(kinds)
    get = app_factory(services)
    reads = {}
    for label, path in (("GET /api/invoices?account=… (first page of 50)", f"/api/invoices?account={account}"),
                        ("GET /api/invoices (all accounts, first page)", "/api/invoices"),
                        ("GET /api/accounts", "/api/accounts")):
        values = []
        for _ in range(max(5, samples // 5)):
            started = time.perf_counter()
            answer = get(path)
            values.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        reads[label] = statistics.median(values) * 1000
    plans = {}
    with store.read() as conn:
        for label, sql, params in (
                ("key lookup", "SELECT 1 FROM invoices WHERE account_id = ? AND key = ?", (account, "k-000001")),
                ("sha256 lookup", "SELECT id FROM invoices WHERE account_id = ? AND sha256 = ? AND duplicate_of "
                                  "IS NULL ORDER BY id LIMIT 1", (account, "0" * 64)),
                ("known keys", KNOWN_KEYS_SQL, (account,))):
            plans[label] = "; ".join(r["detail"] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    return {"fill": statistics.mean(fill) * 1e3, "known_load": statistics.median(known_loads) * 1e3,
            "again": statistics.median(again) * 1e3, "new": statistics.median(new) * 1e3,
            "bare": statistics.median(bare) * 1e3,
            "duplicate": statistics.median(duplicate) * 1e3, "reads": reads, "plans": plans,
            "db_mb": sum(p.stat().st_size for p in store.path.parent.glob(store.path.name + "*")) / 1e6}


def test_client_factory(token: str):
    def factory(services):
        from backend.config import Settings
        from backend.server.app import create_app
        app = create_app(Settings(), store=services.store, catalog=services.catalog, runner=lambda r: None)
        client = app.test_client()
        base = f"http://127.0.0.1:{Settings().port}"  # the Host the server accepts
        return lambda path: client.get(path, base_url=base, headers={"Authorization": f"Bearer {token}"})
    return factory


def run(args) -> Report:
    from backend.core import paired_browsers
    sizes = [10, 100] if args.quick else [10, 100, 1000, 10_000]
    samples = 10 if args.quick else 100
    token = secrets.token_urlsafe(32)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        os.environ["INVOICE_COLLECTOR_HOME"] = str(Path(tmp) / "home")
        paired_browsers.add(token)  # the routes' token check, in this run's private keyring
        pdfs = [invoice_pdf(f"G-{n}") for n in range(samples)]
        for size in sizes:
            folder = Path(tmp) / f"n{size}"
            folder.mkdir()
            results[size] = measure(size, samples, folder, pdfs, test_client_factory(token))
    report = Report(6, "Growth: store and dedup cost per invoice",
                    f"a fresh SQLite store (backend/core/store.py, WAL) per size; one account filled with N "
                    f"invoices by collect.store_invoice (one transaction each, as a first sync stores them); then "
                    f"{samples} samples each (median): an invoice listed again (found by account+key), a new "
                    f"invoice without then with its ~56 KB PDF (kept by content hash, fsync; one Libeo outbox row), the same "
                    f"PDF under another key (found by sha256: stored as a duplicate), the known-keys query a "
                    f"sync starts with, and the panel's reads through the Flask test client (no HTTP).")
    for size, r in results.items():
        report.row(f"N={size:,}: store while filling (mean)", f"{r['fill']:.2f} ms")
        report.row(f"N={size:,}: listed again (dedup by key)", f"{r['again']:.2f} ms")
        report.row(f"N={size:,}: new invoice + outbox row (no PDF)", f"{r['bare']:.2f} ms")
        report.row(f"N={size:,}: new invoice + PDF + outbox row", f"{r['new']:.2f} ms")
        report.row(f"N={size:,}: same PDF, other key (dedup by sha256)", f"{r['duplicate']:.2f} ms")
        report.row(f"N={size:,}: known keys at sync start", f"{r['known_load']:.2f} ms "
                                                           f"({r['known_load'] * 1000 / size:.2f} µs per invoice)")
        for label, ms in r["reads"].items():
            report.row(f"N={size:,}: {label}", f"{ms:.2f} ms")
        report.row(f"N={size:,}: database size", f"{r['db_mb']:.1f} MB")
    largest = results[sizes[-1]]
    for label, plan in largest["plans"].items():
        report.row(f"query plan: {label}", plan)
    small = results[sizes[1]]  # N=100: past the noise of a tiny table
    # The PDF's copy and fsync depend on the disk (shared here), not on N: the target is on the rest.
    for op, text in (("again", "dedup by key"), ("bare", "new invoice stored (database)"),
                     ("duplicate", "dedup by sha256")):
        ratio = largest[op] / small[op]
        report.target(f"{text} flat: cost at N={sizes[-1]:,} ≤ 1.5× N={sizes[1]:,} (got {ratio:.2f}×)", ratio <= 1.5)
    # The known-keys query reads every key once: linear in total, so its cost per invoice must not grow
    # (at small N the fixed cost of a transaction dominates, hence the comparison of the two largest).
    per_key = [results[s]["known_load"] * 1000 / s for s in sizes[-2:]]
    report.target(f"known keys: cost per invoice does not grow (N={sizes[-2]:,} → {sizes[-1]:,}: "
                  f"{per_key[0]:.2f} → {per_key[1]:.2f} µs)", per_key[1] <= 1.5 * per_key[0])
    label = "GET /api/invoices?account=… (first page of 50)"
    ratio = largest["reads"][label] / small["reads"][label]
    report.target(f"the panel's invoice page flat: N={sizes[-1]:,} ≤ 1.5× N={sizes[1]:,} (got {ratio:.2f}×)",
                  ratio <= 1.5)
    report.target("every lookup uses an index", all("SCAN" not in p for p in largest["plans"].values()))
    return report
