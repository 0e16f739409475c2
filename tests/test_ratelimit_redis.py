"""With Redis configured, rate limits are shared by all workers, not counted per process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from board.extensions import db
from tests import factories

REDIS_URL = os.environ.get("BOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[1]

# One "gunicorn worker": its own process and app, trying a wrong password `attempts` times.
WORKER = textwrap.dedent(
    """
    import json, re, sys
    from board import create_app
    config, attempts = json.loads(sys.argv[1]), int(sys.argv[2])
    client = create_app(config).test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"email": "bernd@example.org", "password": "geraten", "csrf_token": token}
    print(json.dumps([client.post("/login", data=form).status_code for _ in range(attempts)]))
    """
)


def run_worker(config: dict, attempts: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(config), str(attempts)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {error}")


def test_two_worker_processes_share_one_login_limit_through_redis(app, app_config):
    redis_or_skip()
    factories.user(email="bernd@example.org")
    db.session.commit()
    config = {
        key: value for key, value in app_config.items() if isinstance(value, str | int | bool)
    }
    # A key prefix of our own, so parallel runs and other data in Redis don't interfere.
    config |= {"REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL}
    config["RATELIMIT_KEY_PREFIX"] = f"test-{secrets.token_hex(4)}"

    try:
        first = run_worker(config, 6)
        second = run_worker(config, 5)
    finally:  # leave the shared Redis as we found it
        import redis

        server = redis.Redis.from_url(REDIS_URL)
        for key in server.scan_iter(f"*/{config['RATELIMIT_KEY_PREFIX']}/*"):
            server.delete(key)

    assert first == [200] * 6
    assert second == [200] * 4 + [429]  # the limit (10 a minute) counted across both processes
