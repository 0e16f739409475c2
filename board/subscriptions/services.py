"""Subscriptions: a person watches a board search and gets its new posts by e-mail.

A person with a confirmed address (logged in) subscribes at once; a guest's subscription waits
for the button behind a mailed link (double opt-in). Mailed links carry the subscription's id
and secret, signed: the confirmation link expires after CONFIRM_LINK_MAX_AGE, the link that
ends a subscription works as long as the subscription exists.
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from board.accounts.models import User
from board.accounts.services import find_user
from board.extensions import db
from board.inputs import BIDI_CONTROLS
from board.mail.services import queue_mail
from board.posts.labels import kind_label
from board.posts.models import Category, District, PostKind
from board.posts.queries import BoardFilter, CategoryChoice, DistrictChoice
from board.security import InvalidLink, external_url, sign, unsign
from board.subscriptions.models import Frequency, Subscription

MAX_PER_PERSON = 10
Q_MAX_LENGTH = 100
CONFIRM_PURPOSE = "subscriptions.confirm"
END_PURPOSE = "subscriptions.end"


class FilterError(ValueError):
    """A filter value the board does not know (or cannot store); the message says which."""


class TooMany(Exception):
    """The person already has MAX_PER_PERSON subscriptions."""


@dataclass(frozen=True)
class Watch:
    """What a subscription watches, checked: every part is known to the board."""

    kind: PostKind | None = None
    category: Category | None = None
    district: District | None = None
    q: str | None = None

    @property
    def key(self) -> str:
        return filter_key(
            self.kind,
            self.category.id if self.category else None,
            self.district.id if self.district else None,
            self.q,
        )

    def query_args(self) -> dict[str, str]:
        """The filter as the board's query string (for links to the board and back here)."""
        args = {
            "kind": self.kind.value if self.kind else None,
            "category": self.category.slug if self.category else None,
            "district": self.district.slug if self.district else None,
            "q": self.q,
        }
        return {key: value for key, value in args.items() if value}


def filter_key(
    kind: PostKind | None, category_id: int | None, district_id: int | None, q: Any
) -> str:
    return "|".join(
        (kind.value if kind else "", str(category_id or ""), str(district_id or ""), q or "")
    )


def watch_of(subscription: Subscription) -> Watch:
    return Watch(subscription.kind, subscription.category, subscription.district, subscription.q)


def parse_watch(args: MultiDict[str, str]) -> Watch:
    """The board's query (kind, category, district, q) as a Watch; FilterError for what the
    board does not know, rather than quietly watching more than the person asked for."""
    kind_value = args.get("kind", "").strip()
    if kind_value and kind_value not in PostKind._value2member_map_:
        raise FilterError(_l("Diese Art von Beiträgen gibt es nicht."))
    category_slug = args.get("category", "").strip()
    category = None
    if category_slug:
        category = db.session.scalar(select(Category).where(Category.slug == category_slug))
        if category is None:
            raise FilterError(_l("Diese Kategorie gibt es nicht (mehr)."))
    district_slug = args.get("district", "").strip()
    district = None
    if district_slug:
        district = db.session.scalar(select(District).where(District.slug == district_slug))
        if district is None:
            raise FilterError(_l("Diesen Ortsteil gibt es nicht (mehr)."))
    raw_q = args.get("q", "")
    if any(unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS for ch in raw_q):
        raise FilterError(_l("Der Suchbegriff enthält unzulässige Steuerzeichen."))
    q = " ".join(raw_q.split())
    if len(q) > Q_MAX_LENGTH:
        raise FilterError(_l("Der Suchbegriff darf höchstens 100 Zeichen lang sein."))
    return Watch(PostKind(kind_value) if kind_value else None, category, district, q or None)


def board_filter(watch: Watch) -> BoardFilter:
    """The board's own filter for a watch, so a mail lists what the board page would show.

    Built from the watch's rows, not the board's cached choices: those are checked on a
    connection of their own, which on SQLite would wait for the job's write transaction.
    """
    category, district = watch.category, watch.district
    return BoardFilter(
        kind=watch.kind,
        category=CategoryChoice(category.id, category.slug, category.name_de, category.name_en)
        if category
        else None,
        district=DistrictChoice(district.id, district.slug, district.name) if district else None,
        q=watch.q or "",
    )


def describe(watch: Watch, locale: str) -> str:
    """The watch in words: "Biete · Verschenken · Woffenbach · „kinderwagen“"."""
    parts = []
    if watch.kind:
        parts.append(kind_label(watch.kind))
    if watch.category:
        parts.append(watch.category.name(locale))
    if watch.district:
        parts.append(watch.district.name)
    if watch.q:
        parts.append(_("„%(q)s“", q=watch.q))
    return " · ".join(parts) if parts else _("alle neuen Beiträge")


def frequency_label(frequency: Frequency) -> str:
    return _("täglich") if frequency is Frequency.DAILY else _("wöchentlich")


# ---------------------------------------------------------------- subscribing


