"""Who may take which moderation step, checked on the server for every action.

Views call these before anything else; services call them again, so no path around a view
(a CLI command, a future API) can skip them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from board.accounts.models import Role, User
from board.posts.models import Post


class NotAllowed(Exception):
    """The person may not take this step; the message says why."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def may_moderate(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_moderator and not user.is_suspended)


def check_may_moderate(user: User | None) -> None:
    if not may_moderate(user):
        raise NotAllowed(_l("Nur Moderatorinnen und Moderatoren können das tun."))


def check_may_decide(moderator: User, post: Post) -> None:
    """A moderator decides on other people's posts, never on their own."""
    check_may_moderate(moderator)
    if post.author_id == moderator.id:
        raise NotAllowed(
            _l(
                "Über eigene Beiträge entscheidet eine andere Moderatorin "
                "oder ein anderer Moderator."
            )
        )


def check_may_manage_user(moderator: User, user: User) -> None:
    """Moderators act on residents, only admins on moderators and admins, nobody on themselves."""
    check_may_moderate(moderator)
    if user.id == moderator.id:
        raise NotAllowed(_l("Das eigene Konto kann man hier nicht ändern."))
    if user.is_moderator and not moderator.is_admin:
        raise NotAllowed(
            _l("Nur Admins können Moderatorinnen und Moderatoren sperren oder ändern.")
        )


def check_may_set_role(admin: User, user: User) -> None:
    if not (may_moderate(admin) and admin.role is Role.ADMIN):
        raise NotAllowed(_l("Nur Admins können Rollen vergeben."))
    if user.id == admin.id:
        raise NotAllowed(
            _l("Die eigene Rolle kann man nicht ändern: Das muss ein anderer Admin tun.")
        )
