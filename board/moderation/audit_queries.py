"""Reading the audit log: its filters (from a query string, forgiving) and one page of entries."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, load_only
from werkzeug.datastructures import MultiDict

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.posts.models import Post
from board.timeutil import BERLIN

MAX_PAGE = 500  # nobody reads further back page by page; the filters find old entries
_WORDS = re.compile(r"\S+|\s+")
BOARD = "board"  # the actor filter's value for what the board did by itself (actor None)


@dataclass(frozen=True)
class LogFilter:
    """The log's query string, checked: a value that makes no sense is dropped, never a 500."""

    action: Action | None = None
    actor: int | Literal["board"] | None = None
    post_id: int | None = None
    person_id: int | None = None
    since: date | None = None  # Berlin dates, both inclusive
    until: date | None = None
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return any(
            value is not None
            for value in (self.action, self.actor, self.post_id, self.person_id)
            + (self.since, self.until)
        )

    def query_args(self, **changes: object) -> dict[str, object]:
        """The filter as URL arguments, for links that keep it (pages, "all of this person")."""
        args: dict[str, object] = {
            "action": self.action.value if self.action else None,
            "actor": self.actor,
            "post": self.post_id,
            "person": self.person_id,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}


def positive_int(text: str | None, limit: int = 2**31 - 1) -> int | None:
    """A positive id that fits the database's integer column, else None."""
    text = (text or "").strip()
    if not text.isdecimal() or not text.isascii() or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= limit else None


def _date(text: str | None) -> date | None:
    try:
        day = date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None
    # Far-off years are typos; they would also overflow when turned into UTC instants.
    return day if 1970 <= day.year <= 9998 else None


def parse_log_filter(args: MultiDict[str, str]) -> LogFilter:
    action_text = args.get("action", "").strip()
    action = Action(action_text) if action_text in Action._value2member_map_ else None
    actor_text = args.get("actor", "").strip()
    actor: int | Literal["board"] | None = (
        BOARD if actor_text == BOARD else positive_int(actor_text)
    )
    since, until = _date(args.get("from")), _date(args.get("to"))
    if since and until and since > until:
        since, until = until, since  # typed the wrong way round: still what they meant
    page = positive_int(args.get("page")) or 1
    return LogFilter(
        action=action,
        actor=actor,
        post_id=positive_int(args.get("post")),
        person_id=positive_int(args.get("person")),
        since=since,
        until=until,
        page=min(page, MAX_PAGE),
    )


def berlin_midnight(day: date) -> datetime:
    """The start of a Berlin calendar day, in UTC (a day is 23 or 25 hours at the clock change)."""
    return datetime.combine(day, time(), tzinfo=BERLIN).astimezone(UTC)


def _with_people_and_post() -> tuple[object, ...]:
    return (
        joinedload(ModerationAction.actor).load_only(User.email, User.display_name),
        joinedload(ModerationAction.subject_user).load_only(User.email, User.display_name),
        joinedload(ModerationAction.post).load_only(Post.title, Post.status),
    )


def filtered_log(log_filter: LogFilter) -> Select[tuple[ModerationAction]]:
    """The log's entries matching the filter, newest first."""
    query = select(ModerationAction)
    if log_filter.action:
        query = query.where(ModerationAction.action == log_filter.action)
    if log_filter.actor == BOARD:
        query = query.where(ModerationAction.actor_id.is_(None))
    elif log_filter.actor is not None:
        query = query.where(ModerationAction.actor_id == log_filter.actor)
    if log_filter.post_id is not None:
        query = query.where(ModerationAction.post_id == log_filter.post_id)
    if log_filter.person_id is not None:
        query = query.where(ModerationAction.subject_user_id == log_filter.person_id)
    if log_filter.since:
        query = query.where(ModerationAction.created_at >= berlin_midnight(log_filter.since))
    if log_filter.until:
        next_day = berlin_midnight(log_filter.until + timedelta(days=1))
        query = query.where(ModerationAction.created_at < next_day)
    return query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())


@dataclass(frozen=True)
class LogPage:
    entries: list[ModerationAction]
    has_next: bool


def log_page(log_filter: LogFilter, per_page: int) -> LogPage:
    """One page of the log and whether another follows (no COUNT over the whole log)."""
    query = (
        filtered_log(log_filter)
        .options(*_with_people_and_post())
        .limit(per_page + 1)
        .offset((log_filter.page - 1) * per_page)
    )
    entries = list(db.session.scalars(query))
    return LogPage(entries[:per_page], len(entries) > per_page)


def history_of_person(user: User, limit: int = 50) -> list[ModerationAction]:
    """What moderation did about a person and their posts, newest first."""
    query = filtered_log(LogFilter(person_id=user.id)).options(*_with_people_and_post())
    return list(db.session.scalars(query.limit(limit)))


def log_actors() -> list[User]:
    """Everyone the actor filter offers: the moderators and admins, and whoever ever acted."""
    acted = select(ModerationAction.actor_id).where(ModerationAction.actor_id.is_not(None))
    query = (
        select(User)
        .options(load_only(User.email, User.display_name, User.role))
        .where(User.role.in_([Role.MODERATOR, Role.ADMIN]) | User.id.in_(acted.distinct()))
        .order_by(func.lower(func.coalesce(User.display_name, User.email)), User.id)
    )
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- an edit's before and after


@dataclass(frozen=True)
class Change:
    """A run of words an edit kept ("same"), took out ("del") or put in ("ins")."""

    kind: Literal["same", "del", "ins"]
    text: str


def word_diff(before: str, after: str) -> list[Change]:
    """What changed between two texts, word by word (a typo fix reads as one struck word)."""
    # Words and the spaces between them are both tokens, so line breaks survive the diff.
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(Change("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            changes.append(Change("del", "".join(old[a1:a2])))
        if b2 > b1:
            changes.append(Change("ins", "".join(new[b1:b2])))
    return changes