def subscriptions_of(user: User) -> list[Subscription]:
    """A person's confirmed subscriptions, oldest first."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == user.id, Subscription.confirmed_at.is_not(None))
            .order_by(Subscription.created_at, Subscription.id)
        )
    )


def _existing(user: User, watch: Watch) -> Subscription | None:
    return db.session.scalar(
        select(Subscription).where(
            Subscription.user_id == user.id, Subscription.filter_key == watch.key
        )
    )


def _count(user: User, confirmed: bool) -> int:
    state = (
        Subscription.confirmed_at.is_not(None) if confirmed else Subscription.confirmed_at.is_(None)
    )
    return (
        db.session.scalar(
            select(func.count(Subscription.id)).where(Subscription.user_id == user.id, state)
        )
        or 0
    )


def _new(user: User, watch: Watch, frequency: Frequency, now: datetime) -> Subscription:
    subscription = Subscription(
        user=user,
        kind=watch.kind,
        category=watch.category,
        district=watch.district,
        q=watch.q,
        filter_key=watch.key,
        frequency=frequency,
        created_at=now,
        sent_until=now,
    )
    db.session.add(subscription)
    return subscription


def subscribe(
    user: User, watch: Watch, frequency: Frequency, now: datetime
) -> tuple[Subscription, bool]:
    """Subscribe a person whose address is confirmed; returns the subscription and whether it
    is new (False: they already watch this, and it stays as it was). TooMany at the limit."""
    existing = _existing(user, watch)
    if existing is not None:
        if existing.confirmed_at is None:  # a guest's unconfirmed one: now the person is known
            existing.confirmed_at = now
            existing.sent_until = now
            existing.frequency = frequency
            return existing, True
        return existing, False
    if _count(user, confirmed=True) >= MAX_PER_PERSON:
        raise TooMany
    subscription = _new(user, watch, frequency, now)
    subscription.confirmed_at = now
    db.session.flush()
    return subscription, True


def request_subscription(
    address: str, watch: Watch, frequency: Frequency, locale: str, now: datetime
) -> None:
    """A guest asks: mail the address a confirmation link (or why there is nothing to confirm).

    The page answers the same whatever happens here, so nobody learns what an address watches.
    """
    user = find_user(address)
    if user is None:
        user = User(email=address.lower(), locale=locale, created_at=now)
        db.session.add(user)
        db.session.flush()
    if user.is_suspended or user.deleted_at is not None:
        return
    existing = _existing(user, watch)
    context = {"watch": watch, "board_url": _board_url(watch)}
    if existing is not None and existing.confirmed_at is not None:
        queue_mail(
            user.email,
            "subscription_confirm",
            locale=user.locale,
            outcome="already",
            end_url=end_url(existing),
            **context,
        )
        return
    if existing is None and _count(user, confirmed=True) >= MAX_PER_PERSON:
        queue_mail(
            user.email,
            "subscription_confirm",
            locale=user.locale,
            outcome="too_many",
            limit=MAX_PER_PERSON,
            account_url=external_url(url_for("accounts.account")),
            **context,
        )
        return
    if existing is None:
        if _count(user, confirmed=False) >= MAX_PER_PERSON:
            return  # a stranger filling in this address again and again: no more mail
        existing = _new(user, watch, frequency, now)
        db.session.flush()
    else:
        existing.frequency = frequency
    queue_mail(
        user.email,
        "subscription_confirm",
        locale=user.locale,
        outcome="confirm",
        confirm_url=confirm_url(existing, now),
        frequency=existing.frequency,
        valid_for=timedelta(seconds=_confirm_max_age()),
        **context,
    )


def confirm_subscription(subscription: Subscription, now: datetime) -> bool:
    """Start a guest's subscription; False when it had been confirmed already."""
    if subscription.confirmed_at is not None:
        return False
    if _count(subscription.user, confirmed=True) >= MAX_PER_PERSON:
        raise TooMany
    subscription.confirmed_at = now
    subscription.sent_until = now
    # Whoever pressed the button reads this address (as a guest's confirmed post proves it).
    subscription.user.email_confirmed_at = subscription.user.email_confirmed_at or now
    return True


def end_subscription(subscription: Subscription) -> None:
    db.session.delete(subscription)


# ---------------------------------------------------------------- mailed links


def _confirm_max_age() -> int:
    return int(current_app.config["CONFIRM_LINK_MAX_AGE"])


def confirm_url(subscription: Subscription, now: datetime) -> str:
    token = sign(CONFIRM_PURPOSE, [subscription.id, subscription.secret, int(now.timestamp())])
    return external_url(url_for("subscriptions.confirm", token=token))


def end_token(subscription: Subscription) -> str:
    return sign(END_PURPOSE, [subscription.id, subscription.secret])


def end_url(subscription: Subscription) -> str:
    return external_url(url_for("subscriptions.end", token=end_token(subscription)))


def one_click_url(subscription: Subscription) -> str:
    """RFC 8058: the mail program POSTs here to end the subscription, without a page."""
    return external_url(url_for("subscriptions.one_click", token=end_token(subscription)))


def _board_url(watch: Watch) -> str:
    return external_url(url_for("posts.index", **watch.query_args()))


def board_url(subscription: Subscription) -> str:
    return _board_url(watch_of(subscription))


def _payload(purpose: str, token: str, length: int, max_age: int | None) -> list[Any]:
    payload = unsign(purpose, token, max_age)
    if not (
        isinstance(payload, list)
        and len(payload) == length
        and isinstance(payload[0], int)
        and isinstance(payload[1], str)
    ):
        raise InvalidLink("invalid")
    return payload


def _matching(payload: list[Any]) -> Subscription | None:
    subscription = db.session.get(Subscription, payload[0])
    if subscription is None or not hmac.compare_digest(subscription.secret, payload[1]):
        return None
    return subscription


def check_confirm_token(token: str, now: datetime) -> Subscription:
    """The subscription a confirmation link is for; InvalidLink if forged, expired or gone."""
    max_age = _confirm_max_age()
    payload = _payload(CONFIRM_PURPOSE, token, 3, max_age)
    if not isinstance(payload[2], int) or now.timestamp() - payload[2] > max_age:
        raise InvalidLink("expired")
    subscription = _matching(payload)
    if subscription is None:  # purged unconfirmed, or ended since
        raise InvalidLink("used")
    return subscription


def check_end_token(token: str) -> Subscription | None:
    """The subscription an end link is for, or None when it has ended already; InvalidLink
    when the link is forged."""
    return _matching(_payload(END_PURPOSE, token, 2, None))
