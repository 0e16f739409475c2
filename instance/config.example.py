# A town's configuration. Copy to instance/config.py (or point BOARD_CONFIG at it) and adapt.
# BOARD_* environment variables override what is set here.

SECRET_KEY = "replace with the output of: python -c 'import secrets; print(secrets.token_hex(32))'"
TOWN_NAME = "Neumarkt i.d.OPf."
TOWN_ACCENT_COLOR = "#0b6e4f"
BASE_URL = "https://brett.example.de"

# PostgreSQL in production; SQLite in instance/ when left out.
# DATABASE_URL = "postgresql+psycopg://board@localhost/board"

# MAIL_SERVER = "localhost"
# MAIL_PORT = 25
# MAIL_USE_TLS = False
# MAIL_USERNAME = None
# MAIL_PASSWORD = None
MAIL_SENDER = "Schwarzes Brett Neumarkt <brett@example.de>"

# Shared rate-limit counters across gunicorn workers and hosts.
# REDIS_URL = "redis://localhost:6379/0"
