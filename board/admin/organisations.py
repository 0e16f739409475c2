"""The town's associations and administration, managed by its administrators at
/admin/organisations: particulars, verification and members, each change in the audit log.

Members of a verified organisation publish without waiting for a moderator and their posts carry
the badge, so who is verified and who is a member is a moderation decision: the log keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from board.accounts.models import User
from board.accounts.services import find_user
from board.admin import bp
from board.admin.forms import KIND_LABELS, SLUG_MAX, MemberForm, OrganisationForm
from board.admin.views import admin_required
from board.extensions import db
from board.moderation.models import Action
from board.moderation.services import record
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.models import Post
from board.search import fold
from board.site import form_checks_csrf
from board.timeutil import utcnow

_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# The particulars an edit compares (verification has entries of its own).
EDITED_FIELDS = ("name", "slug", "kind", "website", "description")


class OrganisationError(Exception):
    """A change that cannot be made; `message` says why, for the administrator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlugTaken(OrganisationError):
    pass


@dataclass(frozen=True)
class Particulars:
    name: str
    slug: str
    kind: OrganisationKind
    website: str | None
    description: str
    is_verified: bool

    def stored(self) -> dict[str, str]:
        """The compared fields as the audit log keeps them (plain strings)."""
        return {
            "name": self.name,
            "slug": self.slug,
            "kind": self.kind.value,
            "website": self.website or "",
            "description": self.description,
        }


# ---------------------------------------------------------------- operations


def slug_from_name(name: str) -> str:
    """A page address offered for a name: "Gärtnerei Groß" → "gaertnerei-gross"."""
    text = name.lower().translate(_SPELLED_OUT)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_SLUG.sub("-", text).strip("-")[:SLUG_MAX].strip("-")


def _particulars_of(organisation: Organisation) -> Particulars:
    return Particulars(
        name=organisation.name,
        slug=organisation.slug,
        kind=organisation.kind,
        website=organisation.website,
        description=organisation.description or "",
        is_verified=organisation.is_verified,
    )


def _about(organisation: Organisation, **more: Any) -> dict[str, Any]:
    return {"organisation": organisation.name, "slug": organisation.slug, **more}


def save_organisation(
    organisation: Organisation | None, new: Particulars, admin: User, now: datetime
) -> Organisation:
    """Create an organisation or change one, logging what changed; SlugTaken if the address is
    another organisation's."""
    taken = db.session.scalar(select(Organisation.id).where(Organisation.slug == new.slug))
    if taken is not None and (organisation is None or taken != organisation.id):
        raise SlugTaken(_("Diese Adresse hat schon eine andere Organisation."))
    old = None if organisation is None else _particulars_of(organisation)
    if organisation is None:
        organisation = Organisation(created_at=now)
        db.session.add(organisation)
    organisation.name, organisation.slug, organisation.kind = new.name, new.slug, new.kind
    organisation.website, organisation.description = new.website, new.description
    organisation.is_verified = new.is_verified
    db.session.flush()
    if old is None:
        record(
            Action.ORGANISATION_CREATE,
            admin,
            now,
            details=_about(organisation, after=new.stored()),
        )
    else:
        before, after = old.stored(), new.stored()
        changed = [key for key in EDITED_FIELDS if before[key] != after[key]]
        if changed:
            record(
                Action.ORGANISATION_EDIT,
                admin,
                now,
                details=_about(
                    organisation,
                    before={key: before[key] for key in changed},
                    after={key: after[key] for key in changed},
                ),
            )
    if new.is_verified != (old.is_verified if old else False):
        verified = Action.ORGANISATION_VERIFY if new.is_verified else Action.ORGANISATION_UNVERIFY
        record(verified, admin, now, details=_about(organisation))
    return organisation


def members_of(organisation: Organisation) -> list[Membership]:
    """The members with an account that still exists, by name."""
    query = (
        select(Membership)
        .join(Membership.user)
        .where(Membership.organisation_id == organisation.id, User.deleted_at.is_(None))
        .options(contains_eager(Membership.user))  # the sort and the page read every user
    )
    memberships = list(db.session.scalars(query))
    return sorted(memberships, key=lambda m: fold(m.user.display_name or m.user.email))


