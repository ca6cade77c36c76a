"""Delivery of new invoices to their destinations: the Libeo inbox (mail through the user's
SMTP server) and a local folder. An outbox table, a worker thread, settings, API and CLI.

See docs/delivery.md for the guarantees (exactly once, except the documented crash window)."""
