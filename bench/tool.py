"""The Python half of bench/run: databases, facts about the generated town, and the report.

python bench/tool.py create-database postgresql+psycopg://postgres@127.0.0.1:5432/
python bench/tool.py drop-database URL
python bench/tool.py create-schema         # for BOARD_DATABASE_URL
python bench/tool.py facts                 # key=value lines about the town
python bench/tool.py report WORKDIR bench/RESULTS.md --command ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import secrets
import subprocess
import sys
import warnings
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

# The board of the checkout this file is in, not whatever the virtualenv has installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = "<!-- bench:start (written by bench/run; edit the notes outside these markers) -->"
END = "<!-- bench:end -->"
# The bar for the board page `/` (DESIGN §8 and issue 2's benchmark brief).
BAR_RATIO = 0.5
BAR_P99_MS = 50.0
TRIVIAL = ("/healthz", "/static/img/favicon.svg")


def create_database(server_url: str) -> None:
    """Create bench_<random> on the server and print its URL; fail quietly when unreachable."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001  (any failure means: no PostgreSQL today)
        print(f"cannot create a database: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        admin.dispose()
    print(make_url(server_url).set(database=name).render_as_string(hide_password=False))


def drop_database(url: str) -> None:
    target = make_url(url)
    assert target.database and target.database.startswith("bench_"), "only drops bench_* databases"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _app():  # type: ignore[no-untyped-def]
    warnings.filterwarnings("ignore", message="Using the in-memory storage")
    from board import create_app

    return create_app()


def create_schema() -> None:
    """The schema the models describe (what the migration is regenerated from at integration)."""
    from board.extensions import db

    with _app().app_context():
        db.create_all()


def facts() -> None:
    """Print what the report needs to know about the town, after PostgreSQL's ANALYZE.

    PostgreSQL's autovacuum analyses a freshly loaded table within a minute; we do it at once so
    the figures don't depend on when it ran. SQLite has no such thing, so it is measured as is.
    """
    from board.extensions import db
    from board.posts.models import Post
    from board.timeutil import utcnow

    with _app().app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        now = utcnow()
        total = db.session.scalar(select(func.count()).select_from(Post))
        visible = db.session.scalar(
            select(func.count()).select_from(Post).where(Post.visible_clause(now))
        )
        newest = db.session.scalar(
            select(Post.id)
            .where(Post.visible_clause(now))
            .order_by(Post.published_at.desc(), Post.id.desc())
            .limit(1)
        )
        if newest is None:
            sys.exit("the generated town has no visible post to open")
        server = db.engine.dialect.server_version_info
        print(f"posts={total}\nvisible={visible}\npost_id={newest}")
        print(f"server={db.engine.dialect.name} {'.'.join(map(str, server or ()))}")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    percentile = {
        int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: .*timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": percentile[50],
        "p99": percentile[99],
        "bad": float(errors.group(1)) if errors else 0.0,
        # A sync worker closes each connection, so "read" errors are its hang-ups, not failures.
        "timeouts": float(socket.group(1)) if socket else 0.0,
    }


def _median_round(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The round with the median req/s, whole: its latencies belong to its throughput."""
    ordered = sorted(rounds, key=lambda figures: figures["rps"])
    median = dict(ordered[len(ordered) // 2])
    median["bad"] = sum(figures["bad"] for figures in rounds)
    median["timeouts"] = sum(figures["timeouts"] for figures in rounds)
    return median


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True)  # noqa: S607
        for line in lscpu.stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, {cpu}, {platform.system()} {platform.release()}"


def _versions() -> str:
    import sqlite3
    from importlib.metadata import version

    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
    wrk_version = (wrk.stdout + wrk.stderr).split()[1]
    return (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"Flask {version('flask')}, SQLAlchemy {version('sqlalchemy')}, "
        f"gunicorn {version('gunicorn')}, wrk {wrk_version}"
    )


def report(args: argparse.Namespace) -> None:
    work = Path(args.workdir)
    lines = [
        START,
        f"## Latest run: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"- command: `{args.command}`",
        f"- machine: {_machine()}",
        f"- software: {_versions()}",
        f"- load: `wrk -t1 -c{args.connections} -d{args.duration} --latency` per URL, "
        f"{args.rounds} rounds through all URLs after a warm-up, each URL's median round shown; "
        f"`gunicorn -w {args.workers}` (sync workers) on 127.0.0.1, wrk on the same machine",
        f"- ratio: the URL's req/s over the faster trivial endpoint's ({', '.join(TRIVIAL)}); "
        f"the bar for `/` is ratio ≥ {BAR_RATIO:.2f} and p99 < {BAR_P99_MS:.0f} ms",
        "",
    ]
    for database in ("sqlite", "postgresql"):
        folder = work / database
        if not (folder / "facts").exists():
            continue
        facts = dict(
            line.split("=", 1)
            for line in (folder / "facts").read_text().splitlines()
            if "=" in line
        )
        rows = []
        for label_file in sorted(folder.glob("*.label"), key=lambda p: int(p.stem)):
            label = label_file.read_text().strip()
            _, size = (folder / f"{label_file.stem}.curl").read_text().split()
            rounds = [
                parse_wrk(f.read_text()) for f in folder.glob(f"{label_file.stem}.round*.wrk")
            ]
            rows.append((label, _median_round(rounds), int(size)))
        trivial = max(figures["rps"] for label, figures, _ in rows if label in TRIVIAL)
        lines += [
            f"### {facts['server']}",
            "",
            f"{int(facts['posts']):,} posts ({int(facts['visible']):,} visible) from "
            f"`flask --app board demo-data --posts {args.posts}` in {facts['demo_seconds']} s.",
            "",
            "| URL | req/s | p50 ms | p99 ms | ratio | bytes | bar |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for label, figures, size in rows:
            ratio = figures["rps"] / trivial
            bar = ""
            if label not in TRIVIAL:
                met = ratio >= BAR_RATIO and figures["p99"] < BAR_P99_MS
                bar = "met" if met else "**missed**"
            failures = int(figures["bad"] + figures["timeouts"])
            if failures:
                bar += f" ({failures} failed requests)"
            path, _, note = label.partition(" ")
            shown = f"`{path}`" + (f" {note}" if note else "")
            lines.append(
                f"| {shown} | {figures['rps']:.0f} | {figures['p50']:.1f} | {figures['p99']:.1f} "
                f"| {ratio:.2f} | {size:,} | {bar} |"
            )
        lines.append("")
    lines.append(END)
    block = "\n".join(lines)

    results = Path(args.results)
    empty = f"# Benchmarks\n\n{START}\n{END}\n"
    current = results.read_text() if results.exists() else empty
    if START in current and END in current:
        head, rest = current.split(START, 1)
        _, tail = rest.split(END, 1)
        current = head + block + tail
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(current)
    print(block)


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("create-database").add_argument("url")
    commands.add_parser("drop-database").add_argument("url")
    commands.add_parser("create-schema")
    commands.add_parser("facts")
    rep = commands.add_parser("report")
    rep.add_argument("workdir")
    rep.add_argument("results")
    for option in ("--command", "--workers", "--connections", "--duration", "--rounds", "--posts"):
        rep.add_argument(option, required=True)
    args = parser.parse_args()
    if args.action == "create-database":
        create_database(args.url)
    elif args.action == "drop-database":
        drop_database(args.url)
    elif args.action == "create-schema":
        create_schema()
    elif args.action == "facts":
        facts()
    else:
        report(args)


if __name__ == "__main__":
    main()