def _membership(organisation: Organisation, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).filter_by(organisation_id=organisation.id, user_id=user.id)
    )


def add_member(organisation: Organisation, address: str, admin: User, now: datetime) -> User:
    """Make the account with this address a member (not a manager)."""
    user = find_user(address)
    if user is None or user.deleted_at is not None:
        raise OrganisationError(
            _(
                "Kein Konto mit dieser Adresse. Die Person legt zuerst ein Konto an oder postet "
                "einmal als Gast."
            )
        )
    already = _("%(who)s ist schon Mitglied von %(name)s.", who=address, name=organisation.name)
    if _membership(organisation, user) is not None:
        raise OrganisationError(already)
    try:
        with db.session.begin_nested():  # two administrators at once: the unique key decides
            db.session.add(Membership(user=user, organisation=organisation, created_at=now))
    except IntegrityError:
        raise OrganisationError(already) from None
    record(Action.MEMBER_ADD, admin, now, subject=user, details=_about(organisation))
    return user


def _member(organisation: Organisation, user_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .join(Membership.user)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.user_id == user_id,
            User.deleted_at.is_(None),
        )
    )
    if membership is None:
        raise OrganisationError(_("Diese Person ist kein Mitglied (mehr) dieser Organisation."))
    return membership


def remove_member(organisation: Organisation, user_id: int, admin: User, now: datetime) -> User:
    """End a membership."""
    membership = _member(organisation, user_id)
    user = membership.user
    db.session.delete(membership)
    record(Action.MEMBER_REMOVE, admin, now, subject=user, details=_about(organisation))
    return user


def set_manager(
    organisation: Organisation, user_id: int, is_manager: bool, admin: User, now: datetime
) -> User:
    """Make a member a manager of the organisation, or no longer; nothing logged if unchanged."""
    membership = _member(organisation, user_id)
    if membership.is_manager != is_manager:
        membership.is_manager = is_manager
        details = _about(organisation, manager=is_manager)
        record(Action.MEMBER_ROLE, admin, now, subject=membership.user, details=details)
    return membership.user


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    members: int
    posts: int


def organisation_rows(now: datetime) -> list[OrganisationRow]:
    """Every organisation with its members and posts on the board now: administrations first,
    then by name as a reader sorts it (umlauts with their letters)."""
    members = (
        select(func.count(Membership.id))
        .join(Membership.user)
        .where(Membership.organisation_id == Organisation.id, User.deleted_at.is_(None))
        .scalar_subquery()
    )
    posts = (
        select(func.count(Post.id))
        .where(Post.organisation_id == Organisation.id, Post.visible_clause(now))
        .scalar_subquery()
    )
    rows = [
        OrganisationRow(organisation, int(member_count), int(post_count))
        for organisation, member_count, post_count in db.session.execute(
            select(Organisation, members, posts)
        )
    ]
    return sorted(
        rows,
        key=lambda row: (not row.organisation.is_administration, fold(row.organisation.name)),
    )


# ---------------------------------------------------------------- pages


@bp.app_template_global()
def organisation_kind_label(kind: OrganisationKind | str) -> str:
    """An organisation's kind in words; the audit log keeps the plain value (unknown: as is)."""
    if kind in OrganisationKind._value2member_map_:
        return str(KIND_LABELS[OrganisationKind(kind)])
    return str(kind)


def _organisation_or_404(slug: str) -> Organisation:
    return db.first_or_404(select(Organisation).filter_by(slug=slug[:SLUG_MAX]))


@bp.get("/organisations")
@admin_required
def organisations() -> ResponseReturnValue:
    """List the town's organisations, administrations first."""
    return render_template("admin/organisations.html", rows=organisation_rows(utcnow()))


@bp.route("/organisations/new", methods=["GET", "POST"])
@form_checks_csrf
@admin_required
def new_organisation() -> ResponseReturnValue:
    """Add an association or the town administration."""
    form = OrganisationForm()
    return _save(form, None)


@bp.route("/organisations/<slug>", methods=["GET", "POST"])
@form_checks_csrf
@admin_required
def organisation(slug: str) -> ResponseReturnValue:
    """Change an organisation's particulars and verification; its members below."""
    found = _organisation_or_404(slug)
    form = OrganisationForm(obj=found)
    return _save(form, found)


