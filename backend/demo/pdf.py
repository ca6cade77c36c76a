"""A real, readable PDF for each demo invoice, made with pypdf (same invoice, same bytes)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from backend.demo.store import french_amount, french_date

COMPANY = "Énergie Démo"


def _pdf_text(text: str) -> str:
    """A PDF string literal in WinAnsi (Helvetica's encoding): accents and € included."""
    data = text.replace("\u202f", " ").replace("\u00a0", " ").encode("cp1252", "replace")
    return "(" + "".join(chr(c) if 32 <= c < 127 and chr(c) not in "()\\" else f"\\{c:03o}" for c in data) + ")"


def invoice_lines(invoice: dict[str, Any], customer: str) -> list[tuple[int, str]]:
    """(font size, text) lines printed on the invoice."""
    amount = Decimal(invoice["amount"])
    return [
        (20, COMPANY), (10, "Fournisseur d'électricité de démonstration — aucune somme n'est due"), (10, ""),
        (14, f"Facture n° {invoice['number']}"), (11, f"Client : {customer}"),
        (11, f"Période : {invoice['period']}"),
        (11, f"Date d'émission : {french_date(dt.date.fromisoformat(invoice['date']))}"),
        (11, f"Date d'échéance : {french_date(dt.date.fromisoformat(invoice['due_date']))}"), (11, ""),
        (11, f"Montant HT : {french_amount((amount / Decimal('1.2')).quantize(Decimal('0.01')))}"),
        (14, f"Montant TTC : {french_amount(amount)}"), (9, ""),
        (9, f"Référence interne : {invoice['id']}"),
    ]


def invoice_pdf(invoice: dict[str, Any], customer: str) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)  # A4 in points
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica"),
                             NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    ops, y = ["BT"], 780
    for size, text in invoice_lines(invoice, customer):
        ops.append(f"/F1 {size} Tf 1 0 0 1 60 {y} Tm {_pdf_text(text)} Tj")
        y -= size + 10
    ops.append("ET")
    content = ContentStream(None, writer)  # the type replace_contents takes; written out byte for byte as set
    content.set_data("\n".join(ops).encode("latin-1"))
    page.replace_contents(content)
    writer.add_metadata({"/Title": f"{COMPANY} — facture {invoice['number']}", "/Author": COMPANY})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
