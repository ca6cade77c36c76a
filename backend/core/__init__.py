"""What every part of the program shares: the SQLite store and its migrations, secrets in the
OS keyring, UTC time, cross-process locks. Nothing here knows Flask, Selenium or SMTP."""
