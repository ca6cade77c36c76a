"""invoice-collector: collects supplier invoices from provider portals and sends them to Libeo."""

__version__ = "0.1.0"
APP_NAME = "invoice-collector"
API_VERSION = 1
