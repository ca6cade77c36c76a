"""One e-mail per invoice for the Libeo inbox: the PDF attached, the facts in the body.

Libeo finds the company from the To address and the member from the From address, and
only keeps application/pdf (or image) attachments (see docs/delivery.md).
"""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage

from backend import __version__
from backend.delivery.facts import InvoiceFacts, file_name, message_id


def _fr_date(facts_date) -> str:
    return facts_date.strftime("%d/%m/%Y") if facts_date else "inconnue"


def _amount(facts: InvoiceFacts, decimal_mark: str) -> str | None:
    if not facts.amount:
        return None
    return f"{facts.amount.replace('.', decimal_mark)} {facts.currency or ''}".strip()


def subject(facts: InvoiceFacts) -> str:
    return f"Facture {facts.provider_name} n° {facts.label} du {_fr_date(facts.date)}"


def body(facts: InvoiceFacts) -> str:
    fr = [("Fournisseur", facts.provider_name), ("Numéro", facts.number),
          ("Date", _fr_date(facts.date) if facts.date else None),
          ("Échéance", _fr_date(facts.due_date) if facts.due_date else None),
          ("Montant", _amount(facts, ",")), ("Compte fournisseur", facts.account_login),
          ("Référence", facts.key)]
    en = [("Supplier", facts.provider_name), ("Number", facts.number),
          ("Date", facts.date.isoformat() if facts.date else None),
          ("Due date", facts.due_date.isoformat() if facts.due_date else None),
          ("Amount", _amount(facts, ".")), ("Supplier account", facts.account_login),
          ("Reference", facts.key)]
    lines = ["Bonjour,", "",
             "Voici une facture collectée automatiquement par invoice-collector ; le PDF est en pièce jointe.",
             ""]
    lines += [f"{name} : {value}" for name, value in fr if value]
    lines += ["", "-- English --", "",
              "Here is an invoice collected automatically by invoice-collector; the PDF is attached.", ""]
    lines += [f"{name}: {value}" for name, value in en if value]
    lines += ["", f"invoice-collector {__version__}"]
    return "\n".join(lines) + "\n"


def build(facts: InvoiceFacts, pdf: bytes, sender: str, inbox: str) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = inbox
    msg["Subject"] = subject(facts)
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = message_id(facts)
    msg["X-Invoice-Collector-Key"] = f"{facts.provider}/{facts.key}"
    msg.set_content(body(facts))
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=file_name(facts))
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """CRLF line ends, as SMTP DATA expects."""
    return msg.as_bytes(policy=email.policy.SMTP)
