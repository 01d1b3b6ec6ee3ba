"""Sign-in and sign-out pages shared by the advocate, staff and admin areas."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from crypto.words import PASSPHRASE_WORDS, listed_word_count, new_passphrase, split_words
from portal.core import account_sessions, authentication, escrow_run, grants
from portal.core.logs import describe_exception
from portal.core.principal import Principal
from portal.store.models import Group, Role
from portal.web import processes
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.security import Cookie, clear_cookie, read_cookie, set_cookie
from portal.web.settings import portal_config
from portal.web.throttle import Throttle

log = logging.getLogger("portal.web.signin")
AREA = {Role.ADVOCATE: "advocate.index", Role.STAFF: "staff.index", Role.ADMIN: "admin.index"}
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9/_.=&%-]*")
FAILED = (
    "Those details did not work. Check your name, passphrase and the current code "
    "from your app. After five failures, sign-in pauses for 15 minutes."
)


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Name, passphrase and the current TOTP code."""

    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    passphrase = PasswordField(
        "Passphrase", validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)]
    )
    code = StringField(
        "Code from your authenticator app", validators=[DataRequired(), Length(max=12)]
    )
    submit = SubmitField("Sign in")


class PassphraseForm(FlaskForm):  # type: ignore[misc]
    """Change the passphrase: the current one unlocks the key to rewrap."""

    current = PasswordField(
        "Current passphrase",
        validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)],
    )
    new = PasswordField(
        "New passphrase",
        validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)],
    )
    confirm = PasswordField(
        "New passphrase again",
        validators=[DataRequired(), EqualTo("new", message="The two do not match.")],
    )
    suggestion = HiddenField()  # the words offered, offered again if the form comes back
    submit = SubmitField("Change passphrase")


def offered_passphrase(sent_back: str | None) -> str:
    """The words to offer as a passphrase: those the form was showing, or new ones.

    Someone who wrote the offered words down and mistyped them must see the
    same words again, not new ones. Only a value that is exactly such words is
    offered again; any other gets new words, so nothing typed is shown back.
    """
    words = split_words(sent_back or "")
    if len(words) == PASSPHRASE_WORDS and listed_word_count(" ".join(words)) == PASSPHRASE_WORDS:
        return " ".join(words)
    return new_passphrase()


def _throttle() -> Throttle:
    throttle: Throttle = current_app.extensions["login_throttle"]
    return throttle


def _safe_next(target: str | None, role: Role) -> str:
    """Only a plain path inside the signed-in account's own area, never another host.

    The allow-list of characters matters: a browser or Werkzeug drops tabs and
    newlines, so "/\t/evil.example" would otherwise become "//evil.example".
    """
    area = url_for(AREA[role])
    if target and target.startswith(area) and _PLAIN_PATH.fullmatch(target):
        return target
    return area


def _match_if_member(cookie: str) -> None:
    """An escrow member's sign-in runs the matching: a waiting report that enough
    others name is released to the advocates now, and they hear of new activity.

    A run that fails (on rows someone altered by hand) is logged and releases
    nothing, but never stops the sign-in: every member would be locked out.
    """
    principal = account_sessions.resume(db(), cookie)
    if principal is None or not principal.holds(Group.ESCROW):
        return
    try:
        released = escrow_run.run_matching(
            db(), principal, actor=principal.name, escrow_seed=portal_config().escrow_key
        ).released
    except Exception as error:  # anything at all: the sign-in goes on without the run
        db().rollback()
        log.error("matching at sign-in failed: %s", describe_exception(error))
        return
    if released:
        processes.new_activity()


def add_sign_in(bp: Blueprint) -> None:
    """Give an area its /login and /logout pages."""

    @bp.record_once
    def _create_throttle(state: BlueprintSetupState) -> None:
        # Failed sign-ins: 20 per client per 15 minutes, 500 overall.
        state.app.extensions.setdefault(
            "login_throttle",
            Throttle.for_app(
                state.app, "signin", per_client=20, overall=500, window_seconds=15 * 60
            ),
        )

    def login() -> Response | str | tuple[str, int]:
        """Sign in with name, passphrase and TOTP: one Argon2id call."""
        form = LoginForm()
        if not form.validate_on_submit():
            return render_template("signin.html", form=form)
        if not _throttle().allowed(request.remote_addr):
            return render_template("signin.html", form=form, error=FAILED), 429
        try:
            role, cookie = account_sessions.sign_in(
                db(),
                form.name.data or "",
                form.passphrase.data or "",
                form.code.data or "",
                portal_config().argon2,
            )
        except authentication.LoginFailed:
            _throttle().failed(request.remote_addr)
            form.code.data = ""  # a one-time code, right or wrong, is never shown back
            return render_template("signin.html", form=form, error=FAILED), 200
        _match_if_member(cookie)
        response = redirect(_safe_next(request.args.get("next"), role), code=303)
        set_cookie(response, Cookie.CHARITY, cookie, int(account_sessions.ABSOLUTE.total_seconds()))
        return response

    def logout() -> Response:
        """Sign out: the server side of the session is destroyed."""
        account_sessions.end(db(), read_cookie(Cookie.CHARITY))
        response = redirect(url_for(f"{bp.name}.login"), code=303)
        clear_cookie(response, Cookie.CHARITY)
        return response

    area_role = Role(bp.name)  # the areas are named after their roles

    @signed_in(area_role, *(role for role in Role if role is not area_role))
    def passphrase(principal: Principal) -> str:
        """Your account: your key's fingerprint, and changing your passphrase."""
        form = PassphraseForm()
        error, done = None, False
        if form.validate_on_submit():
            try:
                # Two Argon2id calls: unwrap with the current passphrase, rewrap with the new.
                authentication.change_passphrase(
                    db(),
                    principal.account_id,
                    form.current.data or "",
                    form.new.data or "",
                    portal_config().argon2,
                )
                done = True
            except authentication.AccountError as problem:
                error = str(problem)
        return render_template(
            "passphrase.html",
            form=form,
            error=error,
            done=done,
            area=bp.name,
            name=principal.name,
            needs_grant=principal.role in grants.ROLE_GROUP,
            fingerprint=principal.fingerprint,
            stored_fingerprint=grants.stored_fingerprint_of(db(), principal.account_id),
            suggestion=new_passphrase() if done else offered_passphrase(form.suggestion.data),
        )

    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/passphrase", "passphrase", passphrase, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
