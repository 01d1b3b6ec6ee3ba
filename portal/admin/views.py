"""Admins' pages, under /admin/: accounts and invitations. Admins never hold keys."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, abort, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.admin import service
from portal.admin.forms import ButtonForm, InviteForm, JoinForm, NewAuthenticatorForm
from portal.core import invitations
from portal.core.accounts import Enrolment
from portal.core.authentication import AccountError, LoginFailed
from portal.core.authenticators import Offer
from portal.core.principal import Principal
from portal.store.models import Role
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.settings import portal_config
from portal.web.signin import add_sign_in, offered_passphrase

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
add_sign_in(bp)
admins_only = signed_in(Role.ADMIN)
NOT_OPENED = (
    "That passphrase did not open the account. After five failures, this pauses for 15 minutes."
)


@bp.get("/")
@admins_only
def index(principal: Principal) -> str:
    """Every account, with its state, and the invitation form."""
    everyone = service.overview(db())
    return render_template(
        "admin/index.html",
        accounts=everyone.accounts,
        waiting=everyone.waiting,
        resetting=everyone.resetting,
        keyed=everyone.keyed,
        invite=InviteForm(),
        button=ButtonForm(),
        me=principal,
    )


@bp.post("/invite")
@admins_only
def invite(principal: Principal) -> str | Response:
    """Create an invitation link, shown once."""
    form = InviteForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.index"), code=303)
    token = invitations.create(db(), Role(form.role.data), actor=principal.name)
    link = f"{portal_config().public_url}{url_for('admin.join', token=token)}"
    return render_template("admin/invited.html", link=link, role=form.role.data)


@bp.post("/accounts/<int:account_id>/<action>")
@admins_only
def change(principal: Principal, account_id: int, action: str) -> Response:
    """Disable, enable or remove an account (removal rotates its group's key)."""
    if not ButtonForm().validate_on_submit():
        abort(404)
    try:
        service.change_account(db(), principal, account_id, action)
    except service.NoSuchChange:
        abort(404)
    return redirect(url_for("admin.index"), code=303)


@bp.post("/accounts/<int:account_id>/authenticator/reset")
@admins_only
def reset_authenticator(principal: Principal, account_id: int) -> str:
    """End an account's authenticator and sessions; show the link for a new one, once."""
    if not ButtonForm().validate_on_submit():
        abort(404)
    try:
        account, token = service.reset_authenticator(db(), principal, account_id)
    except service.NoSuchChange:
        abort(404)
    link = f"{portal_config().public_url}{url_for('admin.new_authenticator', token=token)}"
    return render_template("admin/reset.html", link=link, name=account.name)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> str:
    """Create an account from an invitation: name, passphrase, and a working authenticator."""
    invitation = invitations.find(db(), token)
    if invitation is None:
        abort(404)
    role = invitation.role  # read now: a join that fails rolls back, and the link may be gone
    form = JoinForm()
    config = portal_config()
    offer = service.offer_for(token, form.offer.data, config.secret_key)
    error = None
    if form.validate_on_submit():
        try:
            enrolment = service.join(
                db(), invitation, _joining(form), offer, config.argon2, config.secrets_path
            )
        except AccountError as problem:
            error = str(problem)
        else:
            return _enrolled(enrolment, role)
    suggestion = offered_passphrase(form.suggestion.data)
    return _set_up_page(
        "admin/join.html", form, offer, role.value, error=error, role=role, suggestion=suggestion
    )


@bp.route("/authenticator/<token>", methods=["GET", "POST"])
def new_authenticator(token: str) -> str:
    """Set up a new authenticator after a reset: the passphrase is still needed."""
    link = invitations.find_reset(db(), token)
    if link is None:
        abort(404)
    # Read now: a set-up that fails rolls back, and the link may be gone.
    shown: dict[str, Any] = {"label": link.role.value, "new_key": service.gives_new_key(db(), link)}
    form = NewAuthenticatorForm()
    config = portal_config()
    offer = service.offer_for(token, form.offer.data, config.secret_key)
    error = None
    if form.validate_on_submit():
        try:
            account = service.new_authenticator(db(), link, _new_one(form), offer, config.argon2)
        except LoginFailed:
            error = NOT_OPENED
        except AccountError as problem:
            error = str(problem)
        else:
            return render_template(
                "admin/authenticator_ready.html", role=account.role, new_key=shown["new_key"]
            )
    return _set_up_page("admin/authenticator.html", form, offer, error=error, **shown)


def _new_one(form: NewAuthenticatorForm) -> service.NewAuthenticator:
    return service.NewAuthenticator(
        form.passphrase.data or "",
        form.confirm.data or "",
        form.code.data or "",
        form.offer.data or "",
    )


def _joining(form: JoinForm) -> service.Joining:
    return service.Joining(
        form.name.data or "",
        form.passphrase.data or "",
        form.code.data or "",
        form.offer.data or "",
    )


def _set_up_page(template: str, form: Any, offer: Offer, label: str, **context: Any) -> str:
    """A page setting up an authenticator: the offered secret as a QR code and as text,
    sealed into the form; a code typed is never shown back."""
    form.offer.data = offer.sealed
    form.code.data = ""
    return render_template(template, form=form, offer=offer, qr=_qr(offer.uri(label)), **context)


def _qr(uri: str) -> Markup:
    svg = segno.make(uri).svg_inline(scale=5, title="QR code for your authenticator app")
    # Trusted markup: segno draws only shapes, with our constant title.
    return Markup(svg)  # noqa: S704  # nosec B704


def _enrolled(enrolment: Enrolment, role: Role) -> str:
    """The new account is ready; for members of a group, its key's fingerprint."""
    fingerprint = service.enrolled_fingerprint(db(), enrolment, role)
    return render_template("admin/enrolled.html", role=role, fingerprint=fingerprint)
