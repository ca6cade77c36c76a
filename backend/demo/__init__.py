"""The demo: Énergie Démo, a fictitious supplier portal to try invoice-collector with no real account
(portal, store, pdf), the local stand-in for the Libeo inbox (inbox), a private keyring when the
machine has none (keyring) and `invoice-collector demo` itself (walkthrough)."""

from backend.demo.portal import DEMO_LOGIN, DEMO_PASSWORD, create_demo_app, serve_demo_portal, start_demo_portal
from backend.demo.store import load_invoices, publish_invoice

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "create_demo_app", "load_invoices", "publish_invoice",
           "serve_demo_portal", "start_demo_portal"]
