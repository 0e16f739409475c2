# A town's configuration. Copy to instance/config.py (or point BOARD_CONFIG at a file) and adapt.
# Only UPPER-CASE names count. BOARD_* environment variables override what is set here
# (e.g. BOARD_SECRET_KEY overrides SECRET_KEY). See README.md, "Configuration".

# Required outside debug mode: the board refuses to start with the built-in development key.
# Make one with:  python -c 'import secrets; print(secrets.token_hex(32))'
# SECRET_KEY = "..."

TOWN_NAME = "Neumarkt i.d.OPf."
TOWN_ACCENT_COLOR = "#0b6e4f"  # a hex colour, #rgb or #rrggbb

# The address residents reach the board at; links in e-mails are built from it (never from the
# request's Host header). https:// also marks the session cookies Secure.
BASE_URL = "https://brett.example.de"

# PostgreSQL in production (a plain postgresql:// URL is fine: psycopg 3 is used);
# SQLite in instance/board.sqlite3 when left out.
# DATABASE_URL = "postgresql://board@localhost/board"

# Without MAIL_SERVER, mails are written to instance/mail/*.eml (and, in debug mode, listed at
# /_mail) instead of being sent.
# MAIL_SERVER = "localhost"
# MAIL_PORT = 25
# MAIL_USE_TLS = False  # STARTTLS, usually with port 587
# MAIL_USE_SSL = False  # implicit TLS, usually with port 465
# MAIL_USERNAME = None
# MAIL_PASSWORD = None
MAIL_SENDER = "Schwarzes Brett Neumarkt <brett@example.de>"
# MAIL_MAX_ATTEMPTS = 12  # retries back off 1, 2, 4 … minutes (at most 6 h): about 20 hours

# Rate-limit counters shared by every gunicorn worker and host; in memory when left out.
# REDIS_URL = "redis://localhost:6379/0"

# Web sites allowed to show the board in an iframe (origins: scheme, host, optional port).
# EMBED_ORIGINS = ("https://www.neumarkt.de",)

# The town's categories (slug, German, English) and districts (slug, name); after a change run
# `flask --app board sync-town`. Left out, the defaults in board/config.py apply (no districts).
# CATEGORIES = [("nachbarschaftshilfe", "Nachbarschaftshilfe", "Neighbourly help"), ...]
# DISTRICTS = [("woffenbach", "Woffenbach"), ("poelling", "Pölling")]

# Moderation (README, "Moderation"). "trust": the first post of a new person waits for a
# moderator; trusted people, verified organisations and the administration publish at once.
# "pre": every post waits. "post": everything is published at once and reviewed afterwards.
# MODERATION_POLICY = "trust"
# MODERATION_TRUST_AFTER = 1  # posts let through before a person's posts publish at once
# MODERATION_REPORTS_TO_HIDE = 3  # distinct reporters that take a post off the board
# MODERATION_DIGEST = "daily"  # "off", "daily" (at MODERATION_DIGEST_HOUR) or "stale"
# MODERATION_DIGEST_HOUR = 7
# MODERATION_DIGEST_STALE_HOURS = 12
# SPAM_MAX_LINKS = 3
# SPAM_BLOCKLIST = ("casino", "bit.ly")  # words, phrases or domains; such posts wait
# SPAM_DUPLICATE_DAYS = 30
# SPAM_BURST_POSTS = 4  # more posts than this by one person within SPAM_BURST_MINUTES wait
# SPAM_BURST_MINUTES = 60
# RATELIMIT_REPORT = "5 per hour;20 per day"

# Lifetimes (README, "Expiry and scheduled work"): days per kind, per category slug, a maximum.
# LIFETIME_DAYS = {"offer": 30, "request": 30, "notice": 14, "event": 60}
# LIFETIME_DAYS_BY_CATEGORY = {"mitfahren": 7}
# MAX_LIFETIME_DAYS = 60
# MAX_RENEWALS = 5
# REMINDER_DAYS_BEFORE = 3
# PURGE_AFTER_DAYS = 90  # expired, closed, rejected posts keep their text this long
# PURGE_UNCONFIRMED_DAYS = 14
# PURGE_MAIL_DAYS = 30
# SCHEDULER_IN_PROCESS = False  # True: the web workers run the jobs (one at a time, by lock)
