"""A person deletes their account (DSGVO Art. 17): everything that tells who they are goes at once.

Their posts leave the board and are erased like the purge job erases old posts, so the town's
counts stay. The user row stays, emptied, because the audit log says who decided what and about
whom, and the log is append-only; purge_unconfirmed_people removes the row once nothing points
at it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from board.accounts.models import Role, User, new_session_token
from board.extensions import db
from board.mail.models import OutboxMail
from board.mail.services import queue_mail
from board.moderation.models import Report
from board.organisations.models import Membership
from board.posts.models import Post
from board.posts.purge import erase_posts
from board.posts.status import ALLOWED, PostStatus, bulk_transition
from board.subscriptions.models import Subscription


class LastAdmin(Exception):
    """The only administrator cannot leave: nobody could appoint moderators any more."""


def deleted_address(user: User) -> str:
    """What stands in the address column afterwards: unique, and never deliverable (RFC 2606)."""
    return f"deleted-{user.id}@invalid"


def is_last_admin(user: User) -> bool:
    if not user.is_admin:
        return False
    others = select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.id != user.id, User.deleted_at.is_(None)
    )
    return db.session.scalar(others) == 0


def delete_account(user: User, now: datetime) -> int:
    """Delete the account now; returns how many of its posts were erased. The caller commits."""
    if is_last_admin(user):
        raise LastAdmin
    address, locale = user.email, user.locale
    post_ids = _take_posts_off_the_board(user, now)
    erase_posts(post_ids, now)
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    # The row stays, so ON DELETE CASCADE does not take them: no more mails about new posts.
    db.session.execute(delete(Subscription).where(Subscription.user_id == user.id))
    # Reports the person made still count on the posts they flagged, without saying by whom.
    db.session.execute(
        update(Report)
        .where(Report.reporter_id == user.id)
        .values(reporter_id=None)
        .execution_options(synchronize_session=False)
    )
    # Mails to the address (sent copies hold texts and links); the goodbye below is the last.
    db.session.execute(
        delete(OutboxMail)
        .where(OutboxMail.to_address == address)
        .execution_options(synchronize_session=False)
    )
    _empty(user, now)
    queue_mail(address, "account_deleted", locale=locale, posts=len(post_ids))
    return len(post_ids)


def _take_posts_off_the_board(user: User, now: datetime) -> list[int]:
    """Close whatever can still be closed (on the board, waiting, returned); return all post ids."""
    mine = Post.author_id == user.id
    for status in PostStatus:
        if PostStatus.CLOSED in ALLOWED[status]:
            bulk_transition(status, PostStatus.CLOSED, mine, now)
    return list(db.session.scalars(select(Post.id).where(mine)))


def _empty(user: User, now: datetime) -> None:
    """Keep the row's id and nothing about the person; every session and link dies with it."""
    user.email = deleted_address(user)
    user.display_name = None
    user.password_hash = None
    user.pending_password_hash = None
    user.role = Role.RESIDENT
    user.is_trusted = False
    user.email_confirmed_at = None
    user.registered_at = None
    user.last_login_at = None
    user.session_token = new_session_token()
    user.link_nonce = new_session_token()
    user.deleted_at = now
