"""The native messaging host: the program Chrome starts, for our extension only, so that the side
panel can pair itself and start the server without a terminal (`python -m backend.native_host`).
Its registration with the browsers is backend/autostart/browser_hosts.py."""
