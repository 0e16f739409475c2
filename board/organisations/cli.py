"""`flask --app board organisation …`: a town's associations and administration, from the shell.

The same as /admin/organisations, for setting a town up from a script: members of a verified
association and of the administration publish without waiting for a moderator (moderation
policy "trust"), and the posts they make for it carry the badge.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from board.extensions import db
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.town import SLUG
from board.timeutil import utcnow


@click.group("organisation")
def organisation_command() -> None:
    """Add associations and the administration, verify them, name their members."""


@organisation_command.command("add")
@with_appcontext
@click.argument("slug")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in OrganisationKind]),
    default=OrganisationKind.ASSOCIATION.value,
    show_default=True,
)
@click.option("--verified/--not-verified", default=False, show_default=True)
@click.option("--website", default=None, help="https://…")
def add(slug: str, name: str, kind: str, verified: bool, website: str | None) -> None:
    """Add an organisation, or change the one with this SLUG (its page: /organisations/SLUG)."""
    if not SLUG.match(slug) or len(slug) > 80:
        raise click.BadParameter("use lower-case letters, digits and '-'", param_hint="SLUG")
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise click.BadParameter("1 to 120 characters", param_hint="NAME")
    if website and not website.startswith(("https://", "http://")):
        raise click.BadParameter("a web address starting with https://", param_hint="--website")
    organisation = _find(slug, missing_ok=True) or Organisation(slug=slug, created_at=utcnow())
    organisation.name, organisation.kind = name, OrganisationKind(kind)
    organisation.is_verified = verified
    organisation.website = website or organisation.website
    db.session.add(organisation)
    db.session.commit()
    click.echo(f"{slug}: {name} ({kind}, {'verified' if verified else 'not verified'})")


@organisation_command.command("member")
@with_appcontext
@click.argument("slug")
@click.argument("email")
@click.option("--remove", is_flag=True, help="End the membership instead.")
def member(slug: str, email: str, remove: bool) -> None:
    """Make the account with EMAIL a member of the organisation (or, with --remove, no longer)."""
    from board.accounts.services import find_user

    organisation = _find(slug)
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}: create-user first")
    membership = db.session.scalar(
        select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id)
    )
    if remove:
        if membership is not None:
            db.session.delete(membership)
        db.session.commit()
        click.echo(f"{email} is no longer a member of {slug}")
        return
    if membership is None:
        db.session.add(Membership(user=user, organisation=organisation, created_at=utcnow()))
    db.session.commit()
    click.echo(f"{email} is a member of {slug}")


def _find(slug: str, missing_ok: bool = False) -> Organisation | None:
    found = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None and not missing_ok:
        raise click.ClickException(f"no organisation {slug!r}: add it first")
    return found