def _save(form: OrganisationForm, organisation: Organisation | None) -> ResponseReturnValue:
    if not form.validate_on_submit():
        return _page(form, organisation)
    slug = form.slug.data or slug_from_name(form.name.data)
    if not slug:
        form.slug.errors = [_("Bitte geben Sie eine Adresse aus Buchstaben oder Ziffern an.")]
        return _page(form, organisation)
    new = Particulars(
        name=form.name.data,
        slug=slug,
        kind=OrganisationKind(form.kind.data),
        website=form.website.data or None,
        description=form.description.data or "",
        is_verified=form.is_verified.data,
    )
    try:
        saved = save_organisation(organisation, new, current_user, utcnow())
        db.session.commit()
    except (SlugTaken, IntegrityError) as error:  # IntegrityError: taken a moment ago
        db.session.rollback()
        form.slug.data = slug
        form.slug.errors = [
            error.message
            if isinstance(error, SlugTaken)
            else _("Diese Adresse hat schon eine andere Organisation.")
        ]
        return _page(form, organisation)
    flash(_("„%(name)s“ gespeichert.", name=saved.name), "success")
    return redirect(url_for("admin.organisation", slug=saved.slug), 303)


def _page(
    form: OrganisationForm,
    organisation: Organisation | None,
    member_form: MemberForm | None = None,
    problem: str | None = None,
    status: int | None = None,
) -> ResponseReturnValue:
    if status is None:
        failed = form.errors or (member_form and member_form.errors)
        csrf = "csrf_token" in form.errors
        status = 200 if request.method == "GET" else 400 if csrf else 422 if failed else 200
    return render_template(
        "admin/organisation.html",
        form=form,
        organisation=organisation,
        members=members_of(organisation) if organisation else [],
        member_form=member_form or MemberForm(formdata=None),
        problem=problem,
    ), status


def _member_step(organisation: Organisation, step: Any) -> ResponseReturnValue:
    """Take a step on the members, commit it and say so; a refused step changes nothing."""
    try:
        done = step()
    except OrganisationError as error:
        db.session.rollback()
        form = OrganisationForm(formdata=None, obj=organisation)
        return _page(form, organisation, problem=error.message, status=409)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("admin.organisation", slug=organisation.slug, _anchor="members"), 303)


@bp.post("/organisations/<slug>/members")
@admin_required
def add_member_to(slug: str) -> ResponseReturnValue:
    """Make an existing account a member, found by its e-mail address."""
    found = _organisation_or_404(slug)
    member_form = MemberForm()
    if not member_form.validate_on_submit():
        form = OrganisationForm(formdata=None, obj=found)
        return _page(form, found, member_form, status=422)
    try:
        user = add_member(found, member_form.email.data, current_user, utcnow())
    except OrganisationError as error:
        db.session.rollback()
        member_form.email.errors = [error.message]
        form = OrganisationForm(formdata=None, obj=found)
        return _page(form, found, member_form, status=422)
    db.session.commit()
    flash(_("%(who)s ist jetzt Mitglied.", who=user.display_name or user.email), "success")
    return redirect(url_for("admin.organisation", slug=found.slug, _anchor="members"), 303)


@bp.post("/organisations/<slug>/members/<int(max=2147483647):user_id>/remove")
@admin_required
def remove_member_from(slug: str, user_id: int) -> ResponseReturnValue:
    """End a membership."""
    found = _organisation_or_404(slug)

    def step() -> str:
        user = remove_member(found, user_id, current_user, utcnow())
        return _("%(who)s ist kein Mitglied mehr.", who=user.display_name or user.email)

    return _member_step(found, step)


@bp.post("/organisations/<slug>/members/<int(max=2147483647):user_id>/manager")
@admin_required
def member_manager(slug: str, user_id: int) -> ResponseReturnValue:
    """Make a member a manager of the organisation, or no longer."""
    found = _organisation_or_404(slug)
    is_manager = request.form.get("manager") == "1"

    def step() -> str:
        user = set_manager(found, user_id, is_manager, current_user, utcnow())
        who = user.display_name or user.email
        if is_manager:
            return _("%(who)s verwaltet jetzt die Organisation.", who=who)
        return _("%(who)s verwaltet die Organisation nicht mehr.", who=who)

    return _member_step(found, step)
