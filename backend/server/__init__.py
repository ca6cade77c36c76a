"""The local server the extension talks to: accounts, keyring credentials, scheduled collections,
invoices, behind a locked door (security.py). Entry point: backend.server.app.create_app().

Importing this package loads nothing: the store and the keyring live in backend.core, so a
module that needs them never pulls in Flask."""
