"""Which organisations a person speaks for."""

from __future__ import annotations

from sqlalchemy import select

from board.accounts.models import User
from board.extensions import db
from board.organisations.models import Membership, Organisation


def organisations_of(user: User) -> list[Organisation]:
    """The organisations the person is a member of, by name: whom they may post for."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def manages(user: User, organisation_id: int | None) -> bool:
    """Is the person one of those who look after the organisation's posts (a manager)?"""
    if organisation_id is None:
        return False
    return bool(
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation_id,
                Membership.is_manager.is_(True),
            )
        )
    )
