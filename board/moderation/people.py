"""The people behind the posts, for moderators: find someone, suspend, trust, give a role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import load_only
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation import bp, permissions, reasons, services
from board.moderation.audit_queries import history_of_person, positive_int
from board.moderation.models import ReasonTemplate
from board.moderation.permissions import NotAllowed
from board.moderation.services import ModerationError, Reason
from board.moderation.views import moderator_required
from board.posts.models import Post
from board.site import form_checks_csrf
from board.timeutil import utcnow

PER_PAGE = 25
MAX_PAGE = 500
POSTS_SHOWN = 100

ROLE_LABELS = {
    Role.RESIDENT: _l("Bewohner/in"),
    Role.MODERATOR: _l("Moderator/in"),
    Role.ADMIN: _l("Admin"),
}

# What the list can be narrowed to, besides the search words.
SHOW_CHOICES = {
    "suspended": _l("Gesperrte"),
    "trusted": _l("Vertrauenswürdige"),
    "staff": _l("Moderation und Admins"),
}


@bp.app_template_global()
def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class PeopleSearch:
    q: str = ""
    show: str = ""
    page: int = 1

    def query_args(self, **changes: object) -> dict[str, object]:
        args: dict[str, object] = {
            "q": self.q or None,
            "show": self.show or None,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}


def parse_people_search(args: MultiDict[str, str]) -> PeopleSearch:
    q = " ".join(args.get("q", "").split())[:100]
    show = args.get("show", "")
    page = positive_int(args.get("page")) or 1
    return PeopleSearch(q, show if show in SHOW_CHOICES else "", min(max(page, 1), MAX_PAGE))


def _person_or_404(user_id: int) -> User:
    """A person moderators can look at and act on: a deleted account is nobody any more."""
    user = db.get_or_404(User, user_id)
    if user.deleted_at is not None:
        abort(404)
    return user


@dataclass(frozen=True)
class PersonRow:
    user: User
    posts: int


def people_page(search: PeopleSearch, per_page: int = PER_PAGE) -> tuple[list[PersonRow], bool]:
    """One page of people matching the search, newest first, with how many posts each wrote."""
    # Counted per shown row (the author index answers it), not over every post of the town.
    post_count = select(func.count(Post.id)).where(Post.author_id == User.id).scalar_subquery()
    # Deleted accounts are only there for the audit log: nothing about them to see or decide.
    query = select(User, post_count).where(User.deleted_at.is_(None))
    for term in search.q.lower().split():
        name = func.lower(func.coalesce(User.display_name, ""))
        query = query.where(
            func.lower(User.email).contains(term, autoescape=True)
            | name.contains(term, autoescape=True)
        )
    if search.show == "suspended":
        query = query.where(User.is_suspended.is_(True))
    elif search.show == "trusted":
        query = query.where(User.is_trusted.is_(True))
    elif search.show == "staff":
        query = query.where(User.role.in_([Role.MODERATOR, Role.ADMIN]))
    query = (
        query.order_by(User.created_at.desc(), User.id.desc())
        .limit(per_page + 1)
        .offset((search.page - 1) * per_page)
    )
    rows = [PersonRow(user, int(count)) for user, count in db.session.execute(query)]
    return rows[:per_page], len(rows) > per_page


def posts_of(user: User, limit: int = POSTS_SHOWN) -> tuple[list[Post], int]:
    """The person's latest posts in any status, and how many they wrote in all."""
    query = (
        select(Post)
        .options(load_only(Post.id, Post.kind, Post.title, Post.status, Post.created_at))
        .where(Post.author_id == user.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    )
    total = db.session.scalar(select(func.count(Post.id)).where(Post.author_id == user.id))
    return list(db.session.scalars(query)), int(total or 0)


# ---------------------------------------------------------------- the suspension form


class SuspendForm(FlaskForm):
    # Choices are the active reason templates, set per request; an unknown id counts as none.
    template = RadioField(_l("Vorlage"), choices=[], validate_choice=False, default="")
    text = TextAreaField(
        _l("Begründung (die Person bekommt sie per E-Mail)"),
        validators=[Length(max=2000, message=_l("Bitte höchstens %(max)d Zeichen."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template.choices = [("", _("Keine Vorlage"))] + [
            (str(reason.id), reason.title) for reason in reasons.active_reasons()
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.reason().text:
            self.text.errors.append(
                _("Bitte wählen Sie eine Vorlage oder schreiben Sie eine Begründung.")
            )
            return False
        return True

    def reason(self) -> Reason:
        chosen = (self.template.data or "").strip()
        template = None
        if chosen.isdecimal() and chosen.isascii() and len(chosen) < 10:
            template = db.session.get(ReasonTemplate, int(chosen))
        if template is not None and not template.is_active:
            template = None
        return Reason.from_template(template, self.text.data or "")


# ---------------------------------------------------------------- pages


@bp.get("/moderation/people")
@moderator_required
def people() -> ResponseReturnValue:
    """Find a person by address or name, newest accounts first."""
    search = parse_people_search(request.args)
    rows, has_next = people_page(search)
    return render_template(
        "moderation/people.html",
        search=search,
        rows=rows,
        has_next=has_next,
        show_choices=SHOW_CHOICES,
    )


@bp.get("/moderation/people/<int(max=2147483647):user_id>")
@moderator_required
def person(user_id: int) -> ResponseReturnValue:
    """One person: their posts, what moderation did about them, and what can be done."""
    user = _person_or_404(user_id)
    return _person_page(user, SuspendForm(formdata=None))


def _person_page(
    user: User, form: SuspendForm | None = None, status: int = 200, problem: object = None
) -> ResponseReturnValue:
    posts, post_total = posts_of(user)
    me = current_user._get_current_object()
    return render_template(
        "moderation/person.html",
        person=user,
        posts=posts,
        post_total=post_total,
        history=history_of_person(user),
        form=form or SuspendForm(formdata=None),
        may_manage=_allowed(permissions.check_may_manage_user, me, user),
        may_set_role=_allowed(permissions.check_may_set_role, me, user),
        roles=list(Role),
        problem=problem,
    ), status


def _allowed(check: Callable[[User, User], None], actor: User, user: User) -> bool:
    try:
        check(actor, user)
    except NotAllowed:
        return False
    return True


def _act(
    user: User, step: Callable[[], str], form: SuspendForm | None = None
) -> ResponseReturnValue:
    """Take a step on a person, commit it and say what happened; a refused step changes nothing."""
    try:
        done = step()
    except NotAllowed as error:
        db.session.rollback()
        return _person_page(user, form, 403, error.message)
    except ModerationError as error:
        db.session.rollback()
        return _person_page(user, form, 409, error.message)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("moderation.person", user_id=user.id), 303)


# ---------------------------------------------------------------- steps


@bp.post("/moderation/people/<int(max=2147483647):user_id>/suspend")
@form_checks_csrf
@moderator_required
def person_suspend(user_id: int) -> ResponseReturnValue:
    """Lock a person out and take their posts off the board, telling them why."""
    user = _person_or_404(user_id)
    form = SuspendForm()
    try:  # who may not suspend learns that first, not that the reason is missing
        permissions.check_may_manage_user(current_user, user)
    except NotAllowed as error:
        return _person_page(user, form, 403, error.message)
    if not form.validate_on_submit():
        return _person_page(user, form, 400 if "csrf_token" in form.errors else 422)
    return _act(user, lambda: _suspend(user, form.reason()), form)


def _suspend(user: User, reason: Reason) -> str:
    hidden = services.suspend(user, current_user, reason, utcnow())
    return ngettext(
        "Konto gesperrt. %(num)d Beitrag ist nicht mehr zu sehen.",
        "Konto gesperrt. %(num)d Beiträge sind nicht mehr zu sehen.",
        hidden,
    )


@bp.post("/moderation/people/<int(max=2147483647):user_id>/unsuspend")
@moderator_required
def person_unsuspend(user_id: int) -> ResponseReturnValue:
    """Let a person back in; the posts their suspension hid return to the board."""
    user = _person_or_404(user_id)

    def step() -> str:
        restored = services.unsuspend(user, current_user, utcnow())
        return ngettext(
            "Konto entsperrt. %(num)d Beitrag ist wieder zu sehen.",
            "Konto entsperrt. %(num)d Beiträge sind wieder zu sehen.",
            restored,
        )

    return _act(user, step)


@bp.post("/moderation/people/<int(max=2147483647):user_id>/trust")
@moderator_required
def person_trust(user_id: int) -> ResponseReturnValue:
    """Let a person's posts appear without waiting for a moderator."""
    user = _person_or_404(user_id)

    def step() -> str:
        services.set_trusted(user, current_user, True, utcnow())
        return _("Die Beiträge dieser Person erscheinen jetzt ohne Prüfung.")

    return _act(user, step)


@bp.post("/moderation/people/<int(max=2147483647):user_id>/untrust")
@moderator_required
def person_untrust(user_id: int) -> ResponseReturnValue:
    """Send a person's posts through the queue again."""
    user = _person_or_404(user_id)

    def step() -> str:
        services.set_trusted(user, current_user, False, utcnow())
        return _("Die Beiträge dieser Person werden wieder geprüft, wie die Regeln es vorsehen.")

    return _act(user, step)


@bp.post("/moderation/people/<int(max=2147483647):user_id>/role")
@moderator_required
def person_role(user_id: int) -> ResponseReturnValue:
    """Make someone a moderator or admin, or a resident again (admins only)."""
    user = _person_or_404(user_id)
    chosen = request.form.get("role", "")

    def step() -> str:
        permissions.check_may_set_role(current_user, user)
        if chosen not in Role._value2member_map_:
            raise ModerationError(_l("Bitte wählen Sie eine Rolle."))
        services.set_role(user, current_user, Role(chosen), utcnow())
        return _("Rolle gespeichert: %(role)s.", role=role_label(Role(chosen)))

    return _act(user, step)
