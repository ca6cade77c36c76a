"""The local server the extension talks to: accounts, keyring credentials, scheduled collections,
invoices, behind a locked door (see security.py). Entry point: create_app()."""

from backend.server.app import create_app

__all__ = ["create_app"]
